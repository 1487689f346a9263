"""The word tables' ``min_count`` and ``limit``: one set of defaults and bounds for the command
line, the API and the pages (search.services.table_limits)."""

from __future__ import annotations

import pytest

from search.core.query import QueryError
from search.services.table_limits import LIMITS, MAX_MIN_COUNT


def test_defaults_of_each_table() -> None:
    assert LIMITS["collocations"].check(None, None) == (3, 50)
    assert LIMITS["keyness"].check("", " ") == (5, 50)
    assert LIMITS["words"].check(None, None) == (1, 100)


def test_values_within_bounds_are_taken_from_text_or_numbers() -> None:
    assert LIMITS["words"].check("2", 100_000) == (2, 100_000)
    assert LIMITS["collocations"].check(MAX_MIN_COUNT, "10000") == (MAX_MIN_COUNT, 10_000)


@pytest.mark.parametrize(
    ("table", "min_count", "limit", "param", "message"),
    [
        ("collocations", "0", None, "min_count", "min_count must be a whole number from 1 to"),
        ("keyness", "many", None, "min_count", "min_count must be a whole number from 1 to"),
        ("collocations", None, "10001", "limit", "limit must be a whole number from 1 to 10000"),
        ("words", None, "100001", "limit", "limit must be a whole number from 1 to 100000"),
        ("words", "1", "0", "limit", "limit must be a whole number from 1 to 100000"),
        # Both wrong: min_count is named first, as the command line and the API always did.
        ("keyness", str(MAX_MIN_COUNT + 1), "x", "min_count", "from 1 to 1000000"),
    ],
)
def test_refusals_name_the_option(
    table: str, min_count: str | None, limit: str | None, param: str, message: str
) -> None:
    with pytest.raises(QueryError) as caught:
        LIMITS[table].check(min_count, limit)  # type: ignore[index]
    assert caught.value.param == param
    assert message in caught.value.message
