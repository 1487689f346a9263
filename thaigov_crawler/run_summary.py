"""The one line that ends every crawl log: how the run ended, what it did, where it is recorded.

Scrapyd lists every job as "finished" whatever its exit status, and cron and systemd keep only
the log, so the crawl command logs this line last (``thaigov runs`` shows the same records).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

EXIT_MEANINGS = {
    0: "ok",
    1: "scrapy error",
    2: "usage error",
    3: "robots.txt forbids the crawl",
    4: "another run holds the archive's lock",
    5: "nothing fetched",
    6: "archive writes failed",
    7: "search index broken",
    130: "stopped by force",
}
RUN_ID_STAT = "thaigov/run_id"
#: Set by the RunRecorder in durable (incremental) runs: the frontier's open gaps at the end,
#: with ``/failed``, ``/unanswered`` and ``/given_up`` beside it.
OPEN_GAPS_STAT = "thaigov/open_gaps"
SUMMARY_PREFIX = "thaigov run summary:"


def summary_line(stats: Mapping[str, Any], exit_code: int) -> str:
    """``thaigov run summary: exit_code=5 (nothing fetched) reason=unreachable fetched=0 ...``.

    ``key=value`` pairs, so a log reader can grep one field; the run record's id comes last.
    A durable (incremental) run adds its open gaps before it: ``open_gaps=3`` (ids not settled,
    which later runs retry; ``thaigov gaps`` lists them) and their split by state. A run with
    open gaps still exits 0.
    """
    meaning = EXIT_MEANINGS.get(exit_code, "failed")
    fields = {
        "exit_code": f"{exit_code} ({meaning})",
        "reason": stats.get("finish_reason", "unknown"),
        "fetched": stats.get("thaigov/fetched", 0),
        "failed_requests": stats.get("thaigov/failed", 0),
        "items": stats.get("item_scraped_count", 0),
        "inserted": stats.get("archive/inserted", 0),
        "updated": stats.get("archive/updated", 0),
        "unchanged": stats.get("archive/unchanged", 0),
        "archive_failed": stats.get("archive/failed", 0),
    }
    if OPEN_GAPS_STAT in stats:
        fields["open_gaps"] = stats[OPEN_GAPS_STAT]
        for state in ("failed", "unanswered", "given_up"):
            fields[f"gaps_{state}"] = stats.get(f"{OPEN_GAPS_STAT}/{state}", 0)
    fields["run_record"] = stats.get(RUN_ID_STAT, "none")
    return " ".join([SUMMARY_PREFIX, *(f"{key}={value}" for key, value in fields.items())])
