"""In headless Chromium: a hostile archived article runs nothing, and /docs works offline.

The app runs under uvicorn over a real SQLite archive and embedded index holding the fixture
articles plus the hostile one (tests/replica/hostile.py, stored with its script links).
Every page is opened with requests off 127.0.0.1 aborted, as on a machine with no internet.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import assert_article_is_inert, chromium, serve_archive, watched_page
from tests.conftest import REPO_ROOT
from tests.replica.fixtures import SITE_ORIGIN
from tests.replica.hostile_web import (
    HOSTILE_ID,
    SAFE_ATTACHMENT,
    SAFE_IMAGE,
    SCRIPT_IMAGES,
    SCRIPT_LINKS,
    TITLE,
)
from tests.test_hostile_archive import store_hostile
from tests.web_fixtures import RICE, build_archive

pytestmark = pytest.mark.browser
ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory: Path = tmp_path_factory.mktemp("hostile-browser")
    store, backend = build_archive(directory)
    store_hostile(store, backend)
    with serve_archive(store, backend) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as launched:
        yield launched


def test_hostile_article_page_runs_nothing_and_links_only_http(browser: Any, base_url: str) -> None:
    with watched_page(browser) as watched:
        hrefs = assert_article_is_inert(watched, base_url, HOSTILE_ID)
        page = watched.page
        assert hrefs == {
            f"{SITE_ORIGIN}/news/contents/details/{HOSTILE_ID}",
            SITE_ORIGIN + SAFE_ATTACHMENT,
            SITE_ORIGIN + SAFE_IMAGE,
        }
        shown = page.locator("article .not-a-link").all_inner_texts()
        # The browser shows the tab in "java\tscript:" as a space; the text is all there.
        assert [t.replace(" ", "\t") if "java script" in t else t for t in shown] == [
            *SCRIPT_LINKS,
            *SCRIPT_IMAGES,
        ]
        assert page.locator("h1").inner_text() == TITLE
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "hostile-article.png"), full_page=True)


def test_search_results_with_the_hostile_article_run_nothing(browser: Any, base_url: str) -> None:
    with watched_page(browser) as watched:
        page = watched.page
        response = page.goto(f"{base_url}/?q=ประกาศรับสมัครงานราชการ")
        assert response is not None and response.status == 200
        assert TITLE in page.locator("ol.hits h2 a").all_inner_texts()
        assert page.evaluate("document.scripts.length") == 0
        page.goto(f"{base_url}/?q={RICE}")  # the fixture pages: the timeline SVG, facets
        assert page.locator("svg.timeline").count() == 1
        assert watched.dialogs == []
        assert watched.violations() == []
        assert watched.console_errors == []
        assert all(url.startswith(base_url) for url in watched.requests)


def test_docs_work_offline_under_the_policy(browser: Any, base_url: str) -> None:
    """Swagger UI renders from same-origin files, and "Try it out" calls the API."""
    with watched_page(browser) as watched:
        page = watched.page
        response = page.goto(f"{base_url}/docs")
        assert response is not None and response.status == 200
        assert "img-src 'self' data:" in response.headers["content-security-policy"]
        page.locator(".opblock").first.wait_for()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
        operation = page.locator(".opblock", has_text="/api/search")
        operation.locator(".opblock-summary").click()
        page.get_by_role("button", name="Try it out").click()
        operation.locator("input[placeholder='q']").fill(RICE)
        page.get_by_role("button", name="Execute").click()
        status = operation.locator(".live-responses-table tbody td.response-col_status").first
        assert status.inner_text().strip() == "200"
        # search, timeline, article, similar articles, export and the five workbench tools
        assert page.locator(".opblock").count() == 10
        assert watched.violations() == []
        assert watched.console_errors == []
        assert watched.requests and all(u.startswith(base_url) for u in watched.requests)
