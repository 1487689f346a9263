"""Each of the site's text rules, directly (pure functions in pipelines.core.text_rules)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pipelines.core.text_rules import (
    BE_OFFSET,
    PRINT_LINK,
    THAI_WEEKDAYS,
    Header,
    article_lang,
    canonical_category,
    category_fields,
    detect_lang,
    find_hashtags,
    fold_thai_digits,
    from_buddhist_year,
    is_long_date_line,
    is_numeric_date_line,
    split_header,
    strip_title_prefix,
    to_buddhist_year,
)


# --- title prefix -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "title"),
    [
        ("รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-นายกฯ เปิดงาน", "นายกฯ เปิดงาน"),
        ("  รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-\u200bนายกฯ  เปิดงาน ", "นายกฯ เปิดงาน"),
        ("รัฐบาลไทย-หัวข้อสั้น", "หัวข้อสั้น"),  # the short prefix of 68 corpus files
        ("รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-", ""),  # soft 404: prefix, no title
        ("รัฐบาลไทย-ข่าวทำเนียบรัฐบาล", ""),
        ("Thai Government", None),
        ("", None),
        (None, None),
    ],
)
def test_title_prefix(text: str | None, title: str | None) -> None:
    assert strip_title_prefix(text) == title


# --- date lines and header ----------------------------------------------------------------------
@pytest.mark.parametrize("weekday", sorted(THAI_WEEKDAYS))
def test_every_weekday_form_makes_a_long_date_line(weekday: str) -> None:
    assert is_long_date_line(f"{weekday}ที่ 13 ธันวาคม 2567")
    assert is_long_date_line(f"{weekday}ที่ ๑๓ ธันวาคม ๒๕๖๗")


def test_the_short_thursday_is_a_weekday_and_bad_lines_are_not_date_lines() -> None:
    assert THAI_WEEKDAYS["วันพฤหัส"] == THAI_WEEKDAYS["วันพฤหัสบดี"] == 3
    assert len(set(THAI_WEEKDAYS.values())) == 7
    for line in (
        "วันนี้ที่ 13 ธันวาคม 2567",  # not a weekday
        "วันศุกร์ที่ 13 ธันวาคม 67",  # two-digit year: not the site's date line
        "เมื่อวันศุกร์ที่ 13 ธันวาคม 2567",  # running text
        "วันศุกร์ที่ 13 ธันวาคม 2567 เวลา 10.00 น.",
    ):
        assert not is_long_date_line(line), line


@pytest.mark.parametrize(
    ("line", "expected"),
    [("13/12/2567", True), ("๑๓/๑๒/๒๕๖๗", True), ("1/2/2567", True), ("13-12-2567", False)],
)
def test_numeric_date_line(line: str, expected: bool) -> None:
    assert is_numeric_date_line(line) is expected


def test_header_takes_dates_print_links_and_title_repeats_in_any_order() -> None:
    title = "หัวข้อข่าว"
    lines = ["", "วันพฤหัสที่ 1 กุมภาพันธ์ 2567", PRINT_LINK, "01/02/2567", title, "", title]
    lines += ["เนื้อหา", title, "02/02/2567"]
    assert split_header(lines, title) == Header("วันพฤหัสที่ 1 กุมภาพันธ์ 2567", "01/02/2567", 7)
    # A second date line is body text; so is everything from ``limit`` on.
    lines = ["13/12/2567", "14/12/2567", "เนื้อหา"]
    assert split_header(lines, title) == Header(None, "13/12/2567", 1)
    assert split_header([title, title, "เนื้อหา"], title, limit=1) == Header(None, None, 1)
    assert split_header([], title) == Header(None, None, 0)


# --- language -----------------------------------------------------------------------------------
def test_language_is_the_share_of_thai_letters() -> None:
    assert detect_lang("ข่าวรัฐบาล Thailand 4.0") == "th"
    assert detect_lang("Cabinet approves the budget for กรุงเทพฯ projects") == "en"
    assert detect_lang("2567 12 13") == "th"  # no letters at all: the site's default


def test_article_language_follows_the_title_and_the_start_of_the_body() -> None:
    thai_lead = "นายกรัฐมนตรีส่งสารแสดงความยินดีถึงผู้นำต่างประเทศในโอกาสสำคัญ"
    english_letter = "Your Excellency, please accept my warm congratulations. " * 200
    body = "\n".join([thai_lead] * 5 + [english_letter])
    assert article_lang(thai_lead, body) == "th"
    assert detect_lang(f"{thai_lead}\n{body}") == "en"  # the whole text would say otherwise
    english_lead = "The Cabinet met today at Government House. " * 30
    assert article_lang("Cabinet news", english_lead + "\n" + "ข่าว" * 2000) == "en"


# --- hashtags -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "tags"),
    [
        ("#ไทยคู่ฟ้า. #ThaiGov, #ครม!", ["#ไทยคู่ฟ้า", "#ThaiGov", "#ครม"]),
        ("ข้อความ #สรุปข่าว) และ #ข่าว…", ["#สรุปข่าว", "#ข่าว"]),
        ("#ไทยคู่ฟ้า #ไทยคู่ฟ้า.", ["#ไทยคู่ฟ้า"]),  # one tag, however punctuated
        ("https://example.org/page#anchor ราคา#1 # #.", []),  # no word boundary, or empty
        ("ไม่มีแท็ก", []),
    ],
)
def test_hashtags_lose_trailing_punctuation(text: str, tags: list[str]) -> None:
    assert find_hashtags(text) == tags


# --- Buddhist era and Thai digits ---------------------------------------------------------------
def test_buddhist_era() -> None:
    assert BE_OFFSET == 543
    assert to_buddhist_year(2024) == 2567
    assert from_buddhist_year(2567) == 2024


@given(st.text())
def test_thai_digit_folding_keeps_length_and_other_characters(text: str) -> None:
    folded = fold_thai_digits(text)
    assert len(folded) == len(text)
    assert not any("๐" <= c <= "๙" for c in folded)
    assert all(a == b for a, b in zip(text, folded, strict=True) if not "๐" <= a <= "๙")


def test_thai_digits_fold_to_ascii() -> None:
    assert fold_thai_digits("๑๓/๑๒/๒๕๖๗") == "13/12/2567"


# --- categories ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("สรุปข่าวการประชุม ครม.", "สรุปข่าวการประชุม ครม"),
        ("สรุปข่าวการประชุม ครม", "สรุปข่าวการประชุม ครม"),
        ("สรุปข่าวการประชุม  ครม .", "สรุปข่าวการประชุม ครม"),
        ("Government News\t", "Government News"),
        ("\u200bด้านสังคม\u00a0", "ด้านสังคม"),
        ("ด้านกฎหมายฯ", "ด้านกฎหมายฯ"),  # ฯ belongs to the name
        ("ข่าวรอง นรม รมตนร", "ข่าวรอง นรม รมตนร"),
        ("", ""),
        (None, ""),
        ("...", ""),
    ],
)
def test_canonical_category(text: str | None, canonical: str) -> None:
    assert canonical_category(text) == canonical


@given(st.text())
def test_canonical_category_is_idempotent(text: str) -> None:
    once = canonical_category(text)
    assert canonical_category(once) == once


def test_category_fields_keep_what_was_written() -> None:
    assert category_fields("ครม.") == ("ครม", "ครม.")
    assert category_fields("ครม", "ครม. ") == ("ครม", "ครม.")
    assert category_fields(None) == (None, None)
    assert category_fields("  ") == (None, None)


def test_search_filters_use_the_canonical_category() -> None:
    from search.core.query import SearchQuery

    query = SearchQuery(text="", categories=("สรุปข่าวการประชุม ครม.", "สรุปข่าวการประชุม ครม", " "))
    assert query.categories == ("สรุปข่าวการประชุม ครม",)
