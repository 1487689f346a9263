"""Scrapy settings for the thaigov crawler: polite by default, every value overridable.

Override per run with ``-s NAME=value`` or environment variables where noted.
"""

from __future__ import annotations

import os

from pipelines.core.article import EXPORT_FIELDS

BOT_NAME = "thaigov_crawler"
SPIDER_MODULES = ["thaigov_crawler.spiders"]
NEWSPIDER_MODULE = "thaigov_crawler.spiders"

# --- Site -----------------------------------------------------------------------------------
THAIGOV_BASE_URL = os.environ.get("THAIGOV_BASE_URL", "https://www.thaigov.go.th")
THAIGOV_MAX_CONSECUTIVE_MISSES = 50
# Incremental start when the archive is empty and no -a start_id: the id after the last one the
# public 2020-2025 corpus saw (import the corpus first to backfill history).
THAIGOV_INCREMENTAL_START_ID = 100612
# Stop (exit code 5) once this many requests failed before any page was fetched: site down.
THAIGOV_GIVE_UP_AFTER_FAILURES = 5

# --- Politeness (the site forbids scraping since Sep 2025: obey robots.txt, say who we are) ---
ROBOTSTXT_OBEY = True
THAIGOV_CONTACT_URL = os.environ.get(
    "THAIGOV_CONTACT_URL", "https://github.com/thaigov-archive/thaigov-archive"
)
USER_AGENT = os.environ.get(
    "THAIGOV_USER_AGENT",
    f"thaigov-archive/0.1 (research archive crawler; +{THAIGOV_CONTACT_URL})",
)
CONCURRENT_REQUESTS = 2
CONCURRENT_REQUESTS_PER_DOMAIN = 2
# Delays vary by +-DOWNLOAD_DELAY_JITTER (a fraction): 2.0 +- 50% keeps every gap at 1 s or more.
DOWNLOAD_DELAY = 2.0
DOWNLOAD_DELAY_JITTER = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
THAIGOV_RETRY_AFTER_MAX = 120.0  # seconds; longer Retry-After values are capped to this
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "thaigov_crawler.middlewares.RobotsTxtWaitMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "thaigov_crawler.middlewares.RetryAfterMiddleware": 550,
    # Next to the downloader, so it records responses as they arrived (thaigov_crawler/capture.py).
    "thaigov_crawler.capture.WarcCaptureMiddleware": 950,
}
# Ascending id order in memory and in JOBDIR (Scrapy's default is last-in-first-out).
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"

# --- Scheduled runs: one run at a time, recorded, with a meaningful exit code ----------------
COMMANDS_MODULE = "thaigov_crawler.commands"
THAIGOV_LOCK_FILE = os.environ.get("THAIGOV_LOCK_FILE", "data/crawl.lock")
THAIGOV_RECORD_RUNS = True
THAIGOV_STATS_FILE = os.environ.get("THAIGOV_STATS_FILE")  # also write final stats as JSON here
EXTENSIONS = {
    "thaigov_crawler.extensions.RunLock": 0,
    "thaigov_crawler.extensions.RunRecorder": 10,
}
# Local feed files unbuffered, so a killed JOBDIR run keeps every line it reported.
FEED_STORAGES = {
    "": "thaigov_crawler.extensions.FlushingFileFeedStorage",
    "file": "thaigov_crawler.extensions.FlushingFileFeedStorage",
}
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False

# --- Items and pipelines --------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.adapters.cleaning.TextCleaningPipeline": 100,
    "pipelines.adapters.dates.ThaiDatesPipeline": 200,
    "pipelines.adapters.archive.ArchivePipeline": 300,
    "pipelines.adapters.files.ArchiveFilesPipeline": 350,
    "pipelines.adapters.index.SearchIndexPipeline": 400,
}
FEED_EXPORT_FIELDS = list(EXPORT_FIELDS)
FEED_EXPORT_ENCODING = "utf-8"

# --- Archive and search (environment variables win, so cron/systemd can configure them) -----
THAIGOV_ARCHIVE_URL = os.environ.get("THAIGOV_ARCHIVE_URL")  # None -> sqlite file under ./data/
ARCHIVE_RAW_HTML = False
ARCHIVE_BATCH_SIZE = 200
ARCHIVE_BATCH_SECONDS = 5.0
SEARCH_INDEX_ENABLED = True
SEARCH_INDEX_BATCH_SIZE = 500
# Processes that segment Thai text for the index (1: in the crawl process; a crawl fetches
# slowly, a bulk corpus import sets the CPU count).
SEARCH_INDEX_SEGMENT_WORKERS = 1

# --- Archive-grade capture (docs/capture.md) ---------------------------------------------------
# Every response (pages, robots.txt, attachments, images) with its request, into rotating
# gzipped WARC files; their locations go to the archive's ``captures`` table.
THAIGOV_WARC_ENABLED = True
THAIGOV_WARC_DIR = os.environ.get("THAIGOV_WARC_DIR", "data/warc")
THAIGOV_WARC_MAX_SIZE = 1024**3  # bytes; a new file is started past this size
THAIGOV_WARC_INDEX_BATCH = 100  # WARC records indexed in the archive per transaction
# Attachments and images of each article, downloaded (site hosts and media host only) and
# stored by SHA-256 under THAIGOV_FILES_DIR.
THAIGOV_FILES_ENABLED = True
THAIGOV_FILES_DIR = os.environ.get("THAIGOV_FILES_DIR", "data/files")
THAIGOV_FILES_MAXSIZE = 64 * 1024 * 1024  # bytes per file; larger ones count as too_large
THAIGOV_FILES_INDEX_BATCH = 100  # downloaded files recorded in the archive per transaction
# Where https://media.thaigov.go.th/... URLs are fetched (a mirror, or the replica in tests).
THAIGOV_MEDIA_BASE_URL = os.environ.get("THAIGOV_MEDIA_BASE_URL", "https://media.thaigov.go.th")
# Scrapy's FilesPipeline logs failures itself; ours are counted under files/failed/<reason>.
MEDIA_ALLOW_REDIRECTS = False

LOG_LEVEL = os.environ.get("THAIGOV_LOG_LEVEL", "INFO")
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
