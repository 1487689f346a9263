"""Run one of this project's spiders in this process, with the project settings and overrides.

``thaigov import-corpus`` and ``thaigov reextract`` run their spider this way, so the very same
item pipelines, stats and run records apply as for a crawl. Scrapy is imported only when a run
starts, so the rest of the CLI starts fast. Once per process: Twisted's reactor cannot restart.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from scrapy import Spider
    from scrapy.crawler import Crawler

SETTINGS_MODULE = "thaigov_crawler.settings"
#: The exit code the run-records extension stores (thaigov_crawler.extensions.EXIT_CODE_STAT,
#: not imported here: that module imports Scrapy).
EXIT_CODE_STAT = "thaigov/exit_code"
EXIT_FAILURES = 1


@dataclass
class SpiderOutcome:
    """A finished run's final stats and how long it took."""

    stats: dict[str, Any]
    seconds: float = 0.0
    #: Stats that make the run fail (exit 1) when it set no exit code of its own.
    failure_stats: ClassVar[tuple[str, ...]] = ("archive/failed",)

    def stat(self, name: str) -> int:
        return int(self.stats.get(name) or 0)

    @property
    def exit_code(self) -> int:
        code = self.stat(EXIT_CODE_STAT)
        if code:
            return code
        return EXIT_FAILURES if any(self.stat(name) for name in self.failure_stats) else 0


def run_spider(
    spider: type[Spider],
    settings: dict[str, Any] | None = None,
    *,
    prepare: Callable[[Crawler], None] | None = None,
    **arguments: Any,
) -> tuple[Crawler, dict[str, Any], float]:
    """Run ``spider`` with ``settings`` over the project's at command-line priority, as
    ``scrapy crawl -s`` would; ``prepare`` sees the crawler before it starts (to connect
    signals). Returns the crawler, its final stats and the seconds the run took."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    project = get_project_settings()
    for name, value in (settings or {}).items():
        project.set(name, value, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(spider)
    if prepare is not None:
        prepare(crawler)
    started = time.perf_counter()
    process.crawl(crawler, **arguments)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    return crawler, stats, time.perf_counter() - started
