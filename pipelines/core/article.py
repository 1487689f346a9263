"""The article record: the one typed item both producers emit and every consumer reads.

The spider (via :func:`pipelines.core.extract.extract_article`) and the corpus parser
(:func:`pipelines.core.corpus_format.parse_corpus_text`) build an :class:`Article`; the item
pipelines fill its date fields; the archive, the search index, exports and the web API read it.
Scrapy takes a dataclass as an item (through itemadapter), so this is also the Scrapy item.

Field names are written once, here: every field list below is derived from the dataclass and
the ``group`` each field declares in its metadata. Pure module (no Scrapy import).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Literal, get_args, get_origin, get_type_hints

Group = Literal["extracted", "dates", "transient"]


def _meta(group: Group, doc: str, *, hashed: bool = True) -> dict[str, Any]:
    """Field metadata: its group (which lists it joins), whether hashed, a description."""
    return {"group": group, "doc": doc, "hashed": hashed and group == "extracted"}


@dataclass(kw_only=True)
class Article:
    """One thaigov.go.th article. Fields in feed-export order; see each field's ``doc``."""

    # --- extracted: by the spider or the corpus parser ---
    article_id: int = field(
        metadata=_meta("extracted", "the site's id in /news/contents/details/<id>", hashed=False)
    )
    url: str = field(
        default="",
        metadata=_meta(
            "extracted", "https://www.thaigov.go.th/news/contents/details/<id>", hashed=False
        ),
    )
    title: str = field(default="", metadata=_meta("extracted", "cleaned, no site prefix"))
    category: str | None = field(
        default=None,
        metadata=_meta("extracted", "canonical (text_rules.canonical_category): facets, filters"),
    )
    category_original: str | None = field(
        default=None,
        metadata=_meta("extracted", "as the page or corpus file wrote it (whitespace folded)"),
    )
    lang: str | None = field(
        default=None, metadata=_meta("extracted", '"th" or "en" (text_rules.article_lang)')
    )
    published_date_text: str | None = field(
        default=None,
        metadata=_meta("extracted", 'long Thai date line, e.g. "วันศุกร์ที่ 13 ธันวาคม 2567"'),
    )
    published_date_numeric_text: str | None = field(
        default=None, metadata=_meta("extracted", 'numeric B.E. date line, e.g. "13/12/2567"')
    )
    body: str = field(default="", metadata=_meta("extracted", 'paragraphs joined by "\\n"'))
    hashtags: list[str] = field(
        default_factory=list,
        metadata=_meta("extracted", 'e.g. ["#ไทยคู่ฟ้า"], no trailing punctuation'),
    )
    images: list[str] = field(
        default_factory=list,
        metadata=_meta("extracted", "absolute image URLs (not in the corpus format)"),
    )
    attachments: list[str] = field(
        default_factory=list,
        metadata=_meta("extracted", "absolute document URLs (not in the corpus format)"),
    )
    fetched_at: str | None = field(
        default=None,
        metadata=_meta("extracted", 'UTC ISO 8601, "2026-11-24T05:40:00+00:00"', hashed=False),
    )
    source: str = field(
        default="crawl", metadata=_meta("extracted", '"crawl" or "corpus"', hashed=False)
    )
    # --- dates: added by the date pipeline ---
    published_date: str | None = field(
        default=None, metadata=_meta("dates", 'ISO "YYYY-MM-DD" or None')
    )
    date_mentions: list[str] = field(
        default_factory=list, metadata=_meta("dates", "sorted unique ISO dates in title and body")
    )
    date_warnings: list[str] = field(
        default_factory=list, metadata=_meta("dates", "human-readable date warnings")
    )
    # --- transient: carried on the item, never exported ---
    raw_html: str | None = field(
        default=None, metadata=_meta("transient", "fetched HTML, only with ARCHIVE_RAW_HTML=True")
    )

    def as_dict(self) -> dict[str, Any]:
        """Every field as a plain dict (lists copied)."""
        return asdict(self)


def _names(*groups: Group) -> tuple[str, ...]:
    return tuple(f.name for f in fields(Article) if f.metadata["group"] in groups)


#: Fields produced by extraction or the corpus parser, in export order.
EXTRACTED_FIELDS: tuple[str, ...] = _names("extracted")
#: Fields added by the date pipeline.
DATE_FIELDS: tuple[str, ...] = _names("dates")
#: Everything a feed export writes, in order (FEED_EXPORT_FIELDS).
EXPORT_FIELDS: tuple[str, ...] = _names("extracted", "dates")
#: Carried on the item only when ARCHIVE_RAW_HTML is on; never exported.
RAW_HTML_FIELD: str = _names("transient")[0]
ALL_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article))
#: What the archive's content hash covers: every extracted field except identity
#: (article_id, url) and circumstance (fetched_at, source), so a correction of any of them
#: reaches the archive as a new version.
HASHED_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Article) if f.metadata["hashed"])
_HINTS = get_type_hints(Article)
#: Fields holding a list of strings (JSON columns, list columns in exports).
LIST_FIELDS: tuple[str, ...] = tuple(n for n in EXPORT_FIELDS if get_origin(_HINTS[n]) is list)
#: Fields holding an integer.
INT_FIELDS: tuple[str, ...] = tuple(
    n for n in EXPORT_FIELDS if _HINTS[n] is int or int in get_args(_HINTS[n])
)

SITE_ORIGIN = "https://www.thaigov.go.th"
DETAIL_PATH = "/news/contents/details/{article_id}"


def canonical_url(article_id: int) -> str:
    """The URL researchers cite, independent of the base URL a crawl used."""
    return SITE_ORIGIN + DETAIL_PATH.format(article_id=article_id)
