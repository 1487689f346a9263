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

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.exceptions import UsageError

from pipelines.adapters.archive import archive_store
from pipelines.archive.captures import CaptureIndex, PageCapture
from pipelines.archive.warc import read_response
from pipelines.core.article import Article, canonical_url
from pipelines.core.extract import Extracted, NotArticle, article_id_from_url, extract_article
from thaigov_crawler.addon import thaigov_settings
from thaigov_crawler.spiders.thaigov import parse_ids


class ReextractSpider(scrapy.Spider):
    """Yields one :class:`Article` per readable capture; counts everything else under reextract/."""

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

    async def start(self) -> AsyncIterator[Article]:
        stats = self.crawler.stats
        store = archive_store(self.crawler)
        warc_dir = thaigov_settings(self.crawler).warc_dir
        wanted = CaptureIndex(store).archived_article_ids() if self.everything else self.ids
        captures = CaptureIndex(store).page_captures(wanted)
        for key in ("articles", "read", "extracted", "no_capture", "unreadable", "not_article"):
            stats.set_value(f"reextract/{key}", 0)
        stats.set_value("reextract/articles", len(wanted))
        missing = [i for i in wanted if i not in captures]
        with_raw_html = CaptureIndex(store).raw_page_article_ids().intersection(missing)
        missing = [i for i in missing if i not in with_raw_html]
        if missing:
            stats.inc_value("reextract/no_capture", len(missing))
            shown = ", ".join(map(str, missing[:20])) + (" ..." if len(missing) > 20 else "")
            self.logger.info("%d article(s) have no stored capture: %s", len(missing), shown)
        for article_id in wanted:
            capture = captures.get(article_id)
            if capture is not None:
                item = self._extract(capture, warc_dir)
            elif article_id in with_raw_html:
                item = self._extract_raw_html(article_id)
            else:
                continue
            if item is not None:
                yield item

    def _extract_raw_html(self, article_id: int) -> Article | None:
        """The latest page kept by ARCHIVE_RAW_HTML, for articles crawled before WARC capture."""
        pages = archive_store(self.crawler).get_raw_html(article_id)
        if not pages:
            return None
        fetched_at, html = pages[-1]
        self.crawler.stats.inc_value("reextract/read")
        self.crawler.stats.inc_value("reextract/from_raw_html")
        moment = dt.datetime.fromisoformat(fetched_at) if fetched_at else None
        result = extract_article(html, canonical_url(article_id), fetched_at=moment)
        return self._item(article_id, result)

    def _extract(self, capture: PageCapture, warc_dir: Path) -> Article | None:
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
        return self._item(capture.article_id, result)

    def _item(self, article_id: int, result: Extracted | NotArticle) -> Article | None:
        stats = self.crawler.stats
        if not isinstance(result, Extracted):
            stats.inc_value("reextract/not_article")
            stats.inc_value(f"reextract/not_article/{result.reason}")
            self.logger.warning(
                "article %d: its capture is no longer extracted as an article (%s)",
                article_id,
                result.reason,
            )
            return None
        stats.inc_value("reextract/extracted")
        stats.inc_value(f"thaigov/extract/route/{result.route}")
        return result.article  # the record, as spiders/thaigov.py parse_detail yields it
