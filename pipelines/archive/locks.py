"""One crawl per archive: a lock that belongs to the archive database, not to a directory.

A lock file under the working directory (the earlier ``data/crawl.lock``) let two crawls started
from two directories write one archive at once. Here the key is the archive itself:

- PostgreSQL: a session-level advisory lock (``pg_try_advisory_lock``) held on a dedicated
  connection for the whole run; advisory locks are per database, so every machine that reaches
  the database sees it, and the server drops it when the connection dies (no stale lock).
- SQLite: ``flock`` on ``<database file>.crawl-lock`` beside the file, found through the file's
  absolute, symlink-resolved path, so every working directory that names the same file takes the
  same lock; the kernel drops it when the process dies.
"""

from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, Engine, text
from sqlalchemy.engine import make_url

#: The advisory lock key of "a crawl writes this archive" (any fixed 64-bit number would do).
ADVISORY_KEY = 0x74686169676F76  # "thaigov"


class CrawlLock:
    """A held lock; ``release()`` (idempotent) frees it. ``where`` names it in messages."""

    def __init__(
        self, where: str, *, file: IO[str] | None = None, connection: Connection | None = None
    ) -> None:
        self.where = where
        self._file = file
        self._connection = connection

    def release(self) -> None:
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None
        if self._connection is not None:
            try:
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": ADVISORY_KEY})
            finally:
                self._connection.close()
                self._connection = None


class LockHeld(Exception):
    """Another process holds the archive's crawl lock; the message says which, where known."""


def sqlite_lock_path(url: str) -> Path | None:
    """``<absolute database path>.crawl-lock``; None for in-memory databases."""
    database = make_url(url).database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser()
    return Path(os.path.realpath(path)).with_name(path.name + ".crawl-lock")


def acquire(engine: Engine, url: str) -> CrawlLock:
    """Take the archive's crawl lock or raise :class:`LockHeld` at once (never waits)."""
    backend = make_url(url).get_backend_name()
    if backend == "postgresql":
        return _acquire_postgres(engine)
    if backend == "sqlite":
        path = sqlite_lock_path(url)
        if path is None:
            return CrawlLock("in-memory database (no lock needed)")
        return _acquire_file(path)
    return CrawlLock(f"{backend} (no crawl lock for this database)")


def _acquire_postgres(engine: Engine) -> CrawlLock:
    connection = engine.connect()
    try:
        got = connection.execute(
            text("SELECT pg_try_advisory_lock(:k)"), {"k": ADVISORY_KEY}
        ).scalar()
        connection.commit()
        if got:
            return CrawlLock("PostgreSQL advisory lock", connection=connection)
        holder = connection.execute(
            text(
                "SELECT a.pid, a.client_addr, a.application_name FROM pg_locks l"
                " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory'"
                " AND l.granted AND l.database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database())"
                " AND ((l.classid::bigint << 32) | l.objid::bigint) = :k"
            ),
            {"k": ADVISORY_KEY},
        ).first()
    except BaseException:
        connection.close()
        raise
    connection.close()
    who = f"backend pid {holder[0]} from {holder[1] or 'local socket'}" if holder else "unknown"
    raise LockHeld(f"PostgreSQL advisory lock of this database is held ({who})")


def _acquire_file(path: Path) -> CrawlLock:
    path.parent.mkdir(parents=True, exist_ok=True)
    file = path.open("a+", encoding="utf-8")
    try:
        fcntl.flock(file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        file.seek(0)
        holder = file.read().strip() or "unknown process"
        file.close()
        raise LockHeld(f"{path} is locked ({holder})") from None
    file.seek(0)
    file.truncate(0)
    file.write(f"pid {os.getpid()} on {socket.gethostname()} in {os.getcwd()}\n")
    file.flush()
    return CrawlLock(str(path), file=file)
