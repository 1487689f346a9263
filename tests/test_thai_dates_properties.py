"""Property tests: every day from 1 Jan 2500 B.E. to 31 Dec 2600 B.E. parses back from each
rendering the site (or a writer quoting it) uses.

The main renderings are checked on the whole range deterministically (about 37,000 days each,
well under a second per rendering); hypothesis samples the combinations of prefixes, spacing,
dots, era markers and digit styles, and dates embedded in running text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pythainlp.util import arabic_digit_to_thai_digit
from pythainlp.util.date import thai_abbr_months, thai_full_months, thai_full_weekdays

from pipelines.core.thai_dates import (
    find_dates,
    parse_date_mention,
    parse_thai_date,
    parse_year_or_date,
)

FIRST = date(2500 - 543, 1, 1)
LAST = date(2600 - 543, 12, 31)
ALL_DAYS = [FIRST + timedelta(days=n) for n in range((LAST - FIRST).days + 1)]
EN_MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
EN_WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def be(d: date) -> int:
    return d.year + 543


def full(d: date) -> str:
    return thai_full_months[d.month - 1]


def abbr(d: date) -> str:
    return thai_abbr_months[d.month - 1]


RENDERINGS: dict[str, Callable[[date], str]] = {
    "full month": lambda d: f"{d.day} {full(d)} {be(d)}",
    "weekday prefix": lambda d: f"{thai_full_weekdays[d.weekday()]}ที่ {d.day} {full(d)} {be(d)}",
    "abbr yyyy": lambda d: f"{d.day} {abbr(d)} {be(d)}",
    "abbr yyyy no space": lambda d: f"{d.day} {abbr(d)}{be(d)}",
    "abbr no dots": lambda d: f"{d.day} {abbr(d).replace('.', '')} {be(d)}",
    "abbr spaced dots": lambda d: f"{d.day} {abbr(d).replace('.', '. ').strip()} {be(d)}",
    "thai digits": lambda d: arabic_digit_to_thai_digit(f"{d.day} {full(d)} {be(d)}"),
    "พ.ศ.": lambda d: f"{d.day} {full(d)} พ.ศ. {be(d)}",
    "numeric slash": lambda d: f"{d.day:02d}/{d.month:02d}/{be(d)}",
    "numeric dash": lambda d: f"{d.day}-{d.month}-{be(d)}",
    "C.E. year": lambda d: f"{d.day} {full(d)} {d.year}",
    "ค.ศ.": lambda d: f"{d.day} {full(d)} ค.ศ. {d.year}",
    "English mdy": lambda d: f"{EN_MONTHS[d.month - 1]} {d.day}, {d.year}",
    "English dmy": lambda d: f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}",
}


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_every_day_of_the_range_round_trips(rendering: str) -> None:
    render = RENDERINGS[rendering]
    wrong = [(d, render(d)) for d in ALL_DAYS if parse_thai_date(render(d)) != d]
    assert wrong == []


def test_two_digit_years_round_trip_with_a_reference_date() -> None:
    # B.E. 2500 and 2600 share "00": the reference (publication date) picks the century.
    wrong = [
        d
        for d in ALL_DAYS
        if parse_thai_date(f"{d.day} {abbr(d)}{be(d) % 100:02d}", reference_date=d) != d
    ]
    assert wrong == []


def test_two_digit_years_without_reference_are_25xx() -> None:
    days = [d for d in ALL_DAYS if be(d) < 2600]
    wrong = [d for d in days if parse_thai_date(f"{d.day} {abbr(d)} {be(d) % 100:02d}") != d]
    assert wrong == []


def test_weekday_check_holds_on_every_day() -> None:
    render = RENDERINGS["weekday prefix"]
    mentions = [parse_date_mention(render(d)) for d in ALL_DAYS[::7]]
    assert all(m is not None and m.weekday_ok is True for m in mentions)
    shifted = [
        parse_date_mention(
            f"{thai_full_weekdays[(d.weekday() + 1) % 7]}ที่ {d.day} {full(d)} {be(d)}"
        )
        for d in ALL_DAYS[::7]
    ]
    assert all(m is not None and m.weekday_ok is False for m in shifted)


def test_every_month_of_the_range_is_a_month_filter() -> None:
    months = sorted({(d.year, d.month) for d in ALL_DAYS})
    for year, month in months:
        first = date(year, month, 1)
        last = (date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)
        assert parse_year_or_date(f"{thai_full_months[month - 1]} {year + 543}") == (first, last)


days = st.dates(min_value=FIRST, max_value=LAST)


@st.composite
def thai_renderings(draw: st.DrawFn) -> tuple[date, str]:
    """A random combination of every optional part of the Thai grammar."""
    d = draw(days)
    prefix = draw(st.sampled_from(["", "วันที่ ", "ณ วันที่ ", "เมื่อ ", "เมื่อวันที่ "]))
    weekday = draw(st.sampled_from(["", thai_full_weekdays[d.weekday()] + "ที่ "]))
    if weekday:
        prefix = ""  # "วันที่" and "วันศุกร์ที่" do not stack
    month = draw(
        st.sampled_from(
            [
                full(d),
                abbr(d),
                abbr(d).replace(".", ""),
                abbr(d).rstrip("."),
                abbr(d).replace(".", ". "),
            ]
        )
    )
    year = draw(
        st.sampled_from(
            [str(be(d)), f"พ.ศ. {be(d)}", f"พ.ศ.{be(d)}", str(d.year), f"ค.ศ. {d.year}"]
            + ([f"{be(d) % 100:02d}"] if month != full(d) and be(d) < 2600 else [])
        )
    )
    space1 = draw(st.sampled_from(["", " ", "  "]))
    space2 = draw(
        st.sampled_from(["", " "] if not year[0].isdigit() or month[-1] == "." else [" "])
    )
    text = f"{prefix}{weekday}{d.day}{space1}{month.strip()}{space2}{year}"
    if draw(st.booleans()):
        text = arabic_digit_to_thai_digit(text)
    return d, text


@settings(max_examples=1500, deadline=None)
@given(thai_renderings())
def test_random_thai_renderings_parse(case: tuple[date, str]) -> None:
    d, text = case
    assert parse_thai_date(text) == d


@settings(max_examples=500, deadline=None)
@given(days, st.booleans())
def test_english_weekday_prefixes(d: date, mdy: bool) -> None:
    body = (
        f"{EN_MONTHS[d.month - 1]} {d.day}, {d.year}"
        if mdy
        else f"{d.day} {EN_MONTHS[d.month - 1]} {d.year}"
    )
    mention = parse_date_mention(f"{EN_WEEKDAYS[d.weekday()]}, {body}")
    assert mention is not None and mention.date == d and mention.weekday_ok is True


FILLER = st.lists(
    st.sampled_from(
        ["นายกรัฐมนตรี", "ประชุม", "และ", "โครงการ", " ", "(", ")", "ณ", "government", "ทำเนียบ"]
    ),
    max_size=6,
).map("".join)


@settings(max_examples=800, deadline=None)
@given(FILLER, thai_renderings(), FILLER, st.sampled_from(["", " เวลา 09.30 น.", " 15:45 น."]))
def test_dates_are_found_inside_running_text(
    before: str, case: tuple[date, str], after: str, clock: str
) -> None:
    d, rendering = case
    text = f"{before} {rendering}{clock} {after}"
    found = find_dates(text)
    assert [m.date for m in found] == [d]
    [mention] = found
    assert text[mention.start : mention.end] == mention.text
    assert mention.text.endswith(clock.strip() or rendering[-1])
    assert (mention.time is None) == (clock == "")


@settings(max_examples=500, deadline=None)
@given(days, st.integers(min_value=0, max_value=40), st.sampled_from([" - ", "-", " – ", " ถึง "]))
def test_ranges_round_trip(start: date, length: int, separator: str) -> None:
    end = start + timedelta(days=length)
    assume(end <= LAST)
    if (start.year, start.month) == (end.year, end.month):
        text = f"{start.day}{separator}{end.day} {full(end)} {be(end)}"
    elif start.year == end.year:
        text = f"{start.day} {abbr(start)}{separator}{end.day} {abbr(end)} {be(end) % 100:02d}"
    else:
        text = f"{start.day} {full(start)} {be(start)}{separator}{end.day} {full(end)} {be(end)}"
    [mention] = find_dates(text, reference_date=end)
    assert (mention.date, mention.end_date or mention.date) == (start, end)
