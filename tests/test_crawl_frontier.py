"""The durable frontier: its pure rules (plan_run, open_gaps) and its rows in the archive
(SQLite and the real PostgreSQL), the archive's crawl lock and the ``interrupted`` mark."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pipelines.archive.locks import LockHeld, sqlite_lock_path
from pipelines.archive.store import ArchiveStore
from pipelines.core.frontier import (
    FrontierEntry,
    FrontierPolicy,
    count_by_state,
    open_gaps,
    plan_run,
)

NOW = dt.datetime(2026, 11, 30, 6, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
POLICY = FrontierPolicy(
    backoff_seconds=3600, backoff_max_seconds=86400, give_up_runs=3, give_up_days=10,
    recheck_ids=5, recheck_days=2,
)  # fmt: skip


def entry(
    article_id: int, state: str, attempts: int = 0, age: dt.timedelta = HOUR
) -> FrontierEntry:
    return FrontierEntry(
        article_id,
        state,  # type: ignore[arg-type]
        attempts=attempts,
        first_seen_at=NOW - age,
        last_attempt_at=NOW - age,
    )


def entries(*items: FrontierEntry) -> dict[int, FrontierEntry]:
    return {e.article_id: e for e in items}


# --- pure rules -------------------------------------------------------------------------------
def test_holes_below_the_head_are_requested_before_the_probe() -> None:
    # 100..110 tracked; 103 and 107 never answered (no row), 105 failed long enough ago.
    rows = entries(
        entry(101, "not_article", age=dt.timedelta(days=9)),
        entry(105, "failed", attempts=1, age=2 * HOUR),
        entry(110, "article"),
    )
    plan = plan_run(100, rows, [100, 102, 104, 106, 108, 109], now=NOW, policy=POLICY)
    assert plan.head == 110
    assert plan.retry == [103, 105, 107]
    assert plan.probe_from == 111
    assert plan.new_floor == 103  # 100..102 are settled for good


def test_failed_ids_back_off_exponentially_then_are_given_up() -> None:
    assert POLICY.backoff(1) == HOUR
    assert POLICY.backoff(3) == 4 * HOUR
    assert POLICY.backoff(30) == dt.timedelta(days=1)  # capped
    waiting = entries(entry(5, "failed", attempts=2, age=HOUR), entry(9, "article"))
    plan = plan_run(5, waiting, [], now=NOW, policy=POLICY)
    assert plan.retry == [6, 7, 8]  # 5 waits 2 h after its second failure
    assert plan.new_floor == 5  # and holds the floor while it waits
    given_up = entries(entry(5, "failed", attempts=3), entry(9, "article"))
    assert plan_run(5, given_up, [], now=NOW, policy=POLICY).give_up == [5]
    old = entries(entry(5, "failed", attempts=1, age=dt.timedelta(days=11)), entry(9, "article"))
    assert plan_run(5, old, [], now=NOW, policy=POLICY).give_up == [5]
    # Never-answered ids are not the site's fault: asked again every run, never given up.
    unanswered = entries(entry(5, "unanswered", attempts=50, age=dt.timedelta(days=99)))
    plan = plan_run(5, {**unanswered, 9: entry(9, "article")}, [], now=NOW, policy=POLICY)
    assert plan.give_up == [] and plan.retry[0] == 5


def test_young_non_articles_just_below_the_head_are_rechecked() -> None:
    rows = entries(
        entry(10, "not_article"),  # too far below the head (20 - 5)
        entry(16, "not_article"),  # in the window, young: asked again
        entry(17, "not_article", age=dt.timedelta(days=3)),  # in the window, too old
        entry(20, "article"),
    )
    archived = [i for i in range(10, 21) if i not in (10, 16, 17)]
    plan = plan_run(10, rows, archived, now=NOW, policy=POLICY)
    assert plan.retry == [16]
    assert plan.new_floor == 16


def test_empty_frontier_probes_from_the_floor() -> None:
    plan = plan_run(500, {}, [], now=NOW, policy=POLICY)
    assert (plan.head, plan.retry, plan.probe_from, plan.new_floor) == (499, [], 500, 500)


def test_open_gaps_lists_failed_unanswered_and_given_up_below_the_head() -> None:
    rows = entries(
        entry(3, "given_up", attempts=3),  # below the floor, still a gap
        entry(11, "failed", attempts=2),
        entry(12, "not_article"),
        entry(13, "unanswered", attempts=1),
        entry(15, "article"),
        entry(17, "failed"),  # above the head: the probe asks again, not a gap
    )
    gaps = open_gaps(10, rows, [10, 15])
    assert [(g.article_id, g.state) for g in gaps] == [
        (3, "given_up"),
        (11, "failed"),
        (13, "unanswered"),
        (14, "unanswered"),
    ]
    assert count_by_state(gaps) == {"failed": 1, "unanswered": 2, "given_up": 1}
    assert open_gaps(10, rows, [3, 10, 11, 13, 14, 15]) == []


def test_failed_ids_past_the_head_widen_the_probe_a_bounded_number_of_times() -> None:
    from thaigov_crawler.frontier import MissRunFrontier

    frontier = MissRunFrontier(10, max_misses=3)
    assert frontier.due() == [10, 11, 12]
    frontier.record_failure(12)  # a 503 is not a miss: one more id is worth asking
    assert frontier.due() == [13]
    frontier.record_failure(13)
    frontier.record_failure(11)
    assert frontier.due() == [14, 15]
    frontier.record_failure(14)
    frontier.record_failure(15)
    assert frontier.due() == []  # at most max_misses failures widen it: an outage ends
    frontier.record_hit(13)  # failures below the head no longer count
    assert frontier.limit == 13 + 3 + 2


# --- rows in the archive ----------------------------------------------------------------------
def test_frontier_rows_count_attempts_and_report_gaps(archive_url: str) -> None:
    with ArchiveStore(archive_url) as store:
        assert store.frontier_gaps() == (None, [])
        store.set_frontier_floor(100)
        store.record_frontier([(101, "failed", "http_503"), (102, "not_article", "soft_404")])
        store.record_frontier([(101, "failed", "http_502"), (104, "article", None)])
        store.upsert_batch([_article(104)])
        rows = store.frontier_entries(100)
        assert (rows[101].state, rows[101].attempts, rows[101].detail) == ("failed", 2, "http_502")
        assert rows[101].first_seen_at is not None and rows[101].last_attempt_at is not None
        assert rows[101].first_seen_at < rows[101].last_attempt_at
        assert (rows[102].state, rows[102].attempts) == ("not_article", 0)
        floor, gaps = store.frontier_gaps()
        assert floor == 100
        assert [(g.article_id, g.state, g.attempts) for g in gaps] == [
            (100, "unanswered", 0),
            (101, "failed", 2),
            (103, "unanswered", 0),
        ]
        assert store.give_up_frontier([101, 102]) == 1  # only failed ids are given up
        store.set_frontier_floor(103)
        assert [g.state for g in store.frontier_gaps()[1]] == ["given_up", "unanswered"]
        assert store.stats()["open_gaps"] == 2


def test_interrupted_runs_are_marked(archive_url: str) -> None:
    with ArchiveStore(archive_url) as store:
        dead = store.start_run("thaigov", {})
        finished = store.start_run("thaigov", {})
        store.finish_run(finished, {}, "finished", 0)
        assert store.mark_interrupted_runs() == [dead]
        statuses = {run["id"]: run["status"] for run in store.get_runs()}
        assert statuses == {dead: "interrupted", finished: "finished"}
        assert store.mark_interrupted_runs() == []


def test_archive_lock_is_exclusive_and_released(archive_url: str) -> None:
    with ArchiveStore(archive_url) as first, ArchiveStore(archive_url) as second:
        lock = first.crawl_lock()
        with pytest.raises(LockHeld):
            second.crawl_lock()
        lock.release()
        second.crawl_lock().release()


def test_sqlite_lock_is_keyed_by_the_absolute_database_path(tmp_path: Path) -> None:
    """Two working directories naming one database file (relative and absolute) collide."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    database = tmp_path / "a" / "archive.sqlite3"
    ArchiveStore(f"sqlite:///{database}").close()
    code = (
        "import sys\n"
        "from pipelines.archive.store import ArchiveStore\n"
        "from pipelines.archive.locks import LockHeld\n"
        "store = ArchiveStore('sqlite:///../a/archive.sqlite3')\n"
        "try:\n"
        "    store.crawl_lock()\n"
        "except LockHeld as exc:\n"
        "    print(exc); sys.exit(4)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    assert (
        sqlite_lock_path("sqlite:///relative.db") == Path.cwd().resolve() / "relative.db.crawl-lock"
    )
    with ArchiveStore(f"sqlite:///{database}") as store:
        lock = store.crawl_lock()
        held = subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path / "b",
            env=env,
            capture_output=True,
            text=True,
        )
        lock.release()
    free = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path / "b", env=env, capture_output=True, text=True
    )
    assert held.returncode == 4, held.stderr
    assert f"pid {os.getpid()}" in held.stdout
    assert free.returncode == 0, free.stderr


def test_gaps_command_lists_gaps_as_json_and_db_stats_shows_them(archive_url: str) -> None:
    from search.cli import app

    with ArchiveStore(archive_url) as store:
        store.set_frontier_floor(200)
        store.record_frontier([(201, "failed", "http_503: boom"), (203, "article", None)])
        store.upsert_batch([_article(203)])
    env = {"THAIGOV_ARCHIVE_URL": archive_url}
    listed = CliRunner().invoke(app, ["gaps", "--json"], env=env)
    assert listed.exit_code == 0, listed.output
    gaps = [json.loads(line) for line in listed.output.splitlines()]
    assert [(g["article_id"], g["state"], g["attempts"]) for g in gaps] == [
        (200, "unanswered", 0),
        (201, "failed", 1),
        (202, "unanswered", 0),
    ]
    assert gaps[1]["detail"] == "http_503: boom"
    table = CliRunner().invoke(app, ["gaps"], env=env)
    assert "3 open gaps from id 200" in table.output
    stats = CliRunner().invoke(app, ["db", "stats"], env={**env, "COLUMNS": "200"})
    assert stats.exit_code == 0, stats.output
    assert "open gaps (thaigov gaps)" in stats.output
    assert "failed 1, unanswered 2, given up 0" in stats.output


def _article(article_id: int) -> dict[str, object]:
    return {
        "article_id": article_id,
        "url": f"https://www.thaigov.go.th/news/contents/details/{article_id}",
        "title": f"ข่าวทดสอบ {article_id}",
        "category": None,
        "lang": "th",
        "published_date_text": None,
        "published_date_numeric_text": None,
        "body": "เนื้อหา",
        "hashtags": [],
        "images": [],
        "attachments": [],
        "fetched_at": "2026-11-30T00:00:00+00:00",
        "source": "crawl",
        "published_date": None,
        "date_mentions": [],
        "date_warnings": [],
    }


# --- index parity and JOBDIR feeds -------------------------------------------------------------
def test_probe_index_file_tells_missing_empty_corrupt_and_ok(tmp_path: Path) -> None:
    from search.backends.embedded import EmbeddedBackend, probe_index_file
    from search.services.documents import document_from_article
    from search.services.indexer import index_file_problem

    path = tmp_path / "search.sqlite3"
    assert probe_index_file(path).status == "missing"
    assert not path.exists()  # probing never creates the file
    assert index_file_problem(probe_index_file(path), 0) is None  # a new archive: fine
    assert "is missing" in (index_file_problem(probe_index_file(path), 3) or "")
    backend = EmbeddedBackend(path)
    backend.ensure_schema()
    assert probe_index_file(path).status == "empty"
    assert "holds no documents" in (index_file_problem(probe_index_file(path), 3) or "")
    backend.index_batch([document_from_article(_article(7) | {"content_hash": "h7"})])
    backend.close()
    state = probe_index_file(path)
    assert (state.status, state.documents) == ("ok", 1)
    assert index_file_problem(state, 1) is None
    path.write_bytes(b"\0garbage" * 512)
    state = probe_index_file(path)
    assert state.status == "corrupt" and state.error
    assert "is corrupt" in (index_file_problem(state, 0) or "")


def test_compare_with_archive_finds_missing_extra_stale_and_pending() -> None:
    from search.services.indexer import compare_with_archive

    archive = {1: ("a", True), 2: ("b", True), 3: ("c", False), 4: ("d", True)}
    index: dict[int, str | None] = {1: "a", 2: "other", 5: "e", 4: "d"}
    result = compare_with_archive(archive, index)
    assert (result.missing, result.extra, result.stale, result.pending) == ([3], [5], [2], 1)
    assert not result.clean
    agree = compare_with_archive({1: ("a", True)}, {1: "a"})
    assert agree.clean


def test_appended_jsonlines_feeds_count_as_done_and_lose_a_cut_line(tmp_path: Path) -> None:
    from scrapy.settings import Settings

    from thaigov_crawler.spiders.thaigov import _exported_ids

    feed = tmp_path / "out.jsonl"
    feed.write_bytes(b'{"article_id": 5}\n{"article_id": 9}\n{"article_id": 1')
    overwritten = tmp_path / "new.jsonl"
    overwritten.write_text('{"article_id": 77}\n')
    settings = Settings(
        {
            "FEEDS": {
                str(feed): {"format": "jsonlines"},
                str(overwritten): {"format": "jsonlines", "overwrite": True},
                str(tmp_path / "x.csv"): {"format": "csv"},
            }
        }
    )
    assert _exported_ids(settings) == {5, 9}
    assert feed.read_bytes() == b'{"article_id": 5}\n{"article_id": 9}\n'
