"""Shared body of the ingestion endpoints: validate and load one batch, idempotently."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from tenure.errors import ImportValidationError
from tenure.ingest.batch import load_records
from tenure.store import Store
from tenure.web.api.idempotency import run_idempotent
from tenure.web.auth import ApiKey
from tenure.web.errors import ApiError

REFRESHING_TABLES = {"customers", "subscriptions", "invoices", "payments", "tickets", "responses"}
"""Tables whose new rows change the directory, the metrics or the scores (events only feed models)."""


def problem_field(key: str, problem: Any, offset: int = 0) -> str:
    """``events`` and a problem on row 1, column customer_id → ``events[0].customer_id``."""
    field = f"{key}[{problem.row - 1 + offset}]"
    return f"{field}.{problem.column}" if problem.column else field


def validation_error(key: str, exc: ImportValidationError, index_map: list[int] | None = None) -> ApiError:
    problems = exc.problems
    if not problems:
        return ApiError(422, "invalid_input", str(exc), key)

    def field_of(p: Any) -> str:
        if index_map is not None and 0 < p.row <= len(index_map):
            base = f"{key}[{index_map[p.row - 1]}]"
            return f"{base}.{p.column}" if p.column else base
        return problem_field(key, p)

    details = []
    for p in problems:
        got = "nothing" if p.value is None else repr(p.value)
        details.append({"field": field_of(p), "message": f"expected {p.expected}, got {got}"})
    first = details[0]
    message = f"{first['field']}: {first['message']}"
    if len(details) > 1:
        message += f" (and {len(details) - 1} more problem{'s' if len(details) > 2 else ''}; nothing was loaded)"
    else:
        message += " (nothing was loaded)"
    return ApiError(422, "invalid_input", message, first["field"], details)


def ingest(
    request: Request, store: Store, key: ApiKey, table: str, records: list[dict[str, Any]], payload: Any
) -> JSONResponse:
    """Load ``records`` into ``table`` honouring ``Idempotency-Key``; answers with the counts."""

    def work() -> tuple[int, dict[str, Any]]:
        try:
            result = load_records(store, table, records, source=f"api:{table}")
        except ImportValidationError as exc:
            raise validation_error(table, exc) from None
        if table in REFRESHING_TABLES and (result.inserted or result.updated):
            background = getattr(request.app.state, "background", None)
            if background is not None:
                background.refresh()
        return 200, {
            "table": table,
            "received": result.received,
            "inserted": result.inserted,
            "updated": result.updated,
            "unchanged": result.unchanged,
        }

    return run_idempotent(request, store, key, payload, work)
