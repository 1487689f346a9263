"""Embedding throughput and memory of the default encoder, on archived articles.

    .venv/bin/python benchmarks/semantic_embed.py --archive sqlite:///…/thaigov.sqlite3 \\
        [--sample 2000] [--seed 15] [--batch 64]

A seeded random sample of the archive's articles goes through ``BatchEmbedder`` (the code a
crawl and ``thaigov reindex`` run: passages, encoding, writing the vector store) into a fresh
embedded vector store. Measures wall-clock and CPU time, peak resident memory, passages and the
store's size, and extrapolates them linearly to the whole archive. Writes
results/semantic_embed.md.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shlex
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.archive.store import ArchiveStore
from search.backends.vectors_embedded import EmbeddedVectorStore
from search.core.encoders import UseMultilingualEncoder
from search.services.embedding import BatchEmbedder

HERE = Path(__file__).resolve().parent


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--archive", required=True)
    parser.add_argument("--sample", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--out", default=str(HERE / "results" / "semantic_embed.md"))
    args = parser.parse_args()

    rss_start = peak_rss_mb()
    with ArchiveStore(args.archive) as archive:
        every = sorted(archive.content_hashes())
        chosen = sorted(random.Random(args.seed).sample(every, min(args.sample, len(every))))
        articles = list(archive.iter_articles(ids=chosen))
    rss_articles = peak_rss_mb()
    encoder = UseMultilingualEncoder()
    load_started = time.perf_counter()
    encoder.load()
    load_s = time.perf_counter() - load_started
    rss_loaded = peak_rss_mb()

    path = Path(tempfile.mkdtemp(prefix="semantic-embed-")) / "search.vectors.sqlite3"
    store = EmbeddedVectorStore(path)
    done = 0

    def progress(n: int) -> None:
        nonlocal done
        done += n
        if done % (args.batch * 5) < n:
            rate = done / (time.perf_counter() - started)
            print(f"embedded {done}/{len(articles)} ({rate:.1f} articles/s)", flush=True)

    embedder = BatchEmbedder(encoder, store, batch_size=args.batch, progress=progress)
    cpu = time.process_time()
    started = time.perf_counter()
    embedder.add_many(articles)
    embedder.flush()
    wall = time.perf_counter() - started
    cpu_s = time.process_time() - cpu
    rss_end = peak_rss_mb()
    counters = embedder.counters
    size_mb = path.stat().st_size / 1e6
    load1 = os.getloadavg()[0]
    total = len(every)
    n = counters.embedded
    scale = total / n
    cmd = "python benchmarks/semantic_embed.py " + shlex.join(sys.argv[1:])
    rows = [
        "# Embedding throughput (default encoder, `use-multilingual-v3`, 1 BLAS thread)\n",
        f"Command: `{cmd}`  \nDate: {time.strftime('%Y-%m-%d %H:%M')}, load average "
        f"{load1:.1f} at the end, on 2 cores shared with other jobs.\n",
        f"Sample: {len(articles)} of the archive's {total} articles (seed {args.seed}), through "
        f"`BatchEmbedder` (batches of {args.batch}) into a fresh embedded vector store.\n",
        "| measure | sample | whole archive (extrapolated linearly) |",
        "|---|---:|---:|",
        f"| articles embedded (failed) | {n} ({counters.failed}) | {total} |",
        f"| passages | {counters.passages} ({counters.passages / n:.2f} per article) |"
        f" {counters.passages * scale:,.0f} |",
        f"| wall-clock | {wall:.0f} s ({n / wall:.1f} articles/s) |"
        f" {wall * scale / 3600:.2f} h at this load |",
        f"| CPU (all threads) | {cpu_s:.0f} s ({cpu_s / n * 1000:.0f} ms per article,"
        f" {cpu_s / counters.passages * 1000:.1f} ms per passage) |"
        f" {cpu_s * scale / 3600:.2f} CPU h |",
        f"| of which encoding (wall) | {counters.encode_seconds:.0f} s | |",
        f"| vector store file | {size_mb:.1f} MB | {size_mb * scale:.0f} MB |",
        f"| peak RSS | {rss_end:.0f} MB (articles loaded {rss_articles:.0f} MB, weights"
        f" loaded {rss_loaded:.0f} MB, start {rss_start:.0f} MB) | does not grow with the"
        f" archive: batches of {args.batch} |",
        f"\nLoading the weights took {load_s:.1f} s (once per process, only when something is"
        " to be embedded).",
    ]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text("\n".join(rows) + "\n")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
