"""Running as operators do: ``thaigov crawl`` outside a checkout, run records, safe tracebacks.

Every command runs in a subprocess from a directory without ``scrapy.cfg`` and with a home
directory that cannot be created (a path below a regular file: even root cannot write there),
the way a service account runs it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.replica import ReplicaServer
from tests.replica import fixtures as fx
from thaigov_crawler.run_summary import SUMMARY_PREFIX, summary_line

REPO_ROOT = Path(__file__).resolve().parent.parent
THAIGOV = Path(sys.executable).with_name("thaigov")
FAST = [
    "-s", "DOWNLOAD_DELAY=0",
    "-s", "AUTOTHROTTLE_ENABLED=False",
    "-s", "CONCURRENT_REQUESTS=8",
    "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
]  # fmt: skip


def operator_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The environment of a service account: no usable HOME, the code on PYTHONPATH only."""
    blocker = tmp_path / "home-is-a-file"
    blocker.write_text("")
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("THAIGOV_", "SCRAPY_"))
    }
    env.update(
        HOME=str(blocker / "home"),
        PYTHONPATH=str(REPO_ROOT),
        COLUMNS="200",  # Rich tables at full width
        **extra,
    )
    # Until the data-directory setting points PyThaiNLP there itself (settings helper).
    if not (env.get("PYTHAINLP_DATA") or env.get("PYTHAINLP_DATA_DIR")):
        env["PYTHAINLP_DATA"] = str(tmp_path / "pythainlp")
    return env


def run(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(THAIGOV), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    """A directory outside the checkout, with no scrapy.cfg above it and no data/ yet."""
    path = tmp_path / "srv"
    path.mkdir()
    assert not any((parent / "scrapy.cfg").exists() for parent in [path, *path.parents])
    return path


def test_crawl_outside_a_checkout_archives_records_and_ends_with_the_summary(
    tmp_path: Path, workdir: Path
) -> None:
    env = operator_env(tmp_path)
    with ReplicaServer() as replica:
        proc = run(
            [
                "crawl",
                "-a",
                f"start_id={fx.FIRST_ID}",
                "-a",
                f"end_id={fx.FIRST_ID + 4}",
                *FAST,
                "-s",
                f"THAIGOV_BASE_URL={replica.base_url}",
                "-O",
                "out.jsonl",
            ],
            workdir,
            env,
        )
    log = proc.stderr
    assert proc.returncode == 0, log[-3000:]
    crawled = {json.loads(line)["article_id"] for line in (workdir / "out.jsonl").open()}
    assert crawled == {i for i in fx.ARTICLE_IDS if fx.FIRST_ID <= i <= fx.FIRST_ID + 4}
    # Defaults relative to the working directory: the archive and the lock under ./data/.
    assert (workdir / "data" / "thaigov.sqlite3").exists()
    last_line = log.strip().splitlines()[-1]
    assert SUMMARY_PREFIX in last_line and "exit_code=0 (ok)" in last_line, last_line
    assert f"inserted={len(crawled)}" in last_line
    # Scrapy's remote-control endpoints are off: no telnet console, no HTTP code runner.
    enabled = log[log.index("Enabled extensions") :].split("]", 1)[0]
    assert "TelnetConsole" not in enabled and "RemoteControl" not in enabled
    assert "RunRecorder" in enabled  # the project's COMMANDS_MODULE and settings apply

    runs = run(["runs", "--json"], workdir, env)
    assert runs.returncode == 0, runs.stderr
    (record,) = json.loads(runs.stdout)
    assert (record["spider"], record["status"], record["exit_code"]) == ("thaigov", "finished", 0)
    assert record["arguments"] == {"start_id": "1001", "end_id": "1005"}
    assert record["stats"]["archive/inserted"] == len(crawled)
    assert f"run_record={record['id']}" in last_line
    table = run(["runs"], workdir, env)
    assert table.returncode == 0 and "finished" in table.stdout


def test_crawl_exit_codes_reach_the_shell_and_the_run_records(
    tmp_path: Path, workdir: Path
) -> None:
    env = operator_env(tmp_path)
    with ReplicaServer(robots_txt=fx.DISALLOW_ALL_ROBOTS) as replica:
        forbidden = run(
            ["crawl", "-a", "ids=1001", *FAST, "-s", f"THAIGOV_BASE_URL={replica.base_url}"],
            workdir,
            env,
        )
    assert forbidden.returncode == 3, forbidden.stderr[-3000:]
    assert "exit_code=3 (robots.txt forbids the crawl)" in forbidden.stderr.strip().splitlines()[-1]
    with ReplicaServer() as replica:
        dead = replica.base_url  # nothing listens once the server is stopped
    unreachable = run(
        [
            "crawl",
            "-a",
            "ids=1001,1002",
            *FAST,
            "-s",
            "RETRY_TIMES=0",
            "-s",
            f"THAIGOV_BASE_URL={dead}",
        ],
        workdir,
        env,
    )
    assert unreachable.returncode == 5, unreachable.stderr[-3000:]
    usage = run(["crawl", "-a", "start_id=x"], workdir, env)
    assert usage.returncode == 2
    records = json.loads(run(["runs", "--json"], workdir, env).stdout)
    assert [(r["status"], r["exit_code"]) for r in records] == [
        ("failed", 5),
        ("robots_forbidden", 3),
    ]


def test_crawl_help_lists_every_scrapy_crawl_option(tmp_path: Path, workdir: Path) -> None:
    proc = run(["crawl", "--help"], workdir, operator_env(tmp_path))
    assert proc.returncode == 0
    for option in ("-a NAME=VALUE", "--overwrite-output", "--set NAME=VALUE", "--logfile"):
        assert option in proc.stdout


def test_summary_line_names_failures() -> None:
    stats = {"finish_reason": "unreachable", "thaigov/failed": 5, "thaigov/run_id": 7}
    line = summary_line(stats, 5)
    assert line.startswith(SUMMARY_PREFIX)
    assert "exit_code=5 (nothing fetched)" in line
    assert "reason=unreachable" in line and "failed_requests=5" in line
    assert line.endswith("run_record=7")
    assert "exit_code=1 (scrapy error)" in summary_line({}, 1)
    assert "run_record=none" in summary_line({}, 0)


def test_a_failing_command_prints_no_local_variables(tmp_path: Path, workdir: Path) -> None:
    """Typer's rich tracebacks must not show locals: they would print the database password."""
    secret = "S3cret-Pw-never-printed"
    url = f"postgresql+psycopg://thaigov:{secret}@127.0.0.1:9/archive"  # nothing listens on 9
    env = operator_env(tmp_path, THAIGOV_ARCHIVE_URL=url)
    for args in (
        ["db", "stats", "--url", url],
        ["db", "upgrade", "--url", url],
        ["db", "verify", "--url", url],
        ["runs"],
    ):
        proc = run(args, workdir, env)
        assert proc.returncode == 1, args
        assert "Connection refused" in proc.stderr + proc.stdout  # the error itself is shown
        assert secret not in proc.stderr + proc.stdout
        # One clear line on stderr, not a traceback (issue 11: nothing silent, nothing noisy).
        assert proc.stderr.startswith("error: archive database unavailable:"), proc.stderr[:300]
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr[:300]


def test_parquet_without_pyarrow_names_the_extra(tmp_path: Path, workdir: Path) -> None:
    """The base install leaves pyarrow out; asking for Parquet says how to add it."""
    code = (
        "import sys; sys.modules['pyarrow'] = None\n"  # what an absent package looks like
        "from search.cli import main; sys.argv = ['thaigov'] + sys.argv[1:]; main()"
    )
    env = operator_env(tmp_path, THAIGOV_ARCHIVE_URL=f"sqlite:///{tmp_path / 'a.sqlite3'}")
    proc = subprocess.run(
        [sys.executable, "-c", code, "export", "-f", "parquet", "-o", "out.parquet"],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "pip install 'thaigov-archive[parquet]'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (workdir / "out.parquet").exists()


def test_migrations_run_from_a_zipped_package(tmp_path: Path) -> None:
    """Scrapyd runs the project from a zipped egg: Alembic must still find the scripts."""
    bundle = tmp_path / "code.zip"
    with zipfile.ZipFile(bundle, "w") as zipped:
        for path in (REPO_ROOT / "pipelines").rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                zipped.write(path, path.relative_to(REPO_ROOT).as_posix())
    database = tmp_path / "archive.sqlite3"
    code = (
        "import pipelines, sqlite3, sys\n"
        "assert '.zip' in pipelines.__file__, pipelines.__file__\n"
        "from pipelines.archive.migrations import upgrade, head_revision\n"
        f"upgrade('sqlite:///{database}')\n"
        f"db = sqlite3.connect('{database}')\n"
        "(rev,) = db.execute('select version_num from alembic_version').fetchone()\n"
        "assert rev == head_revision(), (rev, head_revision())\n"
        "tables = db.execute(\"select name from sqlite_master where type='table'\")\n"
        "print(sorted(r[0] for r in tables))"
    )
    env = {**operator_env(tmp_path), "PYTHONPATH": str(bundle)}
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "articles" in proc.stdout and "crawl_runs" in proc.stdout


def test_an_installed_copy_shadowing_the_scrapyd_egg_is_detected(tmp_path: Path) -> None:
    from thaigov_crawler.scrapyd_egg import shadowed_egg

    egg = tmp_path / "eggs" / "thaigov_crawler" / "r1.egg"
    egg.parent.mkdir(parents=True)
    with zipfile.ZipFile(egg, "w") as zipped:
        zipped.writestr("thaigov_crawler/__init__.py", "")
    other = tmp_path / "other.egg"
    with zipfile.ZipFile(other, "w") as zipped:
        zipped.writestr("something_else/__init__.py", "")
    installed = "/venv/lib/python3.11/site-packages/thaigov_crawler/__init__.py"
    path = ["/venv/lib/python3.11/site-packages", str(other), str(egg)]
    assert shadowed_egg(installed, path) == str(egg)
    assert shadowed_egg(f"{egg}/thaigov_crawler/__init__.py", path) == ""
    assert shadowed_egg(installed, path[:2]) == ""


def test_root_path_is_normalised_or_refused() -> None:
    import typer

    from search.cli.web import normalise_root_path

    assert [normalise_root_path(v) for v in ("", "/", "thaigov/", " /a/b/ ")] == [
        "",
        "",
        "/thaigov",
        "/a/b",
    ]
    for bad in ("/a?b", "/a b", "/a//b", "/a%2fb", "/a#b"):
        with pytest.raises(typer.BadParameter):
            normalise_root_path(bad)
