"""SearchIndexPipeline inside a real Scrapy crawler, fed by a real archive's committed batches."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from typer.testing import CliRunner

from pipelines.archive.store import ArchiveStore
from pipelines.index_pipeline import SearchIndexPipeline
from pipelines.signals import archive_batch_committed
from search.backends.embedded import EmbeddedBackend
from search.config import open_backend
from search.query import SearchQuery
from tests.search_fixtures import ARTICLES


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ArchiveStore]:
    with ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite3'}") as archive:
        yield archive


def start(store: ArchiveStore, **settings: Any) -> tuple[Any, SearchIndexPipeline]:
    """A crawler with the archive attached (as ArchivePipeline does) and the pipeline opened."""
    crawler = get_crawler(settings_dict=settings)
    crawler.thaigov_archive = store
    pipeline = SearchIndexPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return crawler, pipeline


def commit(crawler: Any, store: ArchiveStore, articles: list[dict[str, Any]]) -> None:
    """What ArchivePipeline does after each committed batch."""
    results = store.upsert_batch(articles)
    crawler.signals.send_catch_log(archive_batch_committed, results=results)


def test_committed_batches_are_indexed_then_confirmed(
    store: ArchiveStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THAIGOV_SEARCH_PATH", str(tmp_path / "search.sqlite3"))
    crawler, pipeline = start(store, SEARCH_INDEX_BATCH_SIZE=3)
    commit(crawler, store, ARTICLES[:5])
    assert store.count(pending_only=True) == 2  # one full batch of 3 indexed, 2 buffered
    commit(crawler, store, ARTICLES[5:])
    pipeline.close_spider()

    assert store.count(pending_only=True) == 0
    index = EmbeddedBackend(tmp_path / "search.sqlite3")
    assert index.count() == len(ARTICLES)
    assert [h.article_id for h in index.search(SearchQuery.build("ตา")).hits] == [1005]
    stats = crawler.stats.get_stats()
    assert (stats["index/indexed"], stats["index/failed"], stats["index/marked"]) == (8, 0, 8)
    assert isinstance(stats["pipeline/index/seconds"], float)
    assert isinstance(stats["index/segment_seconds"], float)


def test_unchanged_articles_are_not_reindexed(
    store: ArchiveStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THAIGOV_SEARCH_PATH", str(tmp_path / "search.sqlite3"))
    crawler, pipeline = start(store)
    commit(crawler, store, ARTICLES)
    commit(crawler, store, ARTICLES)  # a re-crawl of the same pages
    pipeline.close_spider()
    assert crawler.stats.get_value("index/indexed") == len(ARTICLES)


def test_items_pass_through_untouched(
    store: ArchiveStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THAIGOV_SEARCH_PATH", str(tmp_path / "search.sqlite3"))
    _, pipeline = start(store)
    item = dict(ARTICLES[0])
    assert pipeline.process_item(item) is item and item == ARTICLES[0]


def test_disabled_by_setting(store: ArchiveStore) -> None:
    with pytest.raises(NotConfigured):
        SearchIndexPipeline.from_crawler(get_crawler(settings_dict={"SEARCH_INDEX_ENABLED": False}))


def test_unusable_index_counts_failures_and_leaves_articles_pending(
    store: ArchiveStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a file where the index directory should be")
    monkeypatch.setenv("THAIGOV_SEARCH_PATH", str(blocker / "search.sqlite3"))
    crawler, pipeline = start(store, SEARCH_INDEX_BATCH_SIZE=3)
    commit(crawler, store, ARTICLES)
    pipeline.close_spider()
    assert store.count() == len(ARTICLES)  # the archive went on
    assert store.count(pending_only=True) == len(ARTICLES)
    assert crawler.stats.get_value("index/failed") == len(ARTICLES)
    assert crawler.stats.get_value("index/indexed") == 0


@pytest.mark.elasticsearch
def test_elasticsearch_down_then_reindex_pending_catches_up(
    store: ArchiveStore, elasticsearch_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crawl while the server is unreachable loses nothing: reindex --pending fills the index."""
    index = f"thaigov-test-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("THAIGOV_ELASTICSEARCH_INDEX", index)
    monkeypatch.setenv("THAIGOV_ELASTICSEARCH_URL", "http://127.0.0.1:9")  # nothing listens
    crawler, pipeline = start(store, SEARCH_INDEX_BATCH_SIZE=4)
    commit(crawler, store, ARTICLES)
    pipeline.close_spider()
    assert crawler.stats.get_value("index/failed") == len(ARTICLES)
    assert store.count(pending_only=True) == len(ARTICLES)

    from search.cli import app

    env = {"THAIGOV_ARCHIVE_URL": store.url, "THAIGOV_ELASTICSEARCH_URL": elasticsearch_url}
    try:
        result = CliRunner().invoke(app, ["reindex", "--pending", "--workers", "1"], env=env)
        assert result.exit_code == 0, result.output
        backend = open_backend({**env, "THAIGOV_ELASTICSEARCH_INDEX": index})
        assert backend.count() == store.count() == len(ARTICLES)
        assert store.count(pending_only=True) == 0
        backend.close()
    finally:
        from tests.test_search_backends import _drop_elasticsearch

        _drop_elasticsearch(elasticsearch_url, index)
