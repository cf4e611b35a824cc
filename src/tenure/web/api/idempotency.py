"""``Idempotency-Key``: a retried request gets the first answer back and changes nothing.

The first request with a key records (API key, idempotency key, a hash of method, path and body)
before doing its work and stores its response when it succeeds. A retry with the same key and the
same request replays that response (with ``Idempotent-Replayed: true``); the same key with a
different request is refused (409, ``idempotency_key_reused``); a retry while the first is still
running gets 409 ``request_in_progress``. Failed requests store nothing, so fixing the payload and
retrying with a new key — or the same key and the same payload — works as expected.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import JSONResponse

from tenure.store import Store
from tenure.web.auth import ApiKey
from tenure.web.errors import ApiError
from tenure.web.tables import idempotency_keys

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


def request_hash(request: Request, payload: Any) -> str:
    body = json.dumps(payload, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.url.path}\n{body}".encode()).hexdigest()


def run_idempotent(
    request: Request,
    store: Store,
    key: ApiKey,
    payload: Any,
    work: Callable[[], tuple[int, dict[str, Any]]],
) -> JSONResponse:
    """Run ``work`` (returning status and JSON body) at most once per ``Idempotency-Key``."""
    idem = request.headers.get(HEADER)
    if idem is None:
        status, body = work()
        return JSONResponse(body, status_code=status)
    if not idem.strip() or len(idem) > MAX_KEY_LENGTH:
        raise ApiError(422, "invalid_input", f"Idempotency-Key: expected 1 to {MAX_KEY_LENGTH} characters", HEADER)
    digest = request_hash(request, payload)
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    where = sa.and_(idempotency_keys.c.key_id == key.key_id, idempotency_keys.c.idempotency_key == idem)
    try:
        with store.transaction() as conn:
            conn.execute(
                sa.insert(idempotency_keys).values(
                    key_id=key.key_id, idempotency_key=idem, request_hash=digest, created_at=now
                )
            )
    except sa.exc.IntegrityError:
        with store.engine.connect() as conn:
            row = conn.execute(
                sa.select(
                    idempotency_keys.c.request_hash,
                    idempotency_keys.c.status_code,
                    idempotency_keys.c.response_body,
                ).where(where)
            ).first()
        if row is None:  # the first request failed and released the key meanwhile
            return run_idempotent(request, store, key, payload, work)
        if row.request_hash != digest:
            raise ApiError(
                409,
                "idempotency_key_reused",
                f"Idempotency-Key {idem!r} was used for a different request; use a new key for new data",
                HEADER,
            ) from None
        if row.status_code is None:
            raise ApiError(
                409,
                "request_in_progress",
                f"a request with Idempotency-Key {idem!r} is still running; retry in a moment",
                HEADER,
                headers={"Retry-After": "1"},
            ) from None
        return JSONResponse(
            json.loads(row.response_body),
            status_code=row.status_code,
            headers={"Idempotent-Replayed": "true"},
        )
    try:
        status, body = work()
    except BaseException:
        with store.transaction() as conn:
            conn.execute(sa.delete(idempotency_keys).where(where))
        raise
    with store.transaction() as conn:
        conn.execute(
            sa.update(idempotency_keys).where(where).values(status_code=status, response_body=json.dumps(body))
        )
    return JSONResponse(body, status_code=status)
