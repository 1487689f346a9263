"""Write the passage texts and questions of a sample to JSON, for encoders run elsewhere.

    .venv/bin/python benchmarks/semantic_texts.py --corpus …tar.gz --sample 4000 --out /tmp/t.json

An encoder that is not a dependency (it may need packages the project does not install) is
measured against the default by encoding exactly these texts in its own virtualenv (e.g.
``semantic_wordllama.py``) and ranking with ``semantic_methods.py --other-vectors``. The passages
are those the archive embeds (``article_passages``: ``split_passages`` of title and body).
The file holds corpus text: keep it outside the repository.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from semantic import load_sample, sample_arguments  # noqa: E402

from search.services.documents import display_fields  # noqa: E402
from search.services.embedding import article_passages  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    sample_arguments(parser, 4000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    articles, _ = load_sample(args.corpus, args.sample, args.seed)
    ids, counts, texts = [], [], []
    for a in articles:
        f = display_fields(a)
        passages = article_passages(f)
        ids.append(f["article_id"])
        counts.append(len(passages))
        texts += [p.text for p in passages]
    questions = {}
    for file in ("semantic_gold.json", "semantic_gold_2.json"):
        for t in json.loads((HERE / file).read_text())["topics"]:
            for lang in ("en", "th"):
                questions[f"{t['id']}|{lang}"] = t[lang]
    out = {"ids": ids, "counts": counts, "texts": texts, "questions": questions}
    Path(args.out).write_text(json.dumps(out, ensure_ascii=False))
    print(f"{len(ids)} articles, {len(texts)} passages, {len(questions)} questions")


if __name__ == "__main__":
    main()
