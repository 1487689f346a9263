"""Elasticsearch search backend: a versioned index behind an alias, fed pre-segmented Thai text.

Why this shape:
- Elasticsearch cannot segment Thai well (the `thai` analyzer is absent from the integ-test
  distribution and splits differently from PyThaiNLP elsewhere). So the indexed fields hold the
  same segmented text as the embedded backend (``IndexDoc.*_segmented``: normalised tokens
  joined by spaces) under the ``standard`` analyzer, which splits exactly at those spaces, and
  the compound parts (``IndexDoc.*_parts``) go to ``title_parts``/``body_parts``, one array value
  per word with a position gap of 1 (the embedded index's ``PART_GAP`` token), so both backends
  see the same tokens at the same positions and give the same hit sets.
- The original title and body are kept for display in ``display`` (stored, not indexed);
  snippets are cut from it by ``search.core.snippets`` exactly as the embedded backend does.
- Queries are built only from ``ParsedQuery`` trees as bool/match_phrase/span_near clauses; no
  user text ever reaches a query-string parser, and no query can carry a script.
- ``rebuild`` fills a fresh ``<alias>-v<schema>-<timestamp>`` index and swaps the alias in one
  ``_aliases`` call, so searches see the old index until the new one is complete.
- English: where the cluster has the ``english`` analyzer (probed; the full distribution has
  it), ``.en`` sub-fields add stemmed matches; otherwise the standard analyzer alone is used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from pipelines.core.settings import ThaigovSettings
from search.backends.base import (
    Aggregations,
    Hit,
    IndexDoc,
    IndexOutcome,
    ProgressCallback,
    SearchResult,
    StoredDoc,
)
from search.core.query import AnyOf, Node, ParsedQuery, SearchQuery, Term
from search.core.segment import PART_GAP
from search.core.snippets import make_snippet

logger = logging.getLogger(__name__)

DEFAULT_ALIAS = "thaigov-articles"
#: Bumped when the mapping changes; part of every index name.
SCHEMA_VERSION = 2
TITLE_BOOST = 4.0  # same weights as the embedded backend's BM25 columns
TITLE_PARTS_BOOST = 2.0
BODY_PARTS_BOOST = 0.5
#: Score added to documents holding the typed words as one phrase: BM25 scores here stay far
#: below it, and Elasticsearch's float32 scores keep ~3 decimals of BM25 on top of it.
SEQUENCE_BOOST = 10_000.0
SEQUENCE_NAME = "typed-sequence"
#: Score added to documents matching every term as a whole word (not only as a compound part).
WHOLE_BOOST = 1_000.0
WHOLE_NAME = "whole-words"
BULK_CHUNK = 500
BULK_MAX_BYTES = 20 * 1024 * 1024
BULK_RETRIES = 4  # documents rejected with 429 are retried with exponential backoff
CATEGORY_BUCKETS = 500
SUGGEST_MIN_DOCS = 3  # as the embedded backend's SUGGEST_MIN_DOCS
#: Hits per scroll page / ids per multi-get when the workbench reads every match.
SCAN_PAGE = 1000


class ElasticsearchUnavailable(ConnectionError):
    """The cluster could not be reached (refused, timed out, DNS) or has no shard ready (503)."""


# --- pure helpers: query building, response reading ------------------------------------------


def _fields(term: Term, parts: bool) -> list[tuple[str, float]]:
    fields = [("title", TITLE_BOOST)] + ([("body", 1.0)] if term.field == "all" else [])
    if parts:
        fields.append(("title_parts", TITLE_PARTS_BOOST))
        if term.field == "all":
            fields.append(("body_parts", BODY_PARTS_BOOST))
    return fields


def term_query(term: Term, *, parts: bool = True, english: bool = False) -> dict[str, Any]:
    """One term: an exact phrase (tokens joined by spaces split exactly there) or, with a slop,
    an unordered span_near (the embedded backend's NEAR), in any of its fields."""
    should: list[dict[str, Any]] = []
    for name, boost in _fields(term, parts):
        if term.slop is not None and len(term.tokens) > 1:
            clauses = [{"span_term": {name: token}} for token in term.tokens]
            near = {"clauses": clauses, "slop": term.slop, "in_order": False, "boost": boost}
            should.append({"span_near": near})
        else:
            should.append(
                {"match_phrase": {name: {"query": " ".join(term.tokens), "boost": boost}}}
            )
    if english and term.slop is None and all(t.isascii() for t in term.tokens):
        text = " ".join(term.tokens)
        should.append({"match_phrase": {"title.en": {"query": text, "boost": TITLE_BOOST}}})
        if term.field == "all":
            should.append({"match_phrase": {"body.en": {"query": text}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def node_query(node: Node, *, parts: bool = True, english: bool = False) -> dict[str, Any]:
    """The bool query of one parsed node (``search.core.query``)."""
    if isinstance(node, Term):
        return term_query(node, parts=parts, english=english)
    inner = [node_query(item, parts=parts, english=english) for item in node.items]
    if isinstance(node, AnyOf):
        return {"bool": {"should": inner, "minimum_should_match": 1}}
    query: dict[str, Any] = {"must": inner}
    if node.excluded:
        query["must_not"] = [node_query(item, english=english) for item in node.excluded]
    return {"bool": query}


def text_query(parsed: ParsedQuery, *, english: bool = False) -> dict[str, Any]:
    """Bool query for the parsed text: every node must match; excluded nodes out."""
    must = [node_query(n, english=english) for n in parsed.must]
    must_not = [node_query(n, english=english) for n in parsed.must_not]
    query: dict[str, Any] = {"must": must or [{"match_all": {}}]}
    if must_not:
        query["must_not"] = must_not
    return query


def filter_clauses(q: SearchQuery) -> list[dict[str, Any]]:
    filters: list[dict[str, Any]] = []
    if q.date_from or q.date_to:
        bounds: dict[str, str] = {}
        if q.date_from:
            bounds["gte"] = q.date_from.isoformat()
        if q.date_to:
            bounds["lte"] = q.date_to.isoformat()
        filters.append({"range": {"published_date": bounds}})
    if q.categories:
        filters.append({"terms": {"category": list(q.categories)}})
    if q.lang:
        filters.append({"term": {"lang": q.lang}})
    return filters


def sequence_boost(parsed: ParsedQuery) -> dict[str, Any] | None:
    """Documents holding the typed words as one phrase rank first (``ParsedQuery.sequence``).

    A constant far above any BM25 score of this index puts them ahead, as the embedded backend
    orders them; it only adds to the score, so what matches (and every count) is unchanged.
    ``hit_from`` subtracts it again, so ``Hit.score`` stays the BM25 score.
    """
    if not parsed.sequence:
        return None
    return {
        "constant_score": {
            "filter": term_query(Term(parsed.sequence), parts=False),
            "boost": SEQUENCE_BOOST,
            "_name": SEQUENCE_NAME,
        }
    }


def whole_boost(parsed: ParsedQuery) -> dict[str, Any] | None:
    """Documents matching every term as a whole word rank above part-only matches."""
    if not parsed.must:
        return None
    must = [node_query(n, parts=False) for n in parsed.must]
    return {
        "constant_score": {
            "filter": {"bool": {"must": must}},
            "boost": WHOLE_BOOST,
            "_name": WHOLE_NAME,
        }
    }


def build_query(q: SearchQuery, *, english: bool = False) -> dict[str, Any]:
    """The whole ``query`` part of a search/count request for ``q``."""
    query = text_query(q.parsed, english=english)
    boosts = [b for b in (sequence_boost(q.parsed), whole_boost(q.parsed)) if b is not None]
    if boosts:
        query["should"] = boosts
    filters = filter_clauses(q)
    if filters:
        query["filter"] = filters
    return {"bool": query}


def build_sort(q: SearchQuery) -> list[dict[str, Any]]:
    """Same orders as the embedded backend (ties broken by article id; undated last)."""
    if q.sort == "relevance" and not q.parsed.matches_all:
        return [{"_score": "desc"}, {"article_id": "desc"}]
    order = "asc" if q.sort == "oldest" else "desc"
    return [
        {"published_date": {"order": order, "missing": "_last"}},
        {"article_id": order},
    ]


def hit_from(
    raw: Mapping[str, Any],
    words: frozenset[str] = frozenset(),
    *,
    scored: bool = True,
    snippet: bool = True,
) -> Hit:
    source = raw.get("_source", {})
    display = source.get("display") or {}
    return Hit(
        article_id=int(source["article_id"]),
        title=display.get("title") or "",
        published_date=source.get("published_date"),
        category=source.get("category"),
        lang=source.get("lang"),
        url=source.get("url") or "",
        score=_bm25(raw) if scored else 0.0,
        snippet=make_snippet(display.get("body") or "", words) if snippet else "",
    )


def _bm25(raw: Mapping[str, Any]) -> float:
    score = float(raw.get("_score") or 0.0)
    matched = raw.get("matched_queries") or ()
    if SEQUENCE_NAME in matched:
        score -= SEQUENCE_BOOST
    if WHOLE_NAME in matched:
        score -= WHOLE_BOOST
    return round(score, 3)


def _part_groups(parts: str) -> list[str]:
    return [g.strip() for g in parts.split(PART_GAP) if g.strip()]


def index_body(doc: IndexDoc) -> dict[str, Any]:
    """The stored document: segmented text and parts, display text, filter fields."""
    return {
        "article_id": doc.article_id,
        "title": doc.title_segmented,
        "body": doc.body_segmented,
        "title_parts": _part_groups(doc.title_parts),
        "body_parts": _part_groups(doc.body_parts),
        "display": {"title": doc.title, "body": doc.body},
        "url": doc.url,
        "published_date": doc.published_date,
        "category": doc.category,
        "lang": doc.lang,
        "content_hash": doc.content_hash,
    }


def mappings(*, english: bool) -> dict[str, Any]:
    def text_field() -> dict[str, Any]:
        field: dict[str, Any] = {"type": "text", "analyzer": "standard"}
        if english:
            field["fields"] = {"en": {"type": "text", "analyzer": "english"}}
        return field

    # One empty position between the parts of different words, as PART_GAP in the embedded index.
    parts = {"type": "text", "analyzer": "standard", "position_increment_gap": 1}
    return {
        "dynamic": "strict",
        "properties": {
            "article_id": {"type": "long"},
            "title": text_field(),
            "body": text_field(),
            "title_parts": parts,
            "body_parts": dict(parts),
            "display": {"type": "object", "enabled": False},
            "url": {"type": "keyword", "index": False, "doc_values": False},
            "published_date": {"type": "date", "format": "strict_date"},
            "category": {"type": "keyword"},
            "lang": {"type": "keyword"},
            "content_hash": {"type": "keyword"},
        },
    }


def redacted(url: str) -> str:
    """``url`` without user:password, for messages and logs."""
    parts = urlsplit(url)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


# --- the backend ---------------------------------------------------------------------------


class ElasticsearchBackend:
    """Search backend on an Elasticsearch cluster (see module docstring)."""

    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        *,
        index: str = DEFAULT_ALIAS,
        api_key: str | None = None,
        username: str | None = None,
        password: str | None = None,
        ca_certs: str | None = None,
        request_timeout: float = 30.0,
        refresh: str | bool = "wait_for",
    ) -> None:
        """``refresh="wait_for"`` makes ``index_batch``/``delete`` visible to the next search."""
        self.url = redacted(url)
        self.alias = index
        self.refresh = refresh
        options: dict[str, Any] = {
            "request_timeout": request_timeout,
            "max_retries": 2,
            "retry_on_timeout": True,
        }
        if api_key:
            options["api_key"] = api_key
        elif username:
            options["basic_auth"] = (username, password or "")
        if ca_certs:
            options["ca_certs"] = ca_certs
        self.client = Elasticsearch(url, **options)
        self._english: bool | None = None
        self._schema_ready = False
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: ThaigovSettings) -> ElasticsearchBackend:
        """Configured by the THAIGOV_ELASTICSEARCH_* settings (credentials are never logged)."""
        if not settings.elasticsearch_url:
            raise ValueError("THAIGOV_ELASTICSEARCH_URL is not set")
        api_key, password = settings.elasticsearch_api_key, settings.elasticsearch_password
        return cls(
            settings.elasticsearch_url,
            index=settings.elasticsearch_index,
            api_key=api_key.get_secret_value() if api_key else None,
            username=settings.elasticsearch_username,
            password=password.get_secret_value() if password else None,
            ca_certs=settings.elasticsearch_ca_certs,
        )

    @property
    def location(self) -> str:
        return f"{self.url} (alias {self.alias})"

    def exists(self) -> bool:
        """Whether the alias points at an index (an unreachable cluster raises)."""
        try:
            return bool(self.current_indices())
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def __repr__(self) -> str:
        return f"ElasticsearchBackend({self.url!r}, index={self.alias!r})"

    def _unavailable(self, exc: Exception) -> ElasticsearchUnavailable:
        return ElasticsearchUnavailable(f"Elasticsearch at {self.url} is unreachable: {exc}")

    # --- schema --------------------------------------------------------------------------

    @property
    def template_name(self) -> str:
        return f"{self.alias}-template"

    @property
    def index_pattern(self) -> str:
        return f"{self.alias}-v*"

    def has_english_analyzer(self) -> bool:
        """Whether the cluster has the ``english`` analyzer (analysis-common module)."""
        if self._english is None:
            try:
                self.client.indices.analyze(analyzer="english", text="probe")
                self._english = True
            except ApiError:
                self._english = False
        return self._english

    def _put_template(self) -> None:
        self.client.indices.put_index_template(
            name=self.template_name,
            index_patterns=[self.index_pattern],
            priority=200,
            template={
                "settings": {
                    "number_of_shards": 1,
                    "auto_expand_replicas": "0-1",
                },
                "mappings": mappings(english=self.has_english_analyzer()),
            },
        )

    def _new_index_name(self) -> str:
        stamp = datetime.now(UTC).strftime("%Y%m%dt%H%M%S%f")
        return f"{self.alias}-v{SCHEMA_VERSION}-{stamp}"

    def current_indices(self) -> list[str]:
        """Concrete indices behind the alias (one, except during a broken swap)."""
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def all_indices(self) -> list[str]:
        """Every versioned index of this alias, behind it or not (e.g. left by a crash)."""
        rows: list[dict[str, str]] = self.client.cat.indices(
            index=self.index_pattern, h="index", format="json"
        ).body  # type: ignore[assignment]  # a JSON list with format=json, typed as str
        return sorted(row["index"] for row in rows)

    def ensure_schema(self) -> None:
        """Template plus a first versioned index behind the alias, when missing; idempotent."""
        try:
            with self._lock:
                self._put_template()
                if not self.current_indices():
                    name = self._new_index_name()
                    self.client.indices.create(index=name, aliases={self.alias: {}})
                    logger.info("created Elasticsearch index %s behind alias %s", name, self.alias)
                self._schema_ready = True
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def _ready(self) -> None:
        if not self._schema_ready:
            self.ensure_schema()

    # --- writing -------------------------------------------------------------------------

    def _bulk(
        self,
        index: str,
        docs: Iterable[IndexDoc],
        progress: ProgressCallback | None = None,
        **bulk_args: Any,
    ) -> IndexOutcome:
        """Stream ``docs`` in chunks; per-document failures are reported, not raised.

        A lost connection fails every document not confirmed yet and raises.
        """
        ok: list[int] = []
        failed: dict[int, str] = {}
        sent: list[int] = []

        def actions() -> Iterator[dict[str, Any]]:
            for doc in docs:
                sent.append(doc.article_id)
                yield {"_index": index, "_id": str(doc.article_id), "_source": index_body(doc)}

        try:
            for success, info in helpers.streaming_bulk(
                self.client,
                actions(),
                chunk_size=BULK_CHUNK,
                max_chunk_bytes=BULK_MAX_BYTES,
                raise_on_error=False,
                raise_on_exception=False,
                max_retries=BULK_RETRIES,
                initial_backoff=1,
                max_backoff=30,
                **bulk_args,
            ):
                result = info.get("index", {})
                article_id = int(result.get("_id", -1))
                if success:
                    ok.append(article_id)
                else:
                    failed[article_id] = _reason(result)
                if progress and (len(ok) + len(failed)) % BULK_CHUNK == 0:
                    progress(len(ok), None)
        except TransportError as exc:
            done = set(ok) | set(failed)
            reason = f"unreachable: {exc}"
            failed.update({i: reason for i in sent if i not in done})
            raise _PartialBulk(IndexOutcome(ok=ok, failed=failed), self._unavailable(exc)) from exc
        return IndexOutcome(ok=ok, failed=failed)

    def index_batch(self, docs: Iterable[IndexDoc]) -> IndexOutcome:
        """Index or replace documents (``_id`` = article id) through the alias.

        Never raises for a cluster that is down: every unconfirmed document is reported failed.
        """
        batch = list(docs)
        if not batch:
            return IndexOutcome()
        try:
            self._ready()
            return self._bulk(self.alias, batch, refresh=self.refresh)
        except _PartialBulk as partial:
            logger.warning("%s", partial.error)
            return partial.outcome
        except ElasticsearchUnavailable as exc:
            logger.warning("%s", exc)
            return IndexOutcome(failed={d.article_id: str(exc) for d in batch})

    def delete(self, ids: Iterable[int]) -> int:
        actions = [{"_op_type": "delete", "_index": self.alias, "_id": str(i)} for i in ids]
        if not actions:
            return 0
        try:
            self._ready()
            removed = 0
            for success, info in helpers.streaming_bulk(
                self.client,
                actions,
                raise_on_error=False,
                refresh=self.refresh,
            ):
                removed += int(success and info.get("delete", {}).get("result") == "deleted")
            return removed
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def rebuild(
        self, docs: Iterable[IndexDoc], progress: ProgressCallback | None = None
    ) -> IndexOutcome:
        """Fill a fresh versioned index, then move the alias to it atomically; old ones go.

        Searches use the previous index until the swap. If the cluster goes away mid-build the
        new index is dropped and the alias is untouched.
        """
        try:
            with self._lock:
                self._put_template()
            new = self._new_index_name()
            # No refreshes and no replicas while loading: the index is invisible until the swap.
            self.client.indices.create(
                index=new,
                settings={
                    "refresh_interval": "-1",
                    "auto_expand_replicas": False,
                    "number_of_replicas": 0,
                },
            )
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        old: list[str] = []
        try:
            outcome = self._bulk(new, docs, progress)
            self.client.indices.put_settings(
                index=new,
                settings={"refresh_interval": None, "auto_expand_replicas": "0-1"},
            )
            self.client.indices.refresh(index=new)
            old = self.current_indices()
            actions: list[dict[str, Any]] = [
                {"remove": {"index": name, "alias": self.alias}} for name in old
            ]
            actions.append({"add": {"index": new, "alias": self.alias}})
            self.client.indices.update_aliases(actions=actions)
        except BaseException as exc:
            self._drop_quietly(new)
            if isinstance(exc, _PartialBulk):
                raise exc.error from exc
            if isinstance(exc, TransportError):
                raise self._unavailable(exc) from exc
            raise
        # The replaced index, plus any older one a crashed or cut-off rebuild left behind
        # (index names sort by creation time).
        for name in sorted(set(old) | {i for i in self._all_indices_quietly() if i < new}):
            self._drop_quietly(name)
        self._schema_ready = True
        if progress:
            progress(len(outcome.ok), len(outcome.ok) + len(outcome.failed))
        logger.info("alias %s now on %s (%d documents)", self.alias, new, len(outcome.ok))
        return outcome

    def _all_indices_quietly(self) -> list[str]:
        try:
            return self.all_indices()
        except (ApiError, TransportError) as exc:
            logger.warning("could not list Elasticsearch indices of %s: %s", self.alias, exc)
            return []

    def _drop_quietly(self, index: str) -> None:
        try:
            self.client.indices.delete(index=index, ignore_unavailable=True)
        except (ApiError, TransportError) as exc:
            logger.warning("could not delete Elasticsearch index %s: %s", index, exc)

    def drop(self) -> None:
        """Delete every index of this alias and its template (tests, ``reindex`` resets)."""
        try:
            # Named one by one: clusters refuse wildcard deletes (action.destructive_requires_name).
            for name in self.all_indices():
                self._drop_quietly(name)
            self.client.indices.delete_index_template(name=self.template_name)
        except NotFoundError:
            pass
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        self._schema_ready = False

    # --- reading -------------------------------------------------------------------------

    def _call(self, method: str, **kwargs: Any) -> Mapping[str, Any]:
        """One read request on the alias; a missing alias reads as an empty index."""
        try:
            response = getattr(self.client, method)(
                index=self.alias, ignore_unavailable=True, allow_no_indices=True, **kwargs
            )
        except TransportError as exc:
            raise self._unavailable(exc) from exc
        except ApiError as exc:
            if exc.meta.status == 503:  # no shard ready yet (e.g. index being created)
                raise self._unavailable(exc) from exc
            raise
        return response.body

    def _english_on(self) -> bool:
        try:
            return self.has_english_analyzer()
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def search(self, q: SearchQuery) -> SearchResult:
        body = self._call(
            "search",
            query=build_query(q, english=self._english_on()),
            sort=build_sort(q),
            from_=q.offset,
            size=q.limit,
            track_total_hits=True,
            track_scores=True,
            source_excludes=["title", "body", "title_parts", "body_parts"]
            + ([] if q.snippets else ["display.body"]),
        )
        hits = body.get("hits", {})
        words = q.parsed.highlight_tokens
        scored = not q.parsed.matches_all
        return SearchResult(
            total=int(hits.get("total", {}).get("value", 0)),
            hits=[
                hit_from(h, words, scored=scored, snippet=q.snippets) for h in hits.get("hits", [])
            ],
        )

    def count(self, q: SearchQuery | None = None) -> int:
        if q is None:
            return int(self._call("count").get("count", 0))
        return int(
            self._call("count", query=build_query(q, english=self._english_on())).get("count", 0)
        )

    def matching_ids(self, q: SearchQuery) -> set[int]:
        """Every document ``q`` matches (ignores limit/offset): ``count``'s set, for evaluations."""
        try:
            return {
                int(hit["_id"])
                for hit in helpers.scan(
                    self.client,
                    index=self.alias,
                    query={"query": build_query(q, english=self._english_on())},
                    _source=False,
                    size=5000,
                )
            }
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def aggregate(self, q: SearchQuery) -> Aggregations:
        body = self._call(
            "search",
            query=build_query(q, english=self._english_on()),
            size=0,
            aggs={
                "per_month": {
                    "date_histogram": {
                        "field": "published_date",
                        "calendar_interval": "month",
                        "format": "yyyy-MM",
                        "min_doc_count": 1,
                    }
                },
                "per_category": {
                    "terms": {
                        "field": "category",
                        "size": CATEGORY_BUCKETS,
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                },
            },
        )
        aggs = body.get("aggregations", {})
        months = aggs.get("per_month", {}).get("buckets", [])
        categories = aggs.get("per_category", {}).get("buckets", [])
        return Aggregations(
            per_month=[(b["key_as_string"], int(b["doc_count"])) for b in months],
            per_category=[(b["key"], int(b["doc_count"])) for b in categories],
        )

    def document_frequency(self, term: str) -> int:
        """Documents holding ``term`` as a word or a compound part."""
        return self.document_frequencies([term])[term]

    def document_frequencies(self, terms: Sequence[str]) -> dict[str, int]:
        wanted = list(dict.fromkeys(terms))
        if not wanted:
            return {}
        searches: list[Mapping[str, Any]] = []
        for term in wanted:  # one round trip: a count per term
            searches += [
                {},
                {"size": 0, "track_total_hits": True, "query": term_query(Term((term,)))},
            ]
        body = self._call("msearch", searches=searches)
        out: dict[str, int] = {}
        for term, answer in zip(wanted, body.get("responses", []), strict=True):
            if "error" in answer:
                raise RuntimeError(f"Elasticsearch could not count {term!r}: {answer['error']}")
            out[term] = int(answer.get("hits", {}).get("total", {}).get("value", 0))
        return out

    def suggestion_candidates(self, word: str) -> list[tuple[str, int]]:
        """Index terms close to ``word`` (term suggester), with their document counts."""
        options = {
            "suggest_mode": "always",
            "max_edits": 2,
            "prefix_length": 0,
            "min_word_length": 2,
            "size": 10,
        }
        body = self._call(
            "search",
            size=0,
            suggest={
                "text": word,
                "body": {"term": {"field": "body", **options}},
                "parts": {"term": {"field": "body_parts", **options}},
            },
        )
        # Filtered here: the suggester's own min_doc_freq dropped terms at exactly the bound.
        found = {
            option["text"]
            for name in ("body", "parts")
            for entry in body.get("suggest", {}).get(name, [])
            for option in entry.get("options", [])
            if int(option.get("freq", 0)) >= SUGGEST_MIN_DOCS
        }
        counts = self.document_frequencies(sorted(found))
        return [(term, counts[term]) for term in sorted(found)]

    def refresh_index(self) -> None:
        """Make every write visible now (tests and benchmarks)."""
        try:
            self.client.indices.refresh(index=self.alias, ignore_unavailable=True)
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def matches(self, q: SearchQuery) -> list[tuple[int, str | None]]:
        try:
            return [
                (int(hit["_id"]), hit.get("_source", {}).get("published_date"))
                for hit in helpers.scan(
                    self.client,
                    index=self.alias,
                    query={"query": build_query(q, english=self._english_on())},
                    _source=["published_date"],
                    size=SCAN_PAGE,
                    ignore_unavailable=True,
                    allow_no_indices=True,
                )
            ]
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def stored(self, ids: Sequence[int], *, text: bool = False) -> Iterator[StoredDoc]:
        for i in range(0, len(ids), SCAN_PAGE):
            chunk = [str(article_id) for article_id in ids[i : i + SCAN_PAGE]]
            try:
                response = self.client.mget(
                    index=self.alias,
                    ids=chunk,
                    source_includes=["title", "body", "published_date"]
                    + (["display"] if text else []),
                ).body
            except NotFoundError:  # no index behind the alias yet
                return
            except TransportError as exc:
                raise self._unavailable(exc) from exc
            for doc in response.get("docs", []):
                if not doc.get("found"):
                    continue
                source = doc["_source"]
                display = source.get("display") or {}
                yield StoredDoc(
                    int(doc["_id"]),
                    source.get("published_date"),
                    source.get("title") or "",
                    source.get("body") or "",
                    display.get("title") or "" if text else "",
                    display.get("body") or "" if text else "",
                )

    def word_counts(self) -> None:
        """None: this backend keeps no word counts, so the workbench counts from ``stored``
        (the same figures, slower on a large archive; see docs/workbench.md)."""
        return None

    def indexed_hashes(self) -> dict[int, str | None]:
        """article_id -> content_hash of every indexed document (``reindex --check``)."""
        if not self._all_indices_quietly():
            return {}
        try:
            return {
                int(hit["_id"]): hit.get("_source", {}).get("content_hash")
                for hit in helpers.scan(
                    self.client,
                    index=self.alias,
                    query={"query": {"match_all": {}}},
                    _source=["content_hash"],
                    ignore_unavailable=True,
                )
            }
        except TransportError as exc:
            raise self._unavailable(exc) from exc

    def close(self) -> None:
        self.client.close()


class _PartialBulk(Exception):
    """Internal: a bulk stream that lost the cluster, with what was confirmed before that."""

    def __init__(self, outcome: IndexOutcome, error: ElasticsearchUnavailable) -> None:
        super().__init__(str(error))
        self.outcome = outcome
        self.error = error


def _reason(result: Mapping[str, Any]) -> str:
    error = result.get("error")
    if isinstance(error, Mapping):
        return f"{result.get('status')}: {error.get('type')}: {error.get('reason')}"
    return f"{result.get('status')}: {error or result.get('exception') or 'rejected'}"
