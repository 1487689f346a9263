"""Thai-aware word segmentation shared by indexing (both backends) and query parsing.

Thai has no spaces between words, so an index of raw text cannot find words. Every text that
goes into an index or comes from a query passes through ``tokenize``: PyThaiNLP's dictionary
segmenter (engine ``nlpo3``, the Rust one; ``newmm`` when nlpo3 is not installed), then a
normalisation that makes tokens safe for any index: NFC, lowercase, Thai digits as ASCII digits,
and every punctuation/symbol/space character treated as a separator. A token therefore only
contains letters, combining marks and digits, so it can never carry query syntax.

Two rules keep terms whole that the segmenter would cut apart (issue 12):
- Mixed Latin/digit terms (``5G``, ``PM2.5``, ``COVID-19``, ``G20``, ``G-Wallet``) become one
  token without their separators (``5g``, ``pm25``, ``covid19``, ``g20``, ``gwallet``), so ``5G``
  no longer matches every text with a ``5`` and a ``G``. Plain numbers (``2.5``) are untouched.
- Thai abbreviations the segmenter keeps as one token (``ม.ค.``, ``พ.ศ.``, ``ครม.``) lose their
  dots (``มค``, ``พศ``, ``ครม``) instead of falling apart into single letters.

Compounds: PyThaiNLP's dictionary keeps compounds whole (``กระทรวงสาธารณสุข``), so ``word_parts``
gives each token its dictionary parts for a separate "parts" field of the index (see
``index_texts``), and a query word finds the compounds containing it.
"""

from __future__ import annotations

import os
import re
import threading
import unicodedata
from collections.abc import Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from functools import cache, lru_cache

from pythainlp.corpus import thai_syllables, thai_words
from pythainlp.tokenize import word_tokenize
from pythainlp.util import Trie

from pipelines.core.text_cleaning import ZERO_WIDTH as _ZERO_WIDTH
from pipelines.core.text_rules import fold_thai_digits

#: Unicode categories kept inside tokens: letters, marks (Thai vowels/tones), numbers.
_KEPT_CATEGORIES = ("L", "M", "N")


@cache
def engine() -> str:
    """``nlpo3`` when its wheel imports, else PyThaiNLP's pure-Python ``newmm``."""
    try:
        import nlpo3  # noqa: F401
    except ImportError:
        return "newmm"
    return "nlpo3"


def fold(text: str) -> str:
    """Length-preserving normalisation (lowercase, ASCII digits) so offsets map back 1:1."""
    lowered = text.lower()
    if len(lowered) != len(text):
        # A letter that lowercases to two characters (U+0130 is the only one in Unicode 15)
        # stays as it is; the text around it is lowered in C, not one character at a time.
        lowered = "".join(
            piece if piece in LONG_LOWER_CHARS else piece.lower()
            for piece in _LONG_LOWER.split(text)
        )
    return fold_thai_digits(lowered)


#: Letters whose lowercase is longer than one character (tests/test_segment.py checks the list
#: against the running Python's Unicode tables).
LONG_LOWER_CHARS = frozenset("\u0130")
_LONG_LOWER = re.compile("([" + "".join(sorted(LONG_LOWER_CHARS)) + "])")


@cache
def _is_token_char(char: str) -> bool:
    return unicodedata.category(char)[0] in _KEPT_CATEGORIES


def _split_pieces(raw: str) -> Iterator[str]:
    """Split one segmenter token on separator characters ("COVID-" -> "covid")."""
    start = None
    for i, char in enumerate(raw):
        if _is_token_char(char):
            if start is None:
                start = i
        elif start is not None:
            yield raw[start:i]
            start = None
    if start is not None:
        yield raw[start:]


#: Public name for the separator rule (the Elasticsearch backend reads tokens back with it).
split_pieces = _split_pieces


def normalise(text: str) -> str:
    """NFC without zero-width characters: the text form ``tokenize_spans`` offsets refer to."""
    return _ZERO_WIDTH.sub("", unicodedata.normalize("NFC", text))


# A Latin/digit run joined by hyphens, or by dots between digits ("pm2.5"; "u.s." stays apart).
_LATIN_RUN = re.compile(r"(?<![a-z0-9])[a-z0-9]+(?:(?:-|(?<=[0-9])\.(?=[0-9]))[a-z0-9]+)*")
_LETTER_DIGIT = re.compile(r"[a-z](?=[0-9])|[0-9](?=[a-z])")
_LATIN_PIECE = re.compile(r"[a-z]+|[0-9]+")


def _is_sticky(run: str) -> bool:
    """A mixed term to keep whole: letters and digits in one run (5g, covid-19, pm2.5, g20).

    Letter-only hyphenations (e-commerce, Thai-Chinese) stay separate words, as before.
    """
    return _LETTER_DIGIT.search(run) is not None or (
        any("a" <= c <= "z" for c in run) and any("0" <= c <= "9" for c in run)
    )


def _segment_chunk(folded: str, base: int, spans: list[tuple[str, int, int]]) -> None:
    pos = 0
    for raw in word_tokenize(folded, engine=engine(), keep_whitespace=True):
        pieces = list(_split_pieces(raw))
        if len(pieces) > 1 and _is_thai_abbreviation(raw, pieces):
            start = raw.index(pieces[0])
            end = raw.rindex(pieces[-1]) + len(pieces[-1])
            spans.append(("".join(pieces), base + pos + start, base + pos + end))
            pos += len(raw)
            continue
        offset = 0
        for piece in pieces:
            offset = raw.index(piece, offset)
            spans.append((piece, base + pos + offset, base + pos + offset + len(piece)))
            offset += len(piece)
        pos += len(raw)


def _is_thai_abbreviation(raw: str, pieces: list[str]) -> bool:
    """A dictionary token like ``ม.ค.`` / ``ร.ต.อ.``: Thai pieces joined by dots only."""
    return all("\u0e01" <= p[0] <= "\u0e7f" for p in pieces) and not any(
        not _is_token_char(c) and c != "." for c in raw
    )


def _spans(folded: str) -> list[tuple[str, int, int]]:
    """Tokens of already folded text with offsets; mixed Latin runs cut out before segmenting."""
    spans: list[tuple[str, int, int]] = []
    pos = 0
    for m in _LATIN_RUN.finditer(folded):
        if not _is_sticky(m[0]):
            continue
        if m.start() > pos:
            _segment_chunk(folded[pos : m.start()], pos, spans)
        spans.append((m[0].replace("-", "").replace(".", ""), m.start(), m.end()))
        pos = m.end()
    if pos < len(folded):
        _segment_chunk(folded[pos:], pos, spans)
    return spans


def tokenize(text: str | None) -> list[str]:
    """Words of ``text``, normalised, in order; punctuation and whitespace dropped."""
    if not text:
        return []
    return [t for t, _, _ in _spans(fold(normalise(text)))]


def tokenize_spans(text: str) -> list[tuple[str, int, int]]:
    """Tokens with their ``[start, end)`` offsets in ``text`` (for highlighting).

    The text must already be NFC without zero-width characters (as the cleaning pipeline and
    ``IndexDoc`` guarantee); folding preserves length, so offsets index the original text.
    A joined token (``covid19``) spans its whole original run (``COVID-19``).
    """
    return _spans(fold(text))


def segmented(text: str | None) -> str:
    """``text`` as an index stores it: normalised tokens joined by single spaces."""
    return " ".join(tokenize(text))


# --- compound parts ----------------------------------------------------------------------

#: Token that separates the parts of different words in a parts field (so a phrase never runs
#: from one compound's parts into the next). A private-use character: the embedded index keeps
#: it as a token (category Co), while queries can never contain it (tokens hold L/M/N only).
#: Elasticsearch gets one array value per word instead (position_increment_gap 1: same gap).
PART_GAP = "\ue000"

#: One-syllable dictionary words still worth finding inside compounds. Kept short on purpose:
#: most one-syllable words are also syllables of unrelated words (นา in นายก, ยา in ยาง).
PART_WHITELIST: frozenset[str] = frozenset({"น้ำ", "ข้าว", "ไฟ", "ฝน"})

#: Characters a dictionary re-segmentation may leave beside the parts (นายกฯ -> นายก + ฯ).
_PART_FILLER = frozenset("ฯๆ")
_MIN_PART_CHARS = 2
_parts_lock = threading.Lock()


@cache
def _dictionary() -> tuple[frozenset[str], Trie]:
    words = thai_words()
    return frozenset(words), Trie(words)


@cache
def _syllable_trie() -> Trie:
    return Trie(thai_syllables())


@lru_cache(maxsize=65536)
def syllable_count(word: str) -> int:
    """Syllables of a Thai word: newmm over PyThaiNLP's syllable dictionary.

    What ``syllable_tokenize(engine="dict")`` does for one word, without its per-call setup
    (which made the first pass over a corpus several times slower).
    """
    return len(word_tokenize(word, custom_dict=_syllable_trie(), engine="newmm"))


def _resegment_without(token: str) -> list[str]:
    """``token`` re-segmented by newmm with a dictionary that lacks the token itself.

    PyThaiNLP's Trie is mutable and shared, hence the lock; removing one entry for one call is
    much cheaper than building a dictionary per compound (62k words).
    """
    words, trie = _dictionary()
    with _parts_lock:
        known = token in words
        if known:
            trie.remove(token)
        try:
            return word_tokenize(token, custom_dict=trie, engine="newmm", keep_whitespace=False)
        finally:
            if known:
                trie.add(token)


def _keep_part(part: str, covered: bool) -> bool:
    words, _ = _dictionary()
    if len(part) < _MIN_PART_CHARS or part not in words:
        return False
    if covered and part in PART_WHITELIST:
        return True
    return syllable_count(part) >= 2


def may_be_part(token: str) -> bool:
    """Whether ``token`` can be a compound part in a parts field (``index_texts``).

    Thai parts are dictionary words that ``_keep_part`` accepts; Latin parts are the letter or
    digit runs of a joined term (``_parts_of``). A token outside both (a one-syllable word such
    as ที่ or การ, a joined ``covid19``) only ever occurs as a whole token, so a backend can
    match it without restricting the match to the whole-token fields (cheaper in FTS5).
    """
    if token.isascii():
        return token.isalpha() or token.isdigit()
    return _keep_part(token, True)


_MAX_WORD_CHARS = 40


_UNSPLITTABLE = 10**6
_MAX_COMPOUND_CHARS = 80


def _fewest_words(token: str, words: frozenset[str]) -> tuple[list[int], list[int]]:
    """``(prefix, suffix)``: the fewest dictionary words ``token[:i]`` / ``token[i:]`` splits
    into (``_UNSPLITTABLE`` when it cannot; ฯ and ๆ count as words; the token itself does not).
    """
    n = len(token)
    prefix = [0] + [_UNSPLITTABLE] * n
    for end in range(1, n + 1):
        for start in range(max(0, end - _MAX_WORD_CHARS), end):
            if prefix[start] + 1 < prefix[end] and _is_unit(token[start:end], words, token):
                prefix[end] = prefix[start] + 1
    suffix = [_UNSPLITTABLE] * n + [0]
    for start in range(n - 1, -1, -1):
        for end in range(start + 1, min(n, start + _MAX_WORD_CHARS) + 1):
            if suffix[end] + 1 < suffix[start] and _is_unit(token[start:end], words, token):
                suffix[start] = suffix[end] + 1
    return prefix, suffix


def _is_unit(piece: str, words: frozenset[str], token: str) -> bool:
    return (piece in words and piece != token) or (len(piece) == 1 and piece in _PART_FILLER)


@lru_cache(maxsize=262144)
def word_parts(token: str) -> tuple[str, ...]:
    """Dictionary parts of one Thai index token, in text order (longer first at one offset).

    A part is a dictionary word of two syllables or more (or whitelisted) that a complete split
    of the token into other dictionary words contains, where that split has at most one word
    more than the fewest possible (so far-fetched splits such as กระ|ทร|วงการ do not count),
    and the parts of those parts: กระทรวงการท่องเที่ยวและกีฬา -> กระทรวง, การท่องเที่ยว,
    ท่องเที่ยว, กีฬา; ความคิดเห็น -> ความคิด, คิดเห็น. A segmenter gives one split only
    (newmm picks ความ + คิดเห็น and loses ความคิด), hence this small dynamic programme over the
    token. Tokens with no complete split (unknown names) fall back to newmm's split without
    the token's own entry. Syllables never become parts: นายก -> นา + ยก keeps nothing.
    Latin tokens have none here (joined terms get theirs from the original run, ``_parts_of``).
    """
    if not token or token.isascii():
        return ()
    if len(token) < 2 * _MIN_PART_CHARS or not any("\u0e01" <= c <= "\u0e2e" for c in token):
        return ()
    words, _ = _dictionary()
    n = len(token)
    found: list[tuple[int, int, str]] = []
    # Longer runs are not compounds but unsegmented text (lists, repeated characters): newmm's
    # split only, no recursion (whose depth grows with the token).
    prefix, suffix = _fewest_words(token, words) if n <= _MAX_COMPOUND_CHARS else ([], [])
    if suffix and suffix[0] < _UNSPLITTABLE:
        budget = suffix[0] + 1
        for start in range(n):
            if prefix[start] >= budget:
                continue
            for end in range(start + _MIN_PART_CHARS, min(n, start + _MAX_WORD_CHARS) + 1):
                piece = token[start:end]
                if (
                    end - start < n
                    and prefix[start] + 1 + suffix[end] <= budget
                    and _keep_part(piece, True)
                ):
                    found.append((start, -len(piece), piece))
        parts: list[str] = []
        for _, _, piece in sorted(found):
            parts.append(piece)
            parts.extend(word_parts(piece))  # strictly shorter, so this ends
        return tuple(dict.fromkeys(parts))
    pieces = _resegment_without(token)
    return tuple(dict.fromkeys(p for p in pieces if p != token and _keep_part(p, False)))


def _parts_of(token: str, source: str) -> tuple[str, ...]:
    """Parts of a token whose (folded) original text is ``source``.

    A joined Latin term is split back into its letter and digit runs, so ``"pm 2.5"`` typed with
    a space still finds ``PM2.5`` as a phrase of parts (pm, 2, 5).
    """
    if token.isascii():
        pieces = _LATIN_PIECE.findall(source)
        return tuple(pieces) if len(pieces) > 1 else ()
    return word_parts(token)


def token_parts(
    text: str, wanted: Iterable[str] | None = None
) -> list[tuple[str, int, int, tuple[str, ...]]]:
    """``tokenize_spans`` with each token's parts (for highlighting parts in snippets).

    With ``wanted``, only tokens that hold one of those words inside them get their parts
    (the others get none): a part is a substring of its token, and computing parts is the
    costly step for words the cache has not seen.
    """
    folded = fold(text)
    words = None if wanted is None else tuple(wanted)
    return [
        (t, a, b, _parts_of(t, folded[a:b]) if _may_hold(t, words) else ())
        for t, a, b in _spans(folded)
    ]


def _may_hold(token: str, words: tuple[str, ...] | None) -> bool:
    return words is None or any(w in token and w != token for w in words)


def part_chains(token: str, parts: Iterable[str]) -> list[list[str]]:
    """The parts of one token as runs in which neighbours abut in the token.

    Phrase search over a parts field takes neighbouring positions for neighbouring words, so a
    run holds a part only right after a part that ends where it starts: in
    กระทรวงดิจิทัลเพื่อเศรษฐกิจและสังคม, ดิจิทัล and เศรษฐกิจ are not neighbours (เพื่อ, not a
    part, lies between), and a plain list of the parts made ``"ดิจิทัล เศรษฐกิจ"`` match.
    Parts are taken in text order, longer first at one offset; each one extends the first run
    that ends where it starts and is still open, or starts a new run. Every part is indexed once
    (as before), so a phrase of parts that overlap another path (คณะกรรมการ พัฒนา beside
    คณะกรรมการ พัฒนาการ) may not be found through parts; it is never found falsely.
    """
    placed = sorted(
        {(start, -len(part), part) for part in parts for start in _occurrences(token, part)}
    )
    runs: list[list[str]] = []
    open_runs: dict[int, list[int]] = {}  # end offset -> runs ending there, oldest first
    for start, negative, part in placed:
        waiting = open_runs.get(start)
        if waiting:
            index = waiting.pop(0)
            runs[index].append(part)
        else:
            index = len(runs)
            runs.append([part])
        open_runs.setdefault(start - negative, []).append(index)
    return runs


def _occurrences(token: str, part: str) -> Iterator[int]:
    start = token.find(part)
    while start != -1:
        yield start
        start = token.find(part, start + 1)


def index_texts(text: str | None) -> tuple[str, str]:
    """``(segmented, parts)`` of a text: what both backends index for it.

    The parts field holds each token's parts as ``part_chains`` runs, every run separated from
    the next by ``PART_GAP`` (so phrases never join parts that are not neighbours in the text).
    """
    if not text:
        return "", ""
    folded = fold(normalise(text))
    spans = _spans(folded)
    groups = [
        " ".join(run)
        for t, a, b in spans
        if (p := _parts_of(t, folded[a:b]))
        for run in part_chains(t, p)
    ]
    return " ".join(t for t, _, _ in spans), f" {PART_GAP} ".join(groups)


def _index_texts_list(texts: list[str]) -> list[tuple[str, str]]:
    return [index_texts(t) for t in texts]


def _segmented_list(texts: list[str]) -> list[str]:
    return [segmented(t) for t in texts]


def default_workers(configured: int | None = None) -> int:
    """Processes for bulk segmentation: ``configured`` (``THAIGOV_SEGMENT_WORKERS``), else the
    CPU count."""
    if configured:
        return max(1, configured)
    return os.cpu_count() or 1


@contextmanager
def segmenting_pool(workers: int | None = None) -> Iterator[Executor | None]:
    """A process pool for ``tokenize_many`` (None when one worker is asked for).

    nlpo3 holds the GIL, so threads would not help; processes nearly double throughput on
    2 cores (measured: 700 -> 1,330 articles/s), which matters for a 40k-article rebuild.
    """
    workers = default_workers() if workers is None else workers
    if workers <= 1:
        yield None
        return
    with ProcessPoolExecutor(max_workers=workers) as pool:
        yield pool


def tokenize_many(texts: Iterable[str], pool: Executor | None = None, chunk: int = 32) -> list[str]:
    """``segmented`` for many texts, in order; on ``pool`` when one is given."""
    items = list(texts)
    if pool is None or len(items) <= chunk:
        return _segmented_list(items)
    batches = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    return [s for batch in pool.map(_segmented_list, batches) for s in batch]


def index_texts_many(
    texts: Iterable[str], pool: Executor | None = None, chunk: int = 32
) -> list[tuple[str, str]]:
    """``index_texts`` for many texts, in order; on ``pool`` when one is given."""
    items = list(texts)
    if pool is None or len(items) <= chunk:
        return _index_texts_list(items)
    batches = [items[i : i + chunk] for i in range(0, len(items), chunk)]
    return [s for batch in pool.map(_index_texts_list, batches) for s in batch]
