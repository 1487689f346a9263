"""Encode ``semantic_texts.py`` output with WordLlama, in a virtualenv of its own.

    python -m venv /tmp/wl && /tmp/wl/bin/pip install wordllama
    /tmp/wl/bin/python benchmarks/semantic_wordllama.py /tmp/t.json /tmp/wl.npz --cache-dir DIR

WordLlama (MIT) ships its default model's weights (l2_supercat, 256 dimensions, 16 MB) in its
wheel, but 0.4.0.post1 looks for its shipped tokenizer file in the wrong folder and then tries
to download it; ``--cache-dir`` names a folder holding ``tokenizers/`` and ``weights/`` copies
of the wheel's own files (copied there by this script), with downloads disabled.
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from pathlib import Path

import numpy as np


def main() -> None:
    import wordllama
    from wordllama import WordLlama

    parser = argparse.ArgumentParser()
    parser.add_argument("texts")
    parser.add_argument("out")
    parser.add_argument("--cache-dir", required=True)
    args = parser.parse_args()
    shipped = Path(wordllama.__file__).parent
    cache = Path(args.cache_dir)
    for sub in ("tokenizers", "weights"):
        shutil.copytree(shipped / sub, cache / sub, dirs_exist_ok=True)
    model = WordLlama.load(cache_dir=cache, disable_download=True)
    data = json.loads(Path(args.texts).read_text())
    started = time.process_time()
    vectors = np.asarray(model.embed(data["texts"], norm=True), dtype=np.float32)
    cpu = time.process_time() - started
    keys = list(data["questions"])
    questions = np.asarray(model.embed([data["questions"][k] for k in keys], norm=True))
    np.savez(
        args.out,
        ids=np.array(data["ids"]),
        counts=np.array(data["counts"]),
        vectors=vectors,
        qkeys=np.array(keys),
        qvectors=questions.astype(np.float32),
    )
    print(f"{len(vectors)} passages, {vectors.shape[1]} dimensions, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
