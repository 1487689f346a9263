"""End to end: crawl the replica's hostile page (2101) with every pipeline, then read it back.

``scrapy crawl thaigov -a ids=2101`` runs in a subprocess against the local replica with the
real pipelines (cleaning, dates, archive, index) into a SQLite archive and an embedded index
under tmp. Then: the archived article page in headless Chromium runs nothing and links only
http(s); the CSV export is checked cell by cell; JSONL keeps the text exactly.

Whether the extractor drops script links (it does, once links are filtered at extraction) or
not, every assertion here holds: they are about what is shown and exported.
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.archive.store import ArchiveStore
from search.backends.embedded import EmbeddedBackend
from search.core.safety import FORMULA_TRIGGERS, is_safe_link, restore_formula
from search.services.export import EXPORT_COLUMNS, LIST_FIELDS, export_record, write_export
from search.web import create_app
from tests.browser_support import assert_article_is_inert, chromium, serve, watched_page
from tests.conftest import REPO_ROOT
from tests.replica import ReplicaServer
from tests.replica.hostile_web import FORMULA_LINES, HASHTAGS, HOSTILE_ID, TITLE


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ArchiveStore, Path]]:
    """The archive and index of one real crawl of the hostile page."""
    directory = tmp_path_factory.mktemp("hostile-crawl")
    env = {
        **os.environ,
        "THAIGOV_ARCHIVE_URL": f"sqlite:///{directory / 'archive.sqlite3'}",
        "THAIGOV_SEARCH_PATH": str(directory / "search.sqlite3"),
    }
    env.pop("THAIGOV_ELASTICSEARCH_URL", None)
    with ReplicaServer() as replica:
        settings = {
            "THAIGOV_BASE_URL": replica.base_url,
            "DOWNLOAD_DELAY": "0",
            "AUTOTHROTTLE_ENABLED": "False",
            "THAIGOV_LOCK_FILE": str(directory / "crawl.lock"),
            "THAIGOV_STATS_FILE": str(directory / "stats.json"),
        }
        command = [sys.executable, "-m", "scrapy", "crawl", "thaigov", "-a", f"ids={HOSTILE_ID}"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        proc = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180
        )
        assert replica.detail_hits(HOSTILE_ID) == 1
    assert proc.returncode == 0, proc.stderr[-3000:]
    store = ArchiveStore(env["THAIGOV_ARCHIVE_URL"])
    try:
        yield store, directory / "search.sqlite3"
    finally:
        store.close()


def test_the_crawl_archived_and_indexed_the_hostile_article(
    crawled: tuple[ArchiveStore, Path],
) -> None:
    store, index = crawled
    article = store.get_article(HOSTILE_ID)
    assert article is not None
    assert article["title"] == TITLE
    assert article["body"].splitlines()[: len(FORMULA_LINES)] == list(FORMULA_LINES)
    assert article["hashtags"] == list(HASHTAGS)
    backend = EmbeddedBackend(index)
    try:
        assert backend.count() == 1
    finally:
        backend.close()


def test_csv_export_of_the_crawl_is_safe_cell_by_cell(
    crawled: tuple[ArchiveStore, Path], tmp_path: Path
) -> None:
    store, _ = crawled
    stored = store.get_article(HOSTILE_ID)
    assert stored is not None
    record = export_record(stored)
    write_export(store.iter_articles(), "csv", tmp_path / "crawl.csv")
    write_export(store.iter_articles(), "jsonl", tmp_path / "crawl.jsonl")
    with (tmp_path / "crawl.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert list(row) == list(EXPORT_COLUMNS)
    for name, cell in row.items():
        assert not cell.startswith(FORMULA_TRIGGERS), (name, cell)
        original = record[name]
        if original is None:
            assert cell == ""
        elif name in LIST_FIELDS:
            assert json.loads(restore_formula(cell)) == original
        else:
            assert restore_formula(cell) == str(original), name
    assert row["body"] == "'" + record["body"]  # starts with =HYPERLINK(...)
    (exported,) = [json.loads(line) for line in (tmp_path / "crawl.jsonl").open(encoding="utf-8")]
    assert exported["body"] == record["body"] and exported["body"].startswith("=HYPERLINK(")


@pytest.mark.browser
def test_the_crawled_article_page_runs_nothing_in_chromium(
    crawled: tuple[ArchiveStore, Path], chromium_path: str
) -> None:
    store, index = crawled
    backend = EmbeddedBackend(index)
    try:
        with (
            serve(create_app(store, backend)) as base_url,
            chromium(chromium_path) as browser,
            watched_page(browser) as watched,
        ):
            hrefs = assert_article_is_inert(watched, base_url, HOSTILE_ID)
            assert hrefs and all(is_safe_link(href) for href in hrefs)
            assert watched.page.locator("h1").inner_text() == TITLE
    finally:
        backend.close()
