"""The commands as an operator runs them: from a fresh directory, with a home that cannot be
written, with settings from ``-s``, the environment and the defaults.

- read-only commands (search, show, db stats, export, serve) on a missing archive or index say
  where they looked, exit 1 and create nothing;
- writing commands create the data directory, or stop with one line when they cannot;
- a crawl of the replica, a corpus import and the readers work with ``HOME`` unwritable;
- ``-s THAIGOV_*`` beats ``THAIGOV_*`` in the environment beats the defaults in a real crawl.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipelines.archive.store import ArchiveStore
from search.backends.embedded import EmbeddedBackend
from tests.replica import ReplicaServer
from tests.replica import fixtures as fx
from tests.test_corpus_format import write_corpus
from tests.test_corpus_import import CORPUS
from tests.test_crawl_e2e import FAST

REPO_ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from search.cli import main; main()"]


def operator_env(home: Path, **values: str) -> dict[str, str]:
    """The caller's environment without any THAIGOV_*/PyThaiNLP choice, plus ``values``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("THAIGOV_", "PYTHAINLP_"))
    }
    env.update(HOME=str(home), PYTHONPATH=str(REPO_ROOT), COLUMNS="200", **values)
    return env


def run(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 240
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


@pytest.fixture
def unwritable_home(tmp_path: Path) -> Path:
    """A home directory that cannot be created or written (even by root: its parent is a file)."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where a folder would have to be")
    return blocker / "home"


@pytest.fixture
def fresh(tmp_path: Path) -> Path:
    folder = tmp_path / "fresh"
    folder.mkdir()
    return folder


READERS = {
    "search": (["search", "นายกรัฐมนตรี"], "data/search.sqlite3"),
    "show": (["show", "1001"], "data/thaigov.sqlite3"),
    "db stats": (["db", "stats"], "data/thaigov.sqlite3"),
    "export": (["export", "-o", "out.jsonl"], "data/thaigov.sqlite3"),
    "serve": (["serve", "--port", "9"], "data/thaigov.sqlite3"),
}


@pytest.mark.parametrize("command", sorted(READERS))
def test_reader_on_a_missing_archive_says_where_it_looked_and_creates_nothing(
    command: str, fresh: Path, unwritable_home: Path
) -> None:
    args, missing = READERS[command]
    result = run([*CLI, *args], fresh, operator_env(unwritable_home))
    assert result.returncode == 1, result.stdout + result.stderr
    assert str(fresh / missing) in result.stderr
    assert "Traceback" not in result.stderr
    assert tree(fresh) == []


@pytest.mark.parametrize(
    "args", [["search", "นายกรัฐมนตรี"], ["export", "-o", "out.jsonl", "-q", "ครม"], ["serve"]]
)
def test_reader_on_a_missing_index_says_where_it_looked_and_creates_nothing(
    args: list[str], fresh: Path, unwritable_home: Path
) -> None:
    archive = fresh / "data" / "thaigov.sqlite3"
    ArchiveStore.open_for_writing(f"sqlite:///{archive}").close()
    before = tree(fresh)
    result = run([*CLI, *args], fresh, operator_env(unwritable_home))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"no search index at {fresh / 'data' / 'search.sqlite3'}" in result.stderr
    assert "Traceback" not in result.stderr
    # PyThaiNLP's folder may appear inside an existing data directory; no index, no archive.
    assert [p for p in tree(fresh) if not p.startswith("data/pythainlp")] == before


def test_reader_on_another_schema_asks_for_db_upgrade(fresh: Path, unwritable_home: Path) -> None:
    archive = fresh / "data" / "thaigov.sqlite3"
    url = f"sqlite:///{archive}"
    with ArchiveStore.open_for_writing(url) as store, store.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE alembic_version SET version_num = '0000_older'")
    env = operator_env(unwritable_home)
    result = run([*CLI, "db", "stats"], fresh, env)
    assert result.returncode == 1
    assert (
        "schema 0000_older" in result.stderr and "run `thaigov db upgrade` first" in result.stderr
    )

    # An empty database file (no schema yet): readers refuse, `db upgrade` creates the schema.
    archive.unlink()
    archive.touch()
    refused = run([*CLI, "db", "stats"], fresh, env)
    assert refused.returncode == 1 and "thaigov db upgrade" in refused.stderr
    assert archive.stat().st_size == 0
    upgraded = run([*CLI, "db", "upgrade"], fresh, env)
    assert upgraded.returncode == 0, upgraded.stderr
    stats = run([*CLI, "db", "stats", "--json"], fresh, env)
    assert stats.returncode == 0, stats.stderr
    assert json.loads(stats.stdout)["articles"] == 0


@pytest.mark.parametrize(
    "args",
    [
        ["db", "upgrade"],
        ["reindex"],
        ["import-corpus", "CORPUS"],
        ["crawl", "-a", "ids=1001", "-s", "THAIGOV_BASE_URL=http://127.0.0.1:9"],
    ],
)
def test_writer_with_an_unwritable_data_directory_stops_with_one_line(
    args: list[str], fresh: Path, unwritable_home: Path, tmp_path: Path
) -> None:
    write_corpus(tmp_path / "corpus", CORPUS)
    args = [str(tmp_path / "corpus") if a == "CORPUS" else a for a in args]
    data_dir = unwritable_home.parent / "data"  # under a file: cannot be created
    result = run([*CLI, "--data-dir", str(data_dir), *args], fresh, operator_env(unwritable_home))
    assert result.returncode == 1, result.stdout + result.stderr
    # One error line, no traceback (a crawl's Scrapy start-up log lines may come before it).
    [line] = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert f"cannot create the directory {data_dir}" in line
    assert "Traceback" not in result.stderr
    assert tree(fresh) == []


def test_import_search_show_export_with_an_unwritable_home(
    fresh: Path, unwritable_home: Path, tmp_path: Path
) -> None:
    """Defaults only: the data directory appears under the working directory, nowhere else."""
    write_corpus(tmp_path / "corpus", CORPUS)
    env = operator_env(unwritable_home)
    imported = run([*CLI, "import-corpus", str(tmp_path / "corpus"), "--json"], fresh, env)
    assert imported.returncode == 0, imported.stderr[-3000:]
    assert json.loads(imported.stdout)["inserted"] == 2
    assert (fresh / "data" / "thaigov.sqlite3").is_file()
    assert (fresh / "data" / "search.sqlite3").is_file()

    found = run([*CLI, "search", "หนังสือ", "--json"], fresh, env)
    assert found.returncode == 0, found.stderr[-3000:]
    assert [json.loads(line)["article_id"] for line in found.stdout.splitlines()] == [90001]
    # Once the data directory exists, PyThaiNLP's folder lives in it.
    assert (fresh / "data" / "pythainlp").is_dir()

    shown = run([*CLI, "show", "90001", "--json"], fresh, env)
    assert shown.returncode == 0 and json.loads(shown.stdout)["article_id"] == 90001
    stats = run([*CLI, "db", "stats", "--json"], fresh, env)
    assert stats.returncode == 0 and json.loads(stats.stdout)["articles"] == 2
    exported = run([*CLI, "export", "-o", "out.jsonl"], fresh, env)
    assert exported.returncode == 0, exported.stderr[-3000:]
    assert len((fresh / "out.jsonl").read_text(encoding="utf-8").splitlines()) == 2


@pytest.fixture(scope="module")
def replica() -> Iterator[ReplicaServer]:
    with ReplicaServer() as server:
        yield server


def test_crawl_with_an_unwritable_home_then_search(
    replica: ReplicaServer, fresh: Path, unwritable_home: Path
) -> None:
    settings = [arg for name, value in FAST.items() for arg in ("-s", f"{name}={value}")]
    crawled = run(
        [*CLI, "crawl", "-a", f"ids={fx.FIRST_ID}", *settings],
        fresh,
        operator_env(unwritable_home, THAIGOV_BASE_URL=replica.base_url),
    )
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    found = run([*CLI, "search", "ตลาดชุมชน", "--json"], fresh, operator_env(unwritable_home))
    assert found.returncode == 0, found.stderr[-3000:]
    assert [json.loads(line)["article_id"] for line in found.stdout.splitlines()] == [fx.FIRST_ID]
    assert (fresh / "data" / "crawl.lock").exists()  # the default lock lives in the data dir


def test_scrapy_settings_beat_the_environment_in_a_real_crawl(
    replica: ReplicaServer, tmp_path: Path, unwritable_home: Path
) -> None:
    """``-s THAIGOV_SEARCH_PATH`` used to be ignored by the index pipeline; now every THAIGOV_*
    value follows -s over environment over default, here through ``scrapy crawl``."""
    env = operator_env(
        unwritable_home,
        THAIGOV_BASE_URL=replica.base_url,
        THAIGOV_DATA_DIR=str(tmp_path / "env-data"),
        THAIGOV_ARCHIVE_URL=f"sqlite:///{tmp_path / 'env-archive.sqlite3'}",
        THAIGOV_SEARCH_PATH=str(tmp_path / "env-search.sqlite3"),
        THAIGOV_MAX_CONSECUTIVE_MISSES="7",
        THAIGOV_USER_AGENT="env-agent/1.0",
        THAIGOV_STATS_FILE=str(tmp_path / "env-stats.json"),
    )
    cli = {
        **FAST,
        "THAIGOV_SEARCH_PATH": str(tmp_path / "cli-search.sqlite3"),
        "THAIGOV_MAX_CONSECUTIVE_MISSES": "3",
        "THAIGOV_USER_AGENT": "cli-agent/1.0",
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "thaigov", "-a", f"start_id={fx.FIRST_ID}"]
    command += [arg for name, value in cli.items() for arg in ("-s", f"{name}={value}")]
    crawled = run(command, REPO_ROOT, env, timeout=120)
    log = crawled.stderr + crawled.stdout
    assert crawled.returncode == 0, log[-3000:]

    # -s beats the environment ...
    assert not (tmp_path / "env-search.sqlite3").exists()
    index = EmbeddedBackend(tmp_path / "cli-search.sqlite3", create=False)
    assert "stopping after 3 consecutive non-articles" in log
    assert "'USER_AGENT': 'cli-agent/1.0'" in log and "env-agent" not in log
    # ... the environment beats the defaults (archive, stats file, data directory) ...
    with ArchiveStore.open_existing(f"sqlite:///{tmp_path / 'env-archive.sqlite3'}") as store:
        archived = {a["article_id"] for a in store.iter_articles()}
        assert store.count(pending_only=True) == 0
    assert fx.FIRST_ID in archived
    assert index.count() == len(archived)
    index.close()
    stats = json.loads((tmp_path / "env-stats.json").read_text())
    assert stats["index/indexed"] == len(archived)
    # ... and what neither sets comes from the defaults: the lock, under the data directory.
    assert (tmp_path / "env-data" / "crawl.lock").exists()
