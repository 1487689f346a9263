"""ArchiveStore: the archive's only door (upserts with versions, reads, run records, stats).

One class for SQLite (default, WAL mode) and PostgreSQL (``postgresql+psycopg://``), opened in
one of two explicit modes:
- :meth:`ArchiveStore.open_for_writing` (crawl, import, reindex, ``db upgrade``) creates the
  database if needed and migrates it to head;
- :meth:`ArchiveStore.open_existing` (search, show, ``db stats``, export, serve) creates and
  migrates nothing: a missing archive raises :class:`ArchiveMissing` naming where it looked, and
  an archive at an older schema :class:`ArchiveOutdated` asking for ``thaigov db upgrade`` (a
  reader cannot know what an older schema lacks, so it does not guess).

Upsert rules (see docs/archive.md):
- a new article id inserts version 1;
- the content hash covers every extracted field (``records.content_hash``); an empty value of a
  fillable field means "not known" (the corpus format carries no images);
- the same article (same hash, as far as both sides know it) only moves ``last_seen_at`` (and
  ``first_seen_at`` back when an older snapshot arrives), and fills columns that are still
  empty (e.g. images a crawl finds for a corpus-imported article);
- any other difference (text, category, hashtags, date lines, ...) moves the old version into
  ``article_versions``, bumps ``version``, sets ``last_changed_at`` and clears ``indexed_at``;
- an item older than the stored current text is a stale snapshot and changes nothing.
Times are the item's ``fetched_at`` (when the text was seen), else the time of the upsert, which
makes re-imports of the same corpus leave byte-identical rows.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any, Literal, TypeVar, cast

from sqlalchemy import (
    Table,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult, Result, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.sql.dml import Update

from pipelines.archive import locks, migrations
from pipelines.archive.engine import make_engine
from pipelines.archive.locks import CrawlLock
from pipelines.archive.models import (
    Article,
    ArticleVersion,
    CrawlRun,
    FrontierId,
    FrontierMark,
    RawPage,
)
from pipelines.archive.records import (
    BOOKKEEPING_FIELDS,
    FILLABLE_FIELDS,
    INDEXED_FIELDS,
    content_hash,
    is_empty,
    iso,
    to_columns,
)
from pipelines.core.article import EXPORT_FIELDS, HASHED_FIELDS, RAW_HTML_FIELD
from pipelines.core.frontier import FrontierEntry, Gap, count_by_state, open_gaps
from pipelines.core.frontier import State as FrontierState

log = logging.getLogger(__name__)

UTC = dt.UTC
Action = Literal["inserted", "unchanged", "updated", "failed"]
_CHUNK = 500  # ids per IN (...) list: well under SQLite's and PostgreSQL's parameter limits
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class UpsertResult:
    """What one upsert did; ``article`` holds the stored fields so indexers need no re-read."""

    article_id: int | None
    action: Action
    content_hash: str | None
    needs_index: bool
    error: str | None = None
    article: dict[str, Any] | None = field(default=None, repr=False, compare=False)


def utcnow() -> dt.datetime:
    return dt.datetime.now(UTC)


def article_to_dict(article: Article | Mapping[str, Any]) -> dict[str, Any]:
    """The stored article in item format (ISO strings for dates) plus bookkeeping fields."""
    read = article.get if isinstance(article, Mapping) else partial(getattr, article)
    out: dict[str, Any] = {}
    for name in (*EXPORT_FIELDS, *BOOKKEEPING_FIELDS):
        value = read(name)
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(value, list):
            value = list(value)
        out[name] = value
    return out


class ArchiveUnavailable(RuntimeError):
    """The archive a read-only command needs is not usable as it is (one-line message)."""


class ArchiveMissing(ArchiveUnavailable):
    """No archive at the configured URL."""


class ArchiveOutdated(ArchiveUnavailable):
    """The archive's schema is older (or newer) than this version's."""


class ArchiveStore:
    """The archive database at ``url``; ``upgrade`` creates/migrates it (see the open_* modes)."""

    def __init__(self, url: str, *, upgrade: bool = True) -> None:
        self.url = url
        self.engine = make_engine(self.url, for_writing=upgrade)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        if upgrade:
            try:
                migrations.upgrade(self.engine)
            except BaseException:
                self.engine.dispose()
                raise

    @classmethod
    def open_for_writing(cls, url: str) -> ArchiveStore:
        """Create the database if needed and migrate it to head (writing commands)."""
        return cls(url, upgrade=True)

    @classmethod
    def open_existing(cls, url: str) -> ArchiveStore:
        """Open an archive at the current schema without creating or migrating anything.

        Raises :class:`ArchiveMissing` or :class:`ArchiveOutdated` with a one-line message;
        an unreachable server raises SQLAlchemy's ``OperationalError`` as usual.
        """
        shown = make_url(url).render_as_string(hide_password=True)
        sqlite_file = _sqlite_file(url)
        if sqlite_file is not None and not sqlite_file.is_file():
            raise ArchiveMissing(
                f"no archive at {sqlite_file}: set THAIGOV_ARCHIVE_URL or THAIGOV_DATA_DIR, "
                "or create one with `thaigov crawl` or `thaigov import-corpus`"
            )
        store = cls(url, upgrade=False)
        try:
            with store.engine.connect() as connection:
                revision = migrations.current_revision(connection)
            head = migrations.head_revision()
            if revision is None:
                raise ArchiveMissing(
                    f"no archive at {shown} (the database has no archive schema): create one "
                    "with `thaigov crawl` or `thaigov import-corpus`, or run `thaigov db upgrade`"
                )
            if revision != head:
                raise ArchiveOutdated(
                    f"the archive at {shown} has schema {revision}, this version reads {head}: "
                    "run `thaigov db upgrade` first"
                )
        except BaseException:
            store.close()
            raise
        return store

    # --- lifecycle ----------------------------------------------------------------------------
    @property
    def display_url(self) -> str:
        """The URL with any password masked, for logs and the CLI."""
        return make_url(self.url).render_as_string(hide_password=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> ArchiveStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- writes -------------------------------------------------------------------------------
    def upsert_batch(
        self, items: Sequence[Mapping[str, Any]], *, now: dt.datetime | None = None
    ) -> list[UpsertResult]:
        """Upsert ``items`` in one transaction; on a database error retry one by one.

        Never raises for bad items or database errors: those come back as ``failed`` results
        with the error text, so a crawl keeps going and can count them.
        """
        now = now or utcnow()
        results: list[UpsertResult | None] = [None] * len(items)
        prepared: list[tuple[int, dict[str, Any], Any]] = []
        for position, item in enumerate(items):
            try:
                prepared.append((position, to_columns(item), item.get(RAW_HTML_FIELD)))
            except (ValueError, TypeError) as exc:
                results[position] = _failed(item.get("article_id"), f"invalid item: {exc}")
        try:
            for position, result in self._write(prepared, now):
                results[position] = result
        except SQLAlchemyError as batch_error:
            if len(prepared) > 1:
                log.warning(
                    "archive batch failed (%s); retrying items one by one",
                    _short_error(batch_error),
                )
            for entry in prepared:
                try:
                    for position, result in self._write([entry], now):
                        results[position] = result
                except SQLAlchemyError as exc:
                    results[entry[0]] = _failed(
                        entry[1]["article_id"], _short_error(exc), entry[1]["content_hash"]
                    )
        return [r for r in results if r is not None]

    def _write(
        self, prepared: list[tuple[int, dict[str, Any], Any]], now: dt.datetime
    ) -> list[tuple[int, UpsertResult]]:
        """One transaction: one SELECT of the stored rows, a bulk INSERT of the new ones.

        New articles stay plain dicts for a Core executemany (ORM objects cost about as much
        again as the database work); stored ones are ORM objects the unit of work updates.
        """
        if not prepared:
            return []
        applied: list[tuple[int, Article | dict[str, Any], Action]] = []
        with self._sessions.begin() as session:
            ids = sorted({columns["article_id"] for _, columns, _ in prepared})
            current = {
                a.article_id: a
                for a in session.scalars(select(Article).where(Article.article_id.in_(ids)))
            }
            new_rows: dict[int, dict[str, Any]] = {}
            raw_pages: list[dict[str, Any]] = []
            for position, columns, raw_html in prepared:
                article_id = columns["article_id"]
                seen = columns["fetched_at"] or now
                if article_id in new_rows:  # a second item for an id new in this batch
                    current[article_id] = Article(**new_rows.pop(article_id))
                    session.add(current[article_id])
                stored = current.get(article_id)
                if stored is None:
                    new_rows[article_id] = row = _new_row(columns, seen)
                    applied.append((position, row, "inserted"))
                else:
                    applied.append((position, stored, _apply(session, stored, columns, seen)))
                if raw_html:
                    raw_pages.append(_raw_page(article_id, columns["content_hash"], raw_html, seen))
            if new_rows:
                session.execute(insert(Article), list(new_rows.values()))
            session.flush()
            if raw_pages:
                _insert_missing_raw_pages(session, raw_pages)
            return [(position, _result(source, action)) for position, source, action in applied]

    def mark_indexed(
        self, pairs: Iterable[tuple[int, str]], *, at: dt.datetime | None = None
    ) -> int:
        """Set ``indexed_at`` where (article_id, content_hash) still matches; returns rows set."""
        at = at or utcnow()
        return self._update_in_chunks(
            list(dict.fromkeys((int(i), h) for i, h in pairs)),
            lambda chunk: (
                update(Article)
                .where(tuple_(Article.article_id, Article.content_hash).in_(chunk))
                .values(indexed_at=at)
            ),
        )

    def mark_all_unindexed(self) -> int:
        """Clear ``indexed_at`` everywhere (before a full rebuild of the search index)."""
        with self._sessions.begin() as session:
            result = session.execute(
                update(Article)
                .where(Article.indexed_at.is_not(None))
                .values(indexed_at=None)
                .execution_options(synchronize_session=False)
            )
            return _rowcount(result)

    # --- crawl runs ---------------------------------------------------------------------------
    def start_run(self, spider: str, args: Mapping[str, Any]) -> int:
        with self._sessions.begin() as session:
            run = CrawlRun(
                spider=spider,
                started_at=utcnow(),
                arguments=_jsonable(dict(args)),
                status="running",
            )
            session.add(run)
            session.flush()
            return run.id

    def finish_run(
        self, run_id: int, stats: Mapping[str, Any], status: str, exit_code: int
    ) -> None:
        with self._sessions.begin() as session:
            run = session.get(CrawlRun, run_id)
            if run is None:
                raise KeyError(f"no crawl run {run_id}")
            run.finished_at = utcnow()
            run.stats = _jsonable(dict(stats))
            run.status = status
            run.exit_code = exit_code

    def get_runs(self, limit: int = 10) -> list[dict[str, Any]]:
        """The latest runs, newest first."""
        with self._sessions() as session:
            runs = session.scalars(
                select(CrawlRun)
                .order_by(CrawlRun.started_at.desc(), CrawlRun.id.desc())
                .limit(limit)
            )
            return [_run_to_dict(run) for run in runs]

    def mark_interrupted_runs(self) -> list[int]:
        """Mark runs still ``running`` as ``interrupted``; call only while holding the crawl lock.

        A run killed hard (SIGKILL, power loss, a second Ctrl-C) never wrote its end; with the
        archive's lock held, no other run can still be alive, so such a record is a dead run.
        """
        with self._sessions.begin() as session:
            ids = list(session.scalars(select(CrawlRun.id).where(CrawlRun.status == "running")))
            if ids:
                session.execute(
                    update(CrawlRun)
                    .where(CrawlRun.id.in_(ids))
                    .values(status="interrupted")
                    .execution_options(synchronize_session=False)
                )
            return ids

    def crawl_lock(self) -> CrawlLock:
        """The archive's crawl lock (see pipelines.archive.locks); raises LockHeld if taken."""
        return locks.acquire(self.engine, self.url)

    # --- crawl frontier ---------------------------------------------------------------------
    def frontier_floor(self) -> int | None:
        with self._sessions() as session:
            return session.scalar(select(FrontierMark.value).where(FrontierMark.name == "floor"))

    def set_frontier_floor(self, value: int) -> None:
        with self._sessions.begin() as session:
            mark = session.get(FrontierMark, "floor")
            if mark is None:
                session.add(FrontierMark(name="floor", value=int(value)))
            else:
                mark.value = int(value)

    def frontier_entries(self, floor: int | None = None) -> dict[int, FrontierEntry]:
        """Rows at or above ``floor`` (all when None), plus given-up rows below it."""
        query = select(FrontierId)
        if floor is not None:
            query = query.where((FrontierId.article_id >= floor) | (FrontierId.state == "given_up"))
        with self._sessions() as session:
            return {
                row.article_id: FrontierEntry(
                    article_id=row.article_id,
                    state=cast(FrontierState, row.state),
                    attempts=row.attempts,
                    detail=row.detail,
                    first_seen_at=row.first_seen_at,
                    last_attempt_at=row.last_attempt_at,
                )
                for row in session.scalars(query.order_by(FrontierId.article_id))
            }

    def archived_ids_from(self, floor: int) -> list[int]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Article.article_id)
                    .where(Article.article_id >= floor)
                    .order_by(Article.article_id)
                )
            )

    def frontier_gaps(self) -> tuple[int | None, list[Gap]]:
        """The floor and every open gap (see pipelines.core.frontier.open_gaps)."""
        floor = self.frontier_floor()
        if floor is None:
            return None, []
        entries = self.frontier_entries(floor)
        below = [i for i in entries if i < floor]
        archived = [*self.archived_ids_from(floor), *self._archived_among(below)]
        return floor, open_gaps(floor, entries, archived)

    def _archived_among(self, ids: list[int]) -> list[int]:
        found: list[int] = []
        with self._sessions() as session:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                found += session.scalars(
                    select(Article.article_id).where(Article.article_id.in_(chunk))
                )
        return found

    def record_frontier(
        self,
        outcomes: Sequence[tuple[int, str, str | None]],
        *,
        run_id: int | None = None,
        now: dt.datetime | None = None,
    ) -> None:
        """Upsert (article_id, state, detail) outcomes in one transaction.

        ``failed`` and ``unanswered`` add one attempt; ``first_seen_at`` keeps its first value.
        """
        if not outcomes:
            return
        now = now or utcnow()
        latest = {int(i): (state, detail) for i, state, detail in outcomes}
        rows = [
            {
                "article_id": article_id,
                "state": state,
                "detail": detail,
                "attempts": 1 if state in ("failed", "unanswered") else 0,
                "first_seen_at": now,
                "last_attempt_at": now,
                "run_id": run_id,
            }
            for article_id, (state, detail) in sorted(latest.items())
        ]
        table = cast(Table, FrontierId.__table__)
        dialect = self.engine.dialect.name
        insert_stmt: Any = (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)
        excluded = insert_stmt.excluded
        statement = insert_stmt.on_conflict_do_update(
            index_elements=[table.c.article_id],
            set_={
                "state": excluded.state,
                "detail": excluded.detail,
                "attempts": table.c.attempts + excluded.attempts,
                "last_attempt_at": excluded.last_attempt_at,
                "run_id": excluded.run_id,
            },
        )
        with self.engine.begin() as connection:
            for start in range(0, len(rows), _CHUNK):
                connection.execute(statement, rows[start : start + _CHUNK])

    def give_up_frontier(self, ids: Iterable[int]) -> int:
        """Mark failed ids as given up (they stay listed as gaps, never requested again)."""
        return self._update_in_chunks(
            sorted({int(i) for i in ids}),
            lambda chunk: (
                update(FrontierId)
                .where(FrontierId.article_id.in_(chunk))
                .where(FrontierId.state == "failed")
                .values(state="given_up")
            ),
        )

    def mark_unindexed(self, ids: Iterable[int]) -> int:
        """Clear ``indexed_at`` of these articles (the index lost them: ``reindex --pending``)."""
        return self._update_in_chunks(
            sorted({int(i) for i in ids}),
            lambda chunk: (
                update(Article).where(Article.article_id.in_(chunk)).values(indexed_at=None)
            ),
        )

    def _update_in_chunks(
        self, keys: Sequence[K], statement: Callable[[Sequence[K]], Update]
    ) -> int:
        """Run the UPDATE ``statement(chunk)`` for each ``_CHUNK`` keys, all in one transaction;
        returns the rows it changed (a key list of any length stays within parameter limits)."""
        changed = 0
        with self._sessions.begin() as session:
            for start in range(0, len(keys), _CHUNK):
                chunk = keys[start : start + _CHUNK]
                result = session.execute(
                    statement(chunk).execution_options(synchronize_session=False)
                )
                changed += _rowcount(result)
        return changed

    def index_hashes(self) -> dict[int, tuple[str, bool]]:
        """article_id -> (content_hash, marked indexed) for every article (reindex --check)."""
        with self._sessions() as session:
            return {
                article_id: (digest, indexed_at is not None)
                for article_id, digest, indexed_at in session.execute(
                    select(Article.article_id, Article.content_hash, Article.indexed_at)
                )
            }

    # --- reads --------------------------------------------------------------------------------
    def max_article_id(self) -> int | None:
        with self._sessions() as session:
            return session.scalar(select(func.max(Article.article_id)))

    def article_ids_published_since(self, since: dt.date) -> list[int]:
        with self._sessions() as session:
            return list(
                session.scalars(
                    select(Article.article_id)
                    .where(Article.published_date >= since)
                    .order_by(Article.article_id)
                )
            )

    def content_hashes(self) -> dict[int, str]:
        """article_id -> content_hash of every article (what a vector store compares with)."""
        with self._sessions() as session:
            rows = session.execute(select(Article.article_id, Article.content_hash))
            return {int(i): h for i, h in rows}

    def iter_articles(
        self,
        *,
        pending_only: bool = False,
        ids: Iterable[int] | None = None,
        batch_size: int = 500,
    ) -> Iterator[dict[str, Any]]:
        """Articles in id order, read page by page (keyset), each page in a short session."""
        if ids is not None:
            wanted = sorted({int(i) for i in ids})
            for start in range(0, len(wanted), batch_size):
                chunk = wanted[start : start + batch_size]
                yield from self._page(Article.article_id.in_(chunk), pending_only, None, batch_size)
            return
        last: int | None = None
        while True:
            page = list(self._page(None, pending_only, last, batch_size))
            if not page:
                return
            yield from page
            last = page[-1]["article_id"]

    def _page(
        self, condition: Any, pending_only: bool, after: int | None, limit: int
    ) -> Iterator[dict[str, Any]]:
        query = select(Article).order_by(Article.article_id).limit(limit)
        if condition is not None:
            query = query.where(condition)
        if pending_only:
            query = query.where(Article.indexed_at.is_(None))
        if after is not None:
            query = query.where(Article.article_id > after)
        with self._sessions() as session:
            rows = [article_to_dict(a) for a in session.scalars(query)]
        yield from rows

    def get_article(self, article_id: int) -> dict[str, Any] | None:
        with self._sessions() as session:
            article = session.get(Article, int(article_id))
            return article_to_dict(article) if article else None

    def get_versions(self, article_id: int) -> list[dict[str, Any]]:
        """Earlier texts of an article, oldest first (the current text is in get_article)."""
        with self._sessions() as session:
            versions = session.scalars(
                select(ArticleVersion)
                .where(ArticleVersion.article_id == int(article_id))
                .order_by(ArticleVersion.version)
            )
            return [
                {
                    "article_id": v.article_id,
                    "version": v.version,
                    "title": v.title,
                    "body": v.body,
                    "content_hash": v.content_hash,
                    "other_fields": v.other_fields,
                    "valid_from": iso(v.valid_from),
                    "replaced_at": iso(v.replaced_at),
                    "source": v.source,
                }
                for v in versions
            ]

    def get_raw_html(self, article_id: int) -> list[tuple[str, str]]:
        """Stored pages of an article as (fetched_at ISO, HTML), oldest first."""
        with self._sessions() as session:
            pages = session.scalars(
                select(RawPage).where(RawPage.article_id == int(article_id)).order_by(RawPage.id)
            )
            return [(iso(p.fetched_at) or "", _decompress(p)) for p in pages]

    def count(self, pending_only: bool = False) -> int:
        query = select(func.count()).select_from(Article)
        if pending_only:
            query = query.where(Article.indexed_at.is_(None))
        with self._sessions() as session:
            return session.scalar(query) or 0

    def stats(self) -> dict[str, Any]:
        """Figures for ``thaigov db stats``: totals, by year/category/source/lang, runs."""
        year = func.extract("year", Article.published_date)
        with self._sessions() as session:

            def grouped(column: Any) -> list[tuple[Any, int]]:
                rows = session.execute(
                    select(column, func.count()).group_by(column).order_by(column)
                )
                return [(key if key is None else _plain(key), n) for key, n in rows]

            versions = session.scalar(select(func.count()).select_from(ArticleVersion)) or 0
            versioned = (
                session.scalar(select(func.count(func.distinct(ArticleVersion.article_id)))) or 0
            )
            raw_pages = session.scalar(select(func.count()).select_from(RawPage)) or 0
            by_category = session.execute(
                select(Article.category, func.count())
                .group_by(Article.category)
                .order_by(func.count().desc(), Article.category)
            ).all()
            out = {
                "url": self.display_url,
                "articles": self.count(),
                "pending_index": self.count(pending_only=True),
                "versions": versions,
                "articles_with_versions": versioned,
                "raw_pages": raw_pages,
                "max_article_id": self.max_article_id(),
                "by_year": grouped(year),
                "by_category": [(c, n) for c, n in by_category],
                "by_source": grouped(Article.source),
                "by_lang": grouped(Article.lang),
                "last_runs": self.get_runs(10),
            }
        _floor, gaps = self.frontier_gaps()
        out["open_gaps"] = len(gaps)
        out["open_gaps_by_state"] = count_by_state(gaps)
        return out


def _sqlite_file(url: str) -> Path | None:
    """The file of an on-disk SQLite URL, else None (PostgreSQL, in-memory, URI filenames)."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return None
    if database.startswith("file:"):
        return None
    return Path(database).expanduser()


# --- upsert helpers ---------------------------------------------------------------------------
def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE matched (a DML statement's result is a CursorResult)."""
    return cast(CursorResult[Any], result).rowcount or 0


def _failed(article_id: Any, error: str, content_hash: str | None = None) -> UpsertResult:
    try:
        ident: int | None = int(article_id)
    except (TypeError, ValueError):
        ident = None
    return UpsertResult(ident, "failed", content_hash, needs_index=False, error=error)


def _short_error(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.strip().splitlines()[0][:500] if text.strip() else type(exc).__name__


def _new_row(columns: dict[str, Any], seen: dt.datetime) -> dict[str, Any]:
    return {
        **columns,
        "version": 1,
        "first_seen_at": seen,
        "last_seen_at": seen,
        "last_changed_at": seen,
        "indexed_at": None,
    }


def _result(source: Article | dict[str, Any], action: Action) -> UpsertResult:
    article = article_to_dict(source)
    return UpsertResult(
        article_id=article["article_id"],
        action=action,
        content_hash=article["content_hash"],
        needs_index=article["indexed_at"] is None,
        article=article,
    )


def _apply(
    session: Session, article: Article, columns: dict[str, Any], seen: dt.datetime
) -> Action:
    """Apply one newer (or older) snapshot to a stored article; returns the action taken.

    An empty fillable value means "not known" on either side (records.FILLABLE_FIELDS): the
    item is compared with the stored article as far as both know the article, so a corpus
    file (no images) after a crawl, or a crawl that finds images for a corpus import, is the
    same article; any other difference in a hashed field is a new version.
    """
    known = {
        name: getattr(article, name)
        for name in FILLABLE_FIELDS
        if is_empty(columns[name]) and not is_empty(getattr(article, name))
    }
    filled = {
        name: columns[name]
        for name in FILLABLE_FIELDS
        if is_empty(getattr(article, name)) and not is_empty(columns[name])
    }
    effective = {**columns, **known}
    if known or filled:
        effective["content_hash"] = content_hash(effective)
    completed_hash = (
        content_hash({**_hashed_fields(article), **filled}) if filled else article.content_hash
    )
    if effective["content_hash"] == completed_hash:
        if seen > article.last_seen_at:
            article.last_seen_at = seen
        if seen < article.first_seen_at:
            article.first_seen_at = seen
            if article.version == 1:
                article.last_changed_at = seen
        for name, value in filled.items():
            setattr(article, name, value)
        article.content_hash = completed_hash
        if INDEXED_FIELDS.intersection(filled):
            article.indexed_at = None
        action: Action = "unchanged"
    elif seen < article.last_changed_at:
        action = "unchanged"  # stale snapshot: an older text never replaces a newer one
    else:
        hashed = _hashed_fields(article)
        session.add(
            ArticleVersion(
                article_id=article.article_id,
                version=article.version,
                title=article.title,
                body=article.body,
                content_hash=article.content_hash,
                other_fields={k: v for k, v in hashed.items() if k not in ("title", "body")},
                valid_from=article.last_changed_at,
                replaced_at=seen,
                source=article.source,
            )
        )
        for name, value in effective.items():
            if name != "article_id":
                setattr(article, name, value)
        article.version += 1
        article.last_changed_at = seen
        article.last_seen_at = max(article.last_seen_at, seen)
        article.indexed_at = None
        action = "updated"
    return action


def _hashed_fields(article: Article) -> dict[str, Any]:
    return {name: getattr(article, name) for name in HASHED_FIELDS}


def _raw_page(article_id: int, digest: str, raw_html: Any, seen: dt.datetime) -> dict[str, Any]:
    data = raw_html.encode() if isinstance(raw_html, str) else bytes(raw_html)
    return {
        "article_id": article_id,
        "content_hash": digest,
        "fetched_at": seen,
        "compression": "zlib",
        "html": zlib.compress(data, 6),
    }


def _insert_missing_raw_pages(session: Session, pages: list[dict[str, Any]]) -> None:
    """One page per (article, text): re-fetching an unchanged page stores nothing new."""
    keys = list({(p["article_id"], p["content_hash"]) for p in pages})
    stored = {
        (article_id, digest)
        for article_id, digest in session.execute(
            select(RawPage.article_id, RawPage.content_hash).where(
                tuple_(RawPage.article_id, RawPage.content_hash).in_(keys)
            )
        )
    }
    for page in pages:
        key = (page["article_id"], page["content_hash"])
        if key not in stored:
            stored.add(key)
            session.add(RawPage(**page))


def _decompress(page: RawPage) -> str:
    return zlib.decompress(page.html).decode("utf-8", errors="replace")


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    """Scrapy stats hold datetimes and other objects: store them as JSON-safe values."""
    safe: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return safe


def _plain(value: Any) -> Any:
    """EXTRACT gives a float on SQLite and a Decimal on PostgreSQL: a year is an int."""
    if isinstance(value, float | Decimal) and value == int(value):
        return int(value)
    return value


def _run_to_dict(run: CrawlRun) -> dict[str, Any]:
    return {
        "id": run.id,
        "spider": run.spider,
        "started_at": iso(run.started_at),
        "finished_at": iso(run.finished_at),
        "arguments": run.arguments,
        "stats": run.stats,
        "status": run.status,
        "exit_code": run.exit_code,
    }
