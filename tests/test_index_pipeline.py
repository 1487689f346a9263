"""SearchIndexPipeline inside a real Scrapy crawler, fed by a real archive's committed batches."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.test import get_crawler
from typer.testing import CliRunner

from pipelines.adapters.index import SearchIndexPipeline
from pipelines.adapters.signals import archive_batch_committed
from pipelines.archive.store import ArchiveStore
from pipelines.core.settings import ThaigovSettings
from search.backends.embedded import EmbeddedBackend
from search.backends.select import open_backend
from search.core.query import SearchQuery
from tests.conftest import REPO_ROOT
from tests.search_fixtures import ARTICLES, drop_elasticsearch


@pytest.fixture
def store(tmp_path: Path) -> Iterator[ArchiveStore]:
    with ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite3'}") as archive:
        yield archive


def start(store: ArchiveStore, **settings: Any) -> tuple[Any, SearchIndexPipeline]:
    """A crawler with the archive attached (as ArchivePipeline does) and the pipeline opened."""
    crawler = get_crawler(settings_dict=settings)
    crawler.thaigov_archive = store  # type: ignore[attr-defined]
    pipeline = SearchIndexPipeline.from_crawler(crawler)
    pipeline.open_spider()
    return crawler, pipeline


def commit(crawler: Any, store: ArchiveStore, articles: list[dict[str, Any]]) -> None:
    """What ArchivePipeline does after each committed batch."""
    results = store.upsert_batch(articles)
    crawler.signals.send_catch_log(archive_batch_committed, results=results)


def close(crawler: Any, pipeline: SearchIndexPipeline) -> None:
    """Scrapy's closing order: close_spider of each pipeline, then the spider_closed signal."""
    pipeline.close_spider()
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")


def test_committed_batches_are_indexed_then_confirmed(
    store: ArchiveStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THAIGOV_SEARCH_PATH", str(tmp_path / "search.sqlite3"))
    crawler, pipeline = start(store, SEARCH_INDEX_BATCH_SIZE=3)
    commit(crawler, store, ARTICLES[:5])
    assert store.count(pending_only=True) == 2  # one full batch of 3 indexed, 2 buffered
    commit(crawler, store, ARTICLES[5:])
    close(crawler, pipeline)

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
    close(crawler, pipeline)
    assert crawler.stats.get_value("index/indexed") == len(ARTICLES)


def test_batches_committed_after_close_spider_are_indexed(
    store: ArchiveStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The archive pipeline (300) flushes its last batch after this one (400) was closed."""
    monkeypatch.setenv("THAIGOV_SEARCH_PATH", str(tmp_path / "search.sqlite3"))
    crawler, pipeline = start(store)
    commit(crawler, store, ARTICLES[:4])
    pipeline.close_spider()
    commit(crawler, store, ARTICLES[4:])  # ArchivePipeline.close_spider's final flush
    assert store.count(pending_only=True) == 0
    crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
    assert EmbeddedBackend(tmp_path / "search.sqlite3").count() == len(ARTICLES)


CRAWL = """
import scrapy
from scrapy.crawler import CrawlerProcess
from tests.conftest import REPO_ROOT
from tests.search_fixtures import ARTICLES

class Fixtures(scrapy.Spider):
    name = "fixtures"

    async def start(self):
        for article in ARTICLES:
            yield dict(article)

process = CrawlerProcess({
    "ITEM_PIPELINES": {
        "pipelines.adapters.archive.ArchivePipeline": 300,
        "pipelines.adapters.index.SearchIndexPipeline": 400,
    },
    "ARCHIVE_BATCH_SIZE": 3,
    "ARCHIVE_BATCH_SECONDS": 0,
    "SEARCH_INDEX_BATCH_SIZE": 5,
    "LOG_LEVEL": "WARNING",
    "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
})
process.crawl(Fixtures)
process.start()
"""


def test_real_crawl_archives_and_indexes_everything(tmp_path: Path) -> None:
    """A real Scrapy engine run (own process: a reactor starts once per process)."""
    archive = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    env = {
        **os.environ,
        "THAIGOV_ARCHIVE_URL": archive,
        "THAIGOV_SEARCH_PATH": str(tmp_path / "search.sqlite3"),
    }
    done = subprocess.run(
        [sys.executable, "-c", CRAWL], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    with ArchiveStore(archive) as store:
        assert (store.count(), store.count(pending_only=True)) == (len(ARTICLES), 0)
    index = EmbeddedBackend(tmp_path / "search.sqlite3")
    assert index.count() == len(ARTICLES)
    assert [h.article_id for h in index.search(SearchQuery.build("ยา")).hits] == [1003]


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
    close(crawler, pipeline)
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
    close(crawler, pipeline)
    assert crawler.stats.get_value("index/failed") == len(ARTICLES)
    assert store.count(pending_only=True) == len(ARTICLES)

    from search.cli import app

    env = {"THAIGOV_ARCHIVE_URL": store.url, "THAIGOV_ELASTICSEARCH_URL": elasticsearch_url}
    try:
        result = CliRunner().invoke(app, ["reindex", "--pending", "--workers", "1"], env=env)
        assert result.exit_code == 0, result.output
        backend = open_backend(
            ThaigovSettings.from_scrapy({**env, "THAIGOV_ELASTICSEARCH_INDEX": index}), create=False
        )
        assert backend.count() == store.count() == len(ARTICLES)
        assert store.count(pending_only=True) == 0
        backend.close()
    finally:
        drop_elasticsearch(elasticsearch_url, index)
