"""A Segment-compatible endpoint: existing event pipelines send ``track``, ``identify`` and ``group``
calls to Tenure unchanged.

Point a Segment HTTP destination (or any library speaking Segment's tracking API) at
``http://HOST/api`` with an API key that has the ``ingest`` scope as its write key (Segment sends it
as HTTP Basic user name; ``Authorization: Bearer KEY`` works too). The paths are Segment's own:
``/api/v1/track``, ``/identify``, ``/group``, ``/page``, ``/screen`` and ``/batch``;
``/api/v1/segment`` takes one call (with ``type``) or a batch.

How calls map to Tenure's tables:

- ``group`` (an account) → a ``customers`` row: ``groupId`` is the customer_id; traits ``name``,
  ``email``, ``country`` (or ``address.country``), ``segment``, ``channel``, ``owner``, ``createdAt``
  fill the columns; other traits become attributes. Traits not sent keep their stored values.
- ``identify`` → the same, for the customer ``context.groupId``, ``traits.customer_id`` or, when
  neither is given (one person is one customer), ``userId``.
- ``track`` → an ``events`` row for the customer ``context.groupId``, ``properties.customer_id`` or
  ``userId``: ``event`` is the event_type, ``timestamp`` the time, ``userId`` (or ``anonymousId``)
  the user, ``properties.value`` (or ``revenue``) the value, the properties kept as JSON.
  ``page`` and ``screen`` calls become events of type ``page`` and ``screen``. A customer not yet
  known is added (id only) so no event is lost.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from tenure.errors import ImportValidationError
from tenure.ingest.batch import load_records
from tenure.store import Store
from tenure.store.tables import customers
from tenure.web.api.idempotency import run_idempotent
from tenure.web.api.ingesting import validation_error
from tenure.web.api.schemas import ERROR_RESPONSES, SegmentBatch, SegmentMessage, SegmentResult
from tenure.web.auth import ApiKey
from tenure.web.deps import IngestKey, StoreDep
from tenure.web.errors import ApiError

router = APIRouter(tags=["segment"], responses=ERROR_RESPONSES)

CUSTOMER_TRAITS = {
    "name": "name",
    "email": "email",
    "country": "country",
    "segment": "segment",
    "channel": "channel",
    "owner": "owner",
    "createdAt": "created_at",
    "created_at": "created_at",
}
KINDS = ("track", "identify", "group", "page", "screen")


def _s(v: Any) -> str | None:
    return None if v is None or v == "" else str(v)


def _customer_for(msg: SegmentMessage, kind: str) -> str | None:
    ctx = msg.context or {}
    props = msg.properties or {}
    traits = msg.traits or {}
    if kind == "group":
        return _s(msg.groupId)
    if kind == "identify":
        return _s(ctx.get("groupId")) or _s(traits.get("customer_id")) or _s(msg.userId)
    return (
        _s(ctx.get("groupId"))
        or _s(msg.groupId)
        or _s(props.get("customer_id"))
        or _s(msg.userId)
        or _s(msg.anonymousId)
    )


def _customer_record(cid: str, traits: dict[str, Any]) -> dict[str, Any]:
    rec: dict[str, Any] = {"customer_id": cid}
    for key, value in traits.items():
        if key in ("customer_id", "id"):
            continue
        if key == "address" and isinstance(value, dict) and value.get("country"):
            rec.setdefault("country", value.get("country"))
        column = CUSTOMER_TRAITS.get(key)
        if column:
            rec[column] = value
        elif key not in rec:
            rec[key] = value
    return rec


def _event_record(cid: str, msg: SegmentMessage, kind: str) -> dict[str, Any]:
    props = dict(msg.properties or {})
    event_type = msg.event if kind == "track" else kind
    when = msg.timestamp or msg.originalTimestamp or msg.sentAt or msg.receivedAt
    if when is None:
        when = dt.datetime.now(dt.UTC).isoformat()
    value = props.get("value", props.get("revenue"))
    if kind != "track" and msg.name:
        props.setdefault("name", msg.name)
    return {
        "customer_id": cid,
        "event_type": event_type,
        "occurred_at": when,
        "user_id": _s(msg.userId) or _s(msg.anonymousId),
        "value": value if isinstance(value, int | float) and not isinstance(value, bool) else None,
        "properties": props or None,
    }


def _merge_stored(store: Store, records: list[dict[str, Any]]) -> None:
    """Fill the columns a call did not send from the stored customer, so partial traits never erase."""
    ids = [r["customer_id"] for r in records]
    if not ids:
        return
    stored: dict[str, dict[str, Any]] = {}
    with store.engine.connect() as conn:
        for i in range(0, len(ids), 500):
            for row in conn.execute(sa.select(customers).where(customers.c.customer_id.in_(ids[i : i + 500]))):
                d = dict(row._mapping)
                attrs = d.pop("attributes", None)
                if attrs:
                    d.update({k: v for k, v in json.loads(attrs).items() if k not in d})
                stored[d["customer_id"]] = d
    for rec in records:
        before = stored.get(rec["customer_id"])
        if before:
            for k, v in before.items():
                if v is not None and k not in rec:
                    rec[k] = v.isoformat() if isinstance(v, dt.datetime) else v


def _unknown(store: Store, ids: set[str]) -> list[str]:
    known: set[str] = set()
    listed = sorted(ids)
    with store.engine.connect() as conn:
        for i in range(0, len(listed), 500):
            known.update(
                r[0]
                for r in conn.execute(
                    sa.select(customers.c.customer_id).where(customers.c.customer_id.in_(listed[i : i + 500]))
                )
            )
    return [i for i in listed if i not in known]


def process(store: Store, messages: list[SegmentMessage], kinds: list[str], prefix: str) -> dict[str, Any]:
    """Turn Segment calls into customers and events rows and load them; returns the counts."""
    people: dict[str, dict[str, Any]] = {}
    people_index: dict[str, int] = {}
    events: list[dict[str, Any]] = []
    event_index: list[int] = []

    def where(i: int, name: str) -> str:
        return f"{prefix}[{i}].{name}" if prefix else name

    for i, (msg, kind) in enumerate(zip(messages, kinds, strict=True)):
        if kind not in KINDS:
            raise ApiError(
                422,
                "invalid_input",
                f"expected type one of {', '.join(KINDS)}, got {kind!r}",
                where(i, "type"),
            )
        cid = _customer_for(msg, kind)
        if cid is None:
            missing = "groupId" if kind == "group" else "userId"
            raise ApiError(
                422,
                "invalid_input",
                f"a {kind} call needs {'groupId' if kind == 'group' else 'userId, anonymousId or context.groupId'}",
                where(i, missing),
            )
        if kind in ("identify", "group"):
            rec = _customer_record(cid, msg.traits or {})
            previous = people.get(cid, {})
            people[cid] = {**previous, **rec}
            people_index[cid] = i
        else:
            if kind == "track" and not msg.event:
                raise ApiError(422, "invalid_input", "a track call needs an event name", where(i, "event"))
            events.append(_event_record(cid, msg, kind))
            event_index.append(i)
    customer_rows = list(people.values())
    _merge_stored(store, customer_rows)
    needed = {e["customer_id"] for e in events} - set(people)
    customer_rows += [{"customer_id": c} for c in _unknown(store, needed)]
    written = {"customers": 0, "events": 0}
    if customer_rows:
        index_map = [people_index.get(r["customer_id"], 0) for r in customer_rows]
        try:
            load_records(store, "customers", customer_rows, source="api:segment")
        except ImportValidationError as exc:
            raise validation_error(prefix or "traits", exc, index_map) from None
        written["customers"] = len(customer_rows)
    if events:
        try:
            load_records(store, "events", events, source="api:segment")
        except ImportValidationError as exc:
            raise validation_error(prefix or "event", exc, event_index) from None
        written["events"] = len(events)
    return written


def _respond(
    request: Request,
    store: StoreDep,
    key: ApiKey,
    messages: list[SegmentMessage],
    kinds: list[str],
    prefix: str,
) -> JSONResponse:
    payload = [m.model_dump(mode="json", exclude_unset=True) for m in messages]

    def work() -> tuple[int, dict[str, Any]]:
        written = process(store, messages, kinds, prefix)
        if written["customers"]:
            background = getattr(request.app.state, "background", None)
            if background is not None:
                background.refresh()
        return 200, {"success": True, **written}

    return run_idempotent(request, store, key, payload, work)


def _single(kind: str):  # type: ignore[no-untyped-def]
    def handler(request: Request, store: StoreDep, key: IngestKey, message: SegmentMessage) -> JSONResponse:
        return _respond(request, store, key, [message], [kind], "")

    handler.__name__ = f"create_{kind}"
    handler.__doc__ = f"Segment's `{kind}` call."
    return handler


for _kind in KINDS:
    router.add_api_route(
        f"/{_kind}",
        _single(_kind),
        methods=["POST"],
        response_model=SegmentResult,
        summary=f"Segment {_kind}",
    )


@router.post("/batch", response_model=SegmentResult, summary="Segment batch")
def create_batch(request: Request, store: StoreDep, key: IngestKey, body: SegmentBatch) -> JSONResponse:
    """Segment's ``batch`` call: up to 10,000 track, identify, group, page and screen calls."""
    if body.context:
        for m in body.batch:
            m.context = {**body.context, **(m.context or {})}
    return _respond(request, store, key, body.batch, [m.type or "" for m in body.batch], "batch")


@router.post("/segment", response_model=SegmentResult, summary="Segment call or batch")
def create_segment(
    request: Request, store: StoreDep, key: IngestKey, body: SegmentBatch | SegmentMessage
) -> JSONResponse:
    """One Segment call (its ``type`` says which) or a ``{"batch": [...]}``."""
    if isinstance(body, SegmentBatch):
        return create_batch(request, store, key, body)
    if not body.type:
        raise ApiError(422, "invalid_input", f"expected type one of {', '.join(KINDS)}", "type")
    return _respond(request, store, key, [body], [body.type], "")
