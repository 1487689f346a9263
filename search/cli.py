"""The ``thaigov`` command line (Typer), Scrapy-free; thaigov_crawler.cli adds crawl commands."""

from __future__ import annotations

import typer

from pipelines.archive import cli as archive_cli
from search import cli_search, cli_web


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="thaigov",
        help="Archive and search Thai government news (thaigov.go.th).",
        no_args_is_help=True,
        add_completion=False,
    )
    archive_cli.register(app)
    cli_search.register(app)
    cli_web.register(app)
    return app


app = build_app()
