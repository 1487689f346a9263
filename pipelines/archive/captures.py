"""The archive's capture tables: WARC record locations and downloaded files (fixity data).

Kept beside :class:`pipelines.archive.store.ArchiveStore` (it uses the store's engine) so the
article store stays about articles. See docs/capture.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import aliased, sessionmaker

from pipelines.archive.models import Article, ArticleFile, Capture, RawPage
from pipelines.archive.records import iso
from pipelines.archive.store import ArchiveStore
from pipelines.archive.warc import PriorPayload, WrittenRecord

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class PageCapture:
    """An article page's latest capture, resolved to the record that holds the payload.

    ``record_*`` is the capture itself (a response or a revisit); ``payload_*`` the response
    record with the bytes (the same record unless the capture is a revisit).
    """

    article_id: int
    url: str
    fetched_at: dt.datetime
    record_id: str
    warc_filename: str
    warc_offset: int
    warc_length: int
    payload_record_id: str | None
    payload_filename: str | None
    payload_offset: int | None
    payload_length: int | None


@dataclass(frozen=True, slots=True)
class FixityProblem:
    sha256: str
    path: str
    problem: str


class CaptureIndex:
    """Reads and writes ``captures`` and ``article_files`` through an open ArchiveStore."""

    def __init__(self, store: ArchiveStore) -> None:
        self.store = store
        # Its own sessions on the store's engine (one connection pool, nothing else shared).
        self._sessions = sessionmaker(store.engine, expire_on_commit=False)

    # --- WARC records -------------------------------------------------------------------------
    def add_records(
        self, records: Sequence[WrittenRecord], article_ids: Sequence[int | None]
    ) -> None:
        """Index written WARC records (one transaction)."""
        if not records:
            return
        rows = [
            {**asdict(record), "article_id": article_id}
            for record, article_id in zip(records, article_ids, strict=True)
        ]
        with self._sessions() as session, session.begin():
            session.execute(insert(Capture), rows)

    def known_payloads(self) -> set[str]:
        """Payload digests of every indexed response record (one streamed query).

        The crawl asks the archive for a revisit's original only when the digest is in this
        set, so a new payload (most responses) costs a set lookup, not a database round trip.
        """
        with self.store.engine.connect() as connection:
            rows = connection.execute(
                select(Capture.payload_digest).where(Capture.record_type == "response"),
                execution_options={"yield_per": 10_000},
            )
            return {digest for (digest,) in rows}

    def prior_payload(self, digest: str) -> PriorPayload | None:
        """The first response record with payload ``digest``, for revisit records."""
        with self._sessions() as session:
            row = session.execute(
                select(Capture.url, Capture.fetched_at, Capture.record_id)
                .where(Capture.payload_digest == digest, Capture.record_type == "response")
                .order_by(Capture.id)
                .limit(1)
            ).first()
        return PriorPayload(row.url, row.fetched_at, row.record_id) if row else None

    def page_captures(self, article_ids: Iterable[int] | None = None) -> dict[int, PageCapture]:
        """Latest HTTP 200 capture of each article page (all archived articles when None)."""
        original = aliased(Capture)
        latest = (
            select(Capture.article_id, func.max(Capture.id).label("id"))
            .where(Capture.article_id.is_not(None), Capture.status == 200)
            .group_by(Capture.article_id)
            .subquery()
        )
        query = (
            select(Capture, original)
            .join(latest, latest.c.id == Capture.id)
            .outerjoin(
                original,
                (original.record_id == Capture.refers_to) & (Capture.record_type == "revisit"),
            )
            .order_by(Capture.article_id)
        )
        wanted = None if article_ids is None else sorted(set(int(i) for i in article_ids))
        out: dict[int, PageCapture] = {}
        with self._sessions() as session:
            chunks = (
                [None]
                if wanted is None
                else [wanted[i : i + _CHUNK] for i in range(0, len(wanted), _CHUNK)]
            )
            for chunk in chunks:
                q = query if chunk is None else query.where(Capture.article_id.in_(chunk))
                for capture, source in session.execute(q):
                    payload = capture if capture.record_type == "response" else source
                    assert capture.article_id is not None
                    out[capture.article_id] = PageCapture(
                        article_id=capture.article_id,
                        url=capture.url,
                        fetched_at=capture.fetched_at,
                        record_id=capture.record_id,
                        warc_filename=capture.warc_filename,
                        warc_offset=capture.warc_offset,
                        warc_length=capture.warc_length,
                        payload_record_id=payload.record_id if payload else None,
                        payload_filename=payload.warc_filename if payload else None,
                        payload_offset=payload.warc_offset if payload else None,
                        payload_length=payload.warc_length if payload else None,
                    )
        return out

    def records_for_urls(self, urls: Iterable[str]) -> list[Capture]:
        """Latest capture of each URL (files, robots.txt) with any record it refers to."""
        wanted = sorted(set(urls))
        found: list[Capture] = []
        with self._sessions() as session:
            for start in range(0, len(wanted), _CHUNK):
                chunk = wanted[start : start + _CHUNK]
                latest = (
                    select(func.max(Capture.id))
                    .where(Capture.url.in_(chunk))
                    .group_by(Capture.url)
                    .scalar_subquery()
                )
                found.extend(session.scalars(select(Capture).where(Capture.id.in_(latest))))
        return found

    def records_by_id(self, record_ids: Iterable[str]) -> list[Capture]:
        wanted = sorted(set(record_ids))
        with self._sessions() as session:
            return [
                c
                for start in range(0, len(wanted), _CHUNK)
                for c in session.scalars(
                    select(Capture).where(Capture.record_id.in_(wanted[start : start + _CHUNK]))
                )
            ]

    # --- files --------------------------------------------------------------------------------
    def record_files(self, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert or refresh (article_id, url) rows in one transaction: the latest row wins."""
        latest = {(int(r["article_id"]), str(r["url"])): r for r in rows}
        if not latest:
            return
        ids = sorted({article_id for article_id, _ in latest})
        with self._sessions() as session, session.begin():
            stored = {
                (f.article_id, f.url): f
                for start in range(0, len(ids), _CHUNK)
                for f in session.scalars(
                    select(ArticleFile).where(
                        ArticleFile.article_id.in_(ids[start : start + _CHUNK])
                    )
                )
            }
            new_rows = []
            for key, row in latest.items():
                if key in stored:
                    for name, value in row.items():
                        setattr(stored[key], name, value)
                else:
                    new_rows.append(dict(row))
            if new_rows:
                session.execute(insert(ArticleFile), new_rows)

    def known_file_urls(self) -> set[str]:
        """Every cited file URL with a stored download (checked before asking for details)."""
        with self.store.engine.connect() as connection:
            rows = connection.execute(
                select(ArticleFile.url).distinct(), execution_options={"yield_per": 10_000}
            )
            return {url for (url,) in rows}

    def files_for(self, article_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
        """Export form of each article's files: url, sha256, size, content_type, path."""
        wanted = sorted(set(int(i) for i in article_ids))
        out: dict[int, list[dict[str, Any]]] = {}
        with self._sessions() as session:
            for start in range(0, len(wanted), _CHUNK):
                rows = session.scalars(
                    select(ArticleFile)
                    .where(ArticleFile.article_id.in_(wanted[start : start + _CHUNK]))
                    .order_by(ArticleFile.article_id, ArticleFile.id)
                )
                for row in rows:
                    out.setdefault(row.article_id, []).append(file_record(row))
        return out

    def capture_urls_of_files(self, article_ids: Iterable[int]) -> list[str]:
        """The fetched URLs of the files of ``article_ids`` (to find their WARC records)."""
        wanted = sorted(set(int(i) for i in article_ids))
        with self._sessions() as session:
            return [
                url
                for start in range(0, len(wanted), _CHUNK)
                for url in session.scalars(
                    select(ArticleFile.capture_url).where(
                        ArticleFile.article_id.in_(wanted[start : start + _CHUNK]),
                        ArticleFile.capture_url.is_not(None),
                    )
                )
                if url
            ]

    def raw_page_article_ids(self) -> set[int]:
        """Articles with HTML kept in ``raw_pages`` (ARCHIVE_RAW_HTML, before WARC capture)."""
        with self._sessions() as session:
            return set(session.scalars(select(RawPage.article_id).distinct()))

    def archived_article_ids(self) -> list[int]:
        with self._sessions() as session:
            return list(session.scalars(select(Article.article_id).order_by(Article.article_id)))

    def latest_file(self, url: str) -> ArticleFile | None:
        """The newest download of the file cited as ``url`` (by any article)."""
        with self._sessions() as session:
            return session.scalar(
                select(ArticleFile)
                .where(ArticleFile.url == url)
                .order_by(ArticleFile.fetched_at.desc())
                .limit(1)
            )

    def file_by_sha256(self, sha256: str) -> ArticleFile | None:
        with self._sessions() as session:
            return session.scalar(
                select(ArticleFile).where(ArticleFile.sha256 == sha256).order_by(ArticleFile.id)
            )

    def verify_files(self, files_dir: Path) -> tuple[int, list[FixityProblem]]:
        """Re-hash every stored file; returns (files checked, problems)."""
        with self._sessions() as session:
            stored = session.execute(
                select(ArticleFile.sha256, ArticleFile.path, func.max(ArticleFile.size))
                .group_by(ArticleFile.sha256, ArticleFile.path)
                .order_by(ArticleFile.sha256)
            ).all()
        problems: list[FixityProblem] = []
        for sha256, path, size in stored:
            problem = check_file(Path(files_dir) / path, sha256, size)
            if problem:
                problems.append(FixityProblem(sha256, path, problem))
        return len(stored), problems

    def counts(self) -> dict[str, int]:
        with self._sessions() as session:

            def count(query: Any) -> int:
                return int(session.scalar(query) or 0)

            return {
                "captures": count(select(func.count()).select_from(Capture)),
                "revisits": count(select(func.count()).where(Capture.record_type == "revisit")),
                "articles_captured": count(select(func.count(func.distinct(Capture.article_id)))),
                "articles": count(select(func.count()).select_from(Article)),
                "files": count(select(func.count()).select_from(ArticleFile)),
                "distinct_files": count(select(func.count(func.distinct(ArticleFile.sha256)))),
            }


def file_record(row: ArticleFile) -> dict[str, Any]:
    return {
        "url": row.url,
        "kind": row.kind,
        "sha256": row.sha256,
        "size": row.size,
        "content_type": row.content_type,
        "path": row.path,
        "fetched_at": iso(row.fetched_at),
    }


def check_file(path: Path, sha256: str, size: int | None) -> str | None:
    """None when ``path`` holds bytes hashing to ``sha256``, else what is wrong."""
    if not path.is_file():
        return "missing"
    digest = hashlib.sha256()
    length = 0
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
            length += len(block)
    if digest.hexdigest() != sha256:
        return f"SHA-256 mismatch (now {digest.hexdigest()})"
    if size is not None and length != size:
        return f"size mismatch ({length} bytes, recorded {size})"
    return None


def iter_chunks(values: Sequence[int], size: int = _CHUNK) -> Iterator[Sequence[int]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]
