"""``pipelines.core.date_values.to_date``: the one reading of a date the archive (strict) and
the web pages (lenient, through ``search.web.thai_format.as_date``) share."""

from __future__ import annotations

import datetime as dt

import pytest

from pipelines.archive.records import parse_date
from pipelines.core.date_values import to_date
from search.web.thai_format import as_date

DAY = dt.date(2024, 1, 25)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        (DAY, DAY),
        (dt.datetime(2024, 1, 25, 23, 59, tzinfo=dt.UTC), DAY),
        ("2024-01-25", DAY),
    ],
)
def test_dates_in_every_form(value: object, expected: dt.date | None) -> None:
    assert to_date(value) == expected
    assert parse_date(value) == expected
    assert as_date(value) == expected


@pytest.mark.parametrize("text", ["25/01/2567", "2024-13-01", "2024-01-25T09:30:00+00:00"])
def test_the_archive_refuses_what_is_not_an_iso_date(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_pages_take_a_timestamps_date_and_show_nothing_for_the_rest() -> None:
    assert as_date("2024-01-25T09:30:00+00:00") == DAY
    assert as_date("25/01/2567") is None
    assert as_date("ไม่ทราบ") is None
