"""Embedded search backend: one SQLite file with an FTS5 index of pre-segmented text.

Why this shape:
- FTS5 cannot segment Thai, so documents arrive segmented (``IndexDoc.*_segmented``, tokens of
  letters/marks/digits joined by spaces) and the ``unicode61`` tokenizer only splits on those
  spaces. Its default categories would treat Thai vowel marks (Mn) as separators and cut words
  apart, hence ``categories 'L* M* N* Co'``.
- The FTS table is contentless (no second copy of the text); ``docs`` holds the display fields
  and the original text for snippets, plus the segmented text (zlib) because deleting from a
  contentless FTS5 table needs the exact indexed values.
- Compound parts (``IndexDoc.*_parts``) go to two more columns, ``title_parts`` and
  ``body_parts``: FTS5 cannot put a token at its compound's position from Python (that takes a
  C tokenizer), so a word matches either the whole-token columns or the parts columns, and a
  phrase must lie within one column. Runs of abutting parts (``part_chains``) are separated by
  ``PART_GAP``, a token no query can contain, so phrases never join parts that are not
  neighbours in the text, nor run across two compounds.
- Column filters are written only where they change what matches (``_column_filter``): they
  make FTS5 decode the position list of every row it visits.
- Ranking is FTS5's BM25 with the title column weighted up, over the query words in fewer than
  half the documents (``rank_expression``); documents where every term matches a whole token
  (not only a part) rank first.
- ``temp.fts_vocab`` (fts5vocab, created per connection) exposes the index's own vocabulary
  for "did you mean".
- ``rebuild`` writes a new file beside the old one and ``os.replace``s it; every call checks
  the file's identity and reconnects, so searches in this and other processes follow the swap.
- Opened with ``create=False`` (read-only commands), it never creates the file or its folder:
  a missing index raises :class:`IndexMissing` naming the path.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from search.backends import word_stats
from search.backends.base import (
    Aggregations,
    Hit,
    IndexDoc,
    IndexMissing,
    IndexOutcome,
    ProgressCallback,
    SearchResult,
    StoredDoc,
)
from search.backends.sqlite_transaction import write_transaction
from search.core.query import AnyOf, Node, ParsedQuery, Phrase, SearchQuery, Term
from search.core.segment import PART_GAP, may_be_part
from search.core.snippets import make_snippet
from search.core.suggest import near_terms

logger = logging.getLogger(__name__)

#: "4": ``word_part`` beside the word counts (compound occurrences, see word_stats). A version-3
#: index is still read (it lacks only that table: the workbench then reads the articles) and
#: is migrated in place by the first writer (``ensure_schema``: any crawl, import or reindex).
SCHEMA_VERSION = "4"
_MIGRATABLE_VERSIONS = frozenset({"3"})
TITLE_WEIGHT = 4.0
BODY_WEIGHT = 1.0
TITLE_PARTS_WEIGHT = 2.0
BODY_PARTS_WEIGHT = 0.5
#: Vocabulary terms in fewer documents are not offered as suggestions (typos of the index).
SUGGEST_MIN_DOCS = 3
#: Document counts of query words kept per connection (until the index changes).
_FREQUENCY_CACHE = 50_000
#: Ids per ``IN (...)`` (SQLite's default limit on bound parameters is 32,766).
_ID_CHUNK = 900
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
    title, body, title_parts, body_parts, content='', tokenize="{_TOKENIZER}"
);
{word_stats.SCHEMA}"""
#: The index's vocabulary for "did you mean", per connection in the temp schema: nothing is
#: written to the file, so it also works on read-only connections and older index files.
_VOCABULARY = "CREATE VIRTUAL TABLE IF NOT EXISTS temp.fts_vocab USING fts5vocab(main, fts, 'row')"


class SchemaMismatch(RuntimeError):
    """The index file was built by another version of this backend: rebuild it."""


_FTS_INSERT = "INSERT INTO fts (rowid, title, body, title_parts, body_parts) VALUES (?,?,?,?,?)"
_FTS_DELETE = (
    "INSERT INTO fts (fts, rowid, title, body, title_parts, body_parts)"
    " VALUES ('delete', ?, ?, ?, ?, ?)"
)


def _columns(doc: IndexDoc) -> tuple[str, str, str, str]:
    return (doc.title_segmented, doc.body_segmented, doc.title_parts, doc.body_parts)


def _pack(doc: IndexDoc) -> bytes:
    return zlib.compress("\n".join(_columns(doc)).encode(), 6)


def _unpack(blob: bytes) -> tuple[str, str, str, str]:
    title, body, title_parts, body_parts = zlib.decompress(blob).decode().split("\n")
    return title, body, title_parts, body_parts


def _fts_phrase(tokens: Phrase) -> str:
    # Tokens hold only letters, marks and digits (search.core.segment), so quoting cannot break out;
    # doubling quotes anyway keeps this safe if that guarantee ever loosens.
    return '"' + " ".join(tokens).replace('"', '""') + '"'


#: Column filters per ``Term.field``: whole tokens only, or whole tokens and parts.
_WHOLE = {"all": "{title body}", "title": "{title}"}
_WITH_PARTS = {"all": "{title body title_parts body_parts}", "title": "{title title_parts}"}


def _column_filter(term: Term, parts: bool) -> str:
    """The column filter for ``term``, or "" when it would not change what matches.

    A column filter makes FTS5 decode the position list of every row it visits (a query of
    common words got 5x slower with one), so it is left out where it is a no-op: every column
    (a word anywhere, parts included), or whole tokens only for a term that cannot lie in a
    parts column because one of its tokens is never a compound part (``may_be_part``: ที่,
    การ, covid19; a phrase or NEAR group stays within one column).
    """
    if term.field == "all" and (parts or not all(map(may_be_part, term.tokens))):
        return ""
    return (_WITH_PARTS if parts else _WHOLE)[term.field] + " : "


def _fts_term(term: Term, parts: bool) -> str:
    columns = _column_filter(term, parts)
    if term.slop is not None and len(term.tokens) > 1:
        # NEAR: every token within ``slop`` other tokens, in any order (Elasticsearch: an
        # unordered span_near with the same slop).
        near = " ".join(_fts_phrase((t,)) for t in term.tokens)
        return f"({columns}NEAR({near}, {int(term.slop)}))"
    return f"({columns}{_fts_phrase(term.tokens)})"


def compile_node(node: Node, *, parts: bool = True) -> str:
    """FTS5 MATCH text for one query node; built from tokens only, every group parenthesised."""
    if isinstance(node, Term):
        return _fts_term(node, parts)
    inner = [compile_node(item, parts=parts) for item in node.items]
    if isinstance(node, AnyOf):
        return "(" + " OR ".join(inner) + ")"
    text = " AND ".join(inner)
    if node.excluded:
        excluded = " OR ".join(compile_node(item) for item in node.excluded)
        text = f"({text}) NOT ({excluded})"
    return f"({text})"


def match_expression(parsed: ParsedQuery, *, parts: bool = True) -> str | None:
    """FTS5 MATCH text for the positive nodes, or None when the query matches everything.

    ``parts=False`` matches whole tokens only (the first relevance tier).
    """
    if not parsed.must:
        return None
    return " AND ".join(compile_node(n, parts=parts) for n in parsed.must)


def rank_expression(parsed: ParsedQuery, common: frozenset[str]) -> str | None:
    """The MATCH text bm25 ranks by: ``match_expression`` without the required single words in
    ``common`` (None when nothing is left out, or nothing else is left).

    FTS5's bm25 computes each query phrase's IDF by walking that phrase's whole doclist, and
    gives a phrase in at least half the rows an IDF of 1e-6: a word like ที่ or การ costs a walk
    over most of the index and moves no score by more than a few millionths. Ranking by the
    other words (with ``match_expression`` still deciding what matches) keeps the order and
    makes a pasted passage several times cheaper to rank.
    """
    kept = tuple(n for n in parsed.must if not _is_common(n, common))
    if not kept or len(kept) == len(parsed.must):
        return None
    return " AND ".join(compile_node(n) for n in kept)


def _is_common(node: Node, common: frozenset[str]) -> bool:
    return (
        isinstance(node, Term)
        and node.field == "all"
        and len(node.tokens) == 1
        and node.tokens[0] in common
    )


def exclusion_expression(parsed: ParsedQuery) -> str | None:
    if not parsed.must_not:
        return None
    return " OR ".join(compile_node(n) for n in parsed.must_not)


@dataclass(frozen=True, slots=True)
class IndexFileState:
    """What is at the index path, read without creating or changing anything."""

    path: Path
    status: Literal["missing", "empty", "corrupt", "ok"]
    documents: int = 0
    error: str | None = None


class IndexFileDamaged(sqlite3.DatabaseError):
    """The index file is missing, emptied or corrupt while the archive says it held articles.

    A ``sqlite3.DatabaseError``, so the CLI's storage-error handling reports it as an unreadable
    search index with the hint to rebuild it (``thaigov reindex --all``).
    """


def probe_index_file(path: str | os.PathLike[str]) -> IndexFileState:
    """Look at an index file read-only: missing, empty (no documents), corrupt, or ok.

    Opening the backend creates a missing file and its tables on the spot, which would turn a
    lost or damaged index into a silently empty one; callers probe first and report instead.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        return IndexFileState(path, "missing")
    # Any other OSError (a file where a folder should be, no permission) is the caller's to
    # report: the path is unusable, not the index lost.
    if size == 0:
        return IndexFileState(path, "empty")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
            if "docs" not in tables:
                return IndexFileState(path, "empty")
            documents = conn.execute("SELECT count(*) FROM docs").fetchone()[0]
            if documents:  # the full-text index answers too, not only the display table
                conn.execute("SELECT count(*) FROM fts WHERE fts MATCH 'a OR b'").fetchone()
    except sqlite3.DatabaseError as exc:
        return IndexFileState(path, "corrupt", error=str(exc))
    return IndexFileState(path, "ok" if documents else "empty", documents=documents)


class EmbeddedBackend:
    """SQLite FTS5 search backend (see module docstring)."""

    name = "embedded"

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        """``create=False``: never create the file (read-only commands); see :meth:`exists`."""
        self.path = Path(path)
        self.create = create
        self._local = threading.local()  # one connection per thread (web server threads)
        self._vocabulary_cache: tuple[int, list[str]] | None = None
        self._vocabulary_lock = threading.Lock()
        self._warned_unmigrated = False
        self._parts_recorded: tuple[int | None, set[str]] = (None, set())

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
        conn.execute(_VOCABULARY)
        found = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        if found is not None and found[0] not in {SCHEMA_VERSION, *_MIGRATABLE_VERSIONS}:
            conn.close()
            raise SchemaMismatch(
                f"search index {self.path} has schema version {found[0]}, this version needs"
                f" {SCHEMA_VERSION} (compound parts): rebuild it with `thaigov reindex --all`"
            )
        self._local.conn = conn
        self._local.identity = os.stat(self.path).st_ino
        return conn

    # --- writing ---------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        conn = self._conn()
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
            (SCHEMA_VERSION,),
        )
        if conn.execute("SELECT 1 FROM docs LIMIT 1").fetchone() is None:
            # Empty: the word counts start complete (see search.backends.word_stats).
            conn.executemany(
                "INSERT OR IGNORE INTO meta (key, value) VALUES (?, '1')",
                [(word_stats.META_KEY,), (word_stats.PARTS_META_KEY,)],
            )
        self._migrate(conn)

    def _migrate(self, conn: sqlite3.Connection) -> None:
        """Bring a version-3 index to this version in place: the compound table is filled from
        the counted vocabulary (no article is read again), then the version is raised, in one
        transaction (a writer of the old version then refuses the file instead of leaving the
        table behind its counts)."""
        version = "SELECT value FROM meta WHERE key = 'schema_version'"
        found = conn.execute(version).fetchone()
        if found is None or found[0] not in _MIGRATABLE_VERSIONS:
            return
        with write_transaction(conn):
            again = conn.execute(version).fetchone()  # another process may have done it
            if again is None or again[0] not in _MIGRATABLE_VERSIONS:
                return
            conn.execute(word_stats.PART_TABLE)
            added = word_stats.fill_word_parts(conn)
            conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'schema_version'", (SCHEMA_VERSION,)
            )
        logger.warning(
            "search index %s migrated from schema %s to %s (%d compound word rows added)",
            self.path,
            again[0],
            SCHEMA_VERSION,
            added,
        )

    @staticmethod
    def _write(
        conn: sqlite3.Connection, docs: Iterable[IndexDoc], recorded: set[str]
    ) -> tuple[list[int], set[str]]:
        """Write ``docs`` in the caller's transaction; returns their ids and the tokens whose
        compound rows were written (``recorded``: those the file already holds)."""
        written: list[int] = []
        delta = word_stats.Delta()
        for doc in docs:
            packed = _pack(doc)
            old = conn.execute(
                "SELECT segmented, month FROM docs WHERE article_id = ?", (doc.article_id,)
            ).fetchone()
            if old is not None:
                delta.add(old[1] or "", _unpack(old[0])[:2], -1)
            delta.add(doc.month or "", (doc.title_segmented, doc.body_segmented))
            if old is not None and old[0] != packed:
                conn.execute(
                    _FTS_DELETE,
                    (doc.article_id, *_unpack(old[0])),
                )
            if old is None or old[0] != packed:
                conn.execute(
                    _FTS_INSERT,
                    (doc.article_id, *_columns(doc)),
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
        return written, delta.apply(conn, recorded)

    def _recorded(self) -> set[str]:
        """Tokens whose ``word_part`` rows this backend has committed to the current file
        (rows are never removed, so they stay there; a rebuilt file starts a new set)."""
        identity = self._local.identity
        if self._parts_recorded[0] != identity:
            self._parts_recorded = (identity, set())
        return self._parts_recorded[1]

    def index_batch(self, docs: Iterable[IndexDoc]) -> IndexOutcome:
        """All or nothing per batch: a database error fails every document of the batch."""
        batch = list(docs)
        if not batch:
            return IndexOutcome()
        try:
            conn = self._conn()
            recorded = self._recorded()
            with write_transaction(conn):
                ok, new = self._write(conn, batch, recorded)
        except sqlite3.Error as exc:
            return IndexOutcome(failed={d.article_id: f"sqlite: {exc}" for d in batch})
        recorded |= new  # committed
        return IndexOutcome(ok=ok)

    def delete(self, ids: Iterable[int]) -> int:
        conn = self._conn()
        removed = 0
        with write_transaction(conn):
            delta = word_stats.Delta()
            for article_id in ids:
                row = conn.execute(
                    "SELECT segmented, month FROM docs WHERE article_id = ?", (article_id,)
                ).fetchone()
                if row is None:
                    continue
                delta.add(row[1] or "", _unpack(row[0])[:2], -1)
                conn.execute(
                    _FTS_DELETE,
                    (article_id, *_unpack(row[0])),
                )
                conn.execute("DELETE FROM docs WHERE article_id = ?", (article_id,))
                removed += 1
            delta.apply(conn)
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
                conn.executemany(
                    "INSERT INTO meta (key, value) VALUES (?, '1')",
                    [(word_stats.META_KEY,), (word_stats.PARTS_META_KEY,)],
                )
                pending: list[IndexDoc] = []
                recorded: set[str] = set()
                for doc in docs:
                    pending.append(doc)
                    if len(pending) >= batch:
                        ok += self._commit_new(conn, pending, recorded)
                        pending = []
                        if progress:
                            progress(len(ok), None)
                ok += self._commit_new(conn, pending, recorded)
                conn.execute("INSERT INTO fts (fts) VALUES ('optimize')")
                if progress:
                    progress(len(ok), len(ok))
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        return IndexOutcome(ok=ok)

    def _commit_new(
        self, conn: sqlite3.Connection, docs: list[IndexDoc], recorded: set[str]
    ) -> list[int]:
        with write_transaction(conn):
            ok, new = self._write(conn, docs, recorded)
        recorded |= new
        return ok

    # --- reading ---------------------------------------------------------------------------

    @staticmethod
    def _where(
        q: SearchQuery, *, need_docs: bool, rank: str | None = None
    ) -> tuple[str, str, str, list[object]]:
        """FROM, WHERE, the article-id column and parameters for the query's text and filters.

        Without filters or date sorting, a text query reads only the FTS index (no join).
        With ``rank`` (see ``rank_expression``), the FTS cursor matches that and the query's
        own expression filters its rows (bm25 then scores by ``rank``'s phrases).
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
        if match and rank:
            # The unary + keeps SQLite from driving the FTS cursor by these rowids (one MATCH
            # per candidate row, hundreds of times slower).
            conditions.append("fts MATCH ?")
            conditions.append(f"+{id_col} IN (SELECT rowid FROM fts WHERE fts MATCH ?)")
            params += [rank, match]
        elif match:
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
        rank = rank_expression(q.parsed, self._common_words(conn, q.parsed)) if ranked else None
        source, where, id_col, params = self._where(q, need_docs=not ranked, rank=rank)
        if not ranked:
            direction = "ASC" if q.sort == "oldest" else "DESC"
            sql = (
                f"SELECT {id_col}, 0.0 FROM {source}{where} ORDER BY d.published_date IS NULL,"
                f" d.published_date {direction}, {id_col} {direction} LIMIT ? OFFSET ?"
            )
            return conn.execute(sql, [*params, q.limit, q.offset]).fetchall()
        score = (
            f"-bm25(fts, {TITLE_WEIGHT}, {BODY_WEIGHT}, {TITLE_PARTS_WEIGHT}, {BODY_PARTS_WEIGHT})"
        )
        boost, boost_params = "0", []
        if q.parsed.sequence:  # see ParsedQuery.sequence: adjacent typed words rank first
            boost = f"{id_col} IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
            boost_params = [_fts_term(Term(q.parsed.sequence), parts=False)]
        # Then documents where the query matches whole words, before those it matches through
        # compound parts only (all of them when no query word can be a part).
        whole, whole_params = "1", []
        whole_expression = match_expression(q.parsed, parts=False)
        if whole_expression != match_expression(q.parsed):
            whole = f"{id_col} IN (SELECT rowid FROM fts WHERE fts MATCH ?)"
            whole_params = [whole_expression]
        sql = (
            f"SELECT {id_col}, {score} AS score, {boost} AS boost, {whole} AS whole"
            f" FROM {source}{where}"
            f" ORDER BY boost DESC, whole DESC, score DESC, {id_col} DESC LIMIT ? OFFSET ?"
        )
        rows = conn.execute(
            sql, [*boost_params, *whole_params, *params, q.limit, q.offset]
        ).fetchall()
        return [(r[0], r[1]) for r in rows]

    def _common_words(self, conn: sqlite3.Connection, parsed: ParsedQuery) -> frozenset[str]:
        """The query's required single words that occur in at least half the documents (see
        ``rank_expression``), with document counts cached until the index changes."""
        words = [
            n.tokens[0]
            for n in parsed.must
            if isinstance(n, Term) and n.field == "all" and len(n.tokens) == 1
        ]
        if not words:
            return frozenset()
        version = (
            self._local.identity,
            conn.execute("PRAGMA data_version").fetchone()[0],
            conn.total_changes,
        )
        cached: tuple[object, int, dict[str, int]] | None
        cached = getattr(self._local, "frequencies", None)
        if cached is None or cached[0] != version or len(cached[2]) > _FREQUENCY_CACHE:
            documents: int = conn.execute("SELECT count(*) FROM docs").fetchone()[0]
            cached = (version, documents, {})
            self._local.frequencies = cached
        _, documents, frequencies = cached
        missing = [w for w in words if w not in frequencies]
        if missing:
            frequencies.update(self.document_frequencies(missing))
        return frozenset(w for w in words if 2 * frequencies[w] >= documents)

    def search(self, q: SearchQuery) -> SearchResult:
        conn = self._conn()
        page = self._page(conn, q)
        if len(page) < q.limit and (page or not q.offset):
            total = q.offset + len(page)  # a short page is the last one: no count needed
        else:
            total = self.count(q)
        ids = [article_id for article_id, _ in page]
        rows = {
            r[0]: r
            for r in conn.execute(
                "SELECT article_id, title, published_date, category, lang, url,"
                f" {'body' if q.snippets else 'NULL'} FROM docs"
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
                snippet=make_snippet(rows[article_id][6], words) if q.snippets else "",
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

    def matching_ids(self, q: SearchQuery, *, parts: bool = True) -> set[int]:
        """Every document ``q`` matches (ignores limit/offset): ``count``'s set, for evaluations.

        ``parts=False``: whole tokens only, the matching before compound parts (a baseline).
        """
        if not parts:
            expression = match_expression(q.parsed, parts=False)
            rows = self._conn().execute("SELECT rowid FROM fts WHERE fts MATCH ?", (expression,))
            return {r[0] for r in rows}
        source, where, id_col, params = self._where(q, need_docs=False)
        return {r[0] for r in self._conn().execute(f"SELECT {id_col} FROM {source}{where}", params)}

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

    def _vocabulary(self) -> list[str]:
        """Index terms in at least SUGGEST_MIN_DOCS documents, loaded once per index file.

        Shared by this backend's threads (the web server's): reading it scans the whole
        vocabulary, which should happen once, not once per thread.
        """
        conn = self._conn()
        identity = self._local.identity
        with self._vocabulary_lock:
            if self._vocabulary_cache is not None and self._vocabulary_cache[0] == identity:
                return self._vocabulary_cache[1]
            terms = [
                term
                for (term,) in conn.execute(
                    "SELECT term FROM fts_vocab WHERE doc >= ?", (SUGGEST_MIN_DOCS,)
                )
                if not term.startswith(PART_GAP)
            ]
            self._vocabulary_cache = (identity, terms)
            return terms

    def document_frequency(self, term: str) -> int:
        """Documents holding ``term`` as a word or a compound part."""
        return self.document_frequencies([term])[term]

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(terms))
        out = dict.fromkeys(wanted, 0)
        conn = self._conn()
        for i in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[i : i + _ID_CHUNK]
            marks = ",".join("?" * len(chunk))
            for term, doc in conn.execute(
                f"SELECT term, doc FROM fts_vocab WHERE term IN ({marks})", chunk
            ):
                out[term] = int(doc)
        return out

    def suggestion_candidates(self, word: str) -> list[tuple[str, int]]:
        """Index terms close to ``word`` by edit distance, with their document counts."""
        near = near_terms(word, self._vocabulary())
        counts = self.document_frequencies(near)
        return [(term, counts[term]) for term in near]

    def matches(self, q: SearchQuery) -> list[tuple[int, str | None]]:
        conn = self._conn()
        source, where, id_col, params = self._where(q, need_docs=True)
        sql = f"SELECT {id_col}, d.published_date FROM {source}{where}"
        return [(int(i), d) for i, d in conn.execute(sql, params)]

    def stored(self, ids: Sequence[int], *, text: bool = False) -> Iterator[StoredDoc]:
        conn = self._conn()
        columns = "article_id, published_date, segmented" + (", title, body" if text else "")
        for i in range(0, len(ids), _ID_CHUNK):
            chunk = list(ids[i : i + _ID_CHUNK])
            rows = conn.execute(
                f"SELECT {columns} FROM docs WHERE article_id IN ({','.join('?' * len(chunk))})",
                chunk,
            ).fetchall()
            for row in rows:
                title_seg, body_seg = _unpack(row[2])[:2]
                yield StoredDoc(
                    row[0], row[1], title_seg, body_seg, *(row[3:5] if text else ("", ""))
                )

    def word_counts(self) -> word_stats.SqliteWordStats | None:
        """Word counts per month, when this index has kept them since it was empty (with the
        compound table when it is complete: not before a version-3 index is migrated)."""
        conn = self._conn()
        keys = {
            k
            for (k,) in conn.execute(
                "SELECT key FROM meta WHERE key IN (?, ?)",
                (word_stats.META_KEY, word_stats.PARTS_META_KEY),
            )
        }
        if word_stats.META_KEY not in keys:
            return None
        parts = word_stats.PARTS_META_KEY in keys
        if not parts:
            self._warn_unmigrated()
        return word_stats.SqliteWordStats(conn, parts=parts)

    def _warn_unmigrated(self) -> None:
        if not self._warned_unmigrated:
            self._warned_unmigrated = True
            logger.warning(
                "search index %s predates the compound word counts (schema 3): the workbench"
                " counts occurrences from the stored articles (slower) until `thaigov reindex`"
                " migrates it",
                self.path,
            )

    def indexed_hashes(self) -> dict[int, str | None]:
        """article_id -> content_hash of every indexed document (``reindex --check``)."""
        return dict(self._conn().execute("SELECT article_id, content_hash FROM docs"))

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
