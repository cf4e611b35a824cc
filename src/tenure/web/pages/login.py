"""Signing in and out."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from tenure.web import auth
from tenure.web.deps import MaybeUser, StoreDep, csrf_protect
from tenure.web.pages.render import render

router = APIRouter(tags=["pages"], include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@router.get("/login")
def show_login(request: Request, user: MaybeUser, next: str | None = None) -> Response:
    if user is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return render(request, "login.html", next=_safe_next(next), error=None)


@router.post("/login", dependencies=[Depends(csrf_protect)])
def submit_login(
    request: Request,
    store: StoreDep,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    limiter: auth.RateLimiter = request.app.state.login_limiter
    client = request.client.host if request.client else "unknown"
    keys = (f"ip:{client}", f"email:{email.strip().lower()}")
    if limiter.blocked(*keys):
        wait = limiter.retry_after(*keys)
        response = render(
            request,
            "login.html",
            status_code=429,
            next=_safe_next(next),
            error=f"Too many failed sign-ins. Try again in {wait} seconds.",
        )
        response.headers["Retry-After"] = str(wait)
        return response
    user = auth.authenticate(store, email, password)
    if user is None:
        limiter.fail(*keys)
        return render(request, "login.html", status_code=401, next=_safe_next(next), error="Wrong email or password.")
    limiter.reset(f"email:{email.strip().lower()}")
    redirect = RedirectResponse(_safe_next(next), status_code=303)
    redirect.set_cookie(
        auth.SESSION_COOKIE,
        auth.start_session(store, user),
        max_age=auth.SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return redirect


@router.post("/logout", dependencies=[Depends(csrf_protect)])
def submit_logout(request: Request, store: StoreDep) -> Response:
    auth.end_session(store, request.cookies.get(auth.SESSION_COOKIE))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response
