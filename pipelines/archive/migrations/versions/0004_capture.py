"""Archive-grade capture: WARC record locations (captures) and downloaded files (article_files).

Revision ID: 0004_capture
Revises: 0003_crawl_frontier

Frozen on purpose, like 0001: plain column types.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_capture"
down_revision: str | Sequence[str] | None = "0003_crawl_frontier"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "captures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=True),
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("refers_to", sa.String(length=64), nullable=True),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("payload_digest", sa.String(length=80), nullable=False),
        sa.Column("warc_filename", sa.String(length=200), nullable=False),
        sa.Column("warc_offset", sa.BigInteger(), nullable=False),
        sa.Column("warc_length", sa.BigInteger(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("record_id"),
    )
    op.create_index("ix_captures_article_id", "captures", ["article_id"])
    op.create_index("ix_captures_payload_digest", "captures", ["payload_digest"])

    op.create_table(
        "article_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("capture_url", sa.Text(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=True),
        sa.Column("path", sa.String(length=200), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("article_id", "url", name="uq_article_files_article_url"),
    )
    op.create_index("ix_article_files_article_id", "article_files", ["article_id"])
    op.create_index("ix_article_files_url", "article_files", ["url"])
    op.create_index("ix_article_files_sha256", "article_files", ["sha256"])


def downgrade() -> None:
    op.drop_table("article_files")
    op.drop_table("captures")
