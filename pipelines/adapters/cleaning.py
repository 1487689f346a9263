"""Item pipeline: normalise text fields of every article, whatever produced it."""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter

from pipelines.core.text_cleaning import clean_line, clean_optional, clean_paragraphs
from pipelines.core.text_rules import category_fields

_LINE_FIELDS = ("title",)
_OPTIONAL_FIELDS = ("published_date_text", "published_date_numeric_text")


class TextCleaningPipeline:
    """Thin adapter over core/text_cleaning.py and text_rules.py; idempotent, so re-cleaning
    is harmless. The producers already apply these rules; this keeps items from elsewhere
    (tests, other spiders) to the same forms."""

    def process_item(self, item: Any, spider: Any = None) -> Any:
        adapter = ItemAdapter(item)
        for name in _LINE_FIELDS:
            if name in adapter:
                adapter[name] = clean_line(adapter.get(name))
        for name in _OPTIONAL_FIELDS:
            if name in adapter:
                adapter[name] = clean_optional(adapter.get(name))
        if "category" in adapter:
            adapter["category"], adapter["category_original"] = category_fields(
                adapter.get("category"), adapter.get("category_original")
            )
        if "body" in adapter:
            adapter["body"] = clean_paragraphs(adapter.get("body"))
        if adapter.get("hashtags"):
            adapter["hashtags"] = list(dict.fromkeys(clean_line(h) for h in adapter["hashtags"]))
        return item
