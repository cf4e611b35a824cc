"""Request and response bodies of the REST API, derived from :mod:`tenure.schema` where they carry rows.

Row models check only that required fields are present and that values are JSON scalars (or an
object for ``properties``); every other rule is the importer's own (:mod:`tenure.ingest.batch`), so a
value the importer would refuse is refused here with the same message.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model

from tenure.ingest.batch import MAX_BATCH
from tenure.schema import TABLES, Column

INGEST_TABLES = ("customers", "subscriptions", "events", "invoices", "payments", "tickets", "responses")

Scalar = str | float | int | bool | None


class ErrorBody(BaseModel):
    code: str = Field(description="Machine-readable error code, e.g. invalid_input, unauthorized.")
    message: str = Field(description="What went wrong and what to do.")
    field: str | None = Field(description="The offending field, e.g. events[0].customer_id, or null.")
    details: list[dict[str, Any]] | None = Field(None, description="Every problem, when there are several.")


class ErrorEnvelope(BaseModel):
    """The one shape of every API error."""

    error: ErrorBody


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorEnvelope, "description": "Missing or unknown API key."},
    403: {"model": ErrorEnvelope, "description": "The API key lacks the scope this endpoint needs."},
    422: {"model": ErrorEnvelope, "description": "Invalid input; `field` names the offending value."},
}


def _field_type(col: Column) -> tuple[Any, Any]:
    if col.kind == "json":
        typ: Any = dict[str, Any] | str | None
    elif col.kind in ("money", "number", "integer"):
        typ = float | int | str | None
    else:
        typ = str | float | int | None if not col.required else str | float | int
    description = col.description
    if col.kind == "datetime":
        description += " ISO 8601, e.g. 2025-01-31T09:30:00Z."
    if col.required:
        return (typ, Field(..., description=description))
    return (typ, Field(None, description=description))


def _row_model(table: str) -> type[BaseModel]:
    spec = TABLES[table]
    fields = {c.name: _field_type(c) for c in spec.columns}
    extra: Literal["allow", "ignore"] = "allow" if spec.keeps_extra_columns else "ignore"
    name = table[:-1].capitalize() if table.endswith("s") else table.capitalize()
    model = create_model(  # type: ignore[call-overload]
        name + "In",
        __config__=ConfigDict(extra=extra, title=name),
        __doc__=spec.description,
        **fields,
    )
    return model


ROW_MODELS: dict[str, type[BaseModel]] = {t: _row_model(t) for t in INGEST_TABLES}


def _batch_model(table: str) -> type[BaseModel]:
    row = ROW_MODELS[table]
    return create_model(  # type: ignore[call-overload]
        table.capitalize() + "Batch",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"A batch of up to {MAX_BATCH:,} {table} rows.",
        **{table: (list[row], Field(..., max_length=MAX_BATCH, description=f"Up to {MAX_BATCH:,} rows."))},  # type: ignore[valid-type]
    )


BATCH_MODELS: dict[str, type[BaseModel]] = {t: _batch_model(t) for t in INGEST_TABLES}


class IngestResult(BaseModel):
    """What a batch did to the store."""

    table: str
    received: int = Field(description="Rows in the request.")
    inserted: int = Field(description="Rows new to the store.")
    updated: int = Field(description="Rows that replaced a stored row with the same key.")
    unchanged: int = Field(description="Rows identical to what the store held (retries change nothing).")


class CustomerRow(BaseModel):
    customer_id: str
    name: str | None = None
    email: str | None = None
    country: str | None = None
    segment: str | None = None
    channel: str | None = None
    plan: str | None = None
    mrr: float
    active: bool
    first_start: str | None = None
    probability: float | None = Field(None, description="Churn probability (null: not computed yet).")
    risk_band: str | None = None
    health_score: float | None = None
    health_band: str | None = None
    clv: float | None = None
    p_alive: float | None = None
    reasons: list[str] = []
    csm: str | None = None
    contacted_at: str | None = None


class CustomerPage(BaseModel):
    data: list[CustomerRow]
    page: int
    per_page: int
    total: int


class MetricsReport(BaseModel):
    status: str = Field(description="`ok`, or `not_computed` when the metrics module is not installed.")
    message: str | None = None
    start: str
    end: str
    period: str
    periods: list[dict[str, Any]]


class CohortReport(BaseModel):
    as_of: str
    cohorts: list[dict[str, Any]]


class ScoreRow(BaseModel):
    customer_id: str
    probability: float | None = None
    risk_band: str | None = None
    reasons: list[str] = []
    health_score: float | None = None
    health_band: str | None = None
    clv: float | None = None
    p_alive: float | None = None
    scored_at: str | None = None
    model: str | None = None


class ScorePage(BaseModel):
    status: str = Field(description="`ok`, or `not_computed` when no model has scored customers yet.")
    data: list[ScoreRow]
    total: int


class ClvRow(BaseModel):
    """One customer's row of ``clv_scores`` (``tenure clv score``)."""

    customer_id: str
    as_of: str
    clv: float
    subscription_clv: float | None = None
    expected_lifetime_months: float | None = None
    renewal_probability: float | None = None
    order_clv: float | None = None
    p_alive: float | None = None
    expected_orders: float | None = None


class ClvPage(BaseModel):
    status: str = Field(description="`ok`, or `not_computed` when no customer has been valued yet.")
    data: list[ClvRow]
    total: int


class SegmentMessage(BaseModel):
    """One call of Segment's HTTP tracking API (track, identify, group, page, screen)."""

    model_config = ConfigDict(extra="allow")

    type: str | None = Field(None, description="track, identify, group, page or screen (batch items).")
    userId: str | int | None = None
    anonymousId: str | int | None = None
    groupId: str | int | None = None
    event: str | None = None
    name: str | None = None
    properties: dict[str, Any] | None = None
    traits: dict[str, Any] | None = None
    context: dict[str, Any] | None = None
    timestamp: str | None = None
    sentAt: str | None = None
    receivedAt: str | None = None
    originalTimestamp: str | None = None
    messageId: str | None = None


class SegmentBatch(BaseModel):
    batch: list[SegmentMessage] = Field(..., max_length=MAX_BATCH)
    context: dict[str, Any] | None = None


class SegmentResult(BaseModel):
    success: bool
    customers: int = Field(description="Customer rows written from identify and group calls.")
    events: int = Field(description="Events written from track, page and screen calls.")
