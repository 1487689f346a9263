"""ThaiDatesPipeline through Scrapy's real crawler and stats collector."""

from __future__ import annotations

import asyncio

from scrapy.pipelines import ItemPipelineManager
from scrapy.statscollectors import StatsCollector
from scrapy.utils.test import get_crawler

from pipelines.adapters.dates import ThaiDatesPipeline
from pipelines.core.article import Article
from thaigov_crawler.settings import ITEM_PIPELINES


def _item(**fields: str | None) -> Article:
    item = Article(
        article_id=90001,
        title="ครม. เห็นชอบมาตรการ 2-3 พ.ย. 67",
        published_date_text="วันศุกร์ที่ 13 ธันวาคม 2567",
        published_date_numeric_text="13/12/2567",
        body="ประชุมเมื่อวันที่ 10 ธันวาคม 2567 เวลา 09.30 น.\nThe meeting on December 11, 2024.",
    )
    for name, value in fields.items():
        setattr(item, name, value)
    return item


def _pipeline() -> tuple[ThaiDatesPipeline, StatsCollector]:
    crawler = get_crawler(settings_dict={})
    assert crawler.stats is not None
    return ThaiDatesPipeline.from_crawler(crawler), crawler.stats


def test_sets_date_fields_on_a_scrapy_item() -> None:
    pipeline, stats = _pipeline()
    item = pipeline.process_item(_item())
    assert item.published_date == "2024-12-13"
    assert item.date_mentions == ["2024-11-02", "2024-11-03", "2024-12-10", "2024-12-11"]
    assert item.date_warnings == []
    assert stats.get_value("dates/unparseable") is None
    assert stats.get_value("pipeline/dates/seconds") > 0


def test_counts_each_problem_once_per_article_and_keeps_the_item() -> None:
    pipeline, stats = _pipeline()
    items = [
        _item(published_date_text="วันจันทร์ที่ 13 ธันวาคม 2567"),  # wrong weekday
        _item(published_date_numeric_text="14/12/2567"),  # lines disagree
        _item(published_date_text="วันศุกร์ที่ 31 กุมภาพันธ์ 2567", published_date_numeric_text=None),
        _item(published_date_text="ไม่ระบุ", published_date_numeric_text="ไม่ระบุ"),  # 2 warnings
        _item(),
    ]
    out = [pipeline.process_item(item) for item in items]
    assert out == items  # nothing dropped
    assert [item.published_date for item in out] == [
        "2024-12-13",
        "2024-12-13",
        None,
        None,
        "2024-12-13",
    ]
    assert stats.get_value("dates/weekday_mismatch") == 1
    assert stats.get_value("dates/line_disagreement") == 1
    assert stats.get_value("dates/unparseable") == 2
    assert len(out[3].date_warnings) == 2


def test_works_without_stats_and_on_plain_dicts() -> None:
    pipeline = ThaiDatesPipeline()
    item = pipeline.process_item({"published_date_text": "วันเสาร์ที่ 14 ธันวาคม 2567"})
    assert item["published_date"] == "2024-12-14"
    assert item["date_mentions"] == []
    assert item["date_warnings"] == []


def test_loads_from_the_project_settings_through_scrapys_pipeline_manager() -> None:
    # Only our entry of the project's ITEM_PIPELINES: proves the dotted path and from_crawler.
    ours = {k: v for k, v in ITEM_PIPELINES.items() if k.endswith(".ThaiDatesPipeline")}
    assert list(ours.values()) == [200]
    crawler = get_crawler(settings_dict={"ITEM_PIPELINES": ours})
    manager = ItemPipelineManager.from_crawler(crawler)
    item = asyncio.run(manager.process_item_async(_item(published_date_numeric_text="1/1/2567")))
    assert item.published_date == "2024-12-13"
    assert crawler.stats.get_value("dates/line_disagreement") == 1
