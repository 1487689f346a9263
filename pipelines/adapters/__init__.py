"""Crawl layer: Scrapy item pipelines, thin adapters over the core and storage layers.

Each pipeline turns items into calls of pure functions (``pipelines.core``) or stores
(``pipelines.archive``, ``search.services``) and records what happened in the crawl's stats.
"""
