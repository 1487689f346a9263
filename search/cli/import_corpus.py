"""``thaigov import-corpus PATH``: backfill the archive from thaigov-v2-corpus files.

The import itself runs in :mod:`thaigov_crawler.corpus_import` (Scrapy, imported only when the
command runs, so the rest of the CLI starts fast).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from search.cli.options import GLOBAL_OVERRIDES, load_settings, prepare_for_writing
from thaigov_crawler.corpus_import import ImportOutcome, run_import

MAX_PROBLEMS_SHOWN = 200


def summary(outcome: ImportOutcome) -> dict[str, Any]:
    """The import's figures as plain data (``--json``; the table shows the same numbers)."""
    return {
        "files_read": outcome.stat("corpus/files"),
        "articles": outcome.stat("corpus/articles"),
        "inserted": outcome.stat("archive/inserted"),
        "updated": outcome.stat("archive/updated"),
        "unchanged": outcome.stat("archive/unchanged"),
        "failed": outcome.stat("archive/failed"),
        "indexed": outcome.stat("index/indexed"),
        "index_failed": outcome.stat("index/failed"),
        "files_not_imported": len(outcome.problems),
        "problems": [{"file": name, "problem": problem} for name, problem in outcome.problems],
        "seconds": round(outcome.seconds, 3),
        "exit_code": outcome.exit_code,
    }


def summary_table(outcome: ImportOutcome) -> Table:
    table = Table(title="Corpus import", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    rate = outcome.stat("corpus/articles") / outcome.seconds if outcome.seconds else 0.0
    rows = [
        ("files read", outcome.stat("corpus/files")),
        ("articles", outcome.stat("corpus/articles")),
        ("  inserted", outcome.stat("archive/inserted")),
        ("  updated (new version)", outcome.stat("archive/updated")),
        ("  unchanged", outcome.stat("archive/unchanged")),
        ("  failed", outcome.stat("archive/failed")),
        ("indexed for search", outcome.stat("index/indexed")),
        ("index failures", outcome.stat("index/failed")),
        ("files not imported", len(outcome.problems)),
    ]
    for label, value in rows:
        table.add_row(label, f"{value:,}")
    table.add_row("time", f"{outcome.seconds:.1f} s ({rate:,.0f} articles/s)")
    return table


def problems_table(problems: list[tuple[str, str]]) -> Table:
    table = Table(title=f"Files not imported ({len(problems)})")
    table.add_column("file")
    table.add_column("problem")
    for name, problem in problems[:MAX_PROBLEMS_SHOWN]:
        table.add_row(name, problem)
    if len(problems) > MAX_PROBLEMS_SHOWN:
        table.add_row("…", f"and {len(problems) - MAX_PROBLEMS_SHOWN} more (see the log)")
    return table


def register(app: typer.Typer) -> None:
    """Add ``import-corpus`` to ``app``."""

    @app.command("import-corpus")
    def import_corpus(
        path: Annotated[
            Path,
            typer.Argument(
                exists=True, help="Corpus directory or .tar.gz (thaigov-v2-corpus format)."
            ),
        ],
        limit: Annotated[
            int | None, typer.Option("--limit", min=1, help="Stop after this many articles.")
        ] = None,
        archive_url: Annotated[
            str | None,
            typer.Option(
                "--archive-url", help="Archive database URL (default: THAIGOV_ARCHIVE_URL)."
            ),
        ] = None,
        log_level: Annotated[str, typer.Option("--log-level", help="Scrapy log level.")] = "ERROR",
        as_json: Annotated[
            bool,
            typer.Option("--json", help="Print the summary as one JSON object (no progress bar)."),
        ] = False,
    ) -> None:
        """Import a thaigov-v2-corpus directory or tarball through the crawl's pipelines.

        Re-importing changes nothing; files without a source URL, empty files and duplicate
        ids are listed at the end, not fatal.
        """
        console = Console(stderr=True)
        overrides = {**GLOBAL_OVERRIDES, "archive_url": archive_url}
        prepare_for_writing(load_settings(**overrides), crawl=True)
        settings: dict[str, Any] = {"LOG_LEVEL": log_level.upper()}
        # Handed to Scrapy like `-s` values, so the crawl's settings object sees them first.
        settings |= {f"THAIGOV_{k.upper()}": str(v) for k, v in overrides.items() if v is not None}
        if as_json:
            outcome = run_import(path, limit=limit, settings=settings)
            typer.echo(json.dumps(summary(outcome), ensure_ascii=False))
            raise typer.Exit(outcome.exit_code)
        with Progress(
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=False,
        ) as progress:
            outcome = run_import(path, limit=limit, settings=settings, progress=progress)
        out = Console()
        out.print(summary_table(outcome))
        if outcome.problems:
            out.print(problems_table(outcome.problems))
        if outcome.stat("archive/failed"):
            console.print(
                f"[red]{outcome.stat('archive/failed')} article(s) could not be written; "
                "see the log (--log-level INFO)[/red]"
            )
        raise typer.Exit(outcome.exit_code)
