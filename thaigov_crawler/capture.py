"""WARC capture of every response the crawler receives (downloader middleware, on by default).

Sits next to the downloader (order 950): ``process_response`` there sees each response as it
arrived, before decompression or retries, with the request as it was sent (User-Agent,
Accept-Encoding already set). Pages, robots.txt, attachments and images all pass here, since
the robots.txt middleware and the media pipelines download through the same middlewares.

Records go to rotating gzipped WARC files under ``THAIGOV_WARC_DIR`` (one set per run); their
locations go to the archive's ``captures`` table in batches (``THAIGOV_WARC_INDEX_BATCH``), so
the archive knows where each article's capture is. A payload already captured (this run or an
earlier one) is written as a revisit record. A WARC or index failure never stops the crawl: it
is logged and counted (``warc/failed``, ``warc/index_failed``).
"""

from __future__ import annotations

import datetime as dt
import logging
import platform
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from pipelines.adapters.archive import archive_store
from pipelines.archive.captures import CaptureIndex
from pipelines.archive.warc import PriorPayload, WarcWriter, WrittenRecord
from thaigov_crawler.addon import thaigov_settings

logger = logging.getLogger(__name__)

#: Hop-by-hop framing Scrapy has already undone: the body we hold is de-chunked, so keeping
#: the header would make replay tools de-chunk it a second time.
_DROPPED_RESPONSE_HEADERS = frozenset({"transfer-encoding"})


def _header_pairs(headers: Any, dropped: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, values in headers.items():
        text = name.decode("latin-1") if isinstance(name, bytes) else str(name)
        if text.lower() in dropped:
            continue
        for value in values:
            pairs.append(
                (text, value.decode("latin-1") if isinstance(value, bytes) else str(value))
            )
    return pairs


class WarcCaptureMiddleware:
    """Writes each response (with its request) to WARC and indexes it in the archive."""

    def __init__(self, crawler: Crawler, directory: Path, max_size: int, batch: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.directory = directory
        self.max_size = max_size
        self.batch = max(1, batch)
        self.writer: WarcWriter | None = None
        self.index: CaptureIndex | None = None
        self._pending: list[tuple[WrittenRecord, int | None]] = []
        self._known: set[str] = set()
        self._failed_once = False
        crawler.signals.connect(self.spider_opened, signals.spider_opened)
        crawler.signals.connect(self.flush, signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        config = thaigov_settings(crawler)
        if not config.warc_enabled:
            raise NotConfigured("THAIGOV_WARC_ENABLED is off: no WARC capture")
        return cls(crawler, config.warc_dir, config.warc_max_size, config.warc_index_batch)

    def spider_opened(self, spider: Any) -> None:
        try:
            self.index = CaptureIndex(archive_store(self.crawler))
            self._known = self.index.known_payloads()
        except Exception as exc:  # the WARC files still matter without their index
            logger.error("archive unavailable for the WARC index (%s)", exc)
            self.index = None
        settings = self.crawler.settings
        self.writer = WarcWriter(
            self.directory,
            max_size=self.max_size,
            info={
                "software": "thaigov-archive/0.1 (Scrapy, warcio)",
                "format": "WARC File Format 1.1",
                "conformsTo": "https://iipc.github.io/warc-specifications/"
                "specifications/warc-format/warc-1.1/",
                "hostname": platform.node(),
                "http-header-user-agent": settings.get("USER_AGENT"),
                "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
                "spider": getattr(spider, "name", ""),
            },
            prior=self._prior,
        )
        self.stats.set_value("warc/records", 0)
        logger.info("WARC capture into %s", self.directory)

    def _prior(self, digest: str) -> PriorPayload | None:
        """An earlier run's response with this payload (this run's: the writer remembers)."""
        if self.index is None or digest not in self._known:
            return None
        try:
            return self.index.prior_payload(digest)
        except Exception:
            return None

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Response:
        if self.writer is None or "cached" in response.flags:
            return response  # HTTPCACHE answers were captured when they were fetched
        try:
            record = self.writer.write(
                url=response.url,
                method=request.method,
                request_headers=_header_pairs(request.headers),
                status=response.status,
                response_headers=_header_pairs(response.headers, _DROPPED_RESPONSE_HEADERS),
                body=response.body,
                fetched_at=dt.datetime.now(dt.UTC),
                protocol=response.protocol or "HTTP/1.1",
            )
        except Exception:
            self.stats.inc_value("warc/failed")
            if not self._failed_once:
                self._failed_once = True
                logger.exception("could not write %s to WARC (counted as warc/failed)", request)
            return response
        self.stats.inc_value("warc/records")
        self.stats.inc_value(f"warc/{record.record_type}")
        self.stats.inc_value("warc/bytes", record.warc_length)
        article_id = request.cb_kwargs.get("article_id")
        self._pending.append((record, article_id if isinstance(article_id, int) else None))
        if len(self._pending) >= self.batch:
            self.flush()
        return response

    def flush(self, spider: Any = None) -> None:
        """Index the pending records in the archive (one transaction)."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        if self.index is None:
            self.stats.inc_value("warc/index_failed", len(pending))
            return
        try:
            self.index.add_records([r for r, _ in pending], [a for _, a in pending])
        except Exception as exc:
            self.stats.inc_value("warc/index_failed", len(pending))
            logger.error("could not index %d WARC record(s) in the archive: %s", len(pending), exc)

    def spider_closed(self, spider: Any, reason: str) -> None:
        self.flush()
        if self.writer is not None:
            self.writer.close()
            self.stats.set_value("warc/files", len(self.writer.files))
            logger.info(
                "WARC: %d record(s) in %s",
                self.stats.get_value("warc/records", 0),
                ", ".join(self.writer.files) or "no file",
            )
