"""Alembic migrations for the archive, configured in code (no alembic.ini needed at run time).

``upgrade(url)`` brings any database to head; ``ArchiveStore.open_for_writing`` (crawl, import,
reindex, ``thaigov db upgrade``) calls it, so a new database just works. Read-only commands
never migrate: they ask for ``thaigov db upgrade`` when the schema is behind.

The scripts are read through ``importlib.resources``, so the package also works from a zip
(the egg Scrapyd runs): see :func:`script_location`.
"""

from __future__ import annotations

import atexit
import functools
import logging
import shutil
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

if TYPE_CHECKING:
    from alembic.config import Config

log = logging.getLogger(__name__)
# Alembic logs its setup on every open at INFO (its plugins when first imported, hence the
# imports inside the functions below); this module logs the upgrades that actually happen.
for _name in ("alembic.runtime.plugins", "alembic.runtime.migration"):
    logging.getLogger(_name).setLevel(logging.WARNING)


@functools.cache
def script_location() -> Path:
    """A real directory holding this package's migration scripts, for Alembic.

    Alembic lists and loads the scripts from the file system. From a plain install that is the
    package folder; from a zip (a Scrapyd egg) the scripts are copied once per process into a
    temporary directory, removed at exit. (Alembic's own ``package:dir`` form relies on
    ``importlib.resources.as_file``, which extracts directories only from Python 3.12 on.)
    """
    package = resources.files(__name__)
    if isinstance(package, Path) and package.is_dir():
        return package
    target = Path(tempfile.mkdtemp(prefix="thaigov-migrations-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    _copy_scripts(package, target)
    log.debug("migration scripts extracted from %s to %s", package, target)
    return target


def _copy_scripts(source: Traversable, target: Path) -> None:
    """Copy ``*.py`` and ``*.mako`` files (recursively, no caches) from a zip to ``target``."""
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            if entry.name != "__pycache__":
                _copy_scripts(entry, target / entry.name)
        elif entry.name.endswith((".py", ".mako")):
            (target / entry.name).write_bytes(entry.read_bytes())


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at this package; ``%`` escaped for configparser."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(script_location()))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(target: str | Engine | Connection, revision: str = "head") -> None:
    """Migrate the database at ``target`` (URL, engine or open connection) to ``revision``."""
    if isinstance(target, str):
        from pipelines.archive.engine import make_engine

        engine = make_engine(target, for_writing=True)
        try:
            upgrade(engine, revision)
        finally:
            engine.dispose()
        return
    if isinstance(target, Engine):
        with target.begin() as connection:
            upgrade(connection, revision)
        return
    from alembic import command

    before = current_revision(target)
    config = alembic_config()
    config.attributes["connection"] = target
    command.upgrade(config, revision)
    after = current_revision(target)
    if after != before:
        log.info("archive schema upgraded from %s to %s", before or "empty", after)


def current_revision(connection: Connection) -> str | None:
    """The revision stored in the database (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
