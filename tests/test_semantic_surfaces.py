"""Semantic search through every surface: the crawl's embedding pipeline, ``thaigov reindex``
and ``thaigov search --mode``, the API (``mode=``, ``/similar``) and the pages."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from scrapy import signals
from scrapy.utils.test import get_crawler

from pipelines.adapters.embedding import EmbeddingPipeline
from pipelines.adapters.signals import archive_batch_committed
from pipelines.archive.store import ArchiveStore
from search.backends.embedded import EmbeddedBackend
from search.backends.vectors_embedded import EmbeddedVectorStore
from search.services.documents import documents_from_articles
from search.services.embedding import BatchEmbedder
from search.services.semantic import Searcher
from search.web import create_app
from tests.cli_env import archive_env, thaigov
from tests.semantic_fixtures import SEMANTIC_ARTICLES, semantic_article
from tests.web_fixtures import article as full_record

# --- crawl: the embedding pipeline ---------------------------------------------------------------


def test_crawl_embeds_committed_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAIGOV_SEARCH_PATH", str(tmp_path / "search.sqlite3"))
    with ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite3'}") as store:
        crawler = get_crawler(settings_dict={"SEARCH_EMBED_BATCH_SIZE": 3})
        pipeline = EmbeddingPipeline.from_crawler(crawler)
        pipeline.open_spider()
        vectors = EmbeddedVectorStore(tmp_path / "search.vectors.sqlite3")

        def commit(articles: list[dict[str, Any]]) -> None:
            results = store.upsert_batch(articles)
            crawler.signals.send_catch_log(archive_batch_committed, results=results)

        commit(SEMANTIC_ARTICLES[:4])
        assert vectors.count() == 3  # one full batch embedded, one article buffered
        commit(SEMANTIC_ARTICLES[4:])
        commit(SEMANTIC_ARTICLES)  # unchanged: nothing to embed again
        pipeline.close_spider()
        crawler.signals.send_catch_log(signals.spider_closed, spider=None, reason="finished")
        assert vectors.hashes() == store.content_hashes()
        stats = crawler.stats.get_stats()
        assert (stats["embed/embedded"], stats["embed/failed"]) == (len(SEMANTIC_ARTICLES), 0)
        assert stats["embed/passages"] >= len(SEMANTIC_ARTICLES)
        assert isinstance(stats["pipeline/embed/seconds"], float)


def test_crawl_loads_the_encoder_only_when_it_archives_something_new(tmp_path: Path) -> None:
    """Two real crawls of the same pages (subprocesses, so each starts without weights): the
    first embeds and says it loaded the encoder; the second archives nothing new and never
    loads it (``embed/encoder_load_seconds`` is absent from its stats)."""
    from tests.replica import ReplicaServer
    from tests.replica import fixtures as fx
    from tests.test_crawl_e2e import DEFAULT, run_crawl

    ids = {"start_id": str(fx.FIRST_ID), "end_id": str(fx.FIRST_ID + 2)}
    with ReplicaServer() as server:
        first = run_crawl(server.base_url, tmp_path, ids, {"ITEM_PIPELINES": DEFAULT})
        second = run_crawl(server.base_url, tmp_path, ids, {"ITEM_PIPELINES": DEFAULT})
    assert first.returncode == 0 and second.returncode == 0, second.log[-3000:]
    assert first.stats["embed/embedded"] > 0
    assert first.stats["embed/encoder_load_seconds"] > 0
    assert "loaded encoder use-multilingual-v3" in first.log
    assert second.stats["archive/unchanged"] == first.stats["embed/embedded"]
    assert second.stats["embed/embedded"] == 0
    assert "embed/encoder_load_seconds" not in second.stats
    assert "loaded encoder" not in second.log


def test_crawl_without_embeddings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THAIGOV_SEARCH_PATH", str(tmp_path / "search.sqlite3"))
    monkeypatch.setenv("THAIGOV_ENCODER", "off")
    with ArchiveStore(f"sqlite:///{tmp_path / 'archive.sqlite3'}") as store:
        crawler = get_crawler(settings_dict={})
        pipeline = EmbeddingPipeline.from_crawler(crawler)
        pipeline.open_spider()
        results = store.upsert_batch(SEMANTIC_ARTICLES)
        crawler.signals.send_catch_log(archive_batch_committed, results=results)
        pipeline.close_spider()
    assert not (tmp_path / "search.vectors.sqlite3").exists()
    assert "embed/embedded" not in crawler.stats.get_stats()


# --- command line ------------------------------------------------------------------------------


@pytest.fixture(params=["embedded", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
def env(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, str]]:
    with archive_env(request, tmp_path, SEMANTIC_ARTICLES) as values:
        yield values


def json_ids(stdout: str) -> list[int]:
    return [json.loads(line)["article_id"] for line in stdout.splitlines()]


def test_reindex_embeds_pending_and_search_modes_use_them(env: dict[str, str]) -> None:
    code, _, err = thaigov(env, "reindex", "--no-embed")
    assert code == 0 and "vectors" not in err
    code, _, err = thaigov(env, "search", "rubber farmers", "--mode", "semantic")
    assert code == 2 and "run thaigov reindex" in err

    code, _, err = thaigov(env, "reindex")
    assert code == 0, err
    assert f"embedded {len(SEMANTIC_ARTICLES)} articles" in err

    code, out, err = thaigov(
        env, "search", "support for rubber farmers", "--mode", "semantic", "--json"
    )
    assert code == 0, err
    found = json_ids(out)
    assert set(found[:2]) == {3001, 3002}
    records = [json.loads(line) for line in out.splitlines()]
    assert records[1]["duplicate_of"] == records[0]["article_id"]

    code, out, _ = thaigov(
        env, "search", "flood relief", "--mode", "hybrid", "--lang", "en", "--json"
    )
    assert code == 0 and json_ids(out) == [3004]

    code, _, err = thaigov(env, "search", "x", "--mode", "vector")
    assert code == 2 and "mode must be keyword, semantic or hybrid" in err

    # Only what changed is embedded again; nothing when nothing changed.
    with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
        changed = dict(semantic_article(3007), body="กรมสรรพสามิตเลื่อนการปรับภาษีรถยนต์")
        assert store.upsert_batch([changed])[0].action == "updated"
    code, _, err = thaigov(env, "reindex")
    assert code == 0 and "embedded 1 articles" in err
    code, _, err = thaigov(env, "reindex", "--all")
    assert code == 0 and "embedded 0 articles" in err
    code, _, err = thaigov(env, "reindex", "--re-embed")
    assert code == 0 and f"embedded {len(SEMANTIC_ARTICLES)} articles" in err


def test_cli_json_and_api_give_a_hit_the_same_fields(env: dict[str, str]) -> None:
    """One builder (``search.services.hits.hit_fields``) behind both: same values, each
    surface adding its own (CLI: total, rounded score; API: Thai date, HTML snippet)."""
    from pipelines.core.settings import ThaigovSettings

    assert thaigov(env, "reindex")[0] == 0
    for mode, text in (("keyword", "ยางพารา"), ("semantic", "support for rubber farmers")):
        code, out, err = thaigov(env, "search", text, "--mode", mode, "--json")
        assert code == 0, err
        cli = [json.loads(line) for line in out.splitlines()]
        settings = ThaigovSettings.from_scrapy(env)
        with TestClient(create_app(settings=settings)) as test_client:
            api = test_client.get("/api/search", params={"q": text, "mode": mode}).json()
        assert len(cli) == len(api["hits"]) >= 2
        if mode == "keyword":  # the words are marked; by meaning, nothing is to mark here
            assert cli[0]["highlights"] and "<mark>" in api["hits"][0]["snippet_html"]
        for line, hit in zip(cli, api["hits"], strict=True):
            assert line.pop("total") == api["total"]
            assert line.pop("score") == round(hit.pop("score"), 4)
            assert line.pop("highlights") is not None
            assert hit.pop("published_date_thai") and hit.pop("snippet_html")
            assert line == hit


def test_exports_mark_near_duplicates(env: dict[str, str], tmp_path: Path) -> None:
    """3002 re-posts 3001 (same day, another category): the export says so in every format;
    without embeddings the column is there, empty, and stderr says why."""
    import csv

    import pyarrow.parquet as pq

    assert thaigov(env, "reindex", "--no-embed")[0] == 0
    code, _, err = thaigov(env, "export", "-f", "jsonl", "-o", str(tmp_path / "none.jsonl"))
    assert code == 0 and "near_duplicate_of left empty: no embeddings" in err
    rows = [json.loads(line) for line in (tmp_path / "none.jsonl").read_text().splitlines()]
    assert len(rows) == len(SEMANTIC_ARTICLES)
    assert all(row["near_duplicate_of"] is None for row in rows)

    assert thaigov(env, "reindex")[0] == 0
    expected = {a["article_id"]: None for a in SEMANTIC_ARTICLES} | {3002: 3001}
    code, _, err = thaigov(env, "export", "-f", "jsonl", "-o", str(tmp_path / "all.jsonl"))
    assert code == 0 and "near_duplicate_of" not in err
    rows = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert {r["article_id"]: r["near_duplicate_of"] for r in rows} == expected
    # A search's matches: the column names the duplicate even when it is not exported.
    code, _, err = thaigov(
        env, "export", "-q", "ยางพารา", "--category", "ข่าวทำเนียบรัฐบาล", "-f", "csv",
        "-o", str(tmp_path / "q.csv"),
    )  # fmt: skip
    assert code == 0, err
    with (tmp_path / "q.csv").open(encoding="utf-8-sig") as f:
        assert [(r["article_id"], r["near_duplicate_of"]) for r in csv.DictReader(f)] == [
            ("3002", "3001")
        ]
    code, _, err = thaigov(env, "export", "-f", "parquet", "-o", str(tmp_path / "all.parquet"))
    assert code == 0, err
    table = pq.read_table(tmp_path / "all.parquet").to_pydict()
    assert dict(zip(table["article_id"], table["near_duplicate_of"], strict=True)) == expected


# --- API and pages -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    directory = tmp_path_factory.mktemp("semantic-web")
    store = ArchiveStore(f"sqlite:///{directory / 'archive.sqlite3'}")
    records = [
        full_record(
            a["article_id"],
            a["title"],
            a["body"],
            a["published_date"],
            a["category"],
            lang=a["lang"],
        )
        for a in SEMANTIC_ARTICLES
    ]
    store.upsert_batch(records)
    backend = EmbeddedBackend(directory / "search.sqlite3")
    backend.ensure_schema()
    backend.index_batch(documents_from_articles(list(store.iter_articles())))
    searcher = Searcher.open(backend, "use-multilingual-v3")
    assert searcher.encoder is not None and searcher.vectors is not None
    embedder = BatchEmbedder(searcher.encoder, searcher.vectors)
    embedder.add_many(store.iter_articles())
    embedder.flush()
    try:
        with TestClient(create_app(store=store, backend=backend)) as test_client:
            yield test_client
    finally:
        backend.close()
        store.close()


def test_api_search_modes(client: TestClient) -> None:
    body = client.get(
        "/api/search", params={"q": "support for rubber farmers", "mode": "semantic"}
    ).json()
    assert body["query"]["mode"] == "semantic"
    hits = body["hits"]
    assert {h["article_id"] for h in hits[:2]} == {3001, 3002}
    assert hits[1]["duplicate_of"] == hits[0]["article_id"]
    keyword = client.get("/api/search", params={"q": "support for rubber farmers"}).json()
    assert keyword["query"]["mode"] == "keyword" and keyword["hits"] == []
    dated = client.get(
        "/api/search", params={"q": "economy", "mode": "hybrid", "from": "2024-03"}
    ).json()
    assert [h["article_id"] for h in dated["hits"]] == [3006]


def test_api_refuses_unknown_mode(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "x", "mode": "vector"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "mode"]


def test_api_similar_articles(client: TestClient) -> None:
    similar = client.get("/api/articles/3003/similar", params={"limit": 2}).json()
    assert similar[0]["article_id"] == 3004
    assert len(similar) == 2 and all(h["article_id"] != 3003 for h in similar)
    assert client.get("/api/articles/999999/similar").status_code == 404
    assert client.get("/api/articles/3003/similar", params={"limit": 0}).status_code == 422


def test_page_defaults_to_hybrid_and_marks_near_duplicates(client: TestClient) -> None:
    assert '<option value="hybrid" selected>' in client.get("/").text  # the empty form too
    html = client.get("/", params={"q": "rubber farmers"}).text
    assert '<option value="hybrid" selected>' in html
    assert "/articles/3001" in html and "/articles/3002" in html
    assert "near-duplicate" in html
    keyword = client.get("/", params={"q": "rubber farmers", "mode": "keyword"}).text
    assert "/articles/3001" not in keyword


def test_article_page_lists_similar_articles(client: TestClient) -> None:
    html = client.get("/articles/3003").text
    assert "similar articles" in html
    similar = html.split('class="similar"')[1]
    assert similar.index("/articles/3004") < similar.index(
        "/articles/300", similar.index("/articles/3004") + 5
    )
