"""``thaigov crawl``: the thaigov spider with every ``scrapy crawl`` option and exit code."""

from __future__ import annotations

import os

import typer


def register(app: typer.Typer) -> None:
    """Add ``crawl`` to ``app``."""

    @app.command(
        "crawl", context_settings={"allow_extra_args": True, "ignore_unknown_options": True}
    )
    def crawl(ctx: typer.Context) -> None:
        """Run the thaigov spider: same options and exit codes as `scrapy crawl thaigov`."""
        from scrapy.cmdline import execute

        os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "thaigov_crawler.settings")
        execute(["scrapy", "crawl", "thaigov", *ctx.args])
