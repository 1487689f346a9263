"""``thaigov crawl``: the thaigov spider with every ``scrapy crawl`` option and exit code."""

from __future__ import annotations

import os

import typer

from search.cli.options import GLOBAL_OVERRIDES


def register(app: typer.Typer) -> None:
    """Add ``crawl`` to ``app``."""

    @app.command(
        "crawl", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )
    def crawl(ctx: typer.Context) -> None:
        """Run the thaigov spider: same options and exit codes as `scrapy crawl thaigov`."""
        from scrapy.cmdline import execute

        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "thaigov_crawler.settings")
        # `thaigov --data-dir D crawl ...` is `-s THAIGOV_DATA_DIR=D`; a later -s still wins.
        given = [f"THAIGOV_{k.upper()}={v}" for k, v in GLOBAL_OVERRIDES.items()]
        execute(["scrapy", "crawl", "thaigov", *(a for g in given for a in ("-s", g)), *ctx.args])
