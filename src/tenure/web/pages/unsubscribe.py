"""The unsubscribe link of every email (``{base_url}/unsubscribe/{token}``): no login needed.

The link is signed (:func:`tenure.actions.messaging.unsubscribe`); following it puts the address on
the suppression list. ``POST`` is the one-click unsubscribe mail clients send for the
``List-Unsubscribe-Post`` header (RFC 8058).
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Path
from fastapi.responses import HTMLResponse

from tenure.actions.messaging import unsubscribe
from tenure.errors import AuthError
from tenure.web.deps import StoreDep

router = APIRouter(tags=["pages"], include_in_schema=False)

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>
<link rel="stylesheet" href="/static/app.css"></head><body><main class="narrow"><h1>{title}</h1><p>{text}</p>
</main></body></html>"""


@router.api_route("/unsubscribe/{token}", methods=["GET", "POST"])
def unsubscribe_address(store: StoreDep, token: Annotated[str, Path(max_length=2000)]) -> HTMLResponse:
    try:
        address = unsubscribe(store, token)
    except AuthError as exc:
        body = PAGE.format(title="This link does not work", text=html.escape(str(exc)))
        return HTMLResponse(body, status_code=400)
    text = f"{html.escape(address)} will get no more emails from us."
    return HTMLResponse(PAGE.format(title="You are unsubscribed", text=text))
