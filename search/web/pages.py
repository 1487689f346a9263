"""Server-rendered HTML pages: the search page (with timeline and facets) and the article page.

Jinja2 autoescaping is on for every template; the only markup built in Python is the snippet
highlighting and the timeline SVG, both of which escape article text before adding tags.
"""

from __future__ import annotations

from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from search.core.query import MAX_QUERY_CHARS, SORTS
from search.web.api import MAX_ARTICLE_ID, services
from search.web.forms import PAGE_SIZE, ParamError, SearchParams
from search.web.services import Services
from search.web.snippets import highlight_html
from search.web.thai_format import iso_date, thai_datetime, thai_long_date, thai_short_date
from search.web.timeline import timeline_svg

TEMPLATES_DIR = FilePath(__file__).parent / "templates"


def root_path(request: Request) -> dict[str, str]:
    """``root``: the prefix every local link and form starts with (``thaigov serve --root-path``).

    Links are root-relative (``{{ root }}/articles/1``), not absolute URLs, so they stay right
    behind a reverse proxy whatever Host header it forwards.
    """
    return {"root": str(request.scope.get("root_path", "")).rstrip("/")}


templates = Jinja2Templates(directory=TEMPLATES_DIR, context_processors=[root_path])
templates.env.filters.update(
    highlight=highlight_html,
    thai_date=thai_long_date,
    thai_short_date=thai_short_date,
    thai_datetime=thai_datetime,
    iso_date=iso_date,
)

router = APIRouter(include_in_schema=False)

SORT_LABELS = {"relevance": "ตรงที่สุด (relevance)", "newest": "ใหม่สุด", "oldest": "เก่าสุด"}
LANG_LABELS = {"": "ทุกภาษา (all)", "th": "ไทย", "en": "English"}
FIELD_LABELS = {
    "from": "ตั้งแต่วันที่ (from)",
    "to": "ถึงวันที่ (to)",
    "sort": "เรียงตาม (sort)",
    "lang": "ภาษา (language)",
    "page": "หน้า (page)",
    "q": "คำค้น (query)",
}


def params_from_request(request: Request) -> SearchParams:
    """Raw search parameters; never raises (validation happens in ``to_query``)."""
    args = request.query_params
    page_text = args.get("page", "1").strip() or "1"
    return SearchParams(
        q=args.get("q", "")[: MAX_QUERY_CHARS * 2],
        date_from=args.get("from", "").strip()[:40],
        date_to=args.get("to", "").strip()[:40],
        categories=tuple(dict.fromkeys(c.strip() for c in args.getlist("category") if c.strip())),
        lang=args.get("lang", "").strip(),
        sort=args.get("sort", "").strip() or "relevance",
        page=int(page_text) if page_text.isascii() and page_text.isdigit() else -1,
    )


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, svc: Annotated[Services, Depends(services)]) -> HTMLResponse:
    params = params_from_request(request)
    context: dict[str, object] = {
        "params": params,
        "sorts": [(s, SORT_LABELS[s]) for s in SORTS],
        "langs": LANG_LABELS,
        "page_size": PAGE_SIZE,
        "error": None,
        "view": None,
    }
    try:
        query = params.to_query()
    except ParamError as exc:
        context["error"] = f"{FIELD_LABELS.get(exc.field, exc.field)}: {exc}"
        return templates.TemplateResponse(request, "search.html", context, status_code=422)
    if not params.has_search:
        context["archive_size"] = svc.archive_size()
        return templates.TemplateResponse(request, "search.html", context)
    view = svc.search(query)
    last_page = max(1, min(-(-view.result.total // PAGE_SIZE), 10_000 // PAGE_SIZE))
    context.update(
        view=view,
        last_page=last_page,
        timeline=timeline_svg(
            view.timeline.per_month,
            title=f"จำนวนข่าวที่พบต่อเดือน: {params.q} (matches per month)",
            bar_href=lambda month: (
                root_path(request)["root"]
                + "/?"
                + params.url_params(date_from=month, date_to=month)
            ),
        ),
    )
    return templates.TemplateResponse(request, "search.html", context)


@router.get("/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    request: Request,
    article_id: Annotated[int, Path(ge=1, le=MAX_ARTICLE_ID)],
    svc: Annotated[Services, Depends(services)],
) -> HTMLResponse:
    view = svc.article(article_id)
    if view is None:
        return templates.TemplateResponse(
            request, "not_found.html", {"article_id": article_id}, status_code=404
        )
    return templates.TemplateResponse(
        request, "article.html", {"article": view.record, "versions": view.versions}
    )
