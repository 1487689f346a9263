"""Two real crawls of the local replica site into the archive leave the same rows."""

from __future__ import annotations

from pathlib import Path

from pipelines.archive.store import ArchiveStore
from tests.replica import fixtures as fx
from tests.test_crawl_e2e import DEFAULT, ReplicaServer, replica, run_crawl  # noqa: F401

LAST_ID = fx.FIRST_ID + 9


def crawl(server: ReplicaServer, tmp_path: Path, url: str, run: str) -> dict[str, int]:
    work = tmp_path / run
    work.mkdir()
    done = run_crawl(
        server.base_url,
        work,
        {"start_id": str(fx.FIRST_ID), "end_id": str(LAST_ID)},
        {"ITEM_PIPELINES": DEFAULT, "THAIGOV_ARCHIVE_URL": url, "SEARCH_INDEX_ENABLED": "False"},
    )
    assert done.returncode == 0, done.log[-3000:]
    return {key: int(done.stats.get(f"archive/{key}") or 0) for key in ("inserted", "unchanged")}


def test_recrawl_leaves_identical_rows(
    replica: ReplicaServer,  # noqa: F811
    archive_url: str,
    tmp_path: Path,
) -> None:
    expected = {i for i in fx.ARTICLE_IDS if fx.FIRST_ID <= i <= LAST_ID}
    first = crawl(replica, tmp_path, archive_url, "first")
    assert first == {"inserted": len(expected), "unchanged": 0}
    with ArchiveStore(archive_url) as store:
        before = {a["article_id"]: a for a in store.iter_articles()}
    assert set(before) == expected

    second = crawl(replica, tmp_path, archive_url, "second")
    assert second == {"inserted": 0, "unchanged": len(expected)}
    with ArchiveStore(archive_url) as store:
        after = {a["article_id"]: a for a in store.iter_articles()}
        assert store.stats()["versions"] == 0
        assert [run["status"] for run in store.get_runs()] == ["finished", "finished"]
    for article_id, row in after.items():
        assert row["last_seen_at"] > before[article_id]["last_seen_at"]
        assert {k: v for k, v in row.items() if k != "last_seen_at"} == {
            k: v for k, v in before[article_id].items() if k != "last_seen_at"
        }
