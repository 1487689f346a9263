"""Stream archive articles (all, or a search's matches) to JSONL, CSV, Parquet or the corpus layout.

Every writer takes batches, so memory stays flat however large the archive: Parquet gets one
row group per batch (pyarrow ParquetWriter), the corpus layout one file or tar member per
article (written by ``pipelines.core.corpus_format.render_corpus_file``, so ``thaigov
import-corpus`` reads an export back into the same articles).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import tarfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pipelines.core.article import EXPORT_FIELDS
from pipelines.core.article import INT_FIELDS as ARTICLE_INT_FIELDS
from pipelines.core.article import LIST_FIELDS as ARTICLE_LIST_FIELDS
from search.core.query import MAX_WINDOW
from search.core.safety import neutralise_formula

if TYPE_CHECKING:
    from pipelines.archive.store import ArchiveStore
    from search.backends.base import SearchBackend
    from search.core.query import SearchQuery

ExportFormat = Literal["jsonl", "csv", "parquet", "corpus"]
EXPORT_FORMATS: tuple[ExportFormat, ...] = ("jsonl", "csv", "parquet", "corpus")

#: Archive bookkeeping exported after the article fields (never ``raw_html``).
ARCHIVE_FIELDS: tuple[str, ...] = (
    "content_hash",
    "version",
    "first_seen_at",
    "last_seen_at",
    "last_changed_at",
)
#: Downloaded attachments and images (issue 14): a list of objects with FILE_KEYS. Archive
#: data like ARCHIVE_FIELDS (the ``article_files`` table), not a field of the record: neither
#: extracted nor hashed, so a new download never makes a new article version.
FILES_FIELD = "files"
FILE_KEYS: tuple[str, ...] = ("url", "kind", "sha256", "size", "content_type", "path", "fetched_at")
#: Issue 15: the lowest article id of this article's near-duplicate group (the same
#: announcement posted again, found by its title-and-lead vector among the same day's
#: articles; ``search.services.semantic.NearDuplicatesByDay``); null for the group's first
#: article, an article without duplicates, or when no embeddings exist.
NEAR_DUPLICATE_FIELD = "near_duplicate_of"
EXPORT_COLUMNS: tuple[str, ...] = (
    *EXPORT_FIELDS,
    *ARCHIVE_FIELDS,
    FILES_FIELD,
    NEAR_DUPLICATE_FIELD,
)
LIST_FIELDS = frozenset({*ARTICLE_LIST_FIELDS, FILES_FIELD})
INT_FIELDS = frozenset({*ARTICLE_INT_FIELDS, "version", NEAR_DUPLICATE_FIELD})
DAY_FIELDS = frozenset({"published_date"})
TIMESTAMP_FIELDS = frozenset({"fetched_at", "first_seen_at", "last_seen_at", "last_changed_at"})

DEFAULT_BATCH_SIZE = 1000

SEARCH_PAGE_SIZE = 100


class MissingExtraError(RuntimeError):
    """A feature needs an optional dependency (an extra of the package) that is not installed."""


def _iso(value: Any) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        moment: dt.datetime = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return moment.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _as_list(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        # Some stores hand JSON columns back as text; accept both.
        try:
            decoded = json.loads(value)
        except ValueError:
            return [value]
        return [str(v) for v in decoded] if isinstance(decoded, list) else [str(decoded)]
    return [str(v) for v in value]


def export_record(article: Mapping[str, Any]) -> dict[str, Any]:
    """One archive article as a flat JSON-ready dict with exactly ``EXPORT_COLUMNS``.

    Dates and timestamps become ISO strings, lists stay lists, unknown keys are dropped.
    """
    record: dict[str, Any] = {}
    for name in EXPORT_COLUMNS:
        value = article.get(name)
        if name == FILES_FIELD:
            record[name] = [_file_entry(f) for f in value or []]
        elif name in LIST_FIELDS:
            record[name] = _as_list(value)
        elif name in INT_FIELDS:
            record[name] = int(value) if value is not None else None
        elif name in DAY_FIELDS:
            record[name] = (_iso(value) or "")[:10] or None
        elif name in TIMESTAMP_FIELDS:
            record[name] = _iso(value)
        else:
            record[name] = value if value is None else str(value)
    return record


def _file_entry(entry: Mapping[str, Any]) -> dict[str, Any]:
    out = {key: entry.get(key) for key in FILE_KEYS}
    out["size"] = int(out["size"]) if out["size"] is not None else None
    out["fetched_at"] = _iso(out["fetched_at"])
    return out


class BatchWriter(Protocol):
    def write_batch(self, records: list[dict[str, Any]]) -> None: ...
    def close(self) -> None: ...


class JsonlWriter:
    """One JSON object per line, UTF-8, Thai kept readable (no \\u escapes)."""

    def __init__(self, path: Path) -> None:
        self._file = path.open("w", encoding="utf-8", newline="\n")

    def write_batch(self, records: list[dict[str, Any]]) -> None:
        self._file.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in records)

    def close(self) -> None:
        self._file.close()


def csv_cell(name: str, value: Any) -> Any:
    """One CSV cell: lists as JSON, text a spreadsheet would run as a formula neutralised.

    Only CSV is neutralised (``search.core.safety.neutralise_formula``, reversible with
    ``restore_formula``): JSONL and Parquet are data formats and keep the original text.
    """
    if name in LIST_FIELDS:
        value = json.dumps(value, ensure_ascii=False)
    return neutralise_formula(value) if isinstance(value, str) else value


class CsvWriter:
    """Header + rows; list fields JSON-encoded and formulas neutralised (see ``csv_cell``)."""

    def __init__(self, path: Path) -> None:
        # utf-8-sig: spreadsheet programs then recognise the Thai text as UTF-8.
        self._file = path.open("w", encoding="utf-8-sig", newline="")
        self._writer = csv.DictWriter(self._file, fieldnames=list(EXPORT_COLUMNS))
        self._writer.writeheader()

    def write_batch(self, records: list[dict[str, Any]]) -> None:
        self._writer.writerows({k: csv_cell(k, v) for k, v in r.items()} for r in records)

    def close(self) -> None:
        self._file.close()


def _parquet_writer(path: Path) -> BatchWriter:
    from search.services.parquet import ParquetWriter  # pyarrow: the optional [parquet] extra

    return ParquetWriter(path)


class CorpusWriter:
    """thaigov-v2-corpus text files in a directory, or members of a .tar.gz when PATH says so."""

    def __init__(self, path: Path) -> None:
        from pipelines.core.corpus_format import render_corpus_file

        self._render = render_corpus_file
        self._root = path
        self._names: set[str] = set()
        self._tar: tarfile.TarFile | None = None
        if path.name.endswith((".tar.gz", ".tgz")):
            # Level 6 (gzip's own default) instead of tarfile's 9: about 2x faster on Thai
            # text for about 7% more bytes.
            self._tar = tarfile.open(path, "w:gz", compresslevel=6)  # noqa: SIM115 -- closed in close()
        else:
            path.mkdir(parents=True, exist_ok=True)

    def _unique(self, relative: str, article_id: Any) -> str:
        # Two articles must never overwrite each other, whatever the naming rule yields.
        if relative in self._names:
            stem, dot, ext = relative.rpartition(".")
            relative = f"{stem}_{article_id}.{ext}" if dot else f"{relative}_{article_id}"
        self._names.add(relative)
        return relative

    def write_batch(self, records: list[dict[str, Any]]) -> None:
        for record in records:
            relative, text = self._render(record)
            relative = self._unique(str(relative), record.get("article_id"))
            data = text.encode("utf-8")
            if self._tar is not None:
                info = tarfile.TarInfo(relative)
                info.size = len(data)
                info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
                info.mode = 0o644
                self._tar.addfile(info, io.BytesIO(data))
                # TarFile remembers every member it wrote (for reading back); a writer never
                # reads, so forget them to keep memory flat over 40k+ members.
                self._tar.members.clear()  # type: ignore[attr-defined]
            else:
                target = self._root / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)

    def close(self) -> None:
        if self._tar is not None:
            self._tar.close()


WRITERS: dict[ExportFormat, Callable[[Path], BatchWriter]] = {
    "jsonl": JsonlWriter,
    "csv": CsvWriter,
    "parquet": _parquet_writer,
    "corpus": CorpusWriter,
}


def require_format(fmt: str) -> None:
    """Raise :class:`MissingExtraError` when ``fmt`` needs a package that is not installed."""
    if fmt == "parquet":
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError as exc:
            raise MissingExtraError(
                "Parquet export needs pyarrow, which is not installed: "
                "pip install 'thaigov-archive[parquet]'"
            ) from exc


def _batches(items: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    batch: list[dict[str, Any]] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def write_export(
    articles: Iterable[Mapping[str, Any]],
    fmt: ExportFormat,
    path: Path,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    on_batch: Callable[[int], None] | None = None,
    files_for: Callable[[list[int]], Mapping[int, list[dict[str, Any]]]] | None = None,
    near_duplicates: Callable[[list[tuple[int, str | None]]], Mapping[int, int]] | None = None,
) -> int:
    """Write ``articles`` to ``path`` in ``fmt``; returns how many were written.

    ``on_batch(n)`` is called after each batch (drives a progress bar); ``files_for(ids)``
    (e.g. ``CaptureIndex.files_for``) supplies each article's downloaded files, one query per
    batch; ``near_duplicates([(id, published_date)])`` (``Searcher.near_duplicates``) the
    ``near_duplicate_of`` column, likewise.
    """
    if fmt not in WRITERS:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {EXPORT_FORMATS}")
    require_format(fmt)
    path = Path(path)
    if fmt != "corpus":
        path.parent.mkdir(parents=True, exist_ok=True)
    writer = WRITERS[fmt](path)
    written = 0
    try:
        for batch in _batches((export_record(a) for a in articles), batch_size):
            if files_for is not None:
                found = files_for([int(r["article_id"]) for r in batch])
                for record in batch:
                    entries = found.get(int(record["article_id"])) or []
                    record[FILES_FIELD] = [_file_entry(f) for f in entries]
            if near_duplicates is not None:
                first = near_duplicates(
                    [(int(r["article_id"]), r["published_date"]) for r in batch]
                )
                for record in batch:
                    record[NEAR_DUPLICATE_FIELD] = first.get(int(record["article_id"]))
            writer.write_batch(batch)
            written += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
    finally:
        writer.close()
    return written


def iter_archive(
    store: ArchiveStore, *, batch_size: int = DEFAULT_BATCH_SIZE
) -> Iterator[dict[str, Any]]:
    """Every archived article, streamed in the store's batches."""
    return store.iter_articles(batch_size=batch_size)


def iter_search_matches(
    store: ArchiveStore,
    backend: SearchBackend,
    query: SearchQuery,
    *,
    page_size: int = SEARCH_PAGE_SIZE,
    window: int = MAX_WINDOW,
) -> Iterator[dict[str, Any]]:
    """Full archive records of every match of ``query``, page by page.

    The index holds display fields only; the archive holds every field, so each page of hit
    ids is read back from the store. Backends cannot page deeper than ``window`` hits
    (Elasticsearch's max_result_window), so a larger result is exported month by month
    (chronologically; matches without a publication date cannot be reached that way).
    """
    total = backend.count(query)
    if total <= window:
        yield from _paged_matches(store, backend, query, page_size)
        return
    for month, count in backend.aggregate(query).per_month:
        if count:
            year, number = int(month[:4]), int(month[5:7])
            first = dt.date(year, number, 1)
            following = dt.date(year + number // 12, number % 12 + 1, 1)
            in_month = replace(
                query,
                date_from=max(first, query.date_from or first),
                date_to=min(following - dt.timedelta(days=1), query.date_to or following),
                sort="oldest",
            )
            yield from _paged_matches(store, backend, in_month, page_size)


def _paged_matches(
    store: ArchiveStore, backend: SearchBackend, query: SearchQuery, page_size: int
) -> Iterator[dict[str, Any]]:
    seen: set[int] = set()  # ids only: guards against ties reordering between pages
    offset = 0
    while offset < MAX_WINDOW:
        # The last page before the window's end is shorter: a query past it is invalid.
        size = min(page_size, MAX_WINDOW - offset)
        page = backend.search(replace(query, limit=size, offset=offset))
        ids = [hit.article_id for hit in page.hits if hit.article_id not in seen]
        if not page.hits:
            return
        seen.update(ids)
        by_id = {int(a["article_id"]): a for a in store.iter_articles(ids=ids)} if ids else {}
        for article_id in ids:
            if article_id in by_id:
                yield by_id[article_id]
        offset += len(page.hits)
        if offset >= page.total:
            return


def matches_filters(article: Mapping[str, Any], query: SearchQuery) -> bool:
    """Whether an archive article passes the query's date, category and language filters.

    Used when an export has filters but no search words: the archive is streamed and filtered
    here rather than asking the index (which only returns matches of words).
    """
    published = article.get("published_date")
    day = (
        published
        if isinstance(published, dt.date) and not isinstance(published, dt.datetime)
        else (dt.date.fromisoformat(str(published)[:10]) if published else None)
    )
    if query.date_from and (day is None or day < query.date_from):
        return False
    if query.date_to and (day is None or day > query.date_to):
        return False
    if query.categories and article.get("category") not in query.categories:
        return False
    return not (query.lang and article.get("lang") != query.lang)
