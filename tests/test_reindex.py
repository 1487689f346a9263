"""``thaigov reindex`` and ``thaigov search`` end to end: real archive, real index, the real CLI."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.archive.store import ArchiveStore
from pipelines.core.settings import ThaigovSettings
from search.backends.embedded import EmbeddedBackend
from search.backends.select import open_backend
from search.core.query import SearchQuery
from tests.cli_env import archive_env, thaigov
from tests.search_fixtures import ARTICLES, article


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    """Environment naming a fresh SQLite archive and a fresh index of the parametrised kind."""
    with archive_env(request, tmp_path, ARTICLES) as values:
        yield values


def counts(env: dict[str, str]) -> tuple[int, int, int]:
    """(archive articles, pending articles, indexed documents)."""
    with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
        archived, pending = store.count(), store.count(pending_only=True)
    backend = open_backend(ThaigovSettings.from_scrapy(env), create=True)
    try:
        return archived, pending, backend.count()
    finally:
        backend.close()


def test_reindex_pending_indexes_each_pending_article_once(env: dict[str, str]) -> None:
    with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
        assert store.count(pending_only=True) == 8
    code, out, err = thaigov(env, "reindex", "--pending", "--workers", "1", "--json")
    assert code == 0, err
    assert counts(env) == (8, 0, 8)
    kind = "elasticsearch" if "THAIGOV_ELASTICSEARCH_URL" in env else "embedded"
    figures = json.loads(out)
    # seconds when this process loaded the encoder's weights, null when an earlier test had
    load_seconds = figures.pop("encoder_load_seconds")
    assert load_seconds is None or load_seconds > 0
    assert figures == {
        "backend": kind,
        "mode": "pending",
        "indexed": 8,
        "failed": 0,
        "index_count": 8,
        "archive_count": 8,
        "pending": 0,
        # the vectors beside the index (docs/semantic.md); each fixture is one passage long
        "embedded": 8,
        "embedded_passages": 8,
        "embed_removed": 0,
        "embed_failed": 0,
        "vector_count": 8,
    }

    code, _, err = thaigov(env, "reindex", "--workers", "1")  # the human summary line
    assert code == 0 and "indexed 0, failed 0; index holds 8, archive 8 (0 pending)" in err


def test_changed_article_is_pending_again_and_reindexed(env: dict[str, str]) -> None:
    thaigov(env, "reindex", "--workers", "1")
    with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
        (result,) = store.upsert_batch([{**article(1001), "body": "นายกรัฐมนตรีเยือนจังหวัดน่าน"}])
        assert result.action == "updated" and result.needs_index
    assert counts(env)[1] == 1
    code, out, _ = thaigov(env, "search", "น่าน", "--json")
    assert code == 0 and out == ""
    thaigov(env, "reindex", "--workers", "1")
    _, out, _ = thaigov(env, "search", "น่าน", "--json")
    assert [json.loads(line)["article_id"] for line in out.splitlines()] == [1001]
    assert counts(env) == (8, 0, 8)


def test_reindex_all_rebuilds_from_the_archive(env: dict[str, str]) -> None:
    thaigov(env, "reindex", "--workers", "1")
    # Opened before the rebuild: must see the new index afterwards.
    reader = open_backend(ThaigovSettings.from_scrapy(env), create=False)
    try:
        with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
            store.upsert_batch([{**article(1005), "title": "โครงการแว่นตาผู้สูงอายุ"}])
        code, _, err = thaigov(env, "reindex", "--all", "--workers", "2", "--batch-size", "3")
        assert code == 0, err
        assert counts(env) == (8, 0, 8)
        assert [h.article_id for h in reader.search(SearchQuery.build("แว่นตา")).hits] == [1005]
    finally:
        reader.close()


def test_embedded_rebuild_replaces_the_file(tmp_path: Path) -> None:
    env = {
        "THAIGOV_ARCHIVE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}",
        "THAIGOV_SEARCH_PATH": str(tmp_path / "search.sqlite3"),
    }
    with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
        store.upsert_batch(ARTICLES)
    thaigov(env, "reindex", "--workers", "1")
    before = os.stat(env["THAIGOV_SEARCH_PATH"]).st_ino
    thaigov(env, "reindex", "--all", "--workers", "1")
    assert os.stat(env["THAIGOV_SEARCH_PATH"]).st_ino != before
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "archive.sqlite3",
        "search.sqlite3",
        "search.vectors.sqlite3",  # the vectors beside the index (docs/semantic.md)
    ]
    assert EmbeddedBackend(env["THAIGOV_SEARCH_PATH"]).count() == 8


def test_search_json_lines_and_table(env: dict[str, str]) -> None:
    thaigov(env, "reindex", "--workers", "1")
    code, out, _ = thaigov(env, "search", "คณะรัฐมนตรี", "--sort", "oldest", "--json")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert [r["article_id"] for r in records] == [1006, 1002, 1008]
    assert set(records[0]) >= {
        "article_id",
        "title",
        "published_date",
        "category",
        "lang",
        "score",
        "snippet",
    }
    assert records[0]["published_date"] == "2023-12-26"

    code, out, _ = thaigov(
        env, "search", "ยาง", "--from", "1 ก.พ. 67", "--to", "2567", "--limit", "1"
    )
    assert code == 0
    assert "1 matches" in out and article(1002)["title"] in out


def test_search_rejects_a_bad_date(env: dict[str, str]) -> None:
    code, _, err = thaigov(env, "search", "ยาง", "--from", "not a date")
    assert code == 2 and "unrecognised date" in err
