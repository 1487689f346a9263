"""The query model shared by every backend: user text in, a tree of token tuples out.

Syntax understood (Thai and/or English, mixed freely; see docs/search.md for examples):
  words            every word must match (a Thai run without spaces is segmented into words)
  "exact phrase"   the words must be adjacent, in order
  "words"~5        proximity: the words within 5 other words of each other, in any order
  -word, -"a b"    documents containing it are excluded (also ``NOT word``, ``-(a OR b)``)
  a OR b           either side may match (binds the neighbouring items; chains: a OR b OR c)
  ( ... )          grouping: ``(ราคา OR ยาง) -"ยาง รถยนต์"``
  title:x          x must match in the title (``title:"a b"``, ``title:(a OR b)``)
A word matches a whole index token or a dictionary part of one (``search.core.segment``).
Everything else (``*``, ``^``, other ``field:`` names, brackets, unbalanced quotes or
parentheses, ``AND``) is treated as plain text and reduced to word tokens by
``search.core.segment.tokenize``, so backends only ever see the tree built here and no input can
produce a malformed backend query. Input length, leaf count, nesting depth, phrase length,
proximity and pagination are bounded here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Literal, NoReturn, TypeAlias, cast, get_args

from pipelines.core.text_rules import canonical_category, from_buddhist_year
from pipelines.core.thai_dates import parse_year_or_date
from search.core.segment import normalise, tokenize_spans

Sort = Literal["relevance", "newest", "oldest"]
SORTS: tuple[str, ...] = get_args(Sort)
#: Where a term must match: anywhere (title or body) or in the title only.
Field = Literal["all", "title"]
#: keyword: the text index; semantic: nearest passages by meaning; hybrid: both, fused by rank.
Mode = Literal["keyword", "semantic", "hybrid"]
MODES: tuple[str, ...] = get_args(Mode)

MAX_QUERY_CHARS = 2000
MAX_CLAUSES = 64
MAX_PHRASE_TOKENS = 32
MAX_DEPTH = 8
MAX_SLOP = 50
MAX_LIMIT = 100
#: Deepest page reachable (Elasticsearch's default max_result_window is 10,000).
MAX_WINDOW = 10_000

#: A phrase is a tuple of tokens that must be adjacent; a single token is a one-word phrase.
Phrase = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Term:
    """Tokens that must be adjacent in order (``slop`` None) or within ``slop`` words."""

    tokens: Phrase
    field: Field = "all"
    slop: int | None = None


@dataclass(frozen=True, slots=True)
class AllOf:
    """Every item matches and no excluded item does (a parenthesised group)."""

    items: tuple[Node, ...]
    excluded: tuple[Node, ...] = ()


@dataclass(frozen=True, slots=True)
class AnyOf:
    """At least one item matches (``OR``)."""

    items: tuple[Node, ...]


Node: TypeAlias = "Term | AllOf | AnyOf"


@dataclass(frozen=True, slots=True)
class Clause:
    """Matches when any alternative matches (one alternative: a plain required term/phrase)."""

    alternatives: tuple[Phrase, ...]


def _plain(node: Node) -> Phrase | None:
    """The phrase of a plain anywhere/exact term (the pre-tree query model), else None."""
    if isinstance(node, Term) and node.field == "all" and node.slop is None:
        return node.tokens
    return None


def leaves(node: Node) -> list[Term]:
    """Every term of a tree, in order (excluded parts of groups included)."""
    if isinstance(node, Term):
        return [node]
    items = node.items + (node.excluded if isinstance(node, AllOf) else ())
    return [leaf for item in items for leaf in leaves(item)]


def _positive_tokens(node: Node) -> list[str]:
    if isinstance(node, Term):
        return list(node.tokens)
    return [t for item in node.items for t in _positive_tokens(item)]


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A conjunction of nodes minus excluded nodes; tokens only, never raw syntax."""

    must: tuple[Node, ...] = ()
    must_not: tuple[Node, ...] = ()
    truncated: bool = False  # input was cut to the bounds above
    #: The bare (unquoted, not OR-ed) words in typed order when there are two or more: a ranking
    #: hint, not a filter. In relevance order, documents holding them as one phrase come first,
    #: so a pasted sentence finds its article among the many that merely share its words.
    sequence: Phrase = ()

    @property
    def matches_all(self) -> bool:
        """No positive clause: every document within the filters matches (minus exclusions),
        ranked newest first (lets the UI browse by date/category with an empty box)."""
        return not self.must

    @property
    def clauses(self) -> tuple[Clause, ...]:
        """The top-level nodes that are plain terms or ORs of plain terms, as clauses."""
        out: list[Clause] = []
        for node in self.must:
            items = node.items if isinstance(node, AnyOf) else (node,)
            phrases = [_plain(item) for item in items]
            if all(p is not None for p in phrases):
                out.append(Clause(tuple(p for p in phrases if p is not None)))
        return tuple(out)

    @property
    def excluded(self) -> tuple[Phrase, ...]:
        """Excluded plain terms/phrases (top level)."""
        return tuple(p for node in self.must_not if (p := _plain(node)) is not None)

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
        return frozenset(t for node in self.must for t in _positive_tokens(node))

    @property
    def leaf_count(self) -> int:
        return sum(len(leaves(n)) for n in (*self.must, *self.must_not))


# --- lexing ---------------------------------------------------------------------------------

# Only the ASCII and full-width double quotes are operators: Thai news text uses curly quotes for
# emphasis (“สวดมนต์ข้ามปี”-“ของขวัญปีใหม่”), and a pasted title must not turn into phrases and
# exclusions. A minus before digits is a hyphen ("โควิด -19"), not an exclusion.
_LEXEME = re.compile(
    r"(?P<lp>\()|(?P<rp>\))"
    r"|(?P<neg>-(?=[^\s\d\-]))"
    r"|(?P<field>(?i:title):)"
    r'|"(?P<phrase>[^"]*)"?(?:~(?P<slop>\d{1,4}))?'
    r'|(?P<bare>[^\s"()]+)'
)
_QUOTES = str.maketrans({"＂": '"'})
_OR = frozenset({"OR", "|", "||"})
_AND = frozenset({"AND", "&&"})
# Only the word NOT: a "!" is punctuation in pasted Thai headlines ("เริ่มวันนี้ ! รัฐบาล...").
_NOT = frozenset({"NOT"})


@dataclass(slots=True)
class _Lexeme:
    kind: str  # "(" ")" "-" "field" "OR" "phrase" "bare"
    tokens: Phrase = ()
    slop: int | None = None
    #: A bare run's tokens grouped into the units each required on its own (see ``_units``).
    units: tuple[Phrase, ...] = ()


def _is_thai_word(token: str) -> bool:
    return "\u0e01" <= token[-1] <= "\u0e4e" and not token.isdigit()


def _units(text: str, spans: list[tuple[str, int, int]]) -> tuple[Phrase, ...]:
    """Tokens of a bare run, a Thai word written onto a number kept with it as one unit.

    ``โควิด-19`` / ``โควิด19`` is one term the way ``COVID-19`` is, but the segmenter (and so
    the index) has two tokens for it: the unit becomes a phrase, so it matches the two tokens
    adjacent (``โควิด-19``, ``โควิด19``, ``โควิด 19``: the separators-optional rule of the
    Latin terms) and not a text holding โควิด and 19 apart. The index keeps them as they were,
    so ``โควิด`` alone still finds every ``โควิด-19`` as a whole word.
    """
    units: list[Phrase] = []
    for i, (token, start, _) in enumerate(spans):
        previous = spans[i - 1] if i else None
        if (
            previous is not None
            and token.isdigit()
            and token.isascii()
            and _is_thai_word(previous[0])
            and text[previous[2] : start] in ("", "-")
            and len(units[-1]) == 1
        ):
            units[-1] = (previous[0], token)
        else:
            units.append((token,))
    return tuple(units)


def _lex(text: str) -> list[_Lexeme]:
    """Lexemes in order, word tokens attached to phrases and bare runs.

    The whole text is segmented in one pass and tokens are then assigned to the lexemes they fall
    in: the segmenter's choices depend on context, and a pasted title or passage must come out
    exactly as the indexed text did, not chunk by chunk.
    """
    spans = tokenize_spans(text)
    out: list[_Lexeme] = []
    cursor = 0
    for m in _LEXEME.finditer(text):
        kind = m.lastgroup or ""
        if kind == "slop":
            kind = "phrase"
        bare = m.group("bare")
        if kind in ("lp", "rp", "neg", "field"):
            out.append(_Lexeme({"lp": "(", "rp": ")", "neg": "-", "field": "field"}[kind]))
            continue
        if bare in _OR:
            out.append(_Lexeme("OR"))
            continue
        if bare in _AND:
            continue  # implicit AND already
        if bare in _NOT:
            out.append(_Lexeme("-"))
            continue
        start, end = m.span("phrase") if bare is None else m.span("bare")
        while cursor < len(spans) and spans[cursor][1] < start:
            cursor += 1
        first = cursor
        while cursor < len(spans) and spans[cursor][2] <= end:
            cursor += 1
        within = spans[first:cursor][:MAX_PHRASE_TOKENS]
        slop = m.group("slop")
        out.append(
            _Lexeme(
                "bare" if bare is not None else "phrase",
                tuple(t for t, _, _ in within),
                None if slop is None else min(int(slop), MAX_SLOP),
                _units(text, within) if bare is not None else (),
            )
        )
    return out


# --- parsing --------------------------------------------------------------------------------


@dataclass(slots=True)
class _Piece:
    """One parsed operand before OR-grouping decides how a bare run is read."""

    node: Node | None  # a quoted phrase or a group
    tokens: Phrase  # a bare run (node is None)
    field: Field
    negated: bool
    sequence: tuple[str, ...] = ()  # a group's own bare words, for ParsedQuery.sequence
    units: tuple[Phrase, ...] = ()  # a bare run's units (``_units``)


@dataclass(slots=True)
class _Group:
    must: list[Node]
    must_not: list[Node]
    sequence: list[str]


class _Parser:
    """Recursive descent over lexemes; never raises, unknown shapes degrade to plain words."""

    def __init__(self, lexemes: list[_Lexeme]) -> None:
        self.lexemes = lexemes
        self.pos = 0

    def _peek(self) -> _Lexeme | None:
        return self.lexemes[self.pos] if self.pos < len(self.lexemes) else None

    def _operand(self, depth: int, field: Field) -> _Piece | None:
        """One unary item: ``-``/NOT, ``title:`` prefixes, then a phrase, bare run or group."""
        negated = False
        while (lx := self._peek()) is not None and lx.kind in ("-", "field"):
            if lx.kind == "-":
                negated = not negated
            else:
                field = "title"
            self.pos += 1
        lx = self._peek()
        if lx is None or lx.kind in (")", "OR"):
            return None
        self.pos += 1
        if lx.kind == "(":
            if depth >= MAX_DEPTH:  # too deep: the parenthesis is read as plain text
                return self._operand(depth, field)
            group = self.sequence(depth + 1, field)
            if self._peek() is not None:
                self.pos += 1  # the closing parenthesis (a missing one closes at the end)
            node = _group_node(group)
            if node is None:
                return None
            return _Piece(node, (), field, negated, tuple(group.sequence))
        if not lx.tokens:
            return self._operand(depth, field) if lx.kind == "bare" else None
        if lx.kind == "phrase":
            slop = lx.slop if len(lx.tokens) > 1 else None
            return _Piece(Term(lx.tokens, field, slop), (), field, negated)
        return _Piece(None, lx.tokens, field, negated, units=lx.units)

    def sequence(self, depth: int, field: Field) -> _Group:
        """Items up to a closing parenthesis (when nested) or the end, OR binding neighbours."""
        groups: list[list[_Piece]] = []
        excluded: list[Node] = []
        join_next = False
        while (lx := self._peek()) is not None:
            if lx.kind == ")":
                if depth > 0:
                    break
                self.pos += 1  # an unmatched closing parenthesis is ignored
                continue
            if lx.kind == "OR":
                self.pos += 1
                join_next = bool(groups)
                continue
            piece = self._operand(depth, field)
            if piece is None:
                continue
            if piece.negated:
                excluded.append(piece.node or Term(piece.tokens, piece.field))
                join_next = False
                continue
            if join_next:
                groups[-1].append(piece)
            else:
                groups.append([piece])
            join_next = False
        result = _Group([], excluded, [])
        for group in groups:
            if len(group) == 1 and isinstance(group[0].node, AllOf):
                # A group in an AND context is the same as its items written here:
                # a (b -c) == a b -c. Flattening keeps the tree (and backend queries) small.
                result.must.extend(group[0].node.items)
                result.must_not.extend(group[0].node.excluded)
                result.sequence.extend(group[0].sequence)
            elif len(group) == 1 and group[0].sequence:
                # A group reduced to one term, "(IFC)": its word still belongs to the sequence.
                result.must.append(group[0].node or Term(group[0].tokens, group[0].field))
                result.sequence.extend(group[0].sequence)
            elif len(group) == 1 and group[0].node is None:
                # A bare run: each word is required on its own (robust to segmentation context).
                bare = group[0]
                result.must.extend(Term(unit, bare.field) for unit in bare.units)
                if bare.field == "all":
                    result.sequence.extend(bare.tokens)
            else:
                # Quoted items, groups, and bare runs inside OR groups (matched as phrases).
                alternatives = tuple(
                    dict.fromkeys(p.node or Term(p.tokens, p.field) for p in group)
                )
                result.must.append(
                    alternatives[0] if len(alternatives) == 1 else AnyOf(alternatives)
                )
        return result


def _group_node(group: _Group) -> Node | None:
    """A parenthesised group as one node; a group of exclusions only cannot stand alone."""
    must = tuple(dict.fromkeys(group.must))
    if not must:
        return None
    if len(must) == 1 and not group.must_not:
        return must[0]
    return AllOf(must, tuple(dict.fromkeys(group.must_not)))


def _bounded(nodes: tuple[Node, ...], budget: int) -> tuple[tuple[Node, ...], int]:
    kept: list[Node] = []
    for node in nodes:
        size = len(leaves(node))
        if size > budget:
            break
        kept.append(node)
        budget -= size
    return tuple(kept), budget


def parse_query(text: str | None) -> ParsedQuery:
    """Parse user search text (see module docstring); never raises on any string."""
    text = text or ""
    truncated = len(text) > MAX_QUERY_CHARS
    text = normalise(text[:MAX_QUERY_CHARS]).translate(_QUOTES)
    group = _Parser(_lex(text)).sequence(0, "all")
    must = tuple(dict.fromkeys(group.must))
    must_not = tuple(dict.fromkeys(group.must_not))
    bounded_must, _ = _bounded(must, MAX_CLAUSES)
    bounded_not, _ = _bounded(must_not, MAX_CLAUSES)
    if (bounded_must, bounded_not) != (must, must_not):
        truncated = True
    sequence = tuple(group.sequence[:MAX_PHRASE_TOKENS])
    return ParsedQuery(bounded_must, bounded_not, truncated, sequence if len(sequence) > 1 else ())


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
    #: False: hits carry an empty snippet. For a ranking that needs only ids and order (hybrid's
    #: keyword half ranks 100 articles and shows 20; cutting 100 snippets was its p95).
    snippets: bool = True
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
        default_mode: str | None = None,
    ) -> SearchQuery:
        """The one query builder: raw user values (strings as typed, or ints) in, a validated
        query out, or a ``QueryError`` naming the parameter.

        The command line, the page, the API and export all call this, so the same input is
        accepted or refused with the same message everywhere. Empty strings and None mean
        "not given". ``page`` (1-based, of ``limit`` hits) is the page's alternative to
        ``offset``; giving both is an error. B.E. and C.E. years and Thai dates are accepted
        (``parse_date_filter``); ``to`` is inclusive of the whole day, month or year it names.
        ``mode`` (keyword, semantic, hybrid) defaults to ``default_mode``, else keyword (the
        page passes hybrid once embeddings exist).
        """
        text = _check_text(q or "")
        sort_name = _choice("sort", sort, SORTS, "relevance")
        lang_code = _choice("lang", lang, LANGS, None)
        mode_name = _choice("mode", mode, MODES, default_mode or "keyword")
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
