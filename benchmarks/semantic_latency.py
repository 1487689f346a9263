"""Semantic and hybrid query latency at the whole slice's size, with where the time goes.

    .venv/bin/python benchmarks/semantic_latency.py --archive sqlite:///…/thaigov.sqlite3 \\
        --index …/search.sqlite3 [--vectors …/search.vectors.sqlite3] [--rounds 3]

``--index`` is an embedded FTS5 index of the same archive (``thaigov reindex --all --no-embed``).
The vector store is built beside it when missing: every archived article split into its real
passages (``search.core.passages``) with the archive's dates, categories and languages, but
with random unit vectors instead of encoded ones (encoding the whole slice takes over an hour of
CPU here; the search's cost depends on the matrix's shape, not on its values). The questions
are the gold set's English and Thai topic questions, encoded by the real default encoder.

Every query goes through ``Searcher.search`` (what the CLI, the API and the page call), with the
question-vector cache cleared, so each time includes encoding the question. The breakdown then
times the same steps one by one: encoding, exact vector search (top 100 within the filters),
the keyword half of hybrid (top 100), rank fusion, near-duplicate marks, snippets of a page.
Writes results/semantic_latency.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.archive.store import ArchiveStore
from search.backends.embedded import EmbeddedBackend
from search.backends.vectors import EmbeddedArticle
from search.backends.vectors_embedded import EmbeddedVectorStore, vectors_path
from search.core.encoders import UseMultilingualEncoder
from search.core.fusion import reciprocal_rank_fusion
from search.core.query import SearchQuery
from search.services.documents import display_fields
from search.services.embedding import article_passages, embedded_article, stored_passages
from search.services.semantic import DEPTH, Searcher, passage_snippet

HERE = Path(__file__).resolve().parent


def build_store(archive_url: str, path: Path, dim: int) -> tuple[int, int, float]:
    """Real passages and metadata, random unit vectors; (articles, passages, seconds)."""
    import numpy as np  # imported after ``search``, which sets numpy's BLAS threads first

    rng = np.random.default_rng(15)
    store = EmbeddedVectorStore(path)
    store.ensure_schema(UseMultilingualEncoder.name, dim)
    started = time.perf_counter()
    articles = passages = 0
    batch: list[EmbeddedArticle] = []
    with ArchiveStore(archive_url) as archive:
        for article in archive.iter_articles(batch_size=1000):
            f = display_fields(article)
            split = article_passages(f)
            vectors = rng.standard_normal((len(split), dim), dtype=np.float32)
            vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
            batch.append(embedded_article(f, stored_passages(f, split), vectors))
            articles += 1
            passages += len(split)
            if len(batch) >= 1000:
                assert not store.upsert(batch).failed
                batch = []
                print(f"  {articles} articles, {passages} passages", flush=True)
    assert not store.upsert(batch).failed
    store.close()
    return articles, passages, time.perf_counter() - started


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


CPU: dict[str, list[float]] = {}


def timed(call: Callable[[], Any], name: str | None = None) -> tuple[Any, float]:
    """``call()`` and its wall-clock ms; its CPU ms (this thread) go to ``CPU[name]``."""
    cpu = time.thread_time()
    started = time.perf_counter()
    out = call()
    wall = (time.perf_counter() - started) * 1000
    if name is not None:
        CPU.setdefault(name, []).append((time.thread_time() - cpu) * 1000)
    return out, wall


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", required=True)
    parser.add_argument("--index", required=True)
    parser.add_argument("--vectors", default=None)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default=str(HERE / "results" / "semantic_latency.md"))
    args = parser.parse_args()

    encoder = UseMultilingualEncoder()
    _, load_ms = timed(encoder.load)
    backend = EmbeddedBackend(Path(args.index))
    vpath = Path(args.vectors) if args.vectors else vectors_path(backend.path)
    built = ""
    if not vpath.exists():
        print(f"building {vpath} (random vectors, real passages)")
        n_articles, n_passages, seconds = build_store(args.archive, vpath, encoder.dim)
        built = f"built in {seconds:.0f} s"
    store = EmbeddedVectorStore(vpath)
    searcher = Searcher(backend, store, encoder)
    _, first_ms = timed(lambda: store.nearest(encoder.encode(["x"])[0], None, 10))
    m = store._loaded()
    assert m is not None
    n_articles, n_passages = len(m.ids), len(m.vectors)

    gold = json.loads((HERE / "semantic_gold.json").read_text())["topics"]
    questions = [t[lang] for t in gold for lang in ("en", "th")]
    # Filters too: half the questions again restricted to Thai articles of 2022.
    queries = [SearchQuery.build(text, limit=20) for text in questions]
    queries += [
        SearchQuery.build(text, limit=20, lang="th", date_from="2022", date_to="2022")
        for text in questions[::2]
    ]
    totals: dict[str, list[float]] = {"semantic": [], "hybrid": []}
    parts: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for base in queries:
            for mode in ("semantic", "hybrid"):
                q = replace(base, mode=mode)
                searcher._recent.clear()
                _, ms = timed(lambda q=q: searcher.search(q), mode)  # type: ignore[misc]
                totals[mode].append(ms)
            # The steps of one hybrid query, one by one.
            q = replace(base, mode="hybrid")
            step = "encode the question"
            vector, ms = timed(lambda q=q: encoder.encode([q.text])[0], step)  # type: ignore[misc]
            parts.setdefault(step, []).append(ms)
            step = "vector search, top 100 (exact)"
            near, ms = timed(lambda: store.nearest(vector, q, DEPTH), step)  # noqa: B023
            parts.setdefault(step, []).append(ms)
            deep = replace(q, limit=DEPTH, offset=0, sort="relevance")
            step = "keyword half of hybrid, top 100"
            words, ms = timed(
                lambda: [h.article_id for h in backend.search(deep).hits],  # noqa: B023
                step,
            )
            parts.setdefault(step, []).append(ms)
            step = "rank fusion"
            _, ms = timed(
                lambda: reciprocal_rank_fusion([words, [h.article_id for h in near]]),  # noqa: B023
                step,
            )
            parts.setdefault(step, []).append(ms)
            ids = [h.article_id for h in near][: q.limit]
            step = "near-duplicate marks, one page"
            _, ms = timed(lambda: searcher._duplicate_groups(ids), step)  # noqa: B023
            parts.setdefault(step, []).append(ms)
            tokens = q.parsed.highlight_tokens
            step = "snippets, one page"
            _, ms = timed(
                lambda: [passage_snippet(h.passage, tokens) for h in near[: q.limit]],  # noqa: B023
                step,
            )
            parts.setdefault(step, []).append(ms)

    load1 = os.getloadavg()[0]
    cmd = "python benchmarks/semantic_latency.py " + shlex.join(sys.argv[1:])
    rows = [
        "# Semantic and hybrid query latency at full size\n",
        f"Command: `{cmd}`  \nDate: {time.strftime('%Y-%m-%d %H:%M')}, load average "
        f"{load1:.1f} on 2 cores (shared with other jobs).\n",
        f"Vector store: {n_articles} articles, {n_passages} passages × {encoder.dim} float32 "
        f"({m.vectors.nbytes / 1e6:.0f} MB matrix, {vpath.stat().st_size / 1e6:.0f} MB file"
        f"{', ' + built if built else ''}); random unit vectors, real passages and metadata. "
        f"Keyword index: {backend.count()} articles. Encoder weights load: {load_ms:.0f} ms; "
        f"first vector search (loads the matrix): {first_ms:.0f} ms.\n",
        f"{len(queries)} queries ({len(questions)} gold-set questions, English and Thai, plus "
        f"{len(queries) - len(questions)} of them filtered to Thai articles of 2022), "
        f"{args.rounds} rounds, page of 20; question-vector cache cleared before each.\n",
        "## Through `Searcher.search` (what the CLI, API and page call)\n",
        "| mode | p50 ms | p95 ms | max ms | CPU p50 ms | CPU p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode, values in totals.items():
        rows.append(
            f"| {mode} | {statistics.median(values):.1f} | {p95(values):.1f} |"
            f" {max(values):.1f} | {statistics.median(CPU[mode]):.1f} | {p95(CPU[mode]):.1f} |"
        )
    rows += [
        "\nWall-clock times include waiting for a core (other jobs ran); CPU times are this"
        " thread's own work.\n",
        "## Where a hybrid query's time goes (each step timed alone)\n",
    ]
    rows += ["| step | p50 ms | p95 ms | CPU p50 ms | CPU p95 ms |", "|---|---:|---:|---:|---:|"]
    for name, values in parts.items():
        rows.append(
            f"| {name} | {statistics.median(values):.2f} | {p95(values):.2f} |"
            f" {statistics.median(CPU[name]):.2f} | {p95(CPU[name]):.2f} |"
        )
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    searcher.close()
    backend.close()


if __name__ == "__main__":
    main()
