"""``thaigov gaps [--json]``: ids the crawl frontier has not settled, with state and attempts.

A gap is an id between the frontier's floor and its head (the highest article) that is not
archived and was not answered as a non-article: failed after every retry (retried by later
runs with a backoff), never answered (a run ended first), or given up (listed, not retried).
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from search.cli.db import UrlOption
from search.cli.errors import storage_errors
from search.cli.options import existing_archive, load_settings


def gaps_command(
    url: UrlOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per gap.")] = False,
) -> None:
    """List the open gaps of the crawl frontier (ids not yet archived below the head)."""
    from pipelines.core.frontier import count_by_state

    with existing_archive(load_settings(archive_url=url)) as store:  # read-only: creates nothing
        floor, gaps = store.frontier_gaps()
    if as_json:
        for gap in gaps:
            record = {
                "article_id": gap.article_id,
                "state": gap.state,
                "attempts": gap.attempts,
                "detail": gap.detail,
                "last_attempt_at": gap.last_attempt_at.isoformat() if gap.last_attempt_at else None,
            }
            typer.echo(json.dumps(record, ensure_ascii=False))
        return
    console = Console()
    if floor is None:
        console.print("no incremental crawl has run on this archive yet: no frontier, no gaps")
        return
    counts = count_by_state(gaps)
    table = Table(
        title=f"{len(gaps)} open gaps from id {floor} (failed {counts['failed']}, never answered "
        f"{counts['unanswered']}, given up {counts['given_up']})"
    )
    for column in ("id", "state", "attempts", "last attempt (UTC)", "detail"):
        table.add_column(column)
    for gap in gaps:
        table.add_row(
            str(gap.article_id),
            gap.state,
            str(gap.attempts),
            gap.last_attempt_at.isoformat()[:19] if gap.last_attempt_at else "",
            gap.detail or "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    """Add ``gaps`` to ``app``."""
    app.command("gaps")(storage_errors(gaps_command))
