"""Security headers on every response, a strict CSP the pages keep, /docs served offline."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from search.web import create_app
from search.web.docs import swagger_assets_dir
from search.web.security import (
    CONTENT_SECURITY_POLICY,
    DOCS_CONTENT_SECURITY_POLICY,
    SECURITY_HEADERS,
)
from tests.web_fixtures import RICE, SCRIPT_ID, build_archive

PAGES = ["/", f"/?q={RICE}", f"/articles/{SCRIPT_ID}", "/articles/2007", "/articles/999999"]
OTHER: list[tuple[str, int | None]] = [
    ("/articles/0", 422),
    ("/?q=x&from=garbage", 422),
    ("/no/such/page", 404),
    (f"/api/search?q={RICE}", 200),
    ("/api/articles/999999", 404),
    ("/api/search?limit=0", 422),
    ("/openapi.json", 200),
    ("/static/style.css", 200),
]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    store, backend = build_archive(tmp_path_factory.mktemp("security"))
    try:
        with TestClient(create_app(store, backend)) as test_client:
            yield test_client
    finally:
        backend.close()
        store.close()


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def test_the_policy_is_strict() -> None:
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["default-src"] == ["'self'"]
    assert policy["script-src"] == ["'self'"]  # no inline script, no eval, no other origin
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    for values in policy.values():
        assert not {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:"} & set(values)
    docs = directives(DOCS_CONTENT_SECURITY_POLICY)
    assert docs == {**policy, "img-src": ["'self'", "data:"]}


@pytest.mark.parametrize(("path", "status"), [*((p, None) for p in PAGES), *OTHER])
def test_every_response_carries_the_security_headers(
    client: TestClient, path: str, status: int | None
) -> None:
    response = client.get(path)
    if status is not None:
        assert response.status_code == status, response.text
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value, name
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"


@pytest.mark.parametrize("path", PAGES)
def test_pages_need_nothing_the_policy_forbids(client: TestClient, path: str) -> None:
    """No script at all, no inline style, no event handler, nothing from another origin."""
    soup = BeautifulSoup(client.get(path).text, "html.parser")
    assert soup.find_all("script") == []
    assert soup.find_all("style") == []
    for element in soup.find_all(True):
        for attribute in element.attrs:
            assert attribute != "style" and not attribute.startswith("on"), (
                element.name,
                attribute,
            )
    for element in soup.find_all(["link", "img", "iframe", "object", "embed"]):
        source = str(element.get("href") or element.get("src") or "")
        assert urlsplit(source).netloc in ("", "testserver"), source


def test_docs_page_is_served_offline_with_same_origin_assets(client: TestClient) -> None:
    assert swagger_assets_dir() is not None, "install fastapi-offline (pyproject dependency)"
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.headers["Content-Security-Policy"] == DOCS_CONTENT_SECURITY_POLICY
    soup = BeautifulSoup(response.text, "html.parser")
    scripts = soup.find_all("script")
    assert len(scripts) == 2
    assert all(s.get("src") and not s.string for s in scripts), "inline script on /docs"
    assets = [str(s["src"]) for s in scripts] + [str(x["href"]) for x in soup.find_all("link")]
    for asset in assets:
        assert urlsplit(asset).netloc == "testserver", asset
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert served.headers["X-Content-Type-Options"] == "nosniff"
    bundle = client.get(scripts[0]["src"])
    assert "javascript" in bundle.headers["content-type"]
    assert "SwaggerUIBundle" in bundle.text and len(bundle.content) > 500_000
    assert "cdn" not in response.text.lower()
    root = soup.find(id="swagger-ui")
    assert root is not None
    spec_url = str(root["data-openapi-url"])
    assert client.get(spec_url).json()["info"]["title"] == "thaigov-archive"


def test_swagger_init_script_points_at_nothing_outside() -> None:
    source = (Path(__file__).parent.parent / "search/web/static/swagger-init.js").read_text()
    assert re.search(r"https?://", source) is None
    assert "validatorUrl: null" in source


def test_a_bug_answers_a_plain_500_page_with_headers_and_no_traceback(
    client: TestClient,
) -> None:
    """A route that fails with an ordinary exception (not a storage failure) on the real app."""
    app = client.app

    def fail() -> None:
        raise RuntimeError("a bug with a secret detail")

    app.add_api_route("/api/test-bug", fail)  # type: ignore[attr-defined]
    app.add_api_route("/test-bug", fail)  # type: ignore[attr-defined]
    quiet = TestClient(app, raise_server_exceptions=False)
    for path in ("/test-bug", "/api/test-bug"):
        response = quiet.get(path)
        assert response.status_code == 500
        assert "Traceback" not in response.text and "secret detail" not in response.text
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
        assert response.headers["X-Frame-Options"] == "DENY"
    assert 'role="alert"' in quiet.get("/test-bug").text
    assert quiet.get("/api/test-bug").json() == {"detail": "เกิดข้อผิดพลาดภายในระบบ (internal error)"}
    with pytest.raises(RuntimeError):  # re-raised, so the server logs the traceback
        client.get("/test-bug")


def test_docs_without_the_assets_package_say_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As on an install without fastapi-offline: /docs explains, the schema still works."""
    monkeypatch.setattr("search.web.docs.swagger_assets_dir", lambda: None)
    store, backend = build_archive(tmp_path)
    try:
        with TestClient(create_app(store, backend)) as client:
            docs = client.get("/docs")
            assert docs.status_code == 503 and "pip install fastapi-offline" in docs.text
            assert docs.headers["X-Content-Type-Options"] == "nosniff"
            assert client.get("/openapi.json").status_code == 200
            assert client.get("/docs-assets/swagger-ui.css").status_code == 404
    finally:
        backend.close()
        store.close()
