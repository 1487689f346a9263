"""Scrapy item for one article; the field list lives in the Scrapy-free ``fields`` module."""

from __future__ import annotations

import scrapy

from pipelines.core.article import ALL_FIELDS

ArticleItem = type(
    "ArticleItem",
    (scrapy.Item,),
    {name: scrapy.Field() for name in ALL_FIELDS},
)
ArticleItem.__doc__ = "One thaigov.go.th article; pipelines.core.article explains each field."
