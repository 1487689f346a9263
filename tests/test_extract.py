"""Extraction on the replica's fixture pages and on hand-written variants (no network)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipelines.core.article import EXTRACTED_FIELDS
from pipelines.core.extract import Extracted, NotArticle, extract_article
from pipelines.core.text_rules import detect_lang
from tests.replica import fixtures as fx
from tests.replica import pages
from tests.replica.server import ReplicaServer

BASE = "http://127.0.0.1:9/news/contents/details/"
FETCHED = datetime(2026, 11, 24, 5, 40, tzinfo=UTC)
_SERVER = ReplicaServer()  # not started: only its page encoder/truncation is used


def served_bytes(article: fx.FixtureArticle) -> bytes:
    return _SERVER.article_bytes(article)


EXPECTED_ROUTES = {1008: "og_title", 1010: "h1", 1011: "largest_block"}


@pytest.mark.parametrize("article", fx.ARTICLES, ids=lambda a: str(a.article_id))
def test_fixture_article_extracts_to_expected_fields(article: fx.FixtureArticle) -> None:
    result = extract_article(
        served_bytes(article),
        BASE + str(article.article_id),
        encoding=article.charset,
        fetched_at=FETCHED,
    )
    assert isinstance(result, Extracted), result
    assert tuple(result.fields) == EXTRACTED_FIELDS
    assert result.fields["fetched_at"] == "2026-11-24T05:40:00+00:00"
    got = {k: v for k, v in result.fields.items() if k != "fetched_at"}
    assert got == article.expected_fields()
    assert result.route == EXPECTED_ROUTES.get(article.article_id, "anchors")


def test_synthetic_article_extracts() -> None:
    article = fx.synthetic_article(2000)
    result = extract_article(served_bytes(article), BASE + "2000", fetched_at=FETCHED)
    assert isinstance(result, Extracted)
    got = {k: v for k, v in result.fields.items() if k != "fetched_at"}
    assert got == article.expected_fields()


def test_non_utf8_page_decodes_from_meta_charset_without_transport_encoding() -> None:
    article = fx.ARTICLES_BY_ID[fx.NON_UTF8_ID]
    raw = served_bytes(article)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    result = extract_article(raw, BASE + str(fx.NON_UTF8_ID))  # only <meta charset> tells
    assert isinstance(result, Extracted)
    assert result.fields["title"] == article.expected_title
    assert result.fields["body"] == article.expected_fields()["body"]


def test_zero_width_space_is_removed_from_title_and_category_whitespace_folded() -> None:
    article = fx.ARTICLES_BY_ID[1005]
    assert article.title.startswith("\u200b")
    result = extract_article(pages.detail_page(article), BASE + "1005")
    assert isinstance(result, Extracted)
    assert not result.fields["title"].startswith("\u200b")
    assert result.fields["category"] == "ด้านสังคม"


def test_url_is_canonical_whatever_the_base_url() -> None:
    html = pages.detail_page(fx.ARTICLES_BY_ID[1001])
    result = extract_article(html, "http://localhost:8765/news/contents/details/1001?x=1")
    assert isinstance(result, Extracted)
    assert result.fields["url"] == "https://www.thaigov.go.th/news/contents/details/1001"
    assert result.fields["images"][0].startswith("https://www.thaigov.go.th/FileUpload/")


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (pages.soft_404_page(), "soft_404"),
        (pages.no_article_block_page(), "no_article_block"),
        ("<html><head><title>Error</title></head><body><p>x</p></body></html>", "no_title"),
        ("", "unparseable"),
        (
            f"<html><head><title>{pages.TITLE_PREFIX}หัวข้อ</title></head><body>"
            '<div class="border-normal clearfix"></div></body></html>',
            "empty_article",
        ),
    ],
)
def test_non_articles_say_why(html: str, reason: str) -> None:
    result = extract_article(html, BASE + "5")
    assert isinstance(result, NotArticle)
    assert result.reason == reason


def test_url_without_detail_id_is_not_an_article() -> None:
    result = extract_article(pages.detail_page(fx.ARTICLES_BY_ID[1001]), "http://x/news/index")
    assert result == NotArticle("not_detail_url", "http://x/news/index")


def test_hashtags_and_credit_stay_in_body_and_attachment_links_do_not() -> None:
    result = extract_article(pages.detail_page(fx.ARTICLES_BY_ID[1001]), BASE + "1001")
    assert isinstance(result, Extracted)
    body = result.fields["body"].split("\n")
    assert body[-2:] == ["#ไทยคู่ฟ้า #ตลาดสีเขียว", "ข้อมูล : สำนักงานทดสอบประชาสัมพันธ์"]
    assert "ดาวน์โหลดเอกสารแนบ" not in result.fields["body"]
    assert result.fields["hashtags"] == ["#ไทยคู่ฟ้า", "#ตลาดสีเขียว"]


def test_title_repeated_later_in_the_body_is_kept() -> None:
    title = "หัวข้อทดสอบ"
    html = (
        f"<html><head><title>{pages.TITLE_PREFIX}{title}</title></head><body>"
        '<div class="border-normal clearfix"><div>วันพุธที่ 1 มีนาคม 2566</div>'
        f"<h3>{title}</h3><p>{title}</p><p>ย่อหน้าแรก</p><p>{title}</p></div></body></html>"
    )
    result = extract_article(html, BASE + "9")
    assert isinstance(result, Extracted)
    assert result.fields["body"] == f"ย่อหน้าแรก\n{title}"
    assert result.fields["published_date_numeric_text"] is None


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        # One rule for crawl and corpus (text_rules): Thai from a 0.3 share of the letters.
        (
            "วันพุธที่ 15 พฤศจิกายน 2566 The Prime Minister met the trade delegation "
            "at Government House today.",
            "en",
        ),
        ("นายกรัฐมนตรีพบคณะผู้แทน Prime Minister met the delegation", "th"),
        ("นายกรัฐมนตรีประชุมร่วมกับ ASEAN และ WHO เรื่องสาธารณสุข", "th"),
        ("", "th"),
    ],
)
def test_detect_lang_uses_the_share_of_thai_letters(text: str, lang: str) -> None:
    assert detect_lang(text) == lang
