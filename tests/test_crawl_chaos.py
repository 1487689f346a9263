"""Chaos: scheduled incremental crawls killed at random points lose nothing.

Each scenario runs ``scrapy crawl thaigov`` (default pipelines: archive and embedded index)
against the local replica, on SQLite and on the real PostgreSQL:

1. a run SIGKILLed at a random point, while some ids answer 503 to every retry;
2. a run stopped cleanly at a random point (SIGINT, or SIGTERM for the other seed), the same
   ids still failing;
3. a run stopped by force (two SIGINTs in a row), the same ids still failing;
4. and 5. plain runs, the site healthy again.

Then: every article of the replica is archived exactly once (0 lost, 0 duplicated, no spurious
versions), ``thaigov reindex --check`` is clean, every archived title is found by a search, the
killed and forced runs are marked ``interrupted`` and the open gaps are 0. The same for a JOBDIR
range crawl with a feed export, killed and stopped at random points: each article in the feed
once. (A complete run with failing ids, open gaps and exit 0 is in test_crawl_exits.py.)
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.replica import ReplicaServer
from tests.replica import fixtures as fx
from tests.test_crawl_e2e import DEFAULT, REPO_ROOT, crawl_command
from thaigov_crawler.extensions import EXIT_FORCED_STOP

SEEDS = (3, 17, 29)  # one scenario per seed: SQLite twice, PostgreSQL once
EXTRA_IDS = 100
DELAY = 0.025  # seconds per response: a run lasts long enough to be killed mid-way
CHAOS = {
    "ITEM_PIPELINES": DEFAULT,
    "CONCURRENT_REQUESTS": "4",
    "CONCURRENT_REQUESTS_PER_DOMAIN": "4",
    "THAIGOV_MAX_CONSECUTIVE_MISSES": "4",
    "RETRY_TIMES": "1",
    "THAIGOV_FRONTIER_BACKOFF_SECONDS": "0",
    "ARCHIVE_BATCH_SIZE": "7",
    "SEARCH_INDEX_BATCH_SIZE": "11",
}


def detail_hits(server: ReplicaServer) -> int:
    return sum(n for path, n in server.hits.items() if "/details/" in path)


def start(
    server: ReplicaServer,
    tmp_path: Path,
    env: dict[str, str],
    args: dict[str, str],
    **settings: str,
) -> subprocess.Popen[str]:
    command, base_env = crawl_command(server.base_url, tmp_path, args, {**CHAOS, **settings})
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**base_env, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def interrupt_after(
    proc: subprocess.Popen[str],
    server: ReplicaServer,
    hits: int,
    signum: int,
    *,
    twice: bool = False,
) -> str:
    """Send ``signum`` once the replica has answered ``hits`` more detail requests (``twice``:
    again 10 ms later, Scrapy's "force" stop)."""
    target = detail_hits(server) + hits
    deadline = time.monotonic() + 90
    while proc.poll() is None and detail_hits(server) < target and time.monotonic() < deadline:
        time.sleep(0.005)
    if proc.poll() is None:
        proc.send_signal(signum)
        if twice:
            time.sleep(0.01)
            if proc.poll() is None:
                proc.send_signal(signum)
    out, _ = proc.communicate(timeout=90)
    return out


def finish(proc: subprocess.Popen[str]) -> tuple[int, str]:
    out, _ = proc.communicate(timeout=120)
    return proc.returncode, out


@pytest.mark.parametrize(
    ("archive_url", "seed"),
    [
        ("sqlite", SEEDS[0]),
        ("sqlite", SEEDS[1]),
        pytest.param("postgres", SEEDS[2], marks=pytest.mark.postgres),
    ],
    indirect=["archive_url"],
)
def test_incremental_crawls_killed_at_random_lose_nothing(
    archive_url: str, tmp_path: Path, seed: int
) -> None:
    from pipelines.archive.store import ArchiveStore
    from search.backends.embedded import EmbeddedBackend
    from search.cli import app
    from search.core.query import SearchQuery

    rng = random.Random(seed)
    search_path = tmp_path / "search.sqlite3"
    env = {"THAIGOV_ARCHIVE_URL": archive_url, "THAIGOV_SEARCH_PATH": str(search_path)}
    args = {"start_id": str(fx.FIRST_ID)}
    with ReplicaServer(extra_ids=EXTRA_IDS, delay=DELAY) as server:
        expected = fx.ARTICLE_IDS | set(server.synthetic_ids)
        failing = set(rng.sample(sorted(expected - {fx.FIRST_ID}), 4))
        server.failing_ids = failing
        total = server.last_id - fx.FIRST_ID + 1
        # Kill points shrink run after run, so each run still has work left when it is hit.
        # 1: SIGKILL at a random point (the first run fixes the frontier's floor).
        out1 = interrupt_after(
            start(server, tmp_path, env, args), server, rng.randint(5, total // 3), signal.SIGKILL
        )
        # 2: a clean stop at a random point; later runs are plain incremental ones.
        stop = signal.SIGINT if seed == SEEDS[0] else signal.SIGTERM
        proc = start(server, tmp_path, env, {})
        out2 = interrupt_after(proc, server, rng.randint(5, total // 4), stop)
        code2 = proc.returncode
        # 3: stopped by force (a second Ctrl-C while shutting down).
        proc = start(server, tmp_path, env, {})
        out3 = interrupt_after(proc, server, rng.randint(3, total // 6), signal.SIGINT, twice=True)
        server.failing_ids = set()
        code4, out4 = finish(start(server, tmp_path, env, {}))
        code5, out5 = finish(start(server, tmp_path, env, {}))
    logs = "\n=====\n".join([out1[-2000:], out2[-2000:], out3[-2000:], out4[-3000:], out5[-3000:]])
    assert (code2, code4, code5) == (0, 0, 0), logs
    assert proc.returncode in (0, EXIT_FORCED_STOP), logs  # 0 if the first signal sufficed
    forced = proc.returncode == EXIT_FORCED_STOP
    assert "open_gaps=0 " in [line for line in out5.splitlines() if line.strip()][-1], logs

    with ArchiveStore(archive_url) as store:
        archived = [a["article_id"] for a in store.iter_articles()]
        assert sorted(archived) == sorted(expected), logs  # 0 lost, 0 duplicated, 0 extra
        assert all(not store.get_versions(i) for i in expected)  # same text: no new versions
        assert store.frontier_gaps()[1] == [], logs
        runs = list(reversed(store.get_runs(10)))
        statuses = [run["status"] for run in runs]
        assert statuses[0] == "interrupted", statuses
        assert statuses[1] == "shutdown", statuses
        assert statuses[2] == ("interrupted" if forced else "shutdown"), statuses
        assert statuses[3:] == ["finished"] * 2, statuses
        assert runs[4]["stats"]["thaigov/open_gaps"] == 0
        titles = {a["article_id"]: a["title"] for a in store.iter_articles()}

    check = CliRunner().invoke(app, ["reindex", "--check"], env=env)
    assert check.exit_code == 0, check.output
    assert "index and archive agree" in check.output
    backend = EmbeddedBackend(search_path)
    try:
        not_found = [
            article_id
            for article_id, title in titles.items()
            if article_id
            not in {h.article_id for h in backend.search(SearchQuery.build(title, limit=10)).hits}
        ]
    finally:
        backend.close()
    assert not_found == []


@pytest.mark.parametrize("seed", SEEDS[:1])
def test_jobdir_feed_holds_each_article_once_across_kill_and_stop(
    tmp_path: Path, seed: int
) -> None:
    rng = random.Random(seed)
    out = tmp_path / "out.jsonl"
    jobdir = tmp_path / "job"
    with ReplicaServer(extra_ids=EXTRA_IDS, delay=DELAY) as server:
        expected = fx.ARTICLE_IDS | set(server.synthetic_ids)
        args = {"start_id": str(fx.FIRST_ID), "end_id": str(server.last_id)}
        settings: dict[str, Any] = {"ITEM_PIPELINES": "{}", "JOBDIR": str(jobdir)}
        env: dict[str, str] = {}
        total = server.last_id - fx.FIRST_ID + 1

        def run(signum: int | None) -> tuple[int | None, str]:
            command, base_env = crawl_command(server.base_url, tmp_path, args, settings)
            command += ["-o", str(out)]
            proc = subprocess.Popen(
                command,
                cwd=REPO_ROOT,
                env={**base_env, **env},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            if signum is None:
                return finish(proc)
            text = interrupt_after(proc, server, rng.randint(5, total // 3), signum)
            return proc.returncode, text

        logs = [run(signal.SIGKILL)[1], run(signal.SIGINT)[1], run(signal.SIGKILL)[1]]
        code, last = run(None)
    lines = out.read_text(encoding="utf-8").splitlines()
    exported = [json.loads(line)["article_id"] for line in lines]
    assert code == 0, last[-3000:]
    duplicates = sorted({i for i in exported if exported.count(i) > 1})
    assert duplicates == [], "\n=====\n".join(text[-1500:] for text in logs)
    assert sorted(exported) == sorted(expected)
