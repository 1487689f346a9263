"""Run a re-extraction in this process: the ``thaigov_reextract`` spider with the project settings.

The same item pipelines (cleaning, dates, archive, index), stats and run records apply as for a
crawl; the run is recorded in ``crawl_runs`` with its counts.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from typing import Any


@dataclass
class ReextractOutcome:
    stats: dict[str, Any]
    seconds: float

    def stat(self, name: str) -> int:
        return int(self.stats.get(name) or 0)

    @property
    def exit_code(self) -> int:
        """1 when an article could not be written or a capture could not be read."""
        code = self.stat("thaigov/exit_code")
        if code:
            return code
        return 1 if self.stat("archive/failed") or self.stat("reextract/unreadable") else 0


def run_reextract(
    *, ids: str | None = None, everything: bool = False, settings: dict[str, Any] | None = None
) -> ReextractOutcome:
    """Run the spider once (per process: Twisted cannot restart)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "thaigov_crawler.settings")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from thaigov_crawler.spiders.reextract import ReextractSpider

    project = get_project_settings()
    for name, value in (settings or {}).items():
        project.set(name, value, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(ReextractSpider)
    started = time.perf_counter()
    kwargs: dict[str, Any] = {"ids": ids} if ids else {"all": "1" if everything else "0"}
    process.crawl(crawler, **kwargs)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    return ReextractOutcome(stats, time.perf_counter() - started)
