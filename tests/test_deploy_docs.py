"""The systemd units and the cron line of docs/deploy.md work as written.

The units are read from the document, pass ``systemd-analyze verify`` and their ``ExecStart``
runs; the cron line runs with ``sh`` from a fresh checkout (no ``data/`` yet) in cron's bare
environment. Only the install location is swapped for a temporary directory.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT, service_missing
from tests.replica import ReplicaServer
from tests.replica import fixtures as fx

DEPLOY_MD = REPO_ROOT / "docs" / "deploy.md"
VENV = Path(sys.executable).parent.parent
UNIT_BLOCK = re.compile(r"```ini\n# /etc/systemd/system/(?P<name>[\w.-]+)\n(?P<body>.*?)```", re.S)
CRON_BLOCK = re.compile(r"```cron\n(?P<line>.*?)\n```", re.S)


def documented_units() -> dict[str, str]:
    units = {m["name"]: m["body"] for m in UNIT_BLOCK.finditer(DEPLOY_MD.read_text())}
    assert {"thaigov-crawl.service", "thaigov-crawl.timer", "thaigov-web.service"} <= set(units)
    return units


def unit_values(body: str, key: str) -> list[str]:
    return [line.split("=", 1)[1] for line in body.splitlines() if line.startswith(key + "=")]


def bare_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    """What cron or systemd give a job: little more than PATH, and no usable HOME."""
    blocker = tmp_path / "home-is-a-file"
    blocker.touch()
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(blocker / "home"),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(REPO_ROOT),  # this checkout's code, where an install would be
        # Until the data-directory setting points PyThaiNLP there itself (settings helper).
        **{k: v for k, v in os.environ.items() if k in ("PYTHAINLP_DATA", "PYTHAINLP_DATA_DIR")},
        **extra,
    }
    if not (env.get("PYTHAINLP_DATA") or env.get("PYTHAINLP_DATA_DIR")):
        env["PYTHAINLP_DATA"] = str(tmp_path / "pythainlp")
    return env


@pytest.fixture
def installed(tmp_path: Path) -> tuple[Path, Path]:
    """``/opt/thaigov-archive`` (a link to this venv) and an empty state directory."""
    opt = tmp_path / "opt" / "thaigov-archive"
    opt.parent.mkdir(parents=True)
    opt.symlink_to(VENV, target_is_directory=True)
    state = tmp_path / "var" / "lib" / "thaigov-archive"
    state.mkdir(parents=True)
    return opt, state


def localise(text: str, tmp_path: Path, opt: Path, state: Path) -> str:
    return (
        text.replace("/opt/thaigov-archive", str(opt))
        .replace("/var/lib/thaigov-archive", str(state))
        .replace("/etc/thaigov-archive/env", str(tmp_path / "etc-env"))
    )


def test_documented_units_pass_systemd_analyze_verify(
    tmp_path: Path, installed: tuple[Path, Path]
) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        service_missing("no systemd-analyze: apt-get install systemd")
    opt, state = installed
    (tmp_path / "etc-env").write_text("THAIGOV_CONTACT_URL=https://example.org/contact\n")
    (tmp_path / "etc-env").chmod(0o600)
    units = tmp_path / "units"
    units.mkdir()
    for name, body in documented_units().items():
        (units / name).write_text(localise(body, tmp_path, opt, state))
    proc = subprocess.run(
        [str(analyze), "verify", "--man=no", *sorted(str(p) for p in units.iterdir())],
        capture_output=True,
        text=True,
        cwd=units,
    )
    # verify exits 0 on unknown keys but warns: any output is a finding.
    assert proc.returncode == 0 and proc.stderr == "" and proc.stdout == "", proc.stderr


def test_crawl_unit_settings_are_the_ones_asked_for() -> None:
    crawl = documented_units()["thaigov-crawl.service"]
    assert unit_values(crawl, "SuccessExitStatus") == ["3"]
    assert unit_values(crawl, "Wants") == unit_values(crawl, "After") == ["network-online.target"]
    assert unit_values(crawl, "EnvironmentFile") == ["/etc/thaigov-archive/env"]
    assert "install -m 0600 -o root -g root /dev/null /etc/thaigov-archive/env" in (
        DEPLOY_MD.read_text()
    )
    timer = documented_units()["thaigov-crawl.timer"]
    assert unit_values(timer, "Persistent") == ["true"]


def test_crawl_unit_exec_start_runs_as_written(
    tmp_path: Path, installed: tuple[Path, Path]
) -> None:
    """ExecStart in its WorkingDirectory with its Environment=: robots.txt forbids (the replica
    says so), which the unit counts as success (SuccessExitStatus=3)."""
    opt, state = installed
    body = localise(documented_units()["thaigov-crawl.service"], tmp_path, opt, state)
    environment = dict(value.split("=", 1) for value in unit_values(body, "Environment"))
    (command,) = unit_values(body, "ExecStart")
    (workdir,) = unit_values(body, "WorkingDirectory")
    with ReplicaServer(robots_txt=fx.DISALLOW_ALL_ROBOTS) as replica:
        env = bare_env(tmp_path, THAIGOV_BASE_URL=replica.base_url, **environment)
        proc = subprocess.run(
            shlex.split(command), cwd=workdir, env=env, capture_output=True, text=True, timeout=120
        )
    success = {0, *map(int, unit_values(body, "SuccessExitStatus")[0].split())}
    assert proc.returncode in success and proc.returncode == 3, proc.stderr[-3000:]
    assert "exit_code=3" in proc.stderr.strip().splitlines()[-1]
    (archive,) = state.rglob("thaigov.sqlite3")  # under the state directory, nowhere else
    with closing(sqlite3.connect(archive)) as db:
        runs = db.execute("select status, exit_code from crawl_runs").fetchall()
    assert runs == [("robots_forbidden", 3)]


def test_cron_line_runs_from_a_fresh_checkout(tmp_path: Path) -> None:
    (line,) = [m["line"] for m in CRON_BLOCK.finditer(DEPLOY_MD.read_text())]
    readme_lines = [m["line"] for m in CRON_BLOCK.finditer((REPO_ROOT / "README.md").read_text())]
    assert readme_lines == [line]  # the README shows the same, tested line
    schedule, command = line.split(None, 5)[:5], line.split(None, 5)[5]
    assert schedule == ["15", "6", "*", "*", "*"]
    checkout = tmp_path / "srv" / "thaigov-archive"
    checkout.mkdir(parents=True)
    (checkout / ".venv").symlink_to(VENV, target_is_directory=True)  # after `make venv`
    assert not (checkout / "data").exists()
    command = command.replace("/srv/thaigov-archive", str(checkout))
    with ReplicaServer(robots_txt=fx.DISALLOW_ALL_ROBOTS) as replica:
        proc = subprocess.run(
            ["/bin/sh", "-c", command],
            cwd=tmp_path,
            env=bare_env(tmp_path, SHELL="/bin/sh", THAIGOV_BASE_URL=replica.base_url),
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert (proc.stdout, proc.stderr) == ("", "")  # nothing for cron to mail
    assert proc.returncode == 3
    log = (checkout / "data" / "crawl.log").read_text()
    assert "forbids this crawler" in log
    assert "thaigov run summary: exit_code=3 " in log.strip().splitlines()[-1]
    (archive,) = checkout.rglob("thaigov.sqlite3")
    with closing(sqlite3.connect(archive)) as db:
        runs = db.execute("select status, exit_code from crawl_runs").fetchall()
    assert runs == [("robots_forbidden", 3)]
