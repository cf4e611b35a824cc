"""The canonical data format: the tables a dataset folder holds, their columns and rules.

This module is the single description of the format. The store's tables, the importer's validation
and the data-format reference in ``docs/data-format.md`` are all derived from it (a test checks the
reference against it), so they cannot drift apart.

A dataset is a folder of files, each CSV, Parquet or JSON Lines, named by table
(``customers.csv``, ``events.parquet``, ``tickets.jsonl``). Only ``customers`` and ``subscriptions``
are required. Times are ISO 8601; a time with no zone is UTC. Money is a decimal in the currency's
major unit.

Examples
--------
>>> TABLES["subscriptions"].required
('customer_id', 'start_date', 'mrr')
>>> TABLES["payments"].references
{'invoice_id': 'invoices'}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["id", "text", "datetime", "money", "number", "integer", "currency", "json", "enum"]

KIND_EXPECTATION: dict[str, str] = {
    "id": "a non-empty identifier",
    "text": "text",
    "datetime": "an ISO 8601 date or time, e.g. 2025-01-31 or 2025-01-31T09:30:00Z",
    "money": "a number (major currency unit, e.g. 19.99)",
    "number": "a number",
    "integer": "a whole number",
    "currency": "an ISO 4217 currency code, e.g. USD",
    "json": "a JSON object",
    "enum": "one of",
}


@dataclass(frozen=True)
class Column:
    """One column of a canonical table.

    ``minimum``/``maximum`` bound numbers; ``choices`` lists an enum's values; ``default`` fills an
    empty optional value.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    minimum: float | None = None
    exclusive_minimum: bool = False
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    default: object = None

    @property
    def expectation(self) -> str:
        """What a valid value looks like, in words, for error messages."""
        if self.kind == "enum":
            return "one of " + ", ".join(self.choices)
        text = KIND_EXPECTATION[self.kind]
        if self.minimum is not None and self.maximum is not None:
            text += f" from {self.minimum:g} to {self.maximum:g}"
        elif self.minimum is not None:
            text += f" greater than {self.minimum:g}" if self.exclusive_minimum else f" ≥ {self.minimum:g}"
        return text


@dataclass(frozen=True)
class Table:
    """One canonical table.

    ``key`` names the columns that identify a row: re-importing a row with the same key updates it.
    Tables without an identifier column of their own are keyed by a 64-bit hash of ``key``, stored
    in ``row_key``. ``references`` maps a column to the table whose key it must name.
    """

    name: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    references: dict[str, str] = field(default_factory=dict)
    required_table: bool = False
    keeps_extra_columns: bool = False
    checks: tuple[tuple[str, str, str], ...] = ()
    """Row rules between two columns: (later column, earlier column, message) with later ≥ earlier."""

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def hashed_key(self) -> bool:
        """True when rows are identified by ``row_key`` (a hash of ``key``), not by an id column."""
        return len(self.key) > 1 or self.key[0] not in self.column_names or not self.column(self.key[0]).required

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


def _c(name: str, kind: Kind, description: str, **kw: object) -> Column:
    return Column(name, kind, description, **kw)  # type: ignore[arg-type]


CUSTOMERS = Table(
    "customers",
    "One row per customer (an account, not a person). Extra columns are kept as attributes.",
    (
        _c("customer_id", "id", "Your identifier for the customer.", required=True),
        _c("name", "text", "Display name."),
        _c("email", "text", "Address for emails; customers without one get no email."),
        _c("created_at", "datetime", "When the customer signed up."),
        _c("country", "text", "Country, preferably ISO 3166 alpha-2."),
        _c("segment", "text", "Segment, e.g. smb, mid-market, enterprise."),
        _c("channel", "text", "Acquisition channel, e.g. organic, paid, partner."),
        _c("owner", "text", "The customer-success manager responsible (email or name)."),
    ),
    key=("customer_id",),
    required_table=True,
    keeps_extra_columns=True,
)

SUBSCRIPTIONS = Table(
    "subscriptions",
    "One priced line of one subscription for one stretch of time, active on the half-open interval "
    "[start_date, end_date). A plan, quantity or price change closes the row and opens a new one.",
    (
        _c("customer_id", "id", "The customer paying for this line.", required=True),
        _c("start_date", "datetime", "When the line starts (inclusive).", required=True),
        _c("end_date", "datetime", "When the line ends (exclusive); empty means ongoing."),
        _c(
            "mrr",
            "money",
            "What the customer pays for this line per month: monthly-normalised, after discounts.",
            required=True,
            minimum=0,
        ),
        _c("list_mrr", "money", "The same before discounts.", minimum=0),
        _c("subscription_id", "text", "The billing system's subscription identifier."),
        _c("plan", "text", "Plan name."),
        _c("quantity", "integer", "Seats or units bought.", minimum=0),
        _c(
            "billing_period_months",
            "integer",
            "Months between invoices: 1 monthly, 12 annual. Default 1.",
            minimum=0,
            exclusive_minimum=True,
            default=1,
        ),
        _c("currency", "currency", "ISO 4217 code; the reporting currency when empty."),
        _c("discount", "number", "Discount in force (informational), e.g. 0.2 for 20% off."),
        _c("status", "text", "Billing status, e.g. active, trialing, canceled."),
        _c("cancel_reason", "text", "Why the customer cancelled, when known."),
        _c("canceled_at", "datetime", "When the cancellation was scheduled (for churn recognition)."),
    ),
    key=("customer_id", "subscription_id", "plan", "start_date"),
    references={"customer_id": "customers"},
    required_table=True,
    checks=(("end_date", "start_date", "end_date on or after start_date"),),
)

EVENTS = Table(
    "events",
    "Product usage: one row per thing a user did. Identical rows are one event.",
    (
        _c("customer_id", "id", "The customer whose user acted.", required=True),
        _c("event_type", "id", "What happened, e.g. login, report_created.", required=True),
        _c("occurred_at", "datetime", "When it happened.", required=True),
        _c("user_id", "text", "Which of the customer's users acted."),
        _c("value", "number", "A number attached to the event (duration, amount, count)."),
        _c("properties", "json", "Anything else, as a JSON object."),
    ),
    key=("customer_id", "event_type", "occurred_at", "user_id", "value", "properties"),
    references={"customer_id": "customers"},
)

INVOICES = Table(
    "invoices",
    "Invoices issued to customers.",
    (
        _c("invoice_id", "id", "Your identifier for the invoice.", required=True),
        _c("customer_id", "id", "The customer billed.", required=True),
        _c("issued_at", "datetime", "When the invoice was issued.", required=True),
        _c("amount", "money", "Total due.", required=True, minimum=0),
        _c("currency", "currency", "ISO 4217 code; the reporting currency when empty."),
        _c("due_at", "datetime", "When payment is due."),
        _c(
            "status",
            "enum",
            "Invoice status.",
            choices=("draft", "open", "paid", "void", "uncollectible"),
        ),
        _c("paid_at", "datetime", "When it was paid in full."),
    ),
    key=("invoice_id",),
    references={"customer_id": "customers"},
    checks=(("due_at", "issued_at", "due_at on or after issued_at"),),
)

PAYMENTS = Table(
    "payments",
    "Payment attempts against invoices, successful or failed.",
    (
        _c("payment_id", "id", "Your identifier for the attempt.", required=True),
        _c("invoice_id", "id", "The invoice being paid.", required=True),
        _c("attempted_at", "datetime", "When the attempt was made.", required=True),
        _c("amount", "money", "Amount attempted.", required=True, minimum=0),
        _c("status", "enum", "Outcome.", required=True, choices=("succeeded", "failed")),
        _c("failure_code", "text", "Why it failed, e.g. card_declined, insufficient_funds, expired_card."),
    ),
    key=("payment_id",),
    references={"invoice_id": "invoices"},
)

TICKETS = Table(
    "tickets",
    "Support tickets.",
    (
        _c("ticket_id", "id", "Your identifier for the ticket.", required=True),
        _c("customer_id", "id", "The customer who asked.", required=True),
        _c("opened_at", "datetime", "When it was opened.", required=True),
        _c("first_response_at", "datetime", "When support first answered."),
        _c("closed_at", "datetime", "When it was closed."),
        _c("priority", "text", "Priority, e.g. low, normal, high, urgent."),
        _c(
            "category",
            "text",
            "Category, e.g. bug, how_to, billing, discount_request, contract_change, cancellation.",
        ),
        _c("csat", "integer", "The customer's satisfaction with the ticket, 1 to 5.", minimum=1, maximum=5),
    ),
    key=("ticket_id",),
    references={"customer_id": "customers"},
    checks=(
        ("first_response_at", "opened_at", "first_response_at on or after opened_at"),
        ("closed_at", "opened_at", "closed_at on or after opened_at"),
    ),
)

RESPONSES = Table(
    "responses",
    "Survey answers: NPS (0–10), CSAT (1–5), exit surveys or a survey of your own.",
    (
        _c("response_id", "id", "Your identifier for the answer.", required=True),
        _c("customer_id", "id", "The customer who answered.", required=True),
        _c("survey", "id", "Which survey: nps, csat, exit or a name of your own.", required=True),
        _c("score", "number", "The score: 0–10 for nps, 1–5 for csat.", required=True),
        _c("submitted_at", "datetime", "When it was answered.", required=True),
        _c("comment", "text", "Free-text comment."),
        _c("reason", "text", "A chosen reason (exit surveys)."),
    ),
    key=("response_id",),
    references={"customer_id": "customers"},
)

ORDERS = Table(
    "orders",
    "Purchases of a repeat-purchase business (feeds the CLV models).",
    (
        _c("order_id", "id", "Your identifier for the order.", required=True),
        _c("customer_id", "id", "The customer who bought.", required=True),
        _c("ordered_at", "datetime", "When.", required=True),
        _c("amount", "money", "Order value.", required=True, minimum=0),
        _c("currency", "currency", "ISO 4217 code; the reporting currency when empty."),
    ),
    key=("order_id",),
    references={"customer_id": "customers"},
)

COSTS = Table(
    "costs",
    "Retention spend per period (for the customer retention cost, CRC).",
    (
        _c("period_start", "datetime", "Start of the period (inclusive).", required=True),
        _c("period_end", "datetime", "End of the period (exclusive).", required=True),
        _c("amount", "money", "Amount spent.", required=True, minimum=0),
        _c("category", "text", "What it was spent on, e.g. customer_success, tools, incentives."),
        _c("currency", "currency", "ISO 4217 code; the reporting currency when empty."),
    ),
    key=("period_start", "period_end", "category"),
    checks=(("period_end", "period_start", "period_end after period_start"),),
)

RATES = Table(
    "rates",
    "Exchange rates: the value of one unit of `currency` in the reporting currency from `date` on.",
    (
        _c("currency", "currency", "The currency converted from.", required=True),
        _c("date", "datetime", "The day the rate applies from.", required=True),
        _c(
            "rate",
            "number",
            "Reporting-currency units per one unit.",
            required=True,
            minimum=0,
            exclusive_minimum=True,
        ),
    ),
    key=("currency", "date"),
)

TOUCHES = Table(
    "touches",
    "Retention actions taken, one row per customer per playbook run, with the customer's arm: "
    "`treated` customers were acted on, `holdout` customers were eligible but kept out on purpose. "
    "Tenure's playbooks write here; import it to bring in the history of earlier campaigns.",
    (
        _c("touch_id", "id", "Identifier of the touch.", required=True),
        _c("playbook", "id", "The playbook or campaign.", required=True),
        _c("customer_id", "id", "The customer.", required=True),
        _c(
            "touched_at",
            "datetime",
            "When the customer became eligible and was treated or held out.",
            required=True,
        ),
        _c("arm", "enum", "Treated or held out.", required=True, choices=("treated", "holdout")),
        _c("action", "text", "What was done, e.g. email:winback, task, coupon."),
    ),
    key=("touch_id",),
    references={"customer_id": "customers"},
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        CUSTOMERS,
        SUBSCRIPTIONS,
        EVENTS,
        INVOICES,
        PAYMENTS,
        TICKETS,
        RESPONSES,
        ORDERS,
        COSTS,
        RATES,
        TOUCHES,
    )
}
"""The canonical tables, in the order they load (referenced tables first)."""

FILE_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl"}
"""File name endings the importer reads, and the format each means."""

SURVEY_SCORE_RANGES = {"nps": (0, 10), "csat": (1, 5)}
"""Valid score ranges for the surveys Tenure knows; other surveys accept any number."""


def reference_markdown() -> str:
    """The data-format reference (``docs/data-format.md``), generated from the tables above."""
    lines = [
        "# Data format",
        "",
        "A dataset is a folder of files, each CSV (with a header row), Parquet or JSON Lines (one object per",
        "line), named by table: `customers.csv`, `events.parquet`, `tickets.jsonl`. Only `customers` and",
        "`subscriptions` are required for a first import; later imports may bring any table alone. Files",
        "with other names are ignored (and listed), so a `ground_truth/` folder or notes can sit beside.",
        "",
        "- Times are ISO 8601 (`2025-01-31`, `2025-01-31T09:30:00Z`, `2025-01-31 09:30:00+02:00`); a time",
        "  with no zone is UTC; all times are stored in UTC. Years must lie between 1900 and 2200.",
        "- Money is a decimal in the currency's major unit (`19.99`), with an ISO 4217 `currency` column;",
        "  an empty currency means the reporting currency (setting `TENURE_REPORTING_CURRENCY`, default USD).",
        "- Identifiers are text. An empty optional value is a missing value.",
        "- Rows are identified by their key: re-importing a row with the same key updates it, so importing",
        "  the same files twice changes nothing and a corrected file updates the rows it changed. Tables",
        "  without an identifier column are keyed by a hash of the key columns listed below.",
        "",
        "An import checks every rule below and either commits whole or changes nothing, reporting each",
        "problem with file, row, column, value and what was expected. `tenure import --skip-invalid` loads",
        "the good rows and writes the bad ones, with reasons, to `<table>.rejects.csv` beside the input.",
        "",
    ]
    for t in TABLES.values():
        lines += [f"## {t.name}", "", t.description, ""]
        key = ", ".join(f"`{k}`" for k in t.key)
        lines.append(f"Key: {key}." + (" Required table." if t.required_table else ""))
        if t.references:
            refs = "; ".join(f"`{c}` must name a row of `{target}`" for c, target in t.references.items())
            lines.append(f"References: {refs} (in the same import or already stored).")
        lines += [f"Rule: {message}." for _later, _earlier, message in t.checks]
        if t.keeps_extra_columns:
            lines.append("Extra columns are kept as the customer's attributes.")
        lines += ["", "| column | required | value | meaning |", "| --- | --- | --- | --- |"]
        for c in t.columns:
            lines.append(f"| `{c.name}` | {'yes' if c.required else ''} | {c.expectation} | {c.description} |")
        lines.append("")
    lines += [
        "## Survey scores",
        "",
        ", ".join(f"`{s}` scores run from {lo} to {hi}" for s, (lo, hi) in SURVEY_SCORE_RANGES.items())
        + "; other surveys accept any number.",
        "",
    ]
    return "\n".join(lines)
