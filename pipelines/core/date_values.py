"""A calendar date from whatever holds one: the archive's columns, the backends' fields and the
records may give a ``date``, a ``datetime`` or ISO text. Pure: the store reads published dates
with it (strict: bad text is an error) and the web pages show dates with it (lenient)."""

from __future__ import annotations

import datetime as dt


def to_date(value: object) -> dt.date | None:
    """``None`` for a missing value (None or ""), the date of a datetime, a date as it is, else
    ISO text ("2024-01-25"); raises ValueError for text that is not an ISO date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))
