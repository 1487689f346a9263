"""Elasticsearch search backend: a versioned index behind an alias, fed pre-segmented Thai text.

Why this shape:
- Elasticsearch cannot segment Thai well (the `thai` analyzer is absent from the integ-test
  distribution and splits differently from PyThaiNLP elsewhere). So each text field is indexed
  as the *original* text with U+200B (zero-width space) inserted at every word boundary found by
  ``search.core.segment`` (the same segmentation as the embedded backend). Lucene's standard
  tokenizer breaks at U+200B (verified with ``_analyze``), so the index holds exactly our words,
  while the highlighter returns fragments of the original text: removing the U+200B marks gives
  the displayed text back unchanged.
- Thai digits stay as written in the index (no core filter folds them), so a query word made of
  digits also matches its Thai-digit spelling (``_digit_variants``), as in the embedded index.
- Queries are built only from ``ParsedQuery`` tokens as bool/match_phrase clauses; no user text
  ever reaches a query-string parser, and no query can carry a script.
- ``rebuild`` fills a fresh ``<alias>-v<schema>-<timestamp>`` index and swaps the alias in one
  ``_aliases`` call, so searches see the old index until the new one is complete.
- English: where the cluster has the ``english`` analyzer (probed; the full distribution has
  it), ``.en`` sub-fields add stemmed matches; otherwise the standard analyzer alone is used.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from pipelines.core.settings import ThaigovSettings
from pipelines.core.text_cleaning import ZERO_WIDTH
from search.backends.base import (
    Aggregations,
    Hit,
    IndexDoc,
    IndexOutcome,
    ProgressCallback,
    SearchResult,
)
from search.core.query import ParsedQuery, Phrase, SearchQuery
from search.core.segment import fold, tokenize_spans
from search.core.snippets import HIGHLIGHT_END, HIGHLIGHT_START

logger = logging.getLogger(__name__)

DEFAULT_ALIAS = "thaigov-articles"
#: Bumped when the mapping changes; part of every index name.
SCHEMA_VERSION = 1
WORD_MARK = "\u200b"
TITLE_BOOST = 4.0  # same weight as the embedded backend's BM25 title column
#: Score added to documents holding the typed words as one phrase: BM25 scores here stay far
#: below it, and Elasticsearch's float32 scores keep ~3 decimals of BM25 on top of it.
SEQUENCE_BOOST = 10_000.0
SEQUENCE_NAME = "typed-sequence"
SNIPPET_CHARS = 220
BULK_CHUNK = 500
BULK_MAX_BYTES = 20 * 1024 * 1024
BULK_RETRIES = 4  # documents rejected with 429 are retried with exponential backoff
CATEGORY_BUCKETS = 500
THAI_TO_ASCII = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
ASCII_TO_THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


class ElasticsearchUnavailable(ConnectionError):
    """The cluster could not be reached (refused, timed out, DNS) or has no shard ready (503)."""


# --- pure helpers: text marking, query building, response reading ----------------------------


def _spans_from_tokens(folded: str, tokens: list[str]) -> list[tuple[int, int]] | None:
    """Offsets of already-segmented ``tokens`` in ``folded`` text, or None if they don't align.

    Tokens cover every letter/mark/digit of the text in order and separators hold none, so the
    next occurrence of each token is its own; this avoids segmenting the text a second time.
    """
    spans: list[tuple[int, int]] = []
    pos = 0
    for token in tokens:
        start = folded.find(token, pos)
        if start == -1:
            return None
        pos = start + len(token)
        spans.append((start, pos))
    return spans


def mark_words(text: str, segmented: str | None = None) -> str:
    """``text`` with U+200B at every word boundary of ``search.core.segment``'s segmentation.

    ``segmented`` (the ``IndexDoc.*_segmented`` form) is reused when it aligns with the text;
    otherwise the text is segmented here. ``unmark(mark_words(t)) == t`` for cleaned text.
    """
    text = ZERO_WIDTH.sub("", text or "")
    spans = _spans_from_tokens(fold(text), segmented.split()) if segmented is not None else None
    if spans is None:
        spans = [(a, b) for _, a, b in tokenize_spans(text)]
    cuts = sorted({offset for span in spans for offset in span})
    parts: list[str] = []
    pos = 0
    for cut in cuts:
        parts += [text[pos:cut], WORD_MARK]
        pos = cut
    parts.append(text[pos:])
    return "".join(parts)


def unmark(text: str) -> str:
    """Displayed text: the word marks removed."""
    return text.replace(WORD_MARK, "")


def _digit_variants(phrase: Phrase) -> list[Phrase]:
    """The phrase, plus its Thai-digit spelling when it has digits (the index keeps ๒๕๖๗)."""
    thai = tuple(t.translate(ASCII_TO_THAI) for t in phrase)
    return [phrase] if thai == phrase else [phrase, thai]


def _is_latin(phrase: Phrase) -> bool:
    return all(t.isascii() for t in phrase)


def _phrase_query(phrase: Phrase, *, english: bool) -> dict[str, Any]:
    """Match ``phrase`` in title (boosted) or body; tokens joined by U+200B split exactly there."""
    should: list[dict[str, Any]] = []
    for variant in _digit_variants(phrase):
        text = WORD_MARK.join(variant)
        should.append({"match_phrase": {"title": {"query": text, "boost": TITLE_BOOST}}})
        should.append({"match_phrase": {"body": {"query": text}}})
    if english and _is_latin(phrase):
        text = " ".join(phrase)
        should.append({"match_phrase": {"title.en": {"query": text, "boost": TITLE_BOOST}}})
        should.append({"match_phrase": {"body.en": {"query": text}}})
    return {"bool": {"should": should, "minimum_should_match": 1}}


def text_query(parsed: ParsedQuery, *, english: bool = False) -> dict[str, Any]:
    """Bool query for the parsed text: every clause must match one alternative; exclusions out."""
    must = [
        {
            "bool": {
                "should": [_phrase_query(p, english=english) for p in c.alternatives],
                "minimum_should_match": 1,
            }
        }
        for c in parsed.clauses
    ]
    must_not = [_phrase_query(p, english=english) for p in parsed.excluded]
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
            "filter": _phrase_query(parsed.sequence, english=False),
            "boost": SEQUENCE_BOOST,
            "_name": SEQUENCE_NAME,
        }
    }


def build_query(q: SearchQuery, *, english: bool = False) -> dict[str, Any]:
    """The whole ``query`` part of a search/count request for ``q``."""
    query = text_query(q.parsed, english=english)
    if boost := sequence_boost(q.parsed):
        query["should"] = [boost]
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


def build_highlight() -> dict[str, Any]:
    return {
        "pre_tags": [HIGHLIGHT_START],
        "post_tags": [HIGHLIGHT_END],
        "encoder": "default",  # plain text: the web UI escapes it, then renders the marks
        "require_field_match": False,
        "fields": {
            "body": {
                "type": "unified",
                "fragment_size": SNIPPET_CHARS,
                "number_of_fragments": 1,
                "no_match_size": SNIPPET_CHARS,
                "boundary_scanner": "sentence",
                "boundary_scanner_locale": "th-TH",
            }
        },
    }


def snippet_from(hit: Mapping[str, Any]) -> str:
    fragments = hit.get("highlight", {}).get("body") or [""]
    return " ".join(unmark(fragments[0]).split("\n")).strip()


def hit_from(raw: Mapping[str, Any], *, scored: bool = True) -> Hit:
    source = raw.get("_source", {})
    return Hit(
        article_id=int(source["article_id"]),
        title=unmark(source.get("title") or ""),
        published_date=source.get("published_date"),
        category=source.get("category"),
        lang=source.get("lang"),
        url=source.get("url") or "",
        score=_bm25(raw) if scored else 0.0,
        snippet=snippet_from(raw),
    )


def _bm25(raw: Mapping[str, Any]) -> float:
    score = float(raw.get("_score") or 0.0)
    if SEQUENCE_NAME in (raw.get("matched_queries") or ()):
        score -= SEQUENCE_BOOST
    return round(score, 3)


def index_body(doc: IndexDoc) -> dict[str, Any]:
    """The stored document: marked text plus display and filter fields."""
    return {
        "article_id": doc.article_id,
        "title": mark_words(doc.title, doc.title_segmented),
        "body": mark_words(doc.body, doc.body_segmented),
        "url": doc.url,
        "published_date": doc.published_date,
        "category": doc.category,
        "lang": doc.lang,
        "content_hash": doc.content_hash,
    }


def mappings(*, english: bool) -> dict[str, Any]:
    def text_field(offsets: bool) -> dict[str, Any]:
        field: dict[str, Any] = {"type": "text", "analyzer": "standard"}
        if offsets:  # postings offsets: the unified highlighter needs no re-analysis of bodies
            field["index_options"] = "offsets"
        if english:
            field["fields"] = {"en": {"type": "text", "analyzer": "english"}}
        return field

    return {
        "dynamic": "strict",
        "properties": {
            "article_id": {"type": "long"},
            "title": text_field(offsets=False),
            "body": text_field(offsets=True),
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
            highlight=build_highlight(),
            source_excludes=["body"],
        )
        hits = body.get("hits", {})
        return SearchResult(
            total=int(hits.get("total", {}).get("value", 0)),
            hits=[hit_from(h, scored=not q.parsed.matches_all) for h in hits.get("hits", [])],
        )

    def count(self, q: SearchQuery | None = None) -> int:
        if q is None:
            return int(self._call("count").get("count", 0))
        return int(
            self._call("count", query=build_query(q, english=self._english_on())).get("count", 0)
        )

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
