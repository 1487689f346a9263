"""``thaigov trends | kwic | collocations | keyness | words``: the research workbench.

Thin adapters over ``search.services.workbench``: the search filters go through
``build_query_or_exit`` (the same builder as ``thaigov search``, the page and the API), every
other option through the service's checks, and a refusal is a usage error (exit 2).
``--json`` writes one JSON object per line, ``--csv`` a header and rows.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from search.backends.base import SearchBackend
from search.cli.errors import storage_errors
from search.cli.options import load_settings, search_backend
from search.cli.query_options import (
    CategoryOption,
    FromOption,
    LangOption,
    ToOption,
    build_query_or_exit,
)
from search.core.query import MAX_LIMIT, QueryError, SearchQuery
from search.core.safety import neutralise_formula
from search.services import workbench as wb
from search.services.table_limits import LIMITS

console = Console()
T = TypeVar("T")

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON object per line")]
CsvOption = Annotated[bool, typer.Option("--csv", help="CSV with a header row")]
MinCountOption = Annotated[str, typer.Option("--min-count", metavar="N", help="At least N times")]
StopwordsOption = Annotated[
    bool,
    typer.Option(
        "--stopwords/--keep-stopwords", help="Leave out PyThaiNLP's Thai stopwords (default)"
    ),
]
TopOption = Annotated[str, typer.Option("--limit", metavar="N", help="Rows to show")]


def _checked(make: Callable[[], T], hints: Mapping[str, str] | None = None) -> T:
    """The service's refusal as a usage error naming the option."""
    try:
        return make()
    except QueryError as exc:
        hint = (hints or {}).get(exc.param, f"--{exc.param.replace('_', '-')}")
        raise typer.BadParameter(exc.message, param_hint=hint) from exc


def _filters(
    text: str | None,
    date_from: str | None,
    date_to: str | None,
    category: list[str] | None,
    lang: str | None,
    *,
    limit: str | None = None,
    offset: str | None = None,
) -> SearchQuery:
    return build_query_or_exit(
        text,
        q_hint="QUERY",
        date_from=date_from,
        date_to=date_to,
        categories=category,
        lang=lang,
        limit=limit,
        offset=offset,
    )


def _emit(rows: Iterable[Mapping[str, object]], *, as_json: bool, as_csv: bool) -> bool:
    """Write ``rows`` as JSON lines or CSV; False when neither was asked for."""
    if as_json:
        for row in rows:
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        return True
    if as_csv:
        writer: csv.DictWriter[str] | None = None
        for row in rows:
            if writer is None:
                writer = csv.DictWriter(sys.stdout, fieldnames=list(row), lineterminator="\n")
                writer.writeheader()
            writer.writerow(
                {k: neutralise_formula(v) if isinstance(v, str) else v for k, v in row.items()}
            )
        return True
    return False


def _print_rows(
    rows: list[dict[str, object]],
    columns: tuple[str, ...],
    *,
    title: str,
    as_json: bool,
    as_csv: bool,
) -> None:
    """A word table as JSON lines or CSV when asked, else on screen: the word left, figures
    right (``columns`` names them even when no row is left)."""
    if _emit(rows, as_json=as_json, as_csv=as_csv):
        return
    table = Table(title=title)
    for name in columns:
        table.add_column(name, justify="left" if name == "word" else "right")
    for row in rows:
        table.add_row(*(_number(v) for v in row.values()))
    console.print(table)


def _with_backend(work: Callable[[SearchBackend], T]) -> T:
    """Read-only: a missing index is an error, never created (as for ``thaigov search``)."""
    with search_backend(load_settings(), create=False) as backend:
        return work(backend)


def _number(value: object) -> str:
    return "-" if value is None else f"{value:,.1f}" if isinstance(value, float) else str(value)


def trends_command(
    queries: Annotated[list[str], typer.Argument(help="Up to 8 queries, one series each")],
    interval: Annotated[str, typer.Option(help="month | quarter | year")] = "month",
    date_from: FromOption = None,
    date_to: ToOption = None,
    category: CategoryOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Compare queries over time: matching articles, occurrences, and articles per 1,000."""
    filters = _filters(None, date_from, date_to, category, lang)
    chosen = _checked(lambda: wb.check_interval(interval))
    _checked(lambda: wb.check_trend_queries(queries), {"q": "QUERIES"})
    points = _checked(
        lambda: _with_backend(lambda b: wb.trends(b, queries, filters, chosen)), {"q": "QUERIES"}
    )
    if _emit((p.as_dict() for p in points), as_json=as_json, as_csv=as_csv):
        return
    table = Table(title=f"per {chosen}: matching articles / occurrences / per 1,000 articles")
    table.add_column("period (C.E.)", no_wrap=True)
    table.add_column("B.E.", no_wrap=True)
    table.add_column("archived", justify="right")
    names = list(dict.fromkeys(p.query for p in points))
    for name in names:
        table.add_column(name, justify="right")
    by_period: dict[str, list[wb.TrendPoint]] = {}
    for p in points:
        by_period.setdefault(p.period, []).append(p)
    for period, row in by_period.items():
        cells = [f"{p.articles} / {p.occurrences} / {_number(p.per_1000)}" for p in row]
        table.add_row(period, row[0].period_be, str(row[0].archived), *cells)
    console.print(table)


def kwic_command(
    query: Annotated[str, typer.Argument(help='A word, "a phrase", or a OR b')],
    context: Annotated[str, typer.Option(metavar="N", help="Words each side (0-30)")] = "5",
    sort: Annotated[str, typer.Option(help="date | left | right")] = "date",
    limit: Annotated[str, typer.Option(metavar="N", help=f"Lines, 1-{MAX_LIMIT}")] = "50",
    offset: Annotated[str, typer.Option(metavar="N", help="Lines to skip")] = "0",
    date_from: FromOption = None,
    date_to: ToOption = None,
    category: CategoryOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Every occurrence in context (keyword in context), whole Thai words each side."""
    q = _filters(query, date_from, date_to, category, lang, limit=limit, offset=offset)
    words = _checked(lambda: wb.check_number("context", context, 5, 0, wb.MAX_CONTEXT))
    order = _checked(lambda: wb.check_kwic_sort(sort))
    page = _checked(
        lambda: _with_backend(lambda b: wb.kwic(b, q, context=words, sort=order)),
        {"q": "QUERY"},
    )
    if _emit((line.as_dict() for line in page.lines), as_json=as_json, as_csv=as_csv):
        return
    shown = f"{q.offset + 1}-{q.offset + len(page.lines)}" if page.lines else "0"
    table = Table(
        title=f"{page.total:,} occurrences in {page.articles:,} articles (showing {shown})",
        show_header=True,
    )
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("left", justify="right", ratio=1)
    table.add_column("match", style="bold yellow", no_wrap=True)
    table.add_column("right", ratio=1)
    for line in page.lines:
        table.add_row(
            str(line.article_id), line.published_date or "", line.left, line.match, line.right
        )
    console.print(table)


def collocations_command(
    query: Annotated[str, typer.Argument(help='A word, "a phrase", or a OR b')],
    window: Annotated[str, typer.Option(metavar="N", help="Words each side (1-10)")] = "5",
    measure: Annotated[str, typer.Option(help="ll (log-likelihood) | mi")] = "ll",
    min_count: MinCountOption = str(LIMITS["collocations"].min_count),
    top: TopOption = str(LIMITS["collocations"].limit),
    stopwords: StopwordsOption = True,
    date_from: FromOption = None,
    date_to: ToOption = None,
    category: CategoryOption = None,
    lang: LangOption = None,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Words found near the query more often than chance, by log-likelihood or MI."""
    q = _filters(query, date_from, date_to, category, lang)
    span = _checked(lambda: wb.check_number("window", window, 5, 1, wb.MAX_WINDOW))
    chosen = _checked(lambda: wb.check_measure(measure))
    least, rows_wanted = _checked(lambda: LIMITS["collocations"].check(min_count, top))
    result = _checked(
        lambda: _with_backend(
            lambda b: wb.collocation_table(
                b, q, window=span, measure=chosen, min_count=least, use_stopwords=stopwords
            )
        ),
        {"q": "QUERY"},
    )
    _print_rows(
        [wb.collocation_row(a, chosen) for a in result.rows[:rows_wanted]],
        ("word", "score", "count", "frequency", "log_likelihood", "mutual_information"),
        title=f"{result.node_occurrences:,} occurrences, ±{span} words, "
        f"corpus {result.corpus_tokens:,} words; by {chosen}",
        as_json=as_json,
        as_csv=as_csv,
    )


def keyness_command(
    query: Annotated[str | None, typer.Argument(help="Target: a query (optional)")] = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    category: CategoryOption = None,
    lang: LangOption = None,
    reference: Annotated[
        str, typer.Option(help="rest (every other article) | tnc | query (the --ref-* options)")
    ] = "rest",
    ref_query: Annotated[str | None, typer.Option("--ref-query")] = None,
    ref_from: Annotated[str | None, typer.Option("--ref-from")] = None,
    ref_to: Annotated[str | None, typer.Option("--ref-to")] = None,
    ref_category: Annotated[list[str] | None, typer.Option("--ref-category")] = None,
    min_count: MinCountOption = str(LIMITS["keyness"].min_count),
    top: TopOption = str(LIMITS["keyness"].limit),
    stopwords: StopwordsOption = True,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Words over- or under-used in a subcorpus against a reference (LL and log ratio)."""
    target = _filters(query, date_from, date_to, category, lang)
    kind = _checked(
        lambda: wb.check_reference(reference, ref_query, ref_from, ref_to, ref_category)
    )
    other = None
    if kind == "query":
        other = _checked(
            lambda: SearchQuery.build(
                ref_query, date_from=ref_from, date_to=ref_to, categories=ref_category
            ),
            {"q": "--ref-query", "from": "--ref-from", "to": "--ref-to"},
        )
    least, rows_wanted = _checked(lambda: LIMITS["keyness"].check(min_count, top))
    found, ref = _checked(
        lambda: _with_backend(lambda b: wb.keyness_frequencies(b, target, kind, other)),
        {"q": "QUERY"},
    )
    keys = wb.keyness_table(found, ref, min_count=least, use_stopwords=stopwords)
    _print_rows(
        [wb.keyness_row(k) for k in keys[:rows_wanted]],
        ("word", "target_count", "reference_count", "log_likelihood", "log_ratio"),
        title=f"target {found[1]:,} words, reference ({kind}) {ref[1]:,} words",
        as_json=as_json,
        as_csv=as_csv,
    )


def words_command(
    query: Annotated[str | None, typer.Argument(help="Subcorpus: a query (optional)")] = None,
    date_from: FromOption = None,
    date_to: ToOption = None,
    category: CategoryOption = None,
    lang: LangOption = None,
    min_count: MinCountOption = str(LIMITS["words"].min_count),
    top: TopOption = str(LIMITS["words"].limit),
    stopwords: StopwordsOption = True,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Word frequency list of the articles a query (and the filters) match."""
    q = _filters(query, date_from, date_to, category, lang)
    least, rows_wanted = _checked(lambda: LIMITS["words"].check(min_count, top))
    counts, size = _with_backend(lambda b: wb.frequencies(b, q))
    listed = wb.word_list(counts, min_count=least, use_stopwords=stopwords)[:rows_wanted]
    _print_rows(
        [wb.word_row(w, n, size) for w, n in listed],
        ("word", "count", "per_million"),
        title=f"{size:,} words in the subcorpus",
        as_json=as_json,
        as_csv=as_csv,
    )


def register(app: typer.Typer) -> None:
    """Add the workbench commands to ``app``."""
    app.command("trends")(storage_errors(trends_command))
    app.command("kwic")(storage_errors(kwic_command))
    app.command("collocations")(storage_errors(collocations_command))
    app.command("keyness")(storage_errors(keyness_command))
    app.command("words")(storage_errors(words_command))
