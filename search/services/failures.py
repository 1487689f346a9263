"""Which errors mean "the storage is down, missing or corrupt", and how to say so in one line.

The web app answers those with 503 and a clear page; the CLI prints one line and exits 1.
Anything else is a bug and surfaces as one. Storage here is the archive database (SQLAlchemy:
SQLite, PostgreSQL), the embedded search index (sqlite3) and Elasticsearch.

Exception classes of SQLAlchemy, Alembic and elasticsearch-py are looked up in ``sys.modules``
instead of imported: an exception of a library that was never imported cannot occur, and the
CLI stays free of imports it does not need.
"""

from __future__ import annotations

import re
import sqlite3
import sys
from dataclasses import dataclass
from typing import Literal

Component = Literal["archive", "search index", "search server", "storage"]

#: One line for the operator: what failed and what to do about it.
HINTS: dict[Component, str] = {
    "archive": "check THAIGOV_ARCHIVE_URL and that the database is running",
    "search index": "rebuild it with `thaigov reindex --all`",
    "search server": "check THAIGOV_ELASTICSEARCH_URL and that Elasticsearch is running",
    "storage": "check the paths in the THAIGOV_* settings",
}
PROBLEMS: dict[Component, str] = {
    "archive": "archive database unavailable",
    "search index": "search index unreadable (missing, corrupt or not an index)",
    "search server": "search server unavailable",
    "storage": "storage unavailable",
}

_CREDENTIALS = re.compile(r"(//)[^/@\s]+@")
MAX_DETAIL_CHARS = 300


@dataclass(frozen=True, slots=True)
class StorageFailure:
    component: Component
    detail: str  # first line of the underlying error, credentials removed

    @property
    def problem(self) -> str:
        return PROBLEMS[self.component]

    @property
    def hint(self) -> str:
        return HINTS[self.component]

    def one_line(self) -> str:
        """``<problem>: <detail>; <hint>`` (for the operator: CLI, server log)."""
        return f"{self.problem}: {self.detail}; {self.hint}"


def _detail(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)  # SQLAlchemy's DBAPIError: the driver's own message
    text = str(original if isinstance(original, BaseException) else exc) or type(exc).__name__
    first = next((line.strip() for line in text.splitlines() if line.strip()), text)
    first = _CREDENTIALS.sub(r"\1", first)
    if len(first) > MAX_DETAIL_CHARS:
        first = first[: MAX_DETAIL_CHARS - 1] + "…"
    return first


def _classes(module: str, *names: str) -> tuple[type[BaseException], ...]:
    loaded = sys.modules.get(module)
    if loaded is None:
        return ()
    return tuple(getattr(loaded, name) for name in names if hasattr(loaded, name))


def _component(exc: BaseException) -> Component | None:
    sql_ok = _classes("sqlalchemy.exc", "IntegrityError", "DataError")
    sql_down = _classes("sqlalchemy.exc", "DBAPIError", "TimeoutError", "NoSuchTableError")
    if sql_down and isinstance(exc, sql_down):
        # Constraint and data errors are bugs in what we write, not a storage failure.
        return None if sql_ok and isinstance(exc, sql_ok) else "archive"
    alembic_errors = _classes("alembic.util.exc", "CommandError")
    if alembic_errors and isinstance(exc, alembic_errors):
        return "archive"  # e.g. a database migrated by a newer version of this program
    if isinstance(exc, sqlite3.Error):
        # Raw sqlite3 errors come from the embedded index only: SQLAlchemy wraps the archive's.
        return "search index"
    es_transport = _classes("elasticsearch", "TransportError")
    if isinstance(exc, ConnectionError) or (es_transport and isinstance(exc, es_transport)):
        return "search server"  # includes the backend's ElasticsearchUnavailable
    es_api = _classes("elasticsearch", "ApiError")
    if es_api and isinstance(exc, es_api):
        status = getattr(getattr(exc, "meta", None), "status", None)
        # 5xx: the cluster is failing; 401/403: it refuses our credentials. Other 4xx are bugs.
        if isinstance(status, int) and (status >= 500 or status in (401, 403)):
            return "search server"
        return None
    if isinstance(exc, OSError):
        # A path that cannot be opened or created (missing, a file where a directory should
        # be, no permission): the only files the app and these commands open are storage.
        return "storage"
    return None


def storage_failure(exc: BaseException) -> StorageFailure | None:
    """The storage failure ``exc`` stands for, or None when it is not one (a bug).

    An exception raised ``from`` a storage failure stands for it too (first cause wins).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        component = _component(current)
        if component is not None:
            return StorageFailure(component, _detail(current))
        current = current.__cause__
    return None
