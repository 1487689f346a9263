"""Storage down, missing or corrupt: the web answers 503 with a clear page, the CLI one line.

Every failure is real: an index file overwritten or cut short, Elasticsearch and PostgreSQL
behind tests/tcp_proxy.py which the test stops (what a stopped server gives: connection
refused/reset), an archive URL on a port with nothing listening.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from pipelines.archive.store import ArchiveStore
from search.services.documents import documents_from_articles
from search.web import create_app
from search.web.security import SECURITY_HEADERS
from tests.conftest import REPO_ROOT
from tests.databases import fresh_postgres_database
from tests.tcp_proxy import TcpProxy
from tests.web_fixtures import (
    ARTICLES,
    RICE,
    RICE_IDS,
    build_archive,
    drop_test_indices,
    open_backend_for_test,
)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])  # nothing listens here once the socket closes


def overwrite_with_garbage(path: Path) -> None:
    path.write_bytes(b"not a search index\n" * 500)


def cut_in_half(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def damage_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[4096:] = b"\xff" * (len(data) - 4096)  # keep the header page, ruin every other
    path.write_bytes(bytes(data))


CORRUPTIONS = [overwrite_with_garbage, cut_in_half, damage_pages]


def assert_unavailable_page(response: Any, words: str) -> None:
    assert response.status_code == 503
    assert 'role="alert"' in response.text and words in response.text
    assert "Traceback" not in response.text and "sqlite3" not in response.text
    assert response.headers["Retry-After"] == "30"
    assert (
        response.headers["Content-Security-Policy"] == SECURITY_HEADERS["Content-Security-Policy"]
    )


def assert_unavailable_json(response: Any, words: str) -> None:
    assert response.status_code == 503
    assert words in response.json()["detail"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- web: embedded index corrupt ------------------------------------------------------------


@pytest.mark.parametrize("corrupt", CORRUPTIONS, ids=lambda f: f.__name__)
def test_corrupt_embedded_index_answers_503_and_articles_still_show(
    tmp_path: Path, corrupt: Callable[[Path], None]
) -> None:
    store, backend = build_archive(tmp_path)
    backend.close()
    corrupt(backend.path)
    try:
        with TestClient(create_app(store, backend)) as client:
            assert_unavailable_page(client.get("/", params={"q": RICE}), "search index")
            for path in ("/api/search", "/api/timeline"):
                assert_unavailable_json(client.get(path, params={"q": RICE}), "search index")
            # The archive is fine: the front page and the article pages keep working.
            assert client.get("/").status_code == 200
            assert client.get("/articles/2001").status_code == 200
            assert client.get("/api/articles/2001").status_code == 200
    finally:
        backend.close()
        store.close()


def test_an_index_path_that_cannot_exist_answers_503(tmp_path: Path) -> None:
    """A file where the index's directory should be: the index can be neither found nor made."""
    store, built = build_archive(tmp_path)
    built.close()
    (tmp_path / "not-a-directory").write_text("a file")
    impossible = open_backend_for_test("embedded", tmp_path / "not-a-directory")
    try:
        with TestClient(create_app(store, impossible)) as client:
            assert_unavailable_page(client.get("/", params={"q": RICE}), "ไม่พร้อมใช้งาน")
            assert_unavailable_json(client.get("/api/search", params={"q": RICE}), "unavailable")
            assert client.get("/articles/2001").status_code == 200
    finally:
        impossible.close()
        store.close()


def test_rebuilding_repairs_a_corrupt_index_while_the_app_runs(tmp_path: Path) -> None:
    store, backend = build_archive(tmp_path)
    backend.close()
    overwrite_with_garbage(backend.path)
    try:
        with TestClient(create_app(store, backend)) as client:
            assert client.get("/api/search", params={"q": RICE}).status_code == 503
            backend.rebuild(documents_from_articles(list(store.iter_articles())))
            repaired = client.get("/api/search", params={"q": RICE})
            assert repaired.status_code == 200
            assert {h["article_id"] for h in repaired.json()["hits"]} == RICE_IDS
    finally:
        backend.close()
        store.close()


# --- web: Elasticsearch down ----------------------------------------------------------------


@pytest.mark.elasticsearch
def test_elasticsearch_stopped_answers_503_and_recovers(
    tmp_path: Path, elasticsearch_url: str
) -> None:
    target = urlsplit(elasticsearch_url)
    proxy = TcpProxy(target.hostname or "127.0.0.1", target.port or 9200)
    proxy.start()
    store, backend = build_archive(
        tmp_path, open_backend_for_test("elasticsearch", tmp_path, proxy.url)
    )
    try:
        with TestClient(create_app(store, backend)) as client:
            assert client.get("/api/search", params={"q": RICE}).status_code == 200
            proxy.stop()
            assert_unavailable_page(client.get("/", params={"q": RICE}), "search server")
            assert_unavailable_json(client.get("/api/search", params={"q": RICE}), "search server")
            assert_unavailable_json(client.get("/api/timeline", params={"q": RICE}), "search")
            assert client.get("/articles/2001").status_code == 200  # needs the archive only
            proxy.start()
            back = client.get("/api/search", params={"q": RICE})
            assert back.status_code == 200
            assert {h["article_id"] for h in back.json()["hits"]} == RICE_IDS
    finally:
        proxy.stop()
        backend.close()
        store.close()
        drop_test_indices(elasticsearch_url)


# --- web: archive database unreachable ------------------------------------------------------


@pytest.mark.postgres
def test_postgres_archive_stopped_answers_503_and_recovers(
    tmp_path: Path, postgres_url: str
) -> None:
    with fresh_postgres_database(postgres_url) as database_url:
        url = make_url(database_url)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        proxy.start()
        proxied = url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
        store = ArchiveStore(proxied)
        backend = open_backend_for_test("embedded", tmp_path)
        try:
            store.upsert_batch([dict(a) for a in ARTICLES])
            backend.ensure_schema()
            backend.index_batch(documents_from_articles(list(store.iter_articles())))
            with TestClient(create_app(store, backend)) as client:
                assert client.get("/articles/2001").status_code == 200
                proxy.stop()
                for path in ("/articles/2001", "/"):
                    assert_unavailable_page(client.get(path), "archive")
                assert_unavailable_json(client.get("/api/articles/2001"), "archive")
                # Searching needs the index only.
                assert client.get("/api/search", params={"q": RICE}).status_code == 200
                proxy.start()
                assert client.get("/articles/2001").status_code == 200
        finally:
            proxy.stop()
            backend.close()
            store.close()


def test_archive_on_a_closed_port_answers_503_from_the_first_request(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app opens the configured archive lazily; opening it fails inside the request."""
    url = f"postgresql+psycopg://thaigov:secret@127.0.0.1:{closed_port()}/archive"
    monkeypatch.setenv("THAIGOV_ARCHIVE_URL", url)
    backend = open_backend_for_test("embedded", tmp_path)
    backend.ensure_schema()
    try:
        with TestClient(create_app(backend=backend)) as client:
            response = client.get("/articles/2001")
            assert_unavailable_page(response, "archive")
            assert "secret" not in response.text
            assert_unavailable_json(client.get("/api/articles/2001"), "archive")
    finally:
        backend.close()


# --- CLI: one line on stderr, exit 1, no traceback ------------------------------------------


@pytest.fixture
def fixture_archive(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    store, backend = build_archive(tmp_path)
    url, path = store.url, backend.path
    backend.close()
    store.close()
    yield url, path


def run_cli(args: list[str], env: dict[str, str]) -> Any:
    from search.cli import app

    full_env = {"THAIGOV_ELASTICSEARCH_URL": "", **env}
    return CliRunner().invoke(app, args, env=full_env)


def assert_one_error_line(result: Any, words: str) -> None:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and words in lines[0], lines[0]
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


CLI_COMMANDS = [
    ["search", RICE],
    ["search", RICE, "--from", "2567"],
    ["export", "-q", RICE, "-f", "jsonl", "-o", "{tmp}/out.jsonl"],
    ["reindex", "--pending"],
]


@pytest.mark.parametrize("args", CLI_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_cli_with_a_corrupt_index_prints_one_line(
    fixture_archive: tuple[str, Path], tmp_path: Path, args: list[str]
) -> None:
    url, index = fixture_archive
    overwrite_with_garbage(index)
    env = {"THAIGOV_ARCHIVE_URL": url, "THAIGOV_SEARCH_PATH": str(index)}
    result = run_cli([a.format(tmp=tmp_path) for a in args], env)
    assert_one_error_line(result, "search index unreadable")
    assert "thaigov reindex --all" in result.stderr


@pytest.mark.parametrize("args", CLI_COMMANDS[:3], ids=lambda a: " ".join(a[:2]))
def test_cli_with_an_index_path_that_cannot_exist_prints_one_line(
    fixture_archive: tuple[str, Path], tmp_path: Path, args: list[str]
) -> None:
    url, _ = fixture_archive
    (tmp_path / "not-a-directory").write_text("a file")
    index = tmp_path / "not-a-directory" / "search.sqlite3"
    env = {"THAIGOV_ARCHIVE_URL": url, "THAIGOV_SEARCH_PATH": str(index)}
    result = run_cli([a.format(tmp=tmp_path) for a in args], env)
    # Read-only commands never create an index, so for them the index is simply missing.
    read_only = args[0] in ("search", "export", "show")
    assert_one_error_line(result, "no search index at" if read_only else "storage unavailable")
    assert "not-a-directory" in result.stderr  # the operator sees which path


def test_reindex_all_repairs_a_corrupt_index(fixture_archive: tuple[str, Path]) -> None:
    url, index = fixture_archive
    cut_in_half(index)
    env = {"THAIGOV_ARCHIVE_URL": url, "THAIGOV_SEARCH_PATH": str(index)}
    assert run_cli(["search", RICE], env).exit_code == 1
    rebuilt = run_cli(["reindex", "--all"], env)
    assert rebuilt.exit_code == 0, rebuilt.output
    found = run_cli(["search", RICE, "--json"], env)
    assert found.exit_code == 0, found.output
    assert {
        int(line.split('"article_id": ')[1].split(",")[0]) for line in found.stdout.splitlines()
    } == RICE_IDS


@pytest.mark.parametrize("args", CLI_COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_cli_with_elasticsearch_down_prints_one_line(
    fixture_archive: tuple[str, Path], tmp_path: Path, args: list[str]
) -> None:
    url, _ = fixture_archive
    env = {
        "THAIGOV_ARCHIVE_URL": url,
        "THAIGOV_ELASTICSEARCH_URL": f"http://elastic:secret@127.0.0.1:{closed_port()}",
    }
    result = run_cli([a.format(tmp=tmp_path) for a in args], env)
    assert_one_error_line(result, "search server unavailable")
    assert "secret" not in result.output


@pytest.mark.parametrize(
    "args",
    [
        ["show", "2001"],
        ["export", "-o", "{tmp}/all.csv", "-f", "csv"],
        ["reindex"],
        *CLI_COMMANDS[2:3],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_cli_with_the_archive_unreachable_prints_one_line(
    fixture_archive: tuple[str, Path], tmp_path: Path, args: list[str]
) -> None:
    _, index = fixture_archive
    env = {
        "THAIGOV_ARCHIVE_URL": f"postgresql+psycopg://thaigov:secret@127.0.0.1:{closed_port()}/a",
        "THAIGOV_SEARCH_PATH": str(index),
    }
    result = run_cli([a.format(tmp=tmp_path) for a in args], env)
    assert_one_error_line(result, "archive database unavailable")
    assert "secret" not in result.output


def test_cli_with_a_corrupt_sqlite_archive_prints_one_line(
    fixture_archive: tuple[str, Path],
) -> None:
    url, index = fixture_archive
    archive_file = Path(make_url(url).database or "")
    overwrite_with_garbage(archive_file)
    result = run_cli(
        ["show", "2001"], {"THAIGOV_ARCHIVE_URL": url, "THAIGOV_SEARCH_PATH": str(index)}
    )
    assert_one_error_line(result, "archive database unavailable")


@pytest.mark.parametrize(
    ("args", "broken", "words"),
    [
        (["search", RICE], "elasticsearch", "search server unavailable"),
        (["show", "2001"], "archive", "archive database unavailable"),
    ],
)
def test_the_installed_console_script_prints_no_traceback(
    fixture_archive: tuple[str, Path], args: list[str], broken: str, words: str
) -> None:
    """The real process (Typer's pretty exceptions and all): one line on stderr, exit 1."""
    url, index = fixture_archive
    env = {**os.environ, "THAIGOV_ARCHIVE_URL": url, "THAIGOV_SEARCH_PATH": str(index)}
    env.pop("THAIGOV_ELASTICSEARCH_URL", None)
    if broken == "elasticsearch":
        env["THAIGOV_ELASTICSEARCH_URL"] = f"http://127.0.0.1:{closed_port()}"
    else:
        env["THAIGOV_ARCHIVE_URL"] = f"postgresql+psycopg://u:p@127.0.0.1:{closed_port()}/a"
    proc = subprocess.run(
        [sys.executable, "-c", "from search.cli import main; main()", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 1, proc.stderr
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")
    assert words in proc.stderr and "Traceback" not in proc.stderr + proc.stdout
