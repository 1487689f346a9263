"""Thai search evaluation (issue 12): sub-word recall, syllable traps, mixed-script terms.

    .venv/bin/python benchmarks/thai_search_eval.py --corpus ../shared/corpus/...tar.gz

Both backends (Elasticsearch when THAIGOV_ELASTICSEARCH_URL is set) are built from the same
corpus and asked the same queries; each query's full set of matching articles is compared with
a gold set built from the raw text by rules that share nothing with the indexing code (see
benchmarks/README.md, "Thai search evaluation"):

- Query words: the most frequent words of PyThaiNLP's TNC frequency list (a general Thai corpus,
  not this one) that are in PyThaiNLP's word list, have two syllables or more, four characters or
  more and are not stopwords; plus the three words the issue named (ท่องเที่ยว, สาธารณสุข,
  ดิจิทัล). Chosen before any result was looked at; the rule is in ``query_words``.
- Gold for a word: every article whose title or body contains it as a substring whose both ends
  are cluster boundaries (PyThaiNLP's rule-based TCC, no dictionary) AND syllable boundaries
  (PyThaiNLP's syllable tokenizer on the surrounding text). The index uses a word dictionary to
  cut compounds; the gold uses no word dictionary at all.
- Traps: a syllable query with host words it must not be found inside (นา: นายก, นาที; มน:
  รัฐมนตรี; ยา: ยาง; ...). A hit is a trap hit when every occurrence of the syllable in the
  article lies inside one of its hosts. Target: zero.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shlex
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pythainlp.corpus import thai_stopwords, thai_words  # noqa: E402
from pythainlp.corpus.tnc import word_freqs  # noqa: E402
from pythainlp.tokenize import syllable_tokenize  # noqa: E402
from pythainlp.tokenize.tcc import tcc_pos  # noqa: E402

from search.backends.elastic import ElasticsearchBackend  # noqa: E402
from search.backends.embedded import EmbeddedBackend  # noqa: E402
from search.core.query import SearchQuery  # noqa: E402
from search.core.segment import segmenting_pool, tokenize  # noqa: E402
from search.services.documents import documents_from_articles  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results" / "thai_search_eval.md"
N_WORDS = 50
ISSUE_WORDS = ("ท่องเที่ยว", "สาธารณสุข", "ดิจิทัล")
_WINDOW = 40
_THAI = re.compile(r"^[\u0e01-\u0e4e]+$")

#: Syllable -> words it must not be found inside (the issue's three, and more of the same kind).
TRAPS: dict[str, tuple[str, ...]] = {
    "นา": ("นายก", "นาที", "นาย", "นาน"),
    "มน": ("รัฐมนตรี", "มนตรี"),
    "ยา": ("ยาง", "ยาว", "ยาก", "พยาบาล"),
    "ตา": ("ตาก", "ติดตาม", "ตาราง", "ตาม"),
    "ยก": ("นายก",),
    "กร": ("กรม", "กรณี", "กรุง", "เกษตรกร", "องค์กร"),
    "ทร": ("ทรง", "ทราบ", "กระทรวง"),
}

#: Mixed-script and abbreviated terms (issue 12): hits must contain the term as written
#: (case-insensitive, separators optional: PM2.5 = PM 2.5, COVID-19 = COVID 19).
MIXED = ("5G", "PM2.5", "COVID-19", "โควิด-19", "G20", "นายกฯ", "ครม.")


def query_words(n: int = N_WORDS) -> list[str]:
    """The rule (see module docstring), applied to the TNC list in its frequency order."""
    dictionary = set(thai_words())
    stop = set(thai_stopwords())
    ranked = sorted(word_freqs(), key=lambda wf: -wf[1])
    chosen: list[str] = []
    for word, _ in ranked:
        if (
            _THAI.match(word)
            and len(word) >= 4
            and word in dictionary
            and word not in stop
            and len(syllable_tokenize(word, engine="dict", keep_whitespace=False)) >= 2
        ):
            chosen.append(word)
        if len(chosen) >= n:
            break
    return chosen + [w for w in ISSUE_WORDS if w not in chosen]


def _boundaries(text: str) -> tuple[set[int], set[int]]:
    """(TCC boundaries, syllable boundaries) of a text, as offsets."""
    tcc = {0, *tcc_pos(text)}
    syllables = {0}
    pos = 0
    for syllable in syllable_tokenize(text, engine="dict", keep_whitespace=True):
        pos += len(syllable)
        syllables.add(pos)
    return tcc, syllables


def is_word_part_at(text: str, start: int, end: int) -> bool:
    """Both ends of ``text[start:end]`` are TCC and syllable boundaries of the text around it."""
    lo = max(0, start - _WINDOW)
    hi = min(len(text), end + _WINDOW)
    # Cut the window at spaces so it starts and ends on a boundary of the running text.
    space = text.rfind(" ", lo, start)
    lo = space + 1 if space != -1 else lo
    space = text.find(" ", end, hi)
    hi = space if space != -1 else hi
    tcc, syllables = _boundaries(text[lo:hi])
    return all(x - lo in tcc and x - lo in syllables for x in (start, end))


def contains_as_part(text: str, word: str) -> bool:
    start = text.find(word)
    while start != -1:
        if is_word_part_at(text, start, start + len(word)):
            return True
        start = text.find(word, start + 1)
    return False


def _gold_for(args: tuple[list[str], list[tuple[int, str]]]) -> dict[str, set[int]]:
    words, texts = args
    gold: dict[str, set[int]] = {w: set() for w in words}
    for article_id, text in texts:
        for word in words:
            if word in text and contains_as_part(text, word):
                gold[word].add(article_id)
    return gold


def gold_sets(
    words: list[str], articles: list[dict[str, Any]], workers: int
) -> dict[str, set[int]]:
    texts = [(a["article_id"], f"{a['title']}\n{a['body']}") for a in articles]
    chunks = [texts[i : i + 500] for i in range(0, len(texts), 500)]
    gold: dict[str, set[int]] = {w: set() for w in words}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for part in pool.map(_gold_for, [(words, c) for c in chunks]):
            for word, ids in part.items():
                gold[word] |= ids
    return gold


def trap_hits(syllable: str, hosts: Iterable[str], text: str) -> bool:
    """Every occurrence of ``syllable`` lies inside an occurrence of a host word."""
    covered: set[int] = set()
    for host in hosts:
        offset = host.find(syllable)
        while offset != -1:
            start = text.find(host)
            while start != -1:
                covered.add(start + offset)
                start = text.find(host, start + 1)
            offset = host.find(syllable, offset + 1)
    found = [m.start() for m in re.finditer(re.escape(syllable), text)]
    return bool(found) and all(p in covered for p in found)


def mixed_ok(term: str, text: str) -> bool:
    """The text holds the term as written, separators optional (independent of the segmenter)."""
    pieces = [re.escape(p) for p in re.findall(r"[A-Za-z]+|\d+|[\u0e01-\u0e4e]+", term)]
    pattern = r"[\s\-.]?".join(pieces)
    return re.search(rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9])", text, re.IGNORECASE) is not None


def load_articles(corpus: str, limit: int | None) -> list[dict[str, Any]]:
    """The corpus as benchmarks/search.py reads it (cleaned text, parsed dates)."""
    # benchmarks/search.py shares its module name with the ``search`` package: load it by path.
    spec = importlib.util.spec_from_file_location(
        "search_benchmark", Path(__file__).with_name("search.py")
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    loaded: list[dict[str, Any]] = module.load_articles(corpus, limit)
    return loaded


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", required=True, help="corpus directory or .tar.gz")
    parser.add_argument("--limit", type=int, default=None, help="first N articles only")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_start = os.getloadavg()[0]

    articles = load_articles(args.corpus, args.limit)
    by_id = {a["article_id"]: a for a in articles}
    print(f"{len(articles):,} articles", file=sys.stderr)
    words = query_words()
    started = time.perf_counter()
    gold = gold_sets(words, articles, args.workers)
    gold_seconds = time.perf_counter() - started
    print(f"gold sets in {gold_seconds:.0f}s", file=sys.stderr)
    with segmenting_pool(args.workers) as pool:
        docs = documents_from_articles(articles, pool)

    backends: list[tuple[str, Any]] = []
    folder = tempfile.TemporaryDirectory(prefix="thaigov-thai-eval-")
    embedded = EmbeddedBackend(Path(folder.name) / "search.sqlite3")
    embedded.rebuild(iter(docs))
    backends.append(("embedded", embedded))
    es_url = os.environ.get("THAIGOV_ELASTICSEARCH_URL")
    elastic: ElasticsearchBackend | None = None
    if es_url:
        elastic = ElasticsearchBackend(es_url, index=f"thaigov-eval-{uuid.uuid4().hex[:8]}")
        elastic.ensure_schema()
        elastic.rebuild(iter(docs))
        backends.append(("Elasticsearch", elastic))
    try:
        lines = evaluate(words, gold, backends, by_id)
    finally:
        if elastic is not None:
            elastic.drop()
            elastic.close()
        embedded.close()
        folder.cleanup()
    notes = [
        f"{len(articles):,} articles; {len(words)} sub-word queries; gold sets built in"
        f" {gold_seconds:.0f} s; load average {load_start:.1f} at start,"
        f" {os.getloadavg()[0]:.1f} at the end ({os.cpu_count()} CPUs shared with other jobs).",
    ]
    text = "\n".join(lines + [""] + [f"- {n}" for n in notes])
    print(text)
    command = "benchmarks/thai_search_eval.py " + shlex.join(sys.argv[1:])
    args.out.write_text(
        f"# Thai search evaluation (issue 12)\n\nCommand: `{command}`"
        f"{' (THAIGOV_ELASTICSEARCH_URL set)' if es_url else ''}\n\n{text}\n"
    )


def evaluate(
    words: list[str],
    gold: dict[str, set[int]],
    backends: list[tuple[str, Any]],
    by_id: dict[int, dict[str, Any]],
) -> list[str]:
    names = [name for name, _ in backends]
    lines = ["## Sub-word queries: recall against the gold set", ""]
    lines.append(
        "| word | gold | whole tokens only (before) hits | recall | "
        + " | ".join(f"{n} hits | {n} recall" for n in names)
        + " |"
    )
    lines.append("|---|---|---|---|" + "---|---|" * len(names))
    baseline: list[float] = []
    recalls: dict[str, list[float]] = {n: [] for n in names}
    precisions: dict[str, list[float]] = {n: [] for n in names}
    identical = 0
    for word in words:
        found = [backend.matching_ids(SearchQuery.build(word)) for _, backend in backends]
        identical += all(f == found[0] for f in found)
        before = backends[0][1].matching_ids(SearchQuery.build(word), parts=False)
        baseline.append(len(before & gold[word]) / len(gold[word]) if gold[word] else 1.0)
        cells = [f"{len(before):,} | {baseline[-1]:.3f}"]
        for (name, _), ids in zip(backends, found, strict=True):
            recall = len(ids & gold[word]) / len(gold[word]) if gold[word] else 1.0
            precision = len(ids & gold[word]) / len(ids) if ids else 1.0
            recalls[name].append(recall)
            precisions[name].append(precision)
            cells.append(f"{len(ids):,} | {recall:.3f}")
        lines.append(f"| {word} | {len(gold[word]):,} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "| summary | whole tokens only (before) | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    lines.append(
        f"| mean recall | {statistics.fmean(baseline):.3f} | "
        + " | ".join(f"{statistics.fmean(recalls[n]):.3f}" for n in names)
        + " |"
    )
    lines.append(
        f"| worst recall | {min(baseline):.3f} | "
        + " | ".join(f"{min(recalls[n]):.3f}" for n in names)
        + " |"
    )
    lines.append(
        "| mean precision vs gold | - | "
        + " | ".join(f"{statistics.fmean(precisions[n]):.3f}" for n in names)
        + " |"
    )
    lines.append(
        f"| queries with identical hit sets in all backends | | {identical}/{len(words)} |"
    )

    lines += ["", "## Syllable traps: hits found only inside host words (target 0)", ""]
    lines.append(
        "| syllable | hosts | "
        + " | ".join(f"{n} hits | {n} trap hits (through parts / segmenter)" for n in names)
        + " |"
    )
    lines.append("|---|---|" + "---|---|" * len(names))
    for syllable, hosts in TRAPS.items():
        cells = []
        for _, backend in backends:
            ids = backend.matching_ids(SearchQuery.build(syllable))
            texts = [f"{by_id[i]['title']}\n{by_id[i]['body']}" for i in ids]
            bad = [t for t in texts if trap_hits(syllable, hosts, t)]
            # A trap hit the segmenter made (the syllable is a token of the running text) is not
            # one decompounding made; only the latter is this issue's doing.
            segmenter = sum(syllable in tokenize(t) for t in bad)
            cells.append(f"{len(ids):,} | {len(bad)} ({len(bad) - segmenter} / {segmenter})")
        lines.append(f"| {syllable} | {', '.join(hosts)} | " + " | ".join(cells) + " |")

    lines += ["", "## Mixed-script and abbreviated terms: hits holding the term as written", ""]
    lines.append("| term | " + " | ".join(f"{n} hits | {n} precision" for n in names) + " |")
    lines.append("|---|" + "---|---|" * len(names))
    for term in MIXED:
        cells = []
        for _, backend in backends:
            ids = backend.matching_ids(SearchQuery.build(term))
            good = sum(mixed_ok(term, f"{by_id[i]['title']}\n{by_id[i]['body']}") for i in ids)
            cells.append(f"{len(ids):,} | {good / len(ids) if ids else 1.0:.3f}")
        lines.append(f"| {term} | " + " | ".join(cells) + " |")
    return lines


if __name__ == "__main__":
    main()
