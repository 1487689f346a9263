"""The durable crawl frontier's rules: which ids an incremental run requests, which are gaps.

Pure (no database, no Scrapy): the archive stores one :class:`FrontierEntry` per id an
incremental crawl has answered, the spider asks :func:`plan_run` what to request, and
``thaigov gaps`` / ``db stats`` / the run's last log line use :func:`open_gaps`.

Why the frontier starts from the lowest unsettled id, not from "highest archived id + 1": a
run that is killed, stopped or meets server errors leaves holes below its highest article,
and with "highest + 1" every such hole was permanent (15% of a kill/stop/503 trial was lost).

Rules, in order of the id line (``floor`` is the first id the frontier tracks; ``head`` is the
highest article at or above it):

- an id is *settled* when it is archived or answered as not an article; those are not asked
  again, except not-articles just below the head while they are young (the site sometimes
  publishes an id after later ones: ``recheck_ids`` below the head, for ``recheck_days``);
- an id at or below the head without any entry is a hole left by a killed run (*unanswered*):
  it is requested again at once;
- a *failed* id (error after every retry) waits ``backoff * 2**(attempts-1)`` seconds (capped)
  before its next attempt, and is *given up* after ``give_up_runs`` failed runs or
  ``give_up_days`` since it first failed; given-up ids stay listed as gaps, never requested;
- ids above the head are probed again by every run (new articles appear there).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal

State = Literal["article", "not_article", "failed", "unanswered", "given_up"]
STATES: tuple[State, ...] = ("article", "not_article", "failed", "unanswered", "given_up")
#: States that count as an open gap when at or below the head.
GAP_STATES: frozenset[str] = frozenset({"failed", "unanswered", "given_up"})


@dataclass(frozen=True, slots=True)
class FrontierEntry:
    """What the archive knows about one id an incremental crawl asked for."""

    article_id: int
    state: State
    attempts: int = 0
    detail: str | None = None
    first_seen_at: dt.datetime | None = None
    last_attempt_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class FrontierPolicy:
    """Tunable rules (``THAIGOV_FRONTIER_*`` in ThaigovSettings; see docs/crawling.md)."""

    backoff_seconds: float = 3600.0
    backoff_max_seconds: float = 7 * 86400.0
    give_up_runs: int = 10
    give_up_days: float = 30.0
    recheck_ids: int = 20
    recheck_days: float = 3.0

    def backoff(self, attempts: int) -> dt.timedelta:
        """Wait before the next attempt of an id that failed ``attempts`` times."""
        if attempts <= 0 or self.backoff_seconds <= 0:
            return dt.timedelta(0)
        seconds = self.backoff_seconds * 2 ** min(attempts - 1, 40)
        return dt.timedelta(seconds=min(seconds, self.backoff_max_seconds))


@dataclass(frozen=True, slots=True)
class Gap:
    """An id at or below the head that is not archived: why, and how often it was tried."""

    article_id: int
    state: State
    attempts: int
    detail: str | None = None
    last_attempt_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What one incremental run requests before probing past the head."""

    floor: int
    head: int  # highest article at or above the floor; floor - 1 when there is none
    retry: list[int]  # ascending, all below probe_from
    probe_from: int
    give_up: list[int] = field(default_factory=list)  # failed ids to mark given up now
    new_floor: int = 0  # lowest id a later run may still need (store it for the next plan)


def head_of(floor: int, entries: Mapping[int, FrontierEntry], archived: Iterable[int]) -> int:
    """Highest article at or above ``floor`` (archived, or answered as one), else floor - 1."""
    head = floor - 1
    for article_id in archived:
        if article_id > head:
            head = article_id
    for article_id, entry in entries.items():
        if entry.state == "article" and article_id > head:
            head = article_id
    return head


def _recheck(entry: FrontierEntry, head: int, now: dt.datetime, policy: FrontierPolicy) -> bool:
    if entry.state != "not_article" or entry.article_id <= head - policy.recheck_ids:
        return False
    if entry.first_seen_at is None:
        return True
    return now - entry.first_seen_at < dt.timedelta(days=policy.recheck_days)


def _gives_up(entry: FrontierEntry, now: dt.datetime, policy: FrontierPolicy) -> bool:
    if entry.state != "failed":
        return False
    if policy.give_up_runs > 0 and entry.attempts >= policy.give_up_runs:
        return True
    if policy.give_up_days > 0 and entry.first_seen_at is not None:
        return now - entry.first_seen_at >= dt.timedelta(days=policy.give_up_days)
    return False


def plan_run(
    floor: int,
    entries: Mapping[int, FrontierEntry],
    archived: Iterable[int],
    *,
    now: dt.datetime,
    policy: FrontierPolicy,
) -> RunPlan:
    """The ids to request below the head, ascending, and where the probe past the head starts.

    ``entries`` and ``archived`` need only hold ids at or above ``floor`` (others are ignored).
    """
    archived_ids = {i for i in archived if i >= floor}
    head = head_of(floor, entries, archived_ids)
    retry: list[int] = []
    give_up: list[int] = []
    waiting: list[int] = []  # failed ids in backoff: still open, so they hold the floor
    for article_id in range(floor, head + 1):
        if article_id in archived_ids:
            continue
        entry = entries.get(article_id)
        if entry is None or entry.state == "unanswered":
            retry.append(article_id)
        elif entry.state == "failed":
            if _gives_up(entry, now, policy):
                give_up.append(article_id)
            elif entry.last_attempt_at is None or (
                now >= entry.last_attempt_at + policy.backoff(entry.attempts)
            ):
                retry.append(article_id)
            else:
                waiting.append(article_id)
        elif _recheck(entry, head, now, policy):
            retry.append(article_id)
    # Not-articles in the recheck window hold the floor too while they are young.
    young = [
        e.article_id
        for e in entries.values()
        if floor <= e.article_id <= head and _recheck(e, head, now, policy)
    ]
    new_floor = min([*retry, *waiting, *young, head + 1])
    return RunPlan(
        floor=floor,
        head=head,
        retry=retry,
        probe_from=head + 1,
        give_up=give_up,
        new_floor=max(floor, new_floor),
    )


def open_gaps(
    floor: int, entries: Mapping[int, FrontierEntry], archived: Iterable[int]
) -> list[Gap]:
    """Ids from ``floor`` to the head that are not archived and not answered as non-articles.

    Ids below ``floor`` are listed only when an entry says they were given up (the floor moves
    past given-up ids, but they stay gaps).
    """
    archived_ids = set(archived)
    head = head_of(floor, entries, (i for i in archived_ids if i >= floor))
    gaps: list[Gap] = []
    for article_id, entry in entries.items():
        if article_id < floor and entry.state == "given_up" and article_id not in archived_ids:
            gaps.append(_gap(entry))
    for article_id in range(floor, head + 1):
        if article_id in archived_ids:
            continue
        found = entries.get(article_id)
        if found is None:
            gaps.append(Gap(article_id, "unanswered", 0))
        elif found.state in GAP_STATES:
            gaps.append(_gap(found))
    gaps.sort(key=lambda g: g.article_id)
    return gaps


def _gap(entry: FrontierEntry) -> Gap:
    return Gap(entry.article_id, entry.state, entry.attempts, entry.detail, entry.last_attempt_at)


def count_by_state(gaps: Iterable[Gap]) -> dict[str, int]:
    """``{"failed": n, "unanswered": n, "given_up": n}`` (zeros included), for logs and stats."""
    counts = {state: 0 for state in ("failed", "unanswered", "given_up")}
    for gap in gaps:
        counts[gap.state] = counts.get(gap.state, 0) + 1
    return counts
