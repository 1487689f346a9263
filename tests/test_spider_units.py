"""The crawler's pure pieces: incremental frontier, resume journal, Retry-After, exit codes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from scrapy.exceptions import UsageError

from thaigov_crawler.extensions import (
    EXIT_LOCKED,
    EXIT_NOTHING_FETCHED,
    EXIT_OK,
    EXIT_ROBOTS_FORBIDDEN,
    exit_code_for,
)
from thaigov_crawler.frontier import MissRunFrontier, ResumeJournal
from thaigov_crawler.middlewares import retry_after_seconds
from thaigov_crawler.spiders.thaigov import parse_ids


def test_frontier_hands_out_ids_up_to_highest_hit_plus_misses() -> None:
    frontier = MissRunFrontier(100, max_misses=3)
    assert frontier.due() == [100, 101, 102]
    assert frontier.due() == []  # nothing new until an article is found
    frontier.record_hit(101)
    assert frontier.due() == [103, 104]
    frontier.record_hit(100)  # out-of-order arrival of a lower hit changes nothing
    assert frontier.due() == []
    frontier.record_hit(104)
    assert frontier.due() == [105, 106, 107]


def test_frontier_stops_exactly_after_n_misses_whatever_the_arrival_order() -> None:
    articles = {10, 11, 13, 14, 17, 18}  # gaps of 1 and 2; then nothing
    frontier = MissRunFrontier(10, max_misses=3)
    in_flight = frontier.due()
    requested: list[int] = []
    while in_flight:
        in_flight.reverse()  # answers come back out of order
        article_id = in_flight.pop(0)
        requested.append(article_id)
        if article_id in articles:
            frontier.record_hit(article_id)
        in_flight.extend(frontier.due())
    assert sorted(requested) == list(range(10, 22))  # up to 18 + 3


def test_frontier_skips_done_ids_and_rejects_zero_misses() -> None:
    assert MissRunFrontier(1, 5, done={2, 4}).due() == [1, 3, 5]
    with pytest.raises(ValueError):
        MissRunFrontier(1, 0)


def test_journal_survives_a_reopen_and_knows_if_the_last_run_closed(tmp_path: Path) -> None:
    journal = ResumeJournal(tmp_path)
    assert journal.clean and journal.done == set()
    journal.set_first_id(500)
    journal.record(500, hit=True)
    journal.record(501, hit=False)
    journal.record(500, hit=True)  # recorded once
    # No close(): as if the process was killed.
    reopened = ResumeJournal(tmp_path)
    assert not reopened.clean
    assert reopened.first_id == 500
    assert reopened.done == {500, 501}
    assert reopened.hits == {500}
    reopened.close()
    assert ResumeJournal(tmp_path).clean
    lines = (tmp_path / ResumeJournal.FILENAME).read_text().splitlines()
    assert lines.count("hit 500") == 1


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120.0),
        (" 3 ", 3.0),
        ("Tue, 24 Nov 2026 05:41:30 GMT", 30.0),
        ("Tue, 24 Nov 2026 05:40:00 GMT", 0.0),  # in the past
        ("soon", None),
        (None, None),
        ("", None),
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    now = datetime(2026, 11, 24, 5, 41, tzinfo=UTC)
    assert retry_after_seconds(value, now=now) == seconds


@pytest.mark.parametrize(
    ("reason", "stats", "code"),
    [
        ("finished", {"thaigov/fetched": 3}, EXIT_OK),
        ("finished", {}, EXIT_OK),  # nothing to do is not a failure
        ("finished", {"thaigov/failed": 4}, EXIT_NOTHING_FETCHED),
        ("finished", {"thaigov/failed": 4, "thaigov/fetched": 1}, EXIT_OK),
        ("robots_forbidden", {}, EXIT_ROBOTS_FORBIDDEN),
        ("lock_held", {}, EXIT_LOCKED),
        ("shutdown", {"thaigov/fetched": 2}, EXIT_OK),
        ("unreachable", {"thaigov/failed": 5}, EXIT_NOTHING_FETCHED),
    ],
)
def test_exit_codes(reason: str, stats: dict[str, int], code: int) -> None:
    assert exit_code_for(reason, stats) == code


def test_parse_ids() -> None:
    assert parse_ids("9, 1,5,9-11") == [1, 5, 9, 10, 11]
    with pytest.raises(UsageError):
        parse_ids("1,x")
