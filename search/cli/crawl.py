"""``thaigov crawl``: the thaigov spider with every ``scrapy crawl`` option and exit code.

It works the same in a checkout and from an installed package: ``scrapy crawl`` needs a
``scrapy.cfg`` (it exits 2 "only available from within a project" anywhere else), while Scrapy
also accepts ``SCRAPY_SETTINGS_MODULE``, which this command sets. With it Scrapy counts as
inside the project, so the project's ``COMMANDS_MODULE`` (our ``crawl`` with its exit codes) and
every setting apply exactly as in a checkout.
"""

from __future__ import annotations

import os

import typer

from search.cli.options import GLOBAL_OVERRIDES

SETTINGS_MODULE = "thaigov_crawler.settings"
SPIDER = "thaigov"


def scrapy_argv(args: list[str]) -> list[str]:
    """The ``scrapy crawl`` command line that ``thaigov crawl ARGS`` stands for."""
    return ["scrapy", "crawl", SPIDER, *args]


def register(app: typer.Typer) -> None:
    """Add ``crawl`` to ``app``."""

    @app.command(
        "crawl",
        # Every option goes to `scrapy crawl`, --help included (it lists all of them).
        add_help_option=False,
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )
    def crawl(ctx: typer.Context) -> None:
        """Crawl the site: `scrapy crawl thaigov`'s options (-a, -s, -O, --help), exit codes 0-5."""
        # An explicit SCRAPY_SETTINGS_MODULE wins (Scrapy's own rule), e.g. a module that
        # imports ours and overrides a few values.
        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", SETTINGS_MODULE)
        from scrapy.cmdline import execute

        # `thaigov --data-dir D crawl ...` is `-s THAIGOV_DATA_DIR=D`; a later -s still wins.
        given = [f"THAIGOV_{k.upper()}={v}" for k, v in GLOBAL_OVERRIDES.items()]
        # Exits with the run's status (sys.exit).
        execute(scrapy_argv([*(a for g in given for a in ("-s", g)), *ctx.args]))
