"""Benchmark ``thaigov import-corpus``: the shared corpus into SQLite and into PostgreSQL.

Each run is the real command in a fresh process with a fresh archive (a new SQLite file, or a new
PostgreSQL database dropped afterwards) and a fresh embedded search index, so the figures include
everything a user waits for: parsing, cleaning, Thai dates, archive writes, segmentation and
indexing. Time shares come from the crawl stats each pipeline writes (``pipeline/<name>/seconds``,
``index/segment_seconds``); "other" is parsing the corpus, text cleaning and Scrapy itself.

    .venv/bin/python benchmarks/import.py                      # whole 2020-2023 slice, both
    .venv/bin/python benchmarks/import.py --limit 5000 --backends sqlite

PostgreSQL comes from ``--postgres-url`` or ``THAIGOV_TEST_POSTGRES_URL`` (scripts/postgres.sh).
Results: a Markdown table on stdout and in benchmarks/results/import.md with the command line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "import.md"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "thaigov-v2-corpus-2020-2023.tar.gz"
sys.path.insert(0, str(ROOT))
from tests.databases import fresh_postgres_database  # noqa: E402

TARGET_SECONDS = 180.0  # issue 4: the whole slice into SQLite in under 3 minutes


@dataclass(frozen=True)
class Run:
    backend: str
    articles: int
    wall: float  # seconds the command took, start-up included
    cpu: float  # CPU seconds of the command's process tree
    stats: dict[str, Any]

    def seconds(self, key: str) -> float:
        return float(self.stats.get(key) or 0.0)

    @property
    def crawl_seconds(self) -> float:
        return self.seconds("elapsed_time_seconds") or self.wall


def run_import(
    backend: str, url: str, corpus: Path, work: Path, limit: int | None, timeout: float
) -> Run:
    """One ``thaigov import-corpus`` process; ``backend`` also names its index and stats files."""
    stats_file = work / f"stats-{backend}.json"
    env = {k: v for k, v in os.environ.items() if not k.startswith("THAIGOV_ELASTICSEARCH")}
    env.update(
        THAIGOV_ARCHIVE_URL=url,
        THAIGOV_SEARCH_PATH=str(work / f"search-{backend.split()[0]}.sqlite3"),
        THAIGOV_STATS_FILE=str(stats_file),
        COLUMNS="120",
    )
    command = [sys.executable, "-c", "from search.cli import main; main()"]
    command += ["import-corpus", str(corpus)] + (["--limit", str(limit)] if limit else [])
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(
        command, env=env, cwd=work, capture_output=True, text=True, timeout=timeout
    )
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stdout[-2000:] + done.stderr[-4000:])
        raise SystemExit(f"{backend}: import failed with exit code {done.returncode}")
    stats = json.loads(stats_file.read_text())
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    return Run(backend, int(stats.get("corpus/articles") or 0), wall, cpu, stats)


def share(part: float, whole: float) -> str:
    return f"{part:.1f} s ({part / whole:.0%})" if whole else "-"


def table(runs: list[Run]) -> str:
    lines = [
        "| archive | articles | wall s | articles/s | CPU s | segmentation | indexing (all) "
        "| date parsing | database writes | other (parse, cleaning, Scrapy) "
        "| inserted / unchanged |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        whole = run.crawl_seconds
        index = run.seconds("pipeline/index/seconds")
        dates = run.seconds("pipeline/dates/seconds")
        archive = run.seconds("pipeline/archive/seconds")
        other = max(whole - index - dates - archive, 0.0)
        lines.append(
            f"| {run.backend} | {run.articles:,} | {run.wall:.1f} | {run.articles / run.wall:,.0f} "
            f"| {run.cpu:.1f} | {share(run.seconds('index/segment_seconds'), whole)} "
            f"| {share(index, whole)} | {share(dates, whole)} | {share(archive, whole)} "
            f"| {share(other, whole)} | {int(run.stats.get('archive/inserted') or 0):,} / "
            f"{int(run.stats.get('archive/unchanged') or 0):,} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=None, help="articles per run (default all)")
    parser.add_argument("--backends", default="sqlite,postgres")
    parser.add_argument("--postgres-url", default=os.environ.get("THAIGOV_TEST_POSTGRES_URL"))
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per import")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--no-reimport",
        action="store_true",
        help="skip the second import into the same archive (it must change nothing)",
    )
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        parser.error(f"no corpus at {args.corpus}")

    runs: list[Run] = []
    with tempfile.TemporaryDirectory(prefix="thaigov-import-bench-") as tmp:
        work = Path(tmp)
        for backend in args.backends.split(","):
            if backend not in ("sqlite", "postgres"):
                parser.error(f"unknown backend {backend!r}")
            if backend == "postgres" and not args.postgres_url:
                parser.error("postgres: set --postgres-url or THAIGOV_TEST_POSTGRES_URL")
            with ExitStack() as stack:
                if backend == "sqlite":
                    url = f"sqlite:///{work / 'archive.sqlite3'}"
                else:
                    url = stack.enter_context(
                        fresh_postgres_database(args.postgres_url, "thaigov_bench")
                    )
                for label in [backend] + ([] if args.no_reimport else [f"{backend} (re-import)"]):
                    print(f"importing into {label} ...", file=sys.stderr, flush=True)
                    run = run_import(label, url, args.corpus, work, args.limit, args.timeout)
                    runs.append(run)
                    changed = int(run.stats.get("archive/inserted") or 0) + int(
                        run.stats.get("archive/updated") or 0
                    )
                    if label.endswith("(re-import)") and changed:
                        print(f"WARNING: re-import changed {changed} rows", file=sys.stderr)

    load = os.getloadavg()[0]
    command = shlex.join(["python", "benchmarks/import.py", *(argv or sys.argv[1:])])
    sqlite = next((r for r in runs if r.backend == "sqlite"), None)  # the first import
    verdict = ""
    if sqlite and not args.limit:
        ok = sqlite.wall < TARGET_SECONDS
        verdict = (
            f"\nTarget (whole slice into SQLite < {TARGET_SECONDS:.0f} s): "
            f"{'met' if ok else 'MISSED'} ({sqlite.wall:.0f} s).\n"
        )
    report = (
        "# Corpus import benchmark\n\n"
        f"Command: `{command}` ({os.cpu_count()} CPUs, load average {load:.1f} at the end, "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n\n"
        f"Corpus: `{args.corpus.name}`, streamed. Each run: `thaigov import-corpus` in a fresh "
        "process with a fresh archive and a fresh embedded search index. Shares are of the "
        "crawl's elapsed time, from the pipelines' own stats; segmentation is part of indexing. "
        "CPU s counts the whole process tree (a figure less sensitive to a busy shared "
        "machine than wall time). A re-import reads the same corpus into the same archive and "
        "index: every article is unchanged, nothing is re-indexed.\n\n"
        + table(runs)
        + "\n"
        + verdict
    )
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
