"""WARC files (ISO 28500) written and read with warcio: rotating gzipped files per crawl run.

No Scrapy here: the crawl's downloader middleware hands plain values to :class:`WarcWriter`,
and re-extraction and the WACZ export read records back with :func:`read_response`.
Each record is its own gzip member, so a record's (file, offset, length) is enough to copy it
into another WARC or to read it alone.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

from pipelines.core.capture import status_line, warc_file_name

DEFAULT_MAX_SIZE = 1024**3  # 1 GiB, the customary WARC file size (Heritrix, Browsertrix)
Headers = Sequence[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class PriorPayload:
    """An earlier response record with the same payload digest (what a revisit refers to)."""

    url: str
    fetched_at: dt.datetime
    record_id: str


@dataclass(frozen=True, slots=True)
class WrittenRecord:
    """Where a response (or revisit) record went; one ``captures`` row."""

    url: str
    record_type: str
    record_id: str
    refers_to: str | None
    status: int
    content_type: str | None
    payload_digest: str
    warc_filename: str
    warc_offset: int
    warc_length: int
    fetched_at: dt.datetime


def payload_digest(body: bytes) -> str:
    """The WARC-Payload-Digest warcio writes (``sha1:`` + base32), computed once, up front."""
    digester = Digester("sha1")
    digester.update(body)
    return str(digester)


def _warc_date(moment: dt.datetime) -> str:
    return str(
        datetime_to_iso_date(moment.astimezone(dt.UTC).replace(tzinfo=None), use_micros=True)
    )


class WarcWriter:
    """Appends request/response pairs to ``directory``, starting a new file past ``max_size``.

    ``prior(digest)`` names an earlier response with the same payload (this run or an earlier
    one); the response is then written as a revisit record (identical-payload-digest profile)
    without its body. Files get a warcinfo record first and are flushed after every record, so
    a killed crawl leaves complete records behind.
    """

    def __init__(
        self,
        directory: Path,
        *,
        prefix: str = "thaigov",
        max_size: int = DEFAULT_MAX_SIZE,
        info: dict[str, str] | None = None,
        prior: Callable[[str], PriorPayload | None] | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self.max_size = max_size
        self.info = dict(info or {})
        self.prior = prior
        self.started = dt.datetime.now(dt.UTC)
        self.serial = 0
        self.files: list[str] = []
        self._seen: dict[str, PriorPayload] = {}
        self._file: IO[bytes] | None = None
        self._writer: WARCWriter | None = None
        self.filename = ""

    def _open_next(self) -> None:
        self.close()
        self.directory.mkdir(parents=True, exist_ok=True)
        while self._file is None:  # never append to another writer's file (same second, pid)
            self.serial += 1
            self.filename = warc_file_name(self.prefix, self.started, self.serial, os.getpid())
            try:
                self._file = (self.directory / self.filename).open("xb")
            except FileExistsError:
                continue
        self._writer = WARCWriter(self._file, gzip=True, warc_version="1.1")
        self._writer.write_record(self._writer.create_warcinfo_record(self.filename, self.info))
        self._file.flush()
        self.files.append(self.filename)

    def _ready(self) -> tuple[IO[bytes], WARCWriter]:
        if self._file is None or self._file.tell() >= self.max_size:
            self._open_next()
        assert self._file is not None and self._writer is not None
        return self._file, self._writer

    def write(
        self,
        *,
        url: str,
        method: str,
        request_headers: Headers,
        status: int,
        response_headers: Headers,
        body: bytes,
        fetched_at: dt.datetime,
        protocol: str = "HTTP/1.1",
    ) -> WrittenRecord:
        """Write the response (or a revisit) and its request; returns the response's place."""
        out, writer = self._ready()
        digest = payload_digest(body)
        prior = self._seen.get(digest)
        if prior is None and self.prior is not None:
            prior = self.prior(digest)
        date = _warc_date(fetched_at)
        http_headers = StatusAndHeaders(status_line(status), list(response_headers), protocol)
        warc_headers = {"WARC-Date": date, "WARC-Payload-Digest": digest}
        if prior is not None:
            record = writer.create_revisit_record(
                url,
                digest,
                prior.url,
                _warc_date(prior.fetched_at),
                http_headers=http_headers,
                warc_headers_dict={"WARC-Date": date, "WARC-Refers-To": prior.record_id},
            )
        else:
            record = writer.create_warc_record(
                url,
                "response",
                payload=io.BytesIO(body),
                length=len(body),
                http_headers=http_headers,
                warc_headers_dict=warc_headers,
            )
        record_id = record.rec_headers.get_header("WARC-Record-ID")
        offset = out.tell()
        writer.write_record(record)
        length = out.tell() - offset
        request = writer.create_warc_record(
            url,
            "request",
            http_headers=StatusAndHeaders(
                f"{method} {_request_target(url)}",
                list(request_headers),
                protocol,
                is_http_request=True,
            ),
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": record_id},
        )
        writer.write_record(request)
        out.flush()
        if prior is None:
            self._seen[digest] = PriorPayload(url, fetched_at, record_id)
        content_type = next(
            (value for name, value in response_headers if name.lower() == "content-type"), None
        )
        return WrittenRecord(
            url=url,
            record_type="revisit" if prior is not None else "response",
            record_id=record_id,
            refers_to=prior.record_id if prior is not None else None,
            status=status,
            content_type=content_type[:200] if content_type else None,
            payload_digest=digest,
            warc_filename=self.filename,
            warc_offset=offset,
            warc_length=length,
            fetched_at=fetched_at,
        )

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
        self._file = None
        self._writer = None


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    split = urlsplit(url)
    return (split.path or "/") + (f"?{split.query}" if split.query else "")


@dataclass(frozen=True, slots=True)
class StoredResponse:
    """A response read back from a WARC: decoded body (chunking and Content-Encoding undone)."""

    url: str
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)

    @property
    def encoding(self) -> str | None:
        """The charset the Content-Type header declares, if any."""
        content_type = self.header("Content-Type") or ""
        for part in content_type.split(";")[1:]:
            key, _, value = part.strip().partition("=")
            if key.lower() == "charset" and value:
                return value.strip("\"' ")
        return None


def read_response(directory: Path, filename: str, offset: int) -> StoredResponse:
    """The response record at ``offset`` of ``directory/filename`` (raises if it is not one)."""
    with (Path(directory) / filename).open("rb") as stream:
        stream.seek(offset)
        for record in ArchiveIterator(stream):
            if record.rec_type != "response" or record.http_headers is None:
                raise ValueError(f"{filename}@{offset} is a {record.rec_type} record")
            body = record.content_stream().read()
            status = int(record.http_headers.get_statuscode() or 0)
            return StoredResponse(
                url=record.rec_headers.get_header("WARC-Target-URI") or "",
                status=status,
                headers=list(record.http_headers.headers),
                body=body,
            )
    raise ValueError(f"no WARC record at {filename}@{offset}")


def copy_record(directory: Path, filename: str, offset: int, length: int, out: IO[bytes]) -> None:
    """Copy one record's gzip member byte for byte (a valid WARC record on its own)."""
    with (Path(directory) / filename).open("rb") as stream:
        stream.seek(offset)
        data = stream.read(length)
    if len(data) != length:
        raise ValueError(f"{filename}@{offset}: WARC file shorter than its indexed record")
    out.write(data)


def record_ids_in(path: Path) -> list[tuple[str, str, Any]]:
    """(type, record id, target URI) of every record in a WARC file, in order."""
    with Path(path).open("rb") as stream:
        return [
            (
                record.rec_type,
                record.rec_headers.get_header("WARC-Record-ID"),
                record.rec_headers.get_header("WARC-Target-URI"),
            )
            for record in ArchiveIterator(stream)
        ]
