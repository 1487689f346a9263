"""Run a re-extraction in this process: the ``thaigov_reextract`` spider with the project settings.

The same item pipelines (cleaning, dates, archive, index), stats and run records apply as for a
crawl; the run is recorded in ``crawl_runs`` with its counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from thaigov_crawler.in_process import SpiderOutcome, run_spider


@dataclass
class ReextractOutcome(SpiderOutcome):
    #: 1 when an article could not be written or a capture could not be read.
    failure_stats: ClassVar[tuple[str, ...]] = ("archive/failed", "reextract/unreadable")


def run_reextract(
    *, ids: str | None = None, everything: bool = False, settings: dict[str, Any] | None = None
) -> ReextractOutcome:
    """Run the spider once (per process: Twisted cannot restart)."""
    from thaigov_crawler.spiders.reextract import ReextractSpider

    kwargs: dict[str, Any] = {"ids": ids} if ids else {"all": "1" if everything else "0"}
    _, stats, seconds = run_spider(ReextractSpider, settings, **kwargs)
    return ReextractOutcome(stats, seconds)
