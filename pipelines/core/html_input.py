"""Decode and sanitise what a server sent before extraction trusts it (pure: no Scrapy, no I/O).

Pages are other people's bytes: a wrong charset label, NUL bytes (PostgreSQL refuses them in
text), numeric references to control characters, markup nested deeper than libxml2 builds by
default, and links with schemes a browser would execute (``javascript:``, ``data:``...). Each
function here repairs one of these and counts what it did into an :class:`InputReport`, whose keys
are stats keys without the crawl's ``thaigov/`` prefix, so nothing is dropped silently.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml import etree
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, read_bom, resolve_encoding

NUL_BYTES = "sanitised/nul_bytes"
REPLACEMENT_CHARS = "sanitised/replacement_chars"
CONTROL_CHARS = "sanitised/control_chars"
CHARSET_REDECODED = "charset/redecoded"
LINKS_DROPPED_SCHEME = "links/dropped_scheme"
LINKS_DROPPED_MALFORMED = "links/dropped_malformed"
MARKUP_DEEP = "markup/deep"
MARKUP_DEPTH_LIMIT = "markup/depth_limit"

#: Schemes a stored link may have: anything else can run code or smuggle content when rendered.
SAFE_SCHEMES = frozenset({"http", "https"})
#: Thai legacy encodings: windows-874 is a superset of TIS-620 and ISO-8859-11 (w3lib, like the
#: WHATWG encoding standard, maps all three labels to it), so one codec covers the family.
THAI_LEGACY_CODEC = "cp874"
# Depths count an element's ancestors (the root element is at depth 0).
#: Deepest element libxml2 builds without XML_PARSE_HUGE: it drops everything below and after
#: it (measured with libxml2 2.14: 255 nested divs in a body already lose the rest of the page).
LIBXML2_DEFAULT_DEPTH = 255
#: Deepest element libxml2 builds even with ``huge_tree`` (measured likewise).
LIBXML2_HUGE_DEPTH = 2047
#: Nesting kept when a page is re-tokenised because it reached even the lifted limit.
RETOKENISED_DEPTH = 1000
#: Trees handed on are never deeper than a default libxml2 tree, so recursive walkers downstream
#: (extraction's text walker) behave as on ordinary pages, far from Python's recursion limit.
MAX_TREE_DEPTH = LIBXML2_DEFAULT_DEPTH

# C0 controls that are not whitespace, lone surrogates and U+FFFD: none belongs in stored text.
_UNSAFE_CHARS = re.compile("[\x00-\x08\x0b\x0e-\x1f\ud800-\udfff\ufffd]")
_CONTROL_CHARS = re.compile("[\x01-\x08\x0b\x0e-\x1f]")
# Numeric character references: libxml2 turns &#1; into U+0001 and &#0; into U+FFFD.
_CHAR_REF = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?")
# A cheap first look for references that may need replacing (C0 controls, surrogates, U+FFFD,
# beyond U+10FFFF; a superset): pages are full of harmless ones such as &#39;.
_SUSPECT_CHAR_REF = re.compile(
    r"&#(?:[xX]0*(?:[01]?[0-9a-fA-F]|[dD][89a-fA-F][0-9a-fA-F]{2}|[fF]{3}[dD]"
    r"|(?:1[1-9a-fA-F]|[2-9a-fA-F][0-9a-fA-F])[0-9a-fA-F]{4}|[0-9a-fA-F]{7,})(?![0-9a-fA-F])"
    r"|0*(?:[12]?[0-9]|3[01]|5[5-7][0-9]{3}|65533|[0-9]{7,})(?![0-9]))"
)
# Browsers drop ASCII tab and newline anywhere in a URL ("java\tscript:" runs as javascript:).
_URL_NOISE = re.compile("[\t\n\r]")
_URL_EDGES = "".join(chr(c) for c in range(0x21))  # leading/trailing C0 controls and space
# Inline (phrasing) elements: every other element starts a new line when a deep subtree is
# flattened, so its text keeps the line structure the text walker expects.
# fmt: off
_INLINE_TAGS = frozenset({
    "a", "abbr", "b", "bdi", "bdo", "big", "cite", "code", "data", "dfn", "em", "font", "i", "img",
    "kbd", "label", "mark", "q", "s", "samp", "small", "span", "strike", "strong", "sub", "sup",
    "time", "tt", "u", "var", "wbr",
})
# fmt: on
_SKIP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe"})


@dataclass
class InputReport:
    """What sanitising found on one page: stats key (without ``thaigov/``) -> count."""

    counts: Counter[str] = field(default_factory=Counter)

    def add(self, key: str, n: int = 1) -> None:
        if n:
            self.counts[key] += n


def decode_html(body: bytes, declared: str | None = None, report: InputReport | None = None) -> str:
    """Bytes to text by the browser rules (BOM, transport charset, ``<meta charset>``) via w3lib,
    re-decoded when the chosen charset does not fit the bytes.

    w3lib trusts a declared charset blindly and decodes with replacement characters, so a page
    whose header says UTF-8 over a windows-874 body became U+FFFD soup (and then "no title").
    When the chosen codec cannot decode the bytes strictly, the body's own ``<meta charset>``,
    UTF-8, then the Thai legacy codec are tried, strictly, in that order; the first that fits
    wins and is counted as ``charset/redecoded``. If none fits, w3lib's text stands and its
    replacement characters are stripped and counted by :func:`sanitise_text`.
    """
    header = f"text/html; charset={declared}" if declared else None
    encoding, text = html_to_unicode(header, body)
    if read_bom(body)[0] is not None or _fits(body, encoding):
        return text
    meta = html_body_declared_encoding(body)
    candidates = [resolve_encoding(meta) if meta else None, "utf-8", THAI_LEGACY_CODEC]
    tried = {_codec_name(encoding)}
    for candidate in candidates:
        if candidate is None or _codec_name(candidate) in tried:
            continue
        tried.add(_codec_name(candidate))
        if _fits(body, candidate):
            if report is not None:
                report.add(CHARSET_REDECODED)
            return body.decode(candidate)
    return text


def _fits(body: bytes, encoding: str) -> bool:
    try:
        body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return False
    return True


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def sanitise_text(text: str, report: InputReport | None = None) -> str:
    """Strip NUL, other non-whitespace C0 controls, lone surrogates and U+FFFD (also when a
    numeric character reference would produce them), counting each kind."""
    if "&#" in text and _SUSPECT_CHAR_REF.search(text):
        text = _CHAR_REF.sub(lambda m: _replace_char_ref(m, report), text)
    if _UNSAFE_CHARS.search(text) is None:
        return text
    if report is not None:
        report.add(NUL_BYTES, text.count("\x00"))
        report.add(REPLACEMENT_CHARS, text.count("\ufffd"))
        report.add(REPLACEMENT_CHARS, sum(1 for ch in text if "\ud800" <= ch <= "\udfff"))
        report.add(CONTROL_CHARS, len(_CONTROL_CHARS.findall(text)))
    return _UNSAFE_CHARS.sub("", text)


def _replace_char_ref(match: re.Match[str], report: InputReport | None) -> str:
    hex_digits, digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(digits)
    if code == 0:
        key = NUL_BYTES
    elif code == 0x0C:
        return " "  # form feed: HTML whitespace, but not allowed in an XML tree
    elif code < 0x20 and code not in (0x09, 0x0A, 0x0D):
        key = CONTROL_CHARS
    elif code == 0xFFFD or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        key = REPLACEMENT_CHARS
    else:
        return match.group(0)
    if report is not None:
        report.add(key)
    return ""


def parse_html(text: str, report: InputReport | None = None) -> lxml.html.HtmlElement:
    """Parse a whole page, however deeply nested, into a tree at most ``MAX_TREE_DEPTH`` deep.

    Without ``huge_tree`` libxml2 stops building at depth 255 and silently drops everything after
    (300 nested divs cut a body to 22 characters). ``huge_tree`` lifts that limit to 2047 and the
    size limits on text nodes; that is safe here because the downloader caps a page at
    ``DOWNLOAD_MAXSIZE`` and HTML has no entity expansion to amplify it. A page that reaches even
    that limit is re-tokenised with its nesting capped (:func:`cap_nesting`). Anything below
    ``MAX_TREE_DEPTH`` is then flattened in document order (text and line breaks kept).
    Raises ``etree.ParserError`` for an empty document, like ``lxml.html.document_fromstring``.
    """
    parser = lxml.html.HTMLParser(huge_tree=True)
    doc: lxml.html.HtmlElement = lxml.html.document_fromstring(text, parser=parser)
    if not _deeper_than(doc, MAX_TREE_DEPTH):
        return doc
    if report is not None:
        report.add(MARKUP_DEEP)
    if _deeper_than(doc, LIBXML2_HUGE_DEPTH - 1):
        # Even the lifted limit was reached and libxml2 dropped the rest: re-tokenise the page
        # with the nesting capped, then parse that.
        if report is not None:
            report.add(MARKUP_DEPTH_LIMIT)
        doc = lxml.html.document_fromstring(cap_nesting(text, RETOKENISED_DEPTH), parser=parser)
    # Elements with MAX_TREE_DEPTH - 1 ancestors that have children: their children are the
    # deepest elements allowed.
    for element in etree.XPath("/*" * MAX_TREE_DEPTH + "[*]")(doc):
        _flatten(element)
    return doc


def _deeper_than(doc: etree._Element, depth: int) -> bool:
    """Whether an element has more than ``depth`` ancestors.

    A path of ``depth + 2`` child steps from the root: libxml2 walks it level by level, each
    element once (measured 5 us on a 160-element page, against 124 us for a
    ``count(ancestor::*)`` predicate).
    """
    return bool(_depth_probe(depth)(doc))


@cache
def _depth_probe(depth: int) -> etree.XPath:
    return etree.XPath("boolean(" + "/*" * (depth + 2) + ")")


def _flatten(element: etree._Element) -> None:
    """Replace ``element``'s descendants by childless copies in document order.

    A block-level descendant becomes an empty element of its own tag (a line break for the text
    walker) followed by its text, and its end a ``<br>``; an inline one keeps its text inside.
    Attributes are kept, so links and images below the cut are still found.
    """
    flat: list[etree._Element] = []

    def add_text(text: str | None) -> None:
        if not text:
            return
        if flat:
            flat[-1].tail = (flat[-1].tail or "") + text
        else:
            element.text = (element.text or "") + text

    walker = etree.iterwalk(element, events=("start", "end"))
    for event, node in walker:
        if node is element:
            continue
        tag = node.tag
        if not isinstance(tag, str):  # comment or processing instruction
            if event == "end":
                add_text(node.tail)
            continue
        if event == "start":
            if tag in _SKIP_TAGS:
                walker.skip_subtree()
                continue
            copy = element.makeelement(tag, dict(node.attrib))
            flat.append(copy)
            if tag in _INLINE_TAGS:
                copy.text = node.text
            else:
                add_text(node.text)
        else:
            if tag not in _INLINE_TAGS and tag not in _SKIP_TAGS:
                flat.append(element.makeelement("br", {}))
            add_text(node.tail)
    for child in list(element):
        element.remove(child)
    element.extend(flat)


_VOID_TAGS = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source"}
    | {"track", "wbr"}
)


class _NestingCapper(HTMLParser):
    """Re-serialises HTML, dropping the start and end tags of elements nested deeper than
    ``depth`` (block-level ones become ``<br>``, so lines stay apart). The standard library's
    tokenizer has no depth limit; libxml2, even with ``huge_tree``, stops at 2047 levels."""

    def __init__(self, depth: int) -> None:
        super().__init__(convert_charrefs=False)
        self.depth = depth
        self.out: list[str] = []
        self.open: list[tuple[str, bool]] = []  # (tag, written) for every element still open
        self.open_names: Counter[str] = Counter()  # so a stray end tag costs no stack scan

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raw = self.get_starttag_text() or f"<{tag}>"
        if tag in _VOID_TAGS:
            self.out.append(raw)
            return
        written = len(self.open) < self.depth or tag == "a"  # <a> never nests in a tree
        self.open.append((tag, written))
        self.open_names[tag] += 1
        if written:
            self.out.append(raw)
        elif tag not in _INLINE_TAGS:
            self.out.append("<br>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or f"<{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        if not self.open_names[tag]:
            return
        while self.open:
            name, written = self.open.pop()
            self.open_names[name] -= 1
            if written:
                self.out.append(f"</{name}>")
            elif name not in _INLINE_TAGS:
                self.out.append("<br>")
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        self.out.append(data)

    def handle_entityref(self, name: str) -> None:
        self.out.append(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.out.append(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        self.out.append(f"<!--{data}-->")

    def handle_decl(self, decl: str) -> None:
        self.out.append(f"<!{decl}>")

    def handle_pi(self, data: str) -> None:
        self.out.append(f"<?{data}>")

    def unknown_decl(self, data: str) -> None:
        self.out.append(f"<![{data}]>")


def cap_nesting(text: str, depth: int) -> str:
    """``text`` with no element nested deeper than ``depth`` (text and line breaks kept)."""
    capper = _NestingCapper(depth)
    capper.feed(text)
    capper.close()
    return "".join(capper.out)


def safe_url(href: str | None, base: str, report: InputReport | None = None) -> str | None:
    """``href`` resolved against ``base`` if it is an http(s) URL with a host, else None (counted).

    Cleaned the way a browser reads it first (tab/newline removed anywhere, C0 controls and
    spaces trimmed), so ``java&#9;script:`` cannot pass as a relative path.
    """
    cleaned = _URL_NOISE.sub("", href or "").strip(_URL_EDGES)
    if not cleaned:
        return None
    try:
        url = urljoin(base, cleaned)
        split = urlsplit(url)
        split.port  # noqa: B018 (raises ValueError for a malformed port)
    except ValueError:
        if report is not None:
            report.add(LINKS_DROPPED_MALFORMED)
        return None
    if split.scheme.lower() not in SAFE_SCHEMES:
        if report is not None:
            report.add(LINKS_DROPPED_SCHEME)
        return None
    if not split.hostname:
        if report is not None:
            report.add(LINKS_DROPPED_MALFORMED)
        return None
    return url


def safe_urls(hrefs: Iterable[str], base: str, report: InputReport | None = None) -> list[str]:
    """The http(s) URLs among ``hrefs`` (resolved, first occurrence order, no duplicates)."""
    found = (safe_url(href, base, report) for href in hrefs)
    return list(dict.fromkeys(url for url in found if url is not None))
