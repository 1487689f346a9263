"""``thaigov search`` (reads the index) and ``thaigov reindex`` (writes it); ``register(app)``
adds them."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from search.backends.base import (
    IndexDoc,
    SearchBackend,
    SearchResult,
)
from search.backends.embedded import EmbeddedBackend, IndexFileDamaged, probe_index_file
from search.cli.errors import storage_errors
from search.cli.options import existing_archive, load_settings, search_backend, writable_archive
from search.cli.query_options import (
    CategoryOption,
    FromOption,
    LangOption,
    LimitOption,
    ModeOption,
    OffsetOption,
    SortOption,
    ToOption,
    build_query_or_exit,
)
from search.core.query import QueryError, SearchQuery
from search.core.segment import segmenting_pool
from search.core.snippets import HIGHLIGHT_END, HIGHLIGHT_START
from search.services.documents import documents_from_articles
from search.services.embedding import BatchEmbedder, pending_ids
from search.services.hits import hit_fields
from search.services.indexer import BatchIndexer, compare_with_archive, index_file_problem
from search.services.semantic import Searcher
from search.services.suggest import did_you_mean

if TYPE_CHECKING:
    from pipelines.archive.store import ArchiveStore
    from pipelines.core.settings import ThaigovSettings

console = Console()
errors = Console(stderr=True)


def _highlighted(snippet: str) -> Text:
    """Snippet marks as bold text (Rich markup is never parsed from article text)."""
    text = Text()
    for i, part in enumerate(
        snippet.replace(HIGHLIGHT_END, HIGHLIGHT_START).split(HIGHLIGHT_START)
    ):
        text.append(part, style="bold yellow" if i % 2 else "")
    return text


def _table(result: SearchResult, q: SearchQuery) -> Table:
    shown = f"{q.offset + 1}-{q.offset + len(result.hits)}" if result.hits else "0"
    table = Table(title=f"{result.total} matches (showing {shown})", show_lines=True)
    table.add_column("id", justify="right", style="cyan", no_wrap=True)
    table.add_column("date", no_wrap=True)
    table.add_column("category")
    table.add_column("title / snippet", ratio=1)
    for hit in result.hits:
        cell = Text(hit.title, style="bold")
        cell.append("\n")
        cell.append_text(_highlighted(hit.snippet))
        table.add_row(str(hit.article_id), hit.published_date or "", hit.category or "", cell)
    return table


def search_command(
    query: Annotated[
        str,
        typer.Argument(
            help='Words, "exact phrase", "words"~5, -excluded, a OR b, (groups), title:word'
        ),
    ],
    date_from: FromOption = None,
    date_to: ToOption = None,
    category: CategoryOption = None,
    lang: LangOption = None,
    sort: SortOption = None,
    limit: LimitOption = "10",
    offset: OffsetOption = "0",
    mode: ModeOption = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON object per hit: plain snippet, highlights as [start, end) offsets"
            " in it, and the total count",
        ),
    ] = False,
) -> None:
    """Search the index (embedded, or Elasticsearch when THAIGOV_ELASTICSEARCH_URL is set)."""
    q = build_query_or_exit(
        query,
        q_hint="QUERY",
        date_from=date_from,
        date_to=date_to,
        categories=category,
        lang=lang,
        sort=sort,
        limit=limit,
        offset=offset,
        mode=mode,
    )
    settings = load_settings()
    with search_backend(settings, create=False) as backend:
        searcher = Searcher.open(backend, settings.encoder)
        try:
            result = searcher.search(q)
        except QueryError as exc:  # e.g. --mode semantic before any embeddings exist
            raise typer.BadParameter(exc.message, param_hint=f"--{exc.param}") from exc
        finally:
            searcher.close()
        suggestions = did_you_mean(backend, q, result.total)
    if as_json:
        if not result.hits:
            errors.print(f"{result.total} matches (none on this page)")
        for hit in result.hits:
            record = hit_fields(hit)
            record["score"] = round(hit.score, 4)
            record["total"] = result.total
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        for suggestion in suggestions:
            record = {"did_you_mean": suggestion.text, "total": suggestion.total}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        if result.expanded_terms:
            record = {"expanded_terms": list(result.expanded_terms)}
            sys.stdout.write(json.dumps(record, ensure_ascii=False) + "\n")
        return
    console.print(_table(result, q))
    if result.expanded_terms:
        console.print(
            "Also searched for / ค้นคำเหล่านี้ด้วย: "
            + ", ".join(f"[bold]{escape(w)}[/bold]" for w in result.expanded_terms)
        )
    if not result.total:
        console.print(
            "No matches. Try: fewer or broader words, checking tone and silent marks, dropping"
            " quotes or title:, synonyms joined with OR (โควิด OR covid19), fewer filters."
        )
    for suggestion in suggestions:
        console.print(
            f"Did you mean / หรือหมายถึง: [bold]{escape(suggestion.text)}[/bold]"
            f" ({suggestion.total:,} matches)"
        )


def _progress() -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=errors,
    )


def _repair_divergence(store: ArchiveStore, backend: SearchBackend) -> None:
    """Make ``--pending`` repair what ``--check`` reports: articles the index lacks or holds
    with another text become pending again, documents of articles not archived are removed."""
    if isinstance(backend, EmbeddedBackend) and not backend.path.exists():
        return
    result = compare_with_archive(store.index_hashes(), backend.indexed_hashes())
    again = result.missing + result.stale
    if again:
        store.mark_unindexed(again)
        errors.print(f"{len(again)} article(s) missing or outdated in the index: indexing again")
    if result.extra:
        removed = backend.delete(result.extra)
        errors.print(f"removed {removed} document(s) of articles the archive does not hold")


def _reindex_pending(
    store: ArchiveStore, backend: SearchBackend, batch_size: int, workers: int
) -> tuple[int, int]:
    _repair_divergence(store, backend)
    total = store.count(pending_only=True)
    with segmenting_pool(workers) as pool, _progress() as progress:
        task = progress.add_task("indexing pending articles", total=total)
        indexer = BatchIndexer(
            backend, mark_indexed=store.mark_indexed, batch_size=batch_size, pool=pool
        )
        for article in store.iter_articles(pending_only=True, batch_size=batch_size):
            indexer.add(article)
            progress.advance(task)
        indexer.flush()
    return indexer.counters.indexed, indexer.counters.failed


def _all_documents(
    store: ArchiveStore, batch_size: int, pool: Executor | None
) -> Iterator[IndexDoc]:
    page: list[dict[str, Any]] = []
    for article in store.iter_articles(batch_size=batch_size):
        page.append(article)
        if len(page) >= batch_size:
            yield from documents_from_articles(page, pool)
            page = []
    yield from documents_from_articles(page, pool)


def _reindex_all(
    store: ArchiveStore, backend: SearchBackend, batch_size: int, workers: int
) -> tuple[int, int]:
    hashes: dict[int, str] = {}

    def remember(docs: Iterator[IndexDoc]) -> Iterator[IndexDoc]:
        for doc in docs:
            if doc.content_hash:
                hashes[doc.article_id] = doc.content_hash
            yield doc

    with segmenting_pool(workers) as pool, _progress() as progress:
        task = progress.add_task("rebuilding the index", total=store.count())
        outcome = backend.rebuild(
            remember(_all_documents(store, batch_size, pool)),
            lambda done, _total: progress.update(task, completed=done),
        )
    # The new index is live: it, not the archive flags, is now the truth about what is indexed.
    store.mark_all_unindexed()
    store.mark_indexed([(i, hashes[i]) for i in outcome.ok if i in hashes])
    return len(outcome.ok), len(outcome.failed)


def _embed_pending(
    store: ArchiveStore, searcher: Searcher, *, re_embed: bool, quiet: bool
) -> dict[str, Any]:
    """Embed archive articles the vector store lacks or holds with another content hash, and
    drop vectors of articles the archive no longer has; returns the figures (``--json``)."""
    if searcher.vectors is None or searcher.encoder is None:
        return {}  # THAIGOV_ENCODER=off
    vectors = searcher.vectors
    try:
        if re_embed:
            vectors.clear()
        to_embed, to_remove = pending_ids(store.content_hashes(), vectors.hashes())
        vectors.delete(to_remove)
        with _progress() as progress:
            task = progress.add_task(f"embedding ({searcher.encoder.name})", total=len(to_embed))
            embedder = BatchEmbedder(
                searcher.encoder, vectors, progress=lambda n: progress.advance(task, n)
            )
            embedder.add_many(store.iter_articles(ids=to_embed))
            embedder.flush()
        counters = embedder.counters
        figures = {
            "embedded": counters.embedded,
            "embedded_passages": counters.passages,
            "embed_removed": len(to_remove),
            "embed_failed": counters.failed,
            # null when nothing needed embedding: the weights were never loaded
            "encoder_load_seconds": counters.encoder_load_seconds,
            "vector_count": vectors.count(),
        }
        if not quiet:
            errors.print(
                f"vectors: embedded {counters.embedded} articles ({counters.passages} passages),"
                f" removed {len(to_remove)}, failed {counters.failed};"
                f" store holds {figures['vector_count']}"
            )
        return figures
    finally:
        searcher.close()


def _print_index_figures(figures: dict[str, Any]) -> None:
    errors.print(
        f"{figures['backend']}: indexed {figures['indexed']}, failed {figures['failed']}; "
        f"index holds {figures['index_count']}, archive {figures['archive_count']} "
        f"({figures['pending']} pending)"
    )


def reindex_command(
    rebuild_all: Annotated[
        bool,
        typer.Option(
            "--all/--pending",
            help="--all: build a fresh index and swap it in; --pending: only unindexed articles",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Only compare the index with the archive (ids and content hashes); "
            "exit 1 when they differ",
        ),
    ] = False,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 500,
    workers: Annotated[
        int | None,
        typer.Option(help="Segmentation processes (default: THAIGOV_SEGMENT_WORKERS, else CPUs)"),
    ] = None,
    embed: Annotated[
        bool,
        typer.Option(
            "--embed/--no-embed",
            help="Also embed what the vector store lacks (off when THAIGOV_ENCODER=off)",
        ),
    ] = True,
    re_embed: Annotated[
        bool, typer.Option("--re-embed", help="Drop every stored vector and embed all again")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the summary as one JSON object.")
    ] = False,
) -> None:
    """Bring the search index, and the vectors beside it, up to date with the archive (or,
    with --check, compare the index with the archive).

    A missing, emptied or corrupt embedded index file while the archive says it held articles
    is reported, never recreated empty: ``--pending`` and ``--check`` fail on it, ``--all``
    rebuilds it. The vector store is created when missing (it is derived, and cheap to check).
    """
    from search.core.segment import default_workers

    settings = load_settings(segment_workers=workers)
    if check:
        _check(settings, as_json=as_json)
        return
    with (
        writable_archive(settings) as store,
        search_backend(settings, create=True) as backend,
    ):
        if not rebuild_all:
            problem = _index_file_problem(store, settings)
            if problem:  # storage_errors prints it as one line and exits 1
                raise IndexFileDamaged(problem)
            # --all builds a fresh index beside the old one (which may be corrupt: this is
            # how it is repaired), so it must not open the old one first.
            backend.ensure_schema()
        run = _reindex_all if rebuild_all else _reindex_pending
        indexed, failed = run(store, backend, batch_size, default_workers(settings.segment_workers))
        figures = {
            "backend": backend.name,
            "mode": "all" if rebuild_all else "pending",
            "indexed": indexed,
            "failed": failed,
            "index_count": backend.count(),
            "archive_count": store.count(),
            "pending": store.count(pending_only=True),
        }
        if embed or re_embed:
            if not as_json:
                _print_index_figures(figures)
            figures |= _embed_pending(
                store, Searcher.open(backend, settings.encoder), re_embed=re_embed, quiet=as_json
            )
        elif not as_json:
            _print_index_figures(figures)
    if as_json:
        typer.echo(json.dumps(figures))
    if failed or figures.get("embed_failed"):
        raise typer.Exit(1)


def _index_file_problem(store: ArchiveStore, settings: ThaigovSettings) -> str | None:
    """A missing, emptied or corrupt embedded index file, said before anything opens it."""
    if settings.backend_name != "embedded":
        return None
    indexed = store.count() - store.count(pending_only=True)
    return index_file_problem(probe_index_file(settings.search_path), indexed)


def _check(settings: ThaigovSettings, *, as_json: bool) -> None:
    """``reindex --check``: where index and archive differ (read-only); exit 1 if they do."""
    with existing_archive(settings) as store:
        problem = _index_file_problem(store, settings)
        if problem:
            raise IndexFileDamaged(problem)
        index: dict[int, str | None] = {}
        if settings.backend_name != "embedded" or settings.search_path.exists():
            # (no embedded file and nothing indexed yet: a new archive, nothing to open)
            with search_backend(settings, create=False) as backend:
                index = backend.indexed_hashes()
        result = compare_with_archive(store.index_hashes(), index)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "backend": settings.backend_name,
                    "clean": result.clean,
                    "archived": result.archived,
                    "indexed": result.indexed,
                    "pending": result.pending,
                    "missing": result.missing,
                    "extra": result.extra,
                    "stale": result.stale,
                }
            )
        )
        if not result.clean:
            raise typer.Exit(1)
        return
    console.print(
        f"{settings.backend_name}: archive {result.archived}, index {result.indexed}; "
        f"missing from the index {len(result.missing)}, not in the archive {len(result.extra)}, "
        f"other text {len(result.stale)}, pending {result.pending}"
    )
    for label, ids in (
        ("missing from the index", result.missing),
        ("in the index, not in the archive", result.extra),
        ("indexed with another content hash", result.stale),
    ):
        if ids:
            more = f" and {len(ids) - 20} more" if len(ids) > 20 else ""
            console.print(f"  {label}: {', '.join(map(str, ids[:20]))}{more}")
    if not result.clean:
        errors.print(
            "[red]the index differs from the archive[/red]: `thaigov reindex --pending` repairs "
            "it (or `thaigov reindex --all` rebuilds the index)"
        )
        raise typer.Exit(1)
    console.print("index and archive agree")


def register(app: typer.Typer) -> None:
    """Add ``search`` and ``reindex`` to ``app``."""
    app.command("search")(storage_errors(search_command))
    app.command("reindex")(storage_errors(reindex_command))
