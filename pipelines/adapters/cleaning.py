"""Item pipeline: normalise text fields of every article, whatever produced it."""

from __future__ import annotations

from itemadapter import ItemAdapter

from pipelines.core.text_cleaning import clean_line, clean_optional, clean_paragraphs

_LINE_FIELDS = ("title",)
_OPTIONAL_FIELDS = ("category", "published_date_text", "published_date_numeric_text")


class TextCleaningPipeline:
    """Thin adapter over core/text_cleaning.py; idempotent, so re-cleaning is harmless."""

    def process_item(self, item, spider=None):
        adapter = ItemAdapter(item)
        for name in _LINE_FIELDS:
            if name in adapter:
                adapter[name] = clean_line(adapter.get(name))
        for name in _OPTIONAL_FIELDS:
            if name in adapter:
                adapter[name] = clean_optional(adapter.get(name))
        if "body" in adapter:
            adapter["body"] = clean_paragraphs(adapter.get("body"))
        if adapter.get("hashtags"):
            adapter["hashtags"] = list(dict.fromkeys(clean_line(h) for h in adapter["hashtags"]))
        return item
