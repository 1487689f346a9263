"""``thaigov reextract`` and ``thaigov db verify``: the archive's captures put to use.

``reextract`` runs today's extractor over stored WARC captures through the crawl's pipelines
(no network); ``db verify`` re-hashes every downloaded file (exit 1 on any fixity failure).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from search.cli.db import UrlOption, db_app
from search.cli.errors import storage_errors
from search.cli.options import (
    GLOBAL_OVERRIDES,
    existing_archive,
    load_settings,
    prepare_for_writing,
)

EXIT_FIXITY_FAILURE = 1


def reextract_table(stats: dict[str, Any], seconds: float) -> Table:
    table = Table(title="Re-extraction from stored captures", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")

    def stat(name: str) -> int:
        return int(stats.get(name) or 0)

    rows = [
        ("articles asked for", stat("reextract/articles")),
        ("without a stored capture", stat("reextract/no_capture")),
        ("captures read", stat("reextract/read")),
        ("  of which raw HTML kept by ARCHIVE_RAW_HTML", stat("reextract/from_raw_html")),
        ("captures unreadable", stat("reextract/unreadable")),
        ("no longer an article", stat("reextract/not_article")),
        ("extracted", stat("reextract/extracted")),
        ("  unchanged", stat("archive/unchanged")),
        ("  changed (new version)", stat("archive/updated")),
        ("  inserted", stat("archive/inserted")),
        ("  failed", stat("archive/failed")),
    ]
    for label, value in rows:
        table.add_row(label, f"{value:,}")
    table.add_row("time", f"{seconds:.1f} s")
    return table


def reextract(
    ids: Annotated[
        str | None, typer.Option("--ids", help="Article ids, e.g. 1001,1005-1010.")
    ] = None,
    everything: Annotated[
        bool, typer.Option("--all", help="Every archived article that has a capture.")
    ] = False,
    warc_dir: Annotated[
        Path | None,
        typer.Option(
            "--warc-dir", help="WARC directory (default: THAIGOV_WARC_DIR, else <data dir>/warc)."
        ),
    ] = None,
    archive_url: Annotated[
        str | None,
        typer.Option("--archive-url", help="Archive database URL (default: THAIGOV_ARCHIVE_URL)."),
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="Scrapy log level.")] = "WARNING",
) -> None:
    """Re-run today's extractor over stored captures; new versions only where it changed.

    Nothing is fetched: pages are read back from the WARC files. Counts are printed and the
    run is recorded in the archive like a crawl run.
    """
    from thaigov_crawler.reextract import run_reextract
    from thaigov_crawler.spiders.thaigov import parse_ids

    if bool(ids) == everything:
        raise typer.BadParameter("give --ids or --all (one of them)", param_hint="--ids/--all")
    if ids:
        try:
            parse_ids(ids)
        except Exception as exc:
            raise typer.BadParameter(str(exc), param_hint="--ids") from None
    # Validated here (one line, exit 2, on a bad value); the crawler builds its own object from
    # these -s style values, so `--data-dir`, `--archive-url` and `--warc-dir` win as for crawl.
    prepare_for_writing(load_settings(archive_url=archive_url, warc_dir=warc_dir), crawl=True)
    given = {**GLOBAL_OVERRIDES, "archive_url": archive_url, "warc_dir": warc_dir}
    settings: dict[str, Any] = {
        f"THAIGOV_{name.upper()}": str(value) for name, value in given.items() if value
    }
    settings["LOG_LEVEL"] = log_level.upper()
    outcome = run_reextract(ids=ids, everything=everything, settings=settings)
    Console().print(reextract_table(outcome.stats, outcome.seconds))
    if outcome.exit_code:
        Console(stderr=True).print(
            "[red]some captures could not be read or articles not written; see the log[/red]"
        )
    raise typer.Exit(outcome.exit_code)


@db_app.command("verify")
@storage_errors
def verify(
    url: UrlOption = None,
    files_dir: Annotated[
        Path | None,
        typer.Option(
            "--files-dir",
            help="Downloaded files (default: THAIGOV_FILES_DIR, else <data dir>/files).",
        ),
    ] = None,
) -> None:
    """Re-hash every downloaded file against its recorded SHA-256 (exit 1 on any failure)."""
    from pipelines.archive.captures import CaptureIndex

    settings = load_settings(archive_url=url, files_dir=files_dir)
    directory = settings.files_dir
    with existing_archive(settings) as store:  # read-only: creates and migrates nothing
        checked, problems = CaptureIndex(store).verify_files(directory)
    console = Console()
    if problems:
        table = Table(title=f"Fixity failures ({len(problems)} of {checked} files)")
        for column in ("path", "recorded SHA-256", "problem"):
            table.add_column(column)
        for problem in problems:
            table.add_row(escape(problem.path), problem.sha256, escape(problem.problem))
        console.print(table)
        raise typer.Exit(EXIT_FIXITY_FAILURE)
    console.print(f"{checked:,} stored file(s) verified under {escape(str(directory))}: all intact")


def register(app: typer.Typer) -> None:
    """Add ``reextract`` to ``app`` (``db verify`` joins the ``db`` group on import)."""
    app.command("reextract")(reextract)
