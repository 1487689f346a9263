"""The query model shared by every backend: user text in, token tuples out.

Syntax understood (Thai and/or English, mixed freely):
  words            every word must match (a Thai run without spaces is segmented into words)
  "exact phrase"   the words must be adjacent, in order
  -word, -"a b"    documents containing it are excluded
  a OR b           either side may match (binds the neighbouring items; chains: a OR b OR c)
Everything else (``*``, ``:``, ``^``, brackets, unbalanced quotes, ``AND``/``NOT`` keywords) is
treated as plain text and reduced to word tokens by ``search.core.segment.tokenize``, so backends
never see user syntax and no input can produce a malformed backend query. Input length, clause
count, phrase length and pagination are bounded here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, NoReturn, cast, get_args

from pipelines.core.text_rules import canonical_category, from_buddhist_year
from pipelines.core.thai_dates import parse_year_or_date
from search.core.segment import normalise, tokenize_spans

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[str, ...] = get_args(Sort)
#: keyword: the text index; semantic: nearest passages by meaning; hybrid: both, fused by rank.
Mode = Literal["keyword", "semantic", "hybrid"]
MODES: tuple[str, ...] = get_args(Mode)

MAX_QUERY_CHARS = 2000
MAX_CLAUSES = 64
MAX_PHRASE_TOKENS = 32
MAX_LIMIT = 100
#: Deepest page reachable (Elasticsearch's default max_result_window is 10,000).
MAX_WINDOW = 10_000

#: A phrase is a tuple of tokens that must be adjacent; a single token is a one-word phrase.
Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Clause:
    """Matches when any alternative matches (one alternative: a plain required term/phrase)."""

    alternatives: tuple[Phrase, ...]


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A conjunction of clauses minus excluded phrases; tokens only, never raw syntax."""

    clauses: tuple[Clause, ...] = ()
    excluded: tuple[Phrase, ...] = ()
    truncated: bool = False  # input was cut to the bounds above
    #: The bare (unquoted, not OR-ed) words in typed order when there are two or more: a ranking
    #: hint, not a filter. In relevance order, documents holding them as one phrase come first,
    #: so a pasted sentence finds its article among the many that merely share its words.
    sequence: Phrase = ()

    @property
    def matches_all(self) -> bool:
        """No positive clause: every document within the filters matches (minus exclusions),
        ranked newest first (lets the UI browse by date/category with an empty box)."""
        return not self.clauses

    @property
    def terms(self) -> tuple[str, ...]:
        """Required single words (clauses with one one-word alternative)."""
        return tuple(
            c.alternatives[0][0]
            for c in self.clauses
            if len(c.alternatives) == 1 and len(c.alternatives[0]) == 1
        )

    @property
    def phrases(self) -> tuple[Phrase, ...]:
        """Required multi-word phrases (clauses with one alternative of several words)."""
        return tuple(
            c.alternatives[0]
            for c in self.clauses
            if len(c.alternatives) == 1 and len(c.alternatives[0]) > 1
        )

    @property
    def or_groups(self) -> tuple[tuple[Phrase, ...], ...]:
        """Clauses with several alternatives."""
        return tuple(c.alternatives for c in self.clauses if len(c.alternatives) > 1)

    @property
    def highlight_tokens(self) -> frozenset[str]:
        """Every positive word, for snippets."""
        return frozenset(t for c in self.clauses for alt in c.alternatives for t in alt)


# A quoted phrase (closing quote optional: an unbalanced quote runs to the end), or a bare item.
# Only the ASCII and full-width double quotes are operators: Thai news text uses curly quotes for
# emphasis (“สวดมนต์ข้ามปี”-“ของขวัญปีใหม่”), and a pasted title must not turn into phrases and
# exclusions. A minus before digits is a hyphen ("โควิด -19"), not an exclusion.
_ITEM = re.compile(r'(?P<neg>-(?!\d))?(?:"(?P<phrase>[^"]*)"?|(?P<bare>[^\s"]+))')
_QUOTES = str.maketrans({"＂": '"'})


@dataclass(slots=True)
class _Item:
    tokens: Phrase
    quoted: bool
    negated: bool


def _lex(text: str) -> list[_Item | str]:
    """Items and the ``OR`` operator, in order.

    The whole text is segmented in one pass and tokens are then assigned to the items they fall
    in: the segmenter's choices depend on context, and a pasted title or passage must come out
    exactly as the indexed text did, not chunk by chunk.
    """
    text = normalise(text).translate(_QUOTES)
    spans = tokenize_spans(text)
    out: list[_Item | str] = []
    cursor = 0
    for m in _ITEM.finditer(text):
        bare = m.group("bare")
        if bare in ("OR", "|", "||"):
            out.append("OR")
            continue
        if bare in ("AND", "&&", "NOT"):
            continue  # implicit AND already; NOT is spelled with a leading minus
        start, end = m.span("phrase") if bare is None else m.span("bare")
        while cursor < len(spans) and spans[cursor][1] < start:
            cursor += 1
        tokens: list[str] = []
        while cursor < len(spans) and spans[cursor][2] <= end:
            tokens.append(spans[cursor][0])
            cursor += 1
        if tokens:
            out.append(
                _Item(
                    tuple(tokens[:MAX_PHRASE_TOKENS]),
                    quoted=bare is None,
                    negated=m.group("neg") is not None,
                )
            )
    return out


def parse_query(text: str | None) -> ParsedQuery:
    """Parse user search text (see module docstring); never raises on any string."""
    text = text or ""
    truncated = len(text) > MAX_QUERY_CHARS
    lexed = _lex(text[:MAX_QUERY_CHARS])

    groups: list[list[_Item]] = []
    excluded: list[Phrase] = []
    join_next = False
    for entry in lexed:
        if entry == "OR":
            join_next = bool(groups)
            continue
        assert isinstance(entry, _Item)
        if entry.negated:
            excluded.append(entry.tokens)
            join_next = False
            continue
        if join_next:
            groups[-1].append(entry)
        else:
            groups.append([entry])
        join_next = False

    clauses: list[Clause] = []
    sequence: list[str] = []
    for group in groups:
        if len(group) == 1 and not group[0].quoted:
            # A bare run: each word is required on its own (robust to segmentation context).
            clauses.extend(Clause(((t,),)) for t in group[0].tokens)
            sequence.extend(group[0].tokens)
        else:
            # Quoted items, and bare runs inside OR groups, are matched as phrases.
            clauses.append(Clause(tuple(dict.fromkeys(item.tokens for item in group))))
    deduped = tuple(dict.fromkeys(clauses))
    excluded_t = tuple(dict.fromkeys(excluded))
    if len(deduped) > MAX_CLAUSES or len(excluded_t) > MAX_CLAUSES:
        truncated = True
    return ParsedQuery(
        deduped[:MAX_CLAUSES],
        excluded_t[:MAX_CLAUSES],
        truncated,
        tuple(sequence[:MAX_PHRASE_TOKENS]) if len(sequence) > 1 else (),
    )


# --- The query builder: user strings in, a valid SearchQuery or one QueryError out -----------

#: Values of the record's ``lang`` field (``pipelines.core.extract``, ``corpus_format``).
LANGS: tuple[str, ...] = ("th", "en")
DEFAULT_LIMIT = 20
MAX_DATE_CHARS = 40
#: Category filters combined at most (each one is a bound SQL parameter or terms value).
MAX_CATEGORIES = 50
#: Public parameter names, as in a search URL; the command line spells them ``--from`` etc.
PARAMS: tuple[str, ...] = (
    "q",
    "from",
    "to",
    "category",
    "lang",
    "sort",
    "limit",
    "offset",
    "page",
    "mode",
)

_BE_ISO = re.compile(r"^(\d{4})(-\d{1,2}(?:-\d{1,2})?)$")


class QueryError(ValueError):
    """A search parameter the user can fix.

    ``param`` is its public name (one of ``PARAMS``) and ``message`` the one text every
    surface shows: the command line as a usage error (exit 2), the API as a 422, the page.
    """

    def __init__(self, param: str, message: str, value: object = None) -> None:
        super().__init__(message)
        self.param = param
        self.message = message
        self.value = value


class DateFilterError(ValueError):
    """A date filter text that no supported format recognises."""


def parse_date_range(text: str) -> tuple[date, date]:
    """Inclusive ``(first, last)`` day a filter text denotes (a year, a month or a day).

    ISO dates/months/years (``2024-01-31``, ``2024-01``, ``2024``), B.E. years (``2567``) and
    Thai date text (``1 ม.ค. 67``, ``มกราคม 2567``) are read by the date pipeline's parser;
    ISO forms written with a B.E. year (``2567-01-31``) are converted first.
    """
    raw = text.strip()
    if (m := _BE_ISO.match(raw)) and int(m[1]) > 2400:
        raw = f"{from_buddhist_year(int(m[1]))}{m[2]}"
    try:
        found = parse_year_or_date(raw)
    except (ValueError, OverflowError):  # a year the calendar cannot hold
        found = None
    if found is None:
        raise DateFilterError(f"unrecognised date {text!r} (try 2024-01-31, 2567 or 1 ม.ค. 67)")
    return found


def parse_date_filter(text: str | date | None, *, end: bool = False) -> date | None:
    """One bound of a date filter: the first day of what ``text`` denotes, or with ``end``
    the last (so ``--to 2567`` includes 31 December 2024)."""
    if text is None or isinstance(text, date):
        return text
    if not text.strip():
        return None
    first, last = parse_date_range(text)
    return last if end else first


def _one_of(choices: tuple[str, ...]) -> str:
    return ", ".join(choices[:-1]) + " or " + choices[-1]


def _choice(
    param: str, raw: str | None, choices: tuple[str, ...], default: str | None
) -> str | None:
    """``raw`` trimmed and lowercased, ``default`` when empty; must be one of ``choices``."""
    text = (raw or "").strip().lower()
    if not text:
        return default
    if text not in choices:
        _refuse_choice(param, raw, choices)
    return text


def _refuse_choice(param: str, raw: str | None, choices: tuple[str, ...]) -> NoReturn:
    raise QueryError(param, f"{param} must be {_one_of(choices)}, not {raw!r}", raw)


def _whole(param: str, raw: int | str | None, default: int, low: int, high: int | None) -> int:
    """A whole number from ``low`` to ``high`` (no upper bound when None; ``default`` when
    empty), from an int or its text."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    number: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        number = raw
    elif isinstance(raw, str) and len(raw.strip()) <= 20:
        try:
            number = int(raw.strip())
        except ValueError:
            number = None
    if number is None or number < low or (high is not None and number > high):
        wanted = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise QueryError(
            param, f"{param} must be a whole number {wanted}, not {str(raw).strip()!r}", raw
        )
    return number


def _check_window(limit: int, offset: int) -> None:
    """Backends page no deeper than ``MAX_WINDOW`` hits (Elasticsearch's result window).

    The message names both numbers rather than a bound on one, so it reads the same whatever
    limit a surface defaults to.
    """
    if offset + limit > MAX_WINDOW:
        raise QueryError(
            "offset",
            f"offset + limit must be at most {MAX_WINDOW:,} (export the rest with thaigov "
            f"export), not {offset:,} + {limit:,}",
            offset,
        )


def _check_text(text: str) -> str:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            "q",
            f"the search text is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}",
            text[:100],
        )
    return text


def _date_bound(param: str, raw: str | date | None, *, end: bool) -> date | None:
    if isinstance(raw, str) and len(raw.strip()) > MAX_DATE_CHARS:
        raise QueryError(
            param, f"{param} must be a date of at most {MAX_DATE_CHARS} characters", raw[:100]
        )
    try:
        return parse_date_filter(raw, end=end)
    except DateFilterError as exc:
        raise QueryError(param, str(exc), raw) from exc


def _categories(raw: Iterable[str] | str | None) -> tuple[str, ...]:
    """Canonical names (the record's rule), empty ones dropped, duplicates once, bounded."""
    names = [raw] if isinstance(raw, str) else list(raw or ())
    canonical = tuple(dict.fromkeys(c for c in map(canonical_category, names) if c))
    if len(canonical) > MAX_CATEGORIES:
        raise QueryError(
            "category",
            f"at most {MAX_CATEGORIES} categories can be combined, not {len(canonical)}",
            len(canonical),
        )
    return canonical


@dataclass(frozen=True)
class SearchQuery:
    """Everything a backend needs for one search; construct through ``build`` for user input.

    Constructed directly (by code), the invariants backends rely on are still checked, with the
    builder's messages: a known sort and language, a page inside the result window, and a start
    date not after the end date.
    """

    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[str, ...] = ()
    lang: str | None = None
    sort: Sort = "relevance"
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    mode: Mode = "keyword"
    #: Text parsed once; backends read this, never ``text``.
    parsed: ParsedQuery = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        # Exact values here (the builder has trimmed and lowercased): backends compare them as is.
        if self.sort not in SORTS:
            _refuse_choice("sort", self.sort, SORTS)
        if self.lang is not None and self.lang not in LANGS:
            _refuse_choice("lang", self.lang, LANGS)
        if self.mode not in MODES:
            _refuse_choice("mode", self.mode, MODES)
        _check_window(
            _whole("limit", self.limit, DEFAULT_LIMIT, 1, MAX_LIMIT),
            _whole("offset", self.offset, 0, 0, None),
        )
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError(
                "to",
                f"the end date {self.date_to.isoformat()} is before the start date "
                f"{self.date_from.isoformat()}",
                self.date_to.isoformat(),
            )
        # Filters match the archive's canonical category ("ครม." and "ครม" are one category).
        canonical = (canonical_category(c) for c in self.categories)
        object.__setattr__(self, "categories", tuple(dict.fromkeys(c for c in canonical if c)))
        object.__setattr__(self, "parsed", parse_query(self.text))

    @classmethod
    def build(
        cls,
        q: str | None = "",
        *,
        date_from: str | date | None = None,
        date_to: str | date | None = None,
        categories: Iterable[str] | str | None = None,
        lang: str | None = None,
        sort: str | None = None,
        limit: int | str | None = None,
        offset: int | str | None = None,
        page: int | str | None = None,
        mode: str | None = None,
        default_mode: Mode = "keyword",
    ) -> SearchQuery:
        """The one query builder: raw user values (strings as typed, or ints) in, a validated
        query out, or a ``QueryError`` naming the parameter.

        The command line, the page, the API and export all call this, so the same input is
        accepted or refused with the same message everywhere. Empty strings and None mean
        "not given". ``page`` (1-based, of ``limit`` hits) is the page's alternative to
        ``offset``; giving both is an error. B.E. and C.E. years and Thai dates are accepted
        (``parse_date_filter``); ``to`` is inclusive of the whole day, month or year it names.
        ``mode`` (keyword, semantic, hybrid) defaults to ``default_mode`` (the page passes
        hybrid once embeddings exist).
        """
        text = _check_text(q or "")
        sort_name = _choice("sort", sort, SORTS, "relevance")
        lang_code = _choice("lang", lang, LANGS, None)
        mode_name = _choice("mode", mode, MODES, default_mode)
        size = _whole("limit", limit, DEFAULT_LIMIT, 1, MAX_LIMIT)
        if page is not None and str(page).strip():
            if offset is not None and str(offset).strip() not in ("", "0"):
                raise QueryError("page", "give page or offset, not both", page)
            start = (_whole("page", page, 1, 1, MAX_WINDOW // size) - 1) * size
        else:
            start = _whole("offset", offset, 0, 0, None)
            _check_window(size, start)
        first = _date_bound("from", date_from, end=False)
        last = _date_bound("to", date_to, end=True)
        return cls(
            text=text,
            date_from=first,
            date_to=last,
            categories=_categories(categories),
            lang=lang_code,
            sort=cast(Sort, sort_name),
            limit=size,
            offset=start,
            mode=cast(Mode, mode_name),
        )

    def page(self, offset: int, limit: int | None = None) -> SearchQuery:
        """The same query at another page."""
        return replace(self, offset=offset, limit=self.limit if limit is None else limit)
