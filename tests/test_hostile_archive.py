"""A hostile article stored in the archive (tests/replica/hostile.py): shown, never run.

The archive holds it with its javascript:/data:/vbscript: links, as an archive written before
links were filtered at extraction may. Its page must link only http(s) URLs and show the rest
as text; its CSV export must not contain a cell a spreadsheet runs; JSONL and Parquet keep the
text exactly. (Chromium checks of the same article: tests/test_hostile_browser.py.)
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from search.core.safety import FORMULA_TRIGGERS, is_safe_link, restore_formula
from search.services.documents import documents_from_articles
from search.services.export import EXPORT_COLUMNS, LIST_FIELDS, export_record, write_export
from search.web import create_app
from tests.replica.fixtures import SITE_ORIGIN
from tests.replica.hostile_web import (
    CATEGORY,
    FORMULA_LINES,
    HASHTAGS,
    HOSTILE_ID,
    HOSTILE_RECORD,
    SAFE_ATTACHMENT,
    SAFE_IMAGE,
    SCRIPT_IMAGES,
    SCRIPT_LINKS,
    TITLE,
)
from tests.web_fixtures import build_archive


def store_hostile(store: Any, backend: Any) -> None:
    """Add the hostile record to a fixture archive and its index."""
    store.upsert_batch([dict(HOSTILE_RECORD)])
    outcome = backend.index_batch(documents_from_articles([store.get_article(HOSTILE_ID)]))
    assert outcome.ok == [HOSTILE_ID]


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    store, backend = build_archive(tmp_path_factory.mktemp("hostile"))
    store_hostile(store, backend)
    try:
        yield store, backend
    finally:
        backend.close()
        store.close()


@pytest.fixture(scope="module")
def client(archive: tuple[Any, Any]) -> Iterator[TestClient]:
    with TestClient(create_app(*archive)) as test_client:
        yield test_client


def test_the_archive_really_holds_the_hostile_links(archive: tuple[Any, Any]) -> None:
    stored = archive[0].get_article(HOSTILE_ID)
    assert set(SCRIPT_LINKS) <= set(stored["attachments"])
    assert set(SCRIPT_IMAGES) <= set(stored["images"])


def test_article_page_links_only_http_urls_and_shows_the_rest_as_text(
    client: TestClient,
) -> None:
    response = client.get(f"/articles/{HOSTILE_ID}")
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    hrefs = [str(a["href"]) for a in soup.find_all(href=True)]
    assert hrefs, "the page has links"
    for href in hrefs:
        assert href.startswith(("/", "http://testserver/")) or is_safe_link(href), href
        assert not href.lstrip().lower().startswith(("javascript", "data", "vbscript")), href
    links = {a["href"] for a in soup.select("article a")}
    assert links == {
        HOSTILE_RECORD["url"],
        SITE_ORIGIN + SAFE_ATTACHMENT,
        SITE_ORIGIN + SAFE_IMAGE,
    }
    as_text = [span.get_text() for span in soup.select("article span.not-a-link")]
    assert sorted(as_text) == sorted([*SCRIPT_LINKS, *SCRIPT_IMAGES])
    # Markup in title, category and hashtags is text; no element came from article content.
    article = soup.find("article")
    assert article is not None and article.h1 is not None
    assert article.h1.get_text() == TITLE
    assert CATEGORY in article.get_text()
    assert [s.get_text() for s in article.select(".hashtags span")] == list(HASHTAGS)
    assert soup.find_all(["script", "img", "iframe", "b", "object", "embed"]) == []
    assert "onerror" not in str(soup.find_all(True, attrs={"onerror": True}))


def test_search_page_and_api_keep_the_text_and_add_no_markup(client: TestClient) -> None:
    page = client.get("/", params={"q": "ประกาศรับสมัครงานราชการ"})
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.find_all(["script", "img", "iframe"]) == []
    assert TITLE in [a.get_text() for a in soup.select("ol.hits h2 a")]
    data = client.get(f"/api/articles/{HOSTILE_ID}").json()
    assert data["title"] == TITLE and data["attachments"] == HOSTILE_RECORD["attachments"]


def read_csv_cells(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_csv_export_neutralises_every_formula_cell_and_restores_exactly(
    archive: tuple[Any, Any], tmp_path: Path
) -> None:
    store = archive[0]
    records = [export_record(a) for a in store.iter_articles()]
    write_export(store.iter_articles(), "csv", tmp_path / "all.csv")
    rows = read_csv_cells(tmp_path / "all.csv")
    assert len(rows) == len(records)
    neutralised = 0
    for record, row in zip(records, rows, strict=True):
        assert list(row) == list(EXPORT_COLUMNS)
        for name, cell in row.items():
            assert not cell.startswith(FORMULA_TRIGGERS), (record["article_id"], name, cell)
            original = record[name]
            if original is None:
                assert cell == ""
            elif name in LIST_FIELDS:
                assert json.loads(restore_formula(cell)) == original
            else:
                assert restore_formula(cell) == str(original), (name, cell)
                neutralised += cell != str(original)
    hostile = next(r for r in rows if r["article_id"] == str(HOSTILE_ID))
    assert hostile["body"].startswith("'" + FORMULA_LINES[0])
    assert neutralised >= 1


def test_jsonl_and_parquet_keep_the_original_text(archive: tuple[Any, Any], tmp_path: Path) -> None:
    store = archive[0]
    write_export(store.iter_articles(), "jsonl", tmp_path / "all.jsonl")
    write_export(store.iter_articles(), "parquet", tmp_path / "all.parquet")
    lines = (tmp_path / "all.jsonl").read_text(encoding="utf-8").splitlines()
    from_jsonl = next(r for r in map(json.loads, lines) if r["article_id"] == HOSTILE_ID)
    from_parquet = next(
        r for r in pq.read_table(tmp_path / "all.parquet").to_pylist() if r["article_id"] == 2101
    )
    for exported in (from_jsonl, from_parquet):
        assert exported["body"] == HOSTILE_RECORD["body"]
        assert exported["body"].startswith(FORMULA_LINES[0])
        assert exported["title"] == TITLE
        assert exported["attachments"] == HOSTILE_RECORD["attachments"]
