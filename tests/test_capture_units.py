"""Capture rules (pure), the WARC writer/reader, and the capture tables on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
from argparse import Namespace
from collections.abc import Iterable
from pathlib import Path

import pytest

from pipelines.archive.captures import CaptureIndex
from pipelines.archive.store import ArchiveStore
from pipelines.archive.warc import WarcWriter, read_response, record_ids_in
from pipelines.core.capture import content_path, fetch_url, file_name, status_line


def warcio_check(paths: Iterable[Path]) -> tuple[bool, str]:
    """warcio's own checker (``warcio check -v``): every record parses and its digests match."""
    from warcio.checker import Checker

    paths = list(paths)
    assert paths, "no WARC file to check"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = Checker(Namespace(inputs=[str(p) for p in paths], verbose=True)).process_all()
    report = out.getvalue()
    return code == 0 and "digest fail" not in report, report


SITE = "http://127.0.0.1:8080"
MEDIA = "http://localhost:8080"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.thaigov.go.th/FileUpload/a.pdf", f"{SITE}/FileUpload/a.pdf"),
        ("https://thaigov.go.th/FileUpload/a.pdf?x=1#p", f"{SITE}/FileUpload/a.pdf?x=1"),
        ("https://media.thaigov.go.th/uploads/b.jpg", f"{MEDIA}/uploads/b.jpg"),
        ("https://cdn.example.org/b.jpg", None),
        ("https://evil.thaigov.go.th.example.org/b.jpg", None),
        ("ftp://www.thaigov.go.th/a.pdf", None),
        ("javascript:alert(1)", None),
    ],
)
def test_fetch_url_admits_only_the_site_and_its_media_host(url: str, expected: str | None) -> None:
    assert fetch_url(url, site_base_url=SITE + "/", media_base_url=MEDIA) == expected


def test_content_path_is_the_sha256_and_refuses_anything_else() -> None:
    digest = hashlib.sha256(b"x").hexdigest()
    assert content_path(digest) == f"sha256/{digest[:2]}/{digest[2:4]}/{digest}"
    for bad in ("../../etc/passwd", digest.upper(), digest[:-1]):
        with pytest.raises(ValueError):
            content_path(bad)


def test_small_helpers() -> None:
    assert file_name("https://x/a/b/report.pdf?x=1") == "report.pdf"
    assert file_name("https://x/") == "file"
    assert status_line(404) == "404 Not Found"
    assert status_line(799) == "799 Unknown"


def _write(writer: WarcWriter, url: str, body: bytes) -> object:
    return writer.write(
        url=url,
        method="GET",
        request_headers=[("User-Agent", "test")],
        status=200,
        response_headers=[("Content-Type", "text/html; charset=windows-874")],
        body=body,
        fetched_at=dt.datetime(2026, 11, 30, 8, 0, tzinfo=dt.UTC),
    )


def test_warc_writer_rotates_revisits_and_reads_back(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, max_size=1)  # every record past the first starts a new file
    first = _write(writer, "http://a/1", "สวัสดี".encode("cp874"))
    again = _write(writer, "http://a/1", "สวัสดี".encode("cp874"))
    other = _write(writer, "http://a/2", b"other")
    writer.close()
    assert len(writer.files) == 3
    assert [first.record_type, again.record_type, other.record_type] == [  # type: ignore[attr-defined]
        "response",
        "revisit",
        "response",
    ]
    assert again.refers_to == first.record_id  # type: ignore[attr-defined]
    back = read_response(tmp_path, first.warc_filename, first.warc_offset)  # type: ignore[attr-defined]
    assert back.body == "สวัสดี".encode("cp874") and back.encoding == "windows-874"
    with pytest.raises(ValueError, match="revisit"):
        read_response(tmp_path, again.warc_filename, again.warc_offset)  # type: ignore[attr-defined]
    ok, report = warcio_check(sorted(tmp_path.glob("*.warc.gz")))
    assert ok, report
    kinds = [kind for name in writer.files for kind, _, _ in record_ids_in(tmp_path / name)]
    assert kinds == [
        *("warcinfo", "response", "request"),
        *("warcinfo", "revisit", "request"),
        *("warcinfo", "response", "request"),
    ]


def test_capture_tables_on_both_databases(archive_url: str, tmp_path: Path) -> None:
    store = ArchiveStore(archive_url)
    try:
        index = CaptureIndex(store)
        writer = WarcWriter(tmp_path / "warc", prior=index.prior_payload)
        page = _write(writer, "http://a/news/contents/details/5", b"<html>5</html>")
        index.add_records([page], [5])  # type: ignore[list-item]
        writer.close()
        # A later run (a new writer) finds the payload through the archive: a revisit.
        later = WarcWriter(tmp_path / "warc", prior=index.prior_payload)
        revisit = _write(later, "http://a/news/contents/details/5", b"<html>5</html>")
        later.close()
        index.add_records([revisit], [5])  # type: ignore[list-item]
        assert revisit.record_type == "revisit"  # type: ignore[attr-defined]
        captured = index.page_captures([5, 6])
        assert set(captured) == {5}
        assert captured[5].record_id == revisit.record_id  # type: ignore[attr-defined]
        assert captured[5].payload_record_id == page.record_id  # type: ignore[attr-defined]

        data = b"%PDF-1.4 file"
        digest = hashlib.sha256(data).hexdigest()
        (tmp_path / "files" / content_path(digest)).parent.mkdir(parents=True)
        (tmp_path / "files" / content_path(digest)).write_bytes(data)
        row = {
            "article_id": 5,
            "url": "https://www.thaigov.go.th/FileUpload/a.pdf",
            "capture_url": "http://a/FileUpload/a.pdf",
            "kind": "attachment",
            "sha256": digest,
            "size": len(data),
            "content_type": "application/pdf",
            "path": content_path(digest),
            "fetched_at": dt.datetime(2026, 11, 30, tzinfo=dt.UTC),
        }
        index.record_files([row])
        index.record_files([row])  # the same (article, url) again: refreshed, not duplicated
        files = index.files_for([5])[5]
        assert [(f["url"], f["sha256"], f["size"]) for f in files] == [
            (row["url"], digest, len(data))
        ]
        assert index.verify_files(tmp_path / "files") == (1, [])
        (tmp_path / "files" / content_path(digest)).write_bytes(data + b"!")
        checked, problems = index.verify_files(tmp_path / "files")
        assert checked == 1 and "SHA-256 mismatch" in problems[0].problem
    finally:
        store.close()


def test_capture_settings_live_in_the_settings_object(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Defaults under the data directory; ``-s`` over the environment; none in settings.py."""
    import thaigov_crawler.settings as project
    from pipelines.core.settings import ThaigovSettings

    monkeypatch.delenv("THAIGOV_WARC_DIR", raising=False)
    monkeypatch.delenv("THAIGOV_FILES_DIR", raising=False)
    monkeypatch.setenv("THAIGOV_DATA_DIR", str(tmp_path / "d"))
    monkeypatch.setenv("THAIGOV_FILES_MAXSIZE", "123")
    config = ThaigovSettings.load()
    assert (config.warc_dir, config.files_dir) == (tmp_path / "d/warc", tmp_path / "d/files")
    assert config.warc_enabled and config.files_enabled and config.files_maxsize == 123
    assert config.media_base_url == "https://media.thaigov.go.th"
    scrapy = ThaigovSettings.from_scrapy(
        {"THAIGOV_WARC_ENABLED": "False", "THAIGOV_FILES_MAXSIZE": "7", "THAIGOV_WARC_DIR": "w"}
    )
    assert not scrapy.warc_enabled and scrapy.files_maxsize == 7
    assert scrapy.warc_dir == Path.cwd() / "w"  # absolute, like every path of the object
    assert not [name for name in vars(project) if name.startswith("THAIGOV_")]


def test_files_are_an_export_column_beside_the_record_not_a_record_field() -> None:
    """``files`` comes from the archive (article_files), like the bookkeeping columns: it is
    neither extracted nor hashed, so a new download never makes a new article version."""
    from pipelines.core.article import ALL_FIELDS, EXPORT_FIELDS, HASHED_FIELDS
    from search.services.export import (
        ARCHIVE_FIELDS,
        EXPORT_COLUMNS,
        FILES_FIELD,
        LIST_FIELDS,
        NEAR_DUPLICATE_FIELD,
    )
    from search.services.parquet import PARQUET_SCHEMA
    from search.web.models import ArticleOut

    assert (*EXPORT_FIELDS, *ARCHIVE_FIELDS, FILES_FIELD, NEAR_DUPLICATE_FIELD) == EXPORT_COLUMNS
    assert FILES_FIELD not in ALL_FIELDS and FILES_FIELD not in HASHED_FIELDS
    assert FILES_FIELD in LIST_FIELDS and FILES_FIELD in PARQUET_SCHEMA.names
    assert FILES_FIELD in ArticleOut.model_fields
