"""``thaigov import-corpus PATH``: backfill the archive from thaigov-v2-corpus files.

Runs the ``thaigov_corpus`` spider with the project settings, so the very same item pipelines
(cleaning, dates, archive, index), stats and run records apply as for a crawl. Scrapy is only
imported when the command runs, so the rest of the CLI starts fast.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
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

from pipelines.corpus_format import is_tarball

MAX_PROBLEMS_SHOWN = 200
EXIT_ARCHIVE_FAILURES = 1


@dataclass
class ImportOutcome:
    """What an import did: the crawl's final stats and the files that were not imported."""

    stats: dict[str, Any]
    problems: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0

    def stat(self, name: str) -> int:
        return int(self.stats.get(name) or 0)

    @property
    def exit_code(self) -> int:
        code = self.stat("thaigov/exit_code")
        if code:
            return code
        return EXIT_ARCHIVE_FAILURES if self.stat("archive/failed") else 0


def count_corpus_files(path: Path) -> int | None:
    """Files to expect (for the progress bar); unknown for a tarball without reading it all."""
    if path.is_dir():
        return sum(1 for _, _, files in os.walk(path) for f in files if f.endswith(".txt"))
    return None if is_tarball(path) else 1


def run_import(
    path: Path,
    *,
    limit: int | None = None,
    settings: dict[str, Any] | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Run the corpus spider in this process (once per process: Twisted cannot restart)."""
    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "thaigov_crawler.settings")
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from thaigov_crawler.spiders.corpus import CorpusSpider, corpus_problem

    project = get_project_settings()
    for name, value in (settings or {}).items():
        project.set(name, value, priority="cmdline")
    process = CrawlerProcess(project)
    crawler = process.create_crawler(CorpusSpider)
    if progress is not None:
        # With --limit the bar counts articles; otherwise it counts files (skipped ones too).
        task = progress.add_task("importing", total=limit or count_corpus_files(path))
        skipped = 0

        def advance(*_args: Any, **_kwargs: Any) -> None:
            progress.advance(task)

        def skip(*_args: Any, **_kwargs: Any) -> None:
            nonlocal skipped
            skipped += 1
            progress.update(task, description=f"importing ({skipped} files skipped)")
            if not limit:
                progress.advance(task)

        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error):
            crawler.signals.connect(advance, signal=signal, weak=False)
        crawler.signals.connect(skip, signal=corpus_problem, weak=False)

    started = time.perf_counter()
    process.crawl(crawler, path=str(path), limit=limit)
    process.start()
    stats = dict(crawler.stats.get_stats()) if crawler.stats else {}
    spider = crawler.spider
    problems = list(getattr(spider, "problems", []))
    return ImportOutcome(stats, problems, time.perf_counter() - started)


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
    ) -> None:
        """Import a thaigov-v2-corpus directory or tarball through the crawl's pipelines.

        Re-importing changes nothing; files without a source URL, empty files and duplicate
        ids are listed at the end, not fatal.
        """
        console = Console(stderr=True)
        settings: dict[str, Any] = {"LOG_LEVEL": log_level.upper()}
        if archive_url:
            settings["THAIGOV_ARCHIVE_URL"] = archive_url
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
