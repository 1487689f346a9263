"""The read-only JSON API (``/api/...``): typed with pydantic so OpenAPI documents it.

Bad parameters answer 422 in FastAPI's usual validation-error shape, never 500. The search
parameters are checked by ``SearchQuery.build`` alone (the builder the page and the command line
use), so ``detail[0].msg`` is the same text they show.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.exceptions import RequestValidationError

from search.backends.base import Hit
from search.core.query import (
    DEFAULT_LIMIT,
    LANGS,
    MAX_CATEGORIES,
    MAX_DATE_CHARS,
    MAX_LIMIT,
    MAX_QUERY_CHARS,
    MAX_WINDOW,
    MODES,
    SORTS,
    QueryError,
    SearchQuery,
)
from search.services.hits import hit_fields
from search.web.models import (
    ArticleOut,
    CategoryCountOut,
    HitOut,
    MonthCountOut,
    QueryEcho,
    SearchOut,
    SuggestionOut,
    TimelineOut,
    VersionOut,
)
from search.web.services import Services
from search.web.snippets import highlight_html
from search.web.thai_format import iso_date, thai_long_date
from search.web.timeline import fill_months

router = APIRouter(
    prefix="/api",
    tags=["api"],
    responses={503: {"description": "The search backend or the archive is unreachable"}},
)

#: Largest article id accepted in a path (the site's ids are far below; SQL integers are not).
MAX_ARTICLE_ID = 2**31 - 1


def services(request: Request) -> Services:
    found: Services = request.app.state.services  # set by create_app
    return found


def _documented(**schema: Any) -> Callable[[dict[str, Any]], None]:
    """OpenAPI schema for a parameter FastAPI receives as raw text.

    The API hands every search parameter to ``SearchQuery.build`` as typed, so that a bad value
    is refused with the builder's message, the one the page and the command line show (FastAPI's
    own int/enum checks would answer first, in other words). The schema still tells clients the
    real type and bounds.
    """

    def replace_schema(generated: dict[str, Any]) -> None:
        title = generated.get("title")
        generated.clear()
        generated.update(schema, **({"title": title} if title else {}))

    return replace_schema


def search_query(
    q: Annotated[
        str | None,
        Query(
            description='Words, "phrases", -exclusions, OR',
            json_schema_extra=_documented(type="string", maxLength=MAX_QUERY_CHARS),
        ),
    ] = None,
    date_from: Annotated[
        str | None,
        Query(
            alias="from",
            description="Start: 2024-01-31, 2024-01, 2024 or B.E. 2567, 31/1/2567, 1 ม.ค. 67",
            json_schema_extra=_documented(type="string", maxLength=MAX_DATE_CHARS),
        ),
    ] = None,
    date_to: Annotated[
        str | None,
        Query(
            alias="to",
            description="End (inclusive), same forms as from",
            json_schema_extra=_documented(type="string", maxLength=MAX_DATE_CHARS),
        ),
    ] = None,
    category: Annotated[
        list[str],
        Query(
            description="Repeat to allow several",
            json_schema_extra=_documented(
                type="array", items={"type": "string"}, maxItems=MAX_CATEGORIES
            ),
        ),
    ] = [],  # noqa: B006
    lang: Annotated[
        str | None,
        Query(description="th or en", json_schema_extra=_documented(type="string", enum=LANGS)),
    ] = None,
    sort: Annotated[
        str | None,
        Query(
            description="relevance (default), newest or oldest",
            json_schema_extra=_documented(type="string", enum=SORTS),
        ),
    ] = None,
    limit: Annotated[
        str | None,
        Query(
            description=f"Hits per page (default {DEFAULT_LIMIT})",
            json_schema_extra=_documented(type="integer", minimum=1, maximum=MAX_LIMIT),
        ),
    ] = None,
    offset: Annotated[
        str | None,
        Query(
            description=f"Hits to skip; offset + limit stays within {MAX_WINDOW}",
            json_schema_extra=_documented(type="integer", minimum=0, maximum=MAX_WINDOW - 1),
        ),
    ] = None,
    mode: Annotated[
        str | None,
        Query(
            description="keyword (default), semantic (by meaning, across languages) or hybrid",
            json_schema_extra=_documented(type="string", enum=MODES),
        ),
    ] = None,
) -> SearchQuery:
    try:
        return SearchQuery.build(
            q,
            date_from=date_from,
            date_to=date_to,
            categories=category,
            lang=lang,
            sort=sort,
            limit=limit,
            offset=offset,
            mode=mode,
        )
    except QueryError as exc:
        raise invalid(exc) from exc


def invalid(exc: QueryError) -> RequestValidationError:
    """A 422 naming the parameter, as FastAPI reports its own validation errors."""
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


def hit_out(hit: Hit) -> HitOut:
    """``search.services.hits.hit_fields`` (as ``thaigov search --json``), plus the Thai date
    and the snippet as HTML; the API has no ``highlights`` (``snippet_html`` marks them)."""
    fields = hit_fields(hit)
    del fields["highlights"]
    fields["published_date"] = iso_date(hit.published_date) or None
    return HitOut(
        **fields,
        published_date_thai=thai_long_date(hit.published_date),
        snippet_html=str(highlight_html(hit.snippet)),
    )


def query_echo(query: SearchQuery) -> QueryEcho:
    return QueryEcho(
        q=query.text,
        date_from=iso_date(query.date_from) or None,
        date_to=iso_date(query.date_to) or None,
        categories=list(query.categories),
        lang=query.lang,
        sort=query.sort,
        limit=query.limit,
        offset=query.offset,
        mode=query.mode,
    )


@router.get("/search", response_model=SearchOut, summary="Search the archive")
def api_search(
    query: Annotated[SearchQuery, Depends(search_query)],
    svc: Annotated[Services, Depends(services)],
) -> SearchOut:
    """One page of matches, best first (or by date), with highlighted snippets."""
    try:
        result = svc.search_page(query)
    except QueryError as exc:  # e.g. mode=semantic where no embeddings exist yet
        raise invalid(exc) from exc
    hits = [hit_out(hit) for hit in result.hits]
    following = query.offset + len(hits)
    return SearchOut(
        query=query_echo(query),
        total=result.total,
        hits=hits,
        next_offset=following if hits and following < min(result.total, MAX_WINDOW) else None,
        did_you_mean=[
            SuggestionOut(q=s.text, total=s.total) for s in svc.suggestions(query, result.total)
        ],
        expanded_terms=list(result.expanded_terms),
    )


@router.get("/timeline", response_model=TimelineOut, summary="Matches per month and category")
def api_timeline(
    query: Annotated[SearchQuery, Depends(search_query)],
    svc: Annotated[Services, Depends(services)],
) -> TimelineOut:
    """How often the query matches in each month (zero-filled) and in each category."""
    try:
        aggregations = svc.timeline(query)
    except QueryError as exc:
        raise invalid(exc) from exc
    months = fill_months(aggregations.per_month)
    return TimelineOut(
        query=query_echo(query),
        total=sum(m.count for m in months),
        per_month=[MonthCountOut(month=m.month, count=m.count) for m in months],
        per_category=[
            CategoryCountOut(category=name, count=n) for name, n in aggregations.per_category
        ],
    )


@router.get(
    "/articles/{article_id}",
    response_model=ArticleOut,
    summary="One article with its earlier versions",
    responses={404: {"description": "No article with this id in the archive"}},
)
def api_article(
    article_id: Annotated[int, Path(ge=1, le=MAX_ARTICLE_ID)],
    svc: Annotated[Services, Depends(services)],
) -> ArticleOut:
    view = svc.article(article_id)
    if view is None:
        raise HTTPException(status_code=404, detail=f"article {article_id} not found")
    record = view.record
    return ArticleOut(
        **record,
        published_date_thai=thai_long_date(record["published_date"]),
        versions=[
            VersionOut(
                version=v.version,
                title=v.title,
                body=v.body,
                replaced_at=v.replaced_at,
                diff=v.diff_text,
            )
            for v in view.versions
        ],
    )


@router.get(
    "/articles/{article_id}/similar",
    response_model=list[HitOut],
    summary="Articles most like this one, by meaning",
    responses={404: {"description": "No article with this id in the archive"}},
)
def api_similar(
    article_id: Annotated[int, Path(ge=1, le=MAX_ARTICLE_ID)],
    svc: Annotated[Services, Depends(services)],
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="How many")] = 10,
) -> list[HitOut]:
    """Nearest articles by their passages' mean vector, itself excluded; empty until the
    article is embedded (``thaigov reindex``)."""
    if svc.article(article_id) is None:
        raise HTTPException(status_code=404, detail=f"article {article_id} not found")
    return [hit_out(hit) for hit in svc.similar(article_id, limit)]
