"""Which ids to request next, and what a resumed job already finished. Pure, no Scrapy.

Ids are dense but have gaps, and several requests are in flight at once, so "stop after N
consecutive misses" cannot be a counter updated in arrival order. The frontier instead never
schedules an id beyond ``highest article found + N`` (plus one per failed id past it): the crawl
ends by itself exactly when the N ids after the highest article have all been answered and none
was an article.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO


class MissRunFrontier:
    """Ids from ``first_id`` upward, stopping after ``max_misses`` non-articles in a row.

    A failed id (an error after every retry) is not an answer: it widens the window by one, so
    a 503 just past the head does not end the crawl early, at most ``max_misses`` times past
    the head (a site that fails everything is not probed forever).
    """

    def __init__(self, first_id: int, max_misses: int, done: Iterable[int] = ()) -> None:
        if max_misses < 1:
            raise ValueError("max_misses must be at least 1")
        self.first_id = first_id
        self.max_misses = max_misses
        self.highest_hit = first_id - 1
        self._next_id = first_id
        self._done = set(done)
        self._failed: set[int] = set()

    @property
    def limit(self) -> int:
        """The highest id worth requesting given the articles found so far."""
        failed_above = sum(1 for i in self._failed if i > self.highest_hit)
        return self.highest_hit + self.max_misses + min(failed_above, self.max_misses)

    def record_hit(self, article_id: int) -> None:
        self.highest_hit = max(self.highest_hit, article_id)

    def record_failure(self, article_id: int) -> None:
        self._failed.add(article_id)

    def due(self) -> list[int]:
        """Ids not yet handed out (nor finished in an earlier run) up to :attr:`limit`."""
        due = [i for i in range(self._next_id, self.limit + 1) if i not in self._done]
        self._next_id = max(self._next_id, self.limit + 1)
        return due


class ResumeJournal:
    """Append-only record of finished ids in ``JOBDIR``, flushed line by line.

    Scrapy's own job state (pending-request queue, seen fingerprints) is written on a clean
    shutdown only, so after a hard kill it cannot say which requests were lost. This journal can:
    a line is written once an id's outcome is durable (item exported or archived, or a miss), and
    the file ends with ``closed`` only if the previous run shut down cleanly.
    """

    FILENAME = "thaigov-journal.txt"

    def __init__(self, jobdir: str | os.PathLike[str]) -> None:
        self.path = Path(jobdir) / self.FILENAME
        self.first_id: int | None = None
        self.done: set[int] = set()
        self.hits: set[int] = set()
        self.clean = True
        self.resumed = self.path.exists()
        if self.resumed:
            self._load(self.path.read_text(encoding="utf-8").splitlines())
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file: TextIO = self.path.open("a", encoding="utf-8")
        self._write("opened")

    def _load(self, lines: list[str]) -> None:
        last = ""
        for line in lines:
            kind, _, value = line.partition(" ")
            if kind in ("hit", "miss") and value.isdigit():
                self.done.add(int(value))
                if kind == "hit":
                    self.hits.add(int(value))
            elif kind == "first" and value.lstrip("-").isdigit() and self.first_id is None:
                self.first_id = int(value)
            if line:
                last = line
        self.clean = last in ("", "closed")

    def _write(self, line: str) -> None:
        self._file.write(line + "\n")
        self._file.flush()  # into the kernel: survives the process being killed

    def set_first_id(self, first_id: int) -> None:
        if self.first_id is None:
            self.first_id = first_id
            self._write(f"first {first_id}")

    def record(self, article_id: int, *, hit: bool) -> None:
        if article_id not in self.done:
            self.done.add(article_id)
            if hit:
                self.hits.add(article_id)
            self._write(f"{'hit' if hit else 'miss'} {article_id}")

    def close(self) -> None:
        if not self._file.closed:
            self._write("closed")
            self._file.close()
