"""A fresh archive and search index for `thaigov` commands run in-process (Typer's CliRunner),
shared by the reindex and semantic command-line tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from pipelines.archive.store import ArchiveStore
from tests.search_fixtures import drop_elasticsearch

runner = CliRunner()


@contextmanager
def archive_env(
    request: pytest.FixtureRequest, tmp_path: Path, articles: list[dict[str, Any]]
) -> Iterator[dict[str, str]]:
    """Environment naming a fresh SQLite archive holding ``articles`` and a fresh index of the
    kind ``request.param`` names ("embedded" or "elasticsearch", dropped afterwards)."""
    values = {"THAIGOV_ARCHIVE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}"}
    prefix = ""
    if request.param == "elasticsearch":
        url = request.getfixturevalue("elasticsearch_url")
        prefix = f"thaigov-test-{uuid.uuid4().hex[:10]}"
        values |= {"THAIGOV_ELASTICSEARCH_URL": url, "THAIGOV_ELASTICSEARCH_INDEX": prefix}
    else:
        values["THAIGOV_SEARCH_PATH"] = str(tmp_path / "search.sqlite3")
    with ArchiveStore(values["THAIGOV_ARCHIVE_URL"]) as store:
        results = store.upsert_batch(articles)
        assert all(r.action == "inserted" for r in results)
    yield values
    if prefix:
        drop_elasticsearch(values["THAIGOV_ELASTICSEARCH_URL"], prefix)


def thaigov(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    """``thaigov ARGS`` in-process: (exit code, stdout, stderr); a crash is raised, not hidden."""
    from search.cli import app

    result = runner.invoke(app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr
