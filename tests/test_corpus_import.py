"""``thaigov import-corpus`` end to end: real CLI process, real pipelines, real archive and index.

Each import runs in its own process (Twisted's reactor cannot restart), like a user's command.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines.archive.store import ArchiveStore
from pipelines.core.article import EXPORT_FIELDS
from search.backends.embedded import EmbeddedBackend
from search.core.query import SearchQuery
from tests.test_corpus_format import (
    ENGLISH_FILE,
    NO_SOURCE_FILE,
    SOFT_404_FILE,
    THAI_FILE,
    write_corpus,
    write_tarball,
)

EDITED_THAI_FILE = THAI_FILE.replace("ผู้เข้าร่วมงานกว่า 500 คน", "ผู้เข้าร่วมงานกว่า 800 คน")
CORPUS = {
    "data/2024/12/14/ด้านสังคม_1_0a1b2c3d-aaaa-bbbb-cccc-0123456789ab.txt": THAI_FILE,
    "data/2024/12/11/Government News_1.txt": ENGLISH_FILE,
    "data/2024/12/11/_1.txt": SOFT_404_FILE,
    "data/2024/12/12/ด้านสังคม_2.txt": NO_SOURCE_FILE,
    "data/2024/12/12/ด้านสังคม_3.txt": "",
    "data/2024/12/15/ด้านสังคม_1.txt": THAI_FILE,  # the same article collected again
}


def import_corpus(path: Path, url: str, work: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("THAIGOV_ELASTICSEARCH")  # this test indexes into the embedded one
    }
    env.update(
        THAIGOV_ARCHIVE_URL=url,
        THAIGOV_SEARCH_PATH=str(work / "search.sqlite3"),
        THAIGOV_LOCK_FILE=str(work / "crawl.lock"),
        COLUMNS="200",
    )
    command = [sys.executable, "-c", "from search.cli import main; main()"]
    return subprocess.run(
        [*command, "import-corpus", str(path), *args],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=240,
    )


def summary(output: str) -> dict[str, Any]:
    """The ``--json`` summary: one JSON object on stdout."""
    figures: dict[str, Any] = json.loads(output)
    return figures


@pytest.fixture
def corpus_dir(tmp_path: Path) -> Path:
    write_corpus(tmp_path / "corpus", CORPUS)
    return tmp_path / "corpus"


def test_import_directory_then_reimport_changes_nothing(
    corpus_dir: Path,
    archive_url: str,
    tmp_path: Path,
) -> None:
    first = import_corpus(corpus_dir, archive_url, tmp_path, "--json")
    assert first.returncode == 0, first.stderr[-3000:]
    figures = summary(first.stdout)
    assert figures["files_read"] == 6
    assert figures["articles"] == 2
    assert figures["inserted"] == 2
    assert figures["indexed"] == 2
    assert figures["files_not_imported"] == 4
    assert (figures["failed"], figures["index_failed"], figures["exit_code"]) == (0, 0, 0)
    problems = " | ".join(p["problem"] for p in figures["problems"])
    for problem in ("no source URL", "empty file", "empty article 90003", "duplicate id 90001"):
        assert problem in problems

    with ArchiveStore(archive_url) as store:
        articles = {a["article_id"]: a for a in store.iter_articles()}
        assert set(articles) == {90001, 90002}
        thai = articles[90001]
        assert set(EXPORT_FIELDS) <= set(thai)
        # The same pipelines as a crawl ran: cleaning, Thai dates, archive, index.
        assert thai["published_date"] == "2024-12-13"
        assert "2024-12-13" in thai["date_mentions"]
        assert thai["source"] == "corpus"
        assert thai["category"] == "ด้านสังคม"
        assert articles[90002]["lang"] == "en"
        assert articles[90002]["published_date"] == "2024-12-11"
        assert store.count(pending_only=True) == 0
        [run] = store.get_runs(1)
        assert (run["spider"], run["status"], run["exit_code"]) == ("thaigov_corpus", "finished", 0)
        assert run["stats"]["corpus/problems"] == 4
        before = list(store.iter_articles())

    index = EmbeddedBackend(tmp_path / "search.sqlite3")
    hits = index.search(SearchQuery.build("หนังสือ")).hits
    assert [h.article_id for h in hits] == [90001]
    index.close()

    again = import_corpus(corpus_dir, archive_url, tmp_path, "--json")
    assert again.returncode == 0, again.stderr[-3000:]
    assert summary(again.stdout)["unchanged"] == 2
    assert summary(again.stdout)["inserted"] == 0
    with ArchiveStore(archive_url) as store:
        assert list(store.iter_articles()) == before
        assert store.stats()["versions"] == 0


def test_import_tarball_with_limit_and_a_later_edit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    write_tarball(tmp_path / "corpus.tar.gz", CORPUS)
    first = import_corpus(tmp_path / "corpus.tar.gz", url, tmp_path, "--limit", "1", "--json")
    assert first.returncode == 0, first.stderr[-3000:]
    assert summary(first.stdout)["articles"] == 1
    with ArchiveStore(url) as store:
        assert store.count() == 1

    # A later collection of the same article with an edited body: a new version.
    later = {"data/2024/12/20/ด้านสังคม_1.txt": EDITED_THAI_FILE}
    write_tarball(tmp_path / "later.tar.gz", later)
    second = import_corpus(tmp_path / "later.tar.gz", url, tmp_path)  # the human summary
    assert second.returncode == 0, second.stderr[-3000:]
    assert "Corpus import" in second.stdout and "updated (new version)" in second.stdout
    with ArchiveStore(url) as store:
        stored = store.get_article(90001)
        assert stored is not None
        assert "800 คน" in stored["body"]
        assert stored["version"] == 2
        [old] = store.get_versions(90001)
        assert "500 คน" in old["body"]
        assert old["replaced_at"] == "2024-12-20T00:00:00+00:00"


def test_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    result = import_corpus(tmp_path / "nope", f"sqlite:///{tmp_path / 'a.sqlite3'}", tmp_path)
    assert result.returncode == 2
    assert "does not exist" in result.stderr


@pytest.mark.corpus
def test_real_corpus_subset(shared_corpus: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'archive.sqlite3'}"
    result = import_corpus(shared_corpus, url, tmp_path, "--limit", "2000", "--json")
    assert result.returncode == 0, result.stderr[-3000:]
    figures = summary(result.stdout)
    assert figures["articles"] == 2000
    assert figures["inserted"] == 2000
    assert figures["failed"] == 0
    with ArchiveStore(url) as store:
        assert store.count() == 2000
        assert store.count(pending_only=True) == 0
        articles = list(store.iter_articles())
    dated = sum(1 for a in articles if a["published_date"])
    assert dated >= 1990  # every corpus file has the long Thai date line
    assert all(a["title"] and a["category"] for a in articles)
    assert sum(1 for a in articles if a["body"]) >= 1900  # a few posts are a video or an image
    assert all(a["url"].endswith(f"/details/{a['article_id']}") for a in articles)
    english = [a for a in articles if a["lang"] == "en"]
    assert english and all(a["category"] for a in english)
