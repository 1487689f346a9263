"""Semantic search benchmark: embedding throughput, topic P@10/nDCG@10, latency, index size.

    .venv/bin/python benchmarks/semantic.py --corpus …tar.gz --sample 1000 [--elasticsearch URL]
        [--vectors-cache FILE]   # vectors of the same sample from benchmarks/semantic_cache.py

A seeded random sample of corpus articles is indexed (embedded FTS5 backend, and Elasticsearch
when a URL is given) and embedded once with the default encoder (the same vectors go to both
vector stores). Each topic of ``semantic_gold.json`` is asked as an English and as a Thai
question in keyword, semantic and hybrid mode; relevance is judged on title and lead by the gold
set's terms alone (see the file). The three gold files are asked (``semantic_gold.json``, the
first 15 topics; ``semantic_gold_2.json``, 31 written later; ``semantic_gold_3.json``, 34 written
before any method was scored on them, the held-out set) and reported apart, each with the plain
vector ranking and with the service's default refinements (``search.core.feedback``).
Known-item MRR@10 of full titles in keyword mode checks that keyword search through the new
search service is unchanged. Writes results/semantic.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shlex
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.core.corpus_format import iter_corpus_records
from pipelines.core.text_cleaning import clean_line, clean_paragraphs
from pipelines.core.thai_dates import parse_thai_date
from search.backends.base import SearchBackend
from search.backends.embedded import EmbeddedBackend
from search.backends.vectors_embedded import EmbeddedVectorStore, vectors_path
from search.core.encoders import UseMultilingualEncoder
from search.core.feedback import DEFAULT_REFINEMENT, PLAIN
from search.core.query import MODES, SearchQuery
from search.services.documents import documents_from_articles
from search.services.embedding import BatchEmbedder
from search.services.semantic import Searcher

HERE = Path(__file__).resolve().parent


def load_sample(path: str, n: int, seed: int) -> tuple[list[dict[str, Any]], int]:
    everything = []
    seen: set[int] = set()
    for record in iter_corpus_records(path):
        if record.article is None or record.article.article_id in seen:
            continue
        seen.add(record.article.article_id)
        everything.append(record.article)
    rng = random.Random(seed)
    chosen = rng.sample(everything, min(n, len(everything)))
    out = []
    for article in chosen:
        a = article.as_dict()
        a["title"] = clean_line(a.get("title"))
        a["body"] = clean_paragraphs(a.get("body"))
        published = parse_thai_date(a.get("published_date_text")) or parse_thai_date(
            a.get("published_date_numeric_text")
        )
        a["published_date"] = published.isoformat() if published else None
        a["content_hash"] = f"bench-{a['article_id']}"
        out.append(a)
    return out, len(everything)


def relevant_ids(articles: list[dict[str, Any]], terms: list[str], lead: int) -> set[int]:
    return {
        a["article_id"]
        for a in articles
        if any(t in a["title"] or t in a["body"][:lead] for t in terms)
    }


#: The gold sets: set 3 was written before any method was scored on it and chose nothing.
GOLD_FILES = (
    ("1", "semantic_gold.json"),
    ("2", "semantic_gold_2.json"),
    ("3", "semantic_gold_3.json"),
)


def gold_topics(articles: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every topic of the gold files, in file order, with its ``set``, its ``position`` in
    its file, and ``rel``: the ids of ``articles`` relevant to it."""
    topics: list[dict[str, Any]] = []
    for set_name, file in GOLD_FILES:
        gold_file = json.loads((HERE / file).read_text())
        for n, t in enumerate(gold_file["topics"]):
            rel = relevant_ids(articles, t["terms"], gold_file["lead_chars"])
            topics.append({**t, "set": set_name, "position": n, "rel": rel})
    return topics


def sample_arguments(parser: argparse.ArgumentParser, sample: int) -> None:
    """The corpus and the seeded sample every semantic benchmark reads."""
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--sample", type=int, default=sample)
    parser.add_argument("--seed", type=int, default=15)


def p_at_10(ranked: list[int], relevant: set[int]) -> float:
    return sum(1 for i in ranked[:10] if i in relevant) / 10


def ndcg_at_10(ranked: list[int], relevant: set[int]) -> float:
    dcg = sum(1 / math.log2(r + 2) for r, i in enumerate(ranked[:10]) if i in relevant)
    ideal = sum(1 / math.log2(r + 2) for r in range(min(10, len(relevant))))
    return dcg / ideal if ideal else 0.0


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


Scores = dict[tuple[str, str], dict[str, tuple[float, float]]]


def evaluate(
    searcher: Searcher,
    topics: list[dict[str, Any]],
    gold: dict[str, set[int]],
    rankings: dict[str, list[int]] | None = None,
) -> tuple[Scores, dict[str, list[float]]]:
    """Per (question language, mode): topic id -> (P@10, nDCG@10); and latencies per mode.
    The searcher's question cache is cleared before each question, so every latency
    includes encoding it. ``rankings`` (when given) gets each question's ranked ids, keyed
    ``topic/lang/mode``, to compare two runs exactly."""
    scores: Scores = {}
    latency: dict[str, list[float]] = {}
    for topic in topics:
        for lang in ("en", "th"):
            for mode in ("keyword", "semantic", "hybrid"):
                q = SearchQuery.build(topic[lang], mode=mode, limit=10)
                searcher._recent.clear()
                started = time.perf_counter()
                hits = searcher.search(q).hits
                latency.setdefault(mode, []).append((time.perf_counter() - started) * 1000)
                ranked = [h.article_id for h in hits]
                if rankings is not None:
                    rankings[f"{topic['id']}/{lang}/{mode}"] = ranked
                rel = gold[topic["id"]]
                scores.setdefault((lang, mode), {})[topic["id"]] = (
                    p_at_10(ranked, rel),
                    ndcg_at_10(ranked, rel),
                )
    return scores, latency


def means(per_topic: dict[str, tuple[float, float]], topics: list[str]) -> tuple[float, float]:
    return (
        statistics.mean(per_topic[t][0] for t in topics),
        statistics.mean(per_topic[t][1] for t in topics),
    )


def full_size_search_latency(
    store: EmbeddedVectorStore, articles: int, passages_per_article: float, dim: int
) -> tuple[float, float, float]:
    """p50/p95 ms of the embedded store's exact search (no encoding) over a matrix the size
    of the whole slice made of random unit vectors (synthetic: the real vectors of every
    article were not computed in this run), and the matrix's MB."""
    import numpy as np

    from search.backends.vectors_embedded import _Matrix

    rng = np.random.default_rng(0)
    per = max(1, round(passages_per_article))
    total = articles * per
    vectors = rng.standard_normal((total, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    real = store._loaded()
    assert real is not None
    store._matrix = _Matrix(
        key=real.key,
        vectors=vectors,
        starts=np.arange(0, total, per, dtype=np.intp),
        ids=np.arange(1, articles + 1, dtype=np.int64),
        dates=np.array(["2022-01-01"] * articles, dtype=np.str_),
        categories=np.array(["x"] * articles, dtype=object),
        langs=np.array(["th"] * articles, dtype=object),
    )
    original_hits = store._hits
    store._hits = lambda chosen: []  # type: ignore[method-assign]  # ids are not in the file
    times = []
    for i in range(40):
        q = vectors[int(rng.integers(total))]
        started = time.perf_counter()
        store.nearest(q, SearchQuery.build("x", lang="th" if i % 2 else None), 100)
        times.append((time.perf_counter() - started) * 1000)
    store._hits = original_hits  # type: ignore[method-assign]
    store._matrix = None
    return statistics.median(times), p95(times), vectors.nbytes / 1e6


def known_item_mrr(searcher: Searcher, articles: list[dict[str, Any]], n: int) -> float:
    rng = random.Random(7)
    total = 0.0
    titled = [a for a in articles if a["title"]]
    sample = rng.sample(titled, min(n, len(titled)))
    for a in sample:
        hits = searcher.search(SearchQuery.build(a["title"], limit=10)).hits
        titles = [h.title for h in hits]
        rank = next((r for r, t in enumerate(titles, 1) if t == a["title"]), None)
        total += 1 / rank if rank else 0.0
    return total / len(sample)


def fill(backend: SearchBackend, docs: list[Any]) -> None:
    backend.ensure_schema()
    for start in range(0, len(docs), 500):
        outcome = backend.index_batch(docs[start : start + 500])
        assert not outcome.failed, outcome.failed


def main() -> None:
    parser = argparse.ArgumentParser()
    sample_arguments(parser, 1000)
    parser.add_argument("--elasticsearch", default=os.environ.get("THAIGOV_TEST_ELASTICSEARCH_URL"))
    parser.add_argument("--out", default=str(HERE / "results" / "semantic.md"))
    parser.add_argument("--vectors-cache", help="reuse the vectors of semantic_cache.py")
    parser.add_argument(
        "--rankings", help="write every question's ranked ids per searcher (JSON) to this file"
    )
    args = parser.parse_args()
    load_started = time.perf_counter()
    articles, corpus_size = load_sample(args.corpus, args.sample, args.seed)
    print(f"loaded {len(articles)} of {corpus_size} in {time.perf_counter() - load_started:.0f}s")
    topics = gold_topics(articles)
    gold: dict[str, set[int]] = {t["id"]: t["rel"] for t in topics}

    tmp = Path(tempfile.mkdtemp(prefix="semantic-bench-"))
    backend = EmbeddedBackend(tmp / "search.sqlite3")
    docs = documents_from_articles(articles)
    fill(backend, docs)
    store = EmbeddedVectorStore(vectors_path(backend.path))
    encoder = UseMultilingualEncoder()
    encoder.encode(["warm up"])  # weights load (~3 s) is not throughput
    embedder = BatchEmbedder(encoder, store, batch_size=50)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu_before = time.process_time()
    started = time.perf_counter()
    embedded = []
    cached = None
    if args.vectors_cache:
        from semantic_cache import load

        embedded, cached = load(Path(args.vectors_cache), articles)
        store.ensure_schema(encoder.name, encoder.dim)
        store.upsert(embedded)
    for start in range(0, len(articles), 50) if cached is None else ():
        items = embedder.embed(articles[start : start + 50])
        store.ensure_schema(encoder.name, encoder.dim)
        store.upsert(items)
        embedded += items
        done = start + len(items)
        rate = done / (time.perf_counter() - started)
        print(f"embedded {done}/{len(articles)} ({rate:.1f} articles/s)", flush=True)
    embed_seconds = time.perf_counter() - started
    embed_cpu = time.process_time() - cpu_before
    if cached is not None:  # the throughput of the run that made the cache
        embed_seconds, embed_cpu = cached["wall_s"], cached["cpu_s"]
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    passages = sum(len(e.passages) for e in embedded)
    load1 = os.getloadavg()[0]

    rows: list[str] = []
    refinements = {"plain": PLAIN, "refined": DEFAULT_REFINEMENT}
    searchers: dict[str, Searcher] = {
        f"embedded {r}": Searcher(backend, store, encoder, refine=how)
        for r, how in refinements.items()
    }
    es_backend = None
    if args.elasticsearch:
        from search.backends.elastic import ElasticsearchBackend
        from search.backends.vectors_elastic import ElasticVectorStore

        alias = f"semantic-bench-{uuid.uuid4().hex[:8]}"
        es_backend = ElasticsearchBackend(args.elasticsearch, index=alias)
        fill(es_backend, docs)
        es_backend.client.indices.refresh(index=alias)
        es_store = ElasticVectorStore(es_backend.client, f"{alias}_vectors")
        es_store.ensure_schema(encoder.name, encoder.dim)
        for start in range(0, len(embedded), 200):
            es_store.upsert(embedded[start : start + 200])
        es_store.refresh()
        for r, how in refinements.items():
            searchers[f"elasticsearch {r}"] = Searcher(es_backend, es_store, encoder, refine=how)

    results: dict[str, Any] = {}
    rankings: dict[str, dict[str, list[int]]] = {}
    for name, searcher in searchers.items():
        searcher.search(SearchQuery.build("warm up", mode="hybrid"))
        results[name] = evaluate(searcher, topics, gold, rankings.setdefault(name, {}))
        print(f"evaluated {name}", flush=True)
        if name.endswith("plain"):  # keyword mode does not depend on the refinements
            results[name.split()[0] + "-mrr"] = known_item_mrr(searcher, articles, 100)
    encode_ms = []
    for topic in topics:
        for lang in ("en", "th"):
            started = time.perf_counter()
            encoder.encode([topic[lang]])
            encode_ms.append((time.perf_counter() - started) * 1000)
    full_p50, full_p95, full_mb = full_size_search_latency(
        store, corpus_size, passages / len(articles), encoder.dim
    )

    # Size and memory of the embedded vector store.
    size_mb = vectors_path(backend.path).stat().st_size / 1e6
    matrix_mb = passages * encoder.dim * 4 / 1e6

    cmd = "python benchmarks/semantic.py " + shlex.join(sys.argv[1:])
    rows.append("# Semantic search benchmark\n")
    rows.append(
        f"Command: `{cmd}`  \nDate: {time.strftime('%Y-%m-%d %H:%M')}, load average "
        f"{load1:.1f} on 2 cores (shared with other jobs).\n"
    )
    rows.append(
        f"Sample: {len(articles)} articles drawn at random (seed {args.seed}) from "
        f"{corpus_size} corpus articles.\n"
    )
    rows.append("## Embedding throughput (default encoder, 1 BLAS thread)\n")
    if cached is not None:
        rows.append(
            f"Vectors from `{Path(args.vectors_cache).name}` (benchmarks/semantic_cache.py, same "
            f"sample, same BatchEmbedder.embed); throughput of that run, at load average "
            f"{cached['load1']:.1f}.\n"
        )
    rows.append(
        "| articles | passages | wall s | articles/s | passages/s | CPU s | RSS growth MB |"
    )
    rows.append("|---:|---:|---:|---:|---:|---:|---:|")
    rows.append(
        f"| {len(articles)} | {passages} | {embed_seconds:.0f} | "
        f"{len(articles) / embed_seconds:.2f} | {passages / embed_seconds:.1f} | "
        f"{embed_cpu:.0f} | "
        + ("n/a (cached)" if cached else f"{(rss_after - rss_before) / 1024:.0f}")
        + " |"
    )
    per_article_cpu = embed_cpu / len(articles)
    rows.append(
        f"\nExtrapolated to the whole slice ({corpus_size} articles, "
        f"{passages / len(articles):.2f} passages each): "
        f"{corpus_size * per_article_cpu / 3600:.1f} CPU hours on one core "
        f"({per_article_cpu * 1000:.0f} ms CPU per article); vector file "
        f"{size_mb / len(articles) * corpus_size:.0f} MB, in-memory matrix "
        f"{matrix_mb / len(articles) * corpus_size:.0f} MB.\n"
    )
    rows.append(f"Vector file for the sample: {size_mb:.1f} MB ({matrix_mb:.1f} MB of vectors).\n")
    share = {t["id"]: len(gold[t["id"]]) / len(articles) for t in topics}
    every = [t["id"] for t in topics]
    sections = []
    for set_name, label in (
        ("1", "gold set 1 (15 topics)"),
        ("2", "gold set 2 (31 topics)"),
        ("3", "gold set 3 (34 topics, held out: chose nothing)"),
    ):
        ids = [t["id"] for t in topics if t["set"] == set_name]
        common = [t for t in ids if len(gold[t]) >= 10]
        sections += [
            (f"{label}, topics with at least 10 relevant articles (P@10 can reach 1)", common),
            (f"{label}, every topic (P@10 of a topic with k < 10 relevant is at most k/10)", ids),
        ]
    for title, chosen in sections:
        if not chosen:
            continue
        rows.append(f"## Topic questions, {title}: mean P@10 / nDCG@10\n")
        rows.append(
            f"{len(chosen)} topics; relevant articles per topic "
            f"{min(share[t] for t in chosen):.1%}–{max(share[t] for t in chosen):.1%} of the "
            f"sample (median {statistics.median(share[t] for t in chosen):.1%}).\n"
        )
        rows.append(
            "| backend | question | keyword P@10 | semantic P@10 | hybrid P@10 | "
            "keyword nDCG | semantic nDCG | hybrid nDCG |"
        )
        rows.append("|---|---|---:|---:|---:|---:|---:|---:|")
        for name in searchers:
            scores, _ = results[name]
            for lang in ("en", "th"):
                m = [means(scores[(lang, mode)], chosen) for mode in MODES]
                cells = [x[0] for x in m] + [x[1] for x in m]
                rows.append(f"| {name} | {lang} | " + " | ".join(f"{x:.3f}" for x in cells) + " |")
        rows.append("")
    rows.append("## Query latency (ms, includes encoding the question)\n")
    rows.append("| backend | mode | p50 | p95 |")
    rows.append("|---|---|---:|---:|")
    for name in searchers:
        _, latency = results[name]
        if name.endswith("plain"):
            latency = {m: v for m, v in latency.items() if m != "keyword"}
        for mode, values in latency.items():
            rows.append(
                f"| {name} | {mode} | {statistics.median(values):.1f} | {p95(values):.1f} |"
            )
    rows.append(
        f"\nOf which encoding the question alone: p50 {statistics.median(encode_ms):.1f}, "
        f"p95 {p95(encode_ms):.1f} ms. Exact vector search alone (embedded store, no "
        f"encoding, top 100 articles, half the queries with a language filter) over a "
        f"synthetic matrix the size of the whole slice ({corpus_size} articles × "
        f"{max(1, round(passages / len(articles)))} passages of random unit vectors, "
        f"{full_mb:.0f} MB): p50 {full_p50:.1f}, p95 {full_p95:.1f} ms."
    )
    rows.append("\n## Known-item MRR@10, full titles, keyword mode through the search service\n")
    for name in sorted({n.split()[0] for n in searchers}):
        rows.append(f"- {name}: {results[name + '-mrr']:.3f} (100 titles)")
    rows.append("\n## Per topic: relevant articles in the sample, P@10 (embedded)\n")
    plain, refined = results["embedded plain"][0], results["embedded refined"][0]
    rows.append(
        "| set | topic | relevant | en semantic plain | en semantic | en hybrid | th keyword "
        "| th semantic | th hybrid |"
    )
    rows.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    sets = {t["id"]: t["set"] for t in topics}
    for t in every:
        cells = [plain[("en", "semantic")][t][0]] + [
            refined[(lang, mode)][t][0]
            for lang, mode in (
                ("en", "semantic"),
                ("en", "hybrid"),
                ("th", "keyword"),
                ("th", "semantic"),
                ("th", "hybrid"),
            )
        ]
        rows.append(
            f"| {sets[t]} | {t} | {len(gold[t])} | " + " | ".join(f"{c:.1f}" for c in cells) + " |"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(rows) + "\n")
    if args.rankings:
        Path(args.rankings).write_text(json.dumps(rankings, indent=0, sort_keys=True))
    print("\n".join(rows))
    if es_backend is not None:
        es_backend.drop()
        es_store.clear()
        es_backend.close()


if __name__ == "__main__":
    main()
