"""Item pipeline (order 350): download an article's attachments and images, keep them by SHA-256.

Scrapy's FilesPipeline does the downloading (through the downloader middlewares, so robots.txt
is obeyed, the WARC middleware captures each file and the per-request ``download_maxsize`` caps
it). ImagesPipeline is not used for images: it re-encodes them as JPEG, and an archive must keep
the bytes the site served. What this subclass adds:

- only the site's hosts and its media host are fetched (:func:`pipelines.core.capture.fetch_url`,
  which also maps canonical URLs onto the crawl's base URLs); anything else is counted as
  ``files/skipped/offsite``;
- content-addressed storage: ``sha256/ab/cd/<sha256>`` under ``THAIGOV_FILES_DIR``;
- one ``article_files`` row per (article, URL) with SHA-256, size, content type and fetch time;
- every failure counted under ``files/failed/<reason>`` and logged with its URL.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from itemadapter import ItemAdapter
from scrapy import Request, signals
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest, NotConfigured
from scrapy.http import Response
from scrapy.http.request import NO_CALLBACK
from scrapy.pipelines.files import FilesPipeline
from scrapy.pipelines.media import FileException, FileInfo
from twisted.internet.defer import CancelledError, Deferred, succeed
from twisted.python.failure import Failure

from pipelines.adapters.archive import archive_store
from pipelines.archive.captures import CaptureIndex
from pipelines.core.capture import FILE_KINDS, content_path, fetch_url
from thaigov_crawler.addon import thaigov_settings

logger = logging.getLogger(__name__)

CITED = "thaigov_cited_url"  # request meta: the URL the article cites (canonical)


class ArchiveFilesPipeline(FilesPipeline):
    """Downloads the files an article cites; see the module docstring."""

    def __init__(self, store_uri: str, *, crawler: Any) -> None:
        super().__init__(store_uri, crawler=crawler)
        config = thaigov_settings(crawler)
        self.site_base_url = config.base_url
        self.media_base_url = config.media_base_url
        self.maxsize = config.files_maxsize
        self.stats = crawler.stats
        self.files_dir = Path(store_uri)
        self.batch = config.files_index_batch
        self._index: CaptureIndex | None = None
        self._known_urls: set[str] = set()
        self._pending: list[dict[str, Any]] = []

    @classmethod
    def from_crawler(cls, crawler: Any) -> ArchiveFilesPipeline:
        config = thaigov_settings(crawler)
        if not config.files_enabled:
            raise NotConfigured("THAIGOV_FILES_ENABLED is off: attachments are not downloaded")
        return cls(str(config.files_dir), crawler=crawler)

    def open_spider(self, spider: Any = None) -> None:
        """Admit the media host to the spider's allowed domains.

        Media requests carry ``allow_offsite``, but the robots.txt request Scrapy makes for a
        new host does not: without this the media host's robots.txt was filtered as off-site
        and its rules silently not applied. Pipelines open before ``spider_opened``, when the
        offsite middleware reads ``allowed_domains``.
        """
        super().open_spider()
        try:
            self._known_urls = self._archive().known_file_urls()
        except Exception as exc:
            logger.error("archive unavailable for file records (%s)", exc)
        self.crawler.signals.connect(self.flush, signal=signals.spider_idle)
        spider = self.crawler.spider
        media_host = urlsplit(self.media_base_url or "").hostname
        domains = list(getattr(spider, "allowed_domains", None) or [])
        if domains and media_host and media_host not in domains:
            spider.allowed_domains = [*domains, media_host]

    # --- which files ----------------------------------------------------------------------------
    def _wanted(self, item: Any) -> Iterator[tuple[str, str, str]]:
        """(cited URL, kind, URL to fetch) for each file of ``item`` we may fetch, in order."""
        adapter = ItemAdapter(item)
        seen: set[str] = set()
        for field, kind in FILE_KINDS.items():
            for url in adapter.get(field) or ():
                if url in seen:
                    continue
                seen.add(url)
                target = fetch_url(
                    url, site_base_url=self.site_base_url, media_base_url=self.media_base_url
                )
                if target is not None:
                    yield url, kind, target

    def get_media_requests(self, item: Any, info: Any) -> list[Request]:
        adapter = ItemAdapter(item)
        cited = [u for field in FILE_KINDS for u in adapter.get(field) or ()]
        wanted = list(self._wanted(item))
        offsite = len(set(cited)) - len(wanted)
        if offsite:
            self.stats.inc_value("files/skipped/offsite", offsite)
            logger.info(
                "article %s: %d file(s) on other hosts not downloaded",
                adapter.get("article_id"),
                offsite,
            )
        return [
            Request(
                target,
                callback=NO_CALLBACK,
                # fetch_url admits only the site's and the media host, which the spider's
                # allowed_domains may not list (the media host).
                meta={"download_maxsize": self.maxsize, "allow_offsite": True, CITED: url},
            )
            for url, _, target in wanted
        ]

    def media_to_download(
        self, request: Request, info: Any, *, item: Any = None
    ) -> Deferred[FileInfo | None] | None:
        """A file downloaded less than FILES_EXPIRES days ago and still stored is not fetched
        again (a refresh crawl re-reads pages, not their unchanged attachments).

        FilesPipeline's own check stats a path derived from the URL; ours are derived from the
        content, so the archive says which bytes the URL last gave.
        """
        cited = request.meta[CITED]
        if cited not in self._known_urls:
            return None  # never downloaded: no need to ask the archive
        try:
            row = self._archive().latest_file(cited)
        except Exception:
            return None
        if row is None:
            return None
        age = dt.datetime.now(dt.UTC) - row.fetched_at
        if age > dt.timedelta(days=self.expires) or not (self.files_dir / row.path).is_file():
            return None
        self.stats.inc_value("files/uptodate")
        stored: dict[str, Any] = {
            "url": request.url,
            "path": row.path,
            "checksum": row.sha256,
            "status": "uptodate",
            "size": row.size,
            "content_type": row.content_type,
            "fetched_at": row.fetched_at,
        }
        return succeed(cast(FileInfo, stored))

    def _archive(self) -> CaptureIndex:
        if self._index is None:
            self._index = CaptureIndex(archive_store(self.crawler))
        return self._index

    # --- storing --------------------------------------------------------------------------------
    def file_path(
        self,
        request: Request,
        response: Response | None = None,
        info: Any = None,
        *,
        item: Any = None,
    ) -> str:
        if response is None:
            raise ValueError("content-addressed paths need the downloaded bytes")
        return content_path(hashlib.sha256(response.body).hexdigest())

    async def file_downloaded(
        self, response: Response, request: Request, info: Any, *, item: Any = None
    ) -> str:
        """Store the bytes under their SHA-256 (rewriting them is harmless) and return it."""
        from io import BytesIO

        sha256 = hashlib.sha256(response.body).hexdigest()
        self.store.persist_file(content_path(sha256), BytesIO(response.body), info)
        return sha256

    async def media_downloaded(
        self, response: Response, request: Request, info: Any, *, item: Any = None
    ) -> Any:
        if response.status != 200:
            self.stats.inc_value(f"files/failed/http_{response.status}")
        elif not response.body:
            self.stats.inc_value("files/failed/empty")
        result: dict[str, Any] = dict(
            await super().media_downloaded(response, request, info, item=item)
        )
        content_type = response.headers.get("Content-Type")
        result["size"] = len(response.body)
        result["content_type"] = content_type.decode("latin-1")[:200] if content_type else None
        result["fetched_at"] = dt.datetime.now(dt.UTC)
        return result

    def media_failed(self, failure: Failure, request: Request, info: Any) -> Any:
        error = failure.value
        if isinstance(error, FileException):  # counted in media_downloaded
            return super().media_failed(failure, request, info)
        if isinstance(error, IgnoreRequest) and "robots.txt" in str(error):
            reason = "robots_forbidden"
        elif isinstance(error, DownloadCancelledError | CancelledError) or "max size" in str(error):
            reason = "too_large"
        elif isinstance(error, IgnoreRequest):
            reason = "ignored"
        else:
            reason = failure.type.__name__ if failure.type else "error"
        self.stats.inc_value(f"files/failed/{reason}")
        logger.warning("file %s not downloaded (%s): %s", request.url, reason, failure.value)
        return super().media_failed(failure, request, info)

    def item_completed(self, results: list[Any], item: Any, info: Any) -> Any:
        """Record the downloaded files of ``item`` in the archive; count the rest."""
        article_id = int(ItemAdapter(item).get("article_id") or 0)
        rows: list[dict[str, Any]] = []
        for (url, kind, _), (ok, value) in zip(self._wanted(item), results, strict=True):
            if not ok:
                self.stats.inc_value("files/failed")
                continue
            if value["status"] != "uptodate":
                self.stats.inc_value("files/downloaded")
                self.stats.inc_value("files/bytes", value["size"])
            rows.append(
                {
                    "article_id": article_id,
                    "url": url,
                    "capture_url": value["url"],
                    "kind": kind,
                    "sha256": value["checksum"],
                    "size": value["size"],
                    "content_type": value["content_type"],
                    "path": value["path"],
                    "fetched_at": value["fetched_at"],
                }
            )
        self._pending.extend(rows)
        if len(self._pending) >= self.batch:
            self.flush()
        return item

    def flush(self, spider: Any = None) -> None:
        """Record the pending downloads in the archive (one transaction)."""
        if not self._pending:
            return
        rows, self._pending = self._pending, []
        try:
            self._archive().record_files(rows)
        except Exception as exc:
            self.stats.inc_value("files/record_failed", len(rows))
            articles = sorted({r["article_id"] for r in rows})
            logger.error(
                "could not record %d downloaded file(s) of articles %s in the archive: %s",
                len(rows),
                ", ".join(map(str, articles[:50])),
                exc,
            )

    def close_spider(self, spider: Any = None) -> None:
        self.flush()
