"""Core layer: the article record, text rules, Thai dates, extraction, corpus format, settings.

Pure functions and plain data only: no Scrapy, no database, no network. Everything above may
import this layer; it imports nothing from the project outside ``pipelines.core``/``search.core``.
"""
