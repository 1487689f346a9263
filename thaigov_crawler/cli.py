"""Console script ``thaigov``: the Scrapy-free app from search.cli plus the crawl-side commands."""

from __future__ import annotations

from search.cli import app
from thaigov_crawler import corpus_import

corpus_import.register(app)


def main() -> None:
    app()
