"""Search parameters as the page and the API receive them, turned into a ``SearchQuery``.

The page and the API share one parser, so the same URL means the same search in both, and a
bad date or sort is reported the same way (HTTP 422 with the field that was wrong).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any
from urllib.parse import urlencode

from search.core.query import (
    MAX_LIMIT,
    MAX_WINDOW,
    SORTS,
    DateFilterError,
    SearchQuery,
    parse_date_filter,
)

PAGE_SIZE = 20
LANGS = ("th", "en")


class ParamError(ValueError):
    """A search parameter the user can fix; ``field`` names it (``from``, ``sort``...)."""

    def __init__(self, field_name: str, message: str, value: Any = None) -> None:
        super().__init__(message)
        self.field = field_name
        self.value = value


@dataclass(frozen=True)
class SearchParams:
    """The raw strings of a search URL (``?q=&from=&to=&category=&lang=&sort=&page=``)."""

    q: str = ""
    date_from: str = ""
    date_to: str = ""
    categories: tuple[str, ...] = ()
    lang: str = ""
    sort: str = "relevance"
    page: int = 1

    @property
    def has_search(self) -> bool:
        """Words or any filter: filters alone browse the archive (newest first) with a timeline."""
        return bool(
            self.q.strip() or self.date_from or self.date_to or self.categories or self.lang
        )

    def to_query(self, *, limit: int = PAGE_SIZE) -> SearchQuery:
        """Validated query for this page; raises ``ParamError`` naming the offending field."""
        if not 1 <= self.page <= MAX_WINDOW // limit:
            raise ParamError("page", f"page must be between 1 and {MAX_WINDOW // limit}", self.page)
        return build_query(
            q=self.q,
            date_from=self.date_from,
            date_to=self.date_to,
            categories=self.categories,
            lang=self.lang,
            sort=self.sort,
            limit=limit,
            offset=(self.page - 1) * limit,
        )

    def url_params(self, **changes: Any) -> str:
        """Query string for a link to this search with ``changes`` (page resets unless given)."""
        params = replace(self, page=changes.pop("page", 1), **changes)
        pairs: list[tuple[str, str]] = []
        for key, value in (
            ("q", params.q),
            ("from", params.date_from),
            ("to", params.date_to),
            *(("category", c) for c in params.categories),
            ("lang", params.lang),
            ("sort", "" if params.sort == "relevance" else params.sort),
            ("page", "" if params.page == 1 else str(params.page)),
        ):
            if value:
                pairs.append((key, value))
        return urlencode(pairs)

    def toggle_category(self, name: str) -> str:
        """Link that adds ``name`` to the category filter, or removes it when already there."""
        if name in self.categories:
            return self.url_params(categories=tuple(c for c in self.categories if c != name))
        return self.url_params(categories=(*self.categories, name))


def build_query(
    *,
    q: str = "",
    date_from: str | None = None,
    date_to: str | None = None,
    categories: tuple[str, ...] | list[str] = (),
    lang: str | None = None,
    sort: str = "relevance",
    limit: int = PAGE_SIZE,
    offset: int = 0,
) -> SearchQuery:
    """A validated ``SearchQuery`` from user strings; raises ``ParamError`` naming the field."""
    if sort not in SORTS:
        raise ParamError("sort", f"sort must be one of {', '.join(SORTS)}", sort)
    if lang and lang not in LANGS:
        raise ParamError("lang", "lang must be th or en", lang)
    if not 1 <= limit <= MAX_LIMIT:
        raise ParamError("limit", f"limit must be between 1 and {MAX_LIMIT}", limit)
    if not 0 <= offset <= MAX_WINDOW - limit:
        raise ParamError("offset", f"offset must be between 0 and {MAX_WINDOW - limit}", offset)
    bounds: dict[str, date | None] = {}
    for name, text in (("from", date_from), ("to", date_to)):
        try:
            bounds[name] = parse_date_filter(text or None, end=name == "to")
        except (DateFilterError, ValueError, OverflowError) as exc:
            raise ParamError(name, str(exc), text) from exc
    if bounds["from"] and bounds["to"] and bounds["from"] > bounds["to"]:
        raise ParamError("to", "the end date is before the start date", date_to)
    return SearchQuery(
        text=q,
        date_from=bounds["from"],
        date_to=bounds["to"],
        categories=tuple(c.strip() for c in categories if c and c.strip()),
        lang=lang or None,
        sort=sort,  # type: ignore[arg-type]
        limit=limit,
        offset=offset,
    )
