"""Console script ``thaigov``: the Scrapy-free app from search.cli plus the crawl-side commands."""

from __future__ import annotations

import os

import typer

from search.cli import app
from thaigov_crawler import corpus_import

corpus_import.register(app)


@app.command("crawl", context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def crawl(ctx: typer.Context) -> None:
    """Run the thaigov spider: same options and exit codes as `scrapy crawl thaigov`."""
    from scrapy.cmdline import execute

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "thaigov_crawler.settings")
    execute(["scrapy", "crawl", "thaigov", *ctx.args])


def main() -> None:
    app()
