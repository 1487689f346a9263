"""Elasticsearch on the shared corpus: indexing docs/s, query latency, known-item quality.

    .venv/bin/python benchmarks/search_elastic.py [--limit 40522] [--queries 200]

Needs a node (``scripts/elasticsearch.sh start``; ``--url`` or THAIGOV_TEST_ELASTICSEARCH_URL).
Builds a throwaway alias ``thaigov-bench-<random>`` and drops it afterwards. Measures, side by
side in one run:
- segmentation (PyThaiNLP, shared with the embedded backend) and Elasticsearch bulk indexing
  (segmented text and parts + ``rebuild``) separately, in docs/s;
- ``search()`` latency p50/p95 (snippets included) over title and passage queries, and the
  same queries without snippets (snippets of hits with 150-240k-character bodies are what
  costs the p95);
- MRR@10 for known-item search: full titles, and 6-10 word passages of bodies (sampled with a
  fixed seed; as typed words and as a quoted phrase), where the right answer is the article the
  query was taken from;
- agreement of the index analyzer with the shared segmentation on sampled bodies;
- the same MRR with Elasticsearch's built-in ``thai`` analyzer on raw text, when the cluster
  has it (the integ-test distribution does not: then the row says so).
Results: a Markdown table on stdout and in benchmarks/results/search_elastic.md.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from elasticsearch import ApiError, helpers  # noqa: E402

from pipelines.core.corpus_format import iter_corpus_records  # noqa: E402
from pipelines.core.thai_dates import normalise_article_dates  # noqa: E402
from search.backends.base import IndexDoc  # noqa: E402
from search.backends.elastic import (  # noqa: E402
    ElasticsearchBackend,
    build_query,
    build_sort,
    index_body,
)
from search.core.query import SearchQuery  # noqa: E402
from search.core.segment import segmenting_pool, tokenize_spans  # noqa: E402
from search.services.documents import documents_from_articles  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "thaigov-v2-corpus-2020-2023.tar.gz"
RESULTS = REPO / "benchmarks" / "results" / "search_elastic.md"
SEED = 20240101
CHUNK = 2000


@dataclass
class QuerySet:
    name: str
    queries: list[tuple[str, int]]  # (user text, article id it was taken from)


def load_articles(corpus: Path, limit: int) -> list[dict[str, Any]]:
    articles: dict[int, dict[str, Any]] = {}
    for record in iter_corpus_records(corpus):
        if record.article is None:
            continue
        fields = record.article.as_dict()
        article = {**fields, **normalise_article_dates(fields)}
        articles.setdefault(int(article["article_id"]), article)
        if len(articles) >= limit:
            break
    return list(articles.values())


def segment(articles: list[dict[str, Any]], workers: int) -> list[IndexDoc]:
    docs: list[IndexDoc] = []
    with segmenting_pool(workers) as pool:
        for i in range(0, len(articles), CHUNK):
            docs += documents_from_articles(articles[i : i + CHUNK], pool)
    return docs


def query_sets(docs: list[IndexDoc], n: int) -> list[QuerySet]:
    rng = random.Random(SEED)
    titled = [d for d in docs if d.title_segmented]
    titles = [(d.title, d.article_id) for d in rng.sample(titled, min(n, len(titled)))]
    passages: list[tuple[str, int]] = []
    candidates = [d for d in docs if len(d.body_segmented.split()) >= 40]
    for doc in rng.sample(candidates, min(len(candidates), n * 2)):
        spans = tokenize_spans(doc.body)
        if len(spans) < 40:
            continue
        words = rng.randint(6, 10)
        start = rng.randrange(0, len(spans) - words)
        text = doc.body[spans[start][1] : spans[start + words - 1][2]]
        if "\n" in text:
            continue
        passages.append((text, doc.article_id))
        if len(passages) == n:
            break
    quoted = [(f'"{text}"', article_id) for text, article_id in passages]
    return [
        QuerySet("titles", titles),
        QuerySet("passages (6-10 words)", passages),
        QuerySet('passages as "phrase"', quoted),
    ]


def mrr_at_10(ranked: Callable[[str], list[int]], qs: QuerySet) -> tuple[float, list[float]]:
    total = 0.0
    latencies: list[float] = []
    for text, expected in qs.queries:
        started = time.perf_counter()
        ids = ranked(text)
        latencies.append((time.perf_counter() - started) * 1000)
        if expected in ids[:10]:
            total += 1 / (ids.index(expected) + 1)
    return total / max(1, len(qs.queries)), latencies


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def analyzer_agreement(es: ElasticsearchBackend, docs: list[IndexDoc], n: int) -> float:
    index = es.current_indices()[0]
    fits = [d for d in docs if len(d.body_segmented.split()) < 9000]  # _analyze caps at 10k
    sample = random.Random(SEED + 1).sample(fits, min(n, len(fits)))
    same = 0
    for doc in sample:
        tokens = es.client.indices.analyze(index=index, field="body", text=index_body(doc)["body"])[
            "tokens"
        ]
        same += [t["token"] for t in tokens] == doc.body_segmented.split()
    return same / max(1, len(sample))


def thai_analyzer_mrr(
    es: ElasticsearchBackend, docs: list[IndexDoc], sets: list[QuerySet]
) -> list[float] | None:
    """MRR@10 with the built-in ``thai`` analyzer on raw text, or None when it is absent."""
    try:
        es.client.indices.analyze(analyzer="thai", text="ภาษาไทย")
    except ApiError:
        return None
    name = f"{es.alias}-thai"
    es.client.indices.create(
        index=name,
        settings={"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "-1"},
        mappings={
            "properties": {
                "title": {"type": "text", "analyzer": "thai"},
                "body": {"type": "text", "analyzer": "thai"},
            }
        },
    )
    try:
        helpers.bulk(
            es.client,
            (
                {"_index": name, "_id": str(d.article_id), "title": d.title, "body": d.body}
                for d in docs
            ),
            chunk_size=500,
        )
        es.client.indices.refresh(index=name)

        def ranked(text: str) -> list[int]:
            query = {
                "bool": {
                    "should": [
                        {"match": {"title": {"query": text, "operator": "and", "boost": 4}}},
                        {"match": {"body": {"query": text, "operator": "and"}}},
                    ],
                    "minimum_should_match": 1,
                }
            }
            hits = es.client.search(index=name, query=query, size=10, source=False)
            return [int(h["_id"]) for h in hits["hits"]["hits"]]

        return [mrr_at_10(ranked, qs)[0] for qs in sets]
    finally:
        es.client.indices.delete(index=name, ignore_unavailable=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--limit", type=int, default=40522, help="articles to index")
    parser.add_argument("--queries", type=int, default=200, help="queries per query set")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--url", default=os.environ.get("THAIGOV_TEST_ELASTICSEARCH_URL", "http://127.0.0.1:9200")
    )
    args = parser.parse_args(argv)
    if not args.corpus.exists():
        print(f"no corpus at {args.corpus}", file=sys.stderr)
        return 2

    started = time.perf_counter()
    articles = load_articles(args.corpus, args.limit)
    load_s = time.perf_counter() - started
    started = time.perf_counter()
    docs = segment(articles, args.workers)
    segment_s = time.perf_counter() - started
    del articles

    es = ElasticsearchBackend(
        args.url, index=f"thaigov-bench-{uuid.uuid4().hex[:8]}", refresh=False
    )
    try:
        started = time.perf_counter()
        outcome = es.rebuild(iter_docs(docs))
        index_s = time.perf_counter() - started
        sets = query_sets(docs, args.queries)

        def ranked(text: str) -> list[int]:
            return [h.article_id for h in es.search(SearchQuery.build(text, limit=10)).hits]

        for text, _ in sets[0].queries[:20]:  # warm caches before timing
            ranked(text)
        quality = [mrr_at_10(ranked, qs) for qs in sets]

        def ranked_without_highlights(text: str) -> list[int]:
            q = SearchQuery.build(text, limit=10)
            body = es.client.search(
                index=es.alias,
                query=build_query(q),
                sort=build_sort(q),
                size=10,
                track_total_hits=True,
                source=False,
            )
            return [int(h["_id"]) for h in body["hits"]["hits"]]

        bare = [ms for qs in sets for ms in mrr_at_10(ranked_without_highlights, qs)[1]]
        agreement = analyzer_agreement(es, docs, 200)
        thai = thai_analyzer_mrr(es, docs, sets)
    finally:
        es.drop()
        es.close()

    latencies = [ms for _, lat in quality for ms in lat]
    n = len(docs)
    rows = [
        ("articles indexed (failed)", f"{len(outcome.ok):,} ({len(outcome.failed)})"),
        ("corpus read + date parsing", f"{load_s:.1f} s"),
        (
            f"segmentation, {args.workers} processes (shared with embedded)",
            f"{n / segment_s:,.0f} docs/s",
        ),
        ("Elasticsearch indexing (word marks + bulk + refresh)", f"{n / index_s:,.0f} docs/s"),
        ("end to end (segmentation + indexing)", f"{n / (segment_s + index_s):,.0f} docs/s"),
        (
            f"search() latency, {len(latencies)} queries, p50 / p95",
            f"{statistics.median(latencies):.1f} / {percentile(latencies, 95):.1f} ms",
        ),
    ]
    rows.append(
        (
            "  same queries without highlights (raw request), p50 / p95",
            f"{statistics.median(bare):.1f} / {percentile(bare, 95):.1f} ms",
        )
    )
    for qs, (mrr, lat) in zip(sets, quality, strict=True):
        rows.append((f"MRR@10 {qs.name} ({len(qs.queries)} queries)", f"{mrr:.3f}"))
        rows.append(
            (
                f"  latency p50 / p95, {qs.name}",
                f"{statistics.median(lat):.1f} / {percentile(lat, 95):.1f} ms",
            )
        )
    rows.append(("index analyzer = shared segmentation (200 sampled bodies)", f"{agreement:.1%}"))
    if thai is None:
        rows.append(
            ("built-in `thai` analyzer", "absent in this distribution (no analysis-common)")
        )
    else:
        for qs, mrr in zip(sets, thai, strict=True):
            rows.append((f"MRR@10 {qs.name}, built-in `thai` analyzer", f"{mrr:.3f}"))
    command = "$ .venv/bin/python benchmarks/search_elastic.py " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    table = ["| measure | Elasticsearch 9.2.0 (single node, 512 MB heap) |", "|---|---|"]
    table += [f"| {name} | {value} |" for name, value in rows]
    report = "\n".join(
        [
            "# Elasticsearch search benchmark",
            "",
            "```",
            command.rstrip(),
            "```",
            "",
            f"Machine: {os.cpu_count()} cores; corpus: {args.corpus.name}.",
            "",
            *table,
            "",
        ]
    )
    print(report)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(report, encoding="utf-8")
    return 0


def iter_docs(docs: list[IndexDoc]) -> Iterator[IndexDoc]:
    yield from docs


if __name__ == "__main__":
    raise SystemExit(main())
