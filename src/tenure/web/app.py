"""The FastAPI application: pages under ``/``, the REST API under ``/api/v1``, static files.

Examples
--------
>>> from tenure.web import create_app                      # doctest: +SKIP
>>> app = create_app(tenure.connect("sqlite:///tenure.db"))  # doctest: +SKIP
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles

import tenure
from tenure.store import Store
from tenure.web import auth, errors
from tenure.web.api import router as api_router
from tenure.web.jobs import Background

HERE = Path(__file__).parent
log = logging.getLogger("tenure.web")

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)

DESCRIPTION = """Tenure's REST API.

Authenticate with an API key (`tenure apikeys create --scopes ingest,read`) sent as
`Authorization: Bearer KEY`. Read endpoints need the `read` scope, ingestion endpoints the `ingest`
scope. Ingestion endpoints take batches of up to 10,000 rows, are validated with the importer's rules
(all or nothing) and honour an `Idempotency-Key` header. Every error has one shape:
`{"error": {"code": ..., "message": ..., "field": ...}}`.
"""


def create_app(store: Store, background: bool = True, demo: bool = False) -> FastAPI:
    """The web app and API over ``store``.

    Parameters
    ----------
    store
        The store to serve.
    background
        Start the background work (directory, metrics cache, cohorts, scores) at once.
    demo
        When the store is empty, generate and import the demo business first (in the background).
    """
    app = FastAPI(
        title="Tenure",
        version=tenure.__version__,
        description=DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url="/api/v1/docs",
        redoc_url=None,
    )
    app.state.store = store
    app.state.background = Background(store)
    app.state.login_limiter = auth.RateLimiter(limit=5, window=300)
    errors.install(app)

    @app.get("/openapi.json", include_in_schema=False)
    def get_openapi() -> JSONResponse:
        return JSONResponse(app.openapi())

    @app.middleware("http")
    async def security(request: Request, call_next: Any) -> Any:
        token = request.cookies.get(auth.CSRF_COOKIE)
        if not token:
            token = auth.new_csrf_token()
            request.state.new_csrf = token
        request.state.csrf = token
        response = await call_next(request)
        if getattr(request.state, "new_csrf", None):
            response.set_cookie(
                auth.CSRF_COOKIE,
                token,
                httponly=True,
                samesite="strict",
                secure=request.url.scheme == "https",
            )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if not request.url.path.startswith("/api/v1/docs"):
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.include_router(api_router)
    from tenure.web.pages import routers as page_routers

    for router in page_routers:
        app.include_router(router)
    if background:
        app.state.background.setup(demo=demo)
    return app
