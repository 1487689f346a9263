"""Archive-grade capture end to end (issue 14): real crawls of the replica with every pipeline.

The replica serves the capture fixtures (3001-3003) with attachments and images on the site and
on a second host name standing for media.thaigov.go.th (``localhost`` on the same port), one
file forbidden by robots.txt, one too large and one on another host.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pipelines.archive.captures import CaptureIndex
from pipelines.archive.store import ArchiveStore
from pipelines.archive.warc import read_response, record_ids_in
from pipelines.core.extract import Extracted, extract_article
from pipelines.core.settings import ThaigovSettings
from tests.conftest import service_missing
from tests.replica import ReplicaServer
from tests.replica import fixtures as fx
from tests.test_capture_units import warcio_check
from tests.test_crawl_e2e import DEFAULT, REPO_ROOT, Crawl, run_crawl

IDS = [1001, 1002, 1003, 1007, 3001, 3002, 3003]
FILES_MAXSIZE = 50_000  # the replica's huge file is bigger
ARTICLES = {**fx.ARTICLES_BY_ID, **fx.CAPTURE_ARTICLES_BY_ID}


def capture_crawl(
    replica: ReplicaServer, tmp: Path, ids: list[int] = IDS, archive: str | None = None
) -> Crawl:
    return run_crawl(
        replica.base_url,
        tmp,
        {"ids": ",".join(map(str, ids))},
        {
            "THAIGOV_ARCHIVE_URL": archive or DEFAULT,
            "ITEM_PIPELINES": DEFAULT,
            "THAIGOV_MEDIA_BASE_URL": f"http://localhost:{replica.port}",
            "THAIGOV_FILES_MAXSIZE": str(FILES_MAXSIZE),
        },
    )


def thaigov(
    tmp: Path, *args: str, prelude: str = "", archive: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The ``thaigov`` CLI in a subprocess on the crawl's archive, WARCs and files."""
    code = f"{prelude}\nfrom search.cli import main\nmain()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=REPO_ROOT,
        env={
            **os.environ,
            "THAIGOV_ARCHIVE_URL": archive or f"sqlite:///{tmp / 'archive.sqlite3'}",
            "THAIGOV_SEARCH_PATH": str(tmp / "search.sqlite3"),
            "THAIGOV_WARC_DIR": str(tmp / "warc"),
            "THAIGOV_FILES_DIR": str(tmp / "files"),
            "THAIGOV_LOCK_FILE": str(tmp / "reextract.lock"),
            "COLUMNS": "200",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def replica() -> Any:
    with ReplicaServer(robots_txt=fx.CAPTURE_ROBOTS) as server:
        yield server


@pytest.fixture(scope="module")
def crawled(replica: ReplicaServer, tmp_path_factory: pytest.TempPathFactory) -> tuple[Crawl, Path]:
    tmp = tmp_path_factory.mktemp("capture")
    crawl = capture_crawl(replica, tmp)
    assert crawl.returncode == 0, crawl.log[-3000:]
    return crawl, tmp


def _store(tmp: Path, archive: str | None = None) -> ArchiveStore:
    return ArchiveStore(archive or f"sqlite:///{tmp / 'archive.sqlite3'}")


def test_warc_records_are_valid_and_cover_every_response(crawled: tuple[Crawl, Path]) -> None:
    crawl, tmp = crawled
    warcs = sorted((tmp / "warc").glob("*.warc.gz"))
    ok, report = warcio_check(warcs)
    assert ok, report
    records = [r for path in warcs for r in record_ids_in(path)]
    responses = [uri for kind, _, uri in records if kind in ("response", "revisit")]
    requests = [uri for kind, _, uri in records if kind == "request"]
    assert sorted(responses) == sorted(requests)  # every response with its request
    paths = {urlsplit(uri).path for uri in responses}
    assert "/robots.txt" in paths
    assert {f"/news/contents/details/{i}" for i in IDS} <= paths
    hosts = {urlsplit(uri).hostname for uri in responses}
    assert hosts == {"127.0.0.1", "localhost"}  # the site and the media host
    assert crawl.stats["warc/records"] == len(responses)
    assert crawl.stats.get("warc/failed", 0) == 0 and crawl.stats.get("warc/index_failed", 0) == 0


def test_every_archived_article_has_its_capture(crawled: tuple[Crawl, Path]) -> None:
    _, tmp = crawled
    with _store(tmp) as store:
        index = CaptureIndex(store)
        archived = index.archived_article_ids()
        captures = index.page_captures(archived)
    assert archived == sorted(IDS)
    assert sorted(captures) == archived
    for article_id, capture in captures.items():
        assert capture.payload_filename is not None and capture.payload_offset is not None
        stored = read_response(tmp / "warc", capture.payload_filename, capture.payload_offset)
        assert stored.status == 200
        assert stored.url == capture.url
        result = extract_article(stored.body, capture.url, encoding=stored.encoding)
        assert isinstance(result, Extracted)
        assert result.fields["title"] == ARTICLES[article_id].expected_title
        ids = {rid for _, rid, _ in record_ids_in(tmp / "warc" / capture.warc_filename)}
        assert capture.record_id in ids


def _replica_path(url: str) -> str:
    return urlsplit(url).path


def test_downloaded_files_are_the_replicas_bytes(crawled: tuple[Crawl, Path]) -> None:
    crawl, tmp = crawled
    with _store(tmp) as store:
        files = CaptureIndex(store).files_for(IDS)
    expected_urls: dict[int, list[str]] = {}
    for article_id in IDS:
        fields = ARTICLES[article_id].expected_fields()
        expected_urls[article_id] = [
            u
            for u in fields["attachments"] + fields["images"]
            if "cdn.example.org" not in u and fx.PRIVATE_FILES_PREFIX not in u and "huge" not in u
        ]
    assert {i: sorted(f["url"] for f in files.get(i, [])) for i in IDS} == {
        i: sorted(urls) for i, urls in expected_urls.items()
    }
    for entries in files.values():
        for entry in entries:
            served, content_type = fx.file_response(_replica_path(entry["url"])) or (b"", "")
            assert entry["sha256"] == hashlib.sha256(served).hexdigest()
            assert entry["size"] == len(served)
            assert entry["content_type"] == content_type
            assert entry["path"].endswith(entry["sha256"])
            assert (tmp / "files" / entry["path"]).read_bytes() == served
            assert entry["fetched_at"].endswith("+00:00")
    by_url = {e["url"]: e for entries in files.values() for e in entries}
    original = by_url["https://www.thaigov.go.th/FileUpload/Pictures/2567/12/photo-3001.jpg"]
    copy = by_url["https://www.thaigov.go.th/FileUpload/Pictures/2567/12/photo-3001-copy.jpg"]
    assert copy["path"] == original["path"]  # one stored copy of the same bytes
    stats = crawl.stats
    assert stats["files/skipped/offsite"] == 1
    assert stats["files/failed/robots_forbidden"] == 1
    assert stats["files/failed/too_large"] == 1
    assert stats["files/failed"] == 2
    assert stats["files/downloaded"] == sum(len(v) for v in expected_urls.values())


def test_db_verify_reports_a_tampered_file(crawled: tuple[Crawl, Path], tmp_path: Path) -> None:
    _, tmp = crawled
    work = tmp_path / "work"
    shutil.copytree(tmp / "files", work)
    intact = thaigov(tmp, "db", "verify", "--files-dir", str(work))
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "all intact" in intact.stdout
    victim = next(p for p in sorted(work.rglob("*")) if p.is_file())
    victim.write_bytes(victim.read_bytes()[:-1] + b"?")
    tampered = thaigov(tmp, "db", "verify", "--files-dir", str(work))
    assert tampered.returncode == 1
    assert victim.name in tampered.stdout and "SHA-256 mismatch" in tampered.stdout
    victim.unlink()
    missing = thaigov(tmp, "db", "verify", "--files-dir", str(work))
    assert missing.returncode == 1 and "missing" in missing.stdout


def test_export_carries_files(crawled: tuple[Crawl, Path], tmp_path: Path) -> None:
    _, tmp = crawled
    out = tmp_path / "export.jsonl"
    result = thaigov(tmp, "export", "-f", "jsonl", "-o", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    import json

    records = {r["article_id"]: r for r in map(json.loads, out.read_text().splitlines())}
    with _store(tmp) as store:
        files = CaptureIndex(store).files_for(IDS)
    for article_id in IDS:
        got = records[article_id]["files"]
        assert [(f["url"], f["sha256"], f["size"], f["content_type"], f["path"]) for f in got] == [
            (f["url"], f["sha256"], f["size"], f["content_type"], f["path"])
            for f in files.get(article_id, [])
        ]


@pytest.fixture(scope="module")
def wacz(crawled: tuple[Crawl, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    _, tmp = crawled
    out = tmp_path_factory.mktemp("wacz") / "articles.wacz"
    result = thaigov(tmp, "export", "--format", "wacz", "-o", str(out), "--lang", "th")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WACZ validation passed" in result.stdout
    return out


def test_wacz_export_validates_with_the_wacz_validator(
    wacz: Path, crawled: tuple[Crawl, Path]
) -> None:
    from wacz.main import main as wacz_main

    assert wacz_main(["validate", "-f", str(wacz)]) == 0
    import json

    with zipfile.ZipFile(wacz) as package:
        names = package.namelist()
        pages = [json.loads(line) for line in package.read("pages/pages.jsonl").splitlines()]
    assert {"datapackage.json", "indexes/index.cdx.gz", "pages/pages.jsonl"} <= set(names)
    thai_ids = sorted(i for i in IDS if ARTICLES[i].lang == "th")  # the --lang filter applies
    page_paths = sorted(urlsplit(p["url"]).path for p in pages[1:])
    assert page_paths == sorted(f"/news/contents/details/{i}" for i in thai_ids)
    texts = {urlsplit(p["url"]).path: p.get("text") for p in pages[1:]}
    body = ARTICLES[3001].expected_fields()["body"]
    assert texts["/news/contents/details/3001"] == body


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.timeout(240)
def test_wacz_replays_in_pywb(wacz: Path, replica: ReplicaServer, tmp_path: Path) -> None:
    wayback = os.environ.get("THAIGOV_TEST_PYWB")
    if not wayback or not Path(wayback).exists():
        service_missing("no pywb: set THAIGOV_TEST_PYWB to its wayback binary (make pywb)")
    assert wayback is not None
    manager = str(Path(wayback).with_name("wb-manager"))
    subprocess.run([manager, "init", "thaigov"], cwd=tmp_path, check=True, capture_output=True)
    added = subprocess.run(
        [manager, "add", "--unpack-wacz", "thaigov", str(wacz)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stdout + added.stderr
    port = _free_port()
    server = subprocess.Popen(
        [wayback, "-b", "127.0.0.1", "-p", str(port)],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = f"{replica.base_url}/news/contents/details/3001"
        url = f"http://127.0.0.1:{port}/thaigov/2026id_/{page}"
        body = b""
        for _ in range(120):  # pywb takes a few seconds to start
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    body = response.read()
                break
            except OSError:
                time.sleep(0.5)
        assert body == replica.article_bytes(fx.CAPTURE_ARTICLES_BY_ID[3001])
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_recrawl_writes_revisits_that_resolve(replica: ReplicaServer, tmp_path: Path) -> None:
    first = capture_crawl(replica, tmp_path, [3001, 3003])
    file_hits = {
        p: n for p, n in replica.hits.items() if p.startswith(("/FileUpload/", "/uploads/"))
    }
    second = capture_crawl(replica, tmp_path, [3001, 3003])
    assert first.returncode == 0 and second.returncode == 0, second.log[-3000:]
    assert first.stats.get("warc/revisit", 0) == 1  # robots.txt of the second host: same bytes
    # Nothing changed on the replica: every response of the second run repeats a payload.
    assert second.stats["warc/revisit"] == second.stats["warc/records"]
    # Files downloaded by the first run are not fetched again (FILES_EXPIRES days).
    assert first.stats["files/downloaded"] == 4
    assert second.stats.get("files/downloaded", 0) == 0 and second.stats["files/uptodate"] == 4
    assert {p: replica.hits[p] for p in file_hits} == file_hits
    ok, report = warcio_check(sorted((tmp_path / "warc").glob("*.warc.gz")))
    assert ok, report
    with _store(tmp_path) as store:
        captures = CaptureIndex(store).page_captures([3001, 3003])
    for capture in captures.values():
        assert capture.payload_record_id != capture.record_id  # latest is a revisit...
        assert capture.payload_filename is not None and capture.payload_offset is not None
        stored = read_response(tmp_path / "warc", capture.payload_filename, capture.payload_offset)
        assert stored.status == 200  # ...resolved to the first run's response


#: Run the CLI with one extraction rule changed: the print link is no longer recognised, so
#: articles that have one gain a first body line "พิมพ์" and no others change.
CHANGED_RULE = "import pipelines.core.text_rules as rules\nrules.PRINT_LINK = 'print'"


def test_reextract_changes_nothing_then_versions_a_changed_rule(
    replica: ReplicaServer, tmp_path: Path, archive_url: str
) -> None:
    """On SQLite and PostgreSQL: the crawl, its captures and the re-extractions."""
    crawl = capture_crawl(replica, tmp_path, archive=archive_url)
    assert crawl.returncode == 0, crawl.log[-3000:]
    with _store(tmp_path, archive_url) as store:
        before = {a["article_id"]: a for a in store.iter_articles()}
    replica_hits = sum(replica.hits.values())

    same = thaigov(tmp_path, "reextract", "--all", archive=archive_url)
    assert same.returncode == 0, same.stdout + same.stderr
    with _store(tmp_path, archive_url) as store:
        after_same = {a["article_id"]: a for a in store.iter_articles()}
        runs = store.get_runs(1)
    assert {i: a["version"] for i, a in after_same.items()} == {i: 1 for i in IDS}
    assert {i: a["body"] for i, a in after_same.items()} == {
        i: a["body"] for i, a in before.items()
    }
    stats = runs[0]["stats"]
    assert runs[0]["spider"] == "thaigov_reextract"
    assert stats["reextract/read"] == len(IDS) and stats["archive/unchanged"] == len(IDS)
    assert stats.get("archive/updated", 0) == 0

    changed = thaigov(tmp_path, "reextract", "--all", prelude=CHANGED_RULE, archive=archive_url)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    with _store(tmp_path, archive_url) as store:
        after = {a["article_id"]: a for a in store.iter_articles()}
        runs = store.get_runs(1)
    with_print = {i for i in IDS if ARTICLES[i].print_link}
    assert with_print and with_print != set(IDS)
    assert {i for i, a in after.items() if a["version"] == 2} == with_print
    for article_id in with_print:
        assert after[article_id]["body"].startswith("พิมพ์\n")
    assert runs[0]["stats"]["archive/updated"] == len(with_print)
    assert "changed (new version)" in changed.stdout

    ids = thaigov(tmp_path, "reextract", "--ids", "3001,9999", archive=archive_url)
    assert ids.returncode == 0, ids.stdout + ids.stderr
    with _store(tmp_path, archive_url) as store:
        runs = store.get_runs(1)
    assert runs[0]["stats"]["reextract/no_capture"] == 1
    assert runs[0]["stats"]["archive/updated"] == 1  # back to today's rule: a third version
    assert sum(replica.hits.values()) == replica_hits  # no request reached the site


def test_article_page_links_the_archived_copy_served_safely(crawled: tuple[Crawl, Path]) -> None:
    from fastapi.testclient import TestClient

    from search.web import create_app

    _, tmp = crawled
    with _store(tmp) as store:
        files = CaptureIndex(store).files_for([3001])[3001]
        settings = ThaigovSettings.load(files_dir=tmp / "files")
        with TestClient(create_app(store, settings=settings)) as client:
            page = client.get("/articles/3001")
            api = client.get("/api/articles/3001").json()
            pdf = next(f for f in files if f["url"].endswith("cabinet-3001.pdf"))
            served = client.get(f"/files/{pdf['sha256']}")
            unknown = client.get("/files/" + "0" * 64)
            traversal = client.get("/files/..%2F..%2Fetc%2Fpasswd")
        # Behind a proxy (serve --root-path), the archived copy's link starts at the root path.
        with TestClient(create_app(store, settings=settings), root_path="/thaigov") as proxied:
            prefixed = proxied.get("/articles/3001")
    assert page.status_code == 200
    for entry in files:
        assert f'href="/files/{entry["sha256"]}"' in page.text  # beside the original URL
        assert f'href="{entry["url"]}"' in page.text
    assert all(f'href="/thaigov/files/{e["sha256"]}"' in prefixed.text for e in files)
    assert served.status_code == 200
    assert served.content == fx.file_response("/uploads/2567/12/cabinet-3001.pdf")[0]  # type: ignore[index]
    assert served.headers["content-type"] == "application/pdf"
    assert served.headers["content-disposition"] == "attachment; filename*=UTF-8''cabinet-3001.pdf"
    assert served.headers["x-content-type-options"] == "nosniff"
    # The route's own policy, kept by the security middleware (which adds the other headers).
    assert served.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert served.headers["x-frame-options"] == "DENY"
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert unknown.status_code == 404 and traversal.status_code in (404, 422)
    assert sorted(f["sha256"] for f in api["files"]) == sorted(f["sha256"] for f in files)
    assert all(f["local_url"] == f"/files/{f['sha256']}" for f in api["files"])


def test_reextract_reads_raw_html_kept_before_warc_capture(
    replica: ReplicaServer, tmp_path: Path
) -> None:
    """Articles crawled with ARCHIVE_RAW_HTML and no WARC capture are re-extracted too."""
    crawl = run_crawl(
        replica.base_url,
        tmp_path,
        {"ids": "1001,1002"},
        {"ITEM_PIPELINES": DEFAULT, "ARCHIVE_RAW_HTML": "True", "THAIGOV_WARC_ENABLED": "False"},
    )
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert not (tmp_path / "warc").exists()
    changed = thaigov(tmp_path, "reextract", "--all", prelude=CHANGED_RULE)
    assert changed.returncode == 0, changed.stdout + changed.stderr
    with _store(tmp_path) as store:
        versions = {a["article_id"]: a["version"] for a in store.iter_articles()}
        stats = store.get_runs(1)[0]["stats"]
    assert stats["reextract/from_raw_html"] == 2 and stats.get("reextract/no_capture", 0) == 0
    assert versions == {1001: 2, 1002: 1}  # only 1001 has a print link
