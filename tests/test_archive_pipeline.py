"""ArchivePipeline inside a real Scrapy crawler object, writing to a real archive database."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest
from scrapy import signals
from scrapy.utils.test import get_crawler

from pipelines.adapters.archive import ArchivePipeline, archive_store
from pipelines.adapters.signals import archive_batch_committed
from pipelines.archive.store import ArchiveStore, UpsertResult
from pipelines.core.article import Article
from tests.test_archive_store import article


class Committed:
    """Collects what the pipeline announces, as the index pipeline would receive it."""

    def __init__(self) -> None:
        self.batches: list[list[UpsertResult]] = []

    def __call__(self, results: list[UpsertResult], **_: Any) -> None:
        self.batches.append(results)


def start(url: str, **settings: Any) -> tuple[Any, ArchivePipeline, Committed]:
    crawler = get_crawler(
        settings_dict={"THAIGOV_ARCHIVE_URL": url, "ARCHIVE_BATCH_SECONDS": 0, **settings}
    )
    committed = Committed()
    crawler.signals.connect(committed, signal=archive_batch_committed, weak=False)
    pipeline = ArchivePipeline.from_crawler(crawler)
    pipeline.open_spider()
    return crawler, pipeline, committed


@pytest.fixture
def opened(archive_url: str) -> Iterator[tuple[Any, ArchivePipeline, Committed]]:
    crawler, pipeline, committed = start(archive_url, ARCHIVE_BATCH_SIZE=3)
    yield crawler, pipeline, committed
    crawler.thaigov_archive.close()


def test_batches_by_count_and_flushes_on_close(
    opened: tuple[Any, ArchivePipeline, Committed],
) -> None:
    crawler, pipeline, committed = opened
    for article_id in range(1, 8):
        item = Article(**article(article_id))
        assert pipeline.process_item(item) is item  # items go on to the next pipeline
    assert [len(b) for b in committed.batches] == [3, 3]  # the 7th waits in the buffer
    store: ArchiveStore = crawler.thaigov_archive
    assert store.count() == 6
    pipeline.close_spider()
    assert [len(b) for b in committed.batches] == [3, 3, 1]
    assert store.count() == 7
    stats = crawler.stats.get_stats()
    assert (stats["archive/inserted"], stats["archive/failed"]) == (7, 0)
    assert stats["pipeline/archive/seconds"] > 0
    first = committed.batches[0][0]
    assert first.needs_index and first.article is not None
    assert first.article["title"] == article(1)["title"]


def test_second_crawl_of_the_same_items_changes_nothing(
    opened: tuple[Any, ArchivePipeline, Committed],
    archive_url: str,
) -> None:
    crawler, pipeline, _ = opened
    for article_id in range(1, 5):
        pipeline.process_item(Article(**article(article_id)))
    pipeline.close_spider()
    before = list(crawler.thaigov_archive.iter_articles())

    again, second, committed = start(archive_url)
    for article_id in range(1, 5):
        second.process_item(Article(**article(article_id)))
    second.close_spider()
    assert list(again.thaigov_archive.iter_articles()) == before
    assert again.stats.get_value("archive/unchanged") == 4
    assert again.stats.get_value("archive/inserted") == 0
    assert [r.needs_index for r in committed.batches[0]] == [True] * 4  # never indexed yet
    again.thaigov_archive.close()


def test_spider_idle_flushes_before_later_pipelines_close(
    opened: tuple[Any, ArchivePipeline, Committed],
) -> None:
    crawler, pipeline, committed = opened
    pipeline.process_item(Article(**article(1)))
    crawler.signals.send_catch_log(signal=signals.spider_idle, spider=None)
    assert [len(b) for b in committed.batches] == [1]


def test_batches_by_age(archive_url: str) -> None:
    crawler, pipeline, committed = start(
        archive_url, ARCHIVE_BATCH_SIZE=100, ARCHIVE_BATCH_SECONDS=0.05
    )
    pipeline.process_item(Article(**article(1)))
    assert committed.batches == []
    time.sleep(0.1)
    pipeline.process_item(Article(**article(2)))  # the buffer is old enough now
    assert [[r.article_id for r in b] for b in committed.batches] == [[1, 2]]
    pipeline.close_spider()
    crawler.thaigov_archive.close()


def test_database_errors_are_logged_and_counted(
    opened: tuple[Any, ArchivePipeline, Committed], caplog: pytest.LogCaptureFixture
) -> None:
    crawler, pipeline, committed = opened
    caplog.set_level(logging.ERROR, logger="pipelines.adapters.archive")
    for article_id in (11, -12, 13):  # -12 breaks a real CHECK constraint
        pipeline.process_item(Article(**article(article_id)))
    pipeline.close_spider()
    stats = crawler.stats.get_stats()
    assert (stats["archive/inserted"], stats["archive/failed"]) == (2, 1)
    assert [r.article_id for b in committed.batches for r in b] == [11, 13]  # failures not sent
    assert "could not write 1 article(s): -12" in caplog.text


def test_unreachable_database_counts_every_item_as_failed(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="pipelines.adapters.archive")
    crawler, pipeline, committed = start(
        "postgresql+psycopg://postgres@127.0.0.1:9/none", ARCHIVE_BATCH_SIZE=2
    )
    for article_id in (21, 22, 23):
        pipeline.process_item(Article(**article(article_id)))
    pipeline.close_spider()
    assert crawler.stats.get_value("archive/failed") == 3
    assert committed.batches == []
    assert "archive unavailable" in caplog.text
    assert "21, 22" in caplog.text


def test_raw_html_only_with_the_setting(archive_url: str) -> None:
    html = "<html><body>หน้าเว็บ</body></html>"
    crawler, pipeline, _ = start(archive_url, ARCHIVE_RAW_HTML=False)
    pipeline.process_item(Article(**article(31), raw_html=html))
    pipeline.close_spider()
    assert crawler.thaigov_archive.get_raw_html(31) == []

    crawler, pipeline, _ = start(archive_url, ARCHIVE_RAW_HTML=True)
    pipeline.process_item(Article(**article(32), raw_html=html))
    pipeline.close_spider()
    assert [page for _, page in crawler.thaigov_archive.get_raw_html(32)] == [html]
    crawler.thaigov_archive.close()


def test_one_store_per_crawler(tmp_path: Any) -> None:
    crawler, pipeline, _ = start(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    assert archive_store(crawler) is pipeline.store is crawler.thaigov_archive
    assert crawler.thaigov_archive_pipeline is pipeline
    pipeline.close_spider()
    crawler.thaigov_archive.close()
