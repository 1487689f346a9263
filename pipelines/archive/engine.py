"""Engines for archive URLs: SQLite gets its directory and WAL pragmas, PostgreSQL a timeout."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """WAL lets the web UI read while a crawl writes; NORMAL sync is safe with WAL."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, *, create_directory: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL pragmas on connect, and its directory created when
    ``create_directory`` (writing commands only: a reader must not leave folders behind)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if (
            create_directory
            and database
            and database != ":memory:"
            and not database.startswith("file:")
        ):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    connect_args = {"connect_timeout": 10} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
