"""Ingestion of subscriptions, events, invoices, payments, tickets and survey answers.

Each is ``POST /api/v1/<table>`` with ``{"<table>": [rows]}`` (up to 10,000 rows), validated by the
importer's rules and upserted all or nothing; ``Idempotency-Key`` is honoured. Customers are ingested
at ``POST /api/v1/customers`` (see :mod:`.customers`).
"""

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tenure.schema import TABLES
from tenure.web.api.ingesting import ingest
from tenure.web.api.schemas import BATCH_MODELS, ERROR_RESPONSES, IngestResult
from tenure.web.deps import IngestKey, StoreDep


def _router(table: str, summary: str) -> APIRouter:
    router = APIRouter(prefix=f"/{table}", tags=[table], responses=ERROR_RESPONSES)
    model = BATCH_MODELS[table]

    def handler(request: Request, store: StoreDep, key: IngestKey, body: model) -> JSONResponse:  # type: ignore[valid-type]
        records = [r.model_dump(exclude_unset=True) for r in getattr(body, table)]
        return ingest(request, store, key, table, records, records)

    handler.__name__ = f"create_{table}"
    handler.__doc__ = (
        f"{TABLES[table].description} Rows with the key of a stored row replace it; identical rows change nothing."
    )
    router.add_api_route("", handler, methods=["POST"], response_model=IngestResult, summary=summary)
    return router


subscriptions = _router("subscriptions", "Add or update subscription rows")
events = _router("events", "Record product-usage events")
invoices = _router("invoices", "Add or update invoices")
payments = _router("payments", "Record payment attempts")
tickets = _router("tickets", "Add or update support tickets")
responses = _router("responses", "Record survey answers")

routers = [subscriptions, events, invoices, payments, tickets, responses]
