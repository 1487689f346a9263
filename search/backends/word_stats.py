"""Word counts per month, kept inside the embedded index as it is written (the workbench's
precomputation).

Trends, keyness and collocations need how often each word occurs per month and how many words
each month holds. Counting that from the stored tokens at request time reads the whole archive
(seconds for 40k articles); these two tables are updated in the same transaction as every
write, replace and delete of the index (and built afresh by ``rebuild``), so they never drift
from what the index holds. Undated articles count under the month ``""``.

The counts are of the index's own tokens (``IndexDoc.*_segmented``), the same ones the workbench
counts when it scans, so a figure is the same whichever way it was obtained.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Sequence

SCHEMA = """
CREATE TABLE IF NOT EXISTS word_month (
    word TEXT NOT NULL, month TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (word, month)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS month_size (
    month TEXT PRIMARY KEY, tokens INTEGER NOT NULL, docs INTEGER NOT NULL
);
"""
#: meta key set when the tables hold the counts of every indexed document (a fresh index, or a
#: rebuilt one); an index written before they existed has empty tables and is not trusted.
META_KEY = "word_stats"
_CHUNK = 900


def month_of(published_date: str | None) -> str:
    return published_date[:7] if published_date else ""


class Delta:
    """Changes to apply in one transaction: +1 per word of an added text, -1 for a removed one."""

    def __init__(self) -> None:
        self.words: Counter[tuple[str, str]] = Counter()
        self.sizes: Counter[str] = Counter()
        self.docs: Counter[str] = Counter()

    def add(self, month: str, texts: Iterable[str], sign: int = 1) -> None:
        self.docs[month] += sign
        for text in texts:
            tokens = text.split()
            self.sizes[month] += sign * len(tokens)
            for word, n in Counter(tokens).items():
                self.words[(word, month)] += sign * n

    def apply(self, conn: sqlite3.Connection) -> None:
        conn.executemany(
            "INSERT INTO word_month (word, month, n) VALUES (?, ?, ?)"
            " ON CONFLICT (word, month) DO UPDATE SET n = n + excluded.n",
            [(w, m, n) for (w, m), n in self.words.items() if n],
        )
        conn.executemany(
            "INSERT INTO month_size (month, tokens, docs) VALUES (?, ?, ?)"
            " ON CONFLICT (month) DO UPDATE SET tokens = tokens + excluded.tokens,"
            " docs = docs + excluded.docs",
            [(m, self.sizes[m], self.docs[m]) for m in set(self.sizes) | set(self.docs)],
        )
        if any(n < 0 for n in self.words.values()):
            conn.execute("DELETE FROM word_month WHERE n <= 0")
            conn.execute("DELETE FROM month_size WHERE docs <= 0")


class SqliteWordStats:
    """Read side, over one connection of the index file."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def months(self) -> list[str]:
        """Months holding at least one article ("" for undated), ascending."""
        return [m for (m,) in self.conn.execute("SELECT month FROM month_size ORDER BY month")]

    def size(self, months: Sequence[str] | None = None) -> int:
        """Tokens in those months (every month when None)."""
        if months is None:
            row = self.conn.execute("SELECT coalesce(sum(tokens), 0) FROM month_size").fetchone()
            return int(row[0])
        total = 0
        for chunk in _chunks(list(months)):
            row = self.conn.execute(
                "SELECT coalesce(sum(tokens), 0) FROM month_size"
                f" WHERE month IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchone()
            total += int(row[0])
        return total

    def per_month(self, words: Iterable[str]) -> dict[str, Counter[str]]:
        """month -> occurrences of each of ``words``."""
        found: dict[str, Counter[str]] = {}
        for chunk in _chunks(list(dict.fromkeys(words))):
            for word, month, n in self.conn.execute(
                "SELECT word, month, n FROM word_month"
                f" WHERE word IN ({','.join('?' * len(chunk))})",
                chunk,
            ):
                found.setdefault(month, Counter())[word] += n
        return found

    def totals(self, words: Iterable[str]) -> Counter[str]:
        """Occurrences of ``words`` in the whole index."""
        counts: Counter[str] = Counter()
        for chunk in _chunks(list(dict.fromkeys(words))):
            counts.update(
                dict(
                    self.conn.execute(
                        "SELECT word, sum(n) FROM word_month"
                        f" WHERE word IN ({','.join('?' * len(chunk))}) GROUP BY word",
                        chunk,
                    )
                )
            )
        return counts

    def frequencies(self, months: Sequence[str] | None = None) -> Counter[str]:
        """Every word's occurrences in those months (every month when None)."""
        counts: Counter[str] = Counter()
        if months is None:
            counts.update(
                dict(self.conn.execute("SELECT word, sum(n) FROM word_month GROUP BY word"))
            )
            return counts
        wanted = sorted(set(months))
        if len(wanted) > _CHUNK:  # more months than bound parameters: filter here instead
            chosen = set(wanted)
            for word, month, n in self.conn.execute("SELECT word, month, n FROM word_month"):
                if month in chosen:
                    counts[word] += n
            return counts
        counts.update(
            dict(
                self.conn.execute(
                    "SELECT word, sum(n) FROM word_month"
                    f" WHERE month IN ({','.join('?' * len(wanted))}) GROUP BY word",
                    wanted,
                )
            )
        )
        return counts


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]
