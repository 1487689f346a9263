"""``create_app``: the FastAPI application (pages + JSON API) over an archive and a backend."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import OperationalError

from search.web import api, pages
from search.web.services import Services

if TYPE_CHECKING:
    from pipelines.archive.store import ArchiveStore
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
    files_dir: Path | None = None,
) -> FastAPI:
    """The web app; without arguments it opens the configured archive and search backend.

    What is handed in stays owned by the caller; what the app opens itself, it closes on
    shutdown.
    """
    services = Services(store, backend, files_dir=files_dir)

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
    )
    app.state.services = services
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(api.router)
    app.include_router(pages.router)
    app.add_exception_handler(ConnectionError, service_unavailable)
    app.add_exception_handler(OperationalError, service_unavailable)
    return app


UNAVAILABLE = "ระบบค้นหาหรือคลังข่าวไม่พร้อมใช้งานชั่วคราว (search or archive unavailable)"


async def service_unavailable(request: Request, exc: Exception) -> Response:
    """An unreachable Elasticsearch or database is the operator's problem, not a server bug:
    answer 503 (retry later), never a 500 with a traceback."""
    if request.url.path.startswith("/api/"):
        return JSONResponse({"detail": UNAVAILABLE}, status_code=503)
    return pages.templates.TemplateResponse(
        request, "unavailable.html", {"message": UNAVAILABLE}, status_code=503
    )
