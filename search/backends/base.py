"""The contract every search backend fulfils (embedded SQLite FTS5, Elasticsearch).

Backends receive documents that are already segmented (``IndexDoc.title_segmented`` /
``body_segmented``: tokens joined by single spaces) and queries that are already parsed
(``SearchQuery.parsed``: token tuples only). No raw user syntax ever reaches a backend, and both
backends see the same tokens, which is what makes their answers comparable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from search.core.query import SearchQuery

#: ``progress(done, total)``; ``total`` is None when unknown (streamed input).
ProgressCallback = Callable[[int, int | None], None]


class IndexMissing(RuntimeError):
    """No search index where the configuration points (one-line message naming the place)."""


@dataclass(frozen=True, slots=True)
class IndexDoc:
    """One article as a search index stores it: display fields plus their segmented forms."""

    article_id: int
    title: str
    body: str
    title_segmented: str
    body_segmented: str
    url: str
    published_date: str | None = None  # ISO "YYYY-MM-DD"
    category: str | None = None
    lang: str | None = None  # "th" | "en"
    content_hash: str | None = None

    @property
    def month(self) -> str | None:
        """``YYYY-MM`` bucket for the per-month aggregation."""
        return self.published_date[:7] if self.published_date else None


@dataclass(frozen=True, slots=True)
class IndexOutcome:
    """Which documents the backend confirmed (``ok``) and which it rejected, with why."""

    ok: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: int
    title: str
    published_date: str | None
    category: str | None
    lang: str | None
    url: str
    score: float
    snippet: str  # plain text, matched words wrapped in HIGHLIGHT_START/HIGHLIGHT_END
    #: Set by the search service: the better-ranked hit this one nearly duplicates (the same
    #: announcement posted in another category), see ``search.core.fusion``.
    duplicate_of: int | None = None


@dataclass(frozen=True, slots=True)
class SearchResult:
    total: int
    hits: list[Hit]


@dataclass(frozen=True, slots=True)
class Aggregations:
    per_month: list[tuple[str, int]]  # ("YYYY-MM", n), ascending by month
    per_category: list[tuple[str, int]]  # (name, n), most matches first, then by name


@runtime_checkable
class SearchBackend(Protocol):
    """What the pipeline, the CLI and the web UI may call on a backend."""

    name: str  # "embedded" | "elasticsearch"

    @property
    def location(self) -> str:
        """Where the index is (file path, or server and alias), for messages."""

    def exists(self) -> bool:
        """Whether there is an index to read (read-only commands refuse to run without one)."""

    def ensure_schema(self) -> None:
        """Create the index/tables if missing; idempotent."""

    def index_batch(self, docs: Iterable[IndexDoc]) -> IndexOutcome:
        """Insert or replace documents (id = article_id)."""

    def delete(self, ids: Iterable[int]) -> int:
        """Remove documents; returns how many existed."""

    def search(self, q: SearchQuery) -> SearchResult:
        """Ranked/sorted page of hits (q.limit, q.offset) with snippets; total counts all.

        Relevance order: documents containing ``q.parsed.sequence`` (when not empty) as one
        phrase come before those that do not, then by score, then by article_id descending.
        Date orders break ties by article_id in the same direction; undated articles go last.
        """

    def count(self, q: SearchQuery | None = None) -> int:
        """Matches of ``q``; every indexed document when ``q`` is None."""

    def aggregate(self, q: SearchQuery) -> Aggregations:
        """Matches of ``q`` per published month and per category (ignores limit/offset)."""

    def rebuild(
        self, docs: Iterable[IndexDoc], progress: ProgressCallback | None = None
    ) -> IndexOutcome:
        """Build a fresh index from ``docs`` and swap it in only when complete."""

    def close(self) -> None:
        """Release connections/files."""
