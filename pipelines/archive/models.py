"""The archive schema (SQLAlchemy 2 typed ORM); the Alembic migrations mirror it exactly.

Portable between SQLite and PostgreSQL: JSON lists (JSONB on PostgreSQL) and timezone-aware UTC
timestamps through :class:`UTCDateTime`, because SQLite has no timestamp-with-time-zone type.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

UTC = dt.UTC

#: JSON everywhere, JSONB on PostgreSQL (smaller, indexable).
JsonType = JSON().with_variant(JSONB(), "postgresql")


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timestamps stored in UTC and always returned timezone-aware.

    SQLite stores naive text, so the value is normalised to UTC and the zone dropped there;
    PostgreSQL gets ``timestamptz``. Naive input is refused: it would silently mean local time.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: archive timestamps must be aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if not isinstance(value, dt.datetime):
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map = {  # noqa: RUF012 (SQLAlchemy reads this class attribute)
        dt.datetime: UTCDateTime(),
        list[str]: JsonType,
        dict[str, Any]: JsonType,
    }


class Article(Base):
    """The current version of one article: every exported field plus archive bookkeeping."""

    __tablename__ = "articles"
    __table_args__ = (CheckConstraint("article_id > 0", name="ck_articles_article_id_positive"),)

    article_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    category: Mapped[str | None] = mapped_column(String(200), index=True)  # canonical
    category_original: Mapped[str | None] = mapped_column(String(200))  # as written
    lang: Mapped[str | None] = mapped_column(String(8), index=True)
    published_date_text: Mapped[str | None] = mapped_column(Text)
    published_date_numeric_text: Mapped[str | None] = mapped_column(String(32))
    body: Mapped[str] = mapped_column(Text)
    hashtags: Mapped[list[str]] = mapped_column(JsonType, default=list)
    images: Mapped[list[str]] = mapped_column(JsonType, default=list)
    attachments: Mapped[list[str]] = mapped_column(JsonType, default=list)
    fetched_at: Mapped[dt.datetime | None]
    source: Mapped[str] = mapped_column(String(16))
    published_date: Mapped[dt.date | None] = mapped_column(Date, index=True)
    date_mentions: Mapped[list[str]] = mapped_column(JsonType, default=list)
    date_warnings: Mapped[list[str]] = mapped_column(JsonType, default=list)

    content_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[dt.datetime]
    last_seen_at: Mapped[dt.datetime]
    last_changed_at: Mapped[dt.datetime]
    indexed_at: Mapped[dt.datetime | None] = mapped_column(index=True)


class ArticleVersion(Base):
    """An earlier version of an article, moved here when a later fetch changed its content hash."""

    __tablename__ = "article_versions"
    __table_args__ = (UniqueConstraint("article_id", "version", name="uq_article_versions"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(
        ForeignKey("articles.article_id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    #: The version's other hashed fields (category, hashtags, lang, ...): a correction of any of
    #: them makes a version too. NULL for versions archived before migration 0002.
    other_fields: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    #: When this text became current (first seen) and when a newer text replaced it.
    valid_from: Mapped[dt.datetime]
    replaced_at: Mapped[dt.datetime]
    source: Mapped[str] = mapped_column(String(16))


class RawPage(Base):
    """Compressed fetched HTML (ARCHIVE_RAW_HTML), one per article text, for re-extraction."""

    __tablename__ = "raw_pages"
    __table_args__ = (
        UniqueConstraint("article_id", "content_hash", name="uq_raw_pages_article_hash"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer, index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    fetched_at: Mapped[dt.datetime]
    compression: Mapped[str] = mapped_column(String(16), default="zlib")
    html: Mapped[bytes] = mapped_column(LargeBinary)


class CrawlRun(Base):
    """One spider run (crawl or corpus import): what was asked and how it ended."""

    __tablename__ = "crawl_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    spider: Mapped[str] = mapped_column(String(100))
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    arguments: Mapped[dict[str, Any]] = mapped_column(JsonType, default=dict)
    stats: Mapped[dict[str, Any] | None] = mapped_column(JsonType)
    status: Mapped[str] = mapped_column(String(32), default="running")
    exit_code: Mapped[int | None] = mapped_column(Integer)


Index("ix_crawl_runs_started_at", CrawlRun.started_at)


class Capture(Base):
    """One WARC response or revisit record the crawler wrote: where it is and what it holds.

    A CDX-like index in the archive: ``article_id`` links article pages to their captures (for
    re-extraction and WACZ export); a revisit's ``refers_to`` is the ``record_id`` of the
    response record that holds the identical payload.
    """

    __tablename__ = "captures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    article_id: Mapped[int | None] = mapped_column(Integer, index=True)
    record_type: Mapped[str] = mapped_column(String(16))
    record_id: Mapped[str] = mapped_column(String(64), unique=True)
    refers_to: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    content_type: Mapped[str | None] = mapped_column(String(200))
    payload_digest: Mapped[str] = mapped_column(String(80), index=True)
    warc_filename: Mapped[str] = mapped_column(String(200))
    warc_offset: Mapped[int] = mapped_column(BigInteger)
    warc_length: Mapped[int] = mapped_column(BigInteger)
    fetched_at: Mapped[dt.datetime]


class ArticleFile(Base):
    """An attachment or image of an article, downloaded and stored by its SHA-256."""

    __tablename__ = "article_files"
    __table_args__ = (UniqueConstraint("article_id", "url", name="uq_article_files_article_url"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    article_id: Mapped[int] = mapped_column(Integer, index=True)
    url: Mapped[str] = mapped_column(Text, index=True)
    #: The URL actually fetched (its WARC-Target-URI), when a mirror or replica served it.
    capture_url: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    content_type: Mapped[str | None] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(200))
    fetched_at: Mapped[dt.datetime]


class FrontierId(Base):
    """One id an incremental crawl asked for: its outcome, how often it was tried and when.

    The rules that read these rows are pure (``pipelines.core.frontier``). An id without a row
    between the frontier's floor and its head is a hole left by a killed run.
    """

    __tablename__ = "crawl_frontier"
    __table_args__ = (
        CheckConstraint(
            "state IN ('article', 'not_article', 'failed', 'unanswered', 'given_up')",
            name="ck_crawl_frontier_state",
        ),
    )

    article_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    state: Mapped[str] = mapped_column(String(16), index=True)
    #: The not-an-article reason, or the error of the last failed attempt.
    detail: Mapped[str | None] = mapped_column(Text)
    #: Runs that requested the id without settling it (failed or never answered).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    first_seen_at: Mapped[dt.datetime]
    last_attempt_at: Mapped[dt.datetime]
    run_id: Mapped[int | None] = mapped_column(Integer)


class FrontierMark(Base):
    """Named positions of the frontier (``floor``: the lowest id a run may still need)."""

    __tablename__ = "crawl_frontier_marks"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
