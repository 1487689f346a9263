"""``make demo``: the whole flow offline. Serve the replica, crawl it, show what was archived.

Runs the real ``thaigov crawl`` (default pipelines: cleaning, dates, archive, search
index) against the replica on 127.0.0.1, into a temporary archive, then prints the archived
articles and the crawl's skip counters with Rich.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from tests.replica import fixtures as fx
from tests.replica.server import ReplicaServer

REPO_ROOT = Path(__file__).resolve().parents[2]
EXTRA_IDS = 5


def crawl(replica: ReplicaServer, tmp: Path, console: Console, full_pipelines: bool) -> dict:
    settings = {
        "THAIGOV_BASE_URL": replica.base_url,
        "DOWNLOAD_DELAY": "0.05",  # polite settings shortened for a local demo
        "AUTOTHROTTLE_ENABLED": "False",
        "THAIGOV_RETRY_AFTER_MAX": "2",
        "DOWNLOAD_MAXSIZE": "1000000",
        "THAIGOV_LOCK_FILE": str(tmp / "crawl.lock"),
        "THAIGOV_STATS_FILE": str(tmp / "stats.json"),
        "LOG_LEVEL": "WARNING",
    }
    if not full_pipelines:
        settings["ITEM_PIPELINES"] = '{"pipelines.adapters.cleaning.TextCleaningPipeline": 100}'
    command = [sys.executable, "-m", "search.cli", "crawl"]  # `thaigov crawl`
    command += ["-a", f"start_id={fx.FIRST_ID}", "-a", f"end_id={replica.last_id + 2}"]
    command += ["-O", str(tmp / "articles.jsonl")]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    env = {
        **os.environ,
        "THAIGOV_ARCHIVE_URL": f"sqlite:///{tmp / 'archive.sqlite3'}",
        "THAIGOV_SEARCH_PATH": str(tmp / "search.sqlite3"),
    }
    console.print(
        f"[bold]$ thaigov crawl -a start_id={fx.FIRST_ID} "
        f"-a end_id={replica.last_id + 2}[/]  (base URL {replica.base_url})"
    )
    proc = subprocess.run(command, cwd=REPO_ROOT, env=env)
    console.print(f"exit code {proc.returncode}")
    return json.loads((tmp / "stats.json").read_text())


def archived_rows(tmp: Path, full_pipelines: bool) -> list[dict[str, Any]]:
    if full_pipelines:
        from pipelines.archive.store import ArchiveStore

        with ArchiveStore(f"sqlite:///{tmp / 'archive.sqlite3'}") as store:
            return list(store.iter_articles())
    lines = (tmp / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line]


def main() -> None:
    console = Console()
    full = importlib.util.find_spec("pipelines.adapters.archive") is not None
    if not full:
        console.print("[yellow]archive pipeline not installed: showing the exported feed[/]")
    with (
        tempfile.TemporaryDirectory(prefix="thaigov-demo-") as name,
        ReplicaServer(extra_ids=EXTRA_IDS) as replica,
    ):
        tmp = Path(name)
        stats = crawl(replica, tmp, console, full)
        rows = archived_rows(tmp, full)

    table = Table(title=f"{len(rows)} articles {'archived' if full else 'exported'}")
    for column in ("id", "published", "lang", "category", "title", "body chars"):
        table.add_column(column, overflow="fold")
    for row in sorted(rows, key=lambda r: r["article_id"]):
        published = row.get("published_date") or row.get("published_date_text") or ""
        table.add_row(
            str(row["article_id"]),
            str(published),
            row.get("lang") or "",
            row.get("category") or "",
            (row.get("title") or "")[:60],
            str(len(row.get("body") or "")),
        )
    console.print(table)

    skipped = Table(title="not articles (stats thaigov/skipped/*) and extraction routes")
    skipped.add_column("stats key")
    skipped.add_column("count", justify="right")
    for key in sorted(stats):
        if key.startswith(("thaigov/skipped/", "thaigov/extract/route/", "retry/count")):
            skipped.add_row(key, str(stats[key]))
    console.print(skipped)


if __name__ == "__main__":
    main()
