"""The research workbench: trends, concordance, collocations, keyness and word lists.

One service behind the CLI, the JSON API and the pages, so the three give the same numbers.
Which articles a query matches is decided only by the search backend (``SearchBackend.matches``
and ``aggregate``, with the search's own filters); where the query occurs inside them is found on
the index's own tokens (``SearchBackend.stored``, ``search.core.occurrences``); every formula is
in the pure ``search.core.corpus_stats``. Both backends therefore give the same figures.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from typing import Literal

from search.backends.base import SearchBackend, StoredDoc, WordCounts
from search.core.corpus_stats import (
    INTERVALS,
    Association,
    Interval,
    Keyness,
    collocations,
    concordance,
    concordance_lines,
    is_content_word,
    keywords,
    per_thousand,
    period_key,
    period_label_be,
    periods_between,
)
from search.core.occurrences import (
    count_in_segmented,
    match_tokens,
    occurrence_phrases,
    occurrence_spans,
    spans_from_tokens,
    thai_sort_key,
    token_ranges,
)
from search.core.query import Phrase, QueryError, SearchQuery
from search.core.segment import fold

MAX_TREND_QUERIES = 8
KwicSort = Literal["date", "left", "right"]
KWIC_SORTS: tuple[KwicSort, ...] = ("date", "left", "right")
MAX_CONTEXT = 30
#: Words of context that order a concordance sorted by the left or right side.
SORT_KEY_WORDS = 3
MAX_WINDOW = 10
Measure = Literal["ll", "mi"]
MEASURES: tuple[Measure, ...] = ("ll", "mi")
Reference = Literal["rest", "tnc", "query"]
#: Use the index's word counts per month where a request allows (tests turn it off to check
#: that both ways give the same figures).
USE_WORD_COUNTS = True
#: Articles read per round trip when walking matches in date order.
_WALK_CHUNK = 200


# --- inputs ----------------------------------------------------------------------------------


def check_interval(raw: str | None) -> Interval:
    text = (raw or "month").strip().lower()
    for interval in INTERVALS:
        if text == interval:
            return interval
    raise QueryError("interval", f"interval must be month, quarter or year, not {raw!r}", raw)


def check_kwic_sort(raw: str | None) -> KwicSort:
    text = (raw or "date").strip().lower()
    for sort in KWIC_SORTS:
        if text == sort:
            return sort
    raise QueryError("sort", f"sort must be date, left or right, not {raw!r}", raw)


def check_measure(raw: str | None) -> Measure:
    text = (raw or "ll").strip().lower()
    for measure in MEASURES:
        if text == measure:
            return measure
    raise QueryError("measure", f"measure must be ll or mi, not {raw!r}", raw)


def check_number(param: str, raw: int | str | None, default: int, low: int, high: int) -> int:
    """A whole number in ``[low, high]`` from an int or its text, else a QueryError."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return default
    try:
        number = int(raw)
    except ValueError:
        number = low - 1
    if not low <= number <= high:
        raise QueryError(param, f"{param} must be a whole number from {low} to {high}", raw)
    return number


def check_reference(
    raw: str | None,
    ref_query: str | None = None,
    ref_from: str | None = None,
    ref_to: str | None = None,
    ref_categories: Sequence[str] | None = None,
) -> Reference:
    """``rest``, ``tnc`` or ``query``; any ``ref_*`` value given means ``query``."""
    given = any(
        v and str(v).strip() for v in (ref_query, ref_from, ref_to, *(ref_categories or ()))
    )
    text = (raw or "").strip().lower() or ("query" if given else "rest")
    if text == "rest" and given:
        text = "query"
    if text not in ("rest", "tnc", "query"):
        raise QueryError("reference", f"reference must be rest, tnc or query, not {raw!r}", raw)
    if text == "query" and not given:
        raise QueryError(
            "reference", "a query reference needs ref_q, ref_from, ref_to or ref_category", raw
        )
    if text == "tnc" and given:
        raise QueryError("reference", "the tnc reference takes no ref_* parameters", raw)
    return "query" if text == "query" else "tnc" if text == "tnc" else "rest"


def check_trend_queries(texts: Sequence[str]) -> list[str]:
    """1 to 8 non-empty query texts, each once, in the order given."""
    wanted = list(dict.fromkeys(t.strip() for t in texts if t and t.strip()))
    if not wanted:
        raise QueryError("q", "give at least one query to chart", "")
    if len(wanted) > MAX_TREND_QUERIES:
        raise QueryError(
            "q", f"at most {MAX_TREND_QUERIES} queries fit on one chart, not {len(wanted)}", None
        )
    return wanted


def require_words(q: SearchQuery) -> tuple[Phrase, ...]:
    """The query's words; a query made only of exclusions has nothing to count."""
    phrases = occurrence_phrases(q.parsed)
    if not phrases:
        raise QueryError("q", "give a word or phrase to look for", q.text)
    return phrases


# --- reading the index -----------------------------------------------------------------------


def _word_counts(backend: SearchBackend) -> WordCounts | None:
    return backend.word_counts() if USE_WORD_COUNTS else None


def _whole_months(q: SearchQuery, counts: WordCounts) -> list[str] | None:
    """The months ``q``'s filters select exactly (None when they cut a month or select by
    category or language: then only the articles themselves can tell)."""
    if q.categories or q.lang:
        return None
    months = counts.months()
    if q.date_from is None and q.date_to is None:
        return months
    if q.date_from is not None and q.date_from.day != 1:
        return None
    if q.date_to is not None and (q.date_to + timedelta(days=1)).day != 1:
        return None
    low = q.date_from.isoformat()[:7] if q.date_from else "0000-00"
    high = q.date_to.isoformat()[:7] if q.date_to else "9999-99"
    return [m for m in months if m and low <= m <= high]


def _single_words(q: SearchQuery) -> tuple[str, ...] | None:
    """``w`` or ``w1 OR w2 ...`` (one-word alternatives, no exclusion): then every article
    holding a word, or a compound holding one, is a match, and its occurrences are the counts
    of those tokens (tests/test_workbench_compounds.py checks both on real articles)."""
    parsed = q.parsed
    if len(parsed.clauses) != 1 or parsed.excluded:
        return None
    alternatives = parsed.clauses[0].alternatives
    if any(len(p) != 1 for p in alternatives):
        return None
    return tuple(p[0] for p in alternatives)


def _occurrences_per_month(backend: SearchBackend, q: SearchQuery) -> dict[str, int] | None:
    """month -> occurrences of ``q`` from the index's word counts, when ``q`` allows: the
    counts of its words and of the compound tokens holding them (by
    ``occurrences.compound_words``, the rule ``occurrence_spans`` counts by), so the same
    number as reading the matching articles."""
    counts = _word_counts(backend)
    words = _single_words(q)
    if counts is None or words is None:
        return None
    months = _whole_months(q, counts)
    if months is None:
        return None
    per_month = counts.occurrences_per_month(words)
    if per_month is None:  # an index from before the compound table (see word_stats)
        return None
    chosen = set(months)
    return {m: n for m, n in per_month.items() if m in chosen}


def _period_of(published: str | None, interval: Interval) -> str | None:
    if not published:
        return None
    return period_key(date.fromisoformat(published[:10]), interval)


def _fields(doc: StoredDoc) -> tuple[tuple[str, str], ...]:
    return (("title", doc.title_segmented), ("body", doc.body_segmented))


def _documents(backend: SearchBackend, ids: Sequence[int]) -> Iterator[list[str]]:
    """Token lists, title and body apart (a collocation window stops at a field's edge)."""
    for doc in backend.stored(ids):
        yield doc.title_segmented.split()
        yield doc.body_segmented.split()


def frequencies(backend: SearchBackend, q: SearchQuery) -> tuple[Counter[str], int]:
    """Word frequencies of the articles ``q`` matches, and their size in tokens."""
    counts = _word_counts(backend)
    if counts is not None and not q.parsed.clauses and not q.parsed.excluded:
        months = _whole_months(q, counts)
        if months is not None:
            every = len(months) == len(counts.months())
            return counts.frequencies(None if every else months), counts.size(
                None if every else months
            )
    return _count(backend, [i for i, _ in backend.matches(q)])


def corpus_frequencies(
    backend: SearchBackend, filters: SearchQuery, words: Iterable[str]
) -> tuple[Counter[str], int]:
    """Frequencies of ``words`` (others may be missing) and the size of the filtered corpus."""
    counts = _word_counts(backend)
    q = replace(filters, text="")
    if counts is not None:
        months = _whole_months(q, counts)
        if months is not None:
            every = len(months) == len(counts.months())
            if every:
                return counts.totals(words), counts.size()
            chosen = set(months)
            found: Counter[str] = Counter()
            for month, month_counts in counts.per_month(words).items():
                if month in chosen:
                    found.update(month_counts)
            return found, counts.size(months)
    return frequencies(backend, q)


# --- trends ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendPoint:
    """One query in one period; ``per_1000`` is per 1,000 archived articles of that period."""

    query: str
    period: str
    period_be: str
    articles: int
    occurrences: int
    archived: int
    per_1000: float | None

    def as_dict(self) -> dict[str, object]:
        return {
            "query": self.query,
            "period": self.period,
            "period_be": self.period_be,
            "articles": self.articles,
            "occurrences": self.occurrences,
            "archived": self.archived,
            "per_1000": None if self.per_1000 is None else round(self.per_1000, 4),
        }


def archived_per_period(
    backend: SearchBackend, filters: SearchQuery, interval: Interval
) -> dict[str, int]:
    """Every period from the first to the last dated article within the filters, with its
    article count (zeros included, so a chart has no gaps)."""
    months = backend.aggregate(replace(filters, text="", limit=1, offset=0)).per_month
    counts: Counter[str] = Counter()
    for month, n in months:
        counts[period_key(date.fromisoformat(month + "-01"), interval)] += n
    if not months:
        return {}
    first = date.fromisoformat(months[0][0] + "-01")
    last = date.fromisoformat(months[-1][0] + "-01")
    return {key: counts.get(key, 0) for key in periods_between(first, last, interval)}


def trends(
    backend: SearchBackend, texts: Sequence[str], filters: SearchQuery, interval: Interval
) -> list[TrendPoint]:
    """Per query and period: matching articles, occurrences and matches per 1,000 articles."""
    archived = archived_per_period(backend, filters, interval)
    points: list[TrendPoint] = []
    for text in check_trend_queries(texts):
        q = replace(filters, text=text, limit=1, offset=0)
        phrases = require_words(q)
        by_period: dict[str, list[int]] = defaultdict(list)
        for article_id, published in backend.matches(q):
            key = _period_of(published, interval)
            if key is not None:
                by_period[key].append(article_id)
        occurrences: Counter[str] = Counter()
        known = _occurrences_per_month(backend, q)
        if known is not None:
            for month, n in known.items():
                if month:  # undated articles are in no period
                    occurrences[period_key(date.fromisoformat(month + "-01"), interval)] += n
        else:
            for key, ids in by_period.items():
                for doc in backend.stored(ids):
                    occurrences[key] += count_in_segmented(
                        doc.title_segmented, phrases
                    ) + count_in_segmented(doc.body_segmented, phrases)
        for key, whole in archived.items():
            n = len(by_period.get(key, ()))
            points.append(
                TrendPoint(
                    text,
                    key,
                    period_label_be(key),
                    n,
                    occurrences[key],
                    whole,
                    per_thousand(n, whole),
                )
            )
    return points


# --- concordance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class KwicLine:
    article_id: int
    published_date: str | None
    field: str  # "title" | "body"
    left: str
    match: str
    right: str
    title: str

    def as_dict(self) -> dict[str, object]:
        return {
            "article_id": self.article_id,
            "published_date": self.published_date,
            "field": self.field,
            "left": self.left,
            "match": self.match,
            "right": self.right,
            "title": self.title,
        }


@dataclass(frozen=True)
class KwicPage:
    total: int  # occurrences in every matching article
    articles: int  # matching articles
    lines: list[KwicLine]


@dataclass(frozen=True, order=True)
class _Occurrence:
    key: tuple[object, ...]
    article_id: int
    field: str
    ordinal: int  # n-th occurrence in that field of that article


def _occurrences(
    backend: SearchBackend,
    matched: list[tuple[int, str | None]],
    phrases: Sequence[Phrase],
    sort: KwicSort,
) -> list[_Occurrence]:
    dates = dict(matched)
    found: list[_Occurrence] = []
    for doc in backend.stored([i for i, _ in matched]):
        published = dates.get(doc.article_id) or ""
        for field, segmented in _fields(doc):
            spans = occurrence_spans(segmented, phrases)
            if not spans:
                continue
            if sort == "date":
                for n in range(len(spans)):
                    # undated last, then by date, article, title before body, position
                    key: tuple[object, ...] = (
                        published == "",
                        published,
                        doc.article_id,
                        field != "title",
                        n,
                    )
                    found.append(_Occurrence(key, doc.article_id, field, n))
                continue
            tokens = segmented.split()
            for n, (i, j) in enumerate(token_ranges(segmented, spans)):
                if sort == "left":
                    side = tuple(reversed(tokens[max(0, i - SORT_KEY_WORDS) : i]))
                else:
                    side = tuple(tokens[j + 1 : j + 1 + SORT_KEY_WORDS])
                words = tuple(thai_sort_key(w) for w in side)
                key = (words, published == "", published, doc.article_id, n)
                found.append(_Occurrence(key, doc.article_id, field, n))
    found.sort()
    return found


def kwic(backend: SearchBackend, q: SearchQuery, *, context: int, sort: KwicSort) -> KwicPage:
    """Every occurrence of ``q`` in its matching articles; the page ``q.offset``/``q.limit``.

    Lines are cut from the article text at the index's word boundaries, ``context`` whole
    words each side. Sorted by date (oldest first), or alphabetically by the words just left
    (nearest first) or right of the match.
    """
    phrases = require_words(q)
    matched = backend.matches(q)
    if sort == "date":
        total, page = _date_page(backend, q, matched, phrases)
    else:
        found = _occurrences(backend, matched, phrases, sort)
        total, page = len(found), found[q.offset : q.offset + q.limit]
    wanted = {(o.article_id, o.field, o.ordinal) for o in page}
    fields = {(o.article_id, o.field) for o in page}
    cut: dict[tuple[int, str, int], KwicLine] = {}
    for doc in backend.stored(sorted({o.article_id for o in page}), text=True):
        for field, text, segmented in (
            ("title", doc.title, doc.title_segmented),
            ("body", doc.body, doc.body_segmented),
        ):
            if (doc.article_id, field) not in fields:
                continue
            located = spans_from_tokens(text, segmented)
            if located is not None:  # the occurrences counted, on the tokens they were counted on
                ranges = token_ranges(segmented, occurrence_spans(segmented, phrases))
                cut_lines = concordance_lines(text, located, ranges, context)
            else:  # stored tokens not found in the text: segment it (whole-token matches)
                cut_lines = concordance(text, match_tokens(text), phrases, context)
            for n, line in enumerate(cut_lines):
                if (doc.article_id, field, n) in wanted:
                    cut[(doc.article_id, field, n)] = KwicLine(
                        doc.article_id,
                        doc.published_date,
                        field,
                        line.left,
                        line.match,
                        line.right,
                        doc.title,
                    )
    lines = [cut[k] for o in page if (k := (o.article_id, o.field, o.ordinal)) in cut]
    return KwicPage(total=total, articles=len(matched), lines=lines)


def _date_page(
    backend: SearchBackend,
    q: SearchQuery,
    matched: list[tuple[int, str | None]],
    phrases: Sequence[Phrase],
) -> tuple[int, list[_Occurrence]]:
    """The page of a date-ordered concordance, reading articles only up to it when the total
    is known from the index's word counts (else reading on to count them all)."""
    known = _occurrences_per_month(backend, q)
    total = None if known is None else sum(known.values())
    ordered = [i for i, _ in sorted(matched, key=lambda m: (m[1] is None, m[1] or "", m[0]))]
    page: list[_Occurrence] = []
    seen = start = 0
    size = 16  # a first page usually needs a few articles: read 16, then twice as many
    while start < len(ordered):
        if total is not None and len(page) >= q.limit:
            break
        chunk = ordered[start : start + size]
        start, size = start + size, min(size * 2, _WALK_CHUNK)
        docs = {d.article_id: d for d in backend.stored(chunk)}
        for article_id in chunk:
            doc = docs.get(article_id)
            if doc is None:
                continue
            for field, segmented in _fields(doc):
                n = count_in_segmented(segmented, phrases)
                for ordinal in range(n):
                    if seen >= q.offset and len(page) < q.limit:
                        page.append(_Occurrence((), article_id, field, ordinal))
                    seen += 1
    return (seen if total is None else total), page


# --- collocations ----------------------------------------------------------------------------


@cache
def stopwords() -> frozenset[str]:
    """PyThaiNLP's Thai stopword list, folded like index tokens."""
    from pythainlp.corpus import thai_stopwords

    return frozenset(fold(w) for w in thai_stopwords())


def _skip(tokens: Iterable[str], use_stopwords: bool) -> frozenset[str]:
    skip = set(tokens)
    if use_stopwords:
        skip |= stopwords()
    return frozenset(skip)


def window_counts_any(
    documents: Iterable[str], phrases: Sequence[Phrase], window: int
) -> tuple[Counter[str], int, int]:
    """``corpus_stats.window_counts`` for a query with alternatives (longest match first), over
    indexed texts (tokens joined by spaces): the regex finds the matches and each window is cut
    from the text around it, so no article is split into tokens whole."""
    counts: Counter[str] = Counter()
    occurrences = positions = 0
    for segmented in documents:
        for start, end in sorted(occurrence_spans(segmented, phrases).items()):
            left = segmented[: start - 1].rsplit(" ", window)[-window:] if start else []
            right = segmented[end + 1 :].split(" ", window)[:window] if end < len(segmented) else []
            occurrences += 1
            positions += len(left) + len(right)
            counts.update(left)
            counts.update(right)
    return counts, occurrences, positions


@dataclass(frozen=True)
class CollocationResult:
    node_occurrences: int
    corpus_tokens: int
    rows: list[Association]


def collocation_table(
    backend: SearchBackend,
    q: SearchQuery,
    *,
    window: int,
    measure: Measure,
    min_count: int,
    use_stopwords: bool = True,
    corpus: tuple[Counter[str], int] | None = None,
) -> CollocationResult:
    """Words most associated with ``q`` within ``window`` words, by G² or MI.

    The corpus (N and each collocate's frequency) is every article within the query's filters,
    without its text; ``corpus`` may pass that table in when it is already known.
    """
    phrases = require_words(q)
    ids = [i for i, _ in backend.matches(q)]
    texts = (t for d in backend.stored(ids) for t in (d.title_segmented, d.body_segmented))
    cooccurrence, occurrences, positions = window_counts_any(texts, phrases, window)
    node_words = {t for p in phrases for t in p}
    skip = _skip(node_words, use_stopwords) | {w for w in cooccurrence if not is_content_word(w)}
    # Only collocates that pass the thresholds need their corpus frequency.
    candidates = [w for w, n in cooccurrence.items() if n >= min_count and w not in skip]
    frequency, size = corpus or corpus_frequencies(backend, q, candidates)
    rows = collocations(cooccurrence, positions, frequency, size, min_count=min_count, exclude=skip)
    if measure == "mi":
        rows.sort(key=lambda a: (-a.mutual_information, a.word))
    return CollocationResult(occurrences, size, rows)


# --- keyness and word lists ------------------------------------------------------------------


@cache
def tnc_frequencies() -> Counter[str]:
    """Thai National Corpus word frequencies shipped with PyThaiNLP, folded like index tokens."""
    from pythainlp.corpus import tnc

    counts: Counter[str] = Counter()
    for word, n in tnc.word_freqs():
        counts[fold(word)] += int(n)
    return counts


def keyness_table(
    target: tuple[Counter[str], int],
    reference: tuple[Counter[str], int],
    *,
    min_count: int,
    use_stopwords: bool = True,
) -> list[Keyness]:
    """Key words of the target against the reference (LL, with the log ratio as effect size)."""
    counts, _ = target
    skip = _skip((), use_stopwords) | {w for w in counts if not is_content_word(w)}
    return keywords(counts, reference[0], min_count=min_count, exclude=skip)


def subtract(whole: Counter[str], part: Counter[str]) -> tuple[Counter[str], int]:
    """The rest of a corpus once ``part`` is taken out (a query's matches against the others)."""
    rest = whole.copy()
    rest.subtract(part)
    rest = +rest
    return rest, sum(rest.values())


def word_list(
    counts: Counter[str], *, min_count: int, use_stopwords: bool = True
) -> list[tuple[str, int]]:
    """Most frequent first, then alphabetical; stopwords and non-words left out on request."""
    skip = _skip((), use_stopwords)
    rows = [
        (w, n) for w, n in counts.items() if n >= min_count and w not in skip and is_content_word(w)
    ]
    rows.sort(key=lambda r: (-r[1], thai_sort_key(r[0])))
    return rows


def keyness_frequencies(
    backend: SearchBackend,
    target: SearchQuery,
    reference: Reference,
    other: SearchQuery | None = None,
) -> tuple[tuple[Counter[str], int], tuple[Counter[str], int]]:
    """Frequency lists of the target and of its reference corpus.

    ``rest``: every other indexed article; ``tnc``: the Thai National Corpus; ``query``: the
    articles ``other`` matches (another date range, category or query).
    """
    counts = frequencies(backend, target)
    if not counts[1]:
        raise QueryError("q", "the target subcorpus has no words", target.text)
    if reference == "tnc":
        tnc = tnc_frequencies()
        return counts, (tnc, sum(tnc.values()))
    if reference == "rest":
        # Every other article: the whole index minus the target (the same counts as reading
        # the other articles, without reading them).
        ref = subtract(frequencies(backend, SearchQuery())[0], counts[0])
    else:
        if other is None:
            raise QueryError("reference", "give the reference subcorpus (ref_* parameters)")
        ref = frequencies(backend, other)
    if not ref[1]:
        raise QueryError("reference", "the reference subcorpus has no words", reference)
    return counts, ref


def _count(backend: SearchBackend, ids: Sequence[int]) -> tuple[Counter[str], int]:
    counts: Counter[str] = Counter()
    for tokens in _documents(backend, ids):
        counts.update(tokens)
    return counts, sum(counts.values())


def collocation_row(row: Association, measure: Measure) -> dict[str, object]:
    score = row.log_likelihood if measure == "ll" else row.mutual_information
    return {
        "word": row.word,
        "score": round(score, 4),
        "count": row.count,
        "frequency": row.frequency,
        "log_likelihood": round(row.log_likelihood, 4),
        "mutual_information": round(row.mutual_information, 4),
    }


def keyness_row(row: Keyness) -> dict[str, object]:
    return {
        "word": row.word,
        "target_count": row.target_count,
        "reference_count": row.reference_count,
        "log_likelihood": round(row.log_likelihood, 4),
        "log_ratio": round(row.log_ratio, 4),
    }


def word_row(word: str, count: int, size: int) -> dict[str, object]:
    return {"word": word, "count": count, "per_million": round(1e6 * count / size, 2)}
