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
    4: "another run holds the lock",
    5: "nothing fetched",
}
RUN_ID_STAT = "thaigov/run_id"
SUMMARY_PREFIX = "thaigov run summary:"


def summary_line(stats: Mapping[str, Any], exit_code: int) -> str:
    """``thaigov run summary: exit_code=5 (nothing fetched) reason=unreachable fetched=0 ...``.

    ``key=value`` pairs, so a log reader can grep one field; the run record's id comes last.
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
        "run_record": stats.get(RUN_ID_STAT, "none"),
    }
    return " ".join([SUMMARY_PREFIX, *(f"{key}={value}" for key, value in fields.items())])
