"""The workbench's JSON API: ``/api/trends``, ``/api/kwic``, ``/api/collocations``,
``/api/keyness``, ``/api/words``.

Thin adapters over ``search.services.workbench`` (the command line and the pages use the same
service). The search filters go through ``SearchQuery.build``, every other parameter through
the service's checks, and any refusal is a 422 in FastAPI's validation-error shape with the
message the command line shows. ``format=csv`` or ``format=jsonl`` turns the rows into a
download (the links under every chart and table on the pages).
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Query
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask

from search.core.query import LANGS, MAX_CATEGORIES, MAX_DATE_CHARS, MAX_QUERY_CHARS, QueryError
from search.core.query import SearchQuery as SearchQueryT
from search.core.safety import neutralise_formula
from search.services import workbench as wb
from search.services.export import iter_search_matches, write_export
from search.services.table_limits import LIMITS
from search.web.api import search_query, services
from search.web.services import Services

router = APIRouter(
    prefix="/api",
    tags=["workbench"],
    responses={503: {"description": "The search backend or the archive is unreachable"}},
)
T = TypeVar("T")

FORMATS = ("json", "csv", "jsonl")
DOWNLOADS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            "application/x-ndjson": {"schema": {"type": "string"}},
        },
        "description": "JSON; with format=csv a CSV file, with format=jsonl JSON Lines",
    }
}


def refused(exc: QueryError) -> RequestValidationError:
    return RequestValidationError(
        [
            {
                "type": "value_error",
                "loc": ("query", exc.param),
                "msg": exc.message,
                "input": exc.value,
            }
        ]
    )


def checked(make: Callable[[], T]) -> T:
    try:
        return make()
    except QueryError as exc:
        raise refused(exc) from exc


# --- shared parameters -----------------------------------------------------------------------


class Filters(BaseModel):
    date_from: str | None = None
    date_to: str | None = None
    categories: list[str] = []
    lang: str | None = None

    def query(self, text: str | None = "", **paging: str | None) -> SearchQueryT:
        return SearchQueryT.build(
            text,
            date_from=self.date_from,
            date_to=self.date_to,
            categories=self.categories,
            lang=self.lang,
            **paging,
        )


def filters(
    date_from: Annotated[
        str | None,
        Query(
            alias="from",
            description="Start: 2024-01-31, 2024-01, 2024, B.E. 2567",
            max_length=MAX_DATE_CHARS,
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        Query(alias="to", description="End (inclusive), same forms", max_length=MAX_DATE_CHARS),
    ] = None,
    category: Annotated[
        list[str], Query(description="Repeat to allow several", max_length=MAX_CATEGORIES)
    ] = [],  # noqa: B006
    lang: Annotated[str | None, Query(description=" or ".join(LANGS), max_length=10)] = None,
) -> Filters:
    return Filters(date_from=date_from, date_to=date_to, categories=category, lang=lang)


#: The dependencies the endpoints share (FastAPI reads ``Annotated`` aliases as is).
Svc = Annotated[Services, Depends(services)]
Given = Annotated[Filters, Depends(filters)]
QText = Annotated[
    str, Query(description='A word, "a phrase", or a OR b', max_length=MAX_QUERY_CHARS)
]
OptionalText = Annotated[
    str | None,
    Query(description="Optional query narrowing the subcorpus", max_length=MAX_QUERY_CHARS),
]
Format = Annotated[str, Query(description="json (default), csv or jsonl", max_length=10)]
Number = Annotated[str | None, Query(max_length=20)]
Stopwords = Annotated[
    bool, Query(description="Leave out PyThaiNLP's Thai stopwords (default true)")
]


class TableOptions(BaseModel):
    """The raw options every word table takes, checked by the endpoint in its own order."""

    min_count: str | None = None
    limit: str | None = None
    stopwords: bool = True
    format: str = "json"


def table_options(
    min_count: Number = None,
    limit: Number = None,
    stopwords: Stopwords = True,
    format: Format = "json",
) -> TableOptions:
    return TableOptions(min_count=min_count, limit=limit, stopwords=stopwords, format=format)


Table = Annotated[TableOptions, Depends(table_options)]


def _format(raw: str) -> str:
    text = (raw or "json").strip().lower()
    if text not in FORMATS:
        raise refused(QueryError("format", f"format must be json, csv or jsonl, not {raw!r}", raw))
    return text


def download(rows: Iterable[Mapping[str, Any]], kind: str, name: str) -> Response:
    """Rows as a CSV (formulas neutralised, as every CSV export) or JSON Lines attachment."""
    if kind == "jsonl":
        body = "".join(json.dumps(dict(r), ensure_ascii=False) + "\n" for r in rows)
        media = "application/x-ndjson"
    else:
        out = io.StringIO()
        writer: csv.DictWriter[str] | None = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(out, fieldnames=list(row), lineterminator="\r\n")
                writer.writeheader()
            writer.writerow(
                {k: neutralise_formula(v) if isinstance(v, str) else v for k, v in row.items()}
            )
        body, media = out.getvalue(), "text/csv; charset=utf-8"
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )


# --- response models -------------------------------------------------------------------------


class TrendPointOut(BaseModel):
    query: str
    period: str = Field(description="2024-10 (month), 2024-Q4 (quarter) or 2024 (year), C.E.")
    period_be: str = Field(description="The same period with the Buddhist-era year")
    articles: int = Field(description="Articles the query matches in the period")
    occurrences: int = Field(description="Times the query occurs in them")
    archived: int = Field(description="Articles archived in the period (within the filters)")
    per_1000: float | None = Field(description="articles per 1,000 archived; null if none archived")


class TrendsOut(BaseModel):
    interval: str
    queries: list[str]
    rows: list[TrendPointOut]


class KwicLineOut(BaseModel):
    article_id: int
    published_date: str | None
    field: str = Field(description="title or body")
    left: str
    match: str
    right: str
    title: str


class KwicOut(BaseModel):
    total: int = Field(description="Occurrences in every matching article")
    articles: int
    lines: list[KwicLineOut]
    next_offset: int | None


class CollocationOut(BaseModel):
    word: str
    score: float
    count: int = Field(description="Times within the window")
    frequency: int = Field(description="Times in the whole corpus")
    log_likelihood: float
    mutual_information: float


class CollocationsOut(BaseModel):
    node_occurrences: int
    corpus_tokens: int
    rows: list[CollocationOut]


class KeynessRowOut(BaseModel):
    word: str
    target_count: int
    reference_count: int
    log_likelihood: float
    log_ratio: float = Field(description="log2 of the relative-frequency ratio (effect size)")


class KeynessOut(BaseModel):
    reference: str
    target_tokens: int
    reference_tokens: int
    rows: list[KeynessRowOut]


class WordOut(BaseModel):
    word: str
    count: int
    per_million: float


class WordsOut(BaseModel):
    tokens: int
    rows: list[WordOut]


# --- endpoints -------------------------------------------------------------------------------


@router.get(
    "/trends", response_model=TrendsOut, responses=DOWNLOADS, summary="Compare queries over time"
)
def api_trends(
    svc: Svc,
    given: Given,
    q: Annotated[
        list[str], Query(description="Up to 8 queries, one series each", max_length=8)
    ] = [],  # noqa: B006
    interval: Annotated[str, Query(description="month, quarter or year", max_length=10)] = "month",
    format: Format = "json",
) -> Any:
    """Per query and period: matching articles, occurrences, and articles per 1,000 archived."""
    kind = _format(format)
    base = checked(given.query)
    chosen = checked(lambda: wb.check_interval(interval))
    texts = checked(lambda: wb.check_trend_queries(q))
    points = checked(lambda: wb.trends(svc.backend, texts, base, chosen))
    rows = [p.as_dict() for p in points]
    if kind != "json":
        return download(rows, kind, "trends")
    return TrendsOut(interval=chosen, queries=texts, rows=[TrendPointOut(**r) for r in rows])  # type: ignore[arg-type]


@router.get("/kwic", response_model=KwicOut, responses=DOWNLOADS, summary="Keyword in context")
def api_kwic(
    svc: Svc,
    given: Given,
    q: QText = "",
    context: Number = None,
    sort: Annotated[str, Query(description="date, left or right", max_length=10)] = "date",
    limit: Number = None,
    offset: Number = None,
    format: Format = "json",
) -> Any:
    """Every occurrence with whole words of context each side, paged (limit/offset)."""
    kind = _format(format)
    query = checked(lambda: given.query(q, limit=limit or "50", offset=offset))
    words = checked(lambda: wb.check_number("context", context, 5, 0, wb.MAX_CONTEXT))
    order = checked(lambda: wb.check_kwic_sort(sort))
    page = checked(lambda: wb.kwic(svc.backend, query, context=words, sort=order))
    if kind != "json":
        return download((line.as_dict() for line in page.lines), kind, "kwic")
    following = query.offset + len(page.lines)
    return KwicOut(
        total=page.total,
        articles=page.articles,
        lines=[KwicLineOut(**line.as_dict()) for line in page.lines],  # type: ignore[arg-type]
        next_offset=following if page.lines and following < page.total else None,
    )


@router.get(
    "/collocations",
    response_model=CollocationsOut,
    responses=DOWNLOADS,
    summary="Words associated with a query",
)
def api_collocations(
    svc: Svc,
    table: Table,
    given: Given,
    q: QText = "",
    window: Number = None,
    measure: Annotated[str, Query(description="ll or mi", max_length=10)] = "ll",
) -> Any:
    """Collocates within ``window`` words each side, by log-likelihood (ll) or MI."""
    kind = _format(table.format)
    query = checked(lambda: given.query(q))
    span = checked(lambda: wb.check_number("window", window, 5, 1, wb.MAX_WINDOW))
    chosen = checked(lambda: wb.check_measure(measure))
    least, top = checked(lambda: LIMITS["collocations"].check(table.min_count, table.limit))
    result = checked(
        lambda: wb.collocation_table(
            svc.backend, query, window=span, measure=chosen, min_count=least,
            use_stopwords=table.stopwords,
        )
    )  # fmt: skip
    rows = [wb.collocation_row(a, chosen) for a in result.rows[:top]]
    if kind != "json":
        return download(rows, kind, "collocations")
    return CollocationsOut(
        node_occurrences=result.node_occurrences,
        corpus_tokens=result.corpus_tokens,
        rows=[CollocationOut(**r) for r in rows],  # type: ignore[arg-type]
    )


@router.get(
    "/keyness", response_model=KeynessOut, responses=DOWNLOADS, summary="Key words of a subcorpus"
)
def api_keyness(
    svc: Svc,
    table: Table,
    given: Given,
    q: OptionalText = None,
    reference: Annotated[
        str | None, Query(description="rest, tnc or query (the ref_* parameters)", max_length=10)
    ] = None,
    ref_q: OptionalText = None,
    ref_from: Annotated[str | None, Query(max_length=MAX_DATE_CHARS)] = None,
    ref_to: Annotated[str | None, Query(max_length=MAX_DATE_CHARS)] = None,
    ref_category: Annotated[list[str], Query(max_length=MAX_CATEGORIES)] = [],  # noqa: B006
) -> Any:
    """Words over- or under-used in the target against the reference (LL and log ratio)."""
    kind = _format(table.format)
    target = checked(lambda: given.query(q))
    ref_kind = checked(lambda: wb.check_reference(reference, ref_q, ref_from, ref_to, ref_category))
    other = None
    if ref_kind == "query":
        other = checked(
            lambda: SearchQueryT.build(
                ref_q, date_from=ref_from, date_to=ref_to, categories=ref_category
            )
        )
    least, top = checked(lambda: LIMITS["keyness"].check(table.min_count, table.limit))
    found, ref = checked(lambda: wb.keyness_frequencies(svc.backend, target, ref_kind, other))
    keys = wb.keyness_table(found, ref, min_count=least, use_stopwords=table.stopwords)
    rows = [wb.keyness_row(k) for k in keys[:top]]
    if kind != "json":
        return download(rows, kind, "keyness")
    return KeynessOut(
        reference=ref_kind,
        target_tokens=found[1],
        reference_tokens=ref[1],
        rows=[KeynessRowOut(**r) for r in rows],  # type: ignore[arg-type]
    )


@router.get("/words", response_model=WordsOut, responses=DOWNLOADS, summary="Word frequency list")
def api_words(
    svc: Svc,
    table: Table,
    given: Given,
    q: OptionalText = None,
) -> Any:
    """The most frequent words of the articles the query and the filters match."""
    kind = _format(table.format)
    query = checked(lambda: given.query(q))
    least, top = checked(lambda: LIMITS["words"].check(table.min_count, table.limit))
    counts, size = wb.frequencies(svc.backend, query)
    listed = wb.word_list(counts, min_count=least, use_stopwords=table.stopwords)[:top]
    rows = [wb.word_row(w, n, size) for w, n in listed]
    if kind != "json":
        return download(rows, kind, "words")
    return WordsOut(tokens=size, rows=[WordOut(**r) for r in rows])  # type: ignore[arg-type]


EXPORT_MEDIA = {
    "csv": "text/csv; charset=utf-8",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


@router.get(
    "/export",
    response_class=FileResponse,
    summary="Download every match of a search",
    responses={
        200: {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "application/vnd.apache.parquet": {
                    "schema": {"type": "string", "format": "binary"}
                },
            },
            "description": "Full archive records of every match (as `thaigov export --query`)",
        }
    },
)
def api_export(
    query: Annotated[SearchQueryT, Depends(search_query)],
    svc: Svc,
    format: Annotated[str, Query(description="csv, jsonl or parquet", max_length=10)] = "csv",
) -> FileResponse:
    """The search's matches with every archived field, as ``thaigov export`` writes them (the
    export links on the results page). The file is written to a temporary folder, sent, and
    removed."""
    kind = (format or "csv").strip().lower()
    if kind not in EXPORT_MEDIA:
        raise refused(QueryError("format", f"format must be csv, jsonl or parquet, not {format!r}"))
    folder = Path(tempfile.mkdtemp(prefix="thaigov-export-"))
    path = folder / f"thaigov-search.{kind}"
    try:
        write_export(
            iter_search_matches(svc.store, svc.backend, query),
            kind,  # type: ignore[arg-type]
            path,
            near_duplicates=svc.searcher.near_duplicates(),
        )
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return FileResponse(
        path,
        media_type=EXPORT_MEDIA[kind],
        filename=path.name,
        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True),
    )
