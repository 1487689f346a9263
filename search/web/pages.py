"""Server-rendered HTML pages: the search page (with timeline and facets) and the article page.

Jinja2 autoescaping is on for every template; the only markup built in Python is the snippet
highlighting and the timeline SVG, both of which escape article text before adding tags. Links
taken from archived pages are rendered only when ``is_safe_link`` (http/https) says so.
"""

from __future__ import annotations

import logging
from pathlib import Path as FilePath
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from fastapi.templating import Jinja2Templates

from search.backends.base import Hit, IndexMissing
from search.core.query import MAX_WINDOW, MODES, SORTS, Mode, QueryError
from search.core.safety import is_safe_link
from search.core.snippets import make_snippet
from search.services.failures import storage_failure
from search.web.api import MAX_ARTICLE_ID, services
from search.web.forms import PAGE_SIZE, SearchParams
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
# ``{% if url is safe_link %}``: only http(s) URLs become links; anything else (javascript:,
# data:, vbscript:, relative...) from an archived page is shown as text.
templates.env.tests["safe_link"] = is_safe_link

logger = logging.getLogger("thaigov.web")
router = APIRouter(include_in_schema=False)
SIMILAR_ON_PAGE = 8

SORT_LABELS = {"relevance": "ตรงที่สุด (relevance)", "newest": "ใหม่สุด", "oldest": "เก่าสุด"}
MODE_LABELS = {
    "hybrid": "คำและความหมาย (hybrid)",
    "keyword": "ตรงคำ (keyword)",
    "semantic": "ความหมาย (semantic)",
}
LANG_LABELS = {"": "ทุกภาษา (all)", "th": "ไทย", "en": "English"}
FIELD_LABELS = {
    "q": "คำค้น (query)",
    "from": "ตั้งแต่วันที่ (from)",
    "to": "ถึงวันที่ (to)",
    "category": "หมวดหมู่ (category)",
    "lang": "ภาษา (language)",
    "sort": "เรียงตาม (sort)",
    "mode": "วิธีค้น (mode)",
    "page": "หน้า (page)",
}


def page_numbers(current: int, last: int) -> list[int | None]:
    """Links for a numbered pager: the first, the last and two each side of the current page;
    None marks a gap (1 … 4 5 [6] 7 8 … 68)."""
    wanted = sorted({1, last, *range(max(1, current - 2), min(last, current + 2) + 1)})
    out: list[int | None] = []
    previous = 0
    for n in wanted:
        if previous and n - previous > 1:
            out.append(None)
        out.append(n)
        previous = n
    return out


@router.get("/", response_class=HTMLResponse)
def search_page(request: Request, svc: Annotated[Services, Depends(services)]) -> HTMLResponse:
    params = SearchParams.from_args(request.query_params)
    context: dict[str, object] = {
        "params": params,
        "sorts": [(s, SORT_LABELS[s]) for s in SORTS],
        "modes": [(m, MODE_LABELS[m]) for m in MODES],
        "langs": LANG_LABELS,
        "page_size": PAGE_SIZE,
        "error": None,
        "view": None,
    }
    try:
        default_mode: Mode = "hybrid" if svc.semantic_ready() else "keyword"
        context["default_mode"] = default_mode
        query = params.to_query(default_mode)
        if not params.has_search:
            context["archive_size"] = svc.archive_size()
            return templates.TemplateResponse(request, "search.html", context)
        params = params.resolved(query)
        view = svc.search(query)
    except QueryError as exc:
        # The builder's message, as the API and the command line give it, after the field's label.
        context["error"] = f"{FIELD_LABELS.get(exc.param, exc.param)}: {exc.message}"
        return templates.TemplateResponse(request, "search.html", context, status_code=422)
    last_page = max(1, min(-(-view.result.total // PAGE_SIZE), MAX_WINDOW // PAGE_SIZE))
    words = query.parsed.highlight_tokens
    context.update(
        params=params,
        view=view,
        last_page=last_page,
        page_numbers=page_numbers(params.page_number, last_page),
        # Whole titles with the query's words marked, like the snippets.
        titles={
            h.article_id: make_snippet(h.title, words, len(h.title) + 1) for h in view.result.hits
        },
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


def _similar_if_reachable(svc: Services, article_id: int) -> list[Hit]:
    """Similar articles need the search side; the article page needs only the archive, so it
    keeps working (without the list) while the search backend is down or has no index."""
    try:
        return svc.similar(article_id, SIMILAR_ON_PAGE)
    except IndexMissing:
        return []
    except Exception as exc:
        failure = storage_failure(exc)
        if failure is None:
            raise
        logger.warning("article %d shown without similar articles: %s", article_id, exc)
        return []


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
    files_by_url = {entry["url"]: entry for entry in view.record.get("files") or []}
    return templates.TemplateResponse(
        request,
        "article.html",
        {
            "article": view.record,
            "versions": view.versions,
            "files_by_url": files_by_url,
            "similar": _similar_if_reachable(svc, article_id),
        },
    )


@router.get("/files/{sha256}")
def stored_file(
    sha256: Annotated[str, Path(pattern="^[0-9a-f]{64}$")],
    svc: Annotated[Services, Depends(services)],
) -> Response:
    """An archived attachment or image, by its SHA-256: always a download, never rendered.

    ``Content-Disposition: attachment`` and ``nosniff`` keep a stored HTML or SVG file from
    running as a page of this site; the sandbox CSP is a second lock on the same door.
    """
    found = svc.stored_file(sha256)
    if found is None:
        return PlainTextResponse("file not in the archive", status_code=404)
    path, content_type, name = found
    return FileResponse(
        path,
        media_type=content_type or "application/octet-stream",
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name, safe='')}",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "public, max-age=31536000, immutable",
            "Digest": f"sha-256={_base64_digest(sha256)}",
        },
    )


def _base64_digest(sha256: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(sha256)).decode("ascii")
