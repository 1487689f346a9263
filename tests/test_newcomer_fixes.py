"""What a newcomer tripped over (issue 13), fixed: search JSON without control characters and
with the total, a tarball's file count for the import progress, an HTML 404 page, numbered
result pages, highlighted titles, export links, percent-encoded links, curl examples."""

from __future__ import annotations

import csv
import io
import json
import re
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from search.cli import app as cli
from search.core.snippets import HIGHLIGHT_END, HIGHLIGHT_START, highlight_offsets
from search.web import create_app
from search.web.pages import page_numbers
from tests.conftest import REPO_ROOT
from tests.web_fixtures import RICE, RICE_IDS, build_archive
from thaigov_crawler.corpus_import import count_corpus_files


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[object, object]]:
    store, backend = build_archive(tmp_path_factory.mktemp("newcomer"))
    yield store, backend
    backend.close()
    store.close()


@pytest.fixture(scope="module")
def client(archive: tuple[object, object]) -> TestClient:
    return TestClient(create_app(*archive))  # type: ignore[arg-type]


def test_highlight_offsets() -> None:
    marked = f"ราคา{HIGHLIGHT_START}ข้าว{HIGHLIGHT_END}และ{HIGHLIGHT_START}ยาง"
    assert highlight_offsets(marked) == ("ราคาข้าวและยาง", [(4, 8), (11, 14)])
    assert highlight_offsets(f"a{HIGHLIGHT_END}b{HIGHLIGHT_START}{HIGHLIGHT_END}") == ("ab", [])


def test_search_json_has_plain_snippets_offsets_and_the_total(
    archive: tuple[object, object],
) -> None:
    backend = archive[1]
    env = {"THAIGOV_SEARCH_PATH": str(backend.path), "THAIGOV_ELASTICSEARCH_URL": ""}  # type: ignore[attr-defined]
    result = CliRunner().invoke(cli, ["search", RICE, "--limit", "2", "--json"], env=env)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 2
    for line in lines:
        assert line["total"] == len(RICE_IDS)
        assert "\x02" not in line["snippet"] and "\x03" not in line["snippet"]
        assert line["highlights"]
        for start, end in line["highlights"]:
            assert RICE in line["snippet"][start:end]


def test_tarball_file_count_for_the_progress_bar(tmp_path: Path) -> None:
    folder = tmp_path / "data" / "2024" / "01" / "05"
    folder.mkdir(parents=True)
    for name in ("a_1.txt", "a_2.txt", "notes.md"):
        (folder / name).write_text("x", encoding="utf-8")
    tarball = tmp_path / "corpus.tar.gz"
    with tarfile.open(tarball, "w:gz") as tar:
        tar.add(tmp_path / "data", arcname="data")
    assert count_corpus_files(tarball) == 2
    assert count_corpus_files(tmp_path / "data") == 2
    broken = tmp_path / "broken.tar.gz"
    broken.write_bytes(b"not a tarball")
    assert count_corpus_files(broken) is None


def test_unknown_url_is_an_html_page_and_the_api_keeps_json(client: TestClient) -> None:
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "ไม่พบหน้านี้" in page.text and "/no/such/page" in page.text
    assert "content-security-policy" in page.headers
    api = client.get("/api/no-such-endpoint")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/json"


def test_numbered_pager() -> None:
    assert page_numbers(1, 1) == [1]
    assert page_numbers(1, 68) == [1, 2, 3, None, 68]
    assert page_numbers(6, 68) == [1, None, 4, 5, 6, 7, 8, None, 68]
    assert page_numbers(68, 68) == [1, None, 66, 67, 68]
    assert page_numbers(3, 5) == [1, 2, 3, 4, 5]


def test_results_page_highlights_titles_links_exports_and_encodes_links(
    client: TestClient,
) -> None:
    page = client.get("/", params={"q": RICE})
    assert page.status_code == 200
    soup = BeautifulSoup(page.text, "html.parser")
    titles = soup.select(".hit h2 a")
    with_word = [t for t in titles if RICE in t.get_text()]
    assert with_word  # titles holding the word show it marked, as the snippets do
    assert all([m.get_text() for m in t.select("mark")] == [RICE] for t in with_word)
    assert all(not t.select("mark") for t in titles if RICE not in t.get_text())
    hrefs = [str(a.get("href")) for a in soup.select("a[href]")]
    assert all(h.isascii() and " " not in h for h in hrefs), hrefs
    exports = [h for h in hrefs if h.startswith("/api/export?")]
    assert {h.rsplit("format=", 1)[1] for h in exports} == {"csv", "jsonl", "parquet"}
    for href in exports:
        answer = client.get(href)
        assert answer.status_code == 200
        assert answer.headers["content-disposition"].startswith("attachment")
    csv_text = client.get(exports[0]).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert {int(r["article_id"]) for r in rows} == RICE_IDS  # every match, every field
    jsonl = client.get(next(h for h in exports if h.endswith("jsonl"))).text
    assert {json.loads(line)["article_id"] for line in jsonl.splitlines()} == RICE_IDS


def test_export_refuses_an_unknown_format(client: TestClient) -> None:
    answer = client.get("/api/export", params={"q": RICE, "format": "xlsx"})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["msg"] == "format must be csv, jsonl or parquet, not 'xlsx'"


def test_docs_show_curl_with_url_encoding() -> None:
    for doc in (REPO_ROOT / "README.md", REPO_ROOT / "docs" / "web.md"):
        text = doc.read_text(encoding="utf-8")
        curls = [line for line in text.splitlines() if line.lstrip().startswith("curl ")]
        assert curls, doc
        for line in curls:
            url = re.search(r"'(http[^']*)'", line)
            assert url is None or url.group(1).isascii(), line  # no raw Thai in a URL
        assert any("--data-urlencode" in line for line in curls), doc


@pytest.mark.parametrize(
    "path",
    [
        "/?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7",
        "/trends?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7",
        "/kwic?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7",
        "/collocations?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7&min_count=1",
        "/keyness?from=2024",
        "/words?min_count=1",
        "/no/such/page",
    ],
)
def test_every_local_link_keeps_the_root_path(archive: tuple[object, object], path: str) -> None:
    """Behind a proxy (``thaigov serve --root-path``), workbench links stay under the prefix."""
    client = TestClient(create_app(*archive), root_path="/thaigov")  # type: ignore[arg-type]
    page = client.get(path)
    soup = BeautifulSoup(page.text, "html.parser")
    targets = [str(a.get("href")) for a in soup.select("a[href], link[href]")]
    targets += [str(f.get("action")) for f in soup.select("form[action]")]
    local = [t for t in targets if t.startswith("/")]
    assert local and all(t.startswith("/thaigov/") for t in local), local
