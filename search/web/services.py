"""What the pages and the API ask of the archive and the index, independent of HTTP.

The archive store and the search backend are opened lazily (so building the app touches no
file), once, under a lock, and read-only: a missing archive or index raises instead of being
created, and an archive at an older schema is not migrated (see ``ArchiveStore.open_existing``).
After that the server's worker threads call them concurrently: the store's SQLAlchemy engine
pools connections and the backends keep one connection per thread (embedded) or a thread-safe
client (Elasticsearch).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from search.backends.base import Aggregations, Hit, SearchResult
from search.services.export import export_record
from search.services.semantic import Searcher
from search.services.suggest import Suggestion, did_you_mean
from search.web.diffs import (
    DiffLine,
    ParagraphChange,
    paragraph_changes,
    unified_diff_text,
    version_diff,
)

if TYPE_CHECKING:
    from pipelines.archive.store import ArchiveStore
    from pipelines.core.settings import ThaigovSettings
    from search.backends.base import SearchBackend
    from search.core.query import SearchQuery

#: Keys a store may use for the time an earlier version was replaced (first found wins).
_REPLACED_AT_KEYS = ("replaced_at", "superseded_at", "archived_at", "changed_at", "created_at")


@dataclass(frozen=True)
class VersionView:
    version: int | None
    title: str | None
    body: str | None
    replaced_at: str | None
    diff: list[DiffLine]  # line-level unified diff to the next version (API, CLI)
    changes: list[ParagraphChange]  # word-level, for the article page

    @property
    def diff_text(self) -> str:
        return unified_diff_text(self.diff)


@dataclass(frozen=True)
class ArticleView:
    record: dict[str, Any]  # search.services.export.export_record of the stored article
    versions: list[VersionView]  # oldest first, each diffed against its successor


@dataclass(frozen=True)
class SearchView:
    query: SearchQuery
    result: SearchResult
    timeline: Aggregations  # of the query as given
    facets: list[tuple[str, int]]  # categories of the query without its category filter
    suggestions: list[Suggestion] = field(default_factory=list)  # "did you mean"


class Services:
    """The store and the backend the app serves; either may be handed in (tests) or opened."""

    def __init__(
        self,
        store: ArchiveStore | None = None,
        backend: SearchBackend | None = None,
        *,
        settings: ThaigovSettings | None = None,
        open_store: Callable[[], ArchiveStore] | None = None,
        open_backend: Callable[[], SearchBackend] | None = None,
    ) -> None:
        self._store = store
        self._backend = backend
        self._settings = settings
        self._open_store = open_store or self._existing_store
        self._open_backend = open_backend or self._existing_backend
        self._searcher: Searcher | None = None
        self._owned: list[Any] = []
        self._lock = threading.RLock()

    @property
    def store(self) -> ArchiveStore:
        with self._lock:
            if self._store is None:
                self._store = self._open_store()
                self._owned.append(self._store)
            return self._store

    @property
    def searcher(self) -> Searcher:
        """The backend with its vector store and encoder (search modes, similar articles)."""
        with self._lock:
            if self._searcher is None:
                self._searcher = Searcher.open(self.backend, self.settings.encoder)
                self._owned.append(self._searcher)
            return self._searcher

    def semantic_ready(self) -> bool:
        return self.searcher.semantic_ready()

    def similar(self, article_id: int, limit: int = 10) -> list[Hit]:
        return self.searcher.similar(article_id, limit)

    @property
    def backend(self) -> SearchBackend:
        with self._lock:
            if self._backend is None:
                self._backend = self._open_backend()
                self._owned.append(self._backend)
            return self._backend

    @property
    def settings(self) -> ThaigovSettings:
        if self._settings is None:
            from pipelines.core.settings import ThaigovSettings

            self._settings = ThaigovSettings.load()
        return self._settings

    @property
    def files_dir(self) -> Path:
        """Downloaded attachments and images (``THAIGOV_FILES_DIR``, as for the crawl)."""
        return self.settings.files_dir

    def _existing_store(self) -> ArchiveStore:
        from pipelines.archive.store import ArchiveStore

        return ArchiveStore.open_existing(self.settings.archive_url)

    def _existing_backend(self) -> SearchBackend:
        from search.backends.select import open_backend

        return open_backend(self.settings, create=False)

    def open_all(self) -> None:
        """Open the store and the backend now (raises ``ArchiveUnavailable``/``IndexMissing``)."""
        _ = self.store, self.backend

    def close(self) -> None:
        """Close only what this object opened; callers own what they handed in."""
        with self._lock:
            for owned in reversed(self._owned):
                close = getattr(owned, "close", None) or getattr(owned, "dispose", None)
                if close is not None:
                    close()
            self._owned.clear()

    def search(self, query: SearchQuery) -> SearchView:
        searcher = self.searcher
        result = searcher.search(query)
        timeline = searcher.aggregate(query)
        facets = (
            searcher.aggregate(replace(query, categories=())).per_category
            if query.categories
            else timeline.per_category
        )
        suggestions = did_you_mean(self.backend, query, result.total)
        return SearchView(query, result, timeline, facets, suggestions)

    def search_page(self, query: SearchQuery) -> SearchResult:
        return self.searcher.search(query)

    def suggestions(self, query: SearchQuery, total: int) -> list[Suggestion]:
        return did_you_mean(self.backend, query, total)

    def timeline(self, query: SearchQuery) -> Aggregations:
        return self.searcher.aggregate(query)

    def archive_size(self) -> int:
        return self.store.count()

    def article(self, article_id: int) -> ArticleView | None:
        article = self.store.get_article(article_id)
        if article is None:
            return None
        earlier = self.store.get_versions(article_id)
        record = export_record(article)
        record["files"] = [
            {**entry, "local_url": local_file_url(entry["sha256"])}
            for entry in self.files(article_id)
        ]
        return ArticleView(record, _version_views(article, earlier))

    def files(self, article_id: int) -> list[dict[str, Any]]:
        """The article's downloaded files (export form), oldest download first."""
        from pipelines.archive.captures import CaptureIndex

        return CaptureIndex(self.store).files_for([article_id]).get(article_id, [])

    def stored_file(self, sha256: str) -> tuple[Path, str | None, str] | None:
        """(path on disk, content type, a file name) of a stored file, or None.

        The path is built from the validated digest, never from stored text, so no request can
        reach outside the files store.
        """
        from pipelines.archive.captures import CaptureIndex
        from pipelines.core.capture import content_path, file_name

        row = CaptureIndex(self.store).file_by_sha256(sha256)
        if row is None:
            return None
        path = self.files_dir / content_path(sha256)
        if not path.is_file():
            return None
        return path, row.content_type, file_name(row.url)


def local_file_url(sha256: str) -> str:
    """Same-origin URL of an archived file (served by ``search.web.pages.stored_file``)."""
    return f"/files/{sha256}"


def _version_views(current: dict[str, Any], earlier: list[dict[str, Any]]) -> list[VersionView]:
    ordered = sorted(earlier, key=lambda v: v.get("version") or 0)
    if not ordered:
        return []
    successors = [*ordered[1:], current]
    views: list[VersionView] = []
    for old, new in zip(ordered, successors, strict=True):
        replaced = next((old[k] for k in _REPLACED_AT_KEYS if old.get(k)), None)
        texts = (old.get("title"), old.get("body"), new.get("title"), new.get("body"))
        views.append(
            VersionView(
                version=old.get("version"),
                title=old.get("title"),
                body=old.get("body"),
                replaced_at=_timestamp(replaced),
                diff=version_diff(*texts),
                changes=paragraph_changes(*texts),
            )
        )
    return views


def _timestamp(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)
