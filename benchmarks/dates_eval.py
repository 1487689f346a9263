"""Evaluate Thai date normalisation on a thaigov-v2-corpus (directory or .tar.gz, streamed).

Measures what issue 3 promises on real articles: the share of long date lines that parse, the
agreement of long and numeric date lines, weekday consistency, date mentions per form in bodies,
and find_dates throughput. Every exception is listed with its article id, so a person can tell
whether the source or the parser is wrong. Exit status 1 when a target is missed.

    .venv/bin/python benchmarks/dates_eval.py \
        --corpus ../shared/corpus/thaigov-v2-corpus-2020-2023.tar.gz
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
import time
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pythainlp.util import thai_digit_to_arabic_digit, thai_strptime
from pythainlp.util.date import thai_full_months

from pipelines.core.corpus_format import iter_corpus_records
from pipelines.core.thai_dates import find_dates, parse_date_mention, parse_thai_date

RESULTS = Path(__file__).resolve().parent / "results" / "dates_eval.md"
#: Minimum share per target of issue 3 (the exit status follows these).
TARGETS = {
    "long date parsed": 1.0,
    "long vs numeric agree, parser-caused exceptions only": 0.999,
    "weekday consistent": 0.999,
}
#: Reported against the issue's 99.9% but not gating: the corpus's own lines disagree (below).
SOURCE_AGREEMENT_TARGET = 0.999
BATCH = 500  # bodies per worker task
SAMPLES_PER_FORM = 500  # body mentions per form compared with PyThaiNLP's thai_strptime


@dataclass(frozen=True, slots=True)
class Finding:
    """One exception: which article, which check, and the text that caused it."""

    check: str
    article_id: int | None
    name: str
    detail: str


#: (mention text, its date, the reference date find_dates was given)
Sample = tuple[str, date, date | None]


@dataclass
class BodyScan:
    """find_dates over a batch of bodies: mentions per form, bytes and time spent."""

    bodies: int = 0
    body_bytes: int = 0
    seconds: float = 0.0
    times_attached: int = 0
    weekday_named: int = 0
    weekday_ok: int = 0
    forms: Counter[str] = field(default_factory=Counter)
    #: Per form, the first single-day mentions for the PyThaiNLP comparison.
    samples: dict[str, list[Sample]] = field(default_factory=dict)

    def add(self, other: BodyScan) -> None:
        self.bodies += other.bodies
        self.body_bytes += other.body_bytes
        self.seconds += other.seconds
        self.times_attached += other.times_attached
        self.weekday_named += other.weekday_named
        self.weekday_ok += other.weekday_ok
        self.forms.update(other.forms)
        for form, pairs in other.samples.items():
            mine = self.samples.setdefault(form, [])
            mine.extend(pairs[: SAMPLES_PER_FORM - len(mine)])


def scan_bodies(batch: list[tuple[str, date | None]]) -> BodyScan:
    """Runs in a worker process (module level, so it pickles).

    Timed in CPU seconds of this process, so a busy machine does not understate throughput.
    """
    started = time.process_time()
    found = [find_dates(body, reference_date=published) for body, published in batch]
    scan = BodyScan(bodies=len(batch), seconds=time.process_time() - started)
    scan.body_bytes = sum(len(body.encode("utf-8")) for body, _ in batch)
    for (_, published), mentions in zip(batch, found, strict=True):
        for mention in mentions:
            scan.forms[mention.form] += 1
            scan.times_attached += mention.time is not None
            if mention.weekday_ok is not None:
                scan.weekday_named += 1
                scan.weekday_ok += mention.weekday_ok
            # Year-less mentions are left out: they need the article's date, which neither
            # parse_thai_date nor thai_strptime gets from a bare text.
            if mention.end_date is None and mention.time is None and "none" not in mention.form:
                pairs = scan.samples.setdefault(mention.form, [])
                if len(pairs) < SAMPLES_PER_FORM:
                    pairs.append((mention.text, mention.date, published))
    return scan


@dataclass
class DateEvaluation:
    articles: int = 0
    long_parsed: int = 0
    both_lines: int = 0
    lines_agree: int = 0
    source_disagreements: int = 0
    weekday_named: int = 0
    weekday_ok: int = 0
    collected_known: int = 0
    published_by_collection: int = 0
    bodies: BodyScan = field(default_factory=BodyScan)
    findings: list[Finding] = field(default_factory=list)
    long_lines: list[Sample] = field(default_factory=list)

    def shares(self) -> dict[str, tuple[int, int]]:
        """(hits, total) per targeted measure."""
        return {
            "long date parsed": (self.long_parsed, self.articles),
            "long vs numeric agree, parser-caused exceptions only": (
                self.lines_agree + self.source_disagreements,
                self.both_lines,
            ),
            "weekday consistent": (self.weekday_ok, self.weekday_named),
        }

    def missed_targets(self) -> list[str]:
        """Targets below their share; a measure with nothing to measure (no numeric lines in a
        small corpus) is not missed, except that a corpus must have articles."""
        missed = []
        for name, (hits, total) in self.shares().items():
            if (total == 0 and name == "long date parsed") or (
                total and hits / total < TARGETS[name]
            ):
                missed.append(name)
        return missed

    @property
    def throughput_mb_s(self) -> float:
        scan = self.bodies
        return scan.body_bytes / 1e6 / scan.seconds if scan.seconds else 0.0


# An independent, deliberately naive reading of the two date lines (split on spaces and "/"),
# used only to decide whether a disagreement lies in the source or in pipelines.core.thai_dates.
_NAIVE_LONG = re.compile(r"(\d{1,2}) (\S+) (\d{4})$")


def _naive_long(text: str | None) -> date | None:
    match = _NAIVE_LONG.search(thai_digit_to_arabic_digit(text or ""))
    if not match or match[2] not in thai_full_months:
        return None
    month = thai_full_months.index(match[2]) + 1
    return date(int(match[3]) - 543, month, int(match[1]))


def _naive_numeric(text: str | None) -> date | None:
    day, month, year = thai_digit_to_arabic_digit(text or "").split("/")
    return date(int(year) - 543, int(month), int(day))


def _collection_day(fetched_at: str | None) -> date | None:
    return date.fromisoformat(fetched_at[:10]) if fetched_at else None


_PROBLEM_ID = re.compile(r"article (\d+)")


def evaluate(
    corpus: str | Path, *, body_every: int = 1, limit: int | None = None, workers: int = 0
) -> DateEvaluation:
    """Run every check over the corpus (read once, streamed).

    Bodies of every ``body_every``-th article go through find_dates, in ``workers`` processes
    (0: in this process) while this one keeps reading and parsing the corpus.
    """
    result = DateEvaluation()
    batch: list[tuple[str, date | None]] = []
    pending: set[Future[BodyScan]] = set()
    pool = ProcessPoolExecutor(workers) if workers > 0 else None

    def flush() -> None:
        nonlocal pending
        if not batch:
            return
        if pool is None:
            result.bodies.add(scan_bodies(batch))
        else:
            pending.add(pool.submit(scan_bodies, list(batch)))
            if len(pending) > 2 * workers:  # bound the bodies held in memory
                done, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    result.bodies.add(future.result())
        batch.clear()

    try:
        for index, record in enumerate(iter_corpus_records(corpus)):
            if limit is not None and index >= limit:
                break
            if record.article is None:
                found = _PROBLEM_ID.search(record.problem or "")
                result.findings.append(
                    Finding(
                        "not an article",
                        int(found[1]) if found else None,
                        record.name,
                        str(record.problem),
                    )
                )
                continue
            article = record.article.as_dict()
            published = _check_article(result, record.name, article)
            if index % body_every == 0:
                batch.append((article["body"] or "", published))
                if len(batch) >= BATCH:
                    flush()
        flush()
        for future in pending:
            result.bodies.add(future.result())
    finally:
        if pool is not None:
            pool.shutdown()
    return result


def _check_article(result: DateEvaluation, name: str, article: dict) -> date | None:
    """The date-line checks for one article; returns its published date (or None)."""
    result.articles += 1
    article_id = article["article_id"]
    long_text = article["published_date_text"]
    mention = parse_date_mention(long_text)
    published = mention.date if mention and mention.precision == "day" else None
    if published is None or mention is None:
        result.findings.append(Finding("long date unparsed", article_id, name, repr(long_text)))
    else:
        result.long_parsed += 1
        result.long_lines.append((long_text, published, None))
        if mention.weekday_ok is not None:
            result.weekday_named += 1
            if mention.weekday_ok:
                result.weekday_ok += 1
            else:
                result.findings.append(
                    Finding("weekday mismatch", article_id, name, repr(long_text))
                )
    numeric_text = article["published_date_numeric_text"]
    numeric = parse_thai_date(numeric_text)
    if numeric_text and numeric is None:
        result.findings.append(
            Finding("numeric date unparsed", article_id, name, repr(numeric_text))
        )
    if published and numeric:
        result.both_lines += 1
        if published == numeric:
            result.lines_agree += 1
        else:
            detail = f"{long_text!r} vs {numeric_text!r} ({(numeric - published).days:+d} days)"
            in_source = (
                _naive_long(long_text) == published
                and _naive_numeric(numeric_text) == numeric
                and mention is not None
                and mention.weekday_ok is not False
            )
            if in_source:
                result.source_disagreements += 1
            check = "lines disagree (source)" if in_source else "lines disagree (parser)"
            result.findings.append(Finding(check, article_id, name, detail))
    collected = _collection_day(article.get("fetched_at"))
    if published and collected:
        result.collected_known += 1
        if published <= collected:
            result.published_by_collection += 1
        else:
            detail = f"published {published} after collection day {collected}"
            result.findings.append(Finding("published later", article_id, name, detail))
    return published


# --- side by side with PyThaiNLP ------------------------------------------------------------
_WEEKDAY_PREFIX = re.compile(r"^วัน\S*?ที่\s*")


@dataclass(frozen=True, slots=True)
class Comparison:
    texts: str
    count: int
    ours_same: int  # parse_thai_date on the mention's text gave find_dates' date
    same: int  # thai_strptime gave that date
    errors: int  # thai_strptime raised
    ours_us: float  # microseconds per text, parse_thai_date
    theirs_us: float  # microseconds per text, thai_strptime


def _strptime_format(text: str) -> str:
    """The one thai_strptime format that fits the text best (it has no weekday directive)."""
    if "/" in text:
        return "%d/%B/%Y"
    if re.fullmatch(r"[0-9๐-๙]{1,2}-[0-9๐-๙]{1,2}-[0-9๐-๙]{2,4}", text):
        return "%d-%B-%Y"
    return "%d %B %Y"


def compare(label: str, pairs: list[Sample]) -> Comparison:
    """thai_strptime and parse_thai_date on the same texts (whose dates we already know)."""
    started = time.process_time()
    ours_same = sum(parse_thai_date(text, reference_date=ref) == day for text, day, ref in pairs)
    ours = time.process_time() - started
    same = errors = 0
    started = time.process_time()
    for text, expected, _ in pairs:
        stripped = _WEEKDAY_PREFIX.sub("", text)
        try:
            same += thai_strptime(stripped, _strptime_format(stripped)).date() == expected
        except Exception:  # it raises IndexError/ValueError on forms it does not know
            errors += 1
    theirs = time.process_time() - started
    n = max(len(pairs), 1)
    return Comparison(label, len(pairs), ours_same, same, errors, ours / n * 1e6, theirs / n * 1e6)


def comparisons(result: DateEvaluation) -> list[Comparison]:
    rows = [compare("long date lines (all)", result.long_lines)]
    for form, pairs in sorted(result.bodies.samples.items()):
        if not form.startswith(("english", "month")):  # thai_strptime reads Thai only
            rows.append(compare(f"body: {form}", pairs))
    return rows


def _pct(hits: int, total: int) -> str:
    return f"{hits:,}/{total:,} ({100 * hits / total:.3f}%)" if total else "0/0"


def render_markdown(
    result: DateEvaluation,
    command: str,
    seconds: float,
    compare_rows: list[Comparison] | None = None,
) -> str:
    scan = result.bodies
    compare_rows = compare_rows if compare_rows is not None else comparisons(result)
    lines = [
        "# Thai date evaluation (issue 3)",
        "",
        f"Command: `{command}`",
        "",
        f"{result.articles:,} articles, {scan.bodies:,} bodies scanned, "
        f"{seconds:.1f} s wall time in total.",
        "",
        "| measure | value | target | status |",
        "|---|---|---|---|",
    ]
    missed = set(result.missed_targets())
    for name, (hits, total) in result.shares().items():
        status = "MISSED" if name in missed else "ok"
        lines.append(f"| {name} | {_pct(hits, total)} | ≥ {TARGETS[name]:.1%} | {status} |")
    agree = result.lines_agree / result.both_lines if result.both_lines else 0.0
    source_status = (
        "ok" if agree >= SOURCE_AGREEMENT_TARGET else "below: the corpus's own lines differ"
    )
    lines += [
        f"| long vs numeric agree, as written in the corpus | "
        f"{_pct(result.lines_agree, result.both_lines)} | ≥ {SOURCE_AGREEMENT_TARGET:.1%} "
        f"(not gating) | {source_status} |",
        f"| published on or before the collection day | "
        f"{_pct(result.published_by_collection, result.collected_known)} | (info) | |",
        f"| find_dates throughput (bodies, UTF-8, CPU time) | {result.throughput_mb_s:.1f} MB/s "
        f"({scan.body_bytes / 1e6:.0f} MB in {scan.seconds:.1f} s) | (info) | |",
        f"| date mentions in bodies / with a time | {sum(scan.forms.values()):,} / "
        f"{scan.times_attached:,} | (info) | |",
        f"| body mentions whose named weekday fits | "
        f"{_pct(scan.weekday_ok, scan.weekday_named)} | (info) | |",
        "",
        "A disagreement counts as the source's when a naive reading of both lines (split on",
        "spaces and `/`) gives the same two dates as the parser and the long line's weekday fits",
        "its date; any other disagreement is the parser's.",
        "",
        "## Date mentions in bodies per form",
        "",
        "| form | mentions |",
        "|---|---|",
    ]
    lines += [f"| {form} | {count:,} |" for form, count in scan.forms.most_common()]
    lines += [
        "",
        "## Side by side: PyThaiNLP `thai_strptime` on the same texts",
        "",
        f"Single-day mentions without a time, the first {SAMPLES_PER_FORM} per form; the weekday",
        "prefix is removed for `thai_strptime` (it has no directive for it) and it gets the one",
        "format that fits (`%d %B %Y`, `%d/%B/%Y`). CPU time per text.",
        "",
        "| texts | n | parse_thai_date same date | thai_strptime same date | thai_strptime raised "
        "| parse_thai_date µs | thai_strptime µs | time ratio (theirs/ours) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for c in compare_rows:
        ratio = c.theirs_us / c.ours_us if c.ours_us else 0.0
        lines.append(
            f"| {c.texts} | {c.count:,} | {_pct(c.ours_same, c.count)} | {_pct(c.same, c.count)} "
            f"| {_pct(c.errors, c.count)} "
            f"| {c.ours_us:.1f} | {c.theirs_us:.1f} | {ratio:.1f}× |"
        )
    lines += ["", f"## Exceptions ({len(result.findings)})", ""]
    if result.findings:
        lines += ["| check | article id | file | detail |", "|---|---|---|---|"]
        for f in sorted(result.findings, key=lambda f: (f.check, f.article_id or 0, f.name)):
            name = f.name.replace("|", "\\|").replace("\t", "\\t")
            detail = f.detail.replace("|", "\\|")
            lines.append(f"| {f.check} | {f.article_id or ''} | {name} | {detail} |")
    else:
        lines.append("None.")
    return "\n".join(lines) + "\n"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--corpus", required=True, help="corpus directory or .tar.gz")
    parser.add_argument("--body-every", type=int, default=1, help="scan every n-th body")
    parser.add_argument("--limit", type=int, default=None, help="stop after n files")
    parser.add_argument("--workers", type=int, default=1, help="find_dates processes (0: inline)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="Markdown results file")
    arguments = list(argv) if argv is not None else sys.argv[1:]
    args = parser.parse_args(arguments)
    started = time.perf_counter()
    result = evaluate(
        args.corpus, body_every=args.body_every, limit=args.limit, workers=args.workers
    )
    seconds = time.perf_counter() - started
    command = shlex.join([".venv/bin/python", "benchmarks/dates_eval.py", *arguments])
    report = render_markdown(result, command, seconds)
    print(report)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report, encoding="utf-8")
    missed = result.missed_targets()
    if missed:
        print(f"targets missed: {', '.join(missed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
