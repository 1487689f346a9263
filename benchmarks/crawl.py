"""Crawl throughput: the real ``thaigov`` spider vs a sequential requests+BeautifulSoup loop.

Both fetch the same synthetic article ids from the local replica (its own process), politeness
off for the spider (no delay, no AutoThrottle, 16 concurrent requests), in two conditions:
(a) the replica answers at once (CPU cost per page), (b) it adds 100 ms to every response (a
server across the internet). Spider time runs from engine start to close (Scrapy's
``elapsed_time_seconds``), so process start-up and imports are excluded; the loop is timed
around the loop.

Condition (c) prices the durable crawl frontier: an incremental crawl into a fresh SQLite
archive (archive pipeline only, no search index), with the frontier on and off
(``THAIGOV_FRONTIER_ENABLED``), the same ids, ``--repeat`` times each (median CPU ms per page).

    .venv/bin/python benchmarks/crawl.py [--ids-a 2000] [--ids-b 300] [--delay-b 0.1]
        [--ids-c 3000] [--repeat 3] [--only-c]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests
from bs4 import BeautifulSoup

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))
from tests.replica import fixtures as fx  # noqa: E402

RESULTS = REPO_ROOT / "benchmarks" / "results" / "crawl.md"
CAPTURE_RESULTS = REPO_ROOT / "benchmarks" / "results" / "crawl_capture.md"


@dataclass
class Run:
    pages: int
    seconds: float
    cpu_seconds: float  # the client's own CPU (the spider's includes its start-up)
    frontier_seconds: float = 0.0  # time in the durable frontier's planning and writes

    @property
    def rate(self) -> float:
        return self.pages / self.seconds


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def replica_process(delay: float, extra_ids: int) -> Iterator[str]:
    """The replica in its own process, so it never shares a GIL with the client measured."""
    port = free_port()
    command = [sys.executable, "-m", "tests.replica", "--port", str(port), "--warm"]
    command += ["--delay", str(delay), "--extra-ids", str(extra_ids)]
    proc = subprocess.Popen(command, cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        proc.stdout.readline()  # printed once it listens
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def run_spider(
    base_url: str,
    first: int,
    last: int,
    concurrency: int,
    *,
    incremental: bool = False,
    frontier: bool = True,
    root: Path = REPO_ROOT,
) -> Run:
    """The thaigov spider over ``first..last``: a range into a feed, or (``incremental``) an
    incremental crawl from ``first`` into a fresh archive, the durable frontier on or off."""
    with tempfile.TemporaryDirectory() as tmp:
        stats_path = Path(tmp) / "stats.json"
        pipelines = {"pipelines.adapters.cleaning.TextCleaningPipeline": 100}
        if incremental:
            pipelines["pipelines.adapters.archive.ArchivePipeline"] = 300
        settings = {
            "THAIGOV_BASE_URL": base_url,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "ITEM_PIPELINES": json.dumps(pipelines),
            "THAIGOV_RECORD_RUNS": incremental,
            "THAIGOV_FRONTIER_ENABLED": frontier,
            "THAIGOV_MAX_CONSECUTIVE_MISSES": 10,
            "THAIGOV_STATS_FILE": str(stats_path),
            "THAIGOV_WARC_DIR": f"{tmp}/warc",
            "THAIGOV_WARC_ENABLED": False,  # measured on its own: see run_capture
            "LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "scrapy", "crawl", "thaigov"]
        command += ["-a", f"start_id={first}"]
        if not incremental:
            command += ["-a", f"end_id={last}"]
        command += ["-O", f"{tmp}/out.jsonl"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        env = {
            **os.environ,
            "THAIGOV_ARCHIVE_URL": f"sqlite:///{tmp}/archive.sqlite3",
            "PYTHONPATH": str(root),
        }
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, cwd=root, env=env, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        stats = json.loads(stats_path.read_text())
        lines = Path(tmp, "out.jsonl").read_text(encoding="utf-8").count("\n")
    expected = last - first + 1
    if stats.get("thaigov/articles") != expected or lines != expected:
        raise SystemExit(f"spider exported {lines} of {expected} articles: {stats}")
    return Run(
        stats["thaigov/fetched"],
        stats["elapsed_time_seconds"],
        cpu,
        stats.get("thaigov/frontier/seconds", 0.0),
    )


def frontier_cost(base_url: str, first: int, last: int, concurrency: int, repeat: int) -> str:
    """Condition (c): CPU ms per page of incremental crawls, durable frontier on vs off."""
    cpu: dict[bool, list[float]] = {True: [], False: []}
    rates: dict[bool, list[float]] = {True: [], False: []}
    own: list[float] = []  # ms per page spent inside the frontier's database work
    for round_ in range(repeat):
        # Interleaved, first one then the other, so drifting machine load hits both alike.
        for enabled in (False, True) if round_ % 2 == 0 else (True, False):
            run = run_spider(base_url, first, last, concurrency, incremental=True, frontier=enabled)
            cpu[enabled].append(1000 * run.cpu_seconds / run.pages)
            rates[enabled].append(run.rate)
            if enabled:
                own.append(1000 * run.frontier_seconds / run.pages)
    off, on = statistics.median(cpu[False]), statistics.median(cpu[True])
    every = " / ".join(", ".join(f"{v:.2f}" for v in cpu[enabled]) for enabled in (False, True))
    line = (
        f"| (c) incremental into an archive | {last - first + 1} | "
        f"{statistics.median(rates[False]):.0f} | {statistics.median(rates[True]):.0f} | "
        f"{off:.2f} | {on:.2f} | {100 * (on - off) / off:+.1f}% | "
        f"{statistics.median(own):.3f} ({100 * statistics.median(own) / off:.1f}%) | {every} |"
    )
    print(line)
    return line


@dataclass
class CaptureRun:
    pages: int  # article pages (each also has one image)
    cpu_seconds: float
    warc_bytes: int
    files_bytes: int
    archive_bytes: int

    def per_page_ms(self) -> float:
        return 1000 * self.cpu_seconds / self.pages

    def per_1000(self, size: int) -> float:
        return size / self.pages * 1000 / 1e6  # MB per 1,000 article pages


def _tree_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


CAPTURE_PIPELINES = {
    "pipelines.adapters.cleaning.TextCleaningPipeline": 100,
    "pipelines.adapters.dates.ThaiDatesPipeline": 200,
    "pipelines.adapters.archive.ArchivePipeline": 300,
}
FILES_PIPELINE = "pipelines.adapters.files.ArchiveFilesPipeline"


def run_capture(
    base_url: str, first: int, last: int, concurrency: int, *, warc: bool, files: bool
) -> CaptureRun:
    """The spider with the archive pipelines, WARC capture and file downloads on or off."""
    with tempfile.TemporaryDirectory() as tmp:
        stats_path = Path(tmp) / "stats.json"
        pipelines = dict(CAPTURE_PIPELINES)
        if files:
            pipelines[FILES_PIPELINE] = 350
        settings = {
            "THAIGOV_BASE_URL": base_url,
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "ITEM_PIPELINES": json.dumps(pipelines),
            "THAIGOV_RECORD_RUNS": False,
            "THAIGOV_LOCK_FILE": f"{tmp}/crawl.lock",
            "THAIGOV_STATS_FILE": str(stats_path),
            "THAIGOV_WARC_ENABLED": warc,
            "THAIGOV_WARC_DIR": f"{tmp}/warc",
            "THAIGOV_FILES_DIR": f"{tmp}/files",
            "LOG_LEVEL": "WARNING",
        }
        command = [sys.executable, "-m", "scrapy", "crawl", "thaigov"]
        command += ["-a", f"start_id={first}", "-a", f"end_id={last}"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        env = {**os.environ, "THAIGOV_ARCHIVE_URL": f"sqlite:///{tmp}/archive.sqlite3"}
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, cwd=REPO_ROOT, env=env, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        stats = json.loads(stats_path.read_text())
        expected = last - first + 1
        if stats.get("archive/inserted") != expected:
            raise SystemExit(f"archived {stats.get('archive/inserted')} of {expected}: {stats}")
        if files and stats.get("files/downloaded") != expected:
            raise SystemExit(f"downloaded {stats.get('files/downloaded')} files: {stats}")
        archive = _tree_bytes(Path(tmp)) - _tree_bytes(Path(tmp) / "warc")
        return CaptureRun(
            pages=expected,
            cpu_seconds=(after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime),
            warc_bytes=_tree_bytes(Path(tmp) / "warc"),
            files_bytes=_tree_bytes(Path(tmp) / "files"),
            archive_bytes=archive - _tree_bytes(Path(tmp) / "files"),
        )


def capture_benchmark(ids: int, repeats: int, concurrency: int) -> str:
    """CPU per page and disk per 1,000 pages, capture off / WARC / WARC + files (median)."""
    configs = [("off", False, False), ("WARC", True, False), ("WARC + files", True, True)]
    runs: dict[str, list[CaptureRun]] = {name: [] for name, _, _ in configs}
    with replica_process(0.0, ids) as base_url:
        first = fx.LAST_FIXTURE_ID + 1
        for _ in range(repeats):  # interleaved, so a busy spell on the machine hits all three
            for name, warc, files in configs:
                runs[name].append(
                    run_capture(
                        base_url, first, first + ids - 1, concurrency, warc=warc, files=files
                    )
                )
    load = os.getloadavg()
    median = {name: sorted(r, key=lambda x: x.cpu_seconds)[len(r) // 2] for name, r in runs.items()}
    base_ms = median["off"].per_page_ms()
    lines = [
        "| capture | CPU ms/page (median) | all runs | vs off | WARC MB/1,000 pages |"
        " files MB/1,000 pages | archive DB MB/1,000 pages |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for name, run in median.items():
        lines.append(
            f"| {name} | {run.per_page_ms():.2f} | "
            + ", ".join(f"{r.per_page_ms():.2f}" for r in runs[name])
            + f" | {100 * (run.per_page_ms() / base_ms - 1):+.0f}% | "
            f"{run.per_1000(run.warc_bytes):.1f} | {run.per_1000(run.files_bytes):.1f} | "
            f"{run.per_1000(run.archive_bytes):.1f} |"
        )
    return (
        f"{ids} synthetic article pages (one image each), concurrency {concurrency}, "
        f"{repeats} interleaved runs per configuration; pipelines cleaning, dates, archive "
        f"(SQLite); load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) at "
        "the end.\n\n" + "\n".join(lines)
    )


BARE_SPIDER = """
import json
import time

import scrapy


class BareSpider(scrapy.Spider):
    name = "bare"

    async def start(self):
        self.started = time.monotonic()
        for article_id in range(int(self.first), int(self.last) + 1):
            yield scrapy.Request(f"{self.base}/news/contents/details/{article_id}")

    def parse(self, response):
        yield {"url": response.url, "title": response.css("title::text").get()}

    def closed(self, reason):
        pages = self.crawler.stats.get_value("response_received_count")
        with open(self.stats_path, "w") as f:
            json.dump({"pages": pages, "seconds": time.monotonic() - self.started}, f)
"""


def run_bare_spider(base_url: str, first: int, last: int, concurrency: int) -> Run:
    """A 20-line Scrapy spider (title only, Scrapy defaults, no project): Scrapy's own cost."""
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "bare.py").write_text(BARE_SPIDER)
        stats_path = Path(tmp) / "stats.json"
        command = [sys.executable, "-m", "scrapy", "runspider", "bare.py", "-o", "out.jsonl"]
        command += ["-a", f"base={base_url}", "-a", f"first={first}", "-a", f"last={last}"]
        command += ["-a", f"stats_path={stats_path}"]
        for name, value in {
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "LOG_LEVEL": "WARNING",
            "TELNETCONSOLE_ENABLED": False,
        }.items():
            command += ["-s", f"{name}={value}"]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(command, cwd=tmp, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        stats = json.loads(stats_path.read_text())
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return Run(stats["pages"], stats["seconds"], cpu)


def run_sequential(base_url: str, ids: range) -> Run:
    """The anchor's method without its sleep: fetch, parse, pull title and text, one by one."""
    session = requests.Session()
    found = 0
    cpu_started = time.process_time()
    started = time.perf_counter()
    for article_id in ids:
        response = session.get(f"{base_url}/news/contents/details/{article_id}", timeout=30)
        soup = BeautifulSoup(response.content, "lxml")
        block = soup.find("div", class_="border-normal")
        title = soup.title.get_text() if soup.title else ""
        if block is not None and title:
            found += len(block.get_text("\n")) > 0
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    if found != len(ids):
        raise SystemExit(f"sequential loop found {found} of {len(ids)} articles")
    return Run(len(ids), seconds, cpu)


def compare_checkouts(
    base_url: str, first: int, last: int, concurrency: int, repeat: int, other: Path
) -> str:
    """Condition (a)'s spider, this checkout vs ``other`` (e.g. the commit before the durable
    frontier), interleaved: CPU ms per page of the same range crawl."""
    cpu: dict[Path, list[float]] = {REPO_ROOT: [], other: []}
    for round_ in range(repeat):
        for root in (other, REPO_ROOT) if round_ % 2 == 0 else (REPO_ROOT, other):
            run = run_spider(base_url, first, last, concurrency, root=root)
            cpu[root].append(1000 * run.cpu_seconds / run.pages)
    theirs, ours = statistics.median(cpu[other]), statistics.median(cpu[REPO_ROOT])
    every = " / ".join(", ".join(f"{v:.2f}" for v in cpu[r]) for r in (other, REPO_ROOT))
    line = (
        f"| (a) range crawl into a feed, `{other}` vs this checkout | {last - first + 1} | "
        f"{theirs:.2f} | {ours:.2f} | {100 * (ours - theirs) / theirs:+.1f}% | {every} |"
    )
    print(line)
    return line


COMPARE_HEADER = [
    "| condition | ids | CPU ms/page other | CPU ms/page this | CPU per page |"
    " every run, ms/page (other / this) |",
    "|---|---:|---:|---:|---:|---|",
]
FRONTIER_HEADER = [
    "| condition | ids | pages/s frontier off | pages/s frontier on | CPU ms/page off |"
    " CPU ms/page on | CPU per page | frontier's own ms/page | every run, ms/page (off / on) |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---|",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ids-a", type=int, default=2000, help="ids in condition (a)")
    parser.add_argument("--ids-b", type=int, default=300, help="ids in condition (b)")
    parser.add_argument("--delay-b", type=float, default=0.1, help="seconds added in (b)")
    parser.add_argument("--ids-c", type=int, default=3000, help="ids in condition (c)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per variant in (c)")
    parser.add_argument("--only-c", action="store_true", help="measure condition (c) only")
    parser.add_argument(
        "--compare-with",
        type=Path,
        help="another checkout (e.g. `git archive` of an older commit): (a)'s spider CPU vs it",
    )
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--capture-ids", type=int, default=1000, help="ids per capture run")
    parser.add_argument("--capture-repeats", type=int, default=3)
    parser.add_argument(
        "--only-capture", action="store_true", help="only the capture on/off comparison"
    )
    args = parser.parse_args()

    capture = capture_benchmark(args.capture_ids, args.capture_repeats, args.concurrency)
    print(capture)
    CAPTURE_RESULTS.write_text(
        "# Crawl benchmark: archive-grade capture on and off\n\n"
        f"Command: `python benchmarks/crawl.py {' '.join(sys.argv[1:])}` ({os.cpu_count()} "
        f"CPUs, shared machine, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})\n\n"
        "CPU ms/page is the crawl process's own CPU time (start-up included) per article page. "
        "WARC: every response with its request in gzipped WARC files plus its row in the "
        "archive's captures table. Files: each page's image downloaded through the files "
        "pipeline (a second request per page, itself captured) and stored by SHA-256.\n\n"
        f"{capture}\n"
    )
    if args.only_capture:
        return

    rows = []
    conditions = [
        ("(a) no delay", 0.0, args.ids_a),
        (f"(b) +{args.delay_b * 1000:.0f} ms", args.delay_b, args.ids_b),
    ]
    for label, delay, count in [] if args.only_c else conditions:
        with replica_process(delay, count) as base_url:
            ids = range(fx.LAST_FIXTURE_ID + 1, fx.LAST_FIXTURE_ID + 1 + count)
            spider = run_spider(base_url, ids[0], ids[-1], args.concurrency)
            bare = run_bare_spider(base_url, ids[0], ids[-1], args.concurrency)
            sequential = run_sequential(base_url, ids)
        rows.append((label, count, spider, bare, sequential))
        print(
            f"{label}: spider {spider.rate:.0f} pages/s, bare spider {bare.rate:.0f}, "
            f"loop {sequential.rate:.0f} pages/s"
        )
    with replica_process(0.0, args.ids_c) as base_url:
        first = fx.LAST_FIXTURE_ID + 1
        frontier_line = frontier_cost(
            base_url, first, first + args.ids_c - 1, args.concurrency, args.repeat
        )
        compare_line = ""
        if args.compare_with:
            compare_line = compare_checkouts(
                base_url,
                first,
                first + args.ids_a - 1,
                args.concurrency,
                args.repeat,
                args.compare_with.resolve(),
            )

    command = "python benchmarks/crawl.py " + " ".join(sys.argv[1:])
    table = [
        "| condition | ids | spider pages/s | bare Scrapy spider pages/s | sequential pages/s |"
        " spider / sequential | spider CPU ms/page | bare CPU ms/page | sequential CPU ms/page |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, count, spider, bare, sequential in rows:
        table.append(
            f"| {label} | {count} | {spider.rate:.0f} | {bare.rate:.0f} | {sequential.rate:.0f} | "
            f"{spider.rate / sequential.rate:.2f}x | "
            + " | ".join(
                f"{1000 * r.cpu_seconds / r.pages:.1f}" for r in (spider, bare, sequential)
            )
            + " |"
        )
    text = "\n".join(table)
    frontier_text = "\n".join([*FRONTIER_HEADER, frontier_line])
    if compare_line:
        frontier_text += "\n\n" + "\n".join([*COMPARE_HEADER, compare_line])
    print()
    print(text)
    print()
    print(frontier_text)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    frontier_section = (
        "## Durable frontier (condition c)\n\n"
        f"Command: `{command.strip()}` ({when}, concurrency {args.concurrency}, median of "
        f"{args.repeat} interleaved runs per variant, load average at the end "
        f"{os.getloadavg()[0]:.1f}). Incremental crawl from the first synthetic id into a fresh "
        "SQLite archive (cleaning and archive pipelines, no search index, JSON Lines feed), "
        "stopping after 10 non-articles; off: `THAIGOV_FRONTIER_ENABLED=False` (the in-memory "
        "probe only), on: the durable frontier (plan from the archive, outcomes written in "
        "batches). CPU ms/page includes the process start-up. The frontier's own ms/page is the "
        "wall time its planning and writes took (stat `thaigov/frontier/seconds`), an upper "
        "bound on its CPU cost that does not depend on the noise between runs. With "
        "`--compare-with DIR`, condition (a)'s range crawl (no archive, so no durable frontier; "
        "what changed there is the start()-driven order) also runs from another checkout, "
        "interleaved with this one.\n\n"
        f"{frontier_text}\n"
    )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if args.only_c and RESULTS.exists():
        previous = RESULTS.read_text()
        previous = previous.split("## Durable frontier (condition c)")[0].rstrip() + "\n\n"
        RESULTS.write_text(previous + frontier_section)
        return
    RESULTS.write_text(
        "# Crawl benchmark\n\n"
        f"Command: `{command.strip()}` (concurrency {args.concurrency}, "
        f"{os.cpu_count()} CPUs, {when})\n\n"
        "Spider: real `thaigov` spider with full extraction, TextCleaningPipeline and a JSON "
        "Lines feed, AutoThrottle off, no delay; time from engine start to close. Sequential: "
        "requests.Session + BeautifulSoup(lxml), one page after another. Bare spider: a 20-line "
        "Scrapy spider taking only the <title>, run outside the project with Scrapy defaults "
        "(same concurrency, no delay), for Scrapy's own cost on this machine. CPU ms/page is the "
        "client process's own CPU time (the spider's includes its ~1.5 s start-up), a figure "
        "that does not depend on how busy the shared machine was. Load average at the end: "
        f"{os.getloadavg()[0]:.1f}.\n\n"
        f"{text}\n\n{frontier_section}"
    )


if __name__ == "__main__":
    main()
