"""Turn the simulation's logs into the canonical tables of :mod:`tenure.schema`.

Column names and order come from :data:`tenure.schema.TABLES`, so the demo writes exactly the
canonical format. ``events`` keeps ``customer_id``, ``event_type``, ``user_id`` and ``properties``
dictionary-encoded in memory (tens of millions of rows); :mod:`tenure.simulate.writer` decodes
them batch by batch into plain strings on disk.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tenure.schema import TABLES
from tenure.simulate.billing import FAILURE_CODES, INVOICE_STATUSES
from tenure.simulate.calendar import Calendar, Chunks, prefixed_ids, timestamps
from tenure.simulate.customers import CHANNELS, COUNTRIES, CURRENCIES, SEGMENTS, Customers
from tenure.simulate.playbook import ACTION, ARMS, PLAYBOOK
from tenure.simulate.support import CATEGORIES, PRIORITIES
from tenure.simulate.surveys import EXIT_REASONS, SURVEYS
from tenure.simulate.usage import EVENT_TYPES, PROPERTIES

_STR = pa.string()


def ordered(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """A table with exactly the schema's columns for ``name``, in the schema's order."""
    names = TABLES[name].column_names
    missing = set(names) - set(columns)
    extra = set(columns) - set(names)
    if missing or extra:
        raise ValueError(f"table {name!r}: missing columns {sorted(missing)}, unexpected {sorted(extra)}")
    return pa.table({n: columns[n] for n in names})


def _labels(choices: tuple[str, ...], codes: np.ndarray) -> pa.Array:
    """Strings from codes into ``choices``; negative codes become null."""
    codes = np.asarray(codes, dtype=np.int64)
    mask = codes < 0
    return pc.take(pa.array(choices, type=_STR), pa.array(np.where(mask, 0, codes), mask=mask))


def _pick(values: pa.Array, index: np.ndarray) -> pa.Array:
    return pc.take(values, pa.array(np.asarray(index, dtype=np.int64)))


def build_customers(c: Customers, created: np.ndarray) -> pa.Table:
    """The ``customers`` table."""
    return ordered(
        "customers",
        {
            "customer_id": pa.array(c.customer_id, type=_STR),
            "name": pa.array(c.name, type=_STR),
            "email": pa.array(c.email, type=_STR),
            "created_at": timestamps(created),
            "country": _labels(COUNTRIES, c.country),
            "segment": _labels(SEGMENTS, c.segment),
            "channel": _labels(CHANNELS, c.channel),
            "owner": pa.array(c.owner, type=_STR),
        },
    )


def build_events(events: Chunks, customer_ids: pa.Array, max_users: np.ndarray) -> pa.Table:
    """The ``events`` table, with dictionary-encoded text columns (see the module docstring)."""
    e = events.columns()
    customer = e["customer"].astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(max_users)])
    ids = customer_ids.to_numpy(zero_copy_only=False)
    user_names = [f"{ids[i]}-u{k + 1}" for i in range(len(ids)) for k in range(int(max_users[i]))]
    user_index = (offsets[customer] + e["user"]).astype(np.int32)
    props = e["properties"].astype(np.int32)
    value = e["value"]
    return ordered(
        "events",
        {
            "customer_id": pa.DictionaryArray.from_arrays(pa.array(customer), customer_ids),
            "event_type": pa.DictionaryArray.from_arrays(
                pa.array(e["type"].astype(np.int32)), pa.array(EVENT_TYPES, type=_STR)
            ),
            "occurred_at": timestamps(e["time"]),
            "user_id": pa.DictionaryArray.from_arrays(pa.array(user_index), pa.array(user_names, type=_STR)),
            "value": pa.array(value, mask=np.isnan(value)),
            "properties": pa.DictionaryArray.from_arrays(
                pa.array(np.maximum(props, 0), mask=props < 0), pa.array(PROPERTIES, type=_STR)
            ),
        },
    )


def build_invoices(invoices: Chunks, payments: Chunks, customer_ids: pa.Array) -> tuple[pa.Table, pa.Table]:
    """The ``invoices`` and ``payments`` tables (payments name invoices by ``invoice_id``)."""
    i = invoices.columns()
    order = np.argsort(i["index"], kind="stable")
    i = {k: v[order] for k, v in i.items()}
    invoice_ids = prefixed_ids("in_", len(order), width=8)
    paid = i["paid_at"] >= 0
    invoices_table = ordered(
        "invoices",
        {
            "invoice_id": invoice_ids,
            "customer_id": _pick(customer_ids, i["customer"]),
            "issued_at": timestamps(i["issued"]),
            "amount": pa.array(i["amount"], type=pa.float64()),
            "currency": _labels(CURRENCIES, i["currency"]),
            "due_at": timestamps(i["due"]),
            "status": _labels(INVOICE_STATUSES, i["status"]),
            "paid_at": timestamps(i["paid_at"], paid),
        },
    )
    p = payments.columns()
    order = np.lexsort((p["attempted"], p["invoice"]))
    p = {k: v[order] for k, v in p.items()}
    payments_table = ordered(
        "payments",
        {
            "payment_id": prefixed_ids("py_", len(order), width=8),
            "invoice_id": _pick(invoice_ids, p["invoice"]),
            "attempted_at": timestamps(p["attempted"]),
            "amount": pa.array(p["amount"], type=pa.float64()),
            "status": pa.array(np.where(p["succeeded"], "succeeded", "failed").astype(object), type=_STR),
            "failure_code": _labels(FAILURE_CODES, p["code"]),
        },
    )
    return invoices_table, payments_table


def build_tickets(tickets: Chunks, customer_ids: pa.Array) -> pa.Table:
    """The ``tickets`` table, in the order tickets were opened."""
    t = tickets.columns()
    order = np.argsort(t["opened"], kind="stable")
    t = {k: v[order] for k, v in t.items()}
    csat = t["csat"].astype(np.int64)
    return ordered(
        "tickets",
        {
            "ticket_id": prefixed_ids("tk_", len(order)),
            "customer_id": _pick(customer_ids, t["customer"]),
            "opened_at": timestamps(t["opened"]),
            "first_response_at": timestamps(t["first_response"], t["first_response"] >= 0),
            "closed_at": timestamps(t["closed"], t["closed"] >= 0),
            "priority": _labels(PRIORITIES, t["priority"]),
            "category": _labels(CATEGORIES, t["category"]),
            "csat": pa.array(csat, mask=csat < 0),
        },
    )


def build_responses(responses: Chunks, comments: list[str], customer_ids: pa.Array) -> pa.Table:
    """The ``responses`` table, in submission order."""
    r = responses.columns()
    order = np.argsort(r["at"], kind="stable")
    r = {k: v[order] for k, v in r.items()}
    return ordered(
        "responses",
        {
            "response_id": prefixed_ids("rs_", len(order)),
            "customer_id": _pick(customer_ids, r["customer"]),
            "survey": _labels(SURVEYS, r["survey"]),
            "score": pa.array(r["score"], type=pa.float64()),
            "submitted_at": timestamps(r["at"]),
            "comment": _labels(tuple(comments) or ("",), r["comment"]),
            "reason": _labels(EXIT_REASONS, r["reason"]),
        },
    )


def build_orders(orders: Chunks, customer_ids: pa.Array, currency: np.ndarray) -> pa.Table:
    """The ``orders`` table, in time order."""
    o = orders.columns()
    order = np.argsort(o["at"], kind="stable")
    o = {k: v[order] for k, v in o.items()}
    return ordered(
        "orders",
        {
            "order_id": prefixed_ids("or_", len(order)),
            "customer_id": _pick(customer_ids, o["customer"]),
            "ordered_at": timestamps(o["at"]),
            "amount": pa.array(o["amount"], type=pa.float64()),
            "currency": _labels(CURRENCIES, currency[o["customer"]]),
        },
    )


def build_rates(calendar: Calendar, rates: np.ndarray, first_month: int) -> pa.Table:
    """The ``rates`` table: USD per unit of each currency from the first day of each month."""
    months = np.arange(first_month, first_month + len(rates))
    starts = np.repeat(calendar.start(months), len(CURRENCIES))
    return ordered(
        "rates",
        {
            "currency": pa.array(np.tile(np.asarray(CURRENCIES, dtype=object), len(rates)), type=_STR),
            "date": timestamps(starts),
            "rate": pa.array(rates.ravel(), type=pa.float64()),
        },
    )


def build_touches(touches: Chunks, customer_ids: pa.Array) -> pa.Table:
    """The ``touches`` table of the win-back playbook, both arms."""
    t = touches.columns()
    n = len(t.get("customer", []))
    return ordered(
        "touches",
        {
            "touch_id": prefixed_ids("tc_", n),
            "playbook": pa.array([PLAYBOOK] * n, type=_STR),
            "customer_id": _pick(customer_ids, t.get("customer", np.empty(0, np.int64))),
            "touched_at": timestamps(t.get("at", np.empty(0, np.int64))),
            "arm": _labels(ARMS, t.get("holdout", np.empty(0, bool)).astype(np.int64)),
            "action": pa.array([ACTION] * n, type=_STR),
        },
    )
