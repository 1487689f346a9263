"""Embed a seeded corpus sample once and keep its vectors in a file, for repeated evaluation.

    .venv/bin/python benchmarks/semantic_cache.py --corpus …tar.gz --sample 4000 --cache /tmp/x.npz

Embedding is the slow part of the semantic benchmark (about 0.1 s of CPU per article with the
default encoder); the retrieval methods compared by ``semantic_methods.py`` and the final
``semantic.py --vectors-cache`` run all use the same vectors, made here by the same code the
archive uses (``BatchEmbedder.embed``). The file holds corpus text (passages): keep it outside
the repository.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.backends.vectors import EmbeddedArticle
from search.core.encoders import Encoder, UseMultilingualEncoder


def save(path: Path, items: list[EmbeddedArticle], meta: dict[str, float]) -> None:
    np.savez(
        path,
        ids=np.array([a.article_id for a in items], dtype=np.int64),
        counts=np.array([len(a.passages) for a in items], dtype=np.int64),
        vectors=np.concatenate([a.vectors for a in items]).astype(np.float32),
        passages=np.array([p for a in items for p in a.passages], dtype=object),
        meta_keys=np.array(list(meta), dtype=object),
        meta_values=np.array(list(meta.values()), dtype=np.float64),
    )


def load(
    path: Path, articles: list[dict[str, object]]
) -> tuple[list[EmbeddedArticle], dict[str, float]]:
    """The cached embeddings of ``articles`` (the same sample), in their order."""
    from search.services.documents import display_fields
    from search.services.embedding import embedded_article

    # An npz member is read from the file at every ``data[key]``: read each one once.
    data = dict(np.load(path, allow_pickle=True).items())
    rows: dict[int, tuple[int, int]] = {}
    start = 0
    for i, n in zip(data["ids"].tolist(), data["counts"].tolist(), strict=True):
        rows[i] = (start, start + n)
        start += n
    out = []
    for article in articles:
        f = display_fields(article)
        a, b = rows[int(f["article_id"])]
        passages = tuple(str(p) for p in data["passages"][a:b])
        out.append(embedded_article(f, passages, data["vectors"][a:b].copy()))
    meta = dict(zip(data["meta_keys"].tolist(), data["meta_values"].tolist(), strict=True))
    return out, meta


def embed_sample(
    articles: list[dict[str, object]], encoder: Encoder, batch: int = 50
) -> tuple[list[EmbeddedArticle], dict[str, float]]:
    from search.services.embedding import BatchEmbedder

    class _NoStore:  # embed() only encodes; nothing is stored here
        pass

    embedder = BatchEmbedder(encoder, _NoStore(), batch_size=batch)  # type: ignore[arg-type]
    encoder.encode(["warm up"])  # weights load (~3 s) is not throughput
    cpu0, wall0 = time.process_time(), time.perf_counter()
    items: list[EmbeddedArticle] = []
    for start in range(0, len(articles), batch):
        items += embedder.embed(articles[start : start + batch])
        done = len(items)
        rate = done / (time.perf_counter() - wall0)
        print(f"embedded {done}/{len(articles)} ({rate:.1f} articles/s)", flush=True)
    meta = {
        "wall_s": time.perf_counter() - wall0,
        "cpu_s": time.process_time() - cpu0,
        "load1": os.getloadavg()[0],
    }
    return items, meta


def main() -> None:
    from semantic import load_sample, sample_arguments

    parser = argparse.ArgumentParser()
    sample_arguments(parser, 4000)
    parser.add_argument("--cache", required=True)
    args = parser.parse_args()
    articles, _ = load_sample(args.corpus, args.sample, args.seed)
    items, meta = embed_sample(articles, UseMultilingualEncoder())
    save(Path(args.cache), items, meta)
    print(meta)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()
