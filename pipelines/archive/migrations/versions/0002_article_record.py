"""One article record: canonical categories, content hash over every extracted field.

Revision ID: 0002_article_record
Revises: 0001
Create Date: 2026-11-30

- ``articles.category_original`` (as the page or corpus wrote it) beside ``category``, which
  becomes the canonical form (``text_rules.canonical_category``) that facets and filters use;
- ``article_versions.other_fields``: a version's hashed fields besides title and body (NULL for
  versions archived before this revision);
- stored rows get the rules this revision unified, from their stored title and body (hashtags
  without trailing punctuation, one language rule, canonical categories), and their content
  hash is recomputed with the new definition (every extracted field, ``records.content_hash``).
  A re-crawl or re-import of an unchanged article therefore finds the same hash and makes no
  new version. Rows whose category, language or hashtags changed wait for the search index.

The backfill calls the current rules on purpose: a database migrated later gets the rules of
that day, which is what the producers will emit for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from pipelines.archive.records import content_hash
from pipelines.core.text_rules import article_lang, category_fields, find_hashtags

revision: str = "0002_article_record"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
_BATCH = 1000

# The columns as of this revision (a later revision may add hashed fields this one cannot read).
_TEXTS: tuple[str, ...] = ("title", "category", "category_original", "lang", "body")
_TEXTS += ("published_date_text", "published_date_numeric_text")
_LISTS = ("hashtags", "images", "attachments")
articles = sa.table(
    "articles",
    sa.column("article_id", sa.Integer()),
    *(sa.column(name, sa.Text()) for name in _TEXTS),
    *(sa.column(name, JSON) for name in _LISTS),
    sa.column("content_hash", sa.String()),
    sa.column("indexed_at", sa.DateTime(timezone=True)),
)


def _rows(connection: sa.Connection, *columns: str) -> Iterator[Sequence[sa.Row[Any]]]:
    """Every article in id order, a batch at a time (keyset: no offset scans)."""
    last = 0
    selected = [articles.c.article_id, *(articles.c[name] for name in columns)]
    while True:
        batch = connection.execute(
            sa.select(*selected)
            .where(articles.c.article_id > last)
            .order_by(articles.c.article_id)
            .limit(_BATCH)
        ).all()
        if not batch:
            return
        yield batch
        last = batch[-1].article_id


def _update(connection: sa.Connection, changes: list[dict[str, Any]]) -> None:
    if not changes:
        return
    names = [name for name in changes[0] if name != "b_id"]
    connection.execute(
        sa.update(articles)
        .where(articles.c.article_id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(name) for name in names}),
        changes,
    )


# Plain ALTER TABLE ADD/DROP COLUMN (SQLite >= 3.35 has both for unindexed columns): a batch
# "move and copy" would drop the articles table, and with foreign keys on, SQLite would then
# cascade-delete every article version.
def upgrade() -> None:
    op.add_column("articles", sa.Column("category_original", sa.String(length=200)))
    op.add_column("article_versions", sa.Column("other_fields", JSON))

    connection = op.get_bind()
    for rows in _rows(connection, *_TEXTS, *_LISTS, "indexed_at"):
        stale_index: list[dict[str, Any]] = []
        kept_index: list[dict[str, Any]] = []
        for row in rows:
            record = dict(row._mapping)
            title, body = record["title"] or "", record["body"] or ""
            category, original = category_fields(record["category"])
            derived = {
                "category": category,
                "category_original": original,
                "lang": article_lang(title, body),
                "hashtags": find_hashtags(body),
            }
            stale = any(record[name] != derived[name] for name in ("category", "lang", "hashtags"))
            record.update(derived)
            change = {"b_id": record["article_id"], **derived, "content_hash": content_hash(record)}
            if stale:
                stale_index.append({**change, "indexed_at": None})
            else:
                kept_index.append(change)
        _update(connection, stale_index)
        _update(connection, kept_index)


def downgrade() -> None:
    connection = op.get_bind()
    for rows in _rows(connection, "title", "body", "category", "category_original"):
        _update(
            connection,
            [
                {
                    "b_id": row.article_id,
                    "category": row.category_original or row.category,
                    # revision 0001's definition: title and body only
                    "content_hash": hashlib.sha256(
                        f"{row.title or ''}\n{row.body or ''}".encode()
                    ).hexdigest(),
                }
                for row in rows
            ],
        )
    op.drop_column("article_versions", "other_fields")
    op.drop_column("articles", "category_original")
