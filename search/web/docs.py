"""``/docs``: Swagger UI served from this server, so it works offline and under a strict CSP.

FastAPI's own ``/docs`` loads Swagger UI from a CDN and starts it with an inline script. Here
the Swagger UI files come from the ``fastapi-offline`` package (which ships the current
swagger-ui-dist build) and start-up is ``static/swagger-init.js``, so the page needs nothing
but same-origin scripts (``DOCS_CONTENT_SECURITY_POLICY``).
"""

from __future__ import annotations

import importlib.util
import logging
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from search.web.pages import templates
from search.web.security import DOCS_CONTENT_SECURITY_POLICY

log = logging.getLogger("thaigov.web")

DOCS_ASSETS_PACKAGE = "fastapi_offline"
DOCS_ASSETS_MOUNT = "docs-assets"
MISSING = (
    "API docs unavailable: the Swagger UI files are not installed "
    "(pip install fastapi-offline); the schema is at /openapi.json"
)


def swagger_assets_dir() -> Path | None:
    """Where the installed Swagger UI files are, or None when the package is missing."""
    spec = importlib.util.find_spec(DOCS_ASSETS_PACKAGE)
    if spec is None or spec.origin is None:
        return None
    directory = Path(spec.origin).parent / "static"
    return directory if (directory / "swagger-ui-bundle.js").is_file() else None


def add_docs(app: FastAPI) -> None:
    """Mount the Swagger UI files and add ``GET /docs`` (the app is built with docs_url=None)."""
    assets = swagger_assets_dir()
    if assets is None:
        log.warning(MISSING)
    else:
        app.mount(f"/{DOCS_ASSETS_MOUNT}", StaticFiles(directory=assets), name=DOCS_ASSETS_MOUNT)

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def swagger_ui(request: Request) -> HTMLResponse:
        if assets is None:
            return HTMLResponse(MISSING, status_code=503)
        response = templates.TemplateResponse(request, "docs.html", {"title": f"{app.title} API"})
        response.headers["Content-Security-Policy"] = DOCS_CONTENT_SECURITY_POLICY
        return response
