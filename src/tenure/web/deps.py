"""Request dependencies as ``Annotated`` aliases, so handler signatures read as prose.

``store: StoreDep``, ``key: ReadKey`` (an API key with the ``read`` scope), ``key: IngestKey``,
``user: CurrentUser`` (a signed-in user, else a redirect to the login page), ``user: Writer`` (a user
who may change things: admin or analyst), ``user: Admin``.
"""

from __future__ import annotations

import base64
from typing import Annotated

from fastapi import Depends, Request

from tenure.errors import AuthError
from tenure.store import Store
from tenure.web import auth
from tenure.web.errors import ApiError, LoginRequired, PageError


def get_store(request: Request) -> Store:
    return request.app.state.store


StoreDep = Annotated[Store, Depends(get_store)]


def bearer_key(request: Request) -> str | None:
    """The API key of a request: ``Authorization: Bearer KEY``, or Segment's ``Basic base64(KEY:)``."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return decoded.split(":", 1)[0] or None
    return request.headers.get("x-api-key") or None


def _require(scope: str):  # type: ignore[no-untyped-def]
    def dependency(request: Request, store: StoreDep) -> auth.ApiKey:
        try:
            return auth.check_api_key(store, bearer_key(request), scope)
        except AuthError as exc:
            status = getattr(exc, "status", 401)
            headers = {"WWW-Authenticate": 'Bearer realm="tenure"'} if status == 401 else None
            raise ApiError(
                status,
                "unauthorized" if status == 401 else "forbidden",
                str(exc),
                "Authorization",
                None,
                headers,
            ) from None

    return dependency


ReadKey = Annotated[auth.ApiKey, Depends(_require("read"))]
IngestKey = Annotated[auth.ApiKey, Depends(_require("ingest"))]


def optional_user(request: Request, store: StoreDep) -> auth.User | None:
    if hasattr(request.state, "user"):
        cached: auth.User | None = request.state.user
        return cached
    user = auth.session_user(store, request.cookies.get(auth.SESSION_COOKIE))
    request.state.user = user
    return user


MaybeUser = Annotated[auth.User | None, Depends(optional_user)]


def current_user(user: MaybeUser) -> auth.User:
    if user is None:
        raise LoginRequired()
    return user


CurrentUser = Annotated[auth.User, Depends(current_user)]


def writer(user: CurrentUser) -> auth.User:
    if not user.can_write:
        raise PageError(403, f"Your role ({user.role}) can read but not change anything; ask an admin.")
    return user


Writer = Annotated[auth.User, Depends(writer)]


def admin(user: CurrentUser) -> auth.User:
    if not user.is_admin:
        raise PageError(403, "Only admins can manage users and API keys.")
    return user


Admin = Annotated[auth.User, Depends(admin)]


async def csrf_protect(request: Request) -> None:
    """Refuse a state-changing request whose CSRF token does not match the cookie."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    submitted = request.headers.get(auth.CSRF_HEADER)
    if not submitted:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(auth.CSRF_FIELD)
            submitted = value if isinstance(value, str) else None
    if not auth.csrf_ok(request.cookies.get(auth.CSRF_COOKIE), submitted):
        raise PageError(403, "The form expired or came from another site (CSRF check failed); reload and retry.")


CsrfChecked = Depends(csrf_protect)
