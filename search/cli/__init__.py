"""The ``thaigov`` console script (Typer): one app, one module per group of commands.

Application layer: it may import every layer below (see docs/ARCHITECTURE.md). Heavy imports
(Scrapy, SQLAlchemy, FastAPI) happen inside the commands, so ``thaigov --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from search.cli import crawl, db, import_corpus, runs, search, web
from search.cli.options import GLOBAL_OVERRIDES


def _global_options(
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Folder of the default archive, index, lock and logs "
            "(default: THAIGOV_DATA_DIR, else ./data).",
        ),
    ] = None,
) -> None:
    """Archive and search Thai government news (thaigov.go.th)."""
    GLOBAL_OVERRIDES.clear()
    if data_dir is not None:
        GLOBAL_OVERRIDES["data_dir"] = data_dir


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="thaigov",
        help="Archive and search Thai government news (thaigov.go.th).",
        no_args_is_help=True,
        add_completion=False,
        callback=_global_options,
        # Never print local variables in a traceback: they hold database URLs with passwords
        # and API keys (older Typer versions showed them by default; explicit for every version).
        pretty_exceptions_show_locals=False,
    )
    crawl.register(app)
    import_corpus.register(app)
    db.register(app)
    runs.register(app)
    search.register(app)
    web.register(app)
    return app


app = build_app()


def main() -> None:
    app()
