"""Tenure's settings: one class, read from ``TENURE_*`` environment variables.

Every field is documented here and in ``docs/settings.md``; a test fails when one is not.
The metric options follow ChartMogul's published conventions by default (DESIGN §4).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DATABASE_FILE = "tenure.db"


class Settings(BaseSettings):
    """Everything configurable in Tenure.

    Examples
    --------
    >>> Settings(reporting_currency="EUR").reporting_currency
    'EUR'
    """

    model_config = SettingsConfigDict(env_prefix="TENURE_", extra="ignore")

    database_url: str | None = Field(
        None,
        description="Store URL (sqlite:///path or postgresql+psycopg://...). "
        "Default: a SQLite file `tenure.db` in the working directory.",
    )
    reporting_currency: str = Field(
        "USD", description="ISO 4217 code all money is converted to, and the default for rows without one."
    )
    churn_recognition: Literal["end", "scheduled"] = Field(
        "end",
        description="When a cancellation counts as churn: when the subscription ends (`end`), or when "
        "the cancellation is scheduled (`scheduled`, using the row's `canceled_at`).",
    )
    delinquency_days: int | None = Field(
        None,
        description="An invoice unpaid this many days past due ends the customer's activity "
        "(off by default; Baremetrics uses 30).",
    )
    discounts: Literal["deducted", "ignored"] = Field(
        "deducted",
        description="`deducted`: MRR is the `mrr` column (after discounts); `ignored`: `list_mrr` where given.",
    )
    count_free_customers: bool = Field(
        False, description="Count customers with zero MRR (free plans, trials, 100%-off lines) as customers."
    )
    same_period_churn: Literal["excluded", "included"] = Field(
        "excluded",
        description="Customers who sign up and churn within one period: `excluded` from churn counts "
        "(ChartMogul) or `included` (Stripe, Baremetrics).",
    )
    gross_margin: float = Field(1.0, ge=0, le=1, description="Gross margin used by the simple LTV.")
    industry: str = Field("it", description="Industry whose published retention benchmark the CRR is compared against.")
    churn_horizon_days: int = Field(28, gt=0, description="Horizon of the churn label, in days.")
    smtp_url: str | None = Field(
        None, description="SMTP server for email, e.g. smtp://user:pass@host:587 (STARTTLS) or smtps://..."
    )
    email_from: str = Field("Tenure <noreply@localhost>", description="Sender of Tenure's emails.")
    secret_key: str | None = Field(
        None,
        description="Key that signs sessions, survey and unsubscribe links. Generated and kept in the "
        "store when unset.",
    )
    redis_url: str | None = Field(
        None,
        description="Redis for the production job queue that `tenure worker` consumes, e.g. "
        "redis://127.0.0.1:6379/0. Unset: playbooks run on the scheduler inside `tenure serve`.",
    )
    base_url: str = Field("http://127.0.0.1:8000", description="Public address of the web app, used in emailed links.")


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment, with keyword overrides on top."""
    return Settings(**overrides)  # type: ignore[arg-type]


def reference_markdown() -> str:
    """The settings reference (``docs/settings.md``), generated from :class:`Settings`."""
    lines = [
        "# Settings",
        "",
        "Every setting is an environment variable, `TENURE_` followed by its name. Metric options",
        "default to ChartMogul's published conventions where vendors disagree (see docs/metrics.md).",
        "",
        "| variable | default | meaning |",
        "| --- | --- | --- |",
    ]
    for name, field in Settings.model_fields.items():
        default = "" if field.default is None else f"`{field.default}`"
        lines.append(f"| `TENURE_{name.upper()}` | {default} | {field.description} |")
    return "\n".join(lines) + "\n"
