"""``thaigov runs [--json]``: how the latest crawl and import runs ended, from the archive.

Scrapyd lists every job as "finished" and cron keeps only a log, so the run records in the
archive (written by ``thaigov_crawler.extensions.RunRecorder``) are where an operator sees each
run's status, exit code, Scrapyd job id and figures.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from search.cli.errors import storage_errors
from search.cli.options import existing_archive, load_settings

#: Stats shown as table columns (the JSON output has every stat).
FIGURES = (
    ("fetched", "thaigov/fetched"),
    ("new", "archive/inserted"),
    ("updated", "archive/updated"),
    ("failed", "archive/failed"),
    ("open gaps", "thaigov/open_gaps"),
)


def runs(
    url: Annotated[
        str | None,
        typer.Option("--url", help="Archive database URL (default: THAIGOV_ARCHIVE_URL)."),
    ] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="How many runs.")] = 20,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON array (every stat) on stdout.")
    ] = False,
) -> None:
    """The latest runs, newest first: status, exit code, Scrapyd job, figures."""
    with existing_archive(load_settings(archive_url=url)) as store:  # read-only: creates nothing
        records = store.get_runs(limit)
    if as_json:
        typer.echo(json.dumps(records, ensure_ascii=False, indent=1, default=str))
        return
    Console().print(runs_table(records))


def runs_table(records: list[dict[str, Any]]) -> Table:
    """The Rich table of ``thaigov runs`` (separate so tests can render it)."""
    table = Table(title="Crawl runs (newest first)")
    for column in ("id", "spider", "started (UTC)", "took", "status", "exit", "job", "arguments"):
        table.add_column(column)
    for label, _ in FIGURES:
        table.add_column(label, justify="right")
    for run in records:
        stats = run.get("stats") or {}
        arguments = dict(run.get("arguments") or {})
        job = arguments.pop("scrapyd_job", "")
        exit_code = run.get("exit_code")
        table.add_row(
            str(run["id"]),
            escape(run["spider"]),
            (run["started_at"] or "")[:16].replace("T", " "),
            _duration(run["started_at"], run["finished_at"]),
            escape(run["status"]),
            "" if exit_code is None else str(exit_code),
            escape(job),
            escape(" ".join(f"{k}={v}" for k, v in arguments.items())),
            *(str(stats.get(key, "")) for _, key in FIGURES),
            style=None if exit_code in (0, None) else "red",
        )
    return table


def _duration(started: str | None, finished: str | None) -> str:
    if not started or not finished:
        return ""
    seconds = int(
        (dt.datetime.fromisoformat(finished) - dt.datetime.fromisoformat(started)).total_seconds()
    )
    return (
        f"{seconds // 3600}h{seconds // 60 % 60:02d}m"
        if seconds >= 3600
        else f"{seconds // 60}m{seconds % 60:02d}s"
    )


def register(app: typer.Typer) -> None:
    """Add ``runs`` to ``app``."""
    app.command("runs")(storage_errors(runs))
