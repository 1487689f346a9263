"""Losing a data node while indexing loses no document (issue 12, Elasticsearch backend).

A real two-node cluster (tests/es_cluster.py: 256 MB heap each, own ports on 127.0.0.1), one
shard with one replica (the template's ``auto_expand_replicas: 0-1``). Node b is stopped by a
thread while batches are being indexed; documents a batch reports failed are sent again, as
``thaigov reindex --pending`` would. At the end every document must be in the index, exactly
once, and searchable. Starting the cluster takes about a minute on two busy cores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from search.backends.base import IndexDoc
from search.backends.elastic import ElasticsearchBackend
from search.core.query import SearchQuery
from search.services.documents import documents_from_articles
from tests.conftest import REPO_ROOT, service_missing
from tests.es_cluster import Node, es_home, java_home, two_node_cluster

pytestmark = pytest.mark.elasticsearch

DOCUMENTS = 3000
BATCH = 100


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Node, Node]]:
    home, java = es_home(REPO_ROOT), java_home()
    if home is None or java is None:
        service_missing(
            "no Elasticsearch distribution for a two-node cluster: run scripts/elasticsearch.sh"
            " start once, or set THAIGOV_ES_HOME (and ES_JAVA_HOME to a JDK 21+)"
        )
    assert home is not None and java is not None
    started = time.monotonic()
    with two_node_cluster(home, java) as nodes:
        print(f"two-node cluster up in {time.monotonic() - started:.0f} s")
        yield nodes


def _articles() -> list[dict[str, Any]]:
    return [
        {
            "article_id": 500_000 + i,
            "title": f"ข่าวทดสอบการย้ายเครื่อง {i}",
            "body": f"กระทรวงสาธารณสุขรายงานผลการดำเนินงานฉบับที่ {i} ต่อคณะรัฐมนตรี",
            "published_date": f"2024-{1 + i % 12:02d}-15",
            "category": "ทดสอบ",
            "lang": "th",
            "content_hash": f"failover-{i}",
        }
        for i in range(DOCUMENTS)
    ]


def _index_until_confirmed(backend: ElasticsearchBackend, docs: list[IndexDoc]) -> int:
    """Index one batch, re-sending what failed; returns how many re-sends it took."""
    pending = docs
    for attempt in range(30):
        outcome = backend.index_batch(pending)
        if not outcome.failed:
            return attempt
        pending = [d for d in pending if d.article_id in outcome.failed]
        time.sleep(1)
    raise AssertionError(f"{len(pending)} documents never confirmed: {outcome.failed}")


def test_stopping_a_data_node_during_indexing_loses_nothing(
    cluster: tuple[Node, Node],
) -> None:
    a, b = cluster
    backend = ElasticsearchBackend(a.url, index="thaigov-failover", request_timeout=60)
    backend.ensure_schema()
    backend.client.cluster.health(wait_for_status="green", timeout="120s")
    shards: list[dict[str, str]] = backend.client.cat.shards(
        index="thaigov-failover-v*", format="json"
    ).body  # type: ignore[assignment]  # a JSON list with format=json, typed as str
    assert sorted(s["prirep"] for s in shards) == ["p", "r"]  # one copy on each node

    docs = documents_from_articles(_articles())
    stopper = threading.Timer(0.0, b.stop)
    resends = 0
    after_b_died = 0
    assert b.process is not None
    for i in range(0, len(docs), BATCH):
        if i == 5 * BATCH:
            stopper.start()  # node b goes down while the next batches are being sent
        after_b_died += b.process.poll() is not None
        resends += _index_until_confirmed(backend, docs[i : i + BATCH])
    stopper.join()
    assert b.process.poll() is not None  # b is really gone
    assert after_b_died > 0, "node b only stopped after the last batch: nothing was tested"

    backend.refresh_index()
    health = backend.client.cluster.health().body
    assert health["number_of_nodes"] == 1
    expected = {d.article_id for d in docs}
    assert backend.count() == DOCUMENTS
    assert backend.matching_ids(SearchQuery.build("สาธารณสุข")) == expected
    assert backend.matching_ids(SearchQuery.build("ข่าวทดสอบ")) == expected
    print(f"re-sends needed: {resends}; batches sent after node b was gone: {after_b_died}")
    backend.drop()
    backend.close()
