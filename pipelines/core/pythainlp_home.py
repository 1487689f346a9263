"""Keep PyThaiNLP out of the home directory: it creates a data folder there when imported.

Runs from the ``__init__`` of each top-level package (``pipelines``, ``search``,
``thaigov_crawler``), so before any module imports pythainlp. That is too early for
:class:`pipelines.core.settings.ThaigovSettings` (a ``-s`` value is not known yet), so this reads
``THAIGOV_DATA_DIR`` from the environment itself, with the same default; it imports nothing
heavy, to keep ``thaigov --help`` fast.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import MutableMapping
from importlib import metadata
from pathlib import Path

PYTHAINLP_DIR = "pythainlp"


def isolate_pythainlp_data(environ: MutableMapping[str, str] | None = None) -> None:
    """Keep PyThaiNLP out of the home directory (it creates a data folder there at import).

    Unless the user chose a folder, PyThaiNLP gets ``<data dir>/pythainlp`` when the data
    directory already exists and is writable, else a folder in the system temp directory (the
    project uses only the dictionaries PyThaiNLP ships, so nothing needs to persist). Must run
    before pythainlp is imported: the package ``__init__`` modules call it.
    """
    environ = os.environ if environ is None else environ
    if environ.get("PYTHAINLP_DATA") or environ.get("PYTHAINLP_DATA_DIR"):
        return
    data_dir = Path(os.path.abspath(Path(environ.get("THAIGOV_DATA_DIR") or "data").expanduser()))
    if data_dir.is_dir() and os.access(data_dir, os.W_OK | os.X_OK):
        folder = data_dir / PYTHAINLP_DIR
    else:
        folder = Path(tempfile.gettempdir()) / f"thaigov-pythainlp-{os.getuid()}"
    environ[_pythainlp_variable()] = str(folder)


def _pythainlp_variable() -> str:
    """The variable the installed PyThaiNLP reads: newer releases read ``PYTHAINLP_DATA`` and
    refuse to start when both it and the older ``PYTHAINLP_DATA_DIR`` are set. Its source is
    read, not imported, since importing it is what must not happen yet."""
    try:
        source = metadata.distribution("pythainlp").locate_file("pythainlp/tools/path.py")
        text = Path(str(source)).read_text(encoding="utf-8")
    except (metadata.PackageNotFoundError, OSError):
        return "PYTHAINLP_DATA_DIR"
    return "PYTHAINLP_DATA" if '"PYTHAINLP_DATA"' in text else "PYTHAINLP_DATA_DIR"
