"""A throw-away two-node Elasticsearch cluster on 127.0.0.1 for failover tests.

Node "a" is master and data, node "b" data only: with two master-eligible nodes Elasticsearch
keeps one vote, and stopping the voting node would leave no master, which is not the failure
under test (losing a data node that holds shard copies is). Both run from the distribution
scripts/elasticsearch.sh unpacked (``THAIGOV_ES_HOME``, else ``.services/elasticsearch-*``),
with their own config copy, data and logs in a temporary folder, a small heap, and as the
unprivileged user scripts/elasticsearch.sh creates when run as root.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ES_USER = os.environ.get("ES_USER", "thaigov-es")
HEAP = "256m"


def es_home(repo_root: Path) -> Path | None:
    configured = os.environ.get("THAIGOV_ES_HOME")
    if configured:
        return Path(configured) if (Path(configured) / "bin" / "elasticsearch").exists() else None
    found = sorted((repo_root / ".services").glob("elasticsearch-[0-9]*"))
    homes = [p for p in found if (p / "bin" / "elasticsearch").exists()]
    return homes[-1] if homes else None


def java_home() -> str | None:
    for candidate in (
        os.environ.get("ES_JAVA_HOME"),
        "/usr/lib/jvm/temurin-25-jdk-amd64",
        *sorted(str(p) for p in Path("/usr/lib/jvm").glob("*21*")),
    ):
        if candidate and Path(candidate, "bin", "java").exists():
            return candidate
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Node:
    name: str
    http_port: int
    transport_port: int
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def stop(self) -> None:
        """SIGTERM to this node's own process group (started by us), then wait for it."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)


def _health(url: str) -> dict[str, object] | None:
    try:
        with urllib.request.urlopen(url + "/_cluster/health", timeout=3) as response:
            health: dict[str, object] = json.load(response)
            return health
    except OSError:
        return None


@contextmanager
def two_node_cluster(home: Path, java: str) -> Iterator[tuple[Node, Node]]:
    """Start nodes a (master+data) and b (data), wait for two nodes, stop both at the end.

    Files go to a new folder directly under the system temp directory: pytest's own temp tree
    is private to root, and the nodes run as ``ES_USER``.
    """
    folder = Path(tempfile.mkdtemp(prefix="thaigov-es-two-nodes-"))
    name = f"thaigov-failover-{os.getpid()}"
    nodes = (
        Node("a", _free_port(), _free_port()),
        Node("b", _free_port(), _free_port()),
    )
    seeds = ",".join(f"127.0.0.1:{n.transport_port}" for n in nodes)
    as_user = ["runuser", "-u", ES_USER, "--"] if os.geteuid() == 0 else []
    try:
        for node in nodes:
            config = folder / f"config-{node.name}"
            shutil.copytree(home / "config", config)
            for sub in ("data", "logs"):
                (folder / f"{sub}-{node.name}").mkdir()
            if as_user:
                shutil.chown(folder, ES_USER)
                for path in folder.rglob("*"):
                    shutil.chown(path, ES_USER)
            roles = "master,data" if node.name == "a" else "data"
            env = {
                **os.environ,
                "ES_JAVA_HOME": java,
                "ES_PATH_CONF": str(config),
                "ES_JAVA_OPTS": f"-Xms{HEAP} -Xmx{HEAP}",
            }
            command = [
                *as_user,
                str(home / "bin" / "elasticsearch"),
                "-E", f"cluster.name={name}",
                "-E", f"node.name={name}-{node.name}",
                "-E", f"node.roles={roles}",
                "-E", "network.host=127.0.0.1",
                "-E", f"http.port={node.http_port}",
                "-E", f"transport.port={node.transport_port}",
                "-E", f"discovery.seed_hosts={seeds}",
                "-E", f"cluster.initial_master_nodes={name}-a",
                "-E", f"path.data={folder / f'data-{node.name}'}",
                "-E", f"path.logs={folder / f'logs-{node.name}'}",
                "-E", "xpack.security.enabled=false",
                "-E", "cluster.routing.allocation.disk.threshold_enabled=false",
            ]  # fmt: skip
            log = (folder / f"stdout-{node.name}.log").open("wb")
            node.process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
            )
        deadline = time.monotonic() + 300
        while True:
            health = _health(nodes[0].url)
            if health and health.get("number_of_nodes") == 2:
                break
            for node in nodes:
                if node.process is not None and node.process.poll() is not None:
                    out = (folder / f"stdout-{node.name}.log").read_text(errors="replace")
                    raise RuntimeError(f"node {node.name} exited: {out[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError("two-node cluster not formed after 300 s")
            time.sleep(2)
        yield nodes
    finally:
        for node in reversed(nodes):
            node.stop()
        shutil.rmtree(folder, ignore_errors=True)
