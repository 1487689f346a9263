"""Real crawls: ``scrapy crawl thaigov`` in a subprocess against the local replica of the site.

Every run switches politeness off for speed (no delay, no AutoThrottle) and keeps its archive,
search index, lock file and stats file under ``tmp_path``.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines.core.article import EXTRACTED_FIELDS
from tests.replica import ReplicaServer
from tests.replica import fixtures as fx
from thaigov_crawler.extensions import (
    EXIT_LOCKED,
    EXIT_NOTHING_FETCHED,
    EXIT_ROBOTS_FORBIDDEN,
)

REPO_ROOT = Path(__file__).resolve().parent.parent
CLEANING_ONLY = '{"pipelines.adapters.cleaning.TextCleaningPipeline": 100}'
DEFAULT = "(settings.py default)"  # a setting value meaning: do not override
MAXSIZE = 200_000  # the replica's huge page is bigger
FAST = {
    "DOWNLOAD_DELAY": "0",
    "AUTOTHROTTLE_ENABLED": "False",
    "CONCURRENT_REQUESTS": "8",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "8",
    "DOWNLOAD_MAXSIZE": str(MAXSIZE),
    "THAIGOV_RETRY_AFTER_MAX": "2",
    "LOG_LEVEL": "INFO",
}


class Crawl:
    """One finished ``scrapy crawl thaigov`` run and what it left in ``tmp_path``."""

    def __init__(self, proc: subprocess.CompletedProcess[str], out: Path, stats: Path) -> None:
        self.returncode = proc.returncode
        self.log = proc.stderr + proc.stdout
        self.items = _read_jsonl(out)
        self.stats: dict[str, Any] = json.loads(stats.read_text()) if stats.exists() else {}

    @property
    def ids(self) -> list[int]:
        return sorted(item["article_id"] for item in self.items)


def _read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def crawl_command(
    replica_url: str, tmp_path: Path, args: dict[str, str], settings: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    command = [sys.executable, "-m", "scrapy", "crawl", "thaigov"]
    for name, value in args.items():
        command += ["-a", f"{name}={value}"]
    merged = {
        **FAST,
        "THAIGOV_BASE_URL": replica_url,
        "THAIGOV_LOCK_FILE": str(tmp_path / "crawl.lock"),
        "THAIGOV_STATS_FILE": str(tmp_path / "stats.json"),
        "ITEM_PIPELINES": CLEANING_ONLY,
        **settings,
    }
    for name, value in merged.items():
        if value != DEFAULT:
            command += ["-s", f"{name}={value}"]
    env = {
        **os.environ,
        "THAIGOV_ARCHIVE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}",
        "THAIGOV_SEARCH_PATH": str(tmp_path / "search.sqlite3"),
    }
    return command, env


def run_crawl(
    replica_url: str,
    tmp_path: Path,
    args: dict[str, str] | None = None,
    settings: dict[str, str] | None = None,
    *,
    output: str = "out.jsonl",
    timeout: float = 60,
) -> Crawl:
    out = tmp_path / output
    command, env = crawl_command(replica_url, tmp_path, args or {}, settings or {})
    command += ["-O", str(out)]
    proc = subprocess.run(
        command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    return Crawl(proc, out, tmp_path / "stats.json")


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer(extra_ids=3, huge_page_bytes=300_000) as server:
        yield server


@pytest.fixture(scope="module")
def full_range(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    """One crawl of every fixture id (plus neighbours that do not exist), shared by tests."""
    tmp = tmp_path_factory.mktemp("full_range")
    return run_crawl(replica.base_url, tmp, {"start_id": "999", "end_id": str(replica.last_id)})


def _fields(item: dict[str, Any]) -> dict[str, Any]:
    return {k: item[k] for k in EXTRACTED_FIELDS if k != "fetched_at"}


def test_range_crawl_exports_exactly_the_articles(full_range: Crawl, replica: ReplicaServer):
    assert full_range.returncode == 0, full_range.log[-3000:]
    expected_ids = sorted(fx.ARTICLE_IDS | set(replica.synthetic_ids))
    assert full_range.ids == expected_ids
    by_id = {item["article_id"]: item for item in full_range.items}
    for article in fx.ARTICLES:
        assert _fields(by_id[article.article_id]) == article.expected_fields()
    for article_id in replica.synthetic_ids:
        expected = fx.synthetic_article(article_id).expected_fields()
        assert _fields(by_id[article_id]) == expected
    for item in full_range.items:
        assert list(item)[: len(EXTRACTED_FIELDS)] == list(EXTRACTED_FIELDS)
        assert item["fetched_at"].endswith("+00:00")
        assert "raw_html" not in item


def test_range_crawl_counts_every_non_article_under_its_own_key(full_range: Crawl):
    stats = full_range.stats
    expected: dict[str, int] = {}
    for reason in [*fx.NON_ARTICLE_REASONS.values(), "soft_404", "soft_404"]:  # 999 and last+1
        expected[reason] = expected.get(reason, 0) + 1
    got = {
        key.removeprefix("thaigov/skipped/"): value
        for key, value in stats.items()
        if key.startswith("thaigov/skipped/")
    }
    assert got == expected
    assert stats["thaigov/extract/route/og_title"] == 1
    assert stats["thaigov/extract/route/h1"] == 1
    assert stats["thaigov/extract/route/largest_block"] == 1
    assert stats["thaigov/articles"] == len(full_range.items)
    assert stats["thaigov/exit_code"] == 0
    for article_id, reason in fx.NON_ARTICLE_REASONS.items():
        assert f"id {article_id} skipped: {reason}" in full_range.log


def test_retries_503_and_honours_retry_after(full_range: Crawl, replica: ReplicaServer):
    assert replica.detail_hits(fx.RETRY_503_ID) == 2
    assert replica.detail_hits(fx.RETRY_AFTER_429_ID) == 2
    assert full_range.stats["thaigov/retry_after/waits"] == 1
    assert full_range.stats["thaigov/retry_after/seconds"] == 1.0
    assert {fx.RETRY_503_ID, fx.RETRY_AFTER_429_ID} <= set(full_range.ids)


def test_offsite_redirect_is_not_followed(full_range: Crawl, replica: ReplicaServer):
    assert replica.detail_hits(fx.OFFSITE_REDIRECT_ID) == 1
    assert "offsite.invalid" not in json.dumps(full_range.items)
    assert "offsite.invalid/bot-check?id=1012" in full_range.log


def test_listing_discovery_follows_pagination(replica: ReplicaServer, tmp_path: Path):
    listing = f"{replica.base_url}/news/contents/listing/{fx.LISTING_ID}?page=1"
    crawl = run_crawl(replica.base_url, tmp_path, {"listing_url": listing})
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.ids == sorted(fx.LISTING_ARTICLE_IDS)
    for page in range(1, len(fx.LISTING_PAGES) + 1):
        assert replica.hits[f"/news/contents/listing/{fx.LISTING_ID}?page={page}"] >= 1
    assert crawl.stats["thaigov/skipped/soft_404"] == 1  # 1004 is linked but empty


def test_incremental_stops_after_consecutive_misses_with_concurrency_8(tmp_path: Path):
    misses = 4
    with ReplicaServer(extra_ids=5) as server:
        crawl = run_crawl(
            server.base_url,
            tmp_path,
            {"start_id": str(fx.FIRST_ID)},
            {"THAIGOV_MAX_CONSECUTIVE_MISSES": str(misses)},
        )
        requested = {
            int(path.rsplit("/", 1)[1])
            for path in server.hits
            if path.startswith("/news/contents/details/")
        }
        last = server.last_id
        expected_ids = sorted(fx.ARTICLE_IDS | set(server.synthetic_ids))
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.ids == expected_ids
    # Every id up to the last article plus exactly `misses` after it, and nothing beyond.
    assert requested == set(range(fx.FIRST_ID, last + misses + 1))


def test_ids_argument_and_raw_html_never_exported(replica: ReplicaServer, tmp_path: Path):
    crawl = run_crawl(
        replica.base_url,
        tmp_path,
        {"ids": f"1001,{fx.NON_UTF8_ID},1004"},
        {"ARCHIVE_RAW_HTML": "True"},
    )
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.ids == [1001, fx.NON_UTF8_ID]
    assert all("raw_html" not in item for item in crawl.items)
    non_utf8 = next(i for i in crawl.items if i["article_id"] == fx.NON_UTF8_ID)
    assert non_utf8["title"] == fx.ARTICLES_BY_ID[fx.NON_UTF8_ID].expected_title


def test_robots_forbidding_everything_exits_non_zero_without_fetching(tmp_path: Path):
    with ReplicaServer(robots_txt=fx.DISALLOW_ALL_ROBOTS) as server:
        crawl = run_crawl(server.base_url, tmp_path, {"start_id": "1001", "end_id": "1010"})
        detail_hits = sum(v for k, v in server.hits.items() if "/details/" in k)
    assert crawl.returncode == EXIT_ROBOTS_FORBIDDEN, crawl.log[-3000:]
    assert detail_hits == 0
    assert crawl.items == []
    assert crawl.log.count("forbids this crawler") == 1


def test_second_run_exits_at_once_while_the_lock_is_held(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    before = sum(replica.hits.values())
    with (tmp_path / "crawl.lock").open("a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        crawl = run_crawl(replica.base_url, tmp_path, {"ids": "1001"})
    assert crawl.returncode == EXIT_LOCKED, crawl.log[-3000:]
    assert "another crawl run holds the lock" in crawl.log
    assert sum(replica.hits.values()) == before
    assert crawl.items == []


def test_every_request_failing_exits_non_zero(tmp_path: Path):
    with ReplicaServer() as server:
        dead_url = server.base_url  # nothing listens once the server is stopped
    crawl = run_crawl(dead_url, tmp_path, {"ids": "1001,1002"}, {"RETRY_TIMES": "0"})
    assert crawl.returncode == EXIT_NOTHING_FETCHED, crawl.log[-3000:]
    assert crawl.stats["thaigov/failed"] == 2
    assert "every request failed" in crawl.log


@pytest.mark.parametrize(("retry_times", "give_up_after"), [("0", 3), ("3", 4)])
def test_unreachable_site_gives_up_early(tmp_path: Path, retry_times: str, give_up_after: int):
    """With or without retries, a site that never answers is not tried id after id for minutes."""
    with ReplicaServer() as server:
        dead_url = server.base_url
    crawl = run_crawl(
        dead_url,
        tmp_path,
        {"start_id": "1001", "end_id": "1400"},
        {
            "RETRY_TIMES": retry_times,
            "THAIGOV_GIVE_UP_AFTER_FAILURES": str(give_up_after),
            "CONCURRENT_REQUESTS": "4",
        },
    )
    assert crawl.returncode == EXIT_NOTHING_FETCHED, crawl.log[-3000:]
    assert crawl.stats["finish_reason"] == "unreachable"
    assert give_up_after <= crawl.stats["thaigov/failed"] < 20
    assert crawl.stats.get("retry/count", 0) < give_up_after
    assert crawl.log.count("site unreachable") == 1


@pytest.mark.parametrize("store", ["feed", "archive"])
def test_jobdir_resume_after_sigkill_ends_with_the_full_id_set(tmp_path: Path, store: str):
    if store == "archive":
        require_default_pipelines()
    jobdir = tmp_path / "job"
    journal = jobdir / "thaigov-journal.txt"
    out = tmp_path / "out.jsonl"
    settings = {"JOBDIR": str(jobdir), "CONCURRENT_REQUESTS": "2"}
    if store == "archive":
        settings |= {"ITEM_PIPELINES": DEFAULT, "ARCHIVE_BATCH_SIZE": "5"}
    with ReplicaServer(extra_ids=80, delay=0.02) as server:
        command, env = crawl_command(
            server.base_url,
            tmp_path,
            {"start_id": str(fx.FIRST_ID), "end_id": str(server.last_id)},
            settings,
        )
        command += ["-o", str(out)]
        first = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and first.poll() is None:
            if journal.exists() and journal.read_text().count("hit ") >= 20:
                break
            time.sleep(0.05)
        assert first.poll() is None, "crawl finished before it could be killed"
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        done_before = {
            int(line.split()[1])
            for line in journal.read_text().splitlines()
            if line.startswith(("hit ", "miss "))
        }
        hits_before = dict(server.hits)
        second = subprocess.run(
            command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60
        )
        expected_ids = fx.ARTICLE_IDS | set(server.synthetic_ids)
        hits_after = dict(server.hits)
    assert second.returncode == 0, second.stderr[-3000:]
    assert "did not shut down cleanly" in second.stderr
    assert len(done_before) >= 20
    if store == "feed":
        exported = [item["article_id"] for item in _read_jsonl(out)]
        assert set(exported) == expected_ids
        assert len(exported) - len(set(exported)) <= 2  # at most the items in flight at the kill
    else:
        from pipelines.archive.store import ArchiveStore

        with ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite3'}") as archive:
            assert {a["article_id"] for a in archive.iter_articles()} == expected_ids
    # What the journal recorded as done before the kill was not fetched again.
    for article_id in done_before:
        path = f"/news/contents/details/{article_id}"
        assert hits_after[path] == hits_before[path]


DEFAULT_PIPELINE_MODULES = (
    "pipelines.adapters.dates",
    "pipelines.adapters.archive",
    "pipelines.adapters.index",
)


def require_default_pipelines() -> None:
    missing = [m for m in DEFAULT_PIPELINE_MODULES if importlib.util.find_spec(m) is None]
    if missing:
        pytest.fail(f"default pipelines missing: {', '.join(missing)}")


def test_full_default_pipelines_archive_every_article(replica: ReplicaServer, tmp_path: Path):
    require_default_pipelines()
    from pipelines.archive.store import ArchiveStore

    crawl = run_crawl(
        replica.base_url,
        tmp_path,
        {"start_id": str(fx.FIRST_ID), "end_id": str(fx.LAST_FIXTURE_ID)},
        {"ITEM_PIPELINES": DEFAULT, "ARCHIVE_RAW_HTML": "True"},
    )
    assert crawl.returncode == 0, crawl.log[-3000:]
    with ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite3'}") as store:
        assert store.max_article_id() == fx.LAST_FIXTURE_ID
        archived = {a["article_id"]: a for a in store.iter_articles()}
        assert set(archived) == fx.ARTICLE_IDS
        for article in fx.ARTICLES:
            row = archived[article.article_id]
            for name, value in article.expected_fields().items():
                assert row[name] == value, (article.article_id, name)
        assert store.get_raw_html(1001)
        runs = store.get_runs()
        assert runs[0]["exit_code"] == 0


def test_incremental_continues_after_the_archive_and_refreshes_recent_articles(
    tmp_path: Path,
) -> None:
    require_default_pipelines()
    from pipelines.archive.store import ArchiveStore

    misses = 4
    archive_url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with ReplicaServer(extra_ids=2) as server:
        first = run_crawl(
            server.base_url,
            tmp_path,
            {"start_id": str(fx.FIRST_ID), "end_id": "1010"},
            {"ITEM_PIPELINES": DEFAULT},
        )
        assert first.returncode == 0, first.log[-3000:]
        server.hits.clear()
        # A window opening on 2024-12-01 whatever today is: only 1001 (13 Dec 2024) is inside.
        refresh_days = (datetime.now(UTC).date() - date(2024, 12, 1)).days
        since = (datetime.now(UTC).date() - timedelta(days=refresh_days)).isoformat()
        with ArchiveStore(archive_url) as archive:
            recent = {
                a["article_id"]
                for a in archive.iter_articles()
                if a["published_date"] and str(a["published_date"]) >= since
            }
        second = run_crawl(
            server.base_url,
            tmp_path,
            {"refresh_days": str(refresh_days)},
            {"ITEM_PIPELINES": DEFAULT, "THAIGOV_MAX_CONSECUTIVE_MISSES": str(misses)},
        )
        requested = {int(path.rsplit("/", 1)[1]) for path in server.hits if "/details/" in path}
        last = server.last_id
        expected_ids = fx.ARTICLE_IDS | set(server.synthetic_ids)
    assert second.returncode == 0, second.log[-3000:]
    assert recent == {1001}
    assert requested == recent | set(range(1011, last + misses + 1))
    with ArchiveStore(archive_url) as archive:
        assert {a["article_id"] for a in archive.iter_articles()} == expected_ids
        assert archive.max_article_id() == last


def test_bad_arguments_exit_with_usage_error_before_any_request(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    before = sum(replica.hits.values())
    crawl = run_crawl(replica.base_url, tmp_path, {"end_id": "1005"})
    assert crawl.returncode == 2
    assert "-a end_id needs -a start_id" in crawl.log
    assert sum(replica.hits.values()) == before
