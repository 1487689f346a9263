"""The site's text rules, each written once: used by HTML extraction and the corpus parser alike.

Pure functions (no Scrapy, no I/O). Both producers of an article record
(:mod:`pipelines.core.extract` and :mod:`pipelines.core.corpus_format`) call these, so the same
article crawled from the site and imported from its corpus file gives the same record:

- title prefix ``รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-`` (the corpus also has the short ``รัฐบาลไทย-``);
- the header: long date line (every weekday form, including the short Thursday
  ``วันพฤหัสที่``), numeric B.E. date line, print link ``พิมพ์``, repeated titles;
- language (``th``/``en``) from the share of Thai letters in the title and the body's start;
- hashtags, without trailing punctuation (``#ไทยคู่ฟ้า.`` is ``#ไทยคู่ฟ้า``);
- Buddhist-era offset and Thai-digit folding (also used by the date module);
- category normalisation (:func:`canonical_category`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from pythainlp.util.date import thai_full_weekdays

from pipelines.core.text_cleaning import clean_line

# --- title ------------------------------------------------------------------------------------
TITLE_PREFIX = "รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-"
#: The site's <title> for an empty (soft-404) page ends without the dash.
_BARE_TITLE_PREFIX = TITLE_PREFIX.removesuffix("-")
#: 68 files of the 2020-2023 corpus carry only this part.
SHORT_TITLE_PREFIX = "รัฐบาลไทย-"


def strip_title_prefix(text: str | None) -> str | None:
    """The cleaned title after the site's prefix; None when ``text`` carries no prefix.

    An empty string means the prefix was there with nothing after it (the site's soft 404).
    """
    line = clean_line(text)
    if line.startswith(TITLE_PREFIX):
        rest = line[len(TITLE_PREFIX) :]
    elif line == _BARE_TITLE_PREFIX:
        rest = ""
    elif line.startswith(SHORT_TITLE_PREFIX):
        rest = line[len(SHORT_TITLE_PREFIX) :]
    else:
        return None
    return clean_line(rest)


# --- Buddhist era and Thai digits -------------------------------------------------------------
#: B.E. year - 543 = C.E. year.
BE_OFFSET = 543
_THAI_DIGIT = re.compile("[๐-๙]")


def to_buddhist_year(ce_year: int) -> int:
    return ce_year + BE_OFFSET


def from_buddhist_year(be_year: int) -> int:
    return be_year - BE_OFFSET


def _ascii_digit(match: re.Match[str]) -> str:
    return chr(ord(match[0]) - 0x0E50 + 0x30)


def fold_thai_digits(text: str) -> str:
    """``๒๕๖๗`` -> ``2567``; other characters unchanged (same length, so offsets hold).

    A regex rather than ``str.translate``: translate with a mapping table costs about 2 µs per
    character on Thai text; the search here skips texts without Thai digits at C speed.
    """
    return _THAI_DIGIT.sub(_ascii_digit, text) if _THAI_DIGIT.search(text) else text


# --- header lines: dates and print link -------------------------------------------------------
#: Thai weekday names -> Python weekday() (Monday 0), PyThaiNLP's table plus the short spoken
#: Thursday ``วันพฤหัส`` the site also writes. The date module reads weekdays from this table.
THAI_WEEKDAYS: dict[str, int] = {name: i for i, name in enumerate(thai_full_weekdays)}
THAI_WEEKDAYS["วันพฤหัส"] = 3
_DIGIT = "[0-9๐-๙]"
_WEEKDAY = "|".join(re.escape(w) for w in sorted(THAI_WEEKDAYS, key=len, reverse=True))
#: ``วันศุกร์ที่ 13 ธันวาคม 2567``: the article's own date, first line of its header.
LONG_DATE_LINE = re.compile(rf"(?:{_WEEKDAY})ที่\s*{_DIGIT}{{1,2}}\s+\S+\s+{_DIGIT}{{4}}")
#: ``13/12/2567``: the same date, numeric B.E., on the line after it (not on every page).
NUMERIC_DATE_LINE = re.compile(rf"{_DIGIT}{{1,2}}/{_DIGIT}{{1,2}}/{_DIGIT}{{4}}")
#: The print link's text, shown between the date lines and the title.
PRINT_LINK = "พิมพ์"


def is_long_date_line(line: str) -> bool:
    return LONG_DATE_LINE.fullmatch(line) is not None


def is_numeric_date_line(line: str) -> bool:
    return NUMERIC_DATE_LINE.fullmatch(line) is not None


@dataclass(frozen=True, slots=True)
class Header:
    """What leads an article's text: its date lines, and where the body starts."""

    long_date: str | None
    numeric_date: str | None
    body_start: int  # index of the first body line in the lines given


def split_header(lines: Sequence[str], title: str, *, limit: int | None = None) -> Header:
    """Take the date lines, print links and title repeats that lead ``lines`` (cleaned lines).

    Each date line is taken once, in any order with the others; empty lines are skipped. The
    first line that is none of these starts the body; so does line ``limit`` (bounds the work).
    """
    long_date: str | None = None
    numeric_date: str | None = None
    end = len(lines) if limit is None else min(limit, len(lines))
    for index in range(end):
        line = lines[index]
        if not line or line in (PRINT_LINK, title):
            continue
        if long_date is None and is_long_date_line(line):
            long_date = line
        elif numeric_date is None and is_numeric_date_line(line):
            numeric_date = line
        else:
            return Header(long_date, numeric_date, index)
    return Header(long_date, numeric_date, end)


# --- language ---------------------------------------------------------------------------------
_THAI_LETTERS = re.compile(r"[\u0e01-\u0e4e]+")
_LATIN_LETTERS = re.compile(r"[A-Za-z]+")
#: Language is judged on the title and the start of the body: bilingual pages (a Thai lead,
#: then an English letter) follow their lead, and long bodies cost nothing extra.
LANG_SAMPLE_CHARS = 1000
#: Share of Thai among Thai+Latin letters from which an article is Thai. English pages keep
#: Thai names and dates here and there; Thai pages quote English terms. 0.3 splits both cleanly.
THAI_SHARE_THRESHOLD = 0.3


def detect_lang(text: str) -> str:
    """``"th"`` or ``"en"`` by the share of Thai letters among Thai and Latin letters."""
    thai = sum(map(len, _THAI_LETTERS.findall(text)))
    latin = sum(map(len, _LATIN_LETTERS.findall(text)))
    if thai + latin == 0:
        return "th"
    return "th" if thai / (thai + latin) >= THAI_SHARE_THRESHOLD else "en"


def article_lang(title: str, body: str) -> str:
    """The language of an article: its title and the first ``LANG_SAMPLE_CHARS`` of its body."""
    return detect_lang(f"{title}\n{body[:LANG_SAMPLE_CHARS]}")


# --- hashtags ---------------------------------------------------------------------------------
# A hashtag starts a line or follows whitespace; Thai vowel marks are not \w, hence [^\s#].
_HASHTAG = re.compile(r"(?<!\S)#[^\s#]+")
#: Stripped from the end of a hashtag: sentence punctuation and closing brackets/quotes
#: (``#ไทยคู่ฟ้า.`` and ``(#ThaiGov)`` give ``#ไทยคู่ฟ้า``, ``#ThaiGov``).
HASHTAG_TRAILING = ".,;:!?)]}\"'”’…"


def find_hashtags(text: str) -> list[str]:
    """Hashtags in order of first appearance, each once, without trailing punctuation."""
    if "#" not in text:
        return []
    found: dict[str, None] = {}
    for match in _HASHTAG.finditer(text):
        tag = match.group().rstrip(HASHTAG_TRAILING)
        if len(tag) > 1:
            found.setdefault(tag, None)
    return list(found)


# --- category ---------------------------------------------------------------------------------
_TRAILING_DOTS = re.compile(r"[\s.]+$")


def canonical_category(text: str | None) -> str:
    """One form per category, for facets and filters; "" when there is none.

    As :func:`clean_line` (NFC, zero-width characters removed, whitespace folded: the corpus
    has ``Government News`` with a trailing tab in 120 file names), and trailing dots go: the
    corpus has both ``สรุปข่าวการประชุม ครม`` (147 files) and ``สรุปข่าวการประชุม ครม.`` (27).
    Letter case and ``ฯ`` are kept: they tell categories apart.
    """
    return _TRAILING_DOTS.sub("", clean_line(text))


def category_fields(
    category: str | None, original: str | None = None
) -> tuple[str | None, str | None]:
    """(``category``, ``category_original``) of a record from what a producer found.

    ``original`` defaults to ``category`` (items that carry only one); both None when empty.
    """
    written = clean_line(original) or clean_line(category)
    canonical = canonical_category(category or written)
    return canonical or None, written or None
