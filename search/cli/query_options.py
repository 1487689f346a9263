"""The search options the commands share, and their one way into ``SearchQuery.build``.

Options are declared as text (no Typer ``min``/``max`` or choices): every value goes to the
query builder as typed, so ``thaigov search``, ``thaigov export``, the page and the API accept
and refuse the same input with the same message. A refusal is a usage error (exit 2).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated

import typer

from search.core.query import LANGS, MAX_LIMIT, MODES, SORTS, QueryError, SearchQuery

FromOption = Annotated[
    str | None,
    typer.Option("--from", help="Start: 2024-01-31, 2024-01, 2024, B.E. 2567, 1 ม.ค. 67"),
]
ToOption = Annotated[
    str | None, typer.Option("--to", help="End (inclusive: a year runs to 31 December)")
]
CategoryOption = Annotated[
    list[str] | None, typer.Option("--category", "-c", help="Repeat for several")
]
LangOption = Annotated[str | None, typer.Option("--lang", help=" or ".join(LANGS))]
SortOption = Annotated[
    str | None, typer.Option("--sort", help=" | ".join(SORTS) + " (default: relevance)")
]
LimitOption = Annotated[
    str, typer.Option("--limit", metavar="N", help=f"Hits to show, 1-{MAX_LIMIT}")
]
OffsetOption = Annotated[str, typer.Option("--offset", metavar="N", help="Hits to skip")]
ModeOption = Annotated[
    str | None,
    typer.Option("--mode", help=" | ".join(MODES) + " (default: keyword)"),
]


def build_query_or_exit(
    q: str | None,
    *,
    q_hint: str,
    date_from: str | None = None,
    date_to: str | None = None,
    categories: Iterable[str] | None = None,
    lang: str | None = None,
    sort: str | None = None,
    limit: str | None = None,
    offset: str | None = None,
    mode: str | None = None,
) -> SearchQuery:
    """``SearchQuery.build`` of the options; its refusal becomes a usage error naming the option
    (``q_hint`` names the search text: an argument in one command, ``--query`` in another)."""
    try:
        return SearchQuery.build(
            q,
            date_from=date_from,
            date_to=date_to,
            categories=categories,
            lang=lang,
            sort=sort,
            limit=limit,
            offset=offset,
            mode=mode,
        )
    except QueryError as exc:
        hint = q_hint if exc.param == "q" else f"--{exc.param}"
        raise typer.BadParameter(exc.message, param_hint=hint) from exc
