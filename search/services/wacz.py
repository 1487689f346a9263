"""WACZ export: the WARC records of chosen articles, their CDXJ index and pages with their text.

Packaged by the ``wacz`` library (py-wacz, Webrecorder's reference implementation) and checked
with its own validator, so the file opens in ReplayWeb.page and pywb. We only choose the
records: each article page's latest capture, the response a revisit refers to, and the
captures of the article's downloaded files. Records are copied byte for byte (each is its own
gzip member), so digests in the WACZ are the ones written at crawl time.
"""

from __future__ import annotations

import contextlib
import io
import json
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipelines.archive.captures import CaptureIndex
from pipelines.archive.warc import copy_record

if TYPE_CHECKING:
    from pipelines.archive.store import ArchiveStore

PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "thaigov-archive articles"}


@dataclass
class WaczOutcome:
    """What went into the package, what could not, and the validator's verdict."""

    pages: int = 0
    records: int = 0
    without_capture: list[int] = field(default_factory=list)
    valid: bool = False
    messages: str = ""


def write_wacz(
    store: ArchiveStore,
    articles: Iterable[Mapping[str, Any]],
    output: Path,
    *,
    warc_dir: Path,
    title: str = "thaigov-archive export",
) -> WaczOutcome:
    """Write ``articles`` (archive dicts) with their captures to ``output`` and validate it."""
    from wacz.main import main as wacz_main

    index = CaptureIndex(store)
    outcome = WaczOutcome()
    chosen: dict[str, Any] = {}  # record id -> captures row, in first-seen order
    pages: list[dict[str, Any]] = []
    batch: list[Mapping[str, Any]] = []

    def take(batch: list[Mapping[str, Any]]) -> None:
        ids = [int(a["article_id"]) for a in batch]
        captures = index.page_captures(ids)
        wanted_ids: list[str] = []
        for article in batch:
            capture = captures.get(int(article["article_id"]))
            if capture is None or capture.payload_record_id is None:
                outcome.without_capture.append(int(article["article_id"]))
                continue
            wanted_ids += [capture.record_id, capture.payload_record_id]
            pages.append(
                {
                    "url": capture.url,
                    "title": article.get("title") or capture.url,
                    "text": article.get("body") or "",
                }
            )
        file_records = index.records_for_urls(index.capture_urls_of_files(ids))
        wanted_ids += [r.record_id for r in file_records]
        wanted_ids += [r.refers_to for r in file_records if r.refers_to]
        for record in index.records_by_id(i for i in wanted_ids if i not in chosen):
            chosen.setdefault(record.record_id, record)

    for article in articles:
        batch.append(article)
        if len(batch) >= 500:
            take(batch)
            batch = []
    if batch:
        take(batch)

    if not pages:
        outcome.messages = "no article of the selection has a WARC capture: nothing to package"
        return outcome
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="thaigov-wacz-") as tmp:
        warc = Path(tmp) / "thaigov-export.warc.gz"
        with warc.open("wb") as out:
            for record in sorted(chosen.values(), key=lambda r: r.id):
                copy_record(
                    warc_dir, record.warc_filename, record.warc_offset, record.warc_length, out
                )
        pages_file = Path(tmp) / "pages.jsonl"
        with pages_file.open("w", encoding="utf-8") as out_pages:
            out_pages.write(json.dumps({**PAGES_HEADER, "hasText": True}) + "\n")
            for page in pages:
                out_pages.write(json.dumps(page, ensure_ascii=False) + "\n")
        log = io.StringIO()
        with contextlib.redirect_stdout(log):  # the library reports by print()
            created = wacz_main(
                [
                    "create",
                    "-o",
                    str(output),
                    "-p",
                    str(pages_file),
                    "-t",
                    "--title",
                    title,
                    str(warc),
                ]
            )
            valid = created == 0 and wacz_main(["validate", "-f", str(output)]) == 0
    outcome.pages = len(pages)
    outcome.records = len(chosen)
    outcome.valid = bool(valid)
    outcome.messages = log.getvalue()
    return outcome
