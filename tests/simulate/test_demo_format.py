"""The demo writes every canonical table, with exactly the schema's columns and valid values."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from tenure.schema import SURVEY_SCORE_RANGES, TABLES

ID_TABLES = [name for name, t in TABLES.items() if not t.hashed_key]
REFERENCES = [(name, col, target) for name, t in TABLES.items() for col, target in t.references.items()]


@pytest.mark.parametrize("name", list(TABLES))
def test_every_table_is_written_with_exactly_the_schema_columns(dataset: Path, name: str) -> None:
    path = dataset / f"{name}.parquet"
    assert path.exists()
    assert tuple(pq.read_schema(path).names) == TABLES[name].column_names


@pytest.mark.parametrize("name", list(TABLES))
def test_every_table_has_rows_and_no_empty_required_value(frames: dict[str, pd.DataFrame], name: str) -> None:
    frame = frames[name]
    assert len(frame) > 0
    for column in TABLES[name].required:
        assert frame[column].notna().all(), column


@pytest.mark.parametrize("name", ID_TABLES)
def test_identifiers_are_unique(frames: dict[str, pd.DataFrame], name: str) -> None:
    key = TABLES[name].key[0]
    assert frames[name][key].is_unique


def test_hash_keyed_tables_have_no_duplicate_keys(frames: dict[str, pd.DataFrame]) -> None:
    for name in ("subscriptions", "costs", "rates"):
        key = list(TABLES[name].key)
        assert not frames[name].duplicated(key).any(), name


@pytest.mark.parametrize(("name", "column", "target"), REFERENCES)
def test_references_name_existing_rows(frames: dict[str, pd.DataFrame], name: str, column: str, target: str) -> None:
    known = set(frames[target][TABLES[target].key[0]])
    assert set(frames[name][column].dropna()) <= known


@pytest.mark.parametrize("name", [n for n, t in TABLES.items() if t.checks])
def test_later_columns_are_not_before_earlier_ones(frames: dict[str, pd.DataFrame], name: str) -> None:
    frame = frames[name]
    for later, earlier, _ in TABLES[name].checks:
        both = frame[later].notna() & frame[earlier].notna()
        assert (frame.loc[both, later] >= frame.loc[both, earlier]).all(), (later, earlier)


@pytest.mark.parametrize("name", list(TABLES))
def test_numbers_respect_the_schema_bounds_and_choices(frames: dict[str, pd.DataFrame], name: str) -> None:
    frame = frames[name]
    for column in TABLES[name].columns:
        values = frame[column.name].dropna()
        if column.minimum is not None:
            assert (values > column.minimum).all() if column.exclusive_minimum else (values >= column.minimum).all()
        if column.maximum is not None:
            assert (values <= column.maximum).all()
        if column.choices:
            assert set(values) <= set(column.choices), column.name
        if column.kind == "currency":
            assert set(values) <= {"USD", "EUR", "GBP"}
        if column.kind == "datetime":
            assert isinstance(frame[column.name].dtype, pd.DatetimeTZDtype), column.name


def test_several_currencies_are_used_and_each_has_monthly_rates(frames: dict[str, pd.DataFrame]) -> None:
    subscriptions, rates = frames["subscriptions"], frames["rates"]
    assert set(subscriptions.currency) == {"USD", "EUR", "GBP"}
    assert set(rates.currency) == {"USD", "EUR", "GBP"}
    assert (rates.loc[rates.currency == "USD", "rate"] == 1).all()
    first = rates.groupby("currency").date.min()
    assert (first <= subscriptions.start_date.min()).all()


def test_survey_scores_are_in_their_ranges(frames: dict[str, pd.DataFrame]) -> None:
    responses = frames["responses"]
    assert set(responses.survey) == {"nps", "csat", "exit"}
    for survey, (lo, hi) in SURVEY_SCORE_RANGES.items():
        scores = responses.loc[responses.survey == survey, "score"]
        assert scores.between(lo, hi).all(), survey
    assert responses.loc[responses.survey == "exit", "score"].between(1, 5).all()


def test_exit_answers_carry_reasons_and_often_comments(frames: dict[str, pd.DataFrame]) -> None:
    exits = frames["responses"].query("survey == 'exit'")
    assert exits.reason.notna().all()
    assert exits.reason.nunique() >= 5
    assert 0.4 < exits.comment.notna().mean() < 0.8


def test_event_properties_are_json_objects(frames: dict[str, pd.DataFrame]) -> None:
    properties = frames["events"].properties.dropna().unique()
    assert len(properties) > 5
    assert all(isinstance(json.loads(p), dict) for p in properties)


def test_events_cover_usage_and_onboarding_types_from_several_users(frames: dict[str, pd.DataFrame]) -> None:
    events = frames["events"]
    types = set(events.event_type)
    assert {
        "login",
        "report_created",
        "dashboard_viewed",
        "export",
        "integration_connected",
        "invite_sent",
    } <= types
    assert {"onboarding_profile", "onboarding_import", "onboarding_invite", "onboarding_integration"} <= types
    users = events.groupby("customer_id").user_id.nunique()
    assert users.max() > 10
    assert (events.user_id.str.split("-u").str[0] == events.customer_id).all()


def test_tickets_include_renewal_requests_and_the_usual_categories(frames: dict[str, pd.DataFrame]) -> None:
    tickets = frames["tickets"]
    assert {"discount_request", "contract_change", "bug", "how_to", "billing", "cancellation"} <= set(tickets.category)
    assert set(tickets.priority) == {"low", "normal", "high", "urgent"}
    assert 0.2 < tickets.csat.notna().mean() < 0.6


def test_customers_have_segments_countries_channels_and_owners_for_larger_accounts(
    frames: dict[str, pd.DataFrame],
) -> None:
    customers = frames["customers"]
    assert set(customers.segment) == {"smb", "mid-market", "enterprise"}
    assert customers.country.nunique() >= 8
    assert customers.channel.nunique() >= 5
    assert customers.loc[customers.segment == "smb", "owner"].isna().all()
    assert customers.loc[customers.segment != "smb", "owner"].notna().all()
    assert customers.email.str.endswith(".example").all()
    assert customers.email.is_unique


def test_costs_cover_every_month_in_several_categories(frames: dict[str, pd.DataFrame]) -> None:
    costs = frames["costs"]
    assert costs.period_start.nunique() == 36
    assert set(costs.category) == {"customer_success", "tools", "incentives", "email"}
