"""Article extraction from a thaigov.go.th detail page: a pure function, no Scrapy.

Relies first on the anchors known from public scrapers of the site (``<title>`` prefix, the
``border-normal clearfix`` block, the category span, the date lines), and falls back when an
assumed detail differs: title from ``og:title`` then ``<h1>``; article block from the largest
paragraph cluster that contains a long Thai date line. The route taken is reported so crawls can
count how often the known structure held.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import lxml.html
from lxml import etree

from pipelines.core.article import EXTRACTED_FIELDS, Article, canonical_url
from pipelines.core.html_input import (
    InputReport,
    decode_html,
    parse_html,
    safe_url,
    safe_urls,
    sanitise_text,
)
from pipelines.core.text_cleaning import clean_line
from pipelines.core.text_rules import (
    article_lang,
    canonical_category,
    find_hashtags,
    is_long_date_line,
    split_header,
    strip_title_prefix,
)

DETAIL_URL = re.compile(r"/news/contents/details/(\d+)(?:[/?#]|$)")
ATTACHMENT_EXTENSIONS = (".pdf", ".doc", ".docx", ".xls", ".xlsx", ".ppt", ".pptx", ".zip", ".rar")

# Elements that start a new line of text; everything else is inline.
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "aside",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hr",
        "li",
        "main",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "table",
        "tbody",
        "td",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe"})
_CHROME_TAGS = ("header", "nav", "footer")


@dataclass(frozen=True)
class Extracted:
    """An article record (date fields still empty); ``route`` names how it was found."""

    article: Article
    route: str

    @property
    def fields(self) -> dict[str, Any]:
        """The record's ``EXTRACTED_FIELDS`` as a dict, in order (for tests and logs)."""
        return {name: getattr(self.article, name) for name in EXTRACTED_FIELDS}


@dataclass(frozen=True)
class NotArticle:
    """Not an article; ``reason`` is a short stats-friendly key (e.g. ``soft_404``)."""

    reason: str
    detail: str = ""


def article_id_from_url(url: str) -> int | None:
    match = DETAIL_URL.search(urlsplit(url).path + "/")
    return int(match.group(1)) if match else None


def extract_article(
    html: str | bytes,
    url: str,
    *,
    encoding: str | None = None,
    fetched_at: datetime | None = None,
    report: InputReport | None = None,
) -> Extracted | NotArticle:
    """Extract one article from a detail page, or say why the page is not one.

    Input hazards repaired on the way (``pipelines.core.html_input``) are counted in ``report``.
    """
    article_id = article_id_from_url(url)
    if article_id is None:
        return NotArticle("not_detail_url", url)
    text = decode_html(html, encoding, report) if isinstance(html, bytes) else html
    try:
        doc = parse_html(sanitise_text(text, report), report)
    except (etree.ParserError, ValueError) as exc:
        return NotArticle("unparseable", str(exc))

    title_found = _title(doc)
    if isinstance(title_found, NotArticle):
        return title_found
    title, title_route = title_found

    block = _anchor_block(doc)
    block_route = "anchors"
    if block is None:
        block = _largest_date_block(doc)
        block_route = "largest_block"
        if block is None:
            return NotArticle("no_article_block")

    page_url = canonical_url(article_id)
    attachments = _attachments(block, page_url, report)
    images = safe_urls(block.xpath(".//img/@src"), page_url, report)  # http(s) only
    lines = _text_lines(block)
    header = split_header(lines, title)
    body_lines = lines[header.body_start :]
    if header.long_date is None and not body_lines:
        return NotArticle("empty_article")

    body = "\n".join(body_lines)
    category = _category(doc)
    article = Article(
        article_id=article_id,
        url=page_url,
        title=title,
        category=canonical_category(category) or None,
        category_original=category or None,
        lang=article_lang(title, body),
        published_date_text=header.long_date,
        published_date_numeric_text=header.numeric_date,
        body=body,
        hashtags=find_hashtags(body),
        images=images,
        attachments=attachments,
        fetched_at=(fetched_at or datetime.now(UTC)).isoformat(timespec="seconds"),
        source="crawl",
    )
    route = block_route if block_route != "anchors" else title_route
    return Extracted(article=article, route=route)


def _title(doc: lxml.html.HtmlElement) -> tuple[str, str] | NotArticle:
    title = strip_title_prefix(doc.findtext(".//title"))
    if title is not None:
        return (title, "anchors") if title else NotArticle("soft_404")
    og = doc.xpath("//meta[@property='og:title']/@content")
    if og and clean_line(og[0]):
        return clean_line(og[0]), "og_title"
    h1 = doc.xpath("//h1")
    if h1 and clean_line(h1[0].text_content()):
        return clean_line(h1[0].text_content()), "h1"
    return NotArticle("no_title")


def _has_class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def _anchor_block(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    found = doc.xpath(f"//div[{_has_class('border-normal')}]")
    return found[0] if found else None


def _largest_date_block(doc: lxml.html.HtmlElement) -> lxml.html.HtmlElement | None:
    """The smallest element holding both the long date line and the largest paragraph cluster."""
    chrome = set()
    for tag in _CHROME_TAGS:
        for el in doc.iter(tag):
            chrome.update(el.iter())
    date_el = next(
        (
            el
            for el in doc.iter()
            if isinstance(el.tag, str)
            and el not in chrome
            and el.text
            and is_long_date_line(clean_line(el.text))
        ),
        None,
    )
    if date_el is None:
        return None
    best, best_len = None, 0
    for el in doc.iter():
        if not isinstance(el.tag, str) or el in chrome:
            continue
        size = sum(len(p.text_content().strip()) for p in el.iterchildren("p"))
        if size > best_len:
            best, best_len = el, size
    if best is None:
        return date_el.getparent()
    date_ancestors = {id(a) for a in date_el.iterancestors()}
    for candidate in best.iterancestors():
        if id(candidate) in date_ancestors:
            return candidate
    return date_el.getparent()


def _category(doc: lxml.html.HtmlElement) -> str:
    """The category span's text as written (whitespace folded), or ""."""
    spans = doc.xpath(f"//span[{_has_class('headtitle-2')}]")
    return clean_line(spans[0].text_content()) if spans else ""


def _attachments(
    block: lxml.html.HtmlElement, page_url: str, report: InputReport | None = None
) -> list[str]:
    """Absolute http(s) document links; their anchors are removed so link text stays out of
    the body (also for links dropped for their scheme, e.g. ``javascript:...//x.pdf``)."""
    found: list[str] = []
    for anchor in list(block.iter("a")):
        href = (anchor.get("href") or "").strip()
        if href.split("#")[0].split("?")[0].lower().endswith(ATTACHMENT_EXTENSIONS):
            url = safe_url(href, page_url, report)
            if url is not None:
                found.append(url)
            anchor.drop_tree()
    return _unique(found)


def _text_lines(block: lxml.html.HtmlElement) -> list[str]:
    """Visible text of ``block`` as cleaned lines, one per block-level element."""
    lines: list[str] = []
    buffer: list[str] = []

    def flush() -> None:
        line = clean_line("".join(buffer))
        if line:
            lines.append(line)
        buffer.clear()

    def walk(el: etree._Element) -> None:
        if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            return
        is_block = el.tag in _BLOCK_TAGS
        if is_block:
            flush()
        if el.text:
            buffer.append(el.text)
        for child in el:
            walk(child)
            if child.tail:
                buffer.append(child.tail)
        if is_block:
            flush()

    walk(block)
    flush()
    return lines


def _unique(values: Any) -> list[str]:
    return list(dict.fromkeys(values))
