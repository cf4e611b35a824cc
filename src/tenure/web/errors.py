"""The one JSON error envelope of the API, and the handlers that produce it.

Every error the API returns has this shape (a test pins it)::

    {"error": {"code": "invalid_input", "message": "...", "field": "events[0].customer_id"}}

``field`` is ``null`` when no single field is to blame. When several values are wrong the first
is named in ``field`` and all are listed in ``details`` (each ``{"field", "message"}``).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tenure.errors import AuthError, ImportValidationError, NotFoundError, TenureError

log = logging.getLogger("tenure.web")

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


class ApiError(Exception):
    """An error to answer with the JSON envelope.

    Examples
    --------
    >>> raise ApiError(404, "not_found", "no customer 'c9'", field="customer_id")  # doctest: +SKIP
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        field: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        self.details = details
        self.headers = headers


class LoginRequired(Exception):
    """A page needs a signed-in user: the handler redirects to the login page."""


class PageError(Exception):
    """An error on an HTML page: rendered as a small error page with the status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def envelope(code: str, message: str, field: str | None = None, details: list | None = None) -> dict:
    """The error body."""
    error: dict[str, Any] = {"code": code, "message": message, "field": field}
    if details:
        error["details"] = details
    return {"error": error}


def error_response(exc: ApiError) -> JSONResponse:
    return JSONResponse(
        envelope(exc.code, exc.message, exc.field, exc.details), status_code=exc.status, headers=exc.headers
    )


def field_path(loc: tuple | list) -> str | None:
    """``("body", "events", 0, "customer_id")`` → ``"events[0].customer_id"``."""
    parts = [p for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    text = ""
    for p in parts:
        if isinstance(p, int):
            text += f"[{p}]"
        else:
            text += f".{p}" if text else str(p)
    if not text and len(loc) > 1:
        text = str(loc[-1])
    return text or None


def _validation_message(err: dict) -> str:
    msg = str(err.get("msg", "invalid value"))
    typ = err.get("type", "")
    if typ == "missing":
        return "a value is required"
    if typ == "json_invalid":
        return "the body is not valid JSON: " + str(err.get("ctx", {}).get("error", msg))
    return msg


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into the envelope (API) or an error page."""

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        details = []
        for err in exc.errors():
            loc = tuple(err.get("loc", ()))
            details.append({"field": field_path(loc), "message": _validation_message(err)})
        first = details[0] if details else {"field": None, "message": "invalid request"}
        where = f"{first['field']}: " if first["field"] else ""
        message = f"{where}{first['message']}"
        if len(details) > 1:
            message += f" (and {len(details) - 1} more problem{'s' if len(details) > 2 else ''})"
        if not _is_api(request):
            return HTMLResponse(f"<p>Invalid request: {_escape(message)}</p>", status_code=422)
        return JSONResponse(envelope("invalid_input", message, first["field"], details), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
        if not _is_api(request):
            return HTMLResponse(
                f"<!doctype html><title>{exc.status_code}</title><p>{_escape(message)}</p>"
                '<p><a href="/">Back to the overview</a></p>',
                status_code=exc.status_code,
                headers=getattr(exc, "headers", None),
            )
        return JSONResponse(envelope(code, message), status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("HX-Request"):
            return Response(status_code=401, headers={"HX-Redirect": "/login"})
        from urllib.parse import quote

        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(PageError)
    async def _page(request: Request, exc: PageError) -> Response:
        return HTMLResponse(
            f"<!doctype html><title>{exc.status}</title><p>{_escape(exc.message)}</p>"
            '<p><a href="/">Back to the overview</a></p>',
            status_code=exc.status,
        )

    @app.exception_handler(TenureError)
    async def _tenure(request: Request, exc: TenureError) -> Response:
        status = 500
        if isinstance(exc, ImportValidationError | ValueError):
            status = 422
        if isinstance(exc, AuthError):
            status = 403
        if isinstance(exc, NotFoundError):
            status = 404
        if status == 500:
            log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        return JSONResponse(envelope(exc.code, str(exc)), status_code=status)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path, exc_info=exc)
        return JSONResponse(
            envelope("server_error", "the server failed to answer; the error was logged"), status_code=500
        )


def _escape(text: str) -> str:
    import html

    return html.escape(text)
