"""``scrapy crawl`` that exits with the run's status, not only with Scrapy's bootstrap status.

Scrapy's own command returns 0 whenever the crawler started, so cron/systemd could not tell a
run forbidden by robots.txt, blocked by the run lock, or with every request failed from a good
one. :class:`thaigov_crawler.extensions.RunRecorder` computes the code into the crawl stats.
"""

from __future__ import annotations

import argparse
import logging
import sys

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.exceptions import UsageError

import thaigov_crawler
from pipelines.core.settings import (
    DataDirError,
    SettingsError,
    ThaigovSettings,
    ensure_writable_dirs,
)
from thaigov_crawler.extensions import EXIT_CODE_STAT
from thaigov_crawler.run_summary import summary_line
from thaigov_crawler.scrapyd_egg import shadowed_egg

logger = logging.getLogger(__name__)

EXIT_SETUP_FAILED = 1


class Command(ScrapyCrawlCommand):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if len(args) != 1:
            raise UsageError("give exactly one spider name")
        egg = shadowed_egg(thaigov_crawler.__file__ or "", sys.path)
        if egg:
            logger.error(
                "the deployed egg %s is shadowed by thaigov-archive installed in this environment "
                "(%s): uninstall it from Scrapyd's virtualenv (see docs/deploy.md)",
                egg,
                thaigov_crawler.__file__,
            )
            self.exitcode = 1
            logger.warning(summary_line({"finish_reason": "egg_shadowed"}, self.exitcode))
            return
        assert self.crawler_process is not None
        spidercls = self.crawler_process.spider_loader.load(args[0])
        validate = getattr(spidercls, "validate_arguments", None)
        if validate is not None:
            validate(**opts.spargs)  # UsageError -> exit code 2 before anything starts
        try:  # THAIGOV_* values that do not parse, or a data directory that cannot be made
            ensure_writable_dirs(ThaigovSettings.from_scrapy(self.settings or {}), crawl=True)
        except (SettingsError, DataDirError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            self.exitcode = EXIT_SETUP_FAILED
            return
        crawler = self._create_crawler(spidercls)
        self.crawler_process.crawl(crawler, **opts.spargs)
        self.crawler_process.start()
        if self.crawler_process.bootstrap_failed:
            self.exitcode = 1
        else:
            code = crawler.stats.get_value(EXIT_CODE_STAT) if crawler.stats else None
            self.exitcode = int(code or 0)
        # The log's last line: Scrapyd shows every job as "finished", cron keeps only the log.
        stats = crawler.stats.get_stats() if crawler.stats else {}
        level = logging.INFO if self.exitcode == 0 else logging.WARNING
        logger.log(level, summary_line(stats, self.exitcode))
