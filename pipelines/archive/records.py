"""Pure conversions between article dicts (the item format) and archive column values.

Kept apart from the store so the rules (what the content hash covers, how dates are typed) are
tested without a database and shared by the importer and exporters.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from pipelines.core.article import EXPORT_FIELDS, HASHED_FIELDS, LIST_FIELDS, canonical_url
from pipelines.core.date_values import to_date
from pipelines.core.text_cleaning import clean_optional
from pipelines.core.text_rules import category_fields

UTC = dt.UTC

#: Columns where an empty value means "not known" rather than "removed": a later fetch fills
#: them when the stored value is empty, and an item without them (the corpus format carries no
#: images) keeps the stored value. A differing non-empty value is a correction (a new version).
FILLABLE_FIELDS: tuple[str, ...] = tuple(
    name
    for name in EXPORT_FIELDS
    if name not in ("article_id", "title", "body", "source", "fetched_at")
)
#: Fields that the search index stores; filling one of them means the index is stale.
INDEXED_FIELDS: frozenset[str] = frozenset(
    {"title", "body", "category", "lang", "url", "published_date", "hashtags"}
)
#: Archive bookkeeping columns added to every article dict the store returns.
BOOKKEEPING_FIELDS: tuple[str, ...] = (
    "content_hash",
    "version",
    "first_seen_at",
    "last_seen_at",
    "last_changed_at",
    "indexed_at",
)
SOURCES = frozenset({"crawl", "corpus"})


def _hashable(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    return None if value is None or value == "" else str(value)


def content_hash(record: Mapping[str, Any]) -> str:
    """sha256 over every field of ``HASHED_FIELDS``: what counts as a change of the article.

    Empty strings and None hash alike, so a record and its stored columns agree.
    """
    payload = json.dumps(
        [[name, _hashable(record.get(name))] for name in HASHED_FIELDS],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def parse_timestamp(value: Any) -> dt.datetime | None:
    """ISO 8601 text or datetime → aware UTC datetime; naive values are taken as UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if not isinstance(value, dt.datetime):
        raise TypeError(f"not a timestamp: {value!r}")
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_date(value: Any) -> dt.date | None:
    """The published_date column's value; raises ValueError for text that is not an ISO date."""
    return to_date(value)


def to_columns(item: Mapping[str, Any]) -> dict[str, Any]:
    """Typed column values of one item (EXPORT_FIELDS + content_hash); raises on a bad item."""
    raw_id = item.get("article_id")
    if isinstance(raw_id, bool) or raw_id is None:
        raise ValueError(f"article_id missing or invalid: {raw_id!r}")
    article_id = int(raw_id)
    title = item.get("title") or ""
    body = item.get("body") or ""
    source = item.get("source") or "crawl"
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}")
    category, category_original = category_fields(
        item.get("category"), item.get("category_original")
    )
    columns: dict[str, Any] = {
        "article_id": article_id,
        "url": item.get("url") or (canonical_url(article_id) if article_id > 0 else ""),
        "title": title,
        "category": category,
        "category_original": category_original,
        "lang": item.get("lang") or None,
        "published_date_text": clean_optional(item.get("published_date_text")),
        "published_date_numeric_text": clean_optional(item.get("published_date_numeric_text")),
        "body": body,
        "fetched_at": parse_timestamp(item.get("fetched_at")),
        "source": source,
        "published_date": parse_date(item.get("published_date")),
    }
    for name in LIST_FIELDS:
        columns[name] = list(item.get(name) or [])
    assert set(columns) == set(EXPORT_FIELDS)
    columns["content_hash"] = content_hash(columns)
    return columns


def iso(value: dt.date | dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def is_empty(value: Any) -> bool:
    return value is None or value == "" or value == []
