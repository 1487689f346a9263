"""The article record every producer emits (spider, corpus importer) and every consumer reads.

Pure module (no Scrapy import) so pipelines, the archive and search can share the field names.
"""

from __future__ import annotations

#: Fields produced by extraction (spider) or the corpus parser, in export order.
EXTRACTED_FIELDS: tuple[str, ...] = (
    "article_id",  # int, the site's id in /news/contents/details/<id>
    "url",  # canonical https://www.thaigov.go.th/news/contents/details/<id>
    "title",
    "category",  # whitespace-normalised, or None
    "lang",  # "th" or "en"
    "published_date_text",  # raw long Thai date line, e.g. "วันศุกร์ที่ 13 ธันวาคม 2567"
    "published_date_numeric_text",  # raw "13/12/2567" line or None
    "body",  # paragraphs separated by "\n"
    "hashtags",  # list[str], e.g. ["#ไทยคู่ฟ้า"]
    "images",  # list[str] absolute URLs
    "attachments",  # list[str] absolute URLs
    "fetched_at",  # UTC ISO 8601, e.g. "2026-11-24T05:40:00+00:00"
    "source",  # "crawl" or "corpus"
)

#: Fields added by the date pipeline.
DATE_FIELDS: tuple[str, ...] = (
    "published_date",  # ISO "YYYY-MM-DD" or None
    "date_mentions",  # sorted unique ISO dates mentioned in title and body
    "date_warnings",  # list[str] human-readable warnings
)

#: Everything a feed export writes, in order.
EXPORT_FIELDS: tuple[str, ...] = EXTRACTED_FIELDS + DATE_FIELDS

#: Carried on the item only when ARCHIVE_RAW_HTML is on; never exported.
RAW_HTML_FIELD = "raw_html"

ALL_FIELDS: tuple[str, ...] = (*EXPORT_FIELDS, RAW_HTML_FIELD)

SITE_ORIGIN = "https://www.thaigov.go.th"
DETAIL_PATH = "/news/contents/details/{article_id}"


def canonical_url(article_id: int) -> str:
    """The URL researchers cite, independent of the base URL a crawl used."""
    return SITE_ORIGIN + DETAIL_PATH.format(article_id=article_id)
