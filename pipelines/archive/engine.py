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
    _session_pragmas(cursor)


def _reader_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """A reader leaves the file's journal mode alone (WAL persists once a writer set it)."""
    cursor = dbapi_connection.cursor()
    _session_pragmas(cursor)


def _session_pragmas(cursor: Any) -> None:
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str, *, for_writing: bool = False) -> Engine:
    """An engine for ``url``. For SQLite, ``for_writing`` (writers) creates the file's
    folder and switches the file to WAL on connect; a reader (the default) changes neither, so
    opening a file that is not an archive leaves it as it was."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if for_writing and database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas if for_writing else _reader_pragmas)
        return engine
    connect_args = {"connect_timeout": 10} if parsed.get_backend_name() == "postgresql" else {}
    return create_engine(parsed, pool_pre_ping=True, connect_args=connect_args)
