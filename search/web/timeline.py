"""Matches per month as an accessible inline SVG bar chart, drawn on the server.

Pure: months in, markup out. No charting library renders Thai month labels server-side
without a browser or a front-end build, and a bar chart is a few rectangles, so it is written
here by hand. Every piece of text goes through ``escape``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from markupsafe import Markup, escape

from pipelines.core.text_rules import to_buddhist_year

THAI_MONTH_ABBR = (
    "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
    "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class MonthCount:
    month: str  # "YYYY-MM" (C.E.)
    count: int

    @property
    def year(self) -> int:
        return int(self.month[:4])

    @property
    def month_number(self) -> int:
        return int(self.month[5:7])

    def thai_label(self) -> str:
        """E.g. ``ธ.ค. 2567`` (B.E. year, as Thai readers expect)."""
        return f"{THAI_MONTH_ABBR[self.month_number - 1]} {to_buddhist_year(self.year)}"


def _parse_month(month: str) -> tuple[int, int]:
    if len(month) != 7 or month[4] != "-" or not (month[:4] + month[5:]).isdigit():
        raise ValueError(f"not a YYYY-MM month: {month!r}")
    year, number = int(month[:4]), int(month[5:7])
    if not 1 <= number <= 12:
        raise ValueError(f"not a YYYY-MM month: {month!r}")
    return year, number


def fill_months(per_month: Iterable[tuple[str, int]]) -> list[MonthCount]:
    """Counts for every month from the first to the last one given, zero where missing."""
    counts: dict[tuple[int, int], int] = {}
    for month, count in per_month:
        key = _parse_month(month)
        counts[key] = counts.get(key, 0) + int(count)
    if not counts:
        return []
    (year, number), last = min(counts), max(counts)
    filled: list[MonthCount] = []
    while (year, number) <= last:
        filled.append(MonthCount(f"{year:04d}-{number:02d}", counts.get((year, number), 0)))
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return filled


def _nice_ceiling(value: int) -> int:
    """Round the axis maximum up to 1, 2 or 5 times a power of ten."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if value <= factor * step:
                return factor * step
        step *= 10


def timeline_svg(
    per_month: Iterable[tuple[str, int]],
    *,
    title: str = "จำนวนข่าวที่พบต่อเดือน (matches per month)",
    bar_href: Callable[[str], str] | None = None,
    width: int = 720,
    height: int = 200,
) -> Markup:
    """An ``<svg role="img">`` with a title, a description, a labelled bar per month.

    ``bar_href(month)`` makes each bar a link (e.g. narrowing the search to that month).
    Months without matches between the first and last month are drawn as empty slots so the
    horizontal axis is true time.
    """
    months = fill_months(per_month)
    total = sum(m.count for m in months)
    if not months:
        desc = "ไม่มีข่าวที่ตรงกับคำค้น (no matches)"
    else:
        peak = max(months, key=lambda m: m.count)
        desc = (
            f"{total:,} ข่าว ระหว่าง {months[0].thai_label()} ถึง {months[-1].thai_label()}; "
            f"สูงสุด {peak.count:,} ข่าวใน {peak.thai_label()} "
            f"({total:,} matches from {months[0].month} to {months[-1].month})"
        )
    # Left margin wide enough for the axis maximum at the phone-size font (style.css).
    top, bottom, left, right = 14, 34, 64, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    axis_max = _nice_ceiling(max((m.count for m in months), default=0))
    slot = plot_w / max(len(months), 1)
    bar_w = max(slot * 0.8, 1.0)
    label_every_month = len(months) <= 18

    out: list[str] = [
        f'<svg class="timeline" role="img" aria-labelledby="tl-title tl-desc" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet" '
        f'xmlns="http://www.w3.org/2000/svg">',
        f'<title id="tl-title">{escape(title)}</title>',
        f'<desc id="tl-desc">{escape(desc)}</desc>',
        # Axis: baseline, and the maximum value on the left.
        f'<line class="axis" x1="{left}" y1="{top + plot_h}" x2="{width - right}" '
        f'y2="{top + plot_h}"/>',
        f'<text class="tick" x="{left - 4}" y="{top + 4}" text-anchor="end">{axis_max:,}</text>',
        f'<text class="tick" x="{left - 4}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    for index, month in enumerate(months):
        x = left + index * slot + (slot - bar_w) / 2
        bar_h = plot_h * month.count / axis_max
        y = top + plot_h - bar_h
        label = f"{month.thai_label()} ({month.month}): {month.count:,} ข่าว"
        bar = (
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
            f'height="{bar_h:.1f}"><title>{escape(label)}</title></rect>'
        )
        if bar_href is not None and month.count:
            bar = (
                f'<a href="{escape(bar_href(month.month))}" aria-label="{escape(label)}">{bar}</a>'
            )
        out.append(f'<g class="month" data-month="{month.month}">{bar}</g>')
        centre = x + bar_w / 2
        if label_every_month and month.count:
            out.append(
                f'<text class="count" x="{centre:.1f}" y="{max(y - 3, 10):.1f}" '
                f'text-anchor="middle">{month.count:,}</text>'
            )
        if label_every_month:
            text = THAI_MONTH_ABBR[month.month_number - 1]
            out.append(
                f'<text class="tick month-name" x="{centre:.1f}" y="{top + plot_h + 13}" '
                f'text-anchor="middle">{escape(text)}</text>'
            )
        if month.month_number == 1 or index == 0:
            out.append(
                f'<text class="year" x="{centre:.1f}" y="{top + plot_h + 27}" '
                f'text-anchor="{"start" if index == 0 else "middle"}">'
                f"{to_buddhist_year(month.year)}</text>"
            )
    out.append("</svg>")
    return Markup("".join(out))
