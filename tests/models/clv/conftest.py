"""Shared fixtures: the CDNOW 2,357-customer sample of Fader, Hardie & Lee (2005), kept in tests/data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tenure.models.clv import customer_summary, summary_with_holdout

CDNOW_SAMPLE = Path(__file__).resolve().parents[2] / "data" / "cdnow" / "CDNOW_sample.txt"
CALIBRATION_END = "1997-09-30"
OBSERVATION_END = "1998-06-30"


def published(value: float) -> float:
    """Tolerance for matching a number to the precision the papers print it with."""
    return 0.005 * abs(value) + 5e-4


@pytest.fixture(scope="session")
def cdnow_transactions() -> pd.DataFrame:
    """One row per purchase: customer_id (the sample's id), date, amount."""
    rows = [line.split() for line in CDNOW_SAMPLE.read_text().splitlines() if line.strip()]
    return pd.DataFrame(
        {
            "customer_id": [int(r[1]) for r in rows],
            "date": pd.to_datetime([r[2] for r in rows], format="%Y%m%d"),
            "amount": [float(r[4]) for r in rows],
        }
    )


@pytest.fixture(scope="session")
def cdnow_summary(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    return customer_summary(cdnow_transactions, CALIBRATION_END, time_unit="week")


@pytest.fixture(scope="session")
def cdnow_holdout(cdnow_transactions: pd.DataFrame) -> pd.DataFrame:
    return summary_with_holdout(cdnow_transactions, CALIBRATION_END, OBSERVATION_END, time_unit="week")


@pytest.fixture(scope="session")
def cdnow_csv(tmp_path_factory: pytest.TempPathFactory, cdnow_transactions: pd.DataFrame) -> Path:
    """The sample as the CLI reads it: customer_id,date,amount with ISO dates."""
    path = tmp_path_factory.mktemp("cdnow") / "cdnow.csv"
    frame = cdnow_transactions.assign(
        customer_id=cdnow_transactions["customer_id"].map(lambda i: f"{i:04d}"),
        date=cdnow_transactions["date"].dt.strftime("%Y-%m-%d"),
    )
    frame.to_csv(path, index=False)
    return path
