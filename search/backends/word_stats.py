"""Word counts per month, kept inside the embedded index as it is written (the workbench's
precomputation).

Trends, keyness and collocations need how often each word occurs per month and how many words
each month holds. Counting that from the stored tokens at request time reads the whole archive
(seconds for 40k articles); these two tables are updated in the same transaction as every
write, replace and delete of the index (and built afresh by ``rebuild``), so they never drift
from what the index holds. Undated articles count under the month ``""``.

The counts are of the index's own tokens (``IndexDoc.*_segmented``), the same ones the workbench
counts when it scans, so a figure is the same whichever way it was obtained.

Since compound matching (issue 12) a word also occurs inside the compounds that hold it
(``search.core.occurrences.compound_words``). A third table, ``word_part (part, word)``, records
for every counted token ``word`` the words it is also an occurrence of, computed by that same
function as the token is first counted; a query's occurrences per month are then the counts of
its words plus those of the compounds holding them (``occurrences_per_month``), each token once.
Rows are never removed: they depend on the token alone, and a token no longer in the index has
no count left to add.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from search.core.occurrences import compound_words

#: Which counted tokens are also an occurrence of which word (see the module docstring).
PART_TABLE = """CREATE TABLE IF NOT EXISTS word_part (
    part TEXT NOT NULL, word TEXT NOT NULL, PRIMARY KEY (part, word)
) WITHOUT ROWID"""
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS word_month (
    word TEXT NOT NULL, month TEXT NOT NULL, n INTEGER NOT NULL, PRIMARY KEY (word, month)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS month_size (
    month TEXT PRIMARY KEY, tokens INTEGER NOT NULL, docs INTEGER NOT NULL
);
{PART_TABLE};
"""
#: meta key set when the tables hold the counts of every indexed document (a fresh index, or a
#: rebuilt one); an index written before they existed has empty tables and is not trusted.
META_KEY = "word_stats"
#: meta key set when ``word_part`` covers every word of ``word_month`` (a fresh or rebuilt index,
#: or one migrated by ``fill_word_parts``); without it, compound occurrences are not read here.
PARTS_META_KEY = "word_parts"
_CHUNK = 900


def month_of(published_date: str | None) -> str:
    return published_date[:7] if published_date else ""


class Delta:
    """Changes to apply in one transaction: +1 per word of an added text, -1 for a removed one."""

    def __init__(self) -> None:
        self.words: Counter[tuple[str, str]] = Counter()
        self.sizes: Counter[str] = Counter()
        self.docs: Counter[str] = Counter()
        self.added: set[str] = set()  # every token of an added text (for ``word_part``)

    def add(self, month: str, texts: Iterable[str], sign: int = 1) -> None:
        self.docs[month] += sign
        for text in texts:
            tokens = text.split()
            self.sizes[month] += sign * len(tokens)
            if sign > 0:
                self.added.update(tokens)
            for word, n in Counter(tokens).items():
                self.words[(word, month)] += sign * n

    def apply(
        self, conn: sqlite3.Connection, recorded: set[str] | frozenset[str] = frozenset()
    ) -> set[str]:
        """Write the changes; returns the tokens whose ``word_part`` rows it wrote.

        ``recorded``: tokens whose rows this file already holds (a writer remembers them once
        committed), skipped: the index writer pays for each token's compound words once.
        """
        new = self.added - recorded
        conn.executemany(
            "INSERT OR IGNORE INTO word_part (part, word) VALUES (?, ?)", part_rows(new)
        )
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
        return new


def part_rows(words: Iterable[str]) -> Iterator[tuple[str, str]]:
    """``(part, word)`` for each word that ``word`` (a token) is also an occurrence of."""
    for word in words:
        for part in compound_words(word):
            yield part, word


def fill_word_parts(conn: sqlite3.Connection) -> int:
    """Record the compound occurrences of every word already counted (an index written before
    ``word_part`` existed), then mark the table complete; returns the rows added.

    Reads the vocabulary only, not the articles: a few seconds for the 40k corpus.
    """
    words = [w for (w,) in conn.execute("SELECT DISTINCT word FROM word_month")]
    before = conn.total_changes
    conn.executemany("INSERT OR IGNORE INTO word_part (part, word) VALUES (?, ?)", part_rows(words))
    added = conn.total_changes - before
    conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (PARTS_META_KEY,))
    return added


class SqliteWordStats:
    """Read side, over one connection of the index file.

    ``parts``: whether ``word_part`` is complete (see ``PARTS_META_KEY``); when it is not,
    ``occurrences_per_month`` answers None and the workbench reads the articles instead.
    """

    def __init__(self, conn: sqlite3.Connection, *, parts: bool = True) -> None:
        self.conn = conn
        self.parts = parts

    def compounds(self, words: Iterable[str]) -> set[str]:
        """Counted tokens that are also an occurrence of one of ``words`` (``word_part``)."""
        found: set[str] = set()
        for chunk in _chunks(list(dict.fromkeys(words))):
            found.update(
                w
                for (w,) in self.conn.execute(
                    f"SELECT word FROM word_part WHERE part IN ({','.join('?' * len(chunk))})",
                    chunk,
                )
            )
        return found

    def occurrences_per_month(self, words: Iterable[str]) -> dict[str, int] | None:
        """month -> occurrences of a query made of ``words`` (alternatives of one word each):
        every token that is one of them or a compound holding one, each token once, as
        ``occurrences.occurrence_spans`` counts them; None when ``word_part`` is incomplete."""
        if not self.parts:
            return None
        wanted = set(words)
        tokens = wanted | self.compounds(wanted)
        return {month: sum(counts.values()) for month, counts in self.per_month(tokens).items()}

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
