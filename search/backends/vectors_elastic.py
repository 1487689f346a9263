"""Vector store of the Elasticsearch backend: one document per passage, ``dense_vector`` kNN.

The index ``<alias>_vectors`` (not ``<alias>-v…``: that is the text index template's pattern)
lives beside the text index's alias and is not rebuilt with it: vectors stay valid while an
article's content hash is unchanged, so ``reindex --all`` does not re-embed. The encoder's name
and dimension are in the mapping's ``_meta``. kNN runs on HNSW graphs of float vectors
(``index_options.type: hnsw``: not the quantised default, so scores stay comparable with the
embedded store's exact ones) with the filters inside the kNN search; passages are grouped to
articles here (best passage per article).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from search.backends.base import IndexOutcome
from search.backends.elastic import ElasticsearchUnavailable, filter_clauses
from search.backends.vectors import EmbeddedArticle, EncoderMismatch, VectorHit
from search.core.encoders import Vectors
from search.core.passages import MAX_PASSAGES

if TYPE_CHECKING:
    from search.core.query import SearchQuery

#: Candidates each shard's HNSW search visits per passage wanted (recall against speed).
CANDIDATE_FACTOR = 4
MAX_KNN = 10_000
#: Most documents one search returns (the index's default ``max_result_window``).
MAX_RESULT_WINDOW = 10_000


def _mappings(encoder: str, dim: int) -> dict[str, Any]:
    return {
        "dynamic": "strict",
        "_meta": {"encoder": encoder, "dim": dim},
        "properties": {
            "article_id": {"type": "long"},
            "n": {"type": "integer"},
            "passage": {"type": "text", "index": False},
            "vector": {
                "type": "dense_vector",
                "dims": dim,
                "similarity": "cosine",
                "index_options": {"type": "hnsw"},
            },
            "content_hash": {"type": "keyword"},
            "title": {"type": "text", "index": False},
            "url": {"type": "keyword", "index": False, "doc_values": False},
            "published_date": {"type": "date", "format": "strict_date"},
            "category": {"type": "keyword"},
            "lang": {"type": "keyword"},
        },
    }


class ElasticVectorStore:
    name = "elasticsearch"

    def __init__(self, client: Elasticsearch, index: str, *, url: str = "") -> None:
        self.client = client
        self.index = index
        self.url = url

    def _unavailable(self, exc: Exception) -> ElasticsearchUnavailable:
        return ElasticsearchUnavailable(f"Elasticsearch at {self.url} is unreachable: {exc}")

    def encoder(self) -> str | None:
        try:
            body = self.client.indices.get_mapping(index=self.index).body
        except NotFoundError:
            return None
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        first: Mapping[str, Any] = next(iter(body.values()), {})
        meta = first.get("mappings", {}).get("_meta", {})
        encoder = meta.get("encoder")
        return str(encoder) if encoder else None

    def ensure_schema(self, encoder: str, dim: int) -> None:
        current = self.encoder()
        if current is not None and current != encoder:
            raise EncoderMismatch(
                f"index {self.index} holds vectors of encoder {current!r}, not {encoder!r}: "
                "run thaigov reindex --re-embed to replace them"
            )
        if current is None:
            try:
                self.client.indices.create(
                    index=self.index,
                    settings={"number_of_shards": 1, "auto_expand_replicas": "0-1"},
                    mappings=_mappings(encoder, dim),
                )
            except ApiError as exc:
                if "resource_already_exists" not in str(exc):
                    raise
            except TransportError as exc:
                raise self._unavailable(exc) from exc

    def upsert(self, items: Iterable[EmbeddedArticle]) -> IndexOutcome:
        batch = list(items)
        if not batch:
            return IndexOutcome()
        ids = [a.article_id for a in batch]
        try:
            # Passages of an older version may be more than the new one has: remove them all.
            self._delete_passages(ids)
            failed: dict[int, str] = {}
            for ok, info in helpers.streaming_bulk(
                self.client,
                self._actions(batch),
                raise_on_error=False,
                refresh="wait_for",
            ):
                if not ok:
                    doc_id = str(info.get("index", {}).get("_id", "-1-0"))
                    failed[int(doc_id.split("-")[0])] = str(info.get("index", {}).get("error"))
        except TransportError as exc:
            return IndexOutcome(failed={i: str(self._unavailable(exc)) for i in ids})
        return IndexOutcome(ok=[i for i in ids if i not in failed], failed=failed)

    def _actions(self, batch: list[EmbeddedArticle]) -> Iterator[dict[str, Any]]:
        for a in batch:
            for n, (text, vec) in enumerate(zip(a.passages, a.vectors, strict=True)):
                yield {
                    "_index": self.index,
                    "_id": f"{a.article_id}-{n}",
                    "_source": {
                        "article_id": a.article_id,
                        "n": n,
                        "passage": text,
                        "vector": [float(x) for x in vec],
                        "content_hash": a.content_hash,
                        "title": a.title,
                        "url": a.url,
                        "published_date": a.published_date,
                        "category": a.category,
                        "lang": a.lang,
                    },
                }

    def _delete_passages(self, ids: list[int]) -> int:
        """Delete by id (``<article>-<n>``, n below ``MAX_PASSAGES``): delete-by-query is a
        module (reindex) some distributions lack, e.g. the integration-test one. Returns how
        many articles had a first passage."""
        actions = [
            {"_op_type": "delete", "_index": self.index, "_id": f"{i}-{n}"}
            for i in ids
            for n in range(MAX_PASSAGES)
        ]
        removed = 0
        for ok, info in helpers.streaming_bulk(
            self.client, actions, raise_on_error=False, refresh="wait_for"
        ):
            result = info.get("delete", {})
            if ok and result.get("result") == "deleted" and str(result.get("_id")).endswith("-0"):
                removed += 1
        return removed

    def delete(self, ids: Iterable[int]) -> int:
        wanted = [int(i) for i in ids]
        if not wanted:
            return 0
        try:
            return self._delete_passages(wanted)
        except NotFoundError:
            return 0
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def clear(self) -> None:
        try:
            self.client.indices.delete(index=self.index, ignore_unavailable=True)
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def hashes(self) -> dict[int, str | None]:
        try:
            return {
                int(doc["_source"]["article_id"]): doc["_source"].get("content_hash")
                for doc in helpers.scan(
                    self.client,
                    index=self.index,
                    query={"query": {"term": {"n": 0}}},
                    _source=["article_id", "content_hash"],
                )
            }
        except NotFoundError:
            return {}
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def count(self) -> int:
        try:
            body = self.client.count(index=self.index, query={"term": {"n": 0}}).body
        except NotFoundError:
            return 0
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        return int(body.get("count", 0))

    def nearest(
        self,
        vector: Vectors,
        q: SearchQuery | None,
        k: int,
        exclude: Collection[int] = (),
    ) -> list[VectorHit]:
        if k <= 0:
            return []
        passages = min(MAX_KNN, (k + len(exclude)) * MAX_PASSAGES)
        knn: dict[str, Any] = {
            "field": "vector",
            "query_vector": [float(x) for x in np.asarray(vector).reshape(-1)],
            "k": passages,
            "num_candidates": min(MAX_KNN, max(passages * CANDIDATE_FACTOR, 100)),
        }
        filters: list[dict[str, Any]] = filter_clauses(q) if q is not None else []
        if exclude:
            filters.append({"bool": {"must_not": {"terms": {"article_id": sorted(exclude)}}}})
        if filters:
            knn["filter"] = filters
        try:
            body = self.client.search(
                index=self.index,
                knn=knn,
                size=passages,
                source_excludes=["vector"],
                ignore_unavailable=True,
            ).body
        except NotFoundError:
            return []
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        best: dict[int, VectorHit] = {}
        for raw in body.get("hits", {}).get("hits", []):
            src = raw["_source"]
            article_id = int(src["article_id"])
            score = 2.0 * float(raw["_score"]) - 1.0  # ES cosine score is (1 + cos) / 2
            if article_id in best and best[article_id].score >= score:
                continue
            best[article_id] = VectorHit(
                article_id,
                score,
                src.get("passage") or "",
                src.get("title") or "",
                src.get("url") or "",
                src.get("published_date"),
                src.get("category"),
                src.get("lang"),
            )
        ranked = sorted(best.values(), key=lambda h: (-h.score, -h.article_id))
        return ranked[:k]

    def article_vectors(self, ids: Iterable[int]) -> dict[int, Vectors]:
        rows: dict[int, list[tuple[int, list[float]]]] = {}
        for src in self._passages_of(ids, lead_only=False):
            rows.setdefault(int(src["article_id"]), []).append((int(src["n"]), src["vector"]))
        return {i: np.asarray([v for _, v in sorted(r)], dtype=np.float32) for i, r in rows.items()}

    def lead_vectors(self, ids: Iterable[int]) -> dict[int, Vectors]:
        return {
            int(src["article_id"]): np.asarray(src["vector"], dtype=np.float32)
            for src in self._passages_of(ids, lead_only=True)
        }

    def _passages_of(self, ids: Iterable[int], *, lead_only: bool) -> list[Mapping[str, Any]]:
        """The passage documents (``_source`` with the vector) of ``ids``: every passage, or
        the first (title and lead) only.

        Why not ``helpers.scan``: a scroll is at least three round trips (open, page, clear)
        and a semantic query asks this up to three times; the documents of ``ids`` are a
        known bound (``MAX_PASSAGES`` each), so one ``search`` whose size is that bound returns
        them all, in requests of at most ``MAX_RESULT_WINDOW`` documents."""
        wanted = sorted({int(i) for i in ids})
        per_article = 1 if lead_only else MAX_PASSAGES
        chunk = MAX_RESULT_WINDOW // per_article
        found: list[Mapping[str, Any]] = []
        try:
            for start in range(0, len(wanted), chunk):
                part = wanted[start : start + chunk]
                filters: list[dict[str, Any]] = [{"terms": {"article_id": part}}]
                if lead_only:
                    filters.append({"term": {"n": 0}})
                body = self.client.search(
                    index=self.index,
                    query={"bool": {"filter": filters}},
                    size=len(part) * per_article,
                    source={"includes": ["article_id", "n", "vector"]},
                    track_total_hits=False,
                    filter_path=["hits.hits._source"],
                ).body
                found += [_source_with_vector(d) for d in body.get("hits", {}).get("hits", [])]
        except NotFoundError:
            return []
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        return found

    def lead_vectors_on(self, day: str) -> dict[int, Vectors]:
        try:
            return {
                int(src["article_id"]): np.asarray(src["vector"], dtype=np.float32)
                for doc in helpers.scan(
                    self.client,
                    index=self.index,
                    query={
                        "query": {
                            "bool": {
                                "filter": [{"term": {"n": 0}}, {"term": {"published_date": day}}]
                            }
                        }
                    },
                    _source=["article_id", "vector"],
                )
                for src in (_source_with_vector(doc),)
            }
        except NotFoundError:
            return {}
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def refresh(self) -> None:
        self.client.indices.refresh(index=self.index, ignore_unavailable=True)

    def close(self) -> None:
        """The client belongs to the text backend, which closes it."""


def _source_with_vector(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    src: Mapping[str, Any] = doc.get("_source", {})
    if "vector" not in src:
        raise RuntimeError("Elasticsearch returned no vector in _source")
    return src
