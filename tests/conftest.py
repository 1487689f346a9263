"""Shared pytest fixtures: real services located through environment variables.

With CI=true a missing service fails the test that needs it; locally it skips with one line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import pytest

from tests.databases import fresh_postgres_database

REPO_ROOT = Path(__file__).resolve().parent.parent
SHARED_CORPUS_DIR = REPO_ROOT.parent / "shared" / "corpus"
SHARED_CORPUS_TARBALL = SHARED_CORPUS_DIR / "thaigov-v2-corpus-2020-2023.tar.gz"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def service_missing(reason: str) -> NoReturn:
    """Fail in CI (a missing service is a broken CI), skip locally with a one-line reason."""
    if in_ci():
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("THAIGOV_TEST_POSTGRES_URL")
    if not url:
        service_missing("no PostgreSQL: set THAIGOV_TEST_POSTGRES_URL (scripts/postgres.sh start)")
    return url


@pytest.fixture(scope="session")
def elasticsearch_url() -> str:
    url = os.environ.get("THAIGOV_TEST_ELASTICSEARCH_URL")
    if not url:
        service_missing(
            "no Elasticsearch: set THAIGOV_TEST_ELASTICSEARCH_URL (scripts/elasticsearch.sh start)"
        )
    return url


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = os.environ.get("THAIGOV_TEST_CHROMIUM") or "/usr/bin/chromium"
    if not Path(path).exists():
        service_missing(
            f"no Chromium at {path}: apt-get install chromium or set THAIGOV_TEST_CHROMIUM"
        )
    return path


@pytest.fixture(scope="session")
def shared_corpus() -> Path:
    """The real 2020-2023 corpus tarball; absent in a user's fresh clone, so skip (even in CI)."""
    if not SHARED_CORPUS_TARBALL.exists():
        pytest.skip(f"shared corpus not found at {SHARED_CORPUS_TARBALL}")
    return SHARED_CORPUS_TARBALL


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def archive_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty archive database: an SQLite file, or a new PostgreSQL database dropped after."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'archive' / 'archive.sqlite3'}"
        return
    with fresh_postgres_database(request.getfixturevalue("postgres_url")) as url:
        yield url
