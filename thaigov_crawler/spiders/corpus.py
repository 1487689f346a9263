"""Spider ``thaigov_corpus``: backfill from thaigov-v2-corpus files, without any request.

Items come from :func:`pipelines.core.corpus_format.iter_corpus_records` and go through the same
item pipelines as a crawl (cleaning, dates, archive, index), so a corpus import and a crawl
produce the same rows. Files that are not usable articles are counted and listed, never fatal.

    scrapy crawl thaigov_corpus -a path=../shared/corpus/thaigov-v2-corpus-2020-2023.tar.gz
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy import signals
from scrapy.exceptions import UsageError

from pipelines.core.corpus_format import iter_corpus_records, iter_corpus_records_in_background
from pipelines.core.settings import ThaigovSettings
from search.core.segment import default_workers

#: Sent for each corpus file that does not become an item: ``name`` and ``problem`` (text).
corpus_problem = object()

_MAX_PROBLEMS_IN_LOG = 50


def problem_kind(problem: str) -> str:
    """Stats key for a problem text: ``"duplicate id 5 ..."`` → ``"duplicate_id"``."""
    words = re.findall(r"[a-z]+", problem.lower().split("(")[0])
    return "_".join(words[:2]) or "other"


class CorpusSpider(scrapy.Spider):
    """Yields one :class:`pipelines.core.article.Article` per usable corpus file.

    ``-a limit=N`` stops after N articles; ``-a background=0`` parses in this process instead
    of a second one (see :func:`pipelines.core.corpus_format.iter_corpus_records_in_background`).
    """

    name = "thaigov_corpus"
    # No requests at all: the crawl politeness machinery has nothing to do here.
    custom_settings = {  # noqa: RUF012 (Scrapy reads this class attribute)
        "ROBOTSTXT_OBEY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "DOWNLOAD_DELAY": 0,
        # An import must never reach the site (corpus records list no files anyway).
        "THAIGOV_FILES_ENABLED": False,
    }

    @classmethod
    def update_settings(cls, settings: Any) -> None:
        """Bulk input: segment for the index on every core (THAIGOV_SEGMENT_WORKERS overrides)."""
        super().update_settings(settings)
        configured = ThaigovSettings.from_scrapy(settings).segment_workers
        settings.set("SEARCH_INDEX_SEGMENT_WORKERS", default_workers(configured), priority="spider")
        settings.set("SEARCH_EMBED_ENABLED", False, priority="spider")  # reindex embeds after

    def __init__(
        self,
        path: str | None = None,
        limit: str | int | None = None,
        background: str | bool = True,
        **kwargs: Any,
    ):
        super().__init__(**kwargs)
        if not path:
            raise UsageError("give the corpus: -a path=DIR_OR_TARBALL")
        self.path = Path(path)
        if not self.path.exists():
            raise UsageError(f"no corpus at {self.path}")
        self.limit = int(limit) if limit not in (None, "") else None
        self.background = str(background).lower() not in ("0", "false", "no", "off")
        self.problems: list[tuple[str, str]] = []
        self.run_args = {"path": str(self.path), "limit": self.limit}

    @classmethod
    def from_crawler(cls, crawler: Any, *args: Any, **kwargs: Any) -> CorpusSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.log_problems, signal=signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[Any]:
        seen: set[int] = set()
        stats = self.crawler.stats
        yielded = 0
        read = iter_corpus_records_in_background if self.background else iter_corpus_records
        records = read(self.path)
        for record in records:
            if self.limit is not None and yielded >= self.limit:
                break
            stats.inc_value("corpus/files")
            if record.article is None:
                self._problem(record.name, record.problem or "unreadable")
                continue
            article_id = record.article.article_id
            if article_id in seen:
                self._problem(record.name, f"duplicate id {article_id} (kept the first file)")
                continue
            seen.add(article_id)
            yielded += 1
            stats.inc_value("corpus/articles")
            yield record.article
        close = getattr(records, "close", None)
        if close is not None:
            close()  # stop the background reader at once when --limit ends the import early

    def _problem(self, name: str, problem: str) -> None:
        self.problems.append((name, problem))
        self.crawler.stats.inc_value("corpus/problems")
        self.crawler.stats.inc_value(f"corpus/problems/{problem_kind(problem)}")
        self.crawler.signals.send_catch_log(corpus_problem, name=name, problem=problem)

    def log_problems(self, spider: Any = None, reason: str | None = None) -> None:
        if not self.problems:
            return
        self.logger.warning("%d corpus file(s) not imported:", len(self.problems))
        for name, problem in self.problems[:_MAX_PROBLEMS_IN_LOG]:
            self.logger.warning("  %s: %s", name, problem)
        if len(self.problems) > _MAX_PROBLEMS_IN_LOG:
            self.logger.warning("  ... and %d more", len(self.problems) - _MAX_PROBLEMS_IN_LOG)
