"""The search page's URL state: the raw parameters, and links that keep or change them.

Validation is not done here: ``to_query`` hands the raw strings to ``SearchQuery.build`` (the
one query builder, shared with the API and the command line), so the page refuses exactly what
the API and ``thaigov search`` refuse, with the same message.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams

from search.core.query import Mode, SearchQuery

#: Hits per page on the search page (the API takes ``limit`` instead).
PAGE_SIZE = 20


@dataclass(frozen=True)
class SearchParams:
    """The raw strings of a search URL (``?q=&from=&to=&category=&lang=&sort=&page=``)."""

    q: str = ""
    date_from: str = ""
    date_to: str = ""
    categories: tuple[str, ...] = ()
    lang: str = ""
    sort: str = ""
    page: str = ""
    mode: str = ""

    @classmethod
    def from_args(cls, args: QueryParams) -> SearchParams:
        """As the browser sent them; never raises (``to_query`` validates)."""
        return cls(
            q=args.get("q", ""),
            date_from=args.get("from", ""),
            date_to=args.get("to", ""),
            categories=tuple(args.getlist("category")),
            lang=args.get("lang", ""),
            sort=args.get("sort", ""),
            page=args.get("page", ""),
            mode=args.get("mode", ""),
        )

    @property
    def has_search(self) -> bool:
        """Words or any filter: filters alone browse the archive (newest first) with a timeline."""
        return bool(
            self.q.strip()
            or self.date_from.strip()
            or self.date_to.strip()
            or any(c.strip() for c in self.categories)
            or self.lang.strip()
        )

    def to_query(self, default_mode: Mode = "keyword") -> SearchQuery:
        """The validated query for this page; raises ``QueryError`` naming the parameter.
        ``default_mode``: hybrid once embeddings exist (the page's choice)."""
        return SearchQuery.build(
            self.q,
            date_from=self.date_from,
            date_to=self.date_to,
            categories=self.categories,
            lang=self.lang,
            sort=self.sort,
            limit=PAGE_SIZE,
            page=self.page,
            mode=self.mode,
            default_mode=default_mode,
        )

    def resolved(self, query: SearchQuery) -> SearchParams:
        """These parameters as ``query`` understood them (canonical categories, page number),
        for the links of a page that showed ``query``."""
        return replace(
            self,
            categories=query.categories,
            lang=query.lang or "",
            sort=query.sort,
            mode=query.mode,
            page=str(query.offset // query.limit + 1),
        )

    @property
    def page_number(self) -> int:
        """The page as a number (1 when absent or not a number; ``to_query`` refuses those)."""
        return int(self.page) if self.page.isascii() and self.page.isdigit() else 1

    def url_params(self, **changes: Any) -> str:
        """Query string for a link to this search with ``changes`` (page resets unless given)."""
        params = replace(self, page=str(changes.pop("page", 1)), **changes)
        pairs: list[tuple[str, str]] = []
        for key, value in (
            ("q", params.q),
            ("from", params.date_from),
            ("to", params.date_to),
            *(("category", c) for c in params.categories),
            ("lang", params.lang),
            ("sort", "" if params.sort == "relevance" else params.sort),
            ("mode", params.mode),
            ("page", "" if params.page == "1" else params.page),
        ):
            if value:
                pairs.append((key, value))
        return urlencode(pairs)

    def toggle_category(self, name: str) -> str:
        """Link that adds ``name`` to the category filter, or removes it when already there."""
        if name in self.categories:
            return self.url_params(categories=tuple(c for c in self.categories if c != name))
        return self.url_params(categories=(*self.categories, name))
