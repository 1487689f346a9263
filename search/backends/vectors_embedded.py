"""Vector store of the embedded backend: an SQLite file beside the search index, searched
exactly in numpy.

Why not an approximate index or sqlite-vec: at this archive's size (tens of thousands of
articles, a few passages each) an exact matrix-vector product over vectors held in memory takes
tens of milliseconds, filters are a boolean mask, results are exact (so the Elasticsearch
store's approximate kNN can be checked against them), and no SQLite extension has to be loaded
(some Python builds disable extension loading). The matrix is loaded on first search and
reloaded when the file changes (its identity, size and modification time).
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np
from numpy.typing import NDArray

from search.backends.base import IndexOutcome
from search.backends.sqlite_transaction import write_transaction
from search.backends.vectors import EmbeddedArticle, EncoderMismatch, VectorHit
from search.core.encoders import Vectors

if TYPE_CHECKING:
    from search.core.query import SearchQuery

logger = logging.getLogger(__name__)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    article_id INTEGER PRIMARY KEY,
    content_hash TEXT,
    published_date TEXT,
    category TEXT,
    lang TEXT,
    url TEXT NOT NULL,
    title TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS passages (
    article_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    text TEXT NOT NULL,
    vector BLOB NOT NULL,
    PRIMARY KEY (article_id, n)
);
-- exports compare each article with the same day's (near-duplicates)
CREATE INDEX IF NOT EXISTS articles_by_date ON articles (published_date);
"""


def vectors_path(search_path: Path) -> Path:
    """``data/search.sqlite3`` -> ``data/search.vectors.sqlite3``."""
    return search_path.with_name(f"{search_path.stem}.vectors{search_path.suffix or '.sqlite3'}")


@dataclass
class _Matrix:
    """Every passage vector in memory, grouped by article (ascending id)."""

    key: tuple[int, int, int]
    vectors: NDArray[np.float32]  # (P, dim)
    starts: NDArray[np.intp]  # first passage row of each article
    ids: NDArray[np.int64]  # (A,)
    dates: NDArray[np.str_]  # "" when undated
    categories: NDArray[np.object_]
    langs: NDArray[np.object_]


class EmbeddedVectorStore:
    name = "embedded"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._matrix: _Matrix | None = None
        self._lock = threading.Lock()
        # encoder() and count() per file state: every semantic search asks both.
        self._facts: tuple[tuple[int, int, int], str | None, int] | None = None

    # --- connection ------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        try:
            identity = os.stat(self.path).st_ino
        except FileNotFoundError:
            identity = None
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is not None and identity is not None and self._local.identity == identity:
            return conn
        if conn is not None:
            conn.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.executescript(_SCHEMA)
        self._local.conn = conn
        self._local.identity = os.stat(self.path).st_ino
        return conn

    # --- schema ----------------------------------------------------------------------------

    def encoder(self) -> str | None:
        return self._current_facts()[0]

    def _current_facts(self) -> tuple[str | None, int]:
        """(encoder, article count), read again only when the file has changed."""
        if not self.path.exists():
            return None, 0
        conn = self._conn()
        key = self._key()
        facts = self._facts
        if facts is not None and facts[0] == key:
            return facts[1], facts[2]
        row = conn.execute("SELECT value FROM meta WHERE key = 'encoder'").fetchone()
        count = int(conn.execute("SELECT count(*) FROM articles").fetchone()[0])
        self._facts = (key, row[0] if row else None, count)
        return self._facts[1], count

    def ensure_schema(self, encoder: str, dim: int) -> None:
        current = self.encoder()
        if current is not None and current != encoder:
            raise EncoderMismatch(
                f"{self.path} holds vectors of encoder {current!r}, not {encoder!r}: "
                "run thaigov reindex --re-embed to replace them"
            )
        with write_transaction(self._conn()) as conn:
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('encoder', ?)", (encoder,))
            conn.execute("INSERT OR REPLACE INTO meta VALUES ('dim', ?)", (str(dim),))
        self._facts = None

    # --- writing ---------------------------------------------------------------------------

    def upsert(self, items: Iterable[EmbeddedArticle]) -> IndexOutcome:
        batch = list(items)
        if not batch:
            return IndexOutcome()
        try:
            with write_transaction(self._conn()) as conn:
                for a in batch:
                    conn.execute("DELETE FROM passages WHERE article_id = ?", (a.article_id,))
                    conn.execute(
                        "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?)",
                        (
                            a.article_id,
                            a.content_hash,
                            a.published_date,
                            a.category,
                            a.lang,
                            a.url,
                            a.title,
                        ),
                    )
                    conn.executemany(
                        "INSERT INTO passages VALUES (?,?,?,?)",
                        [
                            (a.article_id, n, text, np.asarray(vec, dtype=np.float32).tobytes())
                            for n, (text, vec) in enumerate(zip(a.passages, a.vectors, strict=True))
                        ],
                    )
        except sqlite3.Error as exc:
            return IndexOutcome(failed={a.article_id: f"sqlite: {exc}" for a in batch})
        self._matrix = None
        self._facts = None
        return IndexOutcome(ok=[a.article_id for a in batch])

    def delete(self, ids: Iterable[int]) -> int:
        wanted = [(int(i),) for i in ids]
        if not wanted:
            return 0
        with write_transaction(self._conn()) as conn:
            before = conn.total_changes
            conn.executemany("DELETE FROM articles WHERE article_id = ?", wanted)
            removed = conn.total_changes - before
            conn.executemany("DELETE FROM passages WHERE article_id = ?", wanted)
        self._matrix = None
        self._facts = None
        return removed

    def clear(self) -> None:
        with write_transaction(self._conn()) as conn:
            conn.execute("DELETE FROM passages")
            conn.execute("DELETE FROM articles")
            conn.execute("DELETE FROM meta")
        self._matrix = None
        self._facts = None

    # --- reading ---------------------------------------------------------------------------

    def hashes(self) -> dict[int, str | None]:
        if not self.path.exists():
            return {}
        return dict(self._conn().execute("SELECT article_id, content_hash FROM articles"))

    def count(self) -> int:
        return self._current_facts()[1]

    def _key(self) -> tuple[int, int, int]:
        """Changes with every commit, from any process (rollback journal: the file is written)."""
        st = os.stat(self.path)
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    def _loaded(self) -> _Matrix | None:
        conn = self._conn()
        with self._lock:
            m = self._matrix
            if m is not None and m.key == self._key():
                return m
            # One read transaction: no writer can commit while it holds its shared lock, so
            # the file's key and everything read here describe the same state.
            conn.execute("BEGIN")
            try:
                dim_row = conn.execute("SELECT value FROM meta WHERE key = 'dim'").fetchone()
                if dim_row is None:
                    return None
                key = self._key()
                dim = int(dim_row[0])
                vectors = self._mapped_vectors(key, dim)
                if vectors is None:
                    rows = conn.execute(
                        "SELECT vector FROM passages ORDER BY article_id, n"
                    ).fetchall()
                    flat = np.frombuffer(b"".join(r[0] for r in rows), dtype=np.float32)
                    vectors = flat.reshape(len(rows), dim) if rows else np.zeros((0, dim), "f4")
                    self._save_vectors(key, vectors)
                passage_ids = np.fromiter(
                    (r[0] for r in conn.execute("SELECT article_id FROM passages ORDER BY 1, n")),
                    dtype=np.int64,
                )
                meta = conn.execute(
                    "SELECT article_id, published_date, category, lang FROM articles"
                    " ORDER BY article_id"
                ).fetchall()
            finally:
                conn.execute("COMMIT")
            ids = np.fromiter((r[0] for r in meta), dtype=np.int64, count=len(meta))
            # Every article has at least one passage (the embedding service guarantees it).
            starts = np.searchsorted(passage_ids, ids).astype(np.intp)
            self._matrix = _Matrix(
                key=key,
                vectors=vectors,
                starts=starts,
                ids=ids,
                dates=np.array([r[1] or "" for r in meta], dtype=np.str_),
                categories=np.array([r[2] for r in meta], dtype=object),
                langs=np.array([r[3] for r in meta], dtype=object),
            )
            return self._matrix

    # --- the matrix file -------------------------------------------------------------------
    # Reading 150,000 vectors out of SQLite takes seconds; every process (each command, each
    # web server) would pay it on its first semantic search. So the matrix is also written as a
    # float32 .npy file beside the store, named after the store file's state, and later
    # processes memory-map it: the operating system's page cache then holds one copy for all.

    def _matrix_path(self, key: tuple[int, int, int]) -> Path:
        return self.path.with_name(f"{self.path.stem}.{key[0]}-{key[1]}-{key[2]}.npy")

    def _mapped_vectors(self, key: tuple[int, int, int], dim: int) -> NDArray[np.float32] | None:
        path = self._matrix_path(key)
        try:
            vectors = np.load(path, mmap_mode="r")
        except (OSError, ValueError):  # absent (the store changed), or unreadable
            return None
        if vectors.dtype != np.float32 or vectors.ndim != 2 or vectors.shape[1] != dim:
            return None
        return cast("NDArray[np.float32]", vectors)

    def _save_vectors(self, key: tuple[int, int, int], vectors: NDArray[np.float32]) -> None:
        """Write the matrix file (atomically) and remove those of earlier states; a failure
        (read-only directory, disk full) only costs the next process the slow read."""
        path = self._matrix_path(key)
        partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
        try:
            with partial.open("wb") as f:
                np.save(f, vectors)
            os.replace(partial, path)
        except OSError as exc:
            logger.warning("could not write %s (%s): vectors stay in memory only", path, exc)
            partial.unlink(missing_ok=True)
            return
        for old in self.path.parent.glob(f"{self.path.stem}.*-*-*.npy"):
            if old != path:
                old.unlink(missing_ok=True)

    @staticmethod
    def _mask(m: _Matrix, q: SearchQuery | None, exclude: Collection[int]) -> NDArray[np.bool_]:
        mask = np.ones(len(m.ids), dtype=bool)
        if q is not None:
            if q.date_from:
                mask &= m.dates >= q.date_from.isoformat()
            if q.date_to:
                mask &= (m.dates <= q.date_to.isoformat()) & (m.dates != "")
            if q.categories:
                mask &= np.isin(m.categories, list(q.categories))
            if q.lang:
                mask &= m.langs == q.lang
        if exclude:
            mask &= ~np.isin(m.ids, list(exclude))
        return mask

    def nearest(
        self,
        vector: Vectors,
        q: SearchQuery | None,
        k: int,
        exclude: Collection[int] = (),
    ) -> list[VectorHit]:
        m = self._loaded() if self.path.exists() else None
        if m is None or not len(m.ids) or k <= 0:
            return []
        scores = m.vectors @ np.asarray(vector, dtype=np.float32).reshape(-1)
        best = np.maximum.reduceat(scores, m.starts)
        best[~self._mask(m, q, exclude)] = -np.inf
        allowed = int(np.isfinite(best).sum())
        k = min(k, allowed)
        if k == 0:
            return []
        top = np.argpartition(-best, k - 1)[:k] if k < len(best) else np.arange(len(best))
        order = sorted(top.tolist(), key=lambda i: (-float(best[i]), -int(m.ids[i])))
        ends = np.append(m.starts[1:], len(scores))
        chosen = [
            (int(m.ids[i]), float(best[i]), int(np.argmax(scores[m.starts[i] : ends[i]])))
            for i in order
        ]
        return self._hits(chosen)

    def _hits(self, chosen: list[tuple[int, float, int]]) -> list[VectorHit]:
        conn = self._conn()
        hits: list[VectorHit] = []
        for article_id, score, n in chosen:
            row = conn.execute(
                "SELECT a.title, a.url, a.published_date, a.category, a.lang, p.text"
                " FROM articles a JOIN passages p ON p.article_id = a.article_id"
                " WHERE a.article_id = ? AND p.n = ?",
                (article_id, n),
            ).fetchone()
            if row is None:  # deleted since the matrix was loaded
                continue
            hits.append(VectorHit(article_id, score, row[5], *row[:5]))
        return hits

    def article_vectors(self, ids: Iterable[int]) -> dict[int, Vectors]:
        wanted = [int(i) for i in ids]
        if not self.path.exists():  # reading never creates the file
            return {}
        m = self._matrix
        if m is not None and m.key == self._key():  # loaded for a search: no need to read
            return self._from_matrix(m, wanted)
        out: dict[int, list[bytes]] = {}
        for article_id, blob in self._passage_rows(wanted, leads_only=False):
            out.setdefault(article_id, []).append(blob)
        return {
            i: np.frombuffer(b"".join(blobs), dtype=np.float32).reshape(len(blobs), -1)
            for i, blobs in out.items()
        }

    def lead_vectors(self, ids: Iterable[int]) -> dict[int, Vectors]:
        wanted = [int(i) for i in ids]
        if not wanted or not self.path.exists():  # reading never creates the file
            return {}
        m = self._matrix
        if m is not None and m.key == self._key():  # loaded for a search: no need to read
            return {i: rows[0] for i, rows in self._from_matrix(m, wanted).items()}
        return {
            article_id: np.frombuffer(blob, dtype=np.float32)
            for article_id, blob in self._passage_rows(wanted, leads_only=True)
        }

    def _passage_rows(self, ids: list[int], *, leads_only: bool) -> Iterator[tuple[int, bytes]]:
        """(article_id, vector blob) of ``ids``' passages in passage order, or of their leads
        only, read 500 ids at a time."""
        conn = self._conn()
        lead = "n = 0 AND " if leads_only else ""
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            for article_id, blob in conn.execute(
                f"SELECT article_id, vector FROM passages WHERE {lead}article_id IN"
                f" ({','.join('?' * len(chunk))}) ORDER BY article_id, n",
                chunk,
            ):
                yield int(article_id), blob

    def lead_vectors_on(self, day: str) -> dict[int, Vectors]:
        if not self.path.exists():
            return {}
        rows = self._conn().execute(
            "SELECT p.article_id, p.vector FROM articles a JOIN passages p"
            " ON p.article_id = a.article_id AND p.n = 0 WHERE a.published_date = ?",
            (day,),
        )
        return {int(i): np.frombuffer(blob, dtype=np.float32) for i, blob in rows}

    @staticmethod
    def _from_matrix(m: _Matrix, wanted: list[int]) -> dict[int, Vectors]:
        rows = np.searchsorted(m.ids, wanted)
        out: dict[int, Vectors] = {}
        for article_id, row in zip(wanted, rows.tolist(), strict=True):
            if row < len(m.ids) and m.ids[row] == article_id:
                end = m.starts[row + 1] if row + 1 < len(m.starts) else len(m.vectors)
                out[article_id] = m.vectors[m.starts[row] : end]
        return out

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
