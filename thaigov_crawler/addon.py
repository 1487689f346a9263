"""The crawl's :class:`~pipelines.core.settings.ThaigovSettings`, built once from Scrapy settings.

``ThaigovAddon`` (a Scrapy add-on, listed in ``ADDONS``) runs when a crawler applies its
settings, after ``-s`` and the spider's own settings are merged and before any component is
built. It builds the settings object from ``crawler.settings`` (so ``-s THAIGOV_NAME=value``
beats the environment), keeps it on the crawler, and derives the two Scrapy settings that come
from it: ``USER_AGENT`` and ``LOG_LEVEL`` (the latter before the crawler process configures
logging), at add-on priority so a plain ``-s USER_AGENT=...`` or ``-s LOG_LEVEL=...`` still
wins. Secrets given with ``-s`` (Elasticsearch password or API key, a password inside a URL)
are masked in Scrapy's own copy of the settings once the object holds them, so Scrapy's
"Overridden settings" log line never shows them. Components call :func:`thaigov_settings`,
which also works for crawlers built without the project settings (tests): it then builds the
object on first use.
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import BaseSettings

from pipelines.core.settings import SettingsError, ThaigovSettings

_ATTRIBUTE = "thaigov_settings"
#: Values that may carry a credential (masked by ``ThaigovSettings.public``).
SECRET_SETTINGS = (
    "THAIGOV_ARCHIVE_URL",
    "THAIGOV_ELASTICSEARCH_URL",
    "THAIGOV_ELASTICSEARCH_PASSWORD",
    "THAIGOV_ELASTICSEARCH_API_KEY",
)


def thaigov_settings(crawler: Any) -> ThaigovSettings:
    """This crawl's settings object (built from ``crawler.settings`` once, then shared)."""
    config = getattr(crawler, _ATTRIBUTE, None)
    if config is None:
        config = ThaigovSettings.from_scrapy(crawler.settings)
        setattr(crawler, _ATTRIBUTE, config)
    return config


class ThaigovAddon:
    """Builds the settings object and sets ``USER_AGENT``/``LOG_LEVEL`` from it."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> ThaigovAddon:
        return cls(crawler)

    @classmethod
    def update_pre_crawler_settings(cls, settings: BaseSettings) -> None:
        """``LOG_LEVEL`` from ``THAIGOV_LOG_LEVEL``, before the process configures logging."""
        try:
            config = ThaigovSettings.from_scrapy(settings)
        except SettingsError:
            return  # reported with one line by the crawl command (or when the crawler starts)
        settings.set("LOG_LEVEL", config.log_level.upper(), priority="addon")

    def update_settings(self, settings: BaseSettings) -> None:
        config = ThaigovSettings.from_scrapy(settings)
        setattr(self.crawler, _ATTRIBUTE, config)
        settings.set("USER_AGENT", config.user_agent, priority="addon")
        settings.set("LOG_LEVEL", config.log_level.upper(), priority="addon")
        masked = config.public()
        for name in SECRET_SETTINGS:
            if settings.get(name) and settings[name] != masked[name]:
                settings.set(name, masked[name], priority=settings.getpriority(name) or 0)
