"""Observations and labels on a small business whose answers were worked out by hand."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from factories import write_table
from tenure.engine import open_engine
from tenure.errors import ConfigurationError
from tenure.models.churn.observations import (
    ObservationSpec,
    build_observations,
    data_end,
    labelled_dates,
    observation_dates,
)
from tenure.store import Store

SUBSCRIPTIONS = [
    # c1: three monthly rows, the last one cut short: leaves on 20 March
    ["c1", "2024-01-01", "2024-02-01", "50", ""],
    ["c1", "2024-02-01", "2024-03-01", "50", ""],
    ["c1", "2024-03-01", "2024-03-20", "50", ""],
    # c2: ongoing since 15 January, cancellation scheduled on 10 March
    ["c2", "2024-01-15", "", "80", "2024-03-10"],
    # c3: leaves on 5 March, back 3 days later
    ["c3", "2024-02-10", "2024-03-05", "20", ""],
    ["c3", "2024-03-08", "", "20", ""],
    # c4: free plan only
    ["c4", "2024-01-01", "", "0", ""],
    # c5: the newest start: the data end
    ["c5", "2024-05-01", "", "30", ""],
]


def business(folder: Path) -> Path:
    write_table(folder, "customers", ["customer_id"], [[c] for c in ("c1", "c2", "c3", "c4", "c5")])
    write_table(folder, "subscriptions", ["customer_id", "start_date", "end_date", "mrr", "canceled_at"], SUBSCRIPTIONS)
    return folder


@pytest.fixture
def loaded(store: Store, tmp_path: Path) -> Store:
    store.import_folder(business(tmp_path / "data"))
    return store


def labels(store: Store, spec: ObservationSpec) -> dict[tuple[str, str], int | None]:
    engine = open_engine(store)
    obs = build_observations(engine, spec)
    engine.close()
    return {
        (r.customer_id, f"{r.obs_date:%Y-%m-%d}"): (None if pd.isna(r.churned) else int(r.churned))
        for r in obs.itertuples()
    }


def test_data_end_is_the_newest_subscription_start(loaded: Store) -> None:
    engine = open_engine(loaded)
    assert data_end(engine) == datetime(2024, 5, 1)
    # horizon 28 days: the newest labelled date is on or before 3 April
    dates = labelled_dates(engine, ObservationSpec())
    engine.close()
    assert [f"{d:%m-%d}" for d in dates] == ["01-01", "02-01", "03-01", "04-01"]


def test_labels_mark_customers_whose_activity_ends_within_the_horizon(loaded: Store) -> None:
    assert labels(loaded, ObservationSpec()) == {
        ("c1", "2024-01-01"): 0,
        ("c1", "2024-02-01"): 0,
        ("c1", "2024-03-01"): 1,  # ends 20 March, within 28 days
        ("c2", "2024-02-01"): 0,
        ("c2", "2024-03-01"): 0,
        ("c2", "2024-04-01"): 0,
        ("c3", "2024-03-01"): 1,  # the gap of 5 to 8 March is a churn
        ("c3", "2024-04-01"): 0,
    }


def test_short_gaps_are_bridged_when_gap_days_allows(loaded: Store) -> None:
    got = labels(loaded, ObservationSpec(gap_days=7))
    assert got[("c3", "2024-03-01")] == 0


def test_scheduled_recognition_ends_activity_at_the_cancellation(loaded: Store) -> None:
    got = labels(loaded, ObservationSpec(churn_recognition="scheduled"))
    assert got[("c2", "2024-03-01")] == 1
    assert ("c2", "2024-04-01") not in got


def test_free_customers_are_observed_only_when_they_count(loaded: Store) -> None:
    assert not any(c == "c4" for c, _ in labels(loaded, ObservationSpec()))
    assert labels(loaded, ObservationSpec(count_free_customers=True))[("c4", "2024-03-01")] == 0


def test_dates_past_the_data_end_have_no_label(loaded: Store) -> None:
    engine = open_engine(loaded)
    obs = build_observations(engine, ObservationSpec(), [datetime(2024, 4, 20)])
    engine.close()
    assert obs["churned"].isna().all()
    assert set(obs["customer_id"]) == {"c2", "c3"}


@pytest.mark.parametrize(
    ("frequency", "expected"),
    [
        ("monthly", ["2024-02-01", "2024-03-01"]),
        ("weekly", ["2024-01-22", "2024-01-29", "2024-02-05", "2024-02-12", "2024-02-19", "2024-02-26", "2024-03-04"]),
        ("14d", ["2024-01-23", "2024-02-06", "2024-02-20", "2024-03-05"]),
    ],
)
def test_observation_dates_follow_the_frequency(frequency: str, expected: list[str]) -> None:
    got = observation_dates(datetime(2024, 1, 20), datetime(2024, 3, 5), frequency)
    assert [f"{d:%Y-%m-%d}" for d in got] == expected


def test_an_unknown_frequency_is_refused_with_the_choices() -> None:
    with pytest.raises(ConfigurationError, match="monthly, weekly or a number of days"):
        ObservationSpec(frequency="hourly")
