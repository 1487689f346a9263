"""Research workbench latency on the real corpus: trends, concordance, collocations, keyness.

    .venv/bin/python benchmarks/workbench.py --corpus CORPUS.tar.gz   # builds an index first
    .venv/bin/python benchmarks/workbench.py --index search.sqlite3   # an index built before

Builds an embedded index of the corpus (unless ``--index`` names one), then times each
operation through the service the CLI, API and pages share (``search.services.workbench``),
``--repeat`` times, reporting the median and the slowest run, against the issue's targets:
trends for 5 terms < 1 s, first concordance page < 300 ms, collocations < 2 s, keyness of two
years < 5 s. The load average is recorded with the results (other jobs slow every figure).
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.backends.embedded import EmbeddedBackend  # noqa: E402
from search.core.query import SearchQuery  # noqa: E402
from search.services import workbench as wb  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "workbench.md"
TERMS = ["ข้าว", "ยางพารา", "ท่องเที่ยว", "โควิด", "ประมง"]


def build_index(corpus: str, path: Path) -> float:
    """Segment and index the corpus as ``benchmarks/search.py`` does; returns seconds."""
    import importlib.util

    from search.core.segment import segmenting_pool
    from search.services.documents import documents_from_articles

    spec = importlib.util.spec_from_file_location("bench_search", ROOT / "benchmarks" / "search.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_search"] = module
    spec.loader.exec_module(module)
    started = time.perf_counter()
    articles = module.load_articles(corpus, None)
    with segmenting_pool() as pool:
        docs = documents_from_articles(articles, pool)
    backend = EmbeddedBackend(path)
    backend.rebuild(iter(docs))
    backend.close()
    return time.perf_counter() - started


def timed(work: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(median, max) seconds over ``repeat`` runs after one warm-up, and the last result."""
    result = work()  # warm-up: the OS page cache and SQLite's, as on a running server
    seconds: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        seconds.append(time.perf_counter() - started)
    return statistics.median(seconds), max(seconds), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--corpus", help="corpus directory or .tar.gz (an index is built)")
    source.add_argument("--index", type=Path, help="an embedded index file built before")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_before = os.getloadavg()
    notes: list[str] = []
    with tempfile.TemporaryDirectory(prefix="thaigov-wb-") as folder:
        path = args.index
        if path is None:
            path = Path(folder) / "search.sqlite3"
            notes.append(f"index built in {build_index(args.corpus, path):.0f} s")
        # Read-only: an index given with --index is never created, migrated or changed.
        backend = EmbeddedBackend(path, create=False)
        size = backend.count()
        version = (
            backend._conn()
            .execute("SELECT value FROM meta WHERE key = 'schema_version'")
            .fetchone()
        )
        counts = backend.word_counts()
        notes.append(
            f"index schema version {version[0] if version else '?'}; word counts "
            + (
                "off (read from the articles)"
                if counts is None
                else "with compound occurrences"
                if counts.occurrences_per_month(["ข้าว"]) is not None
                else "of whole tokens only (occurrences read from the articles)"
            )
        )
        print(f"{size:,} articles indexed", file=sys.stderr)
        everything = SearchQuery()
        year_a = SearchQuery.build("", date_from="2021", date_to="2021")
        year_b = SearchQuery.build("", date_from="2022", date_to="2022")
        first_page = SearchQuery.build("ข้าว", limit=50)
        rows: list[tuple[str, str, float, float, str]] = []

        def record(name: str, target: str, work: Callable[[], Any], detail: Callable[[Any], str]):
            median, worst, result = timed(work, args.repeat)
            rows.append((name, target, median, worst, detail(result)))
            print(
                f"{name}: median {median * 1000:.0f} ms, max {worst * 1000:.0f} ms", file=sys.stderr
            )

        record(
            f"trends, 5 terms by month ({', '.join(TERMS)})",
            "< 1 s",
            lambda: wb.trends(backend, TERMS, everything, "month"),
            lambda points: (
                f"{len(points)} points, {sum(p.occurrences for p in points):,} occurrences"
            ),
        )
        record(
            "trends, 5 terms by year, category ด้านเศรษฐกิจ (counted from stored tokens)",
            "(none)",
            lambda: wb.trends(
                backend, TERMS, SearchQuery.build("", categories=["ด้านเศรษฐกิจ"]), "year"
            ),
            lambda points: f"{sum(p.articles for p in points):,} matching articles",
        )
        record(
            "first concordance page (ข้าว, 50 lines, by date, 5 words context)",
            "< 300 ms",
            lambda: wb.kwic(backend, first_page, context=5, sort="date"),
            lambda page: f"{page.total:,} occurrences in {page.articles:,} articles",
        )
        record(
            "first concordance page sorted by the left context",
            "(none)",
            lambda: wb.kwic(backend, first_page, context=5, sort="left"),
            lambda page: f"{page.total:,} occurrences sorted",
        )
        record(
            "collocations of ข้าว (±5 words, G², min count 5)",
            "< 2 s",
            lambda: wb.collocation_table(
                backend, SearchQuery.build("ข้าว"), window=5, measure="ll", min_count=5
            ),
            lambda r: (
                f"{r.node_occurrences:,} occurrences; top: " + ", ".join(a.word for a in r.rows[:5])
            ),
        )
        record(
            "keyness of 2021 against 2022 (LL, min count 5)",
            "< 5 s",
            lambda: wb.keyness_table(
                *wb.keyness_frequencies(backend, year_a, "query", year_b), min_count=5
            ),
            lambda keys: f"{len(keys):,} words; top: " + ", ".join(k.word for k in keys[:5]),
        )
        record(
            "word list of 2022 (whole year, stopwords out)",
            "(none)",
            lambda: wb.word_list(wb.frequencies(backend, year_b)[0], min_count=1),
            lambda listed: f"{len(listed):,} words",
        )
        backend.close()
    load_after = os.getloadavg()
    command = "python benchmarks/workbench.py " + shlex.join(sys.argv[1:])
    lines = [
        "# Workbench benchmark",
        "",
        f"Command: `{command}`  ",
        f"Articles indexed: {size:,}; runs per operation: {args.repeat} after one warm-up.  ",
        f"Load average (1/5/15 min) before: {load_before[0]:.2f}/{load_before[1]:.2f}/"
        f"{load_before[2]:.2f}, after: {load_after[0]:.2f}/{load_after[1]:.2f}/{load_after[2]:.2f}",
        "",
        "| operation | target | median | slowest | result |",
        "|---|---|---:|---:|---|",
        *(
            f"| {name} | {target} | {median * 1000:,.0f} ms | {worst * 1000:,.0f} ms | {detail} |"
            for name, target, median, worst, detail in rows
        ),
        "",
        *(f"- {note}" for note in notes),
    ]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
