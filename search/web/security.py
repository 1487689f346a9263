"""Every response leaves with security headers; storage failures become 503, never 500.

One pure ASGI middleware (not Starlette's ``BaseHTTPMiddleware``, which buffers responses)
wraps the whole app:

- it adds the headers of :func:`security_headers` to every response (pages, API, static files,
  errors), keeping a ``Content-Security-Policy`` a route set itself (``/docs``);
- an exception that escapes a route before the response started is answered here: a storage
  failure (``search.services.failures``) as 503 with a clear page (HTML) or ``{"detail": ...}``
  (API), logged as one line; anything else as a 500 page with the same headers, then re-raised
  so the server logs the traceback (a bug must stay visible to the operator, never to the
  visitor).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from search.services.failures import StorageFailure, storage_failure

log = logging.getLogger("thaigov.web")

#: The pages use no script at all and one same-origin stylesheet; /docs adds only same-origin
#: scripts (Swagger UI from a Python package, its start-up in static/swagger-init.js).
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
#: Swagger UI's stylesheet draws its icons as data: SVG images; nothing else is relaxed.
DOCS_CONTENT_SECURITY_POLICY = CONTENT_SECURITY_POLICY.replace(
    "img-src 'self'", "img-src 'self' data:"
)

SECURITY_HEADERS: Mapping[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # Researchers' searches and article ids are nobody else's business, not even the
    # original site's when a link to it is followed.
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP level 2
    "Cross-Origin-Opener-Policy": "same-origin",
}

#: Shown to visitors (the operator's detail goes to the log only).
UNAVAILABLE = "ระบบค้นหาหรือคลังข่าวไม่พร้อมใช้งานชั่วคราว (search or archive unavailable)"
VISITOR_PROBLEMS = {
    "archive": "คลังข่าวไม่พร้อมใช้งาน (the archive database is unavailable)",
    "search index": "ดัชนีค้นหาไม่พร้อมใช้งาน (the search index is unreadable)",
    "search server": "ระบบค้นหาไม่พร้อมใช้งาน (the search server is unavailable)",
    "storage": UNAVAILABLE,
}
SERVER_ERROR = "เกิดข้อผิดพลาดภายในระบบ (internal error)"

#: ``render(request, template, context, status)``: the pages module's template renderer.
Renderer = Callable[[Request, str, dict[str, Any], int], Response]


def _is_api(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path.startswith("/api/") or path == "/openapi.json"


def _unwrap(exc: BaseException) -> BaseException:
    """The one exception inside (nested) exception groups, as anyio task groups raise them."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc


class GuardedResponses:
    """The ASGI middleware described in the module docstring."""

    def __init__(self, app: ASGIApp, render: Renderer) -> None:
        self.app = app
        self.render = render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception as raised:
            if started:
                raise
            exc = _unwrap(raised)
            failure = storage_failure(exc)
            if failure is not None:
                log.warning("503 %s: %s", scope.get("path"), failure.one_line())
                await self._unavailable(scope, failure)(scope, receive, send_with_headers)
                return
            await self._server_error(scope)(scope, receive, send_with_headers)
            raise

    def _unavailable(self, scope: Scope, failure: StorageFailure) -> Response:
        message = VISITOR_PROBLEMS[failure.component]
        headers = {"Retry-After": "30"}
        if _is_api(scope):
            return JSONResponse({"detail": message}, status_code=503, headers=headers)
        response = self.render(Request(scope), "unavailable.html", {"message": message}, 503)
        response.headers.update(headers)
        return response

    def _server_error(self, scope: Scope) -> Response:
        if _is_api(scope):
            return JSONResponse({"detail": SERVER_ERROR}, status_code=500)
        return self.render(Request(scope), "error.html", {"message": SERVER_ERROR}, 500)
