"""``thaigov serve``, ``thaigov export`` and ``thaigov show``: the researchers' commands.

Typer commands; ``register(app)`` adds them to the ``thaigov`` app (see search/cli/__init__.py).
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.rule import Rule
from rich.table import Table

from search.cli.errors import storage_errors
from search.cli.options import existing_archive, fail, load_settings, search_backend
from search.cli.query_options import (
    CategoryOption,
    FromOption,
    LangOption,
    SortOption,
    ToOption,
    build_query_or_exit,
)
from search.services.export import (
    EXPORT_FORMATS,
    ExportFormat,
    MissingExtraError,
    require_format,
)

console = Console()


def normalise_root_path(value: str) -> str:
    """``thaigov/`` or ``/thaigov/`` -> ``/thaigov``; empty stays empty; no query or spaces."""
    value = value.strip().strip("/")
    if not value:
        return ""
    if any(c in value for c in "?#% ") or "//" in value:
        raise typer.BadParameter("a plain path such as /thaigov", param_hint="--root-path")
    return "/" + value


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port")] = 8000,
    root_path: Annotated[
        str,
        typer.Option(
            help="Sub-path a reverse proxy publishes the pages under, e.g. /thaigov; the proxy "
            "strips it before passing requests on (docs/deploy.md)",
            callback=normalise_root_path,
        ),
    ] = "",
    proxy_headers: Annotated[
        bool,
        typer.Option(
            help="Trust X-Forwarded-For/-Proto from --forwarded-allow-ips (client address, https)"
        ),
    ] = True,
    forwarded_allow_ips: Annotated[
        str,
        typer.Option(
            help="Comma-separated proxy addresses or networks whose X-Forwarded-* are trusted "
            "('*': any; only behind a proxy that overwrites them)"
        ),
    ] = "127.0.0.1",
) -> None:
    """Serve the search page, article pages and the JSON API (docs at /docs).

    Read-only: refuses to start without an archive and a search index (it creates neither).
    """
    import uvicorn
    from sqlalchemy.exc import OperationalError

    from pipelines.archive.store import ArchiveUnavailable
    from search.backends.base import IndexMissing
    from search.web import create_app

    app = create_app(settings=load_settings())
    try:
        app.state.services.open_all()
    except (ArchiveUnavailable, IndexMissing) as exc:
        app.state.services.close()
        fail(str(exc))
    except (ConnectionError, OperationalError) as exc:
        # A server that is down now may be back soon: serve, and answer 503 until it is.
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        console.print(f"[yellow]warning:[/] {escape(first_line)}; pages answer 503 until then")
    console.print(
        f"thaigov-archive: http://{host}:{port}{root_path}/  (API docs: {root_path}/docs)"
    )
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="info",
        root_path=root_path,
        proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips,
    )


def export(
    output: Annotated[Path, typer.Option("--output", "-o", help="File, directory or .tar.gz")],
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="jsonl | csv | parquet | corpus | wacz")
    ] = "jsonl",
    query: Annotated[
        str, typer.Option("--query", "-q", help="Export only the matches of this search")
    ] = "",
    date_from: FromOption = None,
    date_to: ToOption = None,
    category: CategoryOption = None,
    lang: LangOption = None,
    sort: SortOption = None,
    batch_size: Annotated[int, typer.Option(min=1, max=100_000)] = 1000,
) -> None:
    """Export the archive, or a search's matches, with every field.

    corpus writes the thaigov-v2-corpus text layout (a directory, or .tar.gz when OUTPUT ends
    so) that `thaigov import-corpus` reads back. wacz packages the articles' WARC captures
    (pages, attachments, images), a CDXJ index and the pages with their text, validated.
    """
    from pipelines.archive.captures import CaptureIndex
    from search.services.export import iter_search_matches, matches_filters, write_export

    if fmt not in (*EXPORT_FORMATS, "wacz"):
        raise typer.BadParameter(
            f"choose one of {', '.join(EXPORT_FORMATS)}, wacz", param_hint="--format"
        )
    try:
        require_format(fmt)
    except MissingExtraError as exc:
        typer.echo(f"thaigov export: {exc}", err=True)
        raise typer.Exit(2) from None
    # The builder's page size is irrelevant here: exports page through every match.
    search = build_query_or_exit(
        query,
        q_hint="--query",
        date_from=date_from,
        date_to=date_to,
        categories=category,
        lang=lang,
        sort=sort,
    )

    settings = load_settings()
    with ExitStack() as opened:
        store = opened.enter_context(existing_archive(settings))
        backend: Any = None
        if query.strip():
            backend = opened.enter_context(search_backend(settings, create=False))
            total: int | None = backend.count(search)
            articles: Any = iter_search_matches(store, backend, search)
        else:
            filtered = bool(search.date_from or search.date_to or search.categories or search.lang)
            total = None if filtered else store.count()
            articles = (a for a in store.iter_articles(batch_size=batch_size))
            if filtered:
                articles = (a for a in articles if matches_filters(a, search))
        if fmt == "wacz":
            _export_wacz(store, articles, output, warc_dir=settings.warc_dir)
            return
        near_duplicates = _near_duplicates(opened, settings, backend)
        with Progress(
            TextColumn("[bold]export[/] " + escape(fmt)),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=False,
        ) as progress:
            task = progress.add_task("export", total=total)
            written = write_export(
                articles,
                cast(ExportFormat, fmt),  # checked against EXPORT_FORMATS above
                output,
                batch_size=batch_size,
                on_batch=lambda n: progress.advance(task, n),
                files_for=CaptureIndex(store).files_for,
                near_duplicates=near_duplicates,
            )
    console.print(f"{written:,} articles → {escape(str(output))} ({fmt})")


def _near_duplicates(opened: ExitStack, settings: Any, backend: Any) -> Any:
    """The ``near_duplicate_of`` column's source (the vectors beside the index; ``backend``
    when a search is exported, else opened here), or None, said on stderr, when there are no
    embeddings or they cannot be read: the column is then left empty, the export goes on (it
    needs only the archive)."""
    from search.backends.base import IndexMissing
    from search.backends.select import open_backend
    from search.services.failures import storage_failure
    from search.services.semantic import Searcher

    found = None
    reason = "no embeddings (thaigov reindex makes them)"
    try:
        if backend is None:
            backend = open_backend(settings, create=False)
            opened.callback(backend.close)
        searcher = Searcher.open(backend, settings.encoder)
        opened.callback(searcher.close)
        found = searcher.near_duplicates()
    except IndexMissing:
        pass
    except Exception as exc:
        if storage_failure(exc) is None:
            raise
        reason = f"the vectors cannot be read ({exc})"
    if found is None:
        typer.echo(f"thaigov export: near_duplicate_of left empty: {reason}", err=True)
    return found


def _export_wacz(store: Any, articles: Any, output: Path, *, warc_dir: Path) -> None:
    """Package the articles' captures (WARCs under ``warc_dir``) as WACZ; exit 1 when it does
    not validate."""
    from search.services.wacz import write_wacz

    outcome = write_wacz(store, articles, output, warc_dir=warc_dir)
    if outcome.without_capture:
        shown = ", ".join(map(str, outcome.without_capture[:20]))
        more = " ..." if len(outcome.without_capture) > 20 else ""
        console.print(
            f"[yellow]{len(outcome.without_capture):,} article(s) have no WARC capture "
            f"(imported from the corpus, or crawled before capture): {shown}{more}[/yellow]"
        )
    console.print(
        f"{outcome.pages:,} pages, {outcome.records:,} WARC records → {escape(str(output))} (wacz)"
    )
    if not outcome.valid:
        console.print("[red]the WACZ did not validate:[/red]\n" + escape(outcome.messages))
        raise typer.Exit(1)
    console.print("WACZ validation passed (py-wacz validator)")


def show(
    article_id: Annotated[int, typer.Argument(min=1, help="The site's article id")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead")] = False,
) -> None:
    """Print one archived article (with its earlier versions)."""
    from search.web.services import Services
    from search.web.thai_format import thai_long_date

    with existing_archive(load_settings()) as store:
        view = Services(store=store).article(article_id)
    if view is None:
        console.print(f"[red]article {article_id} is not in the archive[/]")
        raise typer.Exit(1)
    record = view.record
    if as_json:
        payload: dict[str, Any] = dict(record)
        payload["versions"] = [
            {
                "version": v.version,
                "title": v.title,
                "body": v.body,
                "replaced_at": v.replaced_at,
                "diff": v.diff_text,
            }
            for v in view.versions
        ]
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    meta = Table.grid(padding=(0, 2))
    meta.add_column(style="bold")
    meta.add_column()
    date_line = thai_long_date(record["published_date"])
    if record["published_date"]:
        date_line += f"  ({record['published_date']})"
    for label, value in (
        ("id", str(record["article_id"])),
        ("วันที่ date", date_line or (record["published_date_text"] or "")),
        ("หมวด category", record["category"] or ""),
        ("ภาษา lang", record["lang"] or ""),
        ("url", record["url"] or ""),
        ("version", f"{record['version'] or 1} ({len(view.versions)} earlier)"),
    ):
        meta.add_row(label, escape(value))
    console.print(Rule())
    console.print(escape(record["title"] or ""), style="bold", highlight=False)
    console.print(meta)
    console.print(Rule())
    for paragraph in (record["body"] or "").split("\n"):
        if paragraph.strip():
            console.print(escape(paragraph), highlight=False)
            console.print()
    if record["hashtags"]:
        console.print(escape(" ".join(record["hashtags"])), style="cyan")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app``."""
    app.command("serve")(serve)
    app.command("export")(storage_errors(export))
    app.command("show")(storage_errors(show))
