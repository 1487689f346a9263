"""The contract of a vector store: passage embeddings of articles, beside a search index.

One store per search backend (the embedded SQLite index gets an SQLite file beside it,
Elasticsearch an index beside its alias). Each article is stored as a few passage vectors
(``search.core.passages``) with its content hash and the display and filter fields, so
semantic results need nothing else, and what is pending is simply every archive article whose
hash the store does not hold (no archive column, no migration: the store is the truth about
what it has embedded, and a rebuilt text index leaves valid vectors alone).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from search.backends.base import IndexOutcome
from search.core.encoders import Vectors

if TYPE_CHECKING:
    from search.core.query import SearchQuery


class EncoderMismatch(RuntimeError):
    """The store holds vectors of another encoder (they are not comparable)."""


@dataclass(frozen=True, slots=True)
class EmbeddedArticle:
    article_id: int
    content_hash: str | None
    title: str
    url: str
    published_date: str | None
    category: str | None
    lang: str | None
    passages: tuple[str, ...]
    vectors: Vectors  # (len(passages), dim), unit rows


@dataclass(frozen=True, slots=True)
class VectorHit:
    """An article near the query vector, with its best passage (cosine ``score``)."""

    article_id: int
    score: float
    passage: str
    title: str
    url: str
    published_date: str | None
    category: str | None
    lang: str | None


@runtime_checkable
class VectorStore(Protocol):
    name: str

    def ensure_schema(self, encoder: str, dim: int) -> None:
        """Create the store for ``encoder``; raise ``EncoderMismatch`` if it holds another's."""

    def encoder(self) -> str | None:
        """The encoder name the store was built with; None when it does not exist yet."""

    def upsert(self, items: Iterable[EmbeddedArticle]) -> IndexOutcome:
        """Insert or replace articles (all their passages)."""

    def delete(self, ids: Iterable[int]) -> int: ...

    def hashes(self) -> dict[int, str | None]:
        """article_id -> content_hash of every embedded article."""

    def count(self) -> int: ...

    def nearest(
        self,
        vector: Vectors,
        q: SearchQuery | None,
        k: int,
        exclude: Collection[int] = (),
    ) -> list[VectorHit]:
        """The ``k`` articles whose best passage is nearest ``vector``, within ``q``'s filters
        (dates, categories, language), best first; ties by article id descending."""

    def article_vectors(self, ids: Iterable[int]) -> dict[int, Vectors]:
        """Each article's passage vectors (first row: title and lead)."""

    def lead_vectors(self, ids: Iterable[int]) -> dict[int, Vectors]:
        """Each article's title-and-lead vector (``(dim,)``, passage 0) only: what re-ranking
        and near-duplicate marks need, a quarter of ``article_vectors``' rows or less."""

    def lead_vectors_on(self, day: str) -> dict[int, Vectors]:
        """The title-and-lead vector (``(dim,)``) of every article published on ``day``
        (``YYYY-MM-DD``): the candidates for near-duplicates in exports."""

    def clear(self) -> None:
        """Remove every vector (``reindex --re-embed``)."""

    def close(self) -> None: ...
