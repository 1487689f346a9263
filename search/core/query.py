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
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, get_args

from pipelines.core.text_rules import canonical_category, from_buddhist_year
from pipelines.core.thai_dates import parse_year_or_date
from search.core.segment import normalise, tokenize_spans

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[str, ...] = get_args(Sort)

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


# --- Filters -------------------------------------------------------------------------------

_BE_ISO = re.compile(r"^(\d{4})(-\d{1,2}(?:-\d{1,2})?)$")


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
    found = parse_year_or_date(raw)
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


def _clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


@dataclass(frozen=True)
class SearchQuery:
    """Everything a backend needs for one search; construct through ``build`` for user input."""

    text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    categories: tuple[str, ...] = ()
    lang: str | None = None
    sort: Sort = "relevance"
    limit: int = 20
    offset: int = 0
    #: Text parsed once; backends read this, never ``text``.
    parsed: ParsedQuery = field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {SORTS}, not {self.sort!r}")
        limit = _clamp(int(self.limit), 1, MAX_LIMIT)
        offset = _clamp(int(self.offset), 0, MAX_WINDOW - limit)
        object.__setattr__(self, "limit", limit)
        object.__setattr__(self, "offset", offset)
        # Filters match the archive's canonical category ("ครม." and "ครม" are one category).
        canonical = (canonical_category(c) for c in self.categories)
        object.__setattr__(self, "categories", tuple(dict.fromkeys(c for c in canonical if c)))
        object.__setattr__(self, "parsed", parse_query(self.text))

    @classmethod
    def build(
        cls,
        text: str | None = "",
        *,
        date_from: str | date | None = None,
        date_to: str | date | None = None,
        categories: list[str] | tuple[str, ...] | str | None = None,
        lang: str | None = None,
        sort: str | None = "relevance",
        limit: int | None = 20,
        offset: int | None = 0,
    ) -> SearchQuery:
        """From user-facing strings (CLI, web form); raises DateFilterError/ValueError."""
        if isinstance(categories, str):
            categories = [categories]
        return cls(
            text=text or "",
            date_from=parse_date_filter(date_from),
            date_to=parse_date_filter(date_to, end=True),
            categories=tuple(c.strip() for c in categories or () if c and c.strip()),
            lang=(lang or "").strip().lower() or None,
            sort=(sort or "relevance"),  # type: ignore[arg-type]
            limit=20 if limit is None else limit,
            offset=offset or 0,
        )

    def page(self, offset: int, limit: int | None = None) -> SearchQuery:
        """The same query at another page."""
        return replace(self, offset=offset, limit=self.limit if limit is None else limit)
