"""Unit tests for pipelines.core.thai_dates: every form the issue names, with hand-written texts."""

from __future__ import annotations

from datetime import date, time

import pytest

from pipelines.core.thai_dates import (
    find_dates,
    normalise_article_dates,
    parse_date_mention,
    parse_thai_date,
    parse_year_or_date,
    warning_kind,
)

FRI_13_DEC_2024 = date(2024, 12, 13)


@pytest.mark.parametrize(
    "text",
    [
        "13 ธันวาคม 2567",
        "  13 ธันวาคม 2567\n",
        "วันศุกร์ที่ 13 ธันวาคม 2567",
        "วันศุกร์ 13 ธันวาคม 2567",
        "วันที่ 13 ธันวาคม 2567",
        "ณ วันที่ 13 ธันวาคม 2567",
        "เมื่อ 13 ธันวาคม 2567",
        "เมื่อวันที่ 13 ธันวาคม 2567",
        "13 ธ.ค. 2567",
        "13 ธ.ค.2567",
        "13 ธ.ค.67",
        "13 ธ.ค. 67",
        "13 ธค 67",
        "13 ธค. 67",
        "13 ธ. ค. 67",
        "13ธันวาคม2567",
        "13/12/2567",
        "13-12-2567",
        "13/12/67",
        "๑๓ ธันวาคม ๒๕๖๗",
        "13 ธันวาคม ๒๕๖๗",
        "๑๓/๑๒/๒๕๖๗",
        "13 ธันวาคม พ.ศ. 2567",
        "13 ธันวาคม พ.ศ.2567",
        "13 ธันวาคม ค.ศ. 2024",
        "13 ธันวาคม 2024",
        "13/12/2024",
        "December 13, 2024",
        "Dec. 13, 2024",
        "13 December 2024",
        "13 Dec 2024",
        "Friday, December 13, 2024",
        "Friday 13 December 2024",
        "on 13 December 2024",
        "13 ธันวาคม 2567 เวลา 15.00 น.",
    ],
)
def test_every_form_parses_to_the_same_day(text: str) -> None:
    assert parse_thai_date(text) == FRI_13_DEC_2024


@pytest.mark.parametrize(
    "text",
    [
        "31 กุมภาพันธ์ 2567",  # impossible day
        "29 กุมภาพันธ์ 2566",  # 2023 is not a leap year
        "32 มกราคม 2567",
        "13/13/2567",
        "0 ธันวาคม 2567",
        "13 ธันวาคม พ.ศ. 2024",  # B.E. 2024 is 1481 C.E.: no news date
        "13 ธันวาคม 1500",
        "ธันวาคม 2567",  # a month, not a day
        "2 - 3 พฤศจิกายน 2563",  # a range, not one day
        "13 ธันวาคม",  # no year and no reference
        "",
        "   ",
        "วันศุกร์",
        "ข่าวทำเนียบรัฐบาล",
        "13 ธันวาคม 2567 และอื่น ๆ",  # more than one date expression
    ],
)
def test_not_one_real_day_gives_none(text: str) -> None:
    assert parse_thai_date(text) is None


def test_leap_day_is_accepted_only_in_leap_years() -> None:
    assert parse_thai_date("29 กุมภาพันธ์ 2567") == date(2024, 2, 29)
    assert parse_thai_date("29 ก.พ. 63") == date(2020, 2, 29)


def test_two_digit_years_are_buddhist_era_in_the_century_nearest_the_reference() -> None:
    assert parse_thai_date("1 ม.ค. 67") == date(2024, 1, 1)
    assert parse_thai_date("1 ม.ค. 00", reference_date=date(2057, 6, 1)) == date(2057, 1, 1)
    assert parse_thai_date("1 ม.ค. 99", reference_date=date(2057, 6, 1)) == date(2056, 1, 1)
    # History is cited more often than the future: 10 seen in 2021 (B.E. 2564) is B.E. 2510.
    assert parse_thai_date("5 ม.ค. 10", reference_date=date(2021, 1, 3)) == date(1967, 1, 5)


def test_era_markers_override_the_year_range() -> None:
    assert parse_thai_date("1 มกราคม พ.ศ. 2500") == date(1957, 1, 1)
    assert parse_thai_date("1 มกราคม ค.ศ. 2000") == date(2000, 1, 1)
    assert parse_thai_date("1 มกราคม ค.ศ. 1500") == date(1500, 1, 1)
    assert parse_thai_date("1 มกราคม ค.ศ. 2567") is None


def test_historical_buddhist_era_years() -> None:
    # Rama III's birthday as the site writes it; 2365 without a marker is B.E. too.
    mention = parse_date_mention("วันศุกร์ที่ 5 กรกฎาคม พ.ศ. 2365")
    assert mention and mention.date == date(1822, 7, 5) and mention.weekday_ok is True
    assert parse_thai_date("5 กรกฎาคม 2365") == date(1822, 7, 5)
    assert parse_thai_date("24 เม.ย. 2474") == date(1931, 4, 24)


def test_weekday_is_checked_against_the_date() -> None:
    right = parse_date_mention("วันศุกร์ที่ 13 ธันวาคม 2567")
    wrong = parse_date_mention("วันพฤหัสบดีที่ 13 ธันวาคม 2567")
    short = parse_date_mention("วันพฤหัสที่ 12 ธันวาคม 2567")
    english = parse_date_mention("Thursday, December 13, 2024")
    none = parse_date_mention("13 ธันวาคม 2567")
    assert right and right.weekday_ok is True
    assert wrong and wrong.weekday_ok is False and wrong.date == FRI_13_DEC_2024
    assert short and short.weekday_ok is True
    assert english and english.weekday_ok is False
    assert none and none.weekday_ok is None


def test_weekday_without_wan_in_running_text_needs_thi() -> None:
    found = find_dates("ประชุม ศุกร์ที่ 13 ธ.ค.67 และ พุธ 13 ธ.ค.67 ส่วนดวงจันทร์ที่ 5 ดวง")
    assert [(m.text, m.weekday_ok) for m in found] == [
        ("ศุกร์ที่ 13 ธ.ค.67", True),
        ("13 ธ.ค.67", None),  # "พุธ" without ที่ is not taken as a weekday
    ]


def test_find_dates_offsets_point_into_the_original_text() -> None:
    text = "ประชุม (๑๓ ธันวาคม ๒๕๖๗) และวันที่ 2 ม.ค. 68 ครั้งที่ 3/2566"
    found = find_dates(text)
    assert [m.text for m in found] == ["๑๓ ธันวาคม ๒๕๖๗", "2 ม.ค. 68"]
    assert [text[m.start : m.end] for m in found] == [m.text for m in found]
    assert [m.date for m in found] == [FRI_13_DEC_2024, date(2025, 1, 2)]
    assert found[0].form == "day full yyyy thai-digits"
    assert found[1].form == "day abbr yy"


def test_find_dates_ranges_within_and_across_months_and_years() -> None:
    text = (
        "ระหว่างวันที่ 2 - 3 พฤศจิกายน 2563 และ 2-3 พ.ย. 63 "
        "ต่อด้วย 30 พฤศจิกายน – 2 ธันวาคม 2563 และ 30 ธันวาคม 2563 ถึง 2 มกราคม 2564 "
        "และ 30 ธ.ค. - 2 ม.ค. 64"
    )
    spans = [(m.date, m.end_date, m.form) for m in find_dates(text)]
    assert spans == [
        (date(2020, 11, 2), date(2020, 11, 3), "range full yyyy"),
        (date(2020, 11, 2), date(2020, 11, 3), "range abbr yy"),
        (date(2020, 11, 30), date(2020, 12, 2), "range full yyyy"),
        (date(2020, 12, 30), date(2021, 1, 2), "range full yyyy"),
        (date(2020, 12, 30), date(2021, 1, 2), "range abbr yy"),
    ]


def test_a_weekday_before_a_range_may_name_either_end() -> None:
    text = "ช่วงวันอังคารถึงวันพุธที่ 12 - 13 เมษายน 2565 และวันศุกร์ที่ 12 - 13 เมษายน 2565"
    assert [m.weekday_ok for m in find_dates(text)] == [True, False]


def test_english_ranges() -> None:
    found = find_dates("held on 13-14 December 2024 and December 20 - 21, 2024.")
    assert [(m.date, m.end_date) for m in found] == [
        (date(2024, 12, 13), date(2024, 12, 14)),
        (date(2024, 12, 20), date(2024, 12, 21)),
    ]


def test_times_attach_to_the_date_before_them() -> None:
    text = (
        "วันที่ 13 ธันวาคม 2567 เวลา 15.00 น. และ 14 ธ.ค. 67 09:30 น. "
        "และ 15 ธันวาคม 2567 เวลา 09.30 - 12.00 น. ส่วน 16 ธันวาคม 2567 15.00 บาท"
    )
    found = find_dates(text)
    assert [(m.time, m.end_time) for m in found] == [
        (time(15, 0), None),
        (time(9, 30), None),
        (time(9, 30), time(12, 0)),
        (None, None),  # digits without เวลา or น. are not a time
    ]
    assert found[0].text == "13 ธันวาคม 2567 เวลา 15.00 น."
    assert found[3].text == "16 ธันวาคม 2567"


def test_invalid_time_keeps_the_date_and_drops_the_time() -> None:
    [m] = find_dates("13 ธันวาคม 2567 เวลา 25.70 น.")
    assert m.date == FRI_13_DEC_2024 and m.time is None and m.text == "13 ธันวาคม 2567"


def test_month_precision() -> None:
    [m] = find_dates("งบประมาณเดือนธันวาคม 2567 เพิ่มขึ้น")
    assert m.precision == "month"
    assert (m.date, m.end_date) == (date(2024, 12, 1), date(2024, 12, 31))
    [feb] = find_dates("ก.พ. 67")
    assert (feb.date, feb.end_date) == (date(2024, 2, 1), date(2024, 2, 29))
    [en] = find_dates("in December 2024,")
    assert en.precision == "month" and en.date == date(2024, 12, 1)


def test_year_less_dates_take_the_nearest_year_to_the_reference() -> None:
    text = "เมื่อ 28 ธันวาคม และ 5 มกราคม และ 29 กุมภาพันธ์"
    assert find_dates(text) == []  # no reference: no guessed year
    around_new_year = find_dates(text, reference_date=date(2024, 1, 2))
    assert [m.date for m in around_new_year] == [
        date(2023, 12, 28),
        date(2024, 1, 5),
        date(2024, 2, 29),
    ]
    mid_year = find_dates("28 ธันวาคม", reference_date=date(2024, 6, 1))
    assert [m.date for m in mid_year] == [date(2024, 12, 28)]
    late = find_dates("5 มกราคม", reference_date=date(2024, 12, 20))
    assert [m.date for m in late] == [date(2025, 1, 5)]
    [ranged] = find_dates("2 - 3 พฤศจิกายน", reference_date=date(2020, 10, 30))
    assert (ranged.date, ranged.end_date) == (date(2020, 11, 2), date(2020, 11, 3))


def test_look_alikes_are_not_dates() -> None:
    text = (
        "สำนักงาน ก.พ.ร. 5 ก.พ.ร. ส่ง ส.ค.ส. 1 ส.ค.ส. ครั้งที่ 3/2566 "
        "ร้อยละ 1.13 ธันวาคม 5 พค ราคา 2,13 ธันวาคม โทร 02-283-4000 "
        "13 ธันวาคม 1500 คน"
    )
    found = find_dates(text, reference_date=date(2024, 6, 1))
    # Only the last one is a date, and its number is a head count, not a year.
    assert [(m.text, m.date) for m in found] == [("13 ธันวาคม", date(2024, 12, 13))]


def test_dates_never_span_lines() -> None:
    # The "13" ends a line of its own (a list number, say): only the month on the next line.
    assert [(m.text, m.precision) for m in find_dates("ข้อ 13\nธันวาคม 2567")] == [
        ("ธันวาคม 2567", "month")
    ]


def test_misspelt_july_is_still_july() -> None:
    assert parse_thai_date("1 กรกฏาคม 2566") == date(2023, 7, 1)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2567", (date(2024, 1, 1), date(2024, 12, 31))),
        ("๒๕๖๗", (date(2024, 1, 1), date(2024, 12, 31))),
        ("พ.ศ. 2567", (date(2024, 1, 1), date(2024, 12, 31))),
        ("2024", (date(2024, 1, 1), date(2024, 12, 31))),
        ("ธันวาคม 2567", (date(2024, 12, 1), date(2024, 12, 31))),
        ("ก.พ. 67", (date(2024, 2, 1), date(2024, 2, 29))),
        ("February 2023", (date(2023, 2, 1), date(2023, 2, 28))),
        ("13 ธันวาคม 2567", (FRI_13_DEC_2024, FRI_13_DEC_2024)),
        ("2-3 พ.ย. 63", (date(2020, 11, 2), date(2020, 11, 3))),
        ("2024-12-13", (FRI_13_DEC_2024, FRI_13_DEC_2024)),
        ("2024-02", (date(2024, 2, 1), date(2024, 2, 29))),
    ],
)
def test_parse_year_or_date_for_search_filters(text: str, expected: tuple[date, date]) -> None:
    assert parse_year_or_date(text) == expected


@pytest.mark.parametrize("text", ["", "abc", "2024-13", "2024-02-30", "1500", "67", "ธันวาคม"])
def test_parse_year_or_date_rejects_non_dates(text: str) -> None:
    assert parse_year_or_date(text) is None


def _article(**fields: str | None) -> dict[str, str | None]:
    base: dict[str, str | None] = {
        "title": "นายกฯ ประชุม 2-3 พ.ย. 67",
        "published_date_text": "วันศุกร์ที่ 13 ธันวาคม 2567",
        "published_date_numeric_text": "13/12/2567",
        "body": "เมื่อวันที่ 10 ธันวาคม 2567 เวลา 09.00 น. และ 28 ธันวาคม และเดือนมกราคม 2568",
    }
    base.update(fields)
    return base


def test_article_dates_from_a_clean_article() -> None:
    result = normalise_article_dates(_article())
    assert result == {
        "published_date": "2024-12-13",
        # ranges give start and end; year-less 28 ธันวาคม takes the publication year;
        # a month mention is not a day and is left out.
        "date_mentions": ["2024-11-02", "2024-11-03", "2024-12-10", "2024-12-28"],
        "date_warnings": [],
    }


def test_article_weekday_mismatch_keeps_the_date_and_warns() -> None:
    result = normalise_article_dates(_article(published_date_text="วันจันทร์ที่ 13 ธันวาคม 2567"))
    assert result["published_date"] == "2024-12-13"
    assert [warning_kind(w) for w in result["date_warnings"]] == ["weekday_mismatch"]


def test_article_line_disagreement_keeps_the_long_line() -> None:
    result = normalise_article_dates(_article(published_date_numeric_text="12/12/2567"))
    assert result["published_date"] == "2024-12-13"
    assert [warning_kind(w) for w in result["date_warnings"]] == ["line_disagreement"]
    assert "12/12/2567" in result["date_warnings"][0]


def test_article_without_a_parseable_date_is_kept_with_null_date() -> None:
    result = normalise_article_dates(
        _article(published_date_text="วันศุกร์ที่ 31 กุมภาพันธ์ 2567", published_date_numeric_text=None)
    )
    assert result["published_date"] is None
    assert [warning_kind(w) for w in result["date_warnings"]] == ["unparseable"]
    # Without a publication date, year-less mentions are not given a guessed year.
    assert "2024-12-28" not in result["date_mentions"]
    assert "2024-12-10" in result["date_mentions"]


def test_article_numeric_line_stands_in_for_an_unparseable_long_line() -> None:
    result = normalise_article_dates(_article(published_date_text=None))
    assert result["published_date"] == "2024-12-13"
    assert [warning_kind(w) for w in result["date_warnings"]] == ["unparseable"]


def test_article_with_missing_fields() -> None:
    result = normalise_article_dates({})
    assert result["published_date"] is None
    assert result["date_mentions"] == []
    assert [warning_kind(w) for w in result["date_warnings"]] == ["unparseable"]
