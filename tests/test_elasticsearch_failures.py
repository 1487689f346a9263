"""Elasticsearch under stress, against the real node: outages, alias swaps, hostile queries.

An outage is simulated with tests.tcp_proxy in front of the real node: stopping the proxy is,
for the client, a stopped server, while the node keeps serving the other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from typer.testing import CliRunner

from search.backends.base import IndexDoc
from search.backends.elastic import ElasticsearchBackend, ElasticsearchUnavailable
from search.core.query import SearchQuery
from search.core.segment import tokenize
from search.services.documents import documents_from_articles
from tests.search_fixtures import ARTICLES, drop_elasticsearch
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.elasticsearch
REPO_ROOT = Path(__file__).resolve().parent.parent


_CREATED: list[str] = []


def _alias() -> str:
    alias = f"thaigov-test-fail-{uuid.uuid4().hex[:10]}"
    _CREATED.append(alias)
    return alias


@pytest.fixture(autouse=True, scope="module")
def _drop_everything_created(elasticsearch_url: str) -> Iterator[None]:
    """Every index a test here made, its vector index (``<alias>_vectors``, made by the crawls
    and reindexes that embed) included, is dropped after the module: ``backend.drop()`` alone
    leaves those behind."""
    yield
    for alias in _CREATED:
        drop_elasticsearch(elasticsearch_url, alias)


@pytest.fixture
def backend(elasticsearch_url: str) -> Iterator[ElasticsearchBackend]:
    es = ElasticsearchBackend(elasticsearch_url, index=_alias())
    es.ensure_schema()
    yield es
    es.drop()
    es.close()


@pytest.fixture
def proxy(elasticsearch_url: str) -> Iterator[TcpProxy]:
    target = urlsplit(elasticsearch_url)
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 9200) as running:
        yield running


def _fixture_docs() -> list[IndexDoc]:
    return documents_from_articles(ARTICLES)


# --- outage of the cluster mid-stream ----------------------------------------------------------


def test_outage_mid_batch_fails_only_unconfirmed_documents_then_recovers(
    elasticsearch_url: str, proxy: TcpProxy
) -> None:
    alias = _alias()
    direct = ElasticsearchBackend(elasticsearch_url, index=alias)
    via_proxy = ElasticsearchBackend(proxy.url, index=alias, request_timeout=3)
    try:
        via_proxy.ensure_schema()
        docs = _fixture_docs()
        first = via_proxy.index_batch(docs[:4])
        assert sorted(first.ok) == sorted(d.article_id for d in docs[:4])
        proxy.stop()
        down = via_proxy.index_batch(docs[4:])
        assert down.ok == [] and sorted(down.failed) == sorted(d.article_id for d in docs[4:])
        with pytest.raises(ElasticsearchUnavailable):
            via_proxy.count()
        assert direct.count() == 4  # nothing confirmed was lost
        proxy.start()
        again = via_proxy.index_batch(docs[4:])
        assert again.failed == {}
        assert via_proxy.count() == len(docs)
    finally:
        via_proxy.close()
        direct.drop()
        direct.close()


def test_rebuild_interrupted_by_an_outage_keeps_the_old_index_behind_the_alias(
    elasticsearch_url: str, proxy: TcpProxy
) -> None:
    alias = _alias()
    direct = ElasticsearchBackend(elasticsearch_url, index=alias)
    via_proxy = ElasticsearchBackend(proxy.url, index=alias, request_timeout=3)
    docs = _fixture_docs()
    try:
        direct.rebuild(docs[:3])
        before = direct.current_indices()

        def dying_stream() -> Iterator[IndexDoc]:
            yield from docs
            proxy.stop()  # the cluster goes away before the build is complete
            yield from docs

        with pytest.raises(ElasticsearchUnavailable):
            via_proxy.rebuild(dying_stream())
        assert direct.current_indices() == before
        assert direct.count() == 3
        proxy.start()  # back: the next rebuild completes and clears what the cut-off one left
        via_proxy.rebuild(docs)
        assert direct.count() == len(docs)
        assert direct.all_indices() == direct.current_indices() != before
    finally:
        via_proxy.close()
        direct.drop()
        direct.close()


# --- alias swap while searches run -----------------------------------------------------------


@dataclass
class SearchLoop:
    """Searches in a thread until stopped; records every total and every error."""

    backend: ElasticsearchBackend
    query: SearchQuery
    totals: list[int] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    done: threading.Event = field(default_factory=threading.Event)
    progressed: threading.Condition = field(default_factory=threading.Condition)

    def run(self) -> None:
        while not self.done.is_set():
            try:
                total = self.backend.search(self.query).total
            except BaseException as exc:  # recorded, the test fails on any
                self.errors.append(exc)
                total = -1
            with self.progressed:
                self.totals.append(total)
                self.progressed.notify_all()

    def wait_for_more(self, n: int) -> None:
        with self.progressed:
            target = len(self.totals) + n
            assert self.progressed.wait_for(lambda: len(self.totals) >= target, timeout=30)


def test_alias_swap_during_rebuild_never_interrupts_searches(
    backend: ElasticsearchBackend, elasticsearch_url: str
) -> None:
    docs = _fixture_docs()
    backend.rebuild(docs)
    old_indices = backend.current_indices()
    reader = ElasticsearchBackend(elasticsearch_url, index=backend.alias)
    loop = SearchLoop(reader, SearchQuery.build(""))
    thread = threading.Thread(target=loop.run, daemon=True)
    thread.start()
    extra = [
        IndexDoc(
            article_id=5000 + i,
            title=f"ข่าวเพิ่ม {i}",
            body="เอกสารใหม่ระหว่างสร้างดัชนี",
            title_segmented=" ".join(tokenize(f"ข่าวเพิ่ม {i}")),
            body_segmented=" ".join(tokenize("เอกสารใหม่ระหว่างสร้างดัชนี")),
            url=f"https://example.invalid/{i}",
            published_date="2024-04-01",
        )
        for i in range(1200)
    ]
    seen_mid_build: list[int] = []

    def slow_stream() -> Iterator[IndexDoc]:
        yield from docs
        yield from extra[:600]
        loop.wait_for_more(3)  # searches certainly run while the new index is half full
        seen_mid_build.extend(loop.totals[-3:])
        yield from extra[600:]

    try:
        outcome = backend.rebuild(slow_stream())
        loop.wait_for_more(3)
    finally:
        loop.done.set()
        thread.join(timeout=30)
        reader.close()
    assert outcome.failed == {}
    assert loop.errors == []
    assert seen_mid_build == [len(docs)] * 3  # the half-built index is invisible
    assert min(loop.totals) == len(docs)  # never zero, never partial
    assert loop.totals[-1] == len(docs) + len(extra)
    new_indices = backend.current_indices()
    assert len(new_indices) == 1 and new_indices != old_indices
    assert backend.all_indices() == new_indices  # the old index was deleted after the swap


def _synthetic_articles(first_id: int, n: int) -> list[dict[str, Any]]:
    return [
        {
            "article_id": first_id + i,
            "url": f"https://www.thaigov.go.th/news/contents/details/{first_id + i}",
            "title": f"ประกาศฉบับที่ {i} เรื่องการจัดการน้ำ",
            "body": f"กรมชลประทานแจ้งแผนการระบายน้ำรอบที่ {i} ให้ประชาชนทราบล่วงหน้า",
            "category": "ข่าวทำเนียบรัฐบาล",
            "lang": "th",
            "published_date": "2024-05-01",
        }
        for i in range(n)
    ]


def test_reindex_all_swaps_the_alias_while_searches_run(
    elasticsearch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``thaigov reindex --all`` on a growing archive: searches see the old index, then the new."""
    import search.cli.search
    from pipelines.archive.store import ArchiveStore
    from search.cli import app

    alias = _alias()
    env = {
        "THAIGOV_ARCHIVE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}",
        "THAIGOV_ELASTICSEARCH_URL": elasticsearch_url,
        "THAIGOV_ELASTICSEARCH_INDEX": alias,
    }
    reindex_all = ["reindex", "--all", "--batch-size", "50", "--workers", "1"]
    reader = ElasticsearchBackend(elasticsearch_url, index=alias)
    try:
        with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
            store.upsert_batch(_synthetic_articles(5000, 200))
        assert CliRunner().invoke(app, reindex_all, env=env).exit_code == 0
        before = reader.current_indices()
        with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
            store.upsert_batch(_synthetic_articles(6000, 100))  # the next build has more

        loop = SearchLoop(reader, SearchQuery.build("ระบายน้ำ"))
        thread = threading.Thread(target=loop.run, daemon=True)
        real_documents = search.cli.search.documents_from_articles
        pages: list[int] = []
        seen_mid_build: list[int] = []

        def documents_pausing_mid_build(*args: Any, **kwargs: Any) -> list[IndexDoc]:
            """The real builder; at the third page it lets the search thread run 3 searches."""
            pages.append(1)
            if len(pages) == 3:
                loop.wait_for_more(3)
                seen_mid_build.extend(loop.totals[-3:])
            return real_documents(*args, **kwargs)

        monkeypatch.setattr(
            search.cli.search, "documents_from_articles", documents_pausing_mid_build
        )
        thread.start()
        try:
            result = CliRunner().invoke(app, reindex_all, env=env)
            loop.wait_for_more(3)
        finally:
            loop.done.set()
            thread.join(timeout=30)
        assert result.exit_code == 0, result.output
        assert loop.errors == []
        assert seen_mid_build == [200] * 3
        assert min(loop.totals) == 200  # never zero, never a half-built index
        assert loop.totals[-1] == 300
        after = reader.current_indices()
        assert len(after) == 1 and after != before
        assert reader.all_indices() == after
    finally:
        reader.drop()
        reader.close()


# --- hostile input -------------------------------------------------------------------------

HOSTILE = [
    '"Prime Minister',  # unbalanced quote
    'Prime" Minister"" "',
    "*",
    "Prime*",
    "title:(a OR",
    "title:(Prime OR Minister) AND body:[* TO *]",
    '{"script": {"source": "Math.random()", "lang": "painless"}}',
    '{"query": {"match_all": {}}}',
    "ตา) OR (ยา",
    "-",
    "--",
    "OR OR OR",
    '-"" OR -',
    "\\ / ^2 ~3 && || ! ? < > = @ # $ % &",
    "\u0000\u0002\u0003 ยา \u200b",
    "ยา " * 3500,  # 10 kB of input
    "ก" * 10_000,  # one 10 kB "word"
    " ".join(f"w{i}" for i in range(2000)),
]


@pytest.fixture(scope="module")
def filled(elasticsearch_url: str) -> Iterator[ElasticsearchBackend]:
    es = ElasticsearchBackend(elasticsearch_url, index=_alias())
    es.ensure_schema()
    es.index_batch(_fixture_docs())
    yield es
    es.drop()
    es.close()


@pytest.mark.parametrize("text", HOSTILE, ids=lambda t: repr(t[:24]))
def test_hostile_queries_are_answered_as_plain_words(
    filled: ElasticsearchBackend, text: str
) -> None:
    # Constructed directly: the builder refuses text over MAX_QUERY_CHARS at the user's door,
    # but a backend must still cope with whatever the parser makes of any text.
    q = SearchQuery(text, limit=50)
    result = filled.search(q)
    assert result.total == filled.count(q) == len(result.hits)
    filled.aggregate(q)
    # Syntax outside the query language (docs/search.md) is never interpreted: the answer is
    # the one for the words typed plainly. (Quotes, OR, minus, parentheses, title: are the
    # language; tests/test_thai_search.py checks what they do.)
    if not any(op in text for op in ('"', " OR ", "-", "(", "title:")):
        plain = SearchQuery.build(" ".join(q.parsed.terms), limit=50)
        assert [h.article_id for h in result.hits] == [
            h.article_id for h in filled.search(plain).hits
        ]


def test_query_syntax_never_widens_the_match(filled: ElasticsearchBackend) -> None:
    """Lucene syntax would match every document; here it matches only the literal words."""
    for text in ("*", "body:[* TO *]", '{"query": {"match_all": {}}}'):
        assert filled.search(SearchQuery.build(text)).total < len(ARTICLES) or not tokenize(text)
    assert filled.search(SearchQuery.build('"Prime Minister')).total == 2


# --- a real crawl into the archive while the cluster goes down ---------------------------------

CRAWLED_ARTICLES = 40


def _crawl(replica_url: str, tmp_path: Path, env: dict[str, str], first: int, last: int) -> Any:
    """``scrapy crawl thaigov`` over ``first..last`` with every default pipeline, fast settings."""
    settings = {
        "THAIGOV_BASE_URL": replica_url,
        "DOWNLOAD_DELAY": "0",
        "AUTOTHROTTLE_ENABLED": "False",
        "CONCURRENT_REQUESTS": "2",
        "CONCURRENT_REQUESTS_PER_DOMAIN": "2",
        "ARCHIVE_BATCH_SIZE": "4",
        "SEARCH_INDEX_BATCH_SIZE": "4",
        "THAIGOV_STATS_FILE": str(tmp_path / "stats.json"),
        "THAIGOV_WARC_DIR": str(tmp_path / "warc"),
        "THAIGOV_FILES_DIR": str(tmp_path / "files"),
    }
    command = [sys.executable, "-m", "scrapy", "crawl", "thaigov"]
    command += ["-a", f"start_id={first}", "-a", f"end_id={last}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value}"]
    return subprocess.Popen(
        command,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _count_or_zero(backend: ElasticsearchBackend) -> int:
    try:
        return backend.count()
    except ElasticsearchUnavailable:  # the crawl is creating the index right now
        return 0


def test_crawl_survives_an_outage_and_reindex_pending_catches_up(
    elasticsearch_url: str, proxy: TcpProxy, tmp_path: Path
) -> None:
    from pipelines.archive.store import ArchiveStore
    from search.cli import app
    from tests.replica import ReplicaServer

    alias = _alias()
    direct = ElasticsearchBackend(elasticsearch_url, index=alias)
    env = {
        "THAIGOV_ARCHIVE_URL": f"sqlite:///{tmp_path / 'archive.sqlite3'}",
        "THAIGOV_ELASTICSEARCH_URL": proxy.url,
        "THAIGOV_ELASTICSEARCH_INDEX": alias,
    }
    try:
        # A slow replica, so the crawl is still running when the first documents are indexed.
        with ReplicaServer(extra_ids=CRAWLED_ARTICLES, delay=0.05) as site:
            first, last = site.synthetic_ids[0], site.synthetic_ids[-1]
            crawl = _crawl(site.base_url, tmp_path, env, first, last)
            try:
                while _count_or_zero(direct) == 0:  # polls the real node, not the proxy
                    assert crawl.poll() is None, crawl.communicate()[0][-3000:]
                    time.sleep(0.05)
                proxy.stop()  # the cluster "dies" mid-crawl
                log, _ = crawl.communicate(timeout=120)
            finally:
                if crawl.poll() is None:
                    crawl.kill()
        assert crawl.returncode == 0, log[-3000:]
        stats = json.loads((tmp_path / "stats.json").read_text())
        with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
            archived, pending = store.count(), store.count(pending_only=True)
        indexed_before = direct.count()
        assert archived == CRAWLED_ARTICLES  # nothing lost in the archive
        assert 0 < indexed_before < archived
        assert stats["index/failed"] >= archived - indexed_before > 0  # failures were counted
        assert pending == archived - indexed_before  # unconfirmed articles stay pending

        proxy.start()
        result = CliRunner().invoke(app, ["reindex", "--pending"], env=env)
        assert result.exit_code == 0, result.output
        with ArchiveStore(env["THAIGOV_ARCHIVE_URL"]) as store:
            assert store.count(pending_only=True) == 0
            assert direct.count() == store.count() == archived
    finally:
        direct.drop()
        direct.close()
