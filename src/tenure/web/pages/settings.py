"""Definitions and settings (everyone), users and API keys (admins only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from tenure.errors import ConfigurationError
from tenure.settings import Settings
from tenure.web import auth, figures
from tenure.web.deps import Admin, CurrentUser, StoreDep, csrf_protect
from tenure.web.pages.render import render
from tenure.web.tables import ROLES, SCOPES

router = APIRouter(tags=["pages"], include_in_schema=False)

DEFINITIONS = [
    ("Active customer", "Some subscription row has start_date ≤ t < end_date (or no end_date)."),
    ("MRR", "Sum of mrr over the rows active at t, in the reporting currency."),
    ("CRR", "(E − N) / S: customers at the end minus new ones, over customers at the start."),
    ("Churn rate", "lost / S = 1 − retention rate (|S ∩ E| / S)."),
    ("NRR", "MRR at the end from customers active at the start, over their MRR at the start."),
    ("GRR", "(MRR(a) − contraction − churn) / MRR(a), capped at 1."),
    ("ARPA", "MRR at the end / customers at the end."),
    ("LTV", "ARPA × gross margin / monthly churn rate."),
    ("NPS", "% promoters (9–10) − % detractors (0–6) of NPS answers in the period."),
    (
        "MRR movements",
        "new, reactivation, expansion, contraction, churn; MRR(b) = MRR(a) + new + "
        "reactivation + expansion − contraction − churn.",
    ),
    (
        "Cohort table",
        "Customers grouped by first-activation month; share still active (and MRR retained) "
        "at the end of each later month.",
    ),
]


@router.get("/settings")
def show_settings(request: Request, store: StoreDep, user: CurrentUser) -> Response:
    settings = store.settings
    options = [
        (name, getattr(settings, name), field.description or "")
        for name, field in Settings.model_fields.items()
        if name not in ("secret_key", "database_url", "smtp_url")
    ]
    return render(
        request,
        "settings.html",
        definitions=DEFINITIONS,
        options=options,
        benchmarks=figures.BENCHMARKS,
        goal=figures.GOAL,
    )


@router.get("/admin")
def show_admin(request: Request, store: StoreDep, user: Admin, new_key: str | None = None) -> Response:
    return render(
        request,
        "admin.html",
        users=auth.list_users(store),
        keys=auth.list_api_keys(store),
        roles=ROLES,
        scopes=SCOPES,
        new_key=None,
        error=None,
    )


@router.post("/admin/users", dependencies=[Depends(csrf_protect)])
def create_user(
    request: Request,
    store: StoreDep,
    user: Admin,
    email: Annotated[str, Form(max_length=320)],
    password: Annotated[str, Form(max_length=1000)],
    role: Annotated[str, Form(max_length=20)],
) -> Response:
    try:
        auth.create_user(store, email, password, role)
    except ConfigurationError as exc:
        return render(
            request,
            "admin.html",
            status_code=422,
            users=auth.list_users(store),
            keys=auth.list_api_keys(store),
            roles=ROLES,
            scopes=SCOPES,
            new_key=None,
            error=str(exc),
        )
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/users/{user_id}/disable", dependencies=[Depends(csrf_protect)])
def disable_user(request: Request, store: StoreDep, user: Admin, user_id: int) -> Response:
    if user_id != user.user_id:
        auth.disable_user(store, user_id)
    return RedirectResponse("/admin", status_code=303)


@router.post("/admin/keys", dependencies=[Depends(csrf_protect)])
def create_key(
    request: Request,
    store: StoreDep,
    user: Admin,
    name: Annotated[str, Form(max_length=200)] = "",
    scope_ingest: Annotated[str, Form(max_length=10)] = "",
    scope_read: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    scopes = [s for s, on in (("ingest", scope_ingest), ("read", scope_read)) if on]
    error, key = None, None
    try:
        key = auth.create_api_key(store, scopes, name=name or None, created_by=user.email)
    except ConfigurationError as exc:
        error = str(exc)
    response = render(
        request,
        "admin.html",
        status_code=200 if key else 422,
        users=auth.list_users(store),
        keys=auth.list_api_keys(store),
        roles=ROLES,
        scopes=SCOPES,
        new_key=key,
        error=error,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/admin/keys/{key_id}/revoke", dependencies=[Depends(csrf_protect)])
def revoke_key(request: Request, store: StoreDep, user: Admin, key_id: int) -> Response:
    auth.revoke_api_key(store, key_id)
    return RedirectResponse("/admin", status_code=303)
