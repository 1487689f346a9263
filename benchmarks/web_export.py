"""Export throughput and memory per format, and web/API latency, on a real archive.

Either point it at an archive and its embedded index (``--archive-url`` + ``--search-path``), or
give ``--corpus`` to import the first ``--limit`` articles into a temporary archive first
(``thaigov import-corpus``, every pipeline). Each export runs in its own process so its peak
memory is its own; it runs at a quarter and at all of ``--export-limit`` articles, and a flat
peak between the two shows the writers stream. Latency is measured in-process (ASGI, no
network) over a fixed list of queries written for this benchmark.

    python benchmarks/web_export.py --corpus ../shared/corpus/thaigov-v2-corpus-2020-2023.tar.gz
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# This folder holds benchmarks/search.py, which would shadow the ``search`` package.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

RESULTS = HERE / "results" / "web_export.md"
FORMATS = ("jsonl", "csv", "parquet", "corpus")
QUERIES = [
    "ข้าว", "โควิด", "นายกรัฐมนตรี", "น้ำท่วม", "เศรษฐกิจ", "การศึกษา", "ท่องเที่ยว", "วัคซีน",
    "ยางพารา", "ภัยแล้ง", '"ราคา ยาง"', "COVID-19", "tourism", "ข้าว OR ยาง", "น้ำท่วม -ภาคใต้",
    "ชาวนา", "ดิจิทัล", "พลังงาน", "ฝุ่น PM2.5", "ประกันสังคม",
]  # fmt: skip

EXPORT_CHILD = """
import itertools, json, resource, sys, time
from pathlib import Path
from pipelines.archive.store import ArchiveStore
from search.services.export import write_export
url, fmt, out, limit = sys.argv[1], sys.argv[2], Path(sys.argv[3]), int(sys.argv[4])
store = ArchiveStore(url)
start = time.perf_counter()
n = write_export(itertools.islice(store.iter_articles(batch_size=1000), limit), fmt, out)
seconds = time.perf_counter() - start
size = sum(p.stat().st_size for p in out.rglob("*")) if out.is_dir() else out.stat().st_size
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"n": n, "seconds": seconds, "bytes": size, "peak_mb": rss}))
"""


def import_corpus(corpus: str, limit: int, folder: Path) -> tuple[str, str]:
    url = f"sqlite:///{folder / 'archive.sqlite3'}"
    search = str(folder / "search.sqlite3")
    env = {**os.environ, "THAIGOV_ARCHIVE_URL": url, "THAIGOV_SEARCH_PATH": search}
    env.pop("THAIGOV_ELASTICSEARCH_URL", None)
    command = [sys.executable, "-c", "from search.cli import main; main()"]
    subprocess.run([*command, "import-corpus", corpus, "--limit", str(limit)], env=env, check=True)
    return url, search


def run_export(url: str, fmt: str, limit: int, folder: Path) -> dict[str, float]:
    out = folder / ("corpus.tar.gz" if fmt == "corpus" else f"export-{limit}.{fmt}")
    done = subprocess.run(
        [sys.executable, "-c", EXPORT_CHILD, url, fmt, str(out), str(limit)],
        capture_output=True,
        text=True,
        check=True,
    )
    out.unlink()
    return json.loads(done.stdout.strip().splitlines()[-1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def latency(url: str, search_path: str, rounds: int) -> dict[str, list[float]]:
    from fastapi.testclient import TestClient

    from pipelines.archive.store import ArchiveStore
    from search.backends.embedded import EmbeddedBackend
    from search.web import create_app

    store, backend = ArchiveStore(url), EmbeddedBackend(search_path)
    timings: dict[str, list[float]] = {
        "GET /api/search": [],
        "GET /api/timeline": [],
        "GET / (page: results, timeline, facets)": [],
        "GET /articles/{id}": [],
    }
    paths = list(timings)
    with TestClient(create_app(store, backend)) as client:
        client.get("/api/search", params={"q": "warm up"})
        for _ in range(rounds):
            for query in QUERIES:
                first = None
                for path, target in zip(
                    paths[:3], ("/api/search", "/api/timeline", "/"), strict=True
                ):
                    start = time.perf_counter()
                    response = client.get(target, params={"q": query})
                    timings[path].append((time.perf_counter() - start) * 1000)
                    response.raise_for_status()
                    if target == "/api/search" and response.json()["hits"]:
                        first = response.json()["hits"][0]["article_id"]
                if first is not None:
                    start = time.perf_counter()
                    client.get(f"/articles/{first}").raise_for_status()
                    timings[paths[3]].append((time.perf_counter() - start) * 1000)
    backend.close()
    store.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", help="corpus .tar.gz/dir to import first (temporary archive)")
    parser.add_argument("--limit", type=int, default=10_000, help="articles to import")
    parser.add_argument("--archive-url", help="existing archive instead of --corpus")
    parser.add_argument("--search-path", help="its embedded index (THAIGOV_SEARCH_PATH)")
    parser.add_argument("--export-limit", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the query list")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    if not (args.corpus or (args.archive_url and args.search_path)):
        parser.error("give --corpus, or --archive-url and --search-path")

    with tempfile.TemporaryDirectory(prefix="thaigov-bench-web-") as tmp:
        folder = Path(tmp)
        if args.corpus:
            print(f"importing {args.limit:,} articles ...", file=sys.stderr)
            url, search_path = import_corpus(args.corpus, args.limit, folder)
        else:
            url, search_path = args.archive_url, args.search_path
        small = max(1, args.export_limit // 4)
        exports = {
            fmt: (
                run_export(url, fmt, small, folder),
                run_export(url, fmt, args.export_limit, folder),
            )
            for fmt in FORMATS
        }
        timings = latency(url, search_path, args.rounds)

    base = exports["jsonl"][1]["seconds"]
    lines = [
        "# Web and export benchmark",
        "",
        f"Command: `python {' '.join(sys.argv)}` ({os.cpu_count()} CPUs, "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC)",
        "",
        f"Exports of the first {args.export_limit:,} archived articles, each format in its own "
        f"process; peak memory at {small:,} and at {args.export_limit:,} articles (flat = "
        "streaming).",
        "",
        "| format | articles | seconds | articles/s | time vs jsonl | output MB "
        f"| peak MB @{small:,} | peak MB @{args.export_limit:,} |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for fmt, (few, many) in exports.items():
        lines.append(
            f"| {fmt} | {many['n']:,.0f} | {many['seconds']:.2f} | "
            f"{many['n'] / many['seconds']:,.0f} | {many['seconds'] / base:.2f}x | "
            f"{many['bytes'] / 1e6:.1f} | {few['peak_mb']:.0f} | {many['peak_mb']:.0f} |"
        )
    api = statistics.median(timings["GET /api/search"])
    lines += [
        "",
        f"Latency over {len(QUERIES)} queries x {args.rounds} rounds (in-process ASGI, "
        "embedded index):",
        "",
        "| request | n | p50 ms | p95 ms | p50 vs /api/search |",
        "|---|---:|---:|---:|---:|",
    ]
    for path, values in timings.items():
        lines.append(
            f"| {path} | {len(values)} | {statistics.median(values):.1f} | "
            f"{percentile(values, 0.95):.1f} | {statistics.median(values) / api:.2f}x |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
