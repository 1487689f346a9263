"""The exit status of runs started in this process (import-corpus, reextract): the run's own
exit code when its extension stored one, else 1 when a failure stat counted, else 0."""

from __future__ import annotations

import pytest

from thaigov_crawler.corpus_import import ImportOutcome
from thaigov_crawler.in_process import SpiderOutcome
from thaigov_crawler.reextract import ReextractOutcome


@pytest.mark.parametrize(
    ("stats", "code"),
    [
        ({}, 0),
        ({"archive/inserted": 3, "thaigov/exit_code": 0}, 0),
        ({"archive/failed": 2}, 1),
        ({"archive/failed": 2, "thaigov/exit_code": 7}, 7),  # the run's own code wins
        ({"reextract/unreadable": 1}, 0),  # counts only for a re-extraction
    ],
)
def test_import_exit_code(stats: dict[str, int], code: int) -> None:
    assert ImportOutcome(stats).exit_code == code


@pytest.mark.parametrize(
    ("stats", "code"),
    [
        ({}, 0),
        ({"archive/failed": 1}, 1),
        ({"reextract/unreadable": 4}, 1),
        ({"reextract/unreadable": 4, "thaigov/exit_code": 5}, 5),
    ],
)
def test_reextract_exit_code(stats: dict[str, int], code: int) -> None:
    assert ReextractOutcome(stats, 1.5).exit_code == code


def test_stat_reads_missing_and_none_as_zero() -> None:
    outcome = SpiderOutcome({"a": None, "b": "3"})
    assert (outcome.stat("a"), outcome.stat("b"), outcome.stat("missing")) == (0, 3, 0)


def test_import_outcome_keeps_problems() -> None:
    outcome = ImportOutcome({"archive/inserted": 1}, 2.0, [("a.txt", "no title")])
    assert outcome.problems == [("a.txt", "no title")] and outcome.seconds == 2.0
