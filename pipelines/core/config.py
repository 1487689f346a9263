"""Where the archive lives: one resolution rule for Scrapy settings, the CLI and the web app."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_ARCHIVE_PATH = Path("data") / "thaigov.sqlite3"


def archive_url(explicit: str | None = None) -> str:
    """Explicit value, else ``THAIGOV_ARCHIVE_URL``, else an SQLite file under ``./data/``."""
    url = explicit or os.environ.get("THAIGOV_ARCHIVE_URL")
    if url:
        return url
    return f"sqlite:///{DEFAULT_ARCHIVE_PATH.as_posix()}"
