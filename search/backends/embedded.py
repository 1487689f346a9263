"""Embedded search backend: one SQLite file with an FTS5 index of pre-segmented text.

Why this shape:
- FTS5 cannot segment Thai, so documents arrive segmented (``IndexDoc.*_segmented``, tokens of
  letters/marks/digits joined by spaces) and the ``unicode61`` tokenizer only splits on those
  spaces. Its default categories would treat Thai vowel marks (Mn) as separators and cut words
  apart, hence ``categories 'L* M* N* Co'``.
- The FTS table is contentless (no second copy of the text); ``docs`` holds the display fields
  and the original text for snippets, plus the segmented text (zlib) because deleting from a
  contentless FTS5 table needs the exact indexed values.
- Ranking is FTS5's BM25 with the title column weighted up.
- ``rebuild`` writes a new file beside the old one and ``os.replace``s it; every call checks
  the file's identity and reconnects, so searches in this and other processes follow the swap.
- Opened with ``create=False`` (read-only commands), it never creates the file or its folder:
  a missing index raises :class:`IndexMissing` naming the path.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path

from search.backends.base import (
    Aggregations,
    Hit,
    IndexDoc,
    IndexMissing,
    IndexOutcome,
    ProgressCallback,
    SearchResult,
)
from search.core.query import ParsedQuery, Phrase, SearchQuery
from search.core.snippets import make_snippet

SCHEMA_VERSION = "2"
TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
_TOKENIZER = "unicode61 remove_diacritics 0 categories 'L* M* N* Co'"

_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
-- Small columns first: SQLite reads a row's columns in order, so a filter on published_date
-- must not walk the overflow pages of a long body stored before it.
CREATE TABLE IF NOT EXISTS docs (
    article_id INTEGER PRIMARY KEY,
    published_date TEXT,
    month TEXT,
    category TEXT,
    lang TEXT,
    content_hash TEXT,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    segmented BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS docs_published ON docs (published_date, article_id);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(
    title, body, content='', tokenize="{_TOKENIZER}"
);
"""


def _pack(doc: IndexDoc) -> bytes:
    return zlib.compress(f"{doc.title_segmented}\n{doc.body_segmented}".encode(), 6)


def _unpack(blob: bytes) -> tuple[str, str]:
    title, _, body = zlib.decompress(blob).decode().partition("\n")
    return title, body


def _fts_phrase(tokens: Phrase) -> str:
    # Tokens hold only letters, marks and digits (search.core.segment), so quoting cannot break out;
    # doubling quotes anyway keeps this safe if that guarantee ever loosens.
    return '"' + " ".join(tokens).replace('"', '""') + '"'


def _fts_any(phrases: Iterable[Phrase]) -> str:
    return "(" + " OR ".join(_fts_phrase(p) for p in phrases) + ")"


def match_expression(parsed: ParsedQuery) -> str | None:
    """FTS5 MATCH text for the positive clauses, or None when the query matches everything."""
    if not parsed.clauses:
        return None
    return " AND ".join(_fts_any(c.alternatives) for c in parsed.clauses)


def exclusion_expression(parsed: ParsedQuery) -> str | None:
    return _fts_any(parsed.excluded) if parsed.excluded else None


class EmbeddedBackend:
    """SQLite FTS5 search backend (see module docstring)."""

    name = "embedded"

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        """``create=False``: never create the file (read-only commands); see :meth:`exists`."""
        self.path = Path(path)
        self.create = create
        self._local = threading.local()  # one connection per thread (web server threads)

    @property
    def location(self) -> str:
        return str(self.path)

    def exists(self) -> bool:
        """Whether an index file is there to read."""
        return self.path.is_file()

    def _missing(self) -> IndexMissing:
        return IndexMissing(
            f"no search index at {self.path}: set THAIGOV_SEARCH_PATH or THAIGOV_DATA_DIR, "
            "or build it with `thaigov reindex --all`"
        )

    # --- connections ---------------------------------------------------------------------

    @staticmethod
    def _connect(path: Path, *, create: bool = True) -> sqlite3.Connection:
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
            target, uri = str(path), False
        else:  # mode=rw: an error, not a new empty file, if the index vanished meanwhile
            target, uri = f"{path.resolve().as_uri()}?mode=rw", True
        conn = sqlite3.connect(
            target, timeout=30, isolation_level=None, check_same_thread=False, uri=uri
        )
        # Rollback journal, not WAL: a WAL file left beside the path would be replayed into the
        # file that rebuild() swaps in.
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA cache_size=-65536")
        return conn

    def _conn(self) -> sqlite3.Connection:
        """This thread's connection, reopened when the file was swapped by a rebuild."""
        try:
            identity = os.stat(self.path).st_ino
        except FileNotFoundError:
            identity = None
        conn = getattr(self._local, "conn", None)
        if conn is not None and self._local.identity == identity and identity is not None:
            return conn
        if conn is not None:
            conn.close()
        if not self.create:
            if identity is None:
                raise self._missing()
            conn = self._connect(self.path, create=False)
        else:
            conn = self._connect(self.path)
            conn.executescript(_SCHEMA)
        self._local.conn = conn
        self._local.identity = os.stat(self.path).st_ino
        return conn

    @contextmanager
    def _transaction(self, conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # --- writing ---------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        conn = self._conn()
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
            (SCHEMA_VERSION,),
        )

    @staticmethod
    def _write(conn: sqlite3.Connection, docs: Iterable[IndexDoc]) -> list[int]:
        written: list[int] = []
        for doc in docs:
            packed = _pack(doc)
            old = conn.execute(
                "SELECT segmented FROM docs WHERE article_id = ?", (doc.article_id,)
            ).fetchone()
            if old is not None and old[0] != packed:
                conn.execute(
                    "INSERT INTO fts (fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                    (doc.article_id, *_unpack(old[0])),
                )
            if old is None or old[0] != packed:
                conn.execute(
                    "INSERT INTO fts (rowid, title, body) VALUES (?, ?, ?)",
                    (doc.article_id, doc.title_segmented, doc.body_segmented),
                )
            conn.execute(
                "INSERT OR REPLACE INTO docs (article_id, title, body, url, published_date, month,"
                " category, lang, content_hash, segmented) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (
                    doc.article_id,
                    doc.title,
                    doc.body,
                    doc.url,
                    doc.published_date,
                    doc.month,
                    doc.category,
                    doc.lang,
                    doc.content_hash,
                    packed,
                ),
            )
            written.append(doc.article_id)
        return written

    def index_batch(self, docs: Iterable[IndexDoc]) -> IndexOutcome:
        """All or nothing per batch: a database error fails every document of the batch."""
        batch = list(docs)
        if not batch:
            return IndexOutcome()
        try:
            conn = self._conn()
            with self._transaction(conn):
                ok = self._write(conn, batch)
        except sqlite3.Error as exc:
            return IndexOutcome(failed={d.article_id: f"sqlite: {exc}" for d in batch})
        return IndexOutcome(ok=ok)

    def delete(self, ids: Iterable[int]) -> int:
        conn = self._conn()
        removed = 0
        with self._transaction(conn):
            for article_id in ids:
                row = conn.execute(
                    "SELECT segmented FROM docs WHERE article_id = ?", (article_id,)
                ).fetchone()
                if row is None:
                    continue
                conn.execute(
                    "INSERT INTO fts (fts, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                    (article_id, *_unpack(row[0])),
                )
                conn.execute("DELETE FROM docs WHERE article_id = ?", (article_id,))
                removed += 1
        return removed

    def rebuild(
        self,
        docs: Iterable[IndexDoc],
        progress: ProgressCallback | None = None,
        *,
        batch: int = 500,
    ) -> IndexOutcome:
        """Index ``docs`` into a new file, optimise it, then atomically replace the old one."""
        tmp = self.path.with_name(f"{self.path.name}.rebuild-{os.getpid()}")
        tmp.unlink(missing_ok=True)
        ok: list[int] = []
        try:
            with closing(self._connect(tmp)) as conn:
                conn.executescript(_SCHEMA)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
                )
                pending: list[IndexDoc] = []
                for doc in docs:
                    pending.append(doc)
                    if len(pending) >= batch:
                        ok += self._commit_new(conn, pending)
                        pending = []
                        if progress:
                            progress(len(ok), None)
                ok += self._commit_new(conn, pending)
                conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
                if progress:
                    progress(len(ok), len(ok))
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        return IndexOutcome(ok=ok)

    def _commit_new(self, conn: sqlite3.Connection, docs: list[IndexDoc]) -> list[int]:
        with self._transaction(conn):
            return self._write(conn, docs)

    # --- reading ---------------------------------------------------------------------------

    @staticmethod
    def _where(q: SearchQuery, *, need_docs: bool) -> tuple[str, str, str, list[object]]:
        """FROM, WHERE, the article-id column and parameters for the query's text and filters.

        Without filters or date sorting, a text query reads only the FTS index (no join).
        """
        match = match_expression(q.parsed)
        exclude = exclusion_expression(q.parsed)
        filtered = bool(q.date_from or q.date_to or q.categories or q.lang)
        params: list[object] = []
        conditions: list[str] = []
        if match and not (need_docs or filtered):
            source, id_col = "fts", "fts.rowid"
        elif match:
            source, id_col = "fts JOIN docs d ON d.article_id = fts.rowid", "d.article_id"
        else:
            source, id_col = "docs d", "d.article_id"
        if match:
            conditions.append("fts MATCH ?")
            params.append(match)
        if exclude:
            conditions.append(f"{id_col} NOT IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params.append(exclude)
        if q.date_from:
            conditions.append("d.published_date >= ?")
            params.append(q.date_from.isoformat())
        if q.date_to:
            conditions.append("d.published_date <= ?")
            params.append(q.date_to.isoformat())
        if q.categories:
            conditions.append(f"d.category IN ({','.join('?' * len(q.categories))})")
            params.extend(q.categories)
        if q.lang:
            conditions.append("d.lang = ?")
            params.append(q.lang)
        where = " WHERE " + " AND ".join(conditions) if conditions else ""
        return source, where, id_col, params

    def _page(self, conn: sqlite3.Connection, q: SearchQuery) -> list[tuple[int, float]]:
        """(article_id, score) of the requested page, in order; display fields come after."""
        ranked = q.sort == "relevance" and bool(q.parsed.clauses)
        source, where, id_col, params = self._where(q, need_docs=not ranked)
        if not ranked:
            direction = "ASC" if q.sort == "oldest" else "DESC"
            sql = (
                f"SELECT {id_col}, 0.0 FROM {source}{where} ORDER BY d.published_date IS NULL,"
                f" d.published_date {direction}, {id_col} {direction} LIMIT ? OFFSET ?"
            )
            return conn.execute(sql, [*params, q.limit, q.offset]).fetchall()
        score = f"-bm25(fts, {TITLE_WEIGHT}, {BODY_WEIGHT})"
        boost, boost_params = "0", []
        if q.parsed.sequence:  # see ParsedQuery.sequence: adjacent typed words rank first
            boost = f"{id_col} IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
            boost_params = [_fts_phrase(q.parsed.sequence)]
        sql = (
            f"SELECT {id_col}, {score} AS score, {boost} AS boost FROM {source}{where}"
            f" ORDER BY boost DESC, score DESC, {id_col} DESC LIMIT ? OFFSET ?"
        )
        rows = conn.execute(sql, [*boost_params, *params, q.limit, q.offset]).fetchall()
        return [(r[0], r[1]) for r in rows]

    def search(self, q: SearchQuery) -> SearchResult:
        conn = self._conn()
        total = self.count(q)
        page = self._page(conn, q) if total > q.offset else []
        ids = [article_id for article_id, _ in page]
        rows = {
            r[0]: r
            for r in conn.execute(
                "SELECT article_id, title, published_date, category, lang, url, body FROM docs"
                f" WHERE article_id IN ({','.join('?' * len(ids))})",
                ids,
            )
        }
        words = q.parsed.highlight_tokens
        hits = [
            Hit(
                article_id=article_id,
                title=rows[article_id][1],
                published_date=rows[article_id][2],
                category=rows[article_id][3],
                lang=rows[article_id][4],
                url=rows[article_id][5],
                score=float(score),
                snippet=make_snippet(rows[article_id][6], words),
            )
            for article_id, score in page
            if article_id in rows
        ]
        return SearchResult(total=total, hits=hits)

    def count(self, q: SearchQuery | None = None) -> int:
        conn = self._conn()
        if q is None:
            return conn.execute("SELECT count(*) FROM docs").fetchone()[0]
        source, where, _, params = self._where(q, need_docs=False)
        return conn.execute(f"SELECT count(*) FROM {source}{where}", params).fetchone()[0]

    def aggregate(self, q: SearchQuery) -> Aggregations:
        conn = self._conn()
        source, where, _, params = self._where(q, need_docs=True)
        joiner = " AND" if where else " WHERE"
        months = conn.execute(
            f"SELECT d.month, count(*) FROM {source}{where}{joiner} d.month IS NOT NULL"
            " GROUP BY d.month ORDER BY d.month",
            params,
        ).fetchall()
        categories = conn.execute(
            f"SELECT d.category, count(*) AS n FROM {source}{where}{joiner} d.category IS NOT NULL"
            " GROUP BY d.category ORDER BY n DESC, d.category",
            params,
        ).fetchall()
        return Aggregations(
            per_month=[(m, n) for m, n in months], per_category=[(c, n) for c, n in categories]
        )

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
