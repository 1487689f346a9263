"""``create_app``: the FastAPI application (pages + JSON API) over an archive and a backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles

from search.web import api, pages
from search.web.docs import add_docs
from search.web.security import GuardedResponses
from search.web.services import Services

if TYPE_CHECKING:
    from pipelines.archive.store import ArchiveStore
    from pipelines.core.settings import ThaigovSettings
    from search.backends.base import SearchBackend

STATIC_DIR = Path(__file__).parent / "static"

DESCRIPTION = """\
Read-only access to the archive of Thai government news (www.thaigov.go.th):
full-text search in Thai and English, matches per month, and every archived article with its
earlier versions. Dates accept C.E. or B.E. (`2024-01-31`, `2567`, `31/1/2567`, `1 ม.ค. 67`).
"""


def create_app(
    store: ArchiveStore | None = None,
    backend: SearchBackend | None = None,
    *,
    settings: ThaigovSettings | None = None,
) -> FastAPI:
    """The web app over ``store`` and ``backend``, or else the archive and index ``settings``
    (default: the environment) configure, opened read-only on first use.

    What is handed in stays owned by the caller; what the app opens itself, it closes on
    shutdown. ``thaigov serve`` calls ``app.state.services.open_all()`` first, so a missing
    archive or index stops it before it listens.
    """
    services = Services(store, backend, settings=settings)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        services.close()

    app = FastAPI(
        title="thaigov-archive",
        summary="คลังข่าวทำเนียบรัฐบาล: ค้นหา ไทม์ไลน์ และบทความ (Thai government news archive)",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by search.web.docs: offline, no inline script
        redoc_url=None,
    )
    app.state.services = services
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    add_docs(app)
    # Security headers on every response; storage failures (search.services.failures) answer
    # 503 with a clear page or JSON, never a 500 with a traceback.
    app.add_middleware(GuardedResponses, render=render_page)
    return app


def render_page(
    request: Request, template: str, context: dict[str, Any], status_code: int
) -> Response:
    return pages.templates.TemplateResponse(request, template, context, status_code=status_code)
