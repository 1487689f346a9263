"""Item pipeline: published date, mentioned dates and date warnings for every article."""

from __future__ import annotations

import time
from typing import Any, Self

from itemadapter import ItemAdapter

from pipelines.core.thai_dates import normalise_article_dates, warning_kind

#: Stats key per warning kind (see pipelines.core.thai_dates.WARNING_KINDS).
WARNING_STATS = {
    "unparseable": "dates/unparseable",
    "weekday_mismatch": "dates/weekday_mismatch",
    "line_disagreement": "dates/line_disagreement",
}
SECONDS_STAT = "pipeline/dates/seconds"
#: What normalise_article_dates reads; copying only these keeps the adapter cheap.
INPUT_FIELDS = ("published_date_text", "published_date_numeric_text", "title", "body")


class ThaiDatesPipeline:
    """Thin adapter over :func:`pipelines.core.thai_dates.normalise_article_dates`.

    Never drops an item: an unparseable date leaves ``published_date`` None, a warning on the
    item and a count in stats, so problems stay visible instead of disappearing.
    """

    def __init__(self, stats: Any | None = None) -> None:
        self.stats = stats  # a Scrapy StatsCollector; None when built directly (unit tests)

    @classmethod
    def from_crawler(cls, crawler: Any) -> Self:
        return cls(stats=crawler.stats)

    def process_item(self, item: Any, spider: Any = None) -> Any:
        started = time.perf_counter()
        adapter = ItemAdapter(item)
        result = normalise_article_dates({name: adapter.get(name) for name in INPUT_FIELDS})
        for name, value in result.items():
            adapter[name] = value
        if self.stats is not None:
            counted: set[str] = set()
            for warning in result["date_warnings"]:
                key = WARNING_STATS.get(warning_kind(warning))
                if key and key not in counted:  # articles with the problem, not warnings
                    counted.add(key)
                    self.stats.inc_value(key)
            self.stats.inc_value(SECONDS_STAT, time.perf_counter() - started)
        return item
