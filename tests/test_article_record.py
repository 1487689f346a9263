"""The article record: one dataclass whose field lists every consumer derives."""

from __future__ import annotations

from dataclasses import fields

from itemadapter import ItemAdapter

from pipelines.archive.models import Article as ArticleRow
from pipelines.core.article import (
    ALL_FIELDS,
    DATE_FIELDS,
    EXPORT_FIELDS,
    EXTRACTED_FIELDS,
    HASHED_FIELDS,
    LIST_FIELDS,
    RAW_HTML_FIELD,
    Article,
)
from search.services.export import EXPORT_COLUMNS
from search.web.models import ArticleOut
from thaigov_crawler.settings import FEED_EXPORT_FIELDS


def test_field_lists_come_from_the_dataclass_in_order() -> None:
    names = [f.name for f in fields(Article)]
    assert list(ALL_FIELDS) == names
    assert EXPORT_FIELDS == EXTRACTED_FIELDS + DATE_FIELDS
    assert names == [*EXPORT_FIELDS, RAW_HTML_FIELD]
    assert EXTRACTED_FIELDS[:4] == ("article_id", "url", "title", "category")
    assert DATE_FIELDS == ("published_date", "date_mentions", "date_warnings")
    assert set(HASHED_FIELDS) == set(EXTRACTED_FIELDS) - {
        "article_id",
        "url",
        "fetched_at",
        "source",
    }
    assert LIST_FIELDS == ("hashtags", "images", "attachments", "date_mentions", "date_warnings")


def test_every_consumer_carries_every_field() -> None:
    assert list(EXPORT_FIELDS) == FEED_EXPORT_FIELDS  # raw_html never exported
    assert EXPORT_COLUMNS[: len(EXPORT_FIELDS)] == EXPORT_FIELDS
    assert set(EXPORT_FIELDS) <= set(ArticleRow.__table__.columns.keys())
    assert list(ArticleOut.model_fields)[: len(EXPORT_FIELDS)] == list(EXPORT_FIELDS)


def test_the_record_is_a_scrapy_item() -> None:
    record = Article(article_id=7, title="หัวข้อ")
    adapter = ItemAdapter(record)
    adapter["published_date"] = "2024-12-13"
    assert record.published_date == "2024-12-13"
    assert adapter.get_field_meta("category_original")["group"] == "extracted"
    assert adapter.asdict() == record.as_dict()
    assert record.hashtags == [] and Article(article_id=8).hashtags is not record.hashtags
