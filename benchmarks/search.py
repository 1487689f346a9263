"""Search benchmark on the real corpus: indexing speed, query latency, known-item MRR@10.

    .venv/bin/python benchmarks/search.py --corpus /tmp/corpus/data [--backend both] [--limit N]

Elasticsearch runs when THAIGOV_ELASTICSEARCH_URL is set (a throw-away index, dropped at the
end). Everything is sampled with a fixed seed, so two runs ask the same queries.

Query sets (200 each by default):
- titles: a random article's full title, as a user would paste it;
- passages: 6-10 consecutive words (segmenter words) from one line of a random body;
- short: 1-3 words drawn from a random title (the latency set: what people type).
A returned hit counts as the known item when it is the sampled article or carries the same
text (same title for titles; the passage verbatim in its body for passages): the corpus has
re-published articles under new ids, and those are correct answers too.
"""

from __future__ import annotations

import argparse
import os
import random
import shlex
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pipelines.core.corpus_format import iter_corpus_records  # noqa: E402
from pipelines.core.settings import ThaigovSettings  # noqa: E402
from pipelines.core.text_cleaning import clean_line, clean_paragraphs  # noqa: E402
from pipelines.core.thai_dates import parse_thai_date  # noqa: E402
from search.backends.base import IndexDoc, SearchBackend  # noqa: E402
from search.backends.embedded import EmbeddedBackend  # noqa: E402
from search.backends.select import open_backend  # noqa: E402
from search.core.query import SearchQuery  # noqa: E402
from search.core.segment import segmenting_pool, tokenize, tokenize_many, tokenize_spans  # noqa: E402
from search.services.documents import documents_from_articles  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "search.md"
SEED = 20240101


@dataclass
class Query:
    text: str
    target: int
    accepts: Callable[[dict[str, Any]], bool]


@dataclass
class Run:
    name: str
    figures: dict[str, str] = field(default_factory=dict)


def load_articles(path: str, limit: int | None) -> list[dict[str, Any]]:
    articles: list[dict[str, Any]] = []
    seen: set[int] = set()
    for record in iter_corpus_records(path):
        if record.article is None or record.article.article_id in seen:
            continue
        a = record.article.as_dict()
        seen.add(a["article_id"])
        a["title"] = clean_line(a.get("title"))
        a["body"] = clean_paragraphs(a.get("body"))
        published = parse_thai_date(a.get("published_date_text")) or parse_thai_date(
            a.get("published_date_numeric_text")
        )
        a["published_date"] = published.isoformat() if published else None
        articles.append(a)
        if limit and len(articles) >= limit:
            break
    return articles


def title_is(title: str) -> Callable[[dict[str, Any]], bool]:
    return lambda hit: hit["title"] == title


def body_has(text: str) -> Callable[[dict[str, Any]], bool]:
    return lambda hit: text in hit["body"]


def sample_queries(
    articles: list[dict[str, Any]], n: int, rng: random.Random
) -> dict[str, list[Query]]:
    titled = [a for a in articles if len(tokenize(a["title"])) >= 2]
    titles = [
        Query(a["title"], a["article_id"], title_is(a["title"]))
        for a in rng.sample(titled, min(n, len(titled)))
    ]
    passages: list[Query] = []
    candidates = [a for a in articles if len(a["body"]) > 400]
    while len(passages) < n and candidates:
        a = rng.choice(candidates)
        lines = [line for line in a["body"].split("\n") if len(line) > 80]
        if not lines:
            continue
        line = rng.choice(lines)
        spans = tokenize_spans(line)
        size = rng.randint(6, 10)
        if len(spans) < size + 2:
            continue
        first = rng.randrange(0, len(spans) - size)
        text = line[spans[first][1] : spans[first + size - 1][2]]
        passages.append(Query(text, a["article_id"], body_has(text)))
    short: list[Query] = []
    for a in rng.sample(titled, min(n, len(titled))):
        words = [w for w in tokenize(a["title"]) if len(w) > 1] or tokenize(a["title"])
        picked = rng.sample(words, min(len(words), rng.randint(1, 3)))
        short.append(Query(" ".join(picked), a["article_id"], lambda h: True))
    return {"titles": titles, "passages": passages, "short": short}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def evaluate(
    search: Callable[[str], list[int]], queries: list[Query], by_id: dict[int, dict[str, Any]]
) -> tuple[float, list[float]]:
    """(MRR@10, latencies in ms)."""
    reciprocal: list[float] = []
    latencies: list[float] = []
    for query in queries:
        started = time.perf_counter()
        hits = search(query.text)
        latencies.append((time.perf_counter() - started) * 1000)
        rank = next(
            (i for i, h in enumerate(hits[:10], 1) if h == query.target or query.accepts(by_id[h])),
            None,
        )
        reciprocal.append(1 / rank if rank else 0.0)
    return statistics.fmean(reciprocal), latencies


def run_backend(
    name: str,
    backend: SearchBackend,
    docs: list[IndexDoc],
    segment_seconds: float,
    queries: dict[str, list[Query]],
    by_id: dict[int, dict[str, Any]],
) -> Run:
    run = Run(name)
    if docs:
        started = time.perf_counter()
        outcome = backend.rebuild(iter(docs))
        index_seconds = time.perf_counter() - started
        run.figures["documents indexed"] = f"{len(outcome.ok):,} ({len(outcome.failed)} failed)"
        run.figures["indexing, docs/s (index only)"] = f"{len(docs) / index_seconds:,.0f}"
        run.figures["indexing, docs/s (with segmentation)"] = (
            f"{len(docs) / (index_seconds + segment_seconds):,.0f}"
        )
    else:  # --embedded-index reused: queries only
        run.figures["documents indexed"] = f"{backend.count():,} (reused index)"

    def search(text: str) -> list[int]:
        return [h.article_id for h in backend.search(SearchQuery.build(text, limit=10)).hits]

    for warm in queries["short"][:20]:
        search(warm.text)
    measure_queries(run, search, queries, by_id)
    return run


def measure_queries(
    run: Run, search: Callable[[str], list[int]], queries: dict[str, list[Query]], by_id: dict
) -> None:
    """Latency of the short queries, MRR@10 and latency of the title and passage sets."""
    _, short_ms = evaluate(search, queries["short"], by_id)
    run.figures["latency p50 / p95, short queries (ms)"] = (
        f"{percentile(short_ms, 50):.1f} / {percentile(short_ms, 95):.1f}"
    )
    for label in ("titles", "passages"):
        mrr, ms = evaluate(search, queries[label], by_id)
        run.figures[f"MRR@10, {label}"] = f"{mrr:.3f}"
        run.figures[f"latency p50 / p95, {label} (ms)"] = (
            f"{percentile(ms, 50):.1f} / {percentile(ms, 95):.1f}"
        )


def thai_analyzer_run(
    url: str, articles: list[dict[str, Any]], queries: dict[str, list[Query]], by_id: dict
) -> Run | None:
    """Elasticsearch's own ``thai`` analyzer on raw text, when the cluster has it."""
    from elasticsearch import ApiError, Elasticsearch, helpers

    client = Elasticsearch(url, request_timeout=120)
    try:
        client.indices.analyze(analyzer="thai", text="ทดสอบ")
    except ApiError:
        return None
    index = f"thaigov-bench-thai-{uuid.uuid4().hex[:8]}"
    run = Run("ES `thai` analyzer")
    text = {"type": "text", "analyzer": "thai"}
    client.indices.create(
        index=index,
        mappings={"properties": {"title": text, "body": text}},
        settings={"number_of_replicas": 0, "refresh_interval": "-1"},
    )
    try:
        started = time.perf_counter()
        helpers.bulk(
            client,
            (
                {"_index": index, "_id": a["article_id"], "title": a["title"], "body": a["body"]}
                for a in articles
            ),
            chunk_size=500,
        )
        client.indices.refresh(index=index)
        seconds = time.perf_counter() - started
        run.figures["documents indexed"] = f"{len(articles):,}"
        run.figures["indexing, docs/s (index only)"] = f"{len(articles) / seconds:,.0f}"

        def search(query_text: str) -> list[int]:
            body = {"multi_match": {"query": query_text, "fields": ["title^4", "body"]}}
            found = client.search(index=index, query=body, size=10, source=False)
            return [int(h["_id"]) for h in found["hits"]["hits"]]

        measure_queries(run, search, queries, by_id)
    finally:
        client.indices.delete(index=index, ignore_unavailable=True)
        client.close()
    return run


def segmentation_speed(articles: list[dict[str, Any]], workers: int) -> list[tuple[str, str]]:
    """One process versus a pool, on the same texts (does the pool pay off?)."""
    texts = [a["body"] for a in articles[:1500]]
    started = time.perf_counter()
    tokenize_many(texts)
    single = len(texts) / (time.perf_counter() - started)
    with segmenting_pool(workers) as pool:
        started = time.perf_counter()
        tokenize_many(texts, pool)
        pooled = len(texts) / (time.perf_counter() - started)
    return [
        ("segmentation, bodies/s, 1 process", f"{single:,.0f}"),
        (f"segmentation, bodies/s, pool of {workers}", f"{pooled:,.0f} ({pooled / single:.2f}x)"),
    ]


def markdown(runs: list[Run], extra: Iterable[tuple[str, str]], notes: list[str]) -> str:
    metrics = list(dict.fromkeys(k for r in runs for k in r.figures))
    lines = [
        "| metric | " + " | ".join(r.name for r in runs) + " |",
        "|---|" + "---|" * len(runs),
    ]
    for metric in metrics:
        lines.append(f"| {metric} | " + " | ".join(r.figures.get(metric, "-") for r in runs) + " |")
    lines += ["", "| segmentation | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in extra]
    if notes:
        lines += [""] + [f"- {n}" for n in notes]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, help="corpus directory or .tar.gz")
    parser.add_argument("--backend", choices=["embedded", "elasticsearch", "both"], default="both")
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument(
        "--embedded-index",
        type=Path,
        help="keep the embedded index at this path; when it exists (built by an earlier run on"
        " the same corpus), query it instead of building one",
    )
    args = parser.parse_args()
    es_url = ThaigovSettings.load().elasticsearch_url
    notes: list[str] = []
    load_start = os.getloadavg()[0]

    articles = load_articles(args.corpus, args.limit)
    by_id = {a["article_id"]: a for a in articles}
    print(f"{len(articles):,} articles loaded", file=sys.stderr)
    queries = sample_queries(articles, args.queries, random.Random(SEED))
    extra = segmentation_speed(articles, args.workers)

    started = time.perf_counter()
    with segmenting_pool(args.workers) as pool:
        docs = documents_from_articles(articles, pool)
    segment_seconds = time.perf_counter() - started
    extra.append(
        ("segmentation, articles/s (titles+bodies, pool)", f"{len(docs) / segment_seconds:,.0f}")
    )
    print(f"segmented in {segment_seconds:.1f}s", file=sys.stderr)

    runs: list[Run] = []
    with_embedded = args.backend in ("embedded", "both")
    with_elastic = args.backend in ("elasticsearch", "both")
    if with_embedded:
        with tempfile.TemporaryDirectory(prefix="thaigov-bench-") as folder:
            path = args.embedded_index or Path(folder) / "search.sqlite3"
            reuse = path.exists()
            backend: SearchBackend = EmbeddedBackend(path)
            try:
                runs.append(
                    run_backend(
                        "embedded (FTS5)",
                        backend,
                        [] if reuse else docs,
                        segment_seconds,
                        queries,
                        by_id,
                    )
                )
                runs[-1].figures["index size (MB)"] = f"{path.stat().st_size / 1e6:,.0f}"
            finally:
                backend.close()
        print("embedded done", file=sys.stderr)
    if with_elastic and not es_url:
        notes.append("Elasticsearch skipped: THAIGOV_ELASTICSEARCH_URL is not set.")
    elif with_elastic and es_url:
        env = {
            "THAIGOV_ELASTICSEARCH_URL": es_url,
            "THAIGOV_ELASTICSEARCH_INDEX": f"thaigov-bench-{uuid.uuid4().hex[:8]}",
        }
        backend = open_backend(ThaigovSettings.from_scrapy(env), create=True)
        try:
            backend.ensure_schema()
            runs.append(
                run_backend("Elasticsearch", backend, docs, segment_seconds, queries, by_id)
            )
        finally:
            getattr(backend, "drop", lambda: None)()
            backend.close()
        print("elasticsearch done", file=sys.stderr)
        thai = thai_analyzer_run(es_url, articles, queries, by_id)
        if thai is None:
            notes.append(
                "ES built-in `thai` analyzer: not available on this cluster (the integ-test "
                "distribution has no analysis-common module), so no comparison."
            )
        else:
            runs.append(thai)

    notes.append(
        f"{len(articles):,} articles; {len(queries['titles'])} title, "
        f"{len(queries['passages'])} passage and {len(queries['short'])} short queries, "
        f"seed {SEED}; limit 10 with snippets; {os.cpu_count()} CPUs shared with other jobs"
        f" (load average {load_start:.1f} at start, {os.getloadavg()[0]:.1f} at the end)."
    )
    table = markdown(runs, extra, notes)
    print(table)
    command = "benchmarks/search.py " + shlex.join(sys.argv[1:])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        f"# Search benchmark\n\nCommand: `{command}`"
        f"{' (THAIGOV_ELASTICSEARCH_URL set)' if es_url and with_elastic else ''}\n\n{table}\n"
    )


if __name__ == "__main__":
    main()
