"""Scrapy settings for the thaigov crawler: polite by default, every value overridable.

Override per run with ``-s NAME=value``. The ``THAIGOV_*`` values (archive, index, site, frontier,
user agent, log level, ...) are not defined here and this module reads no environment: they
live in :class:`pipelines.core.settings.ThaigovSettings`, which takes ``-s THAIGOV_NAME=value``
over the ``THAIGOV_NAME`` environment variable over its defaults. The ``ThaigovAddon`` below
builds that object once per crawl and sets ``USER_AGENT`` and ``LOG_LEVEL`` from it (a plain
``-s USER_AGENT=...`` or ``-s LOG_LEVEL=...`` still wins).
"""

from __future__ import annotations

from pipelines.core.article import EXPORT_FIELDS

BOT_NAME = "thaigov_crawler"
SPIDER_MODULES = ["thaigov_crawler.spiders"]
NEWSPIDER_MODULE = "thaigov_crawler.spiders"

# --- The THAIGOV_* settings object (site, paths, user agent, log level) ----------------------
ADDONS = {"thaigov_crawler.addon.ThaigovAddon": 0}

# --- Politeness (the site forbids scraping since Sep 2025: obey robots.txt, say who we are) ---
ROBOTSTXT_OBEY = True
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
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "thaigov_crawler.middlewares.RobotsTxtWaitMiddleware": 100,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "thaigov_crawler.middlewares.RetryAfterMiddleware": 550,
    # Next to the downloader, so it records responses as they arrived (thaigov_crawler/capture.py).
    "thaigov_crawler.capture.WarcCaptureMiddleware": 950,
}
# Ascending id order in memory and in JOBDIR (Scrapy's default is last-in-first-out), and start
# requests in the same queues as callback requests (Scrapy 2.13+ keeps them apart and sends
# callback requests first, which put later ids before earlier ones).
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
SCHEDULER_START_MEMORY_QUEUE = None
SCHEDULER_START_DISK_QUEUE = None

# --- Scheduled runs: one per archive (its own lock), recorded, with a meaningful exit code ---
# (the durable frontier's THAIGOV_FRONTIER_* settings live in ThaigovSettings too)
COMMANDS_MODULE = "thaigov_crawler.commands"
EXTENSIONS = {
    "thaigov_crawler.extensions.ArchiveLock": 0,
    "thaigov_crawler.extensions.RunRecorder": 10,
}
# Local feed files unbuffered, so a killed JOBDIR run keeps every line it reported.
FEED_STORAGES = {
    "": "thaigov_crawler.extensions.FlushingFileFeedStorage",
    "file": "thaigov_crawler.extensions.FlushingFileFeedStorage",
}
COOKIES_ENABLED = False
# Scrapy's remote-control endpoints stay off unless asked for (-s NAME=True): the telnet console
# (a Python shell on a local port) and Scrapy 2.19's HTTP remote control (runs posted code; on by
# default whenever aiohttp is installed, and it writes a job file under the home directory).
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

# --- Items and pipelines --------------------------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.adapters.cleaning.TextCleaningPipeline": 100,
    "pipelines.adapters.dates.ThaiDatesPipeline": 200,
    "pipelines.adapters.archive.ArchivePipeline": 300,
    "pipelines.adapters.files.ArchiveFilesPipeline": 350,
    "pipelines.adapters.index.SearchIndexPipeline": 400,
    "pipelines.adapters.embedding.EmbeddingPipeline": 450,
}
FEED_EXPORT_FIELDS = list(EXPORT_FIELDS)
FEED_EXPORT_ENCODING = "utf-8"

# --- Archive and search batching (where they live: THAIGOV_ARCHIVE_URL, THAIGOV_SEARCH_PATH) ---
ARCHIVE_RAW_HTML = False
ARCHIVE_BATCH_SIZE = 200
ARCHIVE_BATCH_SECONDS = 5.0
SEARCH_INDEX_ENABLED = True
SEARCH_INDEX_BATCH_SIZE = 500
# Processes that segment Thai text for the index (1: in the crawl process; a crawl fetches
# slowly, a bulk corpus import sets the CPU count).
SEARCH_INDEX_SEGMENT_WORKERS = 1
# Embeddings for semantic search (pipelines/adapters/embedding.py); the encoder is
# THAIGOV_ENCODER (default: the offline multilingual USE). The corpus importer turns this off:
# at ~0.3 s CPU per article, `thaigov reindex` embeds a bulk import afterwards, with progress.
SEARCH_EMBED_ENABLED = True
SEARCH_EMBED_BATCH_SIZE = 64

# --- Archive-grade capture (docs/capture.md) ---------------------------------------------------
# WARC capture and attachment downloads are on by default; their THAIGOV_WARC_* / THAIGOV_FILES_*
# / THAIGOV_MEDIA_BASE_URL values live in ThaigovSettings like every other THAIGOV_* value.
# Scrapy's FilesPipeline logs failures itself; ours are counted under files/failed/<reason>.
MEDIA_ALLOW_REDIRECTS = False

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
