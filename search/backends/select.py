"""Which search backend to use: Elasticsearch when configured, else the embedded SQLite index."""

from __future__ import annotations

import os
from collections.abc import Mapping

from search.backends.base import SearchBackend
from search.backends.embedded import EmbeddedBackend, search_path


def backend_name(env: Mapping[str, str] = os.environ) -> str:
    """``elasticsearch`` when ``THAIGOV_ELASTICSEARCH_URL`` is set, else ``embedded``."""
    return "elasticsearch" if env.get("THAIGOV_ELASTICSEARCH_URL") else "embedded"


def open_backend(env: Mapping[str, str] = os.environ) -> SearchBackend:
    """The configured backend (connection settings come from ``env``; see docs/search.md)."""
    if backend_name(env) == "elasticsearch":
        from search.backends.elastic import ElasticsearchBackend  # client imported only if used

        return ElasticsearchBackend.from_env(env)
    return EmbeddedBackend(search_path(env))
