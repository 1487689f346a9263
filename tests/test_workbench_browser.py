"""The workbench pages in real headless Chromium, at desktop (1400 px) and phone (390 px) width.

Screenshots go to test-artifacts/workbench-<page>-<width>.png (looked at while writing this).
Checked here: no console error or CSP violation, chart labels at least 10 px tall on a phone,
the chart usable from the keyboard, and every generated link percent-encoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search.backends.embedded import EmbeddedBackend
from search.services.documents import documents_from_articles
from search.web import create_app
from tests.browser_support import chromium, serve, watched_page
from tests.conftest import REPO_ROOT
from tests.workbench_fixtures import ARTICLES

pytestmark = pytest.mark.browser
ARTIFACTS = REPO_ROOT / "test-artifacts"

PAGES = {
    "trends": "/trends?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7&q=%E0%B8%A2%E0%B8%B2%E0%B8%87"
    "&q=%E0%B8%97%E0%B9%88%E0%B8%AD%E0%B8%87%E0%B9%80%E0%B8%97%E0%B8%B5%E0%B9%88%E0%B8%A2%E0%B8%A7",
    "kwic": "/kwic?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7&context=3",
    "collocations": "/collocations?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7&window=1&min_count=1",
    "keyness": "/keyness?from=2024-01&to=2024-01&ref_from=2024-02&ref_to=2024-04&min_count=1",
    "words": "/words?min_count=2",
}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path: Path = tmp_path_factory.mktemp("wb-browser") / "search.sqlite3"
    backend = EmbeddedBackend(path)
    backend.rebuild(iter(documents_from_articles(ARTICLES)))
    with serve(create_app(backend=backend)) as url:
        yield url
    backend.close()


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as found:
        yield found


def _open(page: Any, url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    response = page.goto(url)
    assert response is not None and response.status == 200


@pytest.mark.parametrize("width", [1400, 390])
@pytest.mark.parametrize("name", list(PAGES))
def test_page_renders_cleanly(browser: Any, base_url: str, name: str, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    with watched_page(browser) as watched:
        page = watched.page
        _open(page, base_url + PAGES[name], width)
        page.screenshot(path=str(ARTIFACTS / f"workbench-{name}-{width}.png"), full_page=True)
        assert watched.console_errors == []
        assert watched.violations() == []
        # Every link the page generates is percent-encoded: ASCII only, no spaces.
        hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
        assert hrefs
        bad = [h for h in hrefs if not h.isascii() or " " in h]
        assert bad == []
        # Nothing wider than the screen except inside the scrolling regions.
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= width


def test_trend_chart_is_readable_on_a_phone_and_has_a_text_alternative(
    browser: Any, base_url: str
) -> None:
    with watched_page(browser) as watched:
        page = watched.page
        _open(page, base_url + PAGES["trends"], 390)
        heights = page.eval_on_selector_all(
            "svg.trend text", "els => els.map(e => e.getBoundingClientRect().height)"
        )
        assert heights and min(heights) >= 10
        assert page.locator("svg.trend title").first.text_content()
        assert "2567" in (page.locator("svg.trend").text_content() or "")  # B.E. years
        assert "2024" in (page.locator("svg.trend").text_content() or "")  # and C.E.
        table = page.locator("table.data")
        assert table.locator("tbody tr").count() == 5  # 2023-12 .. 2024-04, one row each
        assert "666.7" in (table.text_content() or "")


def test_trend_chart_is_usable_from_the_keyboard(browser: Any, base_url: str) -> None:
    with watched_page(browser) as watched:
        page = watched.page
        _open(page, base_url + PAGES["trends"], 1400)
        for _ in range(60):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.closest('svg.trend') !== null"):
                break
        else:
            pytest.fail("no chart point takes the keyboard focus")
        label = page.evaluate("document.activeElement.getAttribute('aria-label')")
        assert label.startswith("ข้าว · 2023-12 (2566-12)")
        page.keyboard.press("Enter")
        page.wait_for_url("**/kwic?**")
        assert page.locator("table.kwic tbody tr").count() == 1  # ข้าว in December 2023
        assert watched.console_errors == []


def test_concordance_pages_are_numbered(browser: Any, base_url: str) -> None:
    with watched_page(browser) as watched:
        page = watched.page
        _open(page, base_url + PAGES["kwic"], 1400)
        rows = page.locator("table.kwic tbody tr")
        assert rows.count() == 8
        assert rows.nth(0).locator("td.left").text_content() == "ประชุม ครม ราคา"
        page.get_by_role("link", name="ขวา").click()
        page.wait_for_url("**sort=right**")
        assert page.locator("table.kwic tbody tr").count() == 8


def test_search_page_timeline_labels_are_readable_on_a_phone(browser: Any, base_url: str) -> None:
    with watched_page(browser) as watched:
        page = watched.page
        _open(page, base_url + "/?q=%E0%B8%82%E0%B9%89%E0%B8%B2%E0%B8%A7", 390)
        box = page.locator("svg.timeline").bounding_box()
        assert box is not None and box["width"] <= 390
        heights = page.eval_on_selector_all(
            "svg.timeline text",
            "els => els.filter(e => getComputedStyle(e).display !== 'none')"
            ".map(e => e.getBoundingClientRect().height)",
        )
        assert heights and min(heights) >= 10
        page.screenshot(path=str(ARTIFACTS / "workbench-search-timeline-390.png"), full_page=True)
        assert watched.console_errors == []
