"""The contract every search backend fulfils (embedded SQLite FTS5, Elasticsearch).

Backends receive documents that are already segmented (``IndexDoc.title_segmented`` /
``body_segmented``: tokens joined by single spaces) and queries that are already parsed
(``SearchQuery.parsed``: token tuples only). No raw user syntax ever reaches a backend, and both
backends see the same tokens, which is what makes their answers comparable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
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
    """One article as a search index stores it: display fields plus their segmented forms.

    ``*_parts`` hold the dictionary parts of compound tokens (``search.core.segment.index_texts``)
    so a word also finds the compounds that contain it; empty when no token has parts.
    """

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
    title_parts: str = ""
    body_parts: str = ""

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
    #: Words a semantic or hybrid search also asked for (term feedback), for the reader.
    expanded_terms: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Aggregations:
    per_month: list[tuple[str, int]]  # ("YYYY-MM", n), ascending by month
    per_category: list[tuple[str, int]]  # (name, n), most matches first, then by name


@dataclass(frozen=True, slots=True)
class StoredDoc:
    """An indexed article's tokens as the index holds them (the workbench counts on these).

    ``title``/``body`` (display text) are filled only when asked for: concordance lines are cut
    from them, while counts need only the segmented forms.
    """

    article_id: int
    published_date: str | None
    title_segmented: str
    body_segmented: str
    title: str = ""
    body: str = ""


class WordCounts(Protocol):
    """Word counts per month kept by the index as it is written (``search.backends.word_stats``):
    the workbench's fast path; it scans the stored tokens where a backend keeps none."""

    def months(self) -> list[str]:
        """Months holding an article (``YYYY-MM``; ``""`` for undated), ascending."""

    def size(self, months: Sequence[str] | None = None) -> int:
        """Tokens in those months (every month when None)."""

    def per_month(self, words: Iterable[str]) -> dict[str, Counter[str]]:
        """month -> occurrences of each of ``words``."""

    def totals(self, words: Iterable[str]) -> Counter[str]:
        """Occurrences of ``words`` in the whole index."""

    def frequencies(self, months: Sequence[str] | None = None) -> Counter[str]:
        """Every word's occurrences in those months (every month when None)."""

    def occurrences_per_month(self, words: Iterable[str]) -> dict[str, int] | None:
        """month -> occurrences of a query whose alternatives are these single words, compound
        occurrences included (``search.core.occurrences.compound_words``); None when the index
        cannot tell (then the workbench counts from ``stored``)."""


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

    def document_frequency(self, term: str) -> int:
        """Documents holding the index token ``term`` as a word or a compound part."""

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        """``document_frequency`` of each of ``terms`` in one request (term feedback asks for
        a few dozen per question)."""

    def suggestion_candidates(self, word: str) -> list[tuple[str, int]]:
        """Index terms near ``word`` by edit distance, with their document counts
        (ranked by ``search.core.suggest.rank_candidates``)."""

    def matches(self, q: SearchQuery) -> list[tuple[int, str | None]]:
        """(article_id, published_date) of every match of ``q`` (ignores sort/limit/offset).

        The research workbench decides which articles a query matches only through this.
        """

    def stored(self, ids: Sequence[int], *, text: bool = False) -> Iterator[StoredDoc]:
        """The indexed tokens (and with ``text`` the display text) of ``ids``, in any order;
        ids not in the index are skipped."""

    def word_counts(self) -> WordCounts | None:
        """The index's word counts per month, or None where it keeps none (then the workbench
        counts from ``stored``; the figures are the same)."""

    def rebuild(
        self, docs: Iterable[IndexDoc], progress: ProgressCallback | None = None
    ) -> IndexOutcome:
        """Build a fresh index from ``docs`` and swap it in only when complete."""

    def indexed_hashes(self) -> dict[int, str | None]:
        """article_id -> content_hash of every indexed document (``reindex --check``)."""

    def close(self) -> None:
        """Release connections/files."""
