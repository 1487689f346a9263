"""Pydantic response models: they shape the JSON API and document it in the OpenAPI schema."""

from __future__ import annotations

from dataclasses import fields
from typing import TYPE_CHECKING, Any, get_origin, get_type_hints

from pydantic import BaseModel, Field, create_model

from pipelines.core.article import EXPORT_FIELDS, Article


class QueryEcho(BaseModel):
    """The search as the server understood it (dates resolved to C.E. ISO days)."""

    q: str
    date_from: str | None = Field(None, description="ISO date (C.E.), inclusive")
    date_to: str | None = Field(None, description="ISO date (C.E.), inclusive")
    categories: list[str]
    lang: str | None
    sort: str
    limit: int
    offset: int
    mode: str = Field("keyword", description="keyword, semantic or hybrid")


class HitOut(BaseModel):
    article_id: int
    title: str
    url: str = Field(description="The article on www.thaigov.go.th")
    published_date: str | None = Field(None, description="ISO date (C.E.)")
    published_date_thai: str = Field(description="Thai date, Buddhist Era year")
    category: str | None
    lang: str | None
    score: float
    snippet: str = Field(description="Plain text around the matches")
    snippet_html: str = Field(description="The snippet HTML-escaped, matches in <mark>")
    duplicate_of: int | None = Field(
        None, description="A better-ranked hit this one nearly duplicates (same announcement)"
    )


class SuggestionOut(BaseModel):
    q: str = Field(description="The corrected query")
    total: int = Field(description="Its matches, with the same filters")


class SearchOut(BaseModel):
    query: QueryEcho
    total: int = Field(description="Every match, not only this page")
    hits: list[HitOut]
    did_you_mean: list[SuggestionOut] = Field(
        default_factory=list,
        description="Corrections from the index vocabulary when the query finds few or none",
    )
    next_offset: int | None = Field(None, description="Offset of the next page, if any")
    expanded_terms: list[str] = Field(
        default_factory=list,
        description=(
            "Semantic and hybrid modes: index words also searched for (term feedback: rare"
            " words that open the top articles found by meaning)"
        ),
    )


class MonthCountOut(BaseModel):
    month: str = Field(description="YYYY-MM (C.E.)")
    count: int


class CategoryCountOut(BaseModel):
    category: str
    count: int


class TimelineOut(BaseModel):
    query: QueryEcho
    total: int
    per_month: list[MonthCountOut] = Field(
        description="Every month from the first to the last match, zero-filled"
    )
    per_category: list[CategoryCountOut]


class VersionOut(BaseModel):
    """An earlier version of the article and what changed from it to the next one."""

    version: int | None
    title: str | None
    body: str | None
    replaced_at: str | None = Field(None, description="When a newer version replaced it (UTC)")
    diff: str = Field(description="Unified diff from this version to the next, plain text")


class FileOut(BaseModel):
    """A downloaded attachment or image: the cited URL and the archived copy's fixity data."""

    url: str = Field(description="The URL the article cites")
    kind: str | None = Field(None, description="attachment or image")
    sha256: str = Field(description="SHA-256 of the stored bytes (hex)")
    size: int | None = Field(None, description="Bytes")
    content_type: str | None
    path: str = Field(description="Path under the files store (content-addressed)")
    fetched_at: str | None = Field(None, description="When it was downloaded (UTC)")
    local_url: str = Field(
        description="Where this server serves the archived copy (below its root path)"
    )


def _record_fields() -> dict[str, Any]:
    """Every exported field of the article record, typed and described from the dataclass."""
    hints = get_type_hints(Article)
    docs = {f.name: f.metadata["doc"] for f in fields(Article)}
    out: dict[str, Any] = {}
    for name in EXPORT_FIELDS:
        kind = hints[name]
        if kind is str:  # the archive may hold NULL where the record has ""
            kind = str | None
        required = name == "article_id" or get_origin(kind) is list
        out[name] = (kind, Field(... if required else None, description=docs[name]))
    return out


if TYPE_CHECKING:
    ArticleRecordOut = BaseModel
else:
    #: The record's fields, derived from ``pipelines.core.article.Article`` (written once).
    ArticleRecordOut = create_model("ArticleRecordOut", **_record_fields())


class ArticleOut(ArticleRecordOut):
    """One archived article: every field of the record plus archive bookkeeping and the
    downloaded files (``files``: archive data, neither extracted nor hashed, as in exports)."""

    published_date_thai: str = Field(description="Thai date, Buddhist Era year")
    content_hash: str | None
    version: int | None
    first_seen_at: str | None
    last_seen_at: str | None
    last_changed_at: str | None
    files: list[FileOut] = Field(
        default_factory=list, description="Downloaded attachments and images with fixity data"
    )
    versions: list[VersionOut] = Field(description="Earlier versions, oldest first")
