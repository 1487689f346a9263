"""Migration 0002_article_record on an archive written at revision 0001 (SQLite and PostgreSQL).

Rows as the 0001-era producers stored them (hash over title and body only, hashtags with
trailing punctuation, categories as written) must come out with canonical categories, the new
content hash and the unified rules, so a re-crawl or re-import of the same articles makes no
new version; downgrading restores the 0001 form.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from pipelines.archive import migrations
from pipelines.archive.engine import make_engine
from pipelines.archive.models import Base, JsonType, UTCDateTime
from pipelines.archive.records import to_columns
from pipelines.archive.store import ArchiveStore

UTC = dt.UTC
SEEN = dt.datetime(2024, 3, 5, tzinfo=UTC)
INDEXED = dt.datetime(2024, 3, 6, tzinfo=UTC)

# The articles table as revision 0001 created it.
ARTICLES_0001 = sa.table(
    "articles",
    *(sa.column(name, sa.Integer()) for name in ("article_id", "version")),
    *(
        sa.column(name, sa.Text())
        for name in (
            "url",
            "title",
            "category",
            "lang",
            "published_date_text",
            "published_date_numeric_text",
            "body",
            "source",
            "content_hash",
        )
    ),
    *(
        sa.column(name, JsonType)
        for name in ("hashtags", "images", "attachments", "date_mentions", "date_warnings")
    ),
    sa.column("published_date", sa.Date()),
    *(
        sa.column(name, UTCDateTime())
        for name in ("fetched_at", "first_seen_at", "last_seen_at", "last_changed_at", "indexed_at")
    ),
)
VERSIONS_0001 = sa.table(
    "article_versions",
    *(sa.column(name, sa.Integer()) for name in ("article_id", "version")),
    *(sa.column(name, sa.Text()) for name in ("title", "body", "content_hash", "source")),
    *(sa.column(name, UTCDateTime()) for name in ("valid_from", "replaced_at")),
)


def item(article_id: int, **fields: Any) -> dict[str, Any]:
    """An article as today's producers emit it (after the date pipeline)."""
    base: dict[str, Any] = {
        "article_id": article_id,
        "url": f"https://www.thaigov.go.th/news/contents/details/{article_id}",
        "title": f"ครม. อนุมัติโครงการทดสอบที่ {article_id}",
        "category": "ด้านสังคม",
        "category_original": "ด้านสังคม",
        "lang": "th",
        "published_date_text": "วันอังคารที่ 5 มีนาคม 2567",
        "published_date_numeric_text": "05/03/2567",
        "body": "คณะรัฐมนตรีอนุมัติโครงการทดสอบ\n#ไทยคู่ฟ้า",
        "hashtags": ["#ไทยคู่ฟ้า"],
        "images": [],
        "attachments": [],
        "fetched_at": SEEN.isoformat(),
        "source": "corpus",
        "published_date": "2024-03-05",
        "date_mentions": [],
        "date_warnings": [],
    }
    return {**base, **fields}


def old_row(record: dict[str, Any], **stored: Any) -> dict[str, Any]:
    """How revision 0001 stored ``record`` (plus ``stored`` overrides)."""
    row = {k: v for k, v in record.items() if k != "category_original"}
    row.update(
        published_date=dt.date.fromisoformat(record["published_date"]),
        fetched_at=SEEN,
        content_hash=hashlib.sha256(f"{record['title']}\n{record['body']}".encode()).hexdigest(),
        version=1,
        first_seen_at=SEEN,
        last_seen_at=SEEN,
        last_changed_at=SEEN,
        indexed_at=INDEXED,
    )
    row.update(stored)
    return row


# 1: crawled under 0001 rules: hashtag with its full stop, category with a trailing dot.
CRAWLED = item(
    1,
    category="สรุปข่าวการประชุม ครม.",
    category_original="สรุปข่าวการประชุม ครม.",
    body="คณะรัฐมนตรีอนุมัติโครงการทดสอบ\n#ไทยคู่ฟ้า.",
    source="crawl",
)
# 2: imported from the corpus: already what today's rules give.
IMPORTED = item(2)
# 3: an English page the 0001 crawl called Thai (it weighed the whole body, 50%).
ENGLISH = item(
    3,
    title="Cabinet approves a test project",
    body="The Cabinet approved a test project proposed by กระทรวงทดสอบ today.",
    hashtags=[],
    lang="en",
    source="crawl",
)


def write_0001_archive(url: str) -> None:
    migrations.upgrade(url, "0001")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.insert(ARTICLES_0001),
                [
                    old_row(CRAWLED, category="สรุปข่าวการประชุม ครม.", hashtags=["#ไทยคู่ฟ้า."]),
                    old_row(IMPORTED, version=2),  # its version 1 is below
                    old_row(ENGLISH, lang="th"),
                ],
            )
            connection.execute(
                sa.insert(VERSIONS_0001),
                [
                    {
                        "article_id": 2,
                        "version": 1,
                        "title": "หัวข้อเดิม",
                        "body": "เนื้อหาเดิม",
                        "content_hash": "0" * 64,
                        "source": "crawl",
                        "valid_from": SEEN - dt.timedelta(days=9),
                        "replaced_at": SEEN - dt.timedelta(days=1),
                    }
                ],
            )
    finally:
        engine.dispose()


def test_upgrade_applies_the_unified_rules_and_the_new_hash(archive_url: str) -> None:
    write_0001_archive(archive_url)
    with ArchiveStore(archive_url) as store:  # opening migrates to head
        with store.engine.connect() as connection:
            # Head is past 0002 once later revisions exist (0004_capture); 0002 ran on the way.
            assert migrations.current_revision(connection) == migrations.head_revision()
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
        rows = {a["article_id"]: a for a in store.iter_articles()}
        assert (rows[1]["category"], rows[1]["category_original"]) == (
            "สรุปข่าวการประชุม ครม",
            "สรุปข่าวการประชุม ครม.",
        )
        assert rows[1]["hashtags"] == ["#ไทยคู่ฟ้า"]
        assert rows[2]["category_original"] == "ด้านสังคม"
        assert rows[3]["lang"] == "en"
        for record in (CRAWLED, IMPORTED, ENGLISH):
            row = rows[record["article_id"]]
            assert row["content_hash"] == to_columns(record)["content_hash"]
            assert row["version"] == (2 if record is IMPORTED else 1)
        # Rows whose indexed fields changed wait for the index; the unchanged one does not.
        assert rows[1]["indexed_at"] is None and rows[3]["indexed_at"] is None
        assert rows[2]["indexed_at"] == INDEXED.isoformat()
        [old] = store.get_versions(2)
        assert old["other_fields"] is None and old["content_hash"] == "0" * 64

        # Re-crawling / re-importing the same articles: the same hash, no new version.
        later = (SEEN + dt.timedelta(days=30)).isoformat()
        again = [{**r, "fetched_at": later} for r in (CRAWLED, IMPORTED, ENGLISH)]
        assert [r.action for r in store.upsert_batch(again)] == ["unchanged"] * 3
        assert store.stats()["versions"] == 1
        # ...while a real correction still is one.
        fixed = {**IMPORTED, "category": "ด้านเศรษฐกิจ", "category_original": None}
        assert [r.action for r in store.upsert_batch([{**fixed, "fetched_at": later}])] == [
            "updated"
        ]


def test_downgrade_restores_revision_0001(archive_url: str) -> None:
    write_0001_archive(archive_url)
    migrations.upgrade(archive_url)
    engine = make_engine(archive_url)
    try:
        with engine.begin() as connection:
            migrations_downgrade(connection, "0001")
            columns = {c["name"] for c in sa.inspect(connection).get_columns("articles")}
            assert "category_original" not in columns
            rows = {
                r.article_id: r
                for r in connection.execute(
                    sa.select(
                        ARTICLES_0001.c.article_id,
                        ARTICLES_0001.c.category,
                        ARTICLES_0001.c.content_hash,
                    )
                )
            }
        assert rows[1].category == "สรุปข่าวการประชุม ครม."
        assert rows[1].content_hash == old_row(CRAWLED)["content_hash"]
        with engine.begin() as connection:
            assert (
                connection.execute(sa.select(sa.func.count()).select_from(VERSIONS_0001)).scalar()
                == 1
            )
    finally:
        engine.dispose()
    migrations.upgrade(archive_url)  # and up again
    with ArchiveStore(archive_url) as store:
        assert store.get_article(1)["category_original"] == "สรุปข่าวการประชุม ครม."  # type: ignore[index]


def migrations_downgrade(connection: sa.Connection, revision: str) -> None:
    from alembic import command

    config = migrations.alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, revision)
