"""Pydantic response models: they shape the JSON API and document it in the OpenAPI schema."""

from __future__ import annotations

from pydantic import BaseModel, Field


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


class ArticleOut(BaseModel):
    article_id: int
    url: str | None
    title: str | None
    category: str | None
    lang: str | None
    published_date: str | None = Field(None, description="ISO date (C.E.)")
    published_date_thai: str = Field(description="Thai date, Buddhist Era year")
    published_date_text: str | None
    published_date_numeric_text: str | None
    body: str | None
    hashtags: list[str]
    images: list[str]
    attachments: list[str]
    date_mentions: list[str]
    date_warnings: list[str]
    fetched_at: str | None
    source: str | None
    content_hash: str | None
    version: int | None
    first_seen_at: str | None
    last_seen_at: str | None
    last_changed_at: str | None
    versions: list[VersionOut] = Field(description="Earlier versions, oldest first")
