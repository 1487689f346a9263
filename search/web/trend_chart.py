"""Several queries over time as one accessible SVG line chart, drawn on the server.

Pure: trend points in, markup out (like ``search.web.timeline``; no chart library renders Thai
labels server-side without a browser or a front-end build). Readable on a phone: the chart is
drawn at its real pixel size (12 px labels) and never scaled down; a narrow screen scrolls it
sideways in a focusable region (see ``.chart-scroll`` in style.css). Every point is a link to the
concordance of that query in that period, so the chart is usable from the keyboard, and the page
repeats the figures in a table (the text alternative).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from markupsafe import Markup, escape

from search.core.corpus_stats import period_label_be
from search.services.workbench import TrendPoint
from search.web.timeline import THAI_MONTH_ABBR

MEASURES = {
    "per_1000": "ข่าวต่อ 1,000 ข่าว (articles per 1,000)",
    "articles": "จำนวนข่าว (matching articles)",
    "occurrences": "จำนวนครั้งที่พบ (occurrences)",
}
MIN_WIDTH = 640
SLOT = 28  # px per period when there are many
HEIGHT = 300


def value_of(point: TrendPoint, measure: str) -> float:
    if measure == "articles":
        return float(point.articles)
    if measure == "occurrences":
        return float(point.occurrences)
    return point.per_1000 or 0.0


def _nice_ceiling(value: float) -> float:
    if value <= 0:
        return 1.0
    step = 1.0
    while step * 10 < value:
        step *= 10
    while step > value * 10:
        step /= 10
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * step:
            return factor * step
    return 10 * step


def period_tick(period: str) -> tuple[str, str]:
    """(upper, lower) axis labels: the month or quarter, then the year in B.E. and C.E."""
    be = period_label_be(period)[:4]
    year = f"{be}/{period[:4]}"
    if len(period) == 4:
        return "", year
    if period[5] == "Q":
        return period[5:], year
    return THAI_MONTH_ABBR[int(period[5:7]) - 1], year


def _label(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or value == int(value) else f"{value:,.1f}"


def trend_svg(
    points: Sequence[TrendPoint],
    *,
    measure: str,
    title: str,
    point_href: Callable[[str, str], str] | None = None,
) -> Markup:
    """An ``<svg role="img">`` with one line per query (colour and dash told apart)."""
    queries = list(dict.fromkeys(p.query for p in points))
    periods = list(dict.fromkeys(p.period for p in points))
    series = {q: [p for p in points if p.query == q] for q in queries}
    left, right, top, bottom = 56, 16, 16, 46
    width = max(MIN_WIDTH, left + right + SLOT * len(periods))
    plot_w, plot_h = width - left - right, HEIGHT - top - bottom
    peak = max((value_of(p, measure) for p in points), default=0.0)
    axis_max = _nice_ceiling(peak)
    step = plot_w / max(len(periods), 1)
    x_of = {period: left + step * (i + 0.5) for i, period in enumerate(periods)}

    def y_of(value: float) -> float:
        return top + plot_h - plot_h * value / axis_max

    summary = "; ".join(
        f"{q}: สูงสุด {_label(max(value_of(p, measure) for p in s))}" for q, s in series.items() if s
    )
    desc = (
        f"{MEASURES.get(measure, measure)} {periods[0]}–{periods[-1]}: {summary}"
        if periods
        else "ไม่มีข้อมูล (no data)"
    )
    out: list[str] = [
        f'<svg class="trend" role="img" aria-labelledby="tr-title tr-desc" width="{width}" '
        f'height="{HEIGHT}" viewBox="0 0 {width} {HEIGHT}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="tr-title">{escape(title)}</title>',
        f'<desc id="tr-desc">{escape(desc)}</desc>',
    ]
    for i in range(5):  # gridlines with their values
        value = axis_max * i / 4
        y = y_of(value)
        out.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}"/>'
        )
        out.append(
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">'
            f"{escape(_label(value))}</text>"
        )
    every = max(1, round(len(periods) / max(plot_w / 44, 1)))
    last_year = ""
    for i, period in enumerate(periods):
        x = x_of[period]
        upper, year = period_tick(period)
        if i % every == 0 and upper:
            out.append(
                f'<text class="tick" x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle">'
                f"{escape(upper)}</text>"
            )
        if year != last_year and (not upper or i % every == 0 or period[5:] in ("01", "Q1")):
            out.append(
                f'<text class="year" x="{x:.1f}" y="{top + plot_h + 34}" text-anchor="middle">'
                f"{escape(year)}</text>"
            )
            last_year = year
    for index, (query, rows) in enumerate(series.items()):
        css = f"s{index % 8}"
        # A period with no archived article has no rate: the line breaks there.
        steps: list[str] = []
        move = True
        for p in rows:
            if measure == "per_1000" and p.per_1000 is None:
                move = True
                continue
            steps.append(
                f"{'M' if move else 'L'}{x_of[p.period]:.1f},{y_of(value_of(p, measure)):.1f}"
            )
            move = False
        path = " ".join(steps)
        out.append(f'<g class="series {css}"><path class="line" d="{path}"/>')
        for p in rows:
            if measure == "per_1000" and p.per_1000 is None:
                continue
            value = value_of(p, measure)
            label = (
                f"{query} · {p.period} ({p.period_be}): {p.articles:,} ข่าว, "
                f"{p.occurrences:,} ครั้ง, {_label(p.per_1000 or 0.0)} ต่อ 1,000"
            )
            dot = (
                f'<circle class="dot" cx="{x_of[p.period]:.1f}" cy="{y_of(value):.1f}" r="4">'
                f"<title>{escape(label)}</title></circle>"
            )
            if point_href is not None and p.articles:
                href = escape(point_href(query, p.period))
                dot = f'<a href="{href}" aria-label="{escape(label)}">{dot}</a>'
            out.append(dot)
        out.append("</g>")
    out.append(
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
        f'y2="{top + plot_h}"/>'
    )
    out.append("</svg>")
    return Markup("".join(out))
