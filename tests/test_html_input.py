"""Input hazards, pure: decoding, sanitising, deep markup and links (``pipelines.core.html_input``),
and the extractor fed with random hostile HTML (hypothesis)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.core import html_input as hi
from pipelines.core.corpus_format import parse_corpus_text, render_corpus_file
from pipelines.core.extract import Extracted, NotArticle, extract_article
from pipelines.core.html_input import InputReport
from tests.replica import fixtures as fx
from tests.replica import hostile_crawl as hostile
from tests.replica import pages

BASE = "http://127.0.0.1:9/news/contents/details/"
PAGE = "https://www.thaigov.go.th/news/contents/details/1001"


def extract(
    article_id: int, body: bytes | str, encoding: str | None = None
) -> tuple[Extracted | NotArticle, dict[str, int]]:
    report = InputReport()
    result = extract_article(body, BASE + str(article_id), encoding=encoding, report=report)
    return result, dict(report.counts)


def fields_of(result: Extracted | NotArticle) -> dict[str, object]:
    assert isinstance(result, Extracted), result
    return {k: v for k, v in result.fields.items() if k != "fetched_at"}


# --- hostile replica pages, extracted directly -----------------------------------------------
@pytest.mark.parametrize(
    ("article_id", "counts"),
    [
        (hostile.DEEP_NESTING_ID, {hi.MARKUP_DEEP: 1}),
        (hostile.WRONG_CHARSET_ID, {hi.CHARSET_REDECODED: 1}),
        # 2 raw NULs and one &#0;; one U+FFFD in the title, which the page repeats 3 times; &#2;
        (
            hostile.NUL_BYTES_ID,
            {hi.NUL_BYTES: 3, hi.REPLACEMENT_CHARS: 3, hi.CONTROL_CHARS: 1},
        ),
        (
            hostile.HOSTILE_LINKS_ID,
            {
                hi.LINKS_DROPPED_SCHEME: hostile.DROPPED_SCHEME_LINKS,
                hi.LINKS_DROPPED_MALFORMED: hostile.DROPPED_MALFORMED_LINKS,
            },
        ),
    ],
)
def test_hostile_page_extracts_whole_and_counts_its_hazard(
    article_id: int, counts: dict[str, int]
) -> None:
    body, content_type = hostile.page_bytes(article_id)
    result, found = extract(article_id, body, content_type.split("charset=")[1])
    assert fields_of(result) == hostile.expected_fields(article_id)
    assert found == counts


def test_deep_nesting_lost_the_body_without_huge_tree() -> None:
    """The hazard is real: lxml's default parser keeps nothing below depth 255."""
    import lxml.html

    body, _ = hostile.page_bytes(hostile.DEEP_NESTING_ID)
    default = lxml.html.document_fromstring(body.decode())
    paragraph = hostile.ARTICLES[hostile.DEEP_NESTING_ID].paragraphs[0]
    assert paragraph not in default.text_content()
    assert paragraph in hi.parse_html(body.decode()).text_content()


@pytest.mark.parametrize("levels", [300, 1500, 2100, 5000])
def test_deep_markup_is_parsed_whole_and_the_tree_stays_shallow(levels: int) -> None:
    article = fx.ARTICLES_BY_ID[1001]
    html = pages.detail_page(article)
    deep = html.replace('<div class="news-detail">', '<div class="news-detail">' + "<div>" * levels)
    deep = deep.replace("</div>\n</div>\n</div>", "</div>" * (levels + 3), 1)
    report = InputReport()
    doc = hi.parse_html(deep, report)
    assert max(sum(1 for _ in el.iterancestors()) for el in doc.iter()) <= hi.MAX_TREE_DEPTH
    expected = {hi.MARKUP_DEEP: 1}
    if levels > hi.LIBXML2_HUGE_DEPTH:
        expected[hi.MARKUP_DEPTH_LIMIT] = 1
    assert dict(report.counts) == expected
    result, _ = extract(1001, deep)
    assert fields_of(result) == article.expected_fields()


def test_markup_deeper_than_even_libxml2_huge_limit_is_retokenised_and_counted() -> None:
    deep = "<span>" * 2100 + "<div>deep</div><img src='/i.jpg'>" + "</span>" * 2100
    html = f"<html><body><p>before</p>{deep}<p>after</p></body></html>"
    report = InputReport()
    doc = hi.parse_html(html, report)
    assert [p.text_content() for p in doc.iter("p")] == ["before", "after"]
    assert "deep" in doc.text_content()
    assert doc.xpath("//img/@src") == ["/i.jpg"]
    assert dict(report.counts) == {hi.MARKUP_DEEP: 1, hi.MARKUP_DEPTH_LIMIT: 1}


def test_cap_nesting_keeps_text_comments_voids_and_ignores_stray_end_tags() -> None:
    html = "<div><p>a<b>b</b></p></div></td></div><!-- c --><br><img src=x>&amp;&#x41;<p>d"
    assert hi.cap_nesting(html, 100) == html.replace("</td></div>", "")
    capped = hi.cap_nesting("<div>" * 5 + "x" + "</div>" * 5 + "y", 2)
    assert capped == "<div><div><br><br><br>x<br><br><br></div></div>y"


def test_ordinary_pages_report_nothing() -> None:
    for article in fx.ARTICLES:
        body = pages.detail_page(article).encode("cp874" if article.charset != "utf-8" else "utf-8")
        _, counts = extract(article.article_id, body, article.charset)
        assert counts == {}, article.article_id


# --- decoding ----------------------------------------------------------------------------------
THAI = "ข่าวทำเนียบรัฐบาล ภาษาไทย"


@pytest.mark.parametrize("declared", ["utf-8", "UTF8", None])
def test_windows_874_body_under_a_utf8_label_is_redecoded(declared: str | None) -> None:
    body = f'<html><head><meta charset="utf-8"></head><body>{THAI}</body></html>'.encode("cp874")
    report = InputReport()
    assert THAI in hi.decode_html(body, declared, report)
    assert report.counts == {hi.CHARSET_REDECODED: 1}


@pytest.mark.parametrize("label", ["windows-874", "tis-620", "iso-8859-11"])
def test_utf8_body_under_a_thai_legacy_label_is_redecoded(label: str) -> None:
    body = f"<html><body>{THAI}</body></html>".encode()
    report = InputReport()
    assert THAI in hi.decode_html(body, label, report)
    assert report.counts == {hi.CHARSET_REDECODED: 1}


@pytest.mark.parametrize("label", ["windows-874", "tis-620", "iso-8859-11"])
def test_thai_legacy_labels_that_fit_are_used_as_declared(label: str) -> None:
    body = f"<html><body>{THAI}</body></html>".encode("cp874")
    report = InputReport()
    assert THAI in hi.decode_html(body, label, report)
    assert report.counts == {}


def test_body_meta_charset_wins_over_a_wrong_header() -> None:
    text = '<html><head><meta charset="windows-1251"></head><body>Привет</body></html>'
    report = InputReport()
    assert "Привет" in hi.decode_html(text.encode("cp1251"), "utf-8", report)
    assert report.counts == {hi.CHARSET_REDECODED: 1}


def test_bom_is_trusted_and_undecodable_bytes_become_counted_replacements() -> None:
    assert hi.decode_html(b"\xef\xbb\xbf<p>ok</p>", "cp874") == "<p>ok</p>"
    # 0xFF is not valid UTF-8 nor windows-874: w3lib's replacement text stands ...
    report = InputReport()
    text = hi.decode_html(b"<p>a\xffb</p>", "utf-8", report)
    assert report.counts == {}
    # ... and sanitising strips and counts the replacement character.
    assert hi.sanitise_text(text, report) == "<p>ab</p>"
    assert report.counts == {hi.REPLACEMENT_CHARS: 1}


# --- sanitising ------------------------------------------------------------------------------
def test_sanitise_strips_and_counts_each_kind() -> None:
    report = InputReport()
    text = "a\x00b\x00c\ufffd\x01\x1f&#0;&#x0;&#1;&#xFFFD;&#55296;&#12;&#9;&#3647;\t\n"
    assert hi.sanitise_text(text, report) == "abc &#9;&#3647;\t\n"
    assert report.counts == {hi.NUL_BYTES: 4, hi.REPLACEMENT_CHARS: 3, hi.CONTROL_CHARS: 3}


def test_clean_text_is_returned_unchanged() -> None:
    report = InputReport()
    text = pages.detail_page(fx.ARTICLES_BY_ID[1001])
    assert hi.sanitise_text(text, report) is text
    assert not report.counts


def test_text_cleaning_rule_strips_nul_and_replacement_characters_from_corpus_text() -> None:
    """The corpus path has no HTML: the text cleaning rule is its safeguard."""
    article = dict(fx.ARTICLES_BY_ID[1002].expected_fields())
    article |= {"fetched_at": None, "published_date": None}
    name, text = render_corpus_file(article)
    dirty = text.replace("โฆษก", "โฆ\x00ษก\ufffd").replace("ประชุม", "ประ\x02ชุม")
    record = parse_corpus_text(name, dirty)
    assert record.article is not None
    for field in ("title", "body", "category"):
        value = getattr(record.article, field)
        assert "\x00" not in value and "\ufffd" not in value and "\x02" not in value
    assert record.article.title == article["title"]
    assert record.article.body == article["body"]


# --- links -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("href", "expected", "counted"),
    [
        ("/FileUpload/a.pdf", "https://www.thaigov.go.th/FileUpload/a.pdf", None),
        ("b.pdf", "https://www.thaigov.go.th/news/contents/details/b.pdf", None),
        ("//cdn.example.org/c.png", "https://cdn.example.org/c.png", None),
        ("HTTP://Example.org/d.pdf", "HTTP://Example.org/d.pdf", None),
        ("  https://example.org/e.pdf\n", "https://example.org/e.pdf", None),
        ("javascript:alert(document.domain)//x.pdf", None, hi.LINKS_DROPPED_SCHEME),
        ("JaVaScRiPt:alert(1)", None, hi.LINKS_DROPPED_SCHEME),
        ("java\tscript:alert(1)", None, hi.LINKS_DROPPED_SCHEME),
        ("java\nscript:alert(1)", None, hi.LINKS_DROPPED_SCHEME),
        ("\x01javascript:alert(1)", None, hi.LINKS_DROPPED_SCHEME),
        ("data:text/html;base64,PHNjcmlwdD4=", None, hi.LINKS_DROPPED_SCHEME),
        ("vbscript:msgbox(1)", None, hi.LINKS_DROPPED_SCHEME),
        ("mailto:a@example.org", None, hi.LINKS_DROPPED_SCHEME),
        ("file:///etc/passwd", None, hi.LINKS_DROPPED_SCHEME),
        ("ftp://example.org/a.pdf", None, hi.LINKS_DROPPED_SCHEME),
        ("http://[::1/x.pdf", None, hi.LINKS_DROPPED_MALFORMED),
        ("http://example.org:99999/x.pdf", None, hi.LINKS_DROPPED_MALFORMED),
        ("http:///x.pdf", None, hi.LINKS_DROPPED_MALFORMED),
        ("", None, None),
        ("   ", None, None),
    ],
)
def test_safe_url(href: str, expected: str | None, counted: str | None) -> None:
    report = InputReport()
    assert hi.safe_url(href, PAGE, report) == expected
    assert dict(report.counts) == ({counted: 1} if counted else {})


# --- property: random hostile HTML -------------------------------------------------------------
_HREFS = st.one_of(
    st.sampled_from(
        [
            "javascript:alert(1)//a.pdf",
            "JAVASCRIPT:x.pdf",
            "java\tscript:b.pdf",
            "java&#9;script:c.pdf",
            "&#106;avascript:d.pdf",
            "data:text/html,<b>x</b>.pdf",
            "vbscript:e.doc",
            "mailto:x@example.org/f.pdg.pdf",
            "http://[::1/g.pdf",
            "//cdn.example.org/h.pdf",
            "/FileUpload/i.pdf",
            "https://example.org/j.xlsx",
            " \x00javascript:k.pdf",
        ]
    ),
    st.text(max_size=30).map(lambda s: s + ".pdf"),
)
_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]) | st.sampled_from("<>&\"'#;"),
    max_size=40,
)


@st.composite
def hostile_pages(draw: st.DrawFn) -> str:
    attachments = draw(st.lists(_HREFS, max_size=4))
    images = draw(st.lists(_HREFS, max_size=4))
    depth = draw(st.sampled_from([0, 1, 50, 260, 600, 2100]))
    noise = draw(st.lists(_TEXT, max_size=4))
    tag = draw(st.sampled_from(["div", "span", "p", "b", "table", "li", "a"]))
    links = "".join(f'<p><a href="{h}">x</a></p>' for h in attachments)
    links += "".join(f"<img src='{h}'>" for h in images)
    body = f"<{tag}>" * depth + "".join(noise) + links + f"</{tag}>" * depth
    title = draw(_TEXT)
    return (
        f"<html><head><title>รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-{title}</title></head><body>"
        f'<div class="border-normal clearfix"><div>วันจันทร์ที่ 2 มกราคม 2566</div>'
        f"{body}{draw(_TEXT)}</div></body></html>"
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(page=hostile_pages(), as_bytes=st.booleans(), encoding=st.sampled_from([None, "cp874"]))
def test_extractor_never_raises_and_emits_only_http_links(
    page: str, as_bytes: bool, encoding: str | None
) -> None:
    report = InputReport()
    body: str | bytes = page.encode() if as_bytes else page
    result = extract_article(body, BASE + "7", encoding=encoding, report=report)
    if isinstance(result, NotArticle):
        return
    for url in [*result.fields["attachments"], *result.fields["images"]]:
        split = urlsplit(url)
        assert split.scheme.lower() in ("http", "https"), url
        assert split.hostname, url
        assert not any(ch in url for ch in "\t\n\r\x00"), url
    for value in (result.fields["title"], result.fields["body"]):
        assert not any(ch in value for ch in "\x00\ufffd\x01\x02")
