"""Compare general retrieval methods for the semantic modes on cached sample embeddings.

    .venv/bin/python benchmarks/semantic_methods.py --corpus …tar.gz --sample 4000 \
        --cache /tmp/s4000.npz [--out results/semantic_methods.md]

Every method here is topic-independent and is applied exactly as ``search.services.semantic``
would apply it (candidates: the ``DEPTH`` articles whose best passage is nearest; then
re-ranking, feedback, fusion), but in plain numpy over the cached vectors, so a grid of
settings costs seconds. Parameters are chosen on the TUNING half of the topics only (topics
at even positions of each gold file) and reported on the HELD-OUT half (odd positions) too,
so the held-out figure is not fitted. The keyword rankings for hybrid come from the embedded
FTS5 backend over the same sample.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from semantic import (  # noqa: E402
    fill,
    gold_topics,
    load_sample,
    ndcg_at_10,
    p_at_10,
    sample_arguments,
)
from semantic_cache import load  # noqa: E402

from search.backends.embedded import EmbeddedBackend  # noqa: E402
from search.core import feedback  # noqa: E402
from search.core.encoders import UseMultilingualEncoder, normalised  # noqa: E402
from search.core.feedback import Refinement  # noqa: E402
from search.core.query import SearchQuery  # noqa: E402
from search.services.documents import documents_from_articles  # noqa: E402
from search.services.semantic import Searcher  # noqa: E402

DEPTH = 100


@dataclass(frozen=True)
class Method:
    lead_weight: float = 0.0  # 0: the article's best passage (the store's own ranking)
    prf_k: int = 0  # 0: no feedback
    prf_beta: float = 0.0
    prefix: str = ""  # generic text before the question, averaged with the plain question
    hybrid_keyword_weight: float = 1.0
    #: "mean": the candidates re-ranked by the mean cosine of their passages instead (the whole
    #: article rather than its best part); measured one at a time, not in the grid.
    aggregate: str = "max"

    def label(self) -> str:
        parts = [f"lead {self.lead_weight:g}"]
        if self.aggregate != "max":
            parts.insert(0, f"{self.aggregate} of passages")
        parts.append(f"prf k={self.prf_k} b={self.prf_beta:g}" if self.prf_k else "no prf")
        parts.append(f"prefix {self.prefix!r}" if self.prefix else "no prefix")
        return ", ".join(parts)


class Corpus:
    """Passage matrix grouped by article, as the embedded store holds it."""

    def __init__(self, vectors: np.ndarray, counts: np.ndarray, ids: np.ndarray) -> None:
        self.vectors = vectors
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.intp)
        self.ends = np.cumsum(counts).astype(np.intp)
        self.ids = ids

    def best(self, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        scores = self.vectors @ q
        return np.maximum.reduceat(scores, self.starts), scores

    def passages(self, i: int) -> np.ndarray:
        return self.vectors[self.starts[i] : self.ends[i]]


def semantic_ranking(corpus: Corpus, qv: np.ndarray, m: Method) -> list[int]:
    """Article positions, best first (at most DEPTH), as the service ranks them."""

    def retrieve(vector: np.ndarray) -> list[int]:
        best, _ = corpus.best(vector)
        top = np.argpartition(-best, DEPTH - 1)[:DEPTH]
        cand = sorted(top.tolist(), key=lambda i: (-float(best[i]), -int(corpus.ids[i])))
        if m.aggregate == "mean":
            means = [float((corpus.passages(i) @ vector).mean()) for i in cand]
            return [cand[j] for j in sorted(range(len(cand)), key=lambda j: (-means[j], j))]
        if m.lead_weight == 0.0:
            return cand
        scored = feedback.rerank(
            vector, [corpus.passages(i) for i in cand], lead_weight=m.lead_weight
        )
        return [cand[j] for j in scored]

    ranked = retrieve(qv)
    if m.prf_k:
        expanded = feedback.rocchio(
            qv, [corpus.passages(i) for i in ranked[: m.prf_k]], beta=m.prf_beta
        )
        ranked = retrieve(expanded)
    return ranked


def fuse(keyword: list[int], semantic: list[int], w: float) -> list[int]:
    return [i for i, _ in feedback.weighted_rrf([keyword, semantic], [w, 1.0])]


TERM_GRID = [
    {"articles": k, "count": m, "min_articles": mind, "max_share": share, "weight": w}
    for k, m, mind, share, w in itertools.product(
        (5, 10, 20), (1, 2, 3, 5), (2, 3), (0.05, 0.2), (0.5, 1.0, 2.0)
    )
]


def term_section(
    rows: list[str],
    topics: list[dict[str, Any]],
    backend: EmbeddedBackend,
    corpus: Corpus,
    position: dict[int, int],
    keyword: dict[tuple[str, str], list[int]],
    question: Any,
    best: Method,
    w_best: Method,
) -> None:
    """Term feedback (``search.core.feedback``) exactly as ``Searcher._ranked`` applies it:
    chosen on sets 1 and 2 (all 46 topics; mean of English semantic and Thai hybrid P@10),
    then scored once on set 3."""
    sem = {
        (t["id"], lang): semantic_ranking(corpus, question(t["id"], lang, ""), best)
        for t in topics
        for lang in ("en", "th")
    }
    words = Searcher(backend)  # the service's own word choice; no vectors needed for it
    searched: dict[tuple[str, ...], list[int]] = {}

    def terms_for(ranked: list[int], cfg: dict[str, Any]) -> tuple[str, ...]:
        refine = Refinement(
            term_articles=cfg["articles"],
            term_count=cfg["count"],
            term_min_articles=cfg["min_articles"],
            term_max_share=cfg["max_share"],
        )
        return words.expansion_words([int(corpus.ids[i]) for i in ranked], refine)

    def ranking(t: dict[str, Any], lang: str, mode: str, cfg: dict[str, Any] | None) -> list[int]:
        rankings: list[list[int]] = []
        weights: list[float] = []
        if mode == "hybrid":
            rankings.append(keyword[(t["id"], lang)])
            weights.append(w_best.hybrid_keyword_weight)
        terms = terms_for(sem[(t["id"], lang)], cfg) if cfg else ()
        if terms:
            if terms not in searched:
                hits = backend.search(SearchQuery.build(" OR ".join(terms), limit=DEPTH)).hits
                searched[terms] = [position[h.article_id] for h in hits]
            rankings.append(searched[terms])
            weights.append(cfg["weight"] if cfg else 0.0)
        if not rankings:
            return sem[(t["id"], lang)]
        return [
            i for i, _ in feedback.weighted_rrf([*rankings, sem[(t["id"], lang)]], [*weights, 1.0])
        ]

    def p10(group: list[dict[str, Any]], lang: str, mode: str, cfg: dict[str, Any] | None) -> float:
        return statistics.mean(p_at_10(ranking(t, lang, mode, cfg), t["rel"]) for t in group)

    def nd10(
        group: list[dict[str, Any]], lang: str, mode: str, cfg: dict[str, Any] | None
    ) -> float:
        return statistics.mean(ndcg_at_10(ranking(t, lang, mode, cfg), t["rel"]) for t in group)

    sets12 = [t for t in topics if t["set"] != "3"]
    final = [t for t in topics if t["set"] == "3"]

    def criterion(cfg: dict[str, Any]) -> float:
        return (p10(sets12, "en", "semantic", cfg) + p10(sets12, "th", "hybrid", cfg)) / 2

    ordered = sorted(TERM_GRID, key=criterion, reverse=True)
    chosen = ordered[0]

    def label(cfg: dict[str, Any] | None) -> str:
        if cfg is None:
            return "no term feedback"
        return (
            f"top {cfg['articles']}, {cfg['count']} terms, in ≥ {cfg['min_articles']}, "
            f"≤ {cfg['max_share']:g} of index, weight {cfg['weight']:g}"
        )

    rows.append("## Term feedback (search.core.feedback), on top of the chosen vector method\n")
    rows.append(
        "Grid of top articles read 5/10/20, terms 1/2/3/5, articles a term must open 2/3, "
        "largest index share 0.05/0.2, fusion weight 0.5/1/2. Chosen on sets 1 and 2 (all "
        f"{len(sets12)} topics) by the mean of English semantic and Thai hybrid P@10; set 3 "
        f"({len(final)} topics) was scored only for the rows below, after the choice.\n"
    )
    rows.append("| term feedback | sets 1+2: en semantic / th hybrid P@10 |")
    rows.append("|---|---:|")
    for cfg in ordered[:8]:
        en, th = p10(sets12, "en", "semantic", cfg), p10(sets12, "th", "hybrid", cfg)
        rows.append(f"| {label(cfg)} | {en:.3f} / {th:.3f} |")
    rows.append("")
    rows.append(f"Chosen: **{label(chosen)}**.\n")
    rows.append(
        "P@10 / nDCG@10; `≥10` = topics with at least 10 relevant articles in the sample.\n"
    )
    groups = {
        "sets 1+2": sets12,
        "set 3 (final)": final,
        "set 3 ≥10": [t for t in final if len(t["rel"]) >= 10],
        "all ≥10": [t for t in topics if len(t["rel"]) >= 10],
    }
    rows.append("| question | mode | term feedback | " + " | ".join(groups) + " |")
    rows.append("|---|---|---|" + "---:|" * len(groups))
    for lang in ("en", "th"):
        for mode in ("semantic", "hybrid"):
            options: tuple[dict[str, Any] | None, ...] = (None, chosen)
            for option in options:
                cells = [
                    f"{p10(g, lang, mode, option):.3f} / {nd10(g, lang, mode, option):.3f}"
                    for g in groups.values()
                ]
                rows.append(f"| {lang} | {mode} | {label(option)} | " + " | ".join(cells) + " |")
        cells = [
            f"{statistics.mean(p_at_10(keyword[(t['id'], lang)], t['rel']) for t in g):.3f} / "
            f"{statistics.mean(ndcg_at_10(keyword[(t['id'], lang)], t['rel']) for t in g):.3f}"
            for g in groups.values()
        ]
        rows.append(f"| {lang} | keyword | n/a | " + " | ".join(cells) + " |")
    rows.append("")


def main() -> None:
    parser = argparse.ArgumentParser()
    sample_arguments(parser, 4000)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--out", default=str(HERE / "results" / "semantic_methods.md"))
    parser.add_argument(
        "--other-vectors",
        help="npz of another encoder over the same passages (semantic_wordllama.py)",
    )
    args = parser.parse_args()

    articles, _ = load_sample(args.corpus, args.sample, args.seed)
    items, _ = load(Path(args.cache), articles)
    corpus = Corpus(
        np.concatenate([a.vectors for a in items]),
        np.array([len(a.passages) for a in items]),
        np.array([a.article_id for a in items]),
    )
    position = {int(i): n for n, i in enumerate(corpus.ids)}

    topics = [
        {
            **t,
            # Set 3 is never used to choose anything: it is the final held-out set.
            "half": "final" if t["set"] == "3" else ("tune" if t["position"] % 2 == 0 else "held"),
            "rel": {position[i] for i in t["rel"]},
        }
        for t in gold_topics(articles)
    ]

    # Keyword rankings of every question, once (they do not depend on the semantic method).
    tmp = Path(tempfile.mkdtemp(prefix="semantic-methods-"))
    backend = EmbeddedBackend(tmp / "search.sqlite3")
    fill(backend, documents_from_articles(articles))
    keyword = {
        (t["id"], lang): [
            position[h.article_id]
            for h in backend.search(SearchQuery.build(t[lang], limit=DEPTH)).hits
        ]
        for t in topics
        for lang in ("en", "th")
    }

    encoder = UseMultilingualEncoder()
    prefixes = ["", "news: ", "ข่าว: ", "Thai government news about "]
    qvec: dict[tuple[str, str, str], np.ndarray] = {}
    for t in topics:
        for lang in ("en", "th"):
            for p in prefixes:
                qvec[(t["id"], lang, p)] = encoder.encode([p + t[lang]])[0]

    def question(tid: str, lang: str, prefix: str) -> np.ndarray:
        plain = qvec[(tid, lang, "")]
        if not prefix:
            return plain
        return normalised(plain + qvec[(tid, lang, prefix)])[0]

    def score(m: Method, chosen: list[dict[str, Any]], lang: str, mode: str) -> tuple[float, float]:
        ps, ns = [], []
        for t in chosen:
            ranked = semantic_ranking(corpus, question(t["id"], lang, m.prefix), m)
            if mode == "hybrid":
                ranked = fuse(keyword[(t["id"], lang)], ranked, m.hybrid_keyword_weight)
            ps.append(p_at_10(ranked, t["rel"]))
            ns.append(ndcg_at_10(ranked, t["rel"]))
        return statistics.mean(ps), statistics.mean(ns)

    tune = [t for t in topics if t["half"] == "tune"]
    held = [t for t in topics if t["half"] == "held"]
    common = [t for t in topics if len(t["rel"]) >= 10]
    tune = [t for t in tune if t["set"] != "3"]
    held = [t for t in held if t["set"] != "3"]
    sets12 = tune + held
    final = [t for t in topics if t["set"] == "3"]
    groups: dict[str, list[dict[str, Any]]] = {
        "tune": tune,
        "held": held,
        "set 1": [t for t in topics if t["set"] == "1"],
        "set 2": [t for t in topics if t["set"] == "2"],
        "≥10 rel": [t for t in common if t["set"] != "3"],
        "all": sets12,
    }
    rows = [
        "# Semantic retrieval methods on cached embeddings\n",
        f"Sample: {len(articles)} articles (seed {args.seed}); {len(sets12)} topics in sets 1 "
        f"and 2 ({len(tune)} tuning, {len(held)} held out), {len(final)} in set 3 (final "
        f"held-out set, scored only in the last section).\n",
    ]
    grid: list[Method] = []
    for lead, (k, beta), prefix in itertools.product(
        (0.0, 0.25, 0.5, 0.75, 1.0),
        ((0, 0.0), (3, 0.5), (5, 0.5), (5, 1.0), (10, 0.5), (10, 1.0)),
        prefixes,
    ):
        grid.append(Method(lead, k, beta, prefix))

    def table(title: str, methods: list[Method], lang: str, mode: str) -> None:
        rows.append(f"## {title}\n")
        rows.append("P@10 / nDCG@10 per topic group.\n")
        rows.append("| method | " + " | ".join(groups) + " |")
        rows.append("|---|" + "---:|" * len(groups))
        for m in methods:
            cells = [score(m, g, lang, mode) for g in groups.values()]
            rows.append(
                f"| {m.label()} | " + " | ".join(f"{p:.3f} / {n:.3f}" for p, n in cells) + " |"
            )
        rows.append("")

    # Selection: English semantic P@10 on the tuning half (nDCG@10 breaks ties).
    ranked_grid = sorted(grid, key=lambda m: score(m, tune, "en", "semantic"), reverse=True)
    best = ranked_grid[0]
    baseline = Method()
    single = [
        baseline,
        *[Method(lead_weight=x) for x in (0.25, 0.5, 0.75, 1.0)],
        *[
            Method(prf_k=k, prf_beta=b)
            for k, b in ((3, 0.5), (5, 0.5), (5, 1.0), (10, 0.5), (10, 1.0))
        ],
        *[Method(prefix=p) for p in prefixes[1:]],
        Method(aggregate="mean"),
        Method(prf_k=10, prf_beta=1.0, aggregate="mean"),
    ]
    table("English questions, semantic: one method at a time", single, "en", "semantic")
    table(
        "English questions, semantic: ten best of the grid on the tuning half",
        ranked_grid[:10],
        "en",
        "semantic",
    )
    rows.append(f"Chosen on the tuning half (English semantic P@10): **{best.label()}**.\n")
    table(
        "Thai questions, semantic: baseline and the chosen method",
        [baseline, best],
        "th",
        "semantic",
    )
    weights = (0.25, 0.5, 1.0, 2.0)
    hyb = [Method(**{**best.__dict__, "hybrid_keyword_weight": w}) for w in weights]
    w_best = max(hyb, key=lambda m: score(m, tune, "th", "hybrid"))
    for lang in ("en", "th"):
        rows.append(f"### Hybrid, {lang} questions: keyword weight in the fusion (semantic 1)\n")
        rows.append("| keyword weight | " + " | ".join(groups) + " |")
        rows.append("|---|" + "---:|" * len(groups))
        for m in [Method(hybrid_keyword_weight=1.0), *hyb]:
            cells = [score(m, g, lang, "hybrid") for g in groups.values()]
            tag = "baseline method, " if m.lead_weight == m.prf_k == 0 and not m.prefix else ""
            rows.append(
                f"| {tag}{m.hybrid_keyword_weight:g} | "
                + " | ".join(f"{p:.3f} / {n:.3f}" for p, n in cells)
                + " |"
            )
        rows.append("")
    rows.append(
        f"Keyword weight chosen on the tuning half (Thai hybrid P@10): "
        f"**{w_best.hybrid_keyword_weight:g}**.\n"
    )
    term_section(rows, topics, backend, corpus, position, keyword, question, best, w_best)
    rows.append("## Per topic, English semantic P@10: baseline → chosen\n")
    rows.append("| set | half | topic | relevant | baseline | chosen |")
    rows.append("|---|---|---|---:|---:|---:|")
    for t in topics:
        a = score(baseline, [t], "en", "semantic")[0]
        b = score(best, [t], "en", "semantic")[0]
        rows.append(
            f"| {t['set']} | {t['half']} | {t['id']} | {len(t['rel'])} | {a:.1f} | {b:.1f} |"
        )
    if args.other_vectors:
        other = np.load(args.other_vectors)
        assert other["ids"].tolist() == corpus.ids.tolist(), "another sample"
        other_corpus = Corpus(other["vectors"], other["counts"], other["ids"])
        other_q = {
            tuple(k.split("|")): v
            for k, v in zip(other["qkeys"].tolist(), other["qvectors"], strict=True)
        }
        name = Path(args.other_vectors).name
        rows.append(f"## Another encoder ({name}) against the default, plain ranking\n")
        rows.append("| encoder | question | " + " | ".join(groups) + " |")
        rows.append("|---|---|" + "---:|" * len(groups))
        for lang in ("en", "th"):
            for label, corp, vec in (
                ("default", corpus, lambda t, lang=lang: question(t["id"], lang, "")),
                (name, other_corpus, lambda t, lang=lang: other_q[(t["id"], lang)]),
            ):
                cells = []
                for g in groups.values():
                    ranked = [semantic_ranking(corp, vec(t), baseline) for t in g]
                    cells.append(
                        (
                            statistics.mean(
                                p_at_10(r, t["rel"]) for r, t in zip(ranked, g, strict=True)
                            ),
                            statistics.mean(
                                ndcg_at_10(r, t["rel"]) for r, t in zip(ranked, g, strict=True)
                            ),
                        )
                    )
                rows.append(
                    f"| {label} | {lang} | "
                    + " | ".join(f"{p:.3f} / {n:.3f}" for p, n in cells)
                    + " |"
                )
        rows.append("")
    Path(args.out).write_text("\n".join(rows) + "\n")
    print("\n".join(rows))
    backend.close() if hasattr(backend, "close") else None


if __name__ == "__main__":
    main()
