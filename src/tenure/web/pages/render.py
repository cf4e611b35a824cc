"""Rendering pages: one Jinja2 environment (autoescaped), filters for numbers, the common context."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tenure.web import auth

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).resolve().parent.parent / "templates"))
env = TEMPLATES.env


def _finite(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def money(v: Any, currency: str = "") -> str:
    f = _finite(v)
    if f is None:
        return "—"
    text = f"{abs(f):,.0f}" if abs(f) >= 1000 else f"{abs(f):,.2f}"
    return ("−" if f < 0 else "") + (f"{currency} " if currency else "") + text


def pct(v: Any, digits: int = 1) -> str:
    f = _finite(v)
    return "—" if f is None else f"{100 * f:.{digits}f}%"


def num(v: Any) -> str:
    f = _finite(v)
    if f is None:
        return "—"
    return f"{f:,.0f}" if f == int(f) else f"{f:,.2f}"


def date(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, dt.datetime | dt.date):
        return v.strftime("%Y-%m-%d")
    return str(v)[:10]


def kpi_value(tile: dict[str, Any], currency: str = "") -> str:
    fmt, v = tile["format"], tile["value"]
    if fmt == "money":
        return money(v, currency)
    if fmt == "pct":
        return pct(v)
    if fmt == "nps":
        return "—" if _finite(v) is None else f"{_finite(v):+.0f}"
    return num(v)


def kpi_change(tile: dict[str, Any]) -> str:
    f = _finite(tile.get("change"))
    if f is None:
        return ""
    if tile["format"] == "pct":
        return f"{'+' if f >= 0 else '−'}{abs(100 * f):.1f} pts"
    if tile["format"] == "nps":
        return f"{'+' if f >= 0 else '−'}{abs(f):.0f}"
    prev = _finite(tile.get("previous"))
    if prev:
        return f"{'+' if f >= 0 else '−'}{abs(f / prev) * 100:.1f}%"
    return f"{'+' if f >= 0 else '−'}{abs(f):,.0f}"


env.filters.update(money=money, pct=pct, num=num, date=date, kpi_value=kpi_value, kpi_change=kpi_change)


def query_url(path: str, params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    clean = {k: v for k, v in merged.items() if v not in (None, "")}
    return path + ("?" + urlencode(clean) if clean else "")


env.globals["query_url"] = query_url


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render ``template`` with the user, CSRF token, background status and ``context``."""
    user = getattr(request.state, "user", None)
    background = getattr(request.app.state, "background", None)
    base = {
        "request": request,
        "user": user if isinstance(user, auth.User) else None,
        "csrf_token": getattr(request.state, "csrf", ""),
        "csrf_field": auth.CSRF_FIELD,
        "status": background.status.as_dict() if background else None,
        "currency": request.app.state.store.settings.reporting_currency,
        "path": request.url.path,
    }
    base.update(context)
    return TEMPLATES.TemplateResponse(request, template, base, status_code=status_code)
