"""Pages and JSON API over a real SQLite archive and a real embedded index (fixture articles)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from search.web import create_app
from tests.web_fixtures import (
    RICE,
    RICE_IDS,
    SCRIPT_BODY,
    SCRIPT_ID,
    SCRIPT_TITLE,
    build_archive,
    drop_test_indices,
    open_backend_for_test,
)


@pytest.fixture(
    scope="module",
    params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)],
)
def client(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    """The app over a real archive and a real index of each backend kind (read-only tests)."""
    directory = tmp_path_factory.mktemp(request.param)
    url = request.getfixturevalue("elasticsearch_url") if request.param == "elasticsearch" else ""
    store, backend = build_archive(directory, open_backend_for_test(request.param, directory, url))
    try:
        with TestClient(create_app(store=store, backend=backend)) as test_client:
            yield test_client
    finally:
        backend.close()
        store.close()
        if url:
            drop_test_indices(url)


def result_ids(html: str) -> list[int]:
    """Article ids of the result list, in page order."""
    hits = html.split('<ol class="hits"', 1)[1].split("</ol>", 1)[0]
    return [int(i) for i in re.findall(r'<h2><a href="/articles/(\d+)">', hits)]


def api_ids(client: TestClient, **params: Any) -> list[int]:
    response = client.get("/api/search", params={"q": RICE, **params})
    assert response.status_code == 200, response.text
    return [hit["article_id"] for hit in response.json()["hits"]]


def test_search_page_lists_highlighted_matches_with_count_and_timeline(client: TestClient) -> None:
    response = client.get("/", params={"q": RICE})
    assert response.status_code == 200
    html = response.text
    assert set(result_ids(html)) == RICE_IDS
    assert f"<strong>{len(RICE_IDS)}</strong>" in html
    assert html.count(f"<mark>{RICE}</mark>") >= len(RICE_IDS)
    svg = html.split('<svg class="timeline"', 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg and '<title id="tl-title">' in svg
    # Rice articles fall in Nov 2023, Jan, Feb and Mar 2024; Dec 2023 is an empty slot.
    months = re.findall(r'data-month="(\d{4}-\d\d)"', svg)
    assert months == ["2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    assert "ม.ค. 2567 (2024-01): 2 ข่าว" in svg
    assert '<meta name="viewport"' in html and '<html lang="th">' in html


def test_buddhist_and_common_era_date_filters_agree(client: TestClient) -> None:
    january = {2001, 2007}
    be = client.get("/", params={"q": RICE, "from": "1 ม.ค. 2567", "to": "31/1/2567"})
    ce = client.get("/", params={"q": RICE, "from": "2024-01-01", "to": "2024-01"})
    assert set(result_ids(be.text)) == set(result_ids(ce.text)) == january
    assert set(api_ids(client, **{"from": "2567", "to": "2567"})) == RICE_IDS - {2004}


def test_category_facets_show_counts_and_filter_when_followed(client: TestClient) -> None:
    html = client.get("/", params={"q": RICE}).text
    facets = {
        unescape(name): int(n)
        for name, n in re.findall(
            r'class="facet"\s+href="/\?[^"]+"[^>]*>\s*<span class="name">([^<]+)</span>'
            r' <span class="n">(\d+)</span>',
            html,
        )
    }
    assert facets == {"ด้านเศรษฐกิจ": 2, "ข่าวทำเนียบรัฐบาล": 1, "ด้านสังคม": 1, "ข่าวคณะโฆษก": 1}
    link = re.search(
        r'class="facet"\s+href="(/\?[^"]+)"[^>]*>\s*<span class="name">ด้านเศรษฐกิจ', html
    )
    assert link is not None
    narrowed = client.get(unescape(link.group(1)))
    assert set(result_ids(narrowed.text)) == {2001, 2004}
    # The facet list keeps the other categories (counts without the category filter), the
    # selected one is marked, and clicking it again removes the filter.
    assert 'class="facet selected"' in narrowed.text
    again = re.search(r'class="facet selected"\s+href="(/\?[^"]+)"', narrowed.text).group(1)  # type: ignore[union-attr]
    assert set(result_ids(client.get(unescape(again)).text)) == RICE_IDS


def test_language_sort_and_pagination(client: TestClient) -> None:
    english = client.get("/api/search", params={"q": "Thai products", "lang": "en"}).json()
    assert [h["article_id"] for h in english["hits"]] == [2005]
    assert (
        client.get("/api/search", params={"q": "Thai products", "lang": "th"}).json()["total"] == 0
    )
    newest = client.get("/api/search", params={"q": RICE, "sort": "newest"}).json()["hits"]
    dates = [h["published_date"] for h in newest]
    assert dates == sorted(dates, reverse=True)
    assert newest[0]["published_date_thai"] == "วันศุกร์ที่ 15 มีนาคม 2567"
    first = client.get("/api/search", params={"q": RICE, "sort": "oldest", "limit": 2}).json()
    assert first["total"] == len(RICE_IDS) and first["next_offset"] == 2
    pages = [h["article_id"] for h in first["hits"]]
    offset = first["next_offset"]
    while offset is not None:
        page = client.get(
            "/api/search", params={"q": RICE, "sort": "oldest", "limit": 2, "offset": offset}
        ).json()
        pages += [h["article_id"] for h in page["hits"]]
        offset = page["next_offset"]
    assert pages == [2004, 2001, 2007, 2002, 2006]


def test_search_page_pagination_links(client: TestClient) -> None:
    # The page size is fixed at 20, so a query matching 5 articles has one page, no links.
    html = client.get("/", params={"q": RICE}).text
    assert 'rel="next"' not in html
    assert client.get("/", params={"q": RICE, "page": "2"}).status_code == 200
    assert result_ids(client.get("/", params={"q": RICE, "page": "2"}).text) == []


def test_timeline_api_is_zero_filled(client: TestClient) -> None:
    data = client.get("/api/timeline", params={"q": RICE}).json()
    assert data["total"] == len(RICE_IDS)
    assert [(m["month"], m["count"]) for m in data["per_month"]] == [
        ("2023-11", 1),
        ("2023-12", 0),
        ("2024-01", 2),
        ("2024-02", 1),
        ("2024-03", 1),
    ]
    assert {c["category"]: c["count"] for c in data["per_category"]}["ด้านเศรษฐกิจ"] == 2


def test_article_page_shows_dates_category_body_and_original_link(client: TestClient) -> None:
    html = client.get("/articles/2001").text
    assert "<h1>รัฐบาลเร่งช่วยเหลือชาวนาหลังราคาข้าวตกต่ำ</h1>" in html
    assert "วันพุธที่ 10 มกราคม 2567" in html and "ค.ศ. 2024-01-10" in html
    assert "ด้านเศรษฐกิจ" in html and "#ไทยคู่ฟ้า" in html
    assert 'href="https://www.thaigov.go.th/news/contents/details/2001"' in html
    assert "<p>กระทรวงพาณิชย์จะติดตามราคาข้าวในตลาดอย่างใกล้ชิดทุกสัปดาห์</p>" in html
    assert "ฉบับก่อนหน้า" not in html


def test_article_with_two_versions_shows_what_changed(client: TestClient) -> None:
    html = client.get("/articles/2007").text
    assert "ฉบับก่อนหน้า" in html
    changes = html.split('<div class="changes">', 1)[1].split("</div>", 1)[0]
    assert '<p class="changed">โฆษกรัฐบาลแถลงผลการประชุมคณะรัฐมนตรี<ins> (ฉบับแก้ไข)</ins></p>' in changes
    assert "<ins>และโครงการรับซื้อข้าว</ins>" in changes
    assert '<p class="same">รายละเอียดจะประกาศในภายหลัง</p>' in changes
    data = client.get("/api/articles/2007").json()
    assert data["version"] == 2
    assert [v["version"] for v in data["versions"]] == [1]
    assert data["versions"][0]["title"] == "โฆษกรัฐบาลแถลงผลการประชุมคณะรัฐมนตรี"
    assert "+โฆษกรัฐบาลแถลงผลการประชุมคณะรัฐมนตรี (ฉบับแก้ไข)" in data["versions"][0]["diff"]


def test_script_and_html_in_an_article_are_shown_as_text(client: TestClient) -> None:
    pages = [
        client.get(f"/articles/{SCRIPT_ID}").text,
        client.get("/", params={"q": RICE}).text,
    ]
    for html in pages:
        assert "<script" not in html.lower()
        assert "<img" not in html.lower() and 'href="javascript:' not in html
        assert "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in html
    article_html = pages[0]
    assert "<b>" not in article_html and "&lt;b&gt;ตัวหนา&lt;/b&gt;" in article_html
    assert "&lt;/p&gt;&lt;h1&gt;ไม่ใช่หัวข้อ&lt;/h1&gt;" in article_html
    # The API returns the text exactly (JSON is data), and its HTML snippet is escaped.
    data = client.get(f"/api/articles/{SCRIPT_ID}").json()
    assert data["title"] == SCRIPT_TITLE and data["body"] == SCRIPT_BODY
    hit = next(
        h
        for h in client.get("/api/search", params={"q": RICE}).json()["hits"]
        if h["article_id"] == SCRIPT_ID
    )
    assert "<img" not in hit["snippet_html"] and "&lt;img" in hit["snippet_html"]
    assert f"<mark>{RICE}</mark>" in hit["snippet_html"]


def test_front_page_without_query_shows_archive_size(client: TestClient) -> None:
    html = client.get("/").text
    assert "7 ข่าวในคลัง" in html
    assert '<ol class="hits"' not in html


def test_filters_without_words_browse_with_timeline_and_facets(client: TestClient) -> None:
    html = client.get("/", params={"lang": "en"}).text
    assert '<ol class="hits"' in html and "<svg" in html
    assert "/articles/2005" in html  # the one English fixture article
    assert "/articles/2001" not in html
    assert "Government News" in html  # its category, as a facet


@pytest.mark.parametrize(
    "params",
    [
        {"from": "garbage"},
        {"to": "2024-02-31"},
        {"from": "2024-03-01", "to": "2024-02-01"},
        {"sort": "random"},
        {"lang": "fr"},
        {"limit": "0"},
        {"limit": "101"},
        {"offset": "-1"},
        {"offset": "ten"},
    ],
)
def test_bad_api_parameters_are_422(client: TestClient, params: dict[str, str]) -> None:
    for path in ("/api/search", "/api/timeline"):
        response = client.get(path, params={"q": RICE, **params})
        assert response.status_code == 422, (path, params, response.text)
        assert response.json()["detail"][0]["loc"][0] == "query"


@pytest.mark.parametrize(
    "params", [{"from": "garbage"}, {"sort": "random"}, {"page": "0"}, {"page": "x"}]
)
def test_bad_page_parameters_are_422_with_a_message(
    client: TestClient, params: dict[str, str]
) -> None:
    response = client.get("/", params={"q": RICE, **params})
    assert response.status_code == 422
    assert 'role="alert"' in response.text


def test_unknown_and_invalid_article_ids(client: TestClient) -> None:
    assert client.get("/api/articles/999999").status_code == 404
    assert client.get("/articles/999999").status_code == 404
    for bad in ("0", "-5", "abc", "99999999999999999999"):
        assert client.get(f"/api/articles/{bad}").status_code == 422
        assert client.get(f"/articles/{bad}").status_code == 422


def test_openapi_documents_the_json_api(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/search",
        "/api/timeline",
        "/api/articles/{article_id}",
        *(f"/api/{tool}" for tool in ("trends", "kwic", "collocations", "keyness", "words")),
        "/api/export",
        "/api/articles/{article_id}/similar",
    }
    ok = schema["paths"]["/api/search"]["get"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"]["$ref"].endswith("/SearchOut")
    for model in ("SearchOut", "HitOut", "TimelineOut", "ArticleOut", "VersionOut"):
        assert model in schema["components"]["schemas"]
    params = {p["name"] for p in schema["paths"]["/api/search"]["get"]["parameters"]}
    assert params == {"q", "from", "to", "category", "lang", "sort", "limit", "offset", "mode"}


def test_serve_command_serves_the_configured_archive(tmp_path: Path) -> None:
    """`thaigov serve` with no arguments but the environment opens that archive and index."""
    store, backend = build_archive(tmp_path)
    env = {
        **os.environ,
        "THAIGOV_ARCHIVE_URL": store.url,
        "THAIGOV_SEARCH_PATH": str(backend.path),
    }
    env.pop("THAIGOV_ELASTICSEARCH_URL", None)
    backend.close()
    store.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from search.cli import main; main()",
            "serve",
            "--port",
            str(port),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(
                    f"http://127.0.0.1:{port}/api/search", params={"q": RICE}, timeout=5
                )
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "thaigov serve did not start"
                time.sleep(0.2)
        assert response.status_code == 200
        assert {h["article_id"] for h in response.json()["hits"]} == RICE_IDS
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_unreachable_search_backend_answers_503_not_500(tmp_path: Path) -> None:
    from search.backends.elastic import ElasticsearchBackend

    store, embedded = build_archive(tmp_path)
    embedded.close()
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]  # nothing listens here once the socket closes
    unreachable = ElasticsearchBackend(f"http://127.0.0.1:{closed_port}", request_timeout=2)
    try:
        with TestClient(create_app(store, unreachable)) as client:
            api = client.get("/api/search", params={"q": RICE})
            assert api.status_code == 503 and "unavailable" in api.json()["detail"]
            page = client.get("/", params={"q": RICE})
            assert page.status_code == 503 and 'role="alert"' in page.text
            # The archive still answers: article pages do not need the search backend.
            assert client.get("/articles/2001").status_code == 200
    finally:
        unreachable.close()
        store.close()


def test_a_misspelt_query_gets_did_you_mean_in_the_api_and_the_page(client: TestClient) -> None:
    """ขาว (tone mark missing) matches nothing; the index's ข้าว is offered with its count."""
    body = client.get("/api/search", params={"q": "ขาว"}).json()
    assert body["total"] == 0
    assert body["did_you_mean"] == [{"q": RICE, "total": len(RICE_IDS)}]
    page = client.get("/", params={"q": "ขาว"}).text
    assert 'class="did-you-mean"' in page and f"/?q={RICE}" in unescape(page).replace(
        "%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7", RICE
    )
    assert 'class="no-results"' in page  # the zero-result page says what to try
    assert client.get("/api/search", params={"q": RICE}).json()["did_you_mean"] == []
