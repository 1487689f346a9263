"""Settings and storage for the commands: one place for how a command gets what it works on.

Each command builds one :class:`~pipelines.core.settings.ThaigovSettings` from its options (and
the global ``--data-dir``) over the environment, then opens the archive and the index in the mode
its kind needs:

- readers (``search``, ``show``, ``db stats``, ``export``, ``serve``) open what exists and create
  or migrate nothing; a missing archive or index ends the command with one line saying where it
  looked and exit status 1;
- writers (``crawl``, ``import-corpus``, ``reindex``, ``db upgrade``) create the folders of the
  files they write first (by default the data directory), with a one-line error when they
  cannot.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:  # pydantic and SQLAlchemy load when a command runs: `--help` stays fast
    from pipelines.archive.store import ArchiveStore
    from pipelines.core.settings import ThaigovSettings
    from search.backends.base import SearchBackend

EXIT_UNAVAILABLE = 1

#: Set by the ``thaigov`` callback (``--data-dir``): overrides for every command of this run.
GLOBAL_OVERRIDES: dict[str, Any] = {}


def fail(message: str, code: int = EXIT_UNAVAILABLE) -> NoReturn:
    """One line on stderr, then exit with ``code`` (no traceback)."""
    Console(stderr=True, soft_wrap=True).print(f"[red]error:[/red] {escape(message)}")
    raise typer.Exit(code)


def load_settings(**overrides: Any) -> ThaigovSettings:
    """Command options (``None``: not given) over the global options over the environment."""
    from pipelines.core.settings import SettingsError, ThaigovSettings

    try:
        return ThaigovSettings.load(**{**GLOBAL_OVERRIDES, **overrides})
    except SettingsError as exc:
        fail(str(exc), code=2)


def prepare_for_writing(settings: ThaigovSettings, *, crawl: bool = False) -> None:
    """Create the folders of the files this command writes, or fail in one line (``crawl``:
    also the run lock's and the stats file's)."""
    from pipelines.core.settings import DataDirError, ensure_writable_dirs

    try:
        ensure_writable_dirs(settings, crawl=crawl)
    except DataDirError as exc:
        fail(str(exc))


@contextmanager
def existing_archive(settings: ThaigovSettings) -> Iterator[ArchiveStore]:
    """The archive opened read-only (no creation, no migration), closed afterwards."""
    from pipelines.archive.store import ArchiveStore, ArchiveUnavailable

    try:
        store = ArchiveStore.open_existing(settings.archive_url)
    except ArchiveUnavailable as exc:
        fail(str(exc))
    try:
        yield store
    finally:
        store.close()


@contextmanager
def writable_archive(settings: ThaigovSettings) -> Iterator[ArchiveStore]:
    """The archive, created or migrated to head first (writing commands)."""
    from pipelines.archive.store import ArchiveStore

    prepare_for_writing(settings)
    store = ArchiveStore.open_for_writing(settings.archive_url)
    try:
        yield store
    finally:
        store.close()


@contextmanager
def search_backend(settings: ThaigovSettings, *, create: bool) -> Iterator[SearchBackend]:
    """The configured index; readers (``create=False``) fail in one line when it is missing."""
    from search.backends.base import IndexMissing
    from search.backends.select import open_backend

    try:
        backend = open_backend(settings, create=create)
    except IndexMissing as exc:
        fail(str(exc))
    try:
        yield backend
    finally:
        backend.close()
