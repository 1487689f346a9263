"""Turn archive article dicts into ``IndexDoc``s (the one place that decides what is indexed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import Executor
from typing import Any

from pipelines.core.article import canonical_url
from pipelines.core.text_cleaning import clean_line, clean_optional, clean_paragraphs
from pipelines.core.text_rules import canonical_category
from search.backends.base import IndexDoc
from search.core.segment import index_texts, index_texts_many


def _display_fields(article: Mapping[str, Any]) -> dict[str, Any]:
    article_id = int(article["article_id"])
    published = article.get("published_date")
    return {
        "article_id": article_id,
        "title": clean_line(article.get("title")),
        "body": clean_paragraphs(article.get("body")),
        "url": article.get("url") or canonical_url(article_id),
        "published_date": str(published)[:10] if published else None,
        "category": canonical_category(article.get("category")) or None,
        "lang": clean_optional(article.get("lang")),
        "content_hash": article.get("content_hash"),
    }


def document_from_article(article: Mapping[str, Any]) -> IndexDoc:
    """One article dict (fields of pipelines.core.article, plus content_hash) as an IndexDoc."""
    fields = _display_fields(article)
    title, title_parts = index_texts(fields["title"])
    body, body_parts = index_texts(fields["body"])
    return IndexDoc(
        title_segmented=title,
        body_segmented=body,
        title_parts=title_parts,
        body_parts=body_parts,
        **fields,
    )


def documents_from_articles(
    articles: Iterable[Mapping[str, Any]], pool: Executor | None = None
) -> list[IndexDoc]:
    """Many articles at once, segmented on ``pool`` (see segment.segmenting_pool) if given."""
    fields = [_display_fields(a) for a in articles]
    texts = [f["title"] for f in fields] + [f["body"] for f in fields]
    segs = index_texts_many(texts, pool)
    n = len(fields)
    return [
        IndexDoc(
            title_segmented=segs[i][0],
            body_segmented=segs[n + i][0],
            title_parts=segs[i][1],
            body_parts=segs[n + i][1],
            **f,
        )
        for i, f in enumerate(fields)
    ]


#: Public: the embedding service builds its vectors from the same cleaned fields.
display_fields = _display_fields
