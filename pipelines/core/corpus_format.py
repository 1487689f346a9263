"""The thaigov-v2-corpus text format: read (streaming), parse and write (pure, no Scrapy).

One file per article, ``data/YYYY/MM/DD/<category>_<n>[_<uuid>].txt`` where the date folders are
the day of collection::

    รัฐบาลไทย-ข่าวทำเนียบรัฐบาล-<title>
    <blank>
    <blank>
    วันศุกร์ที่ 13 ธันวาคม 2567        long Thai date
    13/12/2567                        numeric B.E. date (optional)
    พิมพ์                              print link text (optional)
    <title, repeated 0-3 times>
    <body lines>
    <blank>
    ที่มา : https://www.thaigov.go.th/news/contents/details/<id>

``render_corpus_file`` writes the same layout, so an export re-imports to the same articles
(same id, title, body, category, date lines; images/attachments are not part of the format).
"""

from __future__ import annotations

import multiprocessing
import os
import re
import tarfile
from collections.abc import Generator, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from pipelines.core.article import Article, canonical_url
from pipelines.core.text_cleaning import clean_line, clean_optional, clean_paragraphs
from pipelines.core.text_rules import (
    TITLE_PREFIX,
    article_lang,
    canonical_category,
    find_hashtags,
    split_header,
    strip_title_prefix,
)

SOURCE_PREFIX = "ที่มา : "

_SOURCE_URL = re.compile(
    r"^ที่มา\s*:\s*(https?://[^\s/]*thaigov\.go\.th/news/contents/details/(\d+))\s*$"
)
_DATE_FOLDERS = re.compile(r"(?:^|/)(\d{4})/(\d{2})/(\d{2})/[^/]+$")
_FILE_NAME = re.compile(r"^(?P<category>.*?)_(?P<n>\d+)(?:_[0-9A-Fa-f-]{32,36})?$")
#: Header lines (title repeats, dates, print link) never go beyond this line; bounds the work.
_HEADER_LINES = 40


@dataclass(frozen=True, slots=True)
class CorpusRecord:
    """One corpus file: its name inside the corpus and either an article or a problem."""

    name: str
    article: Article | None
    problem: str | None = None


# --- small pure helpers -----------------------------------------------------------------------
def parse_file_name(name: str) -> tuple[str | None, str | None]:
    """(category as written, fetched_at ISO at midnight UTC) from the file's name.

    Names are ``.../YYYY/MM/DD/<category>_<n>.txt``.
    """
    posix = name.replace(os.sep, "/")
    stem = PurePosixPath(posix).name.removesuffix(".txt")
    match = _FILE_NAME.match(stem)
    category = clean_optional(match.group("category") if match else stem)
    folders = _DATE_FOLDERS.search(posix)
    fetched_at = (
        f"{folders.group(1)}-{folders.group(2)}-{folders.group(3)}T00:00:00+00:00"
        if folders
        else None
    )
    return category, fetched_at


def title_from_line(line: str) -> str:
    """The title on a corpus file's first line, with or without the site's prefix."""
    title = strip_title_prefix(line)
    return clean_line(line) if title is None else title


# --- parsing ----------------------------------------------------------------------------------
def parse_corpus_text(name: str, text: str) -> CorpusRecord:
    """Parse one corpus file; never raises for content problems (they become ``problem``)."""
    text = text.lstrip("\ufeff")
    if not text.strip():
        return CorpusRecord(name, None, "empty file")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")

    source_index = None
    for index in range(len(lines) - 1, 0, -1):
        if _SOURCE_URL.match(lines[index].strip()):
            source_index = index
            break
    if source_index is None:
        return CorpusRecord(name, None, "no source URL")
    source_match = _SOURCE_URL.match(lines[source_index].strip())
    assert source_match is not None
    article_id = int(source_match.group(2))

    title = title_from_line(lines[0])
    header_end = min(source_index, _HEADER_LINES)
    header = split_header([clean_line(line) for line in lines[1:header_end]], title)
    body = clean_paragraphs("\n".join(lines[1 + header.body_start : source_index]))
    if not title and not body:
        return CorpusRecord(name, None, f"empty article {article_id} (no title, no body)")
    category, fetched_at = parse_file_name(name)
    article = Article(
        article_id=article_id,
        url=canonical_url(article_id),
        title=title,
        category=canonical_category(category) or None,
        category_original=category,
        lang=article_lang(title, body),
        published_date_text=header.long_date,
        published_date_numeric_text=header.numeric_date,
        body=body,
        hashtags=find_hashtags(body),
        images=[],
        attachments=[],
        fetched_at=fetched_at,
        source="corpus",
    )
    return CorpusRecord(name, article)


def parse_corpus_bytes(name: str, data: bytes) -> CorpusRecord:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return CorpusRecord(name, None, f"not UTF-8 ({exc.reason} at byte {exc.start})")
    return parse_corpus_text(name, text)


# --- reading ----------------------------------------------------------------------------------
def is_tarball(path: Path) -> bool:
    return path.is_file() and path.name.endswith((".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tar.xz"))


def iter_corpus_records(path: str | os.PathLike[str]) -> Iterator[CorpusRecord]:
    """Every ``.txt`` file of a corpus directory or tarball, parsed, in a stable order.

    A tarball is streamed member by member (``r|*``: no seeking, no extraction to disk), in
    archive order; a directory is walked in sorted order; a single file yields one record.
    """
    root = Path(path)
    if is_tarball(root):
        with tarfile.open(root, mode="r|*") as tar:
            for member in tar:
                if not (member.isfile() and member.name.endswith(".txt")):
                    continue
                handle = tar.extractfile(member)
                data = handle.read() if handle else b""
                yield parse_corpus_bytes(member.name, data)
    elif root.is_dir():
        for directory, subdirs, files in os.walk(root):
            subdirs.sort()
            for file_name in sorted(files):
                if file_name.endswith(".txt"):
                    file_path = Path(directory) / file_name
                    name = file_path.relative_to(root).as_posix()
                    yield parse_corpus_bytes(name, file_path.read_bytes())
    elif root.is_file():
        yield parse_corpus_bytes(root.name, root.read_bytes())
    else:
        raise FileNotFoundError(f"no corpus at {root}")


def _read_in_worker(path: str, queue: Any, batch_size: int) -> None:
    """Worker process body: parse the corpus and hand records over in batches; None ends."""
    try:
        batch: list[CorpusRecord] = []
        for record in iter_corpus_records(path):
            batch.append(record)
            if len(batch) >= batch_size:
                queue.put(batch)
                batch = []
        if batch:
            queue.put(batch)
        queue.put(None)
    except BaseException as exc:  # reported to the reading side, which re-raises
        queue.put(f"{type(exc).__name__}: {exc}")


def iter_corpus_records_in_background(
    path: str | os.PathLike[str], *, batch_size: int = 200, queued_batches: int = 8
) -> Generator[CorpusRecord, None, None]:
    """Like :func:`iter_corpus_records`, with reading and parsing in a separate process.

    An import is CPU-bound in the process that runs the pipelines (cleaning, dates, database,
    segmentation); decompressing and parsing 40,000 files in a second process uses the other
    core instead. The queue is bounded, so memory stays flat; closing the iterator early
    (``--limit``) stops the worker.
    """
    if not Path(path).exists():
        raise FileNotFoundError(f"no corpus at {path}")
    context = multiprocessing.get_context("spawn")  # no fork of a process running Twisted
    queue = context.Queue(maxsize=queued_batches)
    worker = context.Process(
        target=_read_in_worker, args=(os.fspath(path), queue, batch_size), daemon=True
    )
    worker.start()
    try:
        while True:
            batch = queue.get()
            if batch is None:
                break
            if isinstance(batch, str):
                raise RuntimeError(f"corpus reader failed: {batch}")
            yield from batch
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join(timeout=10)
        queue.close()


# --- writing ----------------------------------------------------------------------------------
def _file_category(category: str | None) -> str:
    """A category usable in a file name: no path separators, whitespace folded."""
    return clean_line((category or "").replace("/", " ").replace("\\", " ").replace("\0", ""))


def _date_folders(article: Mapping[str, Any]) -> str:
    stamp = str(article.get("fetched_at") or article.get("published_date") or "1970-01-01")
    year, month, day = stamp[:10].split("-")
    return f"{year}/{month}/{day}"


def render_corpus_file(record: Article | Mapping[str, Any]) -> tuple[str, str]:
    """(relative path, text) of one article in the corpus format (inverse of the parser).

    The file is named ``<category>_<article_id>.txt`` under the fetch date's folders, so names
    are unique per export and stable across exports; the category is the one the article was
    found with (``category_original``), so the parser gives back both category fields.
    """
    article = record.as_dict() if isinstance(record, Article) else record
    article_id = int(article["article_id"])
    title = clean_line(article.get("title"))
    lines = [TITLE_PREFIX + title, "", ""]
    for date_field in ("published_date_text", "published_date_numeric_text"):
        value = clean_optional(article.get(date_field))
        if value:
            lines.append(value)
    if title:
        lines.append(title)
    body = clean_paragraphs(article.get("body"))
    if body:
        lines.extend(body.split("\n"))
    lines.extend(["", SOURCE_PREFIX + canonical_url(article_id)])
    category = article.get("category_original") or article.get("category")
    relative = f"data/{_date_folders(article)}/{_file_category(category)}_{article_id}.txt"
    return relative, "\n".join(lines)
