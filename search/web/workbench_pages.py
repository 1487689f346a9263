"""The workbench pages: ``/trends``, ``/kwic``, ``/collocations``, ``/keyness``, ``/words``.

Each page is a GET form (so every view has a shareable URL), the result as a table (and for
trends a chart), and download links to the same figures from the API (``format=csv|jsonl``).
Thin adapters: parameters go to ``SearchQuery.build`` and the service's checks, exactly as the
API and the command line send them, and a refusal is shown with the same message (422).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from starlette.datastructures import QueryParams

from search.core.corpus_stats import period_start
from search.core.query import QueryError, SearchQuery
from search.services import workbench as wb
from search.services.table_limits import LIMITS
from search.web.api import services
from search.web.pages import page_numbers, templates
from search.web.services import Services
from search.web.trend_chart import MEASURES, trend_svg

router = APIRouter(include_in_schema=False)

KWIC_PAGE = 50
TOOLS = (
    ("trends", "แนวโน้ม", "Trends"),
    ("kwic", "คำในบริบท", "Concordance"),
    ("collocations", "คำปรากฏร่วม", "Collocations"),
    ("keyness", "คำเด่น", "Keyness"),
    ("words", "รายการคำ", "Word list"),
)
LABELS = {
    "q": "คำค้น (query)",
    "from": "ตั้งแต่ (from)",
    "to": "ถึง (to)",
    "category": "หมวดหมู่ (category)",
    "lang": "ภาษา (language)",
    "interval": "ช่วงเวลา (interval)",
    "context": "จำนวนคำรอบข้าง (context)",
    "sort": "เรียงตาม (sort)",
    "page": "หน้า (page)",
    "window": "ระยะคำ (window)",
    "measure": "ค่าวัด (measure)",
    "min_count": "ความถี่ขั้นต่ำ (min count)",
    "reference": "คลังเปรียบเทียบ (reference)",
    "format": "รูปแบบ (format)",
}


def link(path: str, pairs: Iterable[tuple[str, str]]) -> str:
    """``path?query`` with every value percent-encoded (Thai included, spaces as %20), empty
    values left out, so a link pasted into curl or a chat works as is."""
    kept = [(k, v) for k, v in pairs if v is not None and str(v).strip() != ""]
    return f"{path}?{urlencode(kept, quote_via=quote)}" if kept else path


@dataclass
class Form:
    """The raw parameters of a workbench URL, kept as typed for the form and the links."""

    args: QueryParams
    keys: tuple[str, ...] = ()
    lists: tuple[str, ...] = ("category", "ref_category")
    extra: dict[str, str] = field(default_factory=dict)

    def get(self, key: str, default: str = "") -> str:
        return self.extra.get(key, self.args.get(key, default))

    def getlist(self, key: str) -> list[str]:
        return [v for v in self.args.getlist(key) if v.strip()]

    def pairs(self, **changes: str | list[str]) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        for key in self.keys:
            value = changes.get(key, self.getlist(key) if key in self.lists else self.get(key))
            values = value if isinstance(value, list) else [value]
            out.extend((key, v) for v in values)
        return out

    def link(self, path: str, **changes: str | list[str]) -> str:
        return link(path, self.pairs(**changes))

    def query(self, text: str | None = None, **paging: str | None) -> SearchQuery:
        return SearchQuery.build(
            self.get("q") if text is None else text,
            date_from=self.get("from"),
            date_to=self.get("to"),
            categories=self.getlist("category"),
            lang=self.get("lang"),
            **paging,
        )


FILTER_KEYS = ("from", "to", "category", "lang")


def _render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    context.setdefault("tools", TOOLS)
    context.setdefault("error", None)
    return templates.TemplateResponse(request, template, context, status_code=status_code)


def _attempt(
    request: Request, template: str, context: dict[str, Any], work: Callable[[], dict[str, Any]]
) -> HTMLResponse:
    try:
        context.update(work())
    except QueryError as exc:
        context["error"] = f"{LABELS.get(exc.param, exc.param)}: {exc.message}"
        return _render(request, template, context, status_code=422)
    return _render(request, template, context)


def _period_range(period: str) -> tuple[str, str]:
    """First and last day of a period key (for links narrowing to it)."""
    first = period_start(period)
    if len(period) == 4:
        last = date(first.year, 12, 31)
    else:
        months = 3 if period[5] == "Q" else 1
        index = first.year * 12 + first.month - 1 + months
        last = date.fromordinal(date(index // 12, index % 12 + 1, 1).toordinal() - 1)
    return first.isoformat(), last.isoformat()


@router.get("/trends", response_class=HTMLResponse)
def trends_page(request: Request, svc: Annotated[Services, Depends(services)]) -> HTMLResponse:
    args = request.query_params
    form = Form(args, ("q", "interval", "measure", *FILTER_KEYS), lists=("q", "category"))
    texts = [t for t in args.getlist("q") if t.strip()]
    measure = form.get("measure") if form.get("measure") in MEASURES else "per_1000"
    context: dict[str, Any] = {
        "tool": "trends",
        "form": form,
        "texts": texts + [""] * max(0, min(8, len(texts) + 1) - len(texts)),
        "measures": MEASURES,
        "measure": measure,
    }
    if not texts:
        context["texts"] = ["", "", ""]
        return _render(request, "trends.html", context)

    root = str(request.scope.get("root_path", "")).rstrip("/")  # thaigov serve --root-path

    def work() -> dict[str, Any]:
        base = form.query("")
        interval = wb.check_interval(form.get("interval"))
        points = wb.trends(svc.backend, texts, base, interval)
        api = [(k, v) for k, v in form.pairs() if k != "measure"]

        periods = list(dict.fromkeys(p.period for p in points))
        table = {(p.query, p.period): p for p in points}
        return {
            "points": points,
            "periods": periods,
            "queries": list(dict.fromkeys(p.query for p in points)),
            "table": table,
            "interval": interval,
            "chart": trend_svg(
                points,
                measure=measure,
                title=f"{MEASURES[measure]}: {', '.join(texts)}",
                point_href=lambda q, period: root + _kwic_link(form, q, period),
            ),
            "downloads": {
                kind: link("/api/trends", [*api, ("format", kind)]) for kind in ("csv", "jsonl")
            }
            | {"json": link("/api/trends", api)},
            "share": link("/trends", form.pairs()),
        }

    return _attempt(request, "trends.html", context, work)


def _kwic_link(form: Form, query: str, period: str) -> str:
    first, last = _period_range(period)
    pairs = [("q", query), ("from", first), ("to", last)]
    pairs += [("category", c) for c in form.getlist("category")]
    pairs += [("lang", form.get("lang"))]
    return link("/kwic", pairs)


@router.get("/kwic", response_class=HTMLResponse)
def kwic_page(request: Request, svc: Annotated[Services, Depends(services)]) -> HTMLResponse:
    form = Form(request.query_params, ("q", "context", "sort", *FILTER_KEYS))
    context: dict[str, Any] = {"tool": "kwic", "form": form}
    if not form.get("q").strip():
        return _render(request, "kwic.html", context)

    def work() -> dict[str, Any]:
        page_text = form.get("page") or "1"
        page_number = wb.check_number("page", page_text, 1, 1, 10_000 // KWIC_PAGE)
        q = form.query(limit=str(KWIC_PAGE), offset=str((page_number - 1) * KWIC_PAGE))
        words = wb.check_number("context", form.get("context"), 5, 0, wb.MAX_CONTEXT)
        order = wb.check_kwic_sort(form.get("sort"))
        result = wb.kwic(svc.backend, q, context=words, sort=order)
        last = max(1, min(-(-result.total // KWIC_PAGE), 10_000 // KWIC_PAGE))
        api = [(k, v) for k, v in form.pairs() if k != "page"]
        limit_offset = [("limit", str(KWIC_PAGE)), ("offset", str(q.offset))]
        return {
            "result": result,
            "page": page_number,
            "pages": page_numbers(page_number, last),
            "last_page": last,
            "page_link": lambda n: form.link("/kwic", page=str(n) if n > 1 else ""),
            "sort_link": lambda s: form.link("/kwic", sort=s),
            "sort": order,
            "downloads": {
                kind: link("/api/kwic", [*api, *limit_offset, ("format", kind)])
                for kind in ("csv", "jsonl")
            }
            | {"json": link("/api/kwic", [*api, *limit_offset])},
            "share": form.link("/kwic", page=str(page_number) if page_number > 1 else ""),
        }

    form.keys = (*form.keys, "page")
    return _attempt(request, "kwic.html", context, work)


@router.get("/collocations", response_class=HTMLResponse)
def collocations_page(
    request: Request, svc: Annotated[Services, Depends(services)]
) -> HTMLResponse:
    form = Form(
        request.query_params, ("q", "window", "measure", "min_count", "stopwords", *FILTER_KEYS)
    )
    context: dict[str, Any] = {
        "tool": "collocations",
        "form": form,
        "limits": LIMITS["collocations"],
    }
    if not form.get("q").strip():
        return _render(request, "collocations.html", context)

    def work() -> dict[str, Any]:
        q = form.query()
        span = wb.check_number("window", form.get("window"), 5, 1, wb.MAX_WINDOW)
        measure = wb.check_measure(form.get("measure"))
        least = LIMITS["collocations"].check_min_count(form.get("min_count"))
        keep = form.get("stopwords") == "keep"
        result = wb.collocation_table(
            svc.backend, q, window=span, measure=measure, min_count=least, use_stopwords=not keep
        )
        api = [(k, v) for k, v in form.pairs() if k != "stopwords"]
        api += [("stopwords", "false")] if keep else []
        return {
            "result": result,
            "rows": [wb.collocation_row(a, measure) for a in result.rows[:100]],
            "measure": measure,
            "window": span,
            "downloads": {
                kind: link("/api/collocations", [*api, ("limit", "1000"), ("format", kind)])
                for kind in ("csv", "jsonl")
            }
            | {"json": link("/api/collocations", api)},
            "kwic_link": lambda word: link(
                "/kwic", [("q", f"{form.get('q')} {word}"), *_filter_pairs(form)]
            ),
        }

    return _attempt(request, "collocations.html", context, work)


def _filter_pairs(form: Form) -> list[tuple[str, str]]:
    pairs = [("from", form.get("from")), ("to", form.get("to")), ("lang", form.get("lang"))]
    return pairs + [("category", c) for c in form.getlist("category")]


@router.get("/keyness", response_class=HTMLResponse)
def keyness_page(request: Request, svc: Annotated[Services, Depends(services)]) -> HTMLResponse:
    keys = ("q", *FILTER_KEYS, "reference", "ref_q", "ref_from", "ref_to", "ref_category")
    form = Form(request.query_params, (*keys, "min_count", "stopwords"))
    context: dict[str, Any] = {"tool": "keyness", "form": form, "limits": LIMITS["keyness"]}
    asked = any(form.get(k).strip() for k in ("q", "from", "to", "lang", "reference")) or bool(
        form.getlist("category")
    )
    if not asked:
        return _render(request, "keyness.html", context)

    def work() -> dict[str, Any]:
        target = form.query()
        kind = wb.check_reference(
            form.get("reference"),
            form.get("ref_q"),
            form.get("ref_from"),
            form.get("ref_to"),
            form.getlist("ref_category"),
        )
        other = None
        if kind == "query":
            try:
                other = SearchQuery.build(
                    form.get("ref_q"),
                    date_from=form.get("ref_from"),
                    date_to=form.get("ref_to"),
                    categories=form.getlist("ref_category"),
                )
            except QueryError as exc:
                raise QueryError("reference", f"ref_{exc.param}: {exc.message}", exc.value) from exc
        least = LIMITS["keyness"].check_min_count(form.get("min_count"))
        keep = form.get("stopwords") == "keep"
        found, ref = wb.keyness_frequencies(svc.backend, target, kind, other)
        rows = wb.keyness_table(found, ref, min_count=least, use_stopwords=not keep)
        api = [(k, v) for k, v in form.pairs() if k != "stopwords"]
        api += [("stopwords", "false")] if keep else []
        return {
            "rows": [wb.keyness_row(k) for k in rows[:100]],
            "kind": kind,
            "target_tokens": found[1],
            "reference_tokens": ref[1],
            "downloads": {
                kind_: link("/api/keyness", [*api, ("limit", "1000"), ("format", kind_)])
                for kind_ in ("csv", "jsonl")
            }
            | {"json": link("/api/keyness", api)},
        }

    return _attempt(request, "keyness.html", context, work)


@router.get("/words", response_class=HTMLResponse)
def words_page(request: Request, svc: Annotated[Services, Depends(services)]) -> HTMLResponse:
    form = Form(request.query_params, ("q", *FILTER_KEYS, "min_count", "stopwords"))
    context: dict[str, Any] = {"tool": "words", "form": form, "limits": LIMITS["words"]}
    asked = any(form.get(k).strip() for k in ("q", "from", "to", "lang", "min_count"))
    if not (asked or form.getlist("category")):
        return _render(request, "words.html", context)

    def work() -> dict[str, Any]:
        q = form.query()
        least = LIMITS["words"].check_min_count(form.get("min_count"))
        keep = form.get("stopwords") == "keep"
        counts, size = wb.frequencies(svc.backend, q)
        listed = wb.word_list(counts, min_count=least, use_stopwords=not keep)
        api = [(k, v) for k, v in form.pairs() if k != "stopwords"]
        api += [("stopwords", "false")] if keep else []
        return {
            "rows": [wb.word_row(w, n, size) for w, n in listed[:200]],
            "size": size,
            "distinct": len(listed),
            "downloads": {
                kind: link("/api/words", [*api, ("limit", "100000"), ("format", kind)])
                for kind in ("csv", "jsonl")
            }
            | {"json": link("/api/words", api)},
            "kwic_link": lambda word: link("/kwic", [("q", word), *_filter_pairs(form)]),
        }

    return _attempt(request, "words.html", context, work)
