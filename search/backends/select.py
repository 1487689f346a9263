"""Which search backend to use: Elasticsearch when configured, else the embedded SQLite index."""

from __future__ import annotations

from pipelines.core.settings import ThaigovSettings
from search.backends.base import IndexMissing, SearchBackend
from search.backends.embedded import EmbeddedBackend


def open_backend(settings: ThaigovSettings, *, create: bool) -> SearchBackend:
    """The configured backend (see docs/search.md).

    ``create=True`` for writing commands (crawl, import, reindex), which build the index when it
    is missing. ``create=False`` for readers (search, export, serve): a missing index raises
    :class:`IndexMissing` naming where it was looked for, and nothing is created.
    """
    backend: SearchBackend
    if settings.backend_name == "elasticsearch":
        from search.backends.elastic import ElasticsearchBackend  # client imported only if used

        backend = ElasticsearchBackend.from_settings(settings)
    else:
        backend = EmbeddedBackend(settings.search_path, create=create)
    if not create:
        try:
            present = backend.exists()
        except BaseException:
            backend.close()
            raise
        if not present:
            backend.close()
            raise IndexMissing(
                f"no search index at {backend.location}: build it with `thaigov reindex --all`"
                + (
                    " (or set THAIGOV_SEARCH_PATH or THAIGOV_DATA_DIR)"
                    if backend.name == "embedded"
                    else ""
                )
            )
    return backend
