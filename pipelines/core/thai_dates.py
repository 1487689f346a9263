"""Thai date normalisation: every date form thaigov.go.th writes, as ``datetime.date`` values.

Pure module (no Scrapy). PyThaiNLP's ``thai_strptime`` handles ``13 ธันวาคม 2567`` but raises on
``12 ธ.ค.67`` and cannot find dates inside running text, so the grammar below is built here, once
at import, from PyThaiNLP's month and weekday tables. Thai digits are matched directly (they are
Unicode decimal digits), so match offsets always point into the caller's original text.

Year rules: a 4-digit year from 2100 up is Buddhist Era (B.E. - 543 = C.E.), 1800-2099 is C.E.;
``พ.ศ.``/``ค.ศ.`` force the era; a 2-digit year is B.E. (``67`` -> 2567 -> 2024), or with a
reference date the one from 80 years before it to 20 after. Impossible dates give None, never a
guess.
"""

from __future__ import annotations

import calendar
import datetime as _dt  # DateMention has fields named date and time
import re
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import date, time
from typing import Any, Literal

from pythainlp.util.date import thai_abbr_months, thai_full_months, thai_full_weekdays

from pipelines.core.text_rules import BE_OFFSET, THAI_WEEKDAYS, fold_thai_digits

__all__ = [
    "WARNING_KINDS",
    "DateMention",
    "find_dates",
    "normalise_article_dates",
    "parse_date_mention",
    "parse_thai_date",
    "parse_year_or_date",
    "warning_kind",
]

#: B.E. years read as such: 2100-2800 (1557-2257 C.E.), so historical dates such as
#: "5 กรกฎาคม พ.ศ. 2365" stay valid. Without an era marker a year from 2100 up is B.E., and
#: 1800-2099 is C.E. (a C.E. year in the 2100s is no news date).
BE_MIN_YEAR = 2100
BE_MAX_YEAR = 2800
CE_MIN_YEAR = 1800
CE_MIN_YEAR_MARKED = 1000  # with ค.ศ. written out
#: A year-less date this far from the publication date in its year may belong to the next/last.
_SAME_YEAR_DAYS = 245

Precision = Literal["day", "month"]

# --- Tables ------------------------------------------------------------------------------------
# PyThaiNLP has no spelling variants: "กรกฏาคม" (ฏ for ฎ) is a common misspelling of July on the
# site itself (68 times in the 2020-2023 corpus).
_FULL_MONTHS: dict[str, int] = {name: i for i, name in enumerate(thai_full_months, 1)}
_FULL_MONTHS["กรกฏาคม"] = 7
# Abbreviations without their dots ("ธค", "มีค"), keyed for lookup after dots/spaces are removed.
_ABBR_MONTHS: dict[str, int] = {a.replace(".", ""): i for i, a in enumerate(thai_abbr_months, 1)}
# Python's weekday(): Monday is 0; includes the short spoken Thursday "วันพฤหัส" (text_rules).
_THAI_WEEKDAYS: dict[str, int] = THAI_WEEKDAYS
# English names are written out: calendar.month_name follows the process locale.
_EN_MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
_EN_WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
#: Written forms (as matched, without a trailing dot) -> month number; "Sept" is common too.
_EN_MONTH_FORMS: dict[str, int] = {"Sept": 9}
for _i, _name in enumerate(_EN_MONTH_NAMES, 1):
    _EN_MONTH_FORMS[_name] = _i
    _EN_MONTH_FORMS[_name[:3]] = _i
_EN_MONTHS: dict[str, int] = {k.lower(): v for k, v in _EN_MONTH_FORMS.items()}
_EN_WEEKDAYS: dict[str, int] = {name.lower(): i for i, name in enumerate(_EN_WEEKDAY_NAMES)}


def _alternation(words: Iterable[str]) -> str:
    """Longest first, so "มีนาคม" is never cut to a shorter alternative."""
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


def _abbr_pattern(abbr: str) -> str:
    """``ธ.ค.`` -> ``ธ.ค.``, ``ธ.ค``, ``ธค``, ``ธ. ค.``: dots and one inner space optional."""
    parts = [re.escape(p) for p in abbr.split(".") if p]
    return r"\.?+\s?".join(parts) + r"\.?+"


# --- Grammar ------------------------------------------------------------------------------------
_DIGIT = "[0-9๐-๙]"
_NUM_BEFORE = r"(?<![0-9๐-๙])(?<![0-9๐-๙][.,:/])"  # not inside 1.13, 3/13 or 123
_NUM_AFTER = r"(?![0-9๐-๙])"
_SPACE = r"[ \t\u00a0]"  # a date never spans a line break
# Bounded runs of spaces keep every match short, which find_dates' windowed scan relies on.
_S = f"{_SPACE}{{0,4}}"
_S1 = f"{_SPACE}{{1,4}}"
_FULL = _alternation(_FULL_MONTHS)
_ABBR = "|".join(_abbr_pattern(a) for a in sorted(thai_abbr_months, key=len, reverse=True))
_ERA = r"(?:พ\.?\s?ศ\.?|ค\.?\s?ศ\.?)"
# "ก.พ.ร." (a commission) and "ส.ค.ส." (a new-year card) start like month abbreviations;
# "ม.ค.พ.ศ. 2543" does not count (the letters after the month are the era).
_NOT_INITIALISM = rf"(?!(?!{_ERA})[ก-ฮ]\.)"
_WEEKDAY_BARE = _alternation(name.removeprefix("วัน") for name in _THAI_WEEKDAYS)
_THAI_WEEKDAY = rf"วัน(?:{_WEEKDAY_BARE})"
_EN_MONTH = rf"(?:{_alternation(_EN_MONTH_FORMS)})\.?"
_EN_WEEKDAY = rf"(?:{_alternation(_EN_WEEKDAY_NAMES)})"
_DASH = r"[-–—]"
_RANGE_SEP = rf"{_S}(?:{_DASH}|ถึง(?:วันที่)?){_S}"


def _thai_month(g: str) -> str:
    return rf"(?P<{g}>{_FULL}|(?:{_ABBR}){_NOT_INITIALISM})"


def _year(g: str, era: str) -> str:
    return rf"(?:(?P<{era}>{_ERA}){_S})?(?P<{g}>{_DIGIT}{{4}}|{_DIGIT}{{2}}){_NUM_AFTER}"


def _day(g: str) -> str:
    return rf"{_NUM_BEFORE}(?P<{g}>{_DIGIT}{{1,2}}){_NUM_AFTER}"


# "วันศุกร์ที่ 13", "วันศุกร์ 13", and in running text also "ศุกร์ที่ 13" (then ที่ is required).
_WD = rf"(?:(?P<wd>{_THAI_WEEKDAY}){_S}(?:ที่)?{_S}|(?P<wdb>{_WEEKDAY_BARE})ที่{_S})?"
_EWD = rf"(?:(?P<ewd>{_EN_WEEKDAY}),?{_S1})?"
_TIME_1 = rf"(?P<h1>{_DIGIT}{{1,2}})[.:](?P<n1>{_DIGIT}{{2}}){_NUM_AFTER}"
_TIME_2 = rf"(?P<h2>{_DIGIT}{{1,2}})[.:](?P<n2>{_DIGIT}{{2}}){_NUM_AFTER}"
_TIME_RANGE = rf"(?:{_S}(?:น\.)?{_S}(?:{_DASH}|ถึง){_S}(?:เวลา{_S})?{_TIME_2})?"
# "เวลา" or "น." must be there for digits to count as a time; checked after the match.
_TIME = (
    rf"(?P<time>{_S}[,(]?{_S}(?:(?:ตั้งแต่|ณ)?{_S}เวลา{_S})?{_TIME_1}{_TIME_RANGE}"
    rf"(?:{_S}น\.)?)?"
)

# Alternatives in priority order; at any position the first that matches wins.
_FORMS: dict[str, str] = {
    # 2 - 3 พฤศจิกายน 2563 / 30 พ.ย. - 2 ธ.ค. 63 / 30 ธันวาคม 2566 - 2 มกราคม 2567
    "thai_range": (
        rf"{_WD}{_day('d')}(?:{_S}{_thai_month('m')}(?:{_S}{_year('y', 'era')})?)?"
        rf"{_RANGE_SEP}{_day('d2')}{_S}{_thai_month('m2')}(?:{_S}{_year('y2', 'era2')})?"
    ),
    # วันศุกร์ที่ 13 ธันวาคม 2567 / 13 ธ.ค.67 / 13 ธันวาคม
    "thai_day": rf"{_WD}{_day('d')}{_S}{_thai_month('m')}(?:{_S}{_year('y', 'era')})?",
    # 13/12/2567, 13-12-2567
    "numeric": (
        rf"{_WD}{_day('d')}(?P<sep>[/-])(?P<nm>{_DIGIT}{{1,2}})(?P=sep)"
        rf"(?P<y>{_DIGIT}{{4}}|{_DIGIT}{{2}}){_NUM_AFTER}(?![/-][0-9๐-๙])"
    ),
    # Friday, December 13, 2024 / December 13-14, 2024
    "english_mdy": (
        rf"{_EWD}(?P<em>{_EN_MONTH}){_S1}{_day('d')}(?:{_S}{_DASH}{_S}{_day('d2')})?"
        rf"(?:,?{_S1}(?P<y>{_DIGIT}{{4}}){_NUM_AFTER})?"
    ),
    # 13 December 2024 / 13-14 December 2024
    "english_dmy": (
        rf"{_EWD}{_day('d')}(?:{_S}{_DASH}{_S}{_day('d2')})?{_S1}(?P<em>{_EN_MONTH})"
        rf"(?:,?{_S1}(?P<y>{_DIGIT}{{4}}){_NUM_AFTER})?"
    ),
    # ธันวาคม 2567 / ธ.ค. 67 (month precision)
    "thai_month": rf"{_thai_month('m')}{_S}{_year('y', 'era')}",
    # December 2024
    "english_month": rf"(?P<em>{_EN_MONTH}){_S1}(?P<y>{_DIGIT}{{4}}){_NUM_AFTER}",
}


def _prefixed(name: str, pattern: str) -> str:
    """Group names must be unique in one regex: prefix each form's groups with its name."""
    return re.sub(r"\(\?P(<|=)(\w+)", lambda m: f"(?P{m[1]}{name}__{m[2]}", pattern)


_MASTER = re.compile(
    "|".join(
        f"(?P<{name}>{_prefixed(name, p)}{_prefixed(name, _TIME)})" for name, p in _FORMS.items()
    )
)
#: Per form, its groups' short names and their indices in _MASTER (for a cheap lookup).
_FORM_GROUPS: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    form: (
        tuple(k.split("__", 1)[1] for k in _MASTER.groupindex if k.startswith(form + "__")),
        tuple(i for k, i in _MASTER.groupindex.items() if k.startswith(form + "__")),
    )
    for form in _FORMS
}
_THAI_DIGIT = re.compile("[๐-๙]")
_PREFIX = re.compile(r"^(?:ณ\s*)?(?:เมื่อ\s*)?(?:วันที่\s*)?(?:on\s+)?", re.IGNORECASE)
_ISO = re.compile(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?")
_BARE_YEAR = re.compile(rf"(?:(?P<era>{_ERA})\s*)?(?P<y>{_DIGIT}{{4}})")

# find_dates does not run _MASTER over every position (about 3 MB/s on Thai text): every form
# contains a month name or a numeric d/m/y, and these literal patterns are scanned by the regex
# engine's fast prefix search (over 200 MB/s each). _MASTER is then tried only at the few
# positions before each anchor where a date can start. Limits follow from the bounded grammar.
_ANCHORS = (
    re.compile(_FULL),
    re.compile(_ABBR),
    re.compile(_EN_MONTH),
    re.compile(rf"[/-]{_DIGIT}{{1,2}}[/-]"),
)
_STARTS = re.compile(rf"{_NUM_BEFORE}{_DIGIT}|วัน|[A-Z]|(?:{_WEEKDAY_BARE})ที่")
_MAX_LEAD = 80  # characters from the start of a date to its first anchor, at most


# --- Results ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DateMention:
    """One date expression found in text; offsets index the caller's original string."""

    start: int
    end: int
    text: str
    date: _dt.date
    end_date: _dt.date | None = None  # last day of a range, or of the month for precision "month"
    time: _dt.time | None = None
    end_time: _dt.time | None = None
    precision: Precision = "day"
    weekday_ok: bool | None = None  # None when no weekday was named
    form: str = ""  # e.g. "day full yyyy", "range abbr yy", "numeric", "english mdy"


class _Invalid(Exception):
    """A match that looks like a date but names an impossible one (31 February)."""


def _int(text: str) -> int:
    return int(fold_thai_digits(text))


def _thai_month_number(text: str) -> int:
    full = _FULL_MONTHS.get(text)
    if full:
        return full
    return _ABBR_MONTHS[re.sub(r"[.\s]", "", text)]


def _nearest(candidates: Iterable[date], reference: date) -> date:
    return min(candidates, key=lambda d: abs((d - reference).days))


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve_year(digits: str | None, era: str | None, reference: date | None) -> int | None:
    """C.E. year for a written year; None when absent or implausible (e.g. 1500 people)."""
    if digits is None:
        return None
    value = _int(digits)
    era_letter = era.replace(".", "").replace(" ", "")[:1] if era else ""
    if len(digits) == 2:
        if era_letter == "ค":
            return None
        if reference is None:
            return 2500 + value - BE_OFFSET
        # News looks back far more than ahead: the century that puts the year within
        # 80 years before to 20 years after the reference.
        low = reference.year + BE_OFFSET - 80
        be_year = low + (value - low) % 100
        return be_year - BE_OFFSET
    if era_letter == "พ" or (not era_letter and value >= BE_MIN_YEAR):
        return value - BE_OFFSET if BE_MIN_YEAR <= value <= BE_MAX_YEAR else None
    lowest = CE_MIN_YEAR_MARKED if era_letter == "ค" else CE_MIN_YEAR
    return value if lowest <= value < BE_MIN_YEAR else None


def _day_in_year(year: int | None, month: int, day: int, reference: date | None) -> date:
    """The date; without a year, the reference's year, unless that puts it more than eight
    months away and the adjacent year is nearer (28 Dec seen on 2 Jan: last December)."""
    if year is not None:
        found = _safe_date(year, month, day)
    elif reference is None:
        found = None
    else:
        found = _safe_date(reference.year, month, day)
        if found is None or abs((found - reference).days) > _SAME_YEAR_DAYS:
            options = [_safe_date(reference.year + k, month, day) for k in (-1, 0, 1)]
            valid = [d for d in options if d is not None]
            found = _nearest(valid, reference) if valid else None
    if found is None:
        raise _Invalid
    return found


def _time(hour: str | None, minute: str | None) -> time | None:
    if hour is None or minute is None:
        return None
    h, m = _int(hour), _int(minute)
    if h > 24 or m > 59:
        raise _Invalid
    return time(0 if h == 24 else h, m)


def _weekday_ok(
    named: str | None, table: Mapping[str, int], day: date, end_day: date | None
) -> bool | None:
    """Whether the named weekday fits; for a range either end may be the one named
    ("วันอังคารถึงวันพุธที่ 12 - 13 เมษายน" names the end day last)."""
    if not named:
        return None
    weekday = table[named.lower() if table is _EN_WEEKDAYS else named]
    return weekday == day.weekday() or (end_day is not None and weekday == end_day.weekday())


def _year_style(digits: str | None) -> str:
    return "none" if digits is None else ("yy" if len(digits) == 2 else "yyyy")


def _build(m: re.Match[str], reference: date | None) -> DateMention:
    """Turn one master-regex match into a mention; raises _Invalid for impossible dates."""
    form = m.lastgroup or ""
    # lastgroup is the outermost group that closed last: the form's own wrapper group.
    names, indices = _FORM_GROUPS[form]
    g: dict[str, str | None] = dict(zip(names, m.group(*indices), strict=True))
    end_date: date | None = None
    precision: Precision = "day"
    cut_at: int | None = None  # where the mention ends when its tail is not part of the date
    weekday_table: Mapping[str, int] = _THAI_WEEKDAYS
    if form in ("thai_range", "thai_day"):
        month2 = g.get("m2")
        if form == "thai_range":
            assert month2 is not None
            m_end = _thai_month_number(month2)
            year_end = _resolve_year(g["y2"], g["era2"], reference)
            m_start = _thai_month_number(g["m"]) if g["m"] else m_end
            year_start = _resolve_year(g["y"], g["era"], reference)
            if year_end is not None and year_start is None:
                year_start = year_end - 1 if m_start > m_end else year_end
            start = _day_in_year(year_start, m_start, _int(g["d"] or ""), reference)
            if year_end is None:
                last = _day_in_year(start.year, m_end, _int(g["d2"] or ""), None)
                if last < start:
                    last = _day_in_year(start.year + 1, m_end, _int(g["d2"] or ""), None)
            else:
                last = _day_in_year(year_end, m_end, _int(g["d2"] or ""), None)
            if last < start:
                raise _Invalid
            day, end_date = start, last
            month_text, year_text, era_text = month2, g["y2"], g["era2"]
            kind = "range"
        else:
            assert g["m"] is not None
            year = _resolve_year(g["y"], g["era"], reference)
            day = _day_in_year(year, _thai_month_number(g["m"]), _int(g["d"] or ""), reference)
            month_text, year_text, era_text, kind = g["m"], g["y"], g["era"], "day"
        if year_text is not None and _resolve_year(year_text, era_text, reference) is None:
            # "13 ธันวาคม 1500 คน": the number is no year, so the mention ends at the month.
            year_text = None
            cut_at = m.end(f"{form}__{'m2' if kind == 'range' else 'm'}")
        style = "full" if month_text in _FULL_MONTHS else "abbr"
        if style == "abbr" and "." not in month_text and year_text is None:
            raise _Invalid  # "5 พค" alone is too ambiguous to call a date
        label = f"{kind} {style} {_year_style(year_text)}"
    elif form == "numeric":
        year = _resolve_year(g["y"], None, reference)
        if year is None:
            raise _Invalid
        day = _day_in_year(year, _int(g["nm"] or ""), _int(g["d"] or ""), None)
        label = "numeric"
    elif form in ("english_mdy", "english_dmy"):
        weekday_table = _EN_WEEKDAYS
        month = _EN_MONTHS[(g["em"] or "").rstrip(".").lower()]
        year = _resolve_year(g["y"], None, reference)
        if g["y"] is not None and year is None:
            raise _Invalid
        day = _day_in_year(year, month, _int(g["d"] or ""), reference)
        if g["d2"]:
            end_date = _day_in_year(day.year, month, _int(g["d2"]), None)
            if end_date < day:
                raise _Invalid
        label = "english " + form[-3:] + (" range" if g["d2"] else "") + ("" if g["y"] else " none")
    else:  # thai_month, english_month
        if form == "thai_month":
            month = _thai_month_number(g["m"] or "")
            year = _resolve_year(g["y"], g["era"], reference)
        else:
            month = _EN_MONTHS[(g["em"] or "").rstrip(".").lower()]
            year = _resolve_year(g["y"], None, reference)
        if year is None:
            raise _Invalid
        day = date(year, month, 1)
        end_date = date(year, month, calendar.monthrange(year, month)[1])
        precision = "month"
        label = "month thai" if form == "thai_month" else "month english"
    if weekday_table is _EN_WEEKDAYS:
        named_weekday = g.get("ewd")
    else:
        bare_weekday = g.get("wdb")
        named_weekday = g.get("wd") or (f"วัน{bare_weekday}" if bare_weekday else None)
    end = m.end()
    start_time = end_time = None
    time_text = g.get("time")
    if cut_at is not None:
        end = cut_at
    elif time_text:
        try:
            if "เวลา" not in time_text and "น." not in time_text:
                raise _Invalid  # bare "15.00" after a date may be anything
            start_time, end_time = _time(g["h1"], g["n1"]), _time(g.get("h2"), g.get("n2"))
        except _Invalid:
            start_time = end_time = None
            end = m.start(f"{form}__time")
    text = m.string[m.start() : end].rstrip()
    if _THAI_DIGIT.search(text):
        label += " thai-digits"
    return DateMention(
        start=m.start(),
        end=m.start() + len(text),
        text=text,
        date=day,
        end_date=end_date,
        time=start_time,
        end_time=end_time,
        precision=precision,
        weekday_ok=_weekday_ok(
            named_weekday, weekday_table, day, end_date if precision == "day" else None
        ),
        form=label,
    )


# --- Public API ---------------------------------------------------------------------------------
def find_dates(text: str | None, *, reference_date: date | None = None) -> list[DateMention]:
    """Every date expression in ``text``, in order. Year-less ones need ``reference_date``."""
    if not text:
        return []
    found: list[DateMention] = []
    anchors = sorted({a.start() for rx in _ANCHORS for a in rx.finditer(text)})
    cursor = 0  # end of the last match: nothing before it can start another
    scanned = 0  # every start position below this has been tried
    for anchor in anchors:
        if anchor < cursor:
            continue
        low = max(cursor, scanned, anchor - _MAX_LEAD)
        starts = [s.start() for s in _STARTS.finditer(text, low, anchor)]
        starts.append(anchor)
        for start in starts:
            if start < cursor:
                continue
            m = _MASTER.match(text, start)
            if m is None:
                continue
            cursor = m.end()
            # A match naming no real date (31 February) is skipped, as finditer would.
            with suppress(_Invalid):
                found.append(_build(m, reference_date))
        scanned = max(scanned, anchor + 1, cursor)
    return found


def parse_date_mention(
    text: str | None, *, reference_date: date | None = None
) -> DateMention | None:
    """The single date expression that is the whole of ``text`` (after prefixes), or None."""
    if not text:
        return None
    stripped = text.strip()
    prefix = _PREFIX.match(stripped)  # every part is optional: it always matches
    body = stripped[prefix.end() :] if prefix else stripped
    m = _MASTER.fullmatch(body)
    if m is None:
        return None
    try:
        return _build(m, reference_date)
    except _Invalid:
        return None


def parse_thai_date(text: str | None, *, reference_date: date | None = None) -> date | None:
    """One day-precision date expression (any supported form) -> date; ranges and months -> None."""
    mention = parse_date_mention(text, reference_date=reference_date)
    if mention is None or mention.precision != "day" or mention.end_date is not None:
        return None
    return mention.date


def parse_year_or_date(text: str | None) -> tuple[date, date] | None:
    """A search filter -> inclusive (date_from, date_to): ``2567``, ``ธันวาคม 2567``, a day, a
    range, or ISO ``2024``/``2024-12``/``2024-12-13``; None when it is none of these."""
    if not text or not text.strip():
        return None
    cleaned = fold_thai_digits(text.strip())
    iso = _ISO.fullmatch(cleaned)
    if iso:
        year, month = int(iso[1]), int(iso[2])
        if not 1 <= month <= 12 or not 1 <= year <= 9999:
            return None
        if iso[3]:
            day = _safe_date(year, month, int(iso[3]))
            return (day, day) if day else None
        return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])
    bare = _BARE_YEAR.fullmatch(cleaned)
    if bare:
        whole_year = _resolve_year(bare["y"], bare["era"], None)
        return (date(whole_year, 1, 1), date(whole_year, 12, 31)) if whole_year else None
    mention = parse_date_mention(text)
    if mention is None:
        return None
    return mention.date, mention.end_date or mention.date


# --- Articles -----------------------------------------------------------------------------------
#: Warning strings start with one of these kinds and a colon; the pipeline counts them in stats.
WARNING_KINDS = ("unparseable", "weekday_mismatch", "line_disagreement")


def warning_kind(warning: str) -> str:
    """The kind a warning string starts with (one of WARNING_KINDS)."""
    return warning.split(":", 1)[0]


def normalise_article_dates(article: Mapping[str, Any]) -> dict[str, Any]:
    """``published_date``, ``date_mentions`` and ``date_warnings`` for one article dict.

    The long date line is authoritative; the numeric line only cross-checks it, and stands in
    when the long line is missing or unparseable (it is the site's own date, not a guess).
    """
    warnings: list[str] = []
    long_text = article.get("published_date_text")
    numeric_text = article.get("published_date_numeric_text")
    long_mention = parse_date_mention(long_text)
    if long_mention is not None and long_mention.precision != "day":
        long_mention = None
    numeric_date = parse_thai_date(numeric_text)
    published: date | None = long_mention.date if long_mention else None
    if long_mention is None:
        warnings.append(f"unparseable: long date line {long_text!r}")
    elif long_mention.weekday_ok is False:
        weekday = thai_full_weekdays[long_mention.date.weekday()]
        warnings.append(
            f"weekday_mismatch: {long_text!r} names the wrong weekday: "
            f"{long_mention.date.isoformat()} is {weekday}"
        )
    if numeric_text and numeric_date is None:
        warnings.append(f"unparseable: numeric date line {numeric_text!r}")
    if published is not None and numeric_date is not None and numeric_date != published:
        warnings.append(
            f"line_disagreement: {long_text!r} is {published.isoformat()} "
            f"but {numeric_text!r} is {numeric_date.isoformat()}"
        )
    if published is None:
        published = numeric_date
    mentioned: set[date] = set()
    for field in ("title", "body"):
        for mention in find_dates(article.get(field), reference_date=published):
            if mention.precision == "day":
                mentioned.add(mention.date)
                if mention.end_date is not None:
                    mentioned.add(mention.end_date)
    return {
        "published_date": published.isoformat() if published else None,
        "date_mentions": sorted(d.isoformat() for d in mentioned),
        "date_warnings": warnings,
    }
