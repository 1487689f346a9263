"""Semantic evaluation over the whole 2020-2023 slice, through the search service.

    .venv/bin/python benchmarks/semantic_whole.py --corpus …tar.gz --index DATA/search.sqlite3 \
        [--out results/semantic_whole.md]
    .venv/bin/python benchmarks/semantic_whole.py --corpus …tar.gz \
        --elasticsearch URL --elasticsearch-index NAME --out results/semantic_whole_es.md

The index and its vector store are the ones a user has after ``thaigov import-corpus`` and
``thaigov reindex`` (every article embedded; nothing sampled). Each topic of the three gold
files is asked in English and in Thai in keyword, semantic and hybrid mode through
``Searcher.search`` (what the CLI, API and page call), with the service's refinements off
(``PLAIN``), with the vector refinements only, and with the defaults (term feedback too).
Relevance: the gold set's terms in the title or the first 300 characters of the body (see the
files), read from the corpus itself. Set 3 was written before any method was scored on it
and chose nothing: it is the held-out figure. Writes results/semantic_whole.md.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from semantic import evaluate, gold_topics, load_sample, p95  # noqa: E402

from pipelines.core.settings import ThaigovSettings  # noqa: E402
from search.backends.base import SearchBackend  # noqa: E402
from search.backends.embedded import EmbeddedBackend  # noqa: E402
from search.backends.select import open_backend  # noqa: E402
from search.core.encoders import DEFAULT_ENCODER  # noqa: E402
from search.core.feedback import DEFAULT_REFINEMENT, PLAIN, Refinement  # noqa: E402
from search.core.query import SearchQuery  # noqa: E402
from search.services.semantic import Searcher  # noqa: E402

SETTINGS: dict[str, Refinement] = {
    "plain": PLAIN,
    "vector refinements": replace(DEFAULT_REFINEMENT, term_articles=0),
    "defaults (+ term feedback)": DEFAULT_REFINEMENT,
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--index", help="an embedded index with its vectors")
    parser.add_argument("--elasticsearch", help="or: a cluster holding the index and vectors")
    parser.add_argument("--elasticsearch-index", default="thaigov", help="its index name")
    parser.add_argument("--out", default=str(HERE / "results" / "semantic_whole.md"))
    args = parser.parse_args()

    articles, _ = load_sample(args.corpus, 10**9, 0)  # every article, for relevance
    backend: SearchBackend
    if args.elasticsearch:
        backend = open_backend(
            ThaigovSettings.load(
                elasticsearch_url=args.elasticsearch, elasticsearch_index=args.elasticsearch_index
            ),
            create=False,
        )
    elif args.index:
        backend = EmbeddedBackend(args.index, create=False)
    else:
        parser.error("--index or --elasticsearch")
    searcher = Searcher.open(backend, DEFAULT_ENCODER)
    assert searcher.vectors is not None and searcher.semantic_ready(), "index not embedded"
    indexed, vectors = backend.count(), searcher.vectors.count()
    topics = gold_topics(articles)

    scores: dict[tuple[str, str, str], dict[str, tuple[float, float]]] = {}
    latency: dict[tuple[str, str], list[float]] = {}
    gold = {t["id"]: t["rel"] for t in topics}
    searcher.search(SearchQuery.build("warm up", mode="hybrid"))  # weights and matrix load
    for label, refine in SETTINGS.items():
        per_mode, times = evaluate(replace(searcher, refine=refine), topics, gold)
        for (lang, mode), per_topic in per_mode.items():
            if mode != "keyword" or label == "plain":  # the refinements leave keyword alone
                scores[(label, lang, mode)] = per_topic
        for mode, values in times.items():
            if mode != "keyword" or label == "plain":
                latency[(label, mode)] = values
        print(f"scored {label}", flush=True)
    with_defaults = replace(searcher, refine=DEFAULT_REFINEMENT)
    expansions = {
        t["id"]: with_defaults.search(
            SearchQuery.build(t["en"], mode="semantic", limit=10)
        ).expanded_terms
        for t in topics
    }

    groups = {
        "set 1": [t for t in topics if t["set"] == "1"],
        "set 2": [t for t in topics if t["set"] == "2"],
        "**set 3 (held out)**": [t for t in topics if t["set"] == "3"],
        "all": topics,
    }
    load = os.getloadavg()[0]
    rows = [
        "# Semantic search over the whole slice\n",
        f"Command: `python benchmarks/semantic_whole.py {shlex.join(sys.argv[1:])}`  ",
        f"Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, load average "
        f"{load:.1f} at the end on 2 cores.\n",
        f"Backend: {backend.name}. Index: {indexed} articles, {vectors} embedded "
        f"({DEFAULT_ENCODER}); {len(topics)} topics "
        f"in three gold sets (15 + 31 + 34), each asked in English and in Thai. Relevant "
        f"articles per topic: median "
        f"{statistics.median(len(t['rel']) for t in topics):.0f}, fewest "
        f"{min(len(t['rel']) for t in topics)}.\n",
        "## P@10 / nDCG@10 per gold set\n",
        "| question | mode | settings | " + " | ".join(groups) + " |",
        "|---|---|---|" + "---:|" * len(groups),
    ]
    for lang in ("en", "th"):
        for mode in ("keyword", "semantic", "hybrid"):
            for label in SETTINGS:
                if (label, lang, mode) not in scores:
                    continue
                per = scores[(label, lang, mode)]
                cells = []
                for g in groups.values():
                    p = statistics.mean(per[t["id"]][0] for t in g)
                    n = statistics.mean(per[t["id"]][1] for t in g)
                    cells.append(f"{p:.3f} / {n:.3f}")
                shown = "n/a" if mode == "keyword" else label
                rows.append(f"| {lang} | {mode} | {shown} | " + " | ".join(cells) + " |")
    rows.append("")
    rows.append("## Query latency through `Searcher.search` (ms, page of 10, question encoded)\n")
    rows.append("| settings | mode | p50 | p95 |")
    rows.append("|---|---|---:|---:|")
    for (label, mode), values in latency.items():
        rows.append(f"| {label} | {mode} | {statistics.median(values):.1f} | {p95(values):.1f} |")
    rows.append("")
    rows.append("## Per topic, P@10 with the defaults: English semantic, Thai hybrid\n")
    rows.append("| set | topic | relevant | en semantic | th hybrid | feedback words (English) |")
    rows.append("|---|---|---:|---:|---:|---|")
    best = "defaults (+ term feedback)"
    for t in topics:
        en = scores[(best, "en", "semantic")][t["id"]][0]
        th = scores[(best, "th", "hybrid")][t["id"]][0]
        words = ", ".join(expansions[t["id"]])
        rows.append(f"| {t['set']} | {t['id']} | {len(t['rel'])} | {en:.1f} | {th:.1f} | {words} |")
    Path(args.out).write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
