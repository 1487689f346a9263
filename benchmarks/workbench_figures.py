"""Write the workbench's figures on an index as JSON, to compare two code versions or two ways
of counting: the numbers must not change when only the speed should.

    PYTHONPATH=. .venv/bin/python benchmarks/workbench_figures.py INDEX OUT.json [--scan]

Trends of 8 queries by month and, for 2021, by quarter; concordance pages by date of 4 queries
at offsets 0, 50 and 5,000 and within whole months. ``--scan`` reads every figure from the
stored articles (``USE_WORD_COUNTS = False``) instead of the index's word counts. Opens the
index read-only; only the service's public functions are used, so an older checkout of the
code (``PYTHONPATH`` pointing at it) runs this file as well.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# Not this folder (its search.py would shadow the package); this checkout after PYTHONPATH, so
# another checkout's code named there comes first.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE] + [str(ROOT)]

from search.backends.embedded import EmbeddedBackend  # noqa: E402
from search.core.query import SearchQuery  # noqa: E402
from search.services import workbench as wb  # noqa: E402

TREND_QUERIES = [
    "ข้าว",
    "ยางพารา",
    "ท่องเที่ยว",
    "โควิด",
    "ประมง",
    "รัฐมนตรี OR มนตรี",
    "น้ำ",
    "กีฬา OR ท่องเที่ยว",
]
KWIC_QUERIES = ["ข้าว", "ท่องเที่ยว", "รัฐมนตรี OR มนตรี", "น้ำ"]


def figures(backend: EmbeddedBackend) -> dict[str, object]:
    result: dict[str, object] = {
        "trends": [p.as_dict() for p in wb.trends(backend, TREND_QUERIES, SearchQuery(), "month")],
        "trends_2021": [
            p.as_dict()
            for p in wb.trends(
                backend,
                TREND_QUERIES[:3],
                SearchQuery.build("", date_from="2021", date_to="2021"),
                "quarter",
            )
        ],
    }
    for text in KWIC_QUERIES:
        queries = {
            str(offset): SearchQuery.build(text, limit=50, offset=offset)
            for offset in (0, 50, 5000)
        }
        queries["2022-03..05"] = SearchQuery.build(
            text, limit=50, date_from="2022-03", date_to="2022-05"
        )
        for name, q in queries.items():
            page = wb.kwic(backend, q, context=5, sort="date")
            result[f"kwic {text} {name}"] = [
                page.total,
                page.articles,
                [line.as_dict() for line in page.lines],
            ]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--scan", action="store_true", help="read the articles, not the counts")
    args = parser.parse_args()
    if args.scan:
        wb.USE_WORD_COUNTS = False
    backend = EmbeddedBackend(args.index, create=False)
    text = json.dumps(figures(backend), ensure_ascii=False, sort_keys=True, indent=0)
    backend.close()
    args.out.write_text(text, encoding="utf-8")
    print(f"{args.out}: md5 {hashlib.md5(text.encode()).hexdigest()}")


if __name__ == "__main__":
    main()
