"""Spider ``thaigov_reextract``: today's extractor over stored WARC captures, without any request.

For each chosen article the latest HTTP 200 capture of its page is read back from the WARC
files (a revisit is followed to the record holding the bytes), extracted with
:func:`pipelines.core.extract.extract_article` and sent through the crawl's item pipelines, so
the archive's content hash decides: unchanged text changes nothing, changed extraction gives a
new version. ``fetched_at`` is the capture's time: the text is what the site served then.

    scrapy crawl thaigov_reextract -a all=1          # every archived article with a capture
    scrapy crawl thaigov_reextract -a ids=1001,1005-1010
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import UsageError

from pipelines.adapters.archive import archive_store
from pipelines.archive.captures import CaptureIndex, PageCapture
from pipelines.archive.warc import read_response
from pipelines.core.article import canonical_url
from pipelines.core.extract import Extracted, article_id_from_url, extract_article
from thaigov_crawler.items import ArticleItem
from thaigov_crawler.spiders.thaigov import parse_ids


class ReextractSpider(scrapy.Spider):
    """Yields one ArticleItem per readable capture; counts everything else under reextract/."""

    name = "thaigov_reextract"
    # No network: nothing to be polite to, and nothing new to capture or download.
    custom_settings = {  # noqa: RUF012 (Scrapy reads this class attribute)
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        "THAIGOV_WARC_ENABLED": False,
        "THAIGOV_FILES_ENABLED": False,
    }

    def __init__(self, ids: str | None = None, all: str | bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.everything = str(all).lower() in ("1", "true", "yes", "on")
        self.ids = parse_ids(ids) if ids else []
        if not self.everything and not self.ids:
            raise UsageError("give -a ids=1,5-9 or -a all=1")
        if self.everything and self.ids:
            raise UsageError("give either -a ids or -a all=1, not both")
        self.run_args = {"ids": ids} if ids else {"all": True}

    async def start(self) -> AsyncIterator[Any]:
        stats = self.crawler.stats
        store = archive_store(self.crawler)
        warc_dir = Path(self.settings.get("THAIGOV_WARC_DIR") or "data/warc")
        wanted = CaptureIndex(store).archived_article_ids() if self.everything else self.ids
        captures = CaptureIndex(store).page_captures(wanted)
        for key in ("articles", "read", "extracted", "no_capture", "unreadable", "not_article"):
            stats.set_value(f"reextract/{key}", 0)
        stats.set_value("reextract/articles", len(wanted))
        missing = [i for i in wanted if i not in captures]
        if missing:
            stats.inc_value("reextract/no_capture", len(missing))
            shown = ", ".join(map(str, missing[:20])) + (" ..." if len(missing) > 20 else "")
            self.logger.info("%d article(s) have no stored capture: %s", len(missing), shown)
        for article_id in wanted:
            capture = captures.get(article_id)
            if capture is None:
                continue
            item = self._extract(capture, warc_dir)
            if item is not None:
                yield item

    def _extract(self, capture: PageCapture, warc_dir: Path) -> Any:
        stats = self.crawler.stats
        if capture.payload_filename is None or capture.payload_offset is None:
            stats.inc_value("reextract/unreadable")
            self.logger.error(
                "article %d: capture %s is a revisit whose original record is not indexed",
                capture.article_id,
                capture.record_id,
            )
            return None
        try:
            response = read_response(warc_dir, capture.payload_filename, capture.payload_offset)
        except (OSError, ValueError) as exc:
            stats.inc_value("reextract/unreadable")
            self.logger.error("article %d: capture unreadable: %s", capture.article_id, exc)
            return None
        stats.inc_value("reextract/read")
        url = capture.url if article_id_from_url(capture.url) else canonical_url(capture.article_id)
        result = extract_article(
            response.body, url, encoding=response.encoding, fetched_at=capture.fetched_at
        )
        if not isinstance(result, Extracted):
            stats.inc_value("reextract/not_article")
            stats.inc_value(f"reextract/not_article/{result.reason}")
            self.logger.warning(
                "article %d: its capture is no longer extracted as an article (%s)",
                capture.article_id,
                result.reason,
            )
            return None
        stats.inc_value("reextract/extracted")
        stats.inc_value(f"thaigov/extract/route/{result.route}")
        return ArticleItem(**result.fields)
