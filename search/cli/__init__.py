"""The ``thaigov`` console script (Typer): one app, one module per group of commands.

Application layer: it may import every layer below (see docs/ARCHITECTURE.md). Heavy imports
(Scrapy, SQLAlchemy, FastAPI) happen inside the commands, so ``thaigov --help`` stays fast.
"""

from __future__ import annotations

import typer

from search.cli import crawl, db, gaps, import_corpus, search, web


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="thaigov",
        help="Archive and search Thai government news (thaigov.go.th).",
        no_args_is_help=True,
        add_completion=False,
    )
    crawl.register(app)
    import_corpus.register(app)
    db.register(app)
    gaps.register(app)
    search.register(app)
    web.register(app)
    return app


app = build_app()


def main() -> None:
    app()
