"""``thaigov db upgrade`` and ``thaigov db stats``; ``register(app)`` adds the ``db`` group.

``upgrade`` creates or migrates the archive; ``stats`` only reads an existing one. SQLAlchemy and
Alembic are imported inside the commands, so ``thaigov --help`` stays fast.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from search.cli.errors import storage_errors
from search.cli.options import existing_archive, load_settings, writable_archive

db_app = typer.Typer(help="The archive database: migrations and figures.", no_args_is_help=True)

UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url",
        help="Archive database URL (default: THAIGOV_ARCHIVE_URL, else an SQLite file in the "
        "data directory).",
    ),
]


@db_app.command("upgrade")
@storage_errors
def upgrade(url: UrlOption = None) -> None:
    """Create the archive or migrate it to the latest schema (crawl and import do this too)."""
    from pipelines.archive.migrations import current_revision, head_revision

    with writable_archive(load_settings(archive_url=url)) as store:
        with store.engine.connect() as connection:
            revision = current_revision(connection)
        typer.echo(f"{store.display_url}: schema at {revision} (head {head_revision()})")


@db_app.command("stats")
@storage_errors
def stats(
    url: UrlOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the figures as one JSON object.")
    ] = False,
    runs: Annotated[int, typer.Option("--runs", min=0, help="How many recent runs to list.")] = 10,
) -> None:
    """Articles by year and category, versions, recent crawl runs, articles waiting for indexing."""
    from pipelines.archive.captures import CaptureIndex

    with existing_archive(load_settings(archive_url=url)) as store:
        figures = store.stats()
        figures["last_runs"] = store.get_runs(runs)
        figures["capture"] = CaptureIndex(store).counts()
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False, indent=1, default=str))
        return
    console = Console()
    for table in stats_tables(figures):
        console.print(table)


def stats_tables(figures: dict[str, Any]) -> list[Table]:
    """The Rich tables of ``thaigov db stats`` (separate so tests can render them)."""
    overview = Table(title=f"Archive {figures['url']}", show_header=False)
    overview.add_column("what")
    overview.add_column("value", justify="right")
    for label, key in (
        ("articles", "articles"),
        ("waiting for search indexing", "pending_index"),
        ("earlier versions kept", "versions"),
        ("articles edited at least once", "articles_with_versions"),
        ("raw pages kept", "raw_pages"),
        ("highest article id", "max_article_id"),
    ):
        value = figures.get(key)
        overview.add_row(label, "-" if value is None else f"{value:,}")
    capture = figures.get("capture") or {}
    for label, key in (
        ("WARC records indexed", "captures"),
        ("  of which revisits", "revisits"),
        ("articles with a capture", "articles_captured"),
        ("downloaded files (article, URL)", "files"),
        ("  distinct contents (SHA-256)", "distinct_files"),
    ):
        if key in capture:
            overview.add_row(label, f"{capture[key]:,}")
    if "open_gaps" in figures:
        by_state = figures.get("open_gaps_by_state") or {}
        detail = ", ".join(f"{state.replace('_', ' ')} {n:,}" for state, n in by_state.items())
        overview.add_row(
            "open gaps (thaigov gaps)",
            f"{figures['open_gaps']:,}" + (f" ({detail})" if detail else ""),
        )
    for label, rows in (("source", figures["by_source"]), ("language", figures["by_lang"])):
        overview.add_row(f"by {label}", ", ".join(f"{k or '?'}: {n:,}" for k, n in rows) or "-")

    years = Table(title="Articles by year published")
    years.add_column("year")
    years.add_column("articles", justify="right")
    for year, count in figures["by_year"]:
        years.add_row("unknown" if year is None else str(year), f"{count:,}")

    categories = Table(title="Articles by category")
    categories.add_column("category")
    categories.add_column("articles", justify="right")
    for category, count in figures["by_category"]:
        categories.add_row(category or "(none)", f"{count:,}")

    runs = Table(title="Recent runs")
    for column in ("id", "spider", "started (UTC)", "finished", "status", "exit", "items"):
        runs.add_column(column)
    for run in figures["last_runs"]:
        run_stats = run.get("stats") or {}
        runs.add_row(
            str(run["id"]),
            run["spider"],
            (run["started_at"] or "")[:19],
            (run["finished_at"] or "")[:19] or "running",
            run["status"],
            "" if run["exit_code"] is None else str(run["exit_code"]),
            str(run_stats.get("item_scraped_count", "")),
        )
    return [overview, years, categories, runs]


def register(app: typer.Typer) -> None:
    """Add the ``db`` command group to ``app``."""
    app.add_typer(db_app, name="db")
