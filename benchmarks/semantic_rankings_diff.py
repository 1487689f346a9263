"""Do two runs of ``semantic.py --rankings`` rank alike? For a change meant to keep rankings.

    .venv/bin/python benchmarks/semantic_rankings_diff.py BEFORE.json AFTER.json

Per searcher (backend and refinement): how many questions (topic, language, mode) were asked in
both runs and how many of their top-10 id lists differ, with the first few that do. Exits 1
when any differs, so it can gate a rerun.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    before, after = (json.loads(Path(p).read_text()) for p in sys.argv[1:])
    changed = 0
    for name in sorted(set(before) | set(after)):
        a, b = before.get(name, {}), after.get(name, {})
        common = sorted(set(a) & set(b))
        differ = [k for k in common if a[k] != b[k]]
        changed += len(differ)
        only = len(set(a) ^ set(b))
        print(
            f"{name}: {len(common)} questions in both, {len(differ)} ranked differently"
            + (f", {only} in one run only" if only else "")
            + (f" (e.g. {', '.join(differ[:5])})" if differ else "")
        )
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
