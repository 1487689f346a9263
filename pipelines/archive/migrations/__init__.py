"""Alembic migrations for the archive, configured in code (no alembic.ini needed at run time).

``upgrade(url)`` brings any database to head; ``ArchiveStore`` calls it on open, so a new
database just works and ``thaigov db upgrade`` is only needed to migrate ahead of time.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine

SCRIPT_LOCATION = Path(__file__).resolve().parent


def alembic_config(url: str | None = None) -> Config:
    """An Alembic config pointing at this package; ``%`` escaped for configparser."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    if url:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(target: str | Engine | Connection, revision: str = "head") -> None:
    """Migrate the database at ``target`` (URL, engine or open connection) to ``revision``."""
    if isinstance(target, str):
        engine = create_engine(target)
        try:
            upgrade(engine, revision)
        finally:
            engine.dispose()
        return
    if isinstance(target, Engine):
        with target.begin() as connection:
            upgrade(connection, revision)
        return
    config = alembic_config()
    config.attributes["connection"] = target
    command.upgrade(config, revision)


def current_revision(connection: Connection) -> str | None:
    """The revision stored in the database (None for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def head_revision() -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()
