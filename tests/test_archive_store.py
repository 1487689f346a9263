"""ArchiveStore on a real SQLite file and a real PostgreSQL database (fresh one per test)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import OperationalError

from pipelines.archive import migrations
from pipelines.archive import store as store_module
from pipelines.archive.engine import make_engine
from pipelines.archive.models import Base
from pipelines.archive.records import to_columns
from pipelines.archive.store import ArchiveMissing, ArchiveOutdated, ArchiveStore
from pipelines.core.article import HASHED_FIELDS

UTC = dt.UTC


@pytest.fixture
def store(archive_url: str) -> Iterator[ArchiveStore]:
    with ArchiveStore(archive_url) as archive:
        yield archive


def at(day: int, hour: int = 0) -> str:
    return dt.datetime(2024, 3, day, hour, tzinfo=UTC).isoformat()


def article(article_id: Any = 101, **fields: Any) -> dict[str, Any]:
    """An item as the date pipeline hands it to the archive (fixture text written here)."""
    item: dict[str, Any] = {
        "article_id": article_id,
        "url": f"https://www.thaigov.go.th/news/contents/details/{article_id}",
        "title": f"ครม. อนุมัติงบประมาณ โครงการที่ {article_id}",
        "category": "ด้านเศรษฐกิจ",
        "lang": "th",
        "published_date_text": "วันอังคารที่ 5 มีนาคม 2567",
        "published_date_numeric_text": "05/03/2567",
        "body": "วันนี้ (5 มีนาคม 2567) คณะรัฐมนตรีอนุมัติงบประมาณ\nรายละเอียดเพิ่มเติม",
        "hashtags": ["#ไทยคู่ฟ้า"],
        "images": [],
        "attachments": [],
        "fetched_at": at(5),
        "source": "crawl",
        "published_date": "2024-03-05",
        "date_mentions": ["2024-03-05"],
        "date_warnings": [],
    }
    item.update(fields)
    return item


def hash_of(item: dict[str, Any]) -> str:
    """The content hash the archive gives an item (over every extracted field)."""
    return str(to_columns(item)["content_hash"])


def rows(store: ArchiveStore) -> list[dict[str, Any]]:
    return list(store.iter_articles())


# --- schema -----------------------------------------------------------------------------------
def test_opening_an_empty_database_migrates_it_to_head(archive_url: str) -> None:
    with ArchiveStore(archive_url) as store, store.engine.connect() as connection:
        assert migrations.current_revision(connection) == migrations.head_revision()
        tables = set(inspect(connection).get_table_names())
        assert {"articles", "article_versions", "raw_pages", "crawl_runs"} <= tables
        # The hand-written migration creates exactly what the models describe.
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        indexes = {i["name"] for i in inspect(connection).get_indexes("articles")}
        assert {"ix_articles_published_date", "ix_articles_category"} <= indexes
    # Opening again is a no-op at head.
    with ArchiveStore(archive_url) as store:
        assert store.count() == 0


def test_upgrade_from_url_then_store_without_upgrade(archive_url: str) -> None:
    migrations.upgrade(archive_url)
    with ArchiveStore(archive_url, upgrade=False) as store:
        assert store.upsert_batch([article()])[0].action == "inserted"


def test_sqlite_file_uses_wal_and_creates_its_directory(tmp_path: Any) -> None:
    path = tmp_path / "nested" / "dir" / "archive.sqlite3"
    with ArchiveStore(f"sqlite:///{path}") as store, store.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert path.exists()


def test_open_existing_creates_nothing_where_there_is_no_archive(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "archive.sqlite3"
    with pytest.raises(ArchiveMissing, match=f"no archive at {path}"):
        ArchiveStore.open_existing(f"sqlite:///{path}")
    assert not (tmp_path / "nested").exists()


def test_open_existing_refuses_an_empty_database_without_migrating_it(archive_url: str) -> None:
    if archive_url.startswith("sqlite"):
        path = Path(archive_url.removeprefix("sqlite:///"))
        path.parent.mkdir(parents=True)
        path.touch()
    with pytest.raises(ArchiveMissing, match="no archive schema"):
        ArchiveStore.open_existing(archive_url)
    engine = make_engine(archive_url)
    try:
        with engine.connect() as connection:
            assert migrations.current_revision(connection) is None
            assert inspect(connection).get_table_names() == []
    finally:
        engine.dispose()


def test_open_existing_asks_for_db_upgrade_when_the_schema_differs(archive_url: str) -> None:
    def stamp(revision: str | None) -> None:
        with ArchiveStore(archive_url, upgrade=False) as store, store.engine.begin() as db:
            db.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})

    with ArchiveStore.open_for_writing(archive_url) as store:
        store.upsert_batch([article()])
    stamp("0000_older")
    with pytest.raises(ArchiveOutdated, match=r"0000_older.*run `thaigov db upgrade`"):
        ArchiveStore.open_existing(archive_url)
    # At head it opens and reads, and the reader changed nothing.
    stamp(migrations.head_revision())
    with ArchiveStore.open_existing(archive_url) as store:
        assert store.count() == 1


def test_unreachable_postgres_raises_on_open() -> None:
    with pytest.raises(OperationalError):
        ArchiveStore("postgresql+psycopg://postgres@127.0.0.1:9/none")


# --- upsert semantics -------------------------------------------------------------------------
def test_insert_returns_the_stored_article(store: ArchiveStore) -> None:
    [result] = store.upsert_batch([article()])
    assert (result.article_id, result.action, result.needs_index) == (101, "inserted", True)
    assert result.content_hash == hash_of(article())
    stored = store.get_article(101)
    assert result.article == stored
    assert stored is not None
    assert stored["version"] == 1
    assert stored["published_date"] == "2024-03-05"
    assert stored["hashtags"] == ["#ไทยคู่ฟ้า"]
    assert stored["first_seen_at"] == stored["last_seen_at"] == stored["last_changed_at"] == at(5)
    assert stored["indexed_at"] is None
    assert store.get_versions(101) == []


def test_recrawl_of_the_same_pages_leaves_identical_rows(store: ArchiveStore) -> None:
    batch = [article(101), article(102), article(103, lang="en", title="Cabinet news")]
    store.upsert_batch(batch)
    before = rows(store)
    results = store.upsert_batch(batch)
    assert [r.action for r in results] == ["unchanged"] * 3
    assert rows(store) == before
    assert store.stats()["versions"] == 0


def test_same_hash_only_moves_last_seen(store: ArchiveStore) -> None:
    store.upsert_batch([article(fetched_at=at(5))])
    store.mark_indexed([(101, hash_of(article()))])
    before = store.get_article(101)
    [result] = store.upsert_batch([article(fetched_at=at(9), source="corpus")])
    after = store.get_article(101)
    assert (result.action, result.needs_index) == ("unchanged", False)
    assert before is not None and after is not None
    assert after["last_seen_at"] == at(9)
    assert {k: v for k, v in after.items() if k != "last_seen_at"} == {
        k: v for k, v in before.items() if k != "last_seen_at"
    }  # the fetch time and the source are circumstances, not the article


@pytest.mark.parametrize(
    "correction",
    [
        {"category": "ด้านสังคม"},
        {"hashtags": ["#ไทยคู่ฟ้า", "#ครม"]},
        {"lang": "en"},
        {"published_date_numeric_text": "06/03/2567"},
        {"images": ["https://www.thaigov.go.th/b.jpg"]},
    ],
    ids=lambda correction: next(iter(correction)),
)
def test_a_correction_of_any_extracted_field_alone_is_a_new_version(
    store: ArchiveStore, correction: dict[str, Any]
) -> None:
    store.upsert_batch([article(fetched_at=at(5), images=["https://www.thaigov.go.th/a.jpg"])])
    corrected = article(fetched_at=at(9), images=["https://www.thaigov.go.th/a.jpg"])
    corrected.update(correction)
    [result] = store.upsert_batch([corrected])
    assert (result.action, result.needs_index) == ("updated", True)
    stored = store.get_article(101)
    assert stored is not None and stored["version"] == 2
    name, value = next(iter(correction.items()))
    assert stored[name] == value
    [old] = store.get_versions(101)
    assert old["other_fields"][name] == article(images=["https://www.thaigov.go.th/a.jpg"])[name]
    # Re-importing the corrected article again changes nothing.
    assert [r.action for r in store.upsert_batch([corrected])] == ["unchanged"]
    assert store.get_versions(101) == [old]


def test_a_changed_category_is_stored_canonical_and_as_written(store: ArchiveStore) -> None:
    store.upsert_batch([article(category="สรุปข่าวการประชุม ครม.")])
    stored = store.get_article(101)
    assert stored is not None
    assert (stored["category"], stored["category_original"]) == (
        "สรุปข่าวการประชุม ครม",
        "สรุปข่าวการประชุม ครม.",
    )
    # The other spelling of the same category is a correction of what the page wrote.
    [result] = store.upsert_batch([article(fetched_at=at(9), category="สรุปข่าวการประชุม ครม")])
    assert result.action == "updated"


def test_same_hash_fills_fields_that_were_empty(store: ArchiveStore) -> None:
    corpus = article(source="corpus", images=[], published_date_numeric_text=None)
    store.upsert_batch([corpus])
    store.mark_indexed([(101, hash_of(corpus))])
    [result] = store.upsert_batch(
        [article(fetched_at=at(8), images=["https://www.thaigov.go.th/a.jpg"])]
    )
    stored = store.get_article(101)
    assert stored is not None
    assert result.action == "unchanged"
    assert stored["images"] == ["https://www.thaigov.go.th/a.jpg"]
    assert stored["published_date_numeric_text"] == "05/03/2567"
    assert stored["source"] == "corpus"  # the text still comes from the corpus
    assert stored["indexed_at"] is not None  # images are not in the search index
    assert stored["content_hash"] == hash_of(article(fetched_at=at(8), images=stored["images"]))
    # The corpus file again (it cannot carry images) is the same article: nothing changes.
    [again] = store.upsert_batch([corpus])
    assert again.action == "unchanged"
    assert store.get_article(101) == stored


def test_filling_an_indexed_field_makes_the_article_pending(store: ArchiveStore) -> None:
    store.upsert_batch([article(category=None)])
    store.mark_indexed([(101, hash_of(article()))])
    [result] = store.upsert_batch([article(fetched_at=at(6))])
    assert result.needs_index is True
    assert store.count(pending_only=True) == 1


def test_changed_text_keeps_the_old_version(store: ArchiveStore) -> None:
    first = store.upsert_batch([article(fetched_at=at(5))])[0]
    assert first.content_hash is not None
    store.mark_indexed([(101, first.content_hash)])
    edited = article(fetched_at=at(7, 12), body="ข้อความที่แก้ไขแล้ว", source="crawl")
    [result] = store.upsert_batch([edited])
    assert (result.action, result.needs_index) == ("updated", True)
    assert result.content_hash == hash_of(edited)
    stored = store.get_article(101)
    assert stored is not None
    assert stored["body"] == "ข้อความที่แก้ไขแล้ว"
    assert stored["version"] == 2
    assert stored["last_changed_at"] == stored["last_seen_at"] == at(7, 12)
    assert stored["first_seen_at"] == at(5)
    assert stored["indexed_at"] is None
    assert store.get_versions(101) == [
        {
            "article_id": 101,
            "version": 1,
            "title": article()["title"],
            "body": article()["body"],
            "content_hash": first.content_hash,
            "other_fields": {
                name: article()[name] if name != "category_original" else article()["category"]
                for name in HASHED_FIELDS
                if name not in ("title", "body")
            },
            "valid_from": at(5),
            "replaced_at": at(7, 12),
            "source": "crawl",
        }
    ]
    # A third text: versions 1 and 2 kept in order.
    store.upsert_batch([article(fetched_at=at(9), title="หัวข้อใหม่")])
    assert [v["version"] for v in store.get_versions(101)] == [1, 2]
    assert store.stats()["articles_with_versions"] == 1


def test_an_older_snapshot_never_replaces_newer_text(store: ArchiveStore) -> None:
    store.upsert_batch([article(fetched_at=at(9), body="ข้อความล่าสุด")])
    before = store.get_article(101)
    [result] = store.upsert_batch([article(fetched_at=at(2), source="corpus")])
    assert result.action == "unchanged"
    assert store.get_article(101) == before
    assert store.get_versions(101) == []


def test_older_snapshot_of_the_same_text_moves_first_seen_back(store: ArchiveStore) -> None:
    store.upsert_batch([article(fetched_at=at(9))])
    store.upsert_batch([article(fetched_at=at(2), source="corpus")])
    stored = store.get_article(101)
    assert stored is not None
    assert (stored["first_seen_at"], stored["last_changed_at"], stored["last_seen_at"]) == (
        at(2),
        at(2),
        at(9),
    )


def test_same_id_twice_in_one_batch(store: ArchiveStore) -> None:
    results = store.upsert_batch([article(fetched_at=at(5)), article(fetched_at=at(6), body="ใหม่")])
    assert [r.action for r in results] == ["inserted", "updated"]
    assert store.count() == 1
    assert [v["version"] for v in store.get_versions(101)] == [1]


def test_bad_items_fail_alone(store: ArchiveStore) -> None:
    results = store.upsert_batch(
        [
            article(201),
            article(-5),  # violates the database's CHECK constraint
            article("not a number"),
            article(202, published_date="2567-13-45"),
            article(203),
        ]
    )
    assert [r.action for r in results] == ["inserted", "failed", "failed", "failed", "inserted"]
    assert results[1].article_id == -5
    assert results[1].error is not None and "ck_articles_article_id_positive" in results[1].error
    assert results[2].article_id is None and "invalid item" in (results[2].error or "")
    assert not any(r.needs_index for r in results if r.action == "failed")
    assert sorted(a["article_id"] for a in rows(store)) == [201, 203]


def test_items_without_fetch_time_use_the_upsert_time(store: ArchiveStore) -> None:
    now = dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    store.upsert_batch([article(fetched_at=None)], now=now)
    stored = store.get_article(101)
    assert stored is not None
    assert stored["fetched_at"] is None
    assert stored["first_seen_at"] == now.isoformat()


def test_raw_html_is_kept_compressed_once_per_text(store: ArchiveStore) -> None:
    html = "<html><title>รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-หัวข้อ</title></html>" * 50
    store.upsert_batch([article(raw_html=html)])
    store.upsert_batch([article(fetched_at=at(6), raw_html=html)])  # same text: nothing new
    store.upsert_batch([article(fetched_at=at(7), body="แก้ไข", raw_html=html + "<p>แก้ไข</p>")])
    pages = store.get_raw_html(101)
    assert [page for _, page in pages] == [html, html + "<p>แก้ไข</p>"]
    assert [fetched for fetched, _ in pages] == [at(5), at(7)]
    with store.engine.connect() as connection:
        stored_size = connection.execute(text("SELECT length(html) FROM raw_pages")).scalars()
        assert all(size < len(html.encode()) / 5 for size in stored_size)


# --- indexing bookkeeping ---------------------------------------------------------------------
def test_mark_indexed_only_where_the_hash_still_matches(store: ArchiveStore) -> None:
    current, stale = (
        r.content_hash or "" for r in store.upsert_batch([article(101), article(102)])
    )
    store.upsert_batch([article(102, fetched_at=at(6), body="แก้ไขแล้ว")])
    marked = store.mark_indexed([(101, current), (102, stale), (999, "x")])
    assert marked == 1
    assert [a["article_id"] for a in store.iter_articles(pending_only=True)] == [102]
    assert store.mark_all_unindexed() == 1
    assert store.count(pending_only=True) == 2


def test_bookkeeping_updates_count_across_id_chunks(
    store: ArchiveStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Long id lists go in chunks (one transaction); every chunk's rows are counted."""
    monkeypatch.setattr(store_module, "_CHUNK", 2)
    results = store.upsert_batch([article(i) for i in range(101, 106)])
    pairs = [(r.article_id or 0, r.content_hash or "") for r in results]
    assert store.mark_indexed([*pairs, (999, "x"), pairs[0]]) == 5
    assert store.count(pending_only=True) == 0
    assert store.mark_unindexed([105, 101, 103, 104, 101, 998]) == 4
    assert [a["article_id"] for a in store.iter_articles(pending_only=True)] == [101, 103, 104, 105]
    store.record_frontier([(i, "failed", "http_503") for i in (201, 202, 203)])
    store.record_frontier([(204, "article", None)])
    assert store.give_up_frontier([204, 203, 202, 201, 200]) == 3


# --- reads --------------------------------------------------------------------------------------
def test_reads(store: ArchiveStore) -> None:
    assert store.max_article_id() is None
    store.upsert_batch(
        [
            article(article_id, published_date=f"2024-03-{article_id - 300:02d}")
            for article_id in range(301, 311)
        ]
    )
    assert store.max_article_id() == 310
    assert [a["article_id"] for a in store.iter_articles(batch_size=3)] == list(range(301, 311))
    assert [a["article_id"] for a in store.iter_articles(ids=[305, 301, 999], batch_size=1)] == [
        301,
        305,
    ]
    assert store.article_ids_published_since(dt.date(2024, 3, 8)) == [308, 309, 310]
    assert store.get_article(999) is None
    assert store.count() == 10


def test_stats_and_runs(store: ArchiveStore) -> None:
    store.upsert_batch(
        [
            article(1, published_date="2021-05-01", category="ด้านสังคม"),
            article(2, published_date="2023-01-01", lang="en", category="Government News"),
            article(3, published_date="2023-06-01", category="ด้านสังคม", source="corpus"),
            article(4, published_date=None, category=None),
        ]
    )
    run_id = store.start_run("thaigov", {"start_id": 1, "end_id": 4})
    finished = dt.datetime(2024, 3, 5, tzinfo=UTC)
    store.finish_run(run_id, {"item_scraped_count": 4, "finish_time": finished}, "finished", 0)
    figures = store.stats()
    assert figures["articles"] == 4 and figures["pending_index"] == 4
    assert figures["by_year"] == [(2021, 1), (2023, 2), (None, 1)] or figures["by_year"] == [
        (None, 1),
        (2021, 1),
        (2023, 2),
    ]
    assert figures["by_category"][0] == ("ด้านสังคม", 2)
    assert dict(figures["by_source"]) == {"corpus": 1, "crawl": 3}
    assert dict(figures["by_lang"]) == {"en": 1, "th": 3}
    [run] = figures["last_runs"]
    assert run["id"] == run_id and run["status"] == "finished" and run["exit_code"] == 0
    assert run["arguments"] == {"start_id": 1, "end_id": 4}
    assert run["stats"] == {"item_scraped_count": 4, "finish_time": str(finished)}
    assert run["finished_at"] is not None
    with pytest.raises(KeyError):
        store.finish_run(run_id + 100, {}, "finished", 0)


# --- thaigov db ---------------------------------------------------------------------------------
def test_db_commands(archive_url: str) -> None:
    import json

    from typer.testing import CliRunner

    from search.cli import app

    runner = CliRunner()
    upgraded = runner.invoke(app, ["db", "upgrade", "--url", archive_url])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"schema at {migrations.head_revision()}" in upgraded.output
    with ArchiveStore(archive_url) as store:
        store.upsert_batch([article(1), article(2, category="Government News", lang="en")])
        store.start_run("thaigov_corpus", {"path": "corpus.tar.gz"})
    shown = runner.invoke(app, ["db", "stats", "--url", archive_url], env={"COLUMNS": "160"})
    assert shown.exit_code == 0, shown.output
    for expected in ("waiting for search indexing", "Government News", "2024", "thaigov_corpus"):
        assert expected in shown.output
    as_json = runner.invoke(app, ["db", "stats", "--url", archive_url, "--json"])
    figures = json.loads(as_json.output)
    assert figures["articles"] == 2 and figures["pending_index"] == 2
    assert figures["last_runs"][0]["status"] == "running"
