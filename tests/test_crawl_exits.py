"""Scheduled runs tell the truth: exit codes, the last log line, ``crawl_runs``, the lock of the
archive across working directories, ascending order, and a lost or damaged search index.

Real ``scrapy crawl thaigov`` subprocesses with the default pipelines against the replica.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from pipelines.archive.store import ArchiveStore
from tests.replica import ReplicaServer
from tests.replica import fixtures as fx
from tests.test_crawl_e2e import DEFAULT, REPO_ROOT, crawl_command
from thaigov_crawler.extensions import (
    EXIT_ARCHIVE_FAILED,
    EXIT_INDEX_BROKEN,
    EXIT_LOCKED,
)

SETTINGS = {
    "ITEM_PIPELINES": DEFAULT,
    "THAIGOV_MAX_CONSECUTIVE_MISSES": "4",
    "RETRY_TIMES": "1",
    "THAIGOV_FRONTIER_BACKOFF_SECONDS": "0",
}


def crawl(
    server: ReplicaServer,
    tmp_path: Path,
    archive_url: str,
    args: dict[str, str] | None = None,
    *,
    cwd: Path = REPO_ROOT,
    **settings: str,
) -> subprocess.CompletedProcess[str]:
    command, env = crawl_command(server.base_url, tmp_path, args or {}, {**SETTINGS, **settings})
    env |= {
        "THAIGOV_ARCHIVE_URL": archive_url,
        "SCRAPY_SETTINGS_MODULE": "thaigov_crawler.settings",
        "PYTHONPATH": str(REPO_ROOT),
    }
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def last_line(proc: subprocess.CompletedProcess[str]) -> str:
    return [line for line in proc.stderr.splitlines() if line.strip()][-1]


def test_open_gaps_exit_zero_and_are_counted_in_the_last_line_and_the_run(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with ReplicaServer(extra_ids=6) as server:
        server.failing_ids = {1002, 1007}
        # No re-check of young non-articles here: the gaps alone are asked first.
        first = crawl(
            server, tmp_path, url, {"start_id": str(fx.FIRST_ID)}, THAIGOV_FRONTIER_RECHECK_IDS="0"
        )
        server.failing_ids = set()
        second = crawl(server, tmp_path, url, THAIGOV_FRONTIER_RECHECK_IDS="0")
    assert first.returncode == 0, first.stderr[-3000:]
    line = last_line(first)
    assert "thaigov run summary: exit_code=0 (ok)" in line, line
    assert "open_gaps=2 gaps_failed=2 gaps_unanswered=0 gaps_given_up=0 " in line, line
    assert second.returncode == 0, second.stderr[-3000:]
    assert "open_gaps=0 " in last_line(second)
    with ArchiveStore(url) as store:
        runs = store.get_runs()
        assert [r["stats"]["thaigov/open_gaps"] for r in runs] == [0, 2]
        assert [r["stats"]["thaigov/open_gaps/failed"] for r in runs] == [0, 2]
        assert {1002, 1007} <= {a["article_id"] for a in store.iter_articles()}
    # The second run asked for the two gaps first, then probed past the head.
    assert "incremental crawl: 2 gap id(s)" in second.stderr


def test_gaps_and_late_ids_first_then_the_probe_all_in_ascending_order(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    with ReplicaServer(extra_ids=30) as server:
        server.failing_ids = {1003, 1010}
        late = server.last_id - 5
        server.unpublished_ids = {late}  # a soft 404 today, published after later ids
        crawl(server, tmp_path, url, {"start_id": str(fx.FIRST_ID)}, CONCURRENT_REQUESTS="1")
        server.failing_ids = set()
        server.unpublished_ids = set()
        server.arrivals.clear()
        proc = crawl(server, tmp_path, url, CONCURRENT_REQUESTS="1")
        requested = [int(p.rsplit("/", 1)[1]) for _, p in server.arrivals if "/details/" in p]
        head = server.last_id
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert requested == sorted(requested)
    below = [i for i in requested if i <= head]
    assert {1003, 1010, late} <= set(below)
    assert all(i > head - 20 for i in below if i not in (1003, 1010))  # re-checks: near the head
    assert requested[len(below)] == head + 1  # then past the head
    with ArchiveStore(url) as store:
        assert {1003, 1010, late} <= {a["article_id"] for a in store.iter_articles()}


def _failing_trigger(archive_url: str) -> list[str]:
    if archive_url.startswith("sqlite"):
        return [
            "CREATE TRIGGER refuse BEFORE INSERT ON articles WHEN NEW.article_id > 1005"
            " BEGIN SELECT RAISE(ABORT, 'disk full (test trigger)'); END"
        ]
    return [
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
        " IF NEW.article_id > 1005 THEN RAISE EXCEPTION 'disk full (test trigger)'; END IF;"
        " RETURN NEW; END $$",
        "CREATE TRIGGER refuse BEFORE INSERT ON articles FOR EACH ROW EXECUTE FUNCTION refuse()",
    ]


def test_archive_write_failures_stop_fetching_and_exit_6(archive_url: str, tmp_path: Path) -> None:
    ArchiveStore(archive_url).close()
    engine = create_engine(archive_url)
    with engine.begin() as connection:
        for statement in _failing_trigger(archive_url):
            connection.execute(text(statement))
    with ReplicaServer(extra_ids=200) as server:
        failed = crawl(
            server, tmp_path, archive_url, {"start_id": str(fx.FIRST_ID)}, ARCHIVE_BATCH_SIZE="3",
            CONCURRENT_REQUESTS="2",
        )  # fmt: skip
        fetched = sum(n for p, n in server.hits.items() if "/details/" in p)
        with engine.begin() as connection:
            connection.execute(
                text("DROP TRIGGER refuse" + ("" if "sqlite" in archive_url else " ON articles"))
            )
        again = crawl(server, tmp_path, archive_url)
        expected = fx.ARTICLE_IDS | set(server.synthetic_ids)
    engine.dispose()
    assert failed.returncode == EXIT_ARCHIVE_FAILED, failed.stderr[-3000:]
    assert "archive writes failed: stopping the crawl" in failed.stderr
    assert "disk full (test trigger)" in failed.stderr
    assert fetched < len(expected)  # it stopped fetching instead of crawling into the void
    assert again.returncode == 0, again.stderr[-3000:]
    with ArchiveStore(archive_url) as store:
        assert {a["article_id"] for a in store.iter_articles()} == expected  # nothing lost
        assert store.get_runs()[1]["exit_code"] == EXIT_ARCHIVE_FAILED


def test_one_crawl_per_archive_across_working_directories(archive_url: str, tmp_path: Path) -> None:
    """The lock belongs to the archive: a crawl from another directory (a relative SQLite path
    there) or against the same PostgreSQL database exits 4 without a request."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    crawl_url = archive_url
    if archive_url.startswith("sqlite"):
        database = Path(archive_url.removeprefix("sqlite:///"))
        crawl_url = f"sqlite:///{os.path.relpath(database, elsewhere)}"
    with ArchiveStore(archive_url) as holder, ReplicaServer() as server:
        lock = holder.crawl_lock()
        blocked = crawl(server, tmp_path, crawl_url, {"ids": "1001"}, cwd=elsewhere)
        hits = sum(server.hits.values())
        lock.release()
        allowed = crawl(server, tmp_path, crawl_url, {"ids": "1001"}, cwd=elsewhere)
    assert blocked.returncode == EXIT_LOCKED, blocked.stderr[-3000:]
    assert "another crawl run holds the lock of this archive" in blocked.stderr
    assert hits == 0
    assert allowed.returncode == 0, allowed.stderr[-3000:]
    with ArchiveStore(archive_url) as store:
        assert [a["article_id"] for a in store.iter_articles()] == [1001]


@pytest.fixture(scope="module")
def first_crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the archive and index of one crawl of 1001-1010 (the same for every kind
    of damage below, so it is crawled once and copied)."""
    folder = tmp_path_factory.mktemp("first_crawl")
    with ReplicaServer(extra_ids=4) as server:
        first = crawl(
            server, folder, f"sqlite:///{folder / 'archive.sqlite3'}",
            {"start_id": "1001", "end_id": "1010"},
        )  # fmt: skip
    assert first.returncode == 0, first.stderr[-3000:]
    return folder


@pytest.mark.parametrize("damage", ["missing", "emptied", "corrupt"])
def test_lost_or_damaged_index_is_reported_never_recreated_empty(
    tmp_path: Path, damage: str, first_crawl: Path
) -> None:
    from search.backends.embedded import EmbeddedBackend
    from search.cli import app

    shutil.copytree(first_crawl, tmp_path, dirs_exist_ok=True)
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    index = tmp_path / "search.sqlite3"
    env = {"THAIGOV_ARCHIVE_URL": url, "THAIGOV_SEARCH_PATH": str(index)}
    with ReplicaServer(extra_ids=4) as server:
        if damage == "missing":
            index.unlink()
        elif damage == "emptied":
            index.unlink()
            EmbeddedBackend(index).ensure_schema()  # a fresh, empty index in its place
        else:
            index.write_bytes(b"this is not an SQLite database" * 100)
        damaged = index.read_bytes() if index.exists() else None
        second = crawl(server, tmp_path, url, {"start_id": "1011"})
    assert second.returncode == EXIT_INDEX_BROKEN, second.stderr[-3000:]
    assert "rebuild it with `thaigov reindex --all`" in second.stderr
    assert (index.read_bytes() if index.exists() else None) == damaged  # untouched
    with ArchiveStore(url) as store:
        assert store.count(pending_only=True) > 0  # new articles archived, waiting
        run = store.get_runs()[0]
        assert run["stats"]["index/broken"]
        assert (run["status"], run["exit_code"]) == ("index_broken", EXIT_INDEX_BROKEN)
    runner = CliRunner()
    check = runner.invoke(app, ["reindex", "--check"], env=env)
    assert check.exit_code == 1
    assert check.stderr.startswith("error: search index unreadable"), check.output
    assert "rebuild it with `thaigov reindex --all`" in check.stderr
    pending = runner.invoke(app, ["reindex", "--pending", "--workers", "1"], env=env)
    assert pending.exit_code == 1  # refuses to fill a damaged index piecemeal
    assert len(pending.stderr.strip().splitlines()) == 1, pending.stderr  # one line, no traceback
    rebuilt = runner.invoke(app, ["reindex", "--all", "--workers", "1"], env=env)
    assert rebuilt.exit_code == 0, rebuilt.output
    check = runner.invoke(app, ["reindex", "--check"], env=env)
    assert check.exit_code == 0, check.output
    assert "index and archive agree" in check.output


def test_reindex_check_reports_ids_and_hashes_that_differ(tmp_path: Path) -> None:
    from search.backends.embedded import EmbeddedBackend
    from search.cli import app

    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    index = tmp_path / "search.sqlite3"
    env = {"THAIGOV_ARCHIVE_URL": url, "THAIGOV_SEARCH_PATH": str(index)}
    with ReplicaServer() as server:
        assert crawl(server, tmp_path, url, {"ids": "1001,1002,1003"}).returncode == 0
    backend = EmbeddedBackend(index)
    backend.delete([1002])
    conn = sqlite3.connect(index)
    conn.execute("UPDATE docs SET content_hash = 'other' WHERE article_id = 1003")
    conn.commit()
    conn.close()
    backend.close()
    check = CliRunner().invoke(app, ["reindex", "--check"], env={**env, "COLUMNS": "200"})
    assert check.exit_code == 1
    assert "missing from the index: 1002" in check.output
    assert "indexed with another content hash: 1003" in check.output
    report = CliRunner().invoke(app, ["reindex", "--check", "--json"], env=env)
    assert report.exit_code == 1
    divergence = json.loads(report.stdout)
    assert (divergence["missing"], divergence["stale"], divergence["extra"]) == ([1002], [1003], [])
    assert divergence["clean"] is False
    repair = CliRunner().invoke(app, ["reindex", "--pending", "--workers", "1"], env=env)
    assert repair.exit_code == 0, repair.output
    check = CliRunner().invoke(app, ["reindex", "--check", "--json"], env=env)
    assert check.exit_code == 0, check.output
    assert json.loads(check.stdout)["clean"] is True
    backend = EmbeddedBackend(index)
    try:
        assert backend.indexed_hashes()[1003] != "other"
    finally:
        backend.close()


def test_summary_line_carries_the_open_gaps_and_the_new_exit_codes() -> None:
    from thaigov_crawler.run_summary import OPEN_GAPS_STAT, RUN_ID_STAT, summary_line

    stats = {
        "finish_reason": "finished",
        OPEN_GAPS_STAT: 3,
        f"{OPEN_GAPS_STAT}/failed": 2,
        f"{OPEN_GAPS_STAT}/unanswered": 1,
        RUN_ID_STAT: 9,
    }
    line = summary_line(stats, 0)
    assert "open_gaps=3 gaps_failed=2 gaps_unanswered=1 gaps_given_up=0 run_record=9" in line
    assert line.endswith("run_record=9")  # the run record's id stays last
    assert "open_gaps" not in summary_line({"finish_reason": "finished"}, 0)  # range crawls
    assert "exit_code=6 (archive writes failed)" in summary_line({}, 6)
    assert "exit_code=7 (search index broken)" in summary_line({}, 7)
    assert "exit_code=130 (stopped by force)" in summary_line({}, 130)
