"""Dates shown both ways: Thai long form with the Buddhist Era year, and ISO (C.E.)."""

from __future__ import annotations

import datetime as dt

from pythainlp.util import thai_strftime

from pipelines.core.date_values import to_date


def as_date(value: object) -> dt.date | None:
    """Accept a date, a datetime or an ISO string (the store and backends may give any); a
    timestamp's date part; None for anything else (a page shows it as unknown)."""
    try:
        return to_date(value if value is None or isinstance(value, dt.date) else str(value)[:10])
    except ValueError:
        return None


def thai_long_date(value: object) -> str:
    """``วันศุกร์ที่ 13 ธันวาคม 2567`` style (B.E.), or "" when unknown."""
    day = as_date(value)
    if day is None:
        return ""
    moment = dt.datetime(day.year, day.month, day.day)
    return thai_strftime(moment, "%Aที่ %-d %B %Y")


def thai_short_date(value: object) -> str:
    """``13 ธ.ค. 2567`` (B.E.), or "" when unknown."""
    day = as_date(value)
    if day is None:
        return ""
    return thai_strftime(dt.datetime(day.year, day.month, day.day), "%-d %b %Y")


def iso_date(value: object) -> str:
    day = as_date(value)
    return day.isoformat() if day else ""


def thai_datetime(value: object) -> str:
    """``25 ม.ค. 2567 09:30 UTC`` from an ISO timestamp (B.E.); the input as text otherwise."""
    if value is None or value == "":
        return ""
    try:
        moment = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return thai_strftime(moment.replace(tzinfo=None), "%-d %b %Y %H:%M") + " UTC"
