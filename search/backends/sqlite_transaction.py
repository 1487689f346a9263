"""One write transaction on an SQLite connection opened with ``isolation_level=None``.

Both embedded stores (the FTS5 index and the vector store) open their connections in autocommit
mode so that reads take no lock; a write takes the file's write lock at once (``IMMEDIATE``),
so two writers wait (the connection's ``timeout``) instead of failing halfway with "database is
locked".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def write_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any exception (re-raised)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")
