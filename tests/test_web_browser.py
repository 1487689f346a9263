"""End to end in real headless Chromium (Debian's binary driven by Playwright's Python package).

The app runs under uvicorn in a thread on 127.0.0.1 over a real SQLite archive and embedded
index built from the fixture articles. A screenshot of the search page is saved to
test-artifacts/search-page.png (and the phone-width one beside it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser_support import chromium, serve_archive, watched_page
from tests.conftest import REPO_ROOT
from tests.web_fixtures import RICE, RICE_IDS, SCRIPT_ID, SCRIPT_TITLE, build_archive

pytestmark = pytest.mark.browser

ARTIFACTS = REPO_ROOT / "test-artifacts"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory: Path = tmp_path_factory.mktemp("browser")
    with serve_archive(*build_archive(directory)) as url:
        yield url


@pytest.fixture(scope="module")
def browser(chromium_path: str) -> Iterator[Any]:
    with chromium(chromium_path) as launched:
        yield launched


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    with watched_page(browser, offline=False) as watched:
        yield watched.page
    assert watched.dialogs == [], f"a script ran in the page: {watched.dialogs}"


def result_ids(page: Any) -> set[int]:
    hrefs = page.locator("ol.hits li.hit h2 a").evaluate_all("els => els.map(e => e.pathname)")
    return {int(h.rsplit("/", 1)[1]) for h in hrefs}


def test_search_narrow_open_article_and_see_timeline(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.get_by_role("searchbox").fill(RICE)
    page.get_by_role("button", name="ค้นหา").click()
    page.wait_for_selector("ol.hits")
    assert result_ids(page) == RICE_IDS
    assert page.locator("#result-count strong").inner_text() == str(len(RICE_IDS))
    marks = page.locator("p.snippet mark")
    assert marks.count() >= len(RICE_IDS)
    assert set(marks.all_inner_texts()) == {RICE}
    assert page.locator("mark").first.evaluate("e => getComputedStyle(e).backgroundColor") != (
        "rgba(0, 0, 0, 0)"
    )
    timeline = page.get_by_role("img", name="จำนวนข่าวที่พบต่อเดือน: ข้าว (matches per month)")
    assert timeline.is_visible()
    assert timeline.locator("g.month").count() == 5
    assert timeline.bounding_box()["height"] > 50
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "search-page.png"), full_page=True)

    # Narrow by date (B.E. in the form), then by a category facet.
    page.locator("input[name=from]").fill("2567")
    page.locator("input[name=to]").fill("มกราคม 2567")
    page.get_by_role("button", name="ค้นหา").click()
    page.wait_for_selector("ol.hits")
    assert result_ids(page) == {2001, 2007}
    page.locator("a.facet", has_text="ข่าวคณะโฆษก").click()
    page.wait_for_selector("a.facet.selected")
    assert result_ids(page) == {2007}
    assert page.locator("input[name=from]").input_value() == "2567"

    # Open the article: dates in both eras, the original link, the earlier version's diff.
    page.locator("ol.hits h2 a").first.click()
    page.wait_for_selector("article h1")
    assert page.locator("h1").inner_text() == "โฆษกรัฐบาลแถลงผลการประชุมคณะรัฐมนตรี (ฉบับแก้ไข)"
    assert "วันพฤหัสบดีที่ 25 มกราคม 2567" in page.locator("dl.meta").inner_text()
    assert "2024-01-25" in page.locator("dl.meta").inner_text()
    original = page.locator("a.original")
    assert original.get_attribute("href") == "https://www.thaigov.go.th/news/contents/details/2007"
    page.locator("details.version summary").click()
    inserted = page.locator(".changes ins")
    assert inserted.first.is_visible()
    assert inserted.all_inner_texts() == [" (ฉบับแก้ไข)", "และโครงการรับซื้อข้าว"]


def test_timeline_bar_narrows_to_its_month(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/?q={RICE}")
    page.locator('g.month[data-month="2024-01"] a').click()
    page.wait_for_selector("ol.hits")
    assert result_ids(page) == {2001, 2007}
    assert page.locator("input[name=from]").input_value() == "2024-01"


def test_script_in_an_article_is_shown_as_text(page: Any, base_url: str) -> None:
    page.goto(f"{base_url}/articles/{SCRIPT_ID}")
    assert page.locator("h1").inner_text() == SCRIPT_TITLE
    assert page.evaluate("document.scripts.length") == 0
    assert page.locator("article img, article .body a, article b").count() == 0
    assert 'onerror="alert(1)"' in page.locator("article .body").inner_text()
    page.goto(f"{base_url}/?q={RICE}")
    assert page.locator("ol.hits img").count() == 0


@pytest.mark.parametrize("path", [f"/?q={RICE}", f"/articles/{SCRIPT_ID}", "/articles/2007"])
def test_phone_width_has_no_horizontal_scroll(browser: Any, base_url: str, path: str) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True
    )
    try:
        ARTIFACTS.mkdir(exist_ok=True)
        phone = context.new_page()
        phone.goto(base_url + path)
        overflow = phone.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        if path.startswith("/?"):
            assert phone.locator("svg.timeline").bounding_box()["width"] <= 390
            phone.screenshot(path=str(ARTIFACTS / "search-page-phone.png"), full_page=True)
    finally:
        context.close()
