"""Shared demo datasets for the simulation tests: generated once per session, small and fast."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from tenure.schema import TABLES
from tenure.simulate import Business, simulate

END = "2025-01-01"
SEED = 11


@pytest.fixture(scope="session")
def business() -> Business:
    """3,000 customers over 36 months: large enough for churn rates, small enough to take a second."""
    return simulate(customers=3000, months=36, seed=SEED, end=END)


@pytest.fixture(scope="session")
def dataset(business: Business, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session business written as Parquet."""
    directory = tmp_path_factory.mktemp("demo")
    business.write(directory)
    return directory


@pytest.fixture(scope="session")
def frames(dataset: Path) -> dict[str, pd.DataFrame]:
    """Every canonical table read back from the written files."""
    return {name: pd.read_parquet(dataset / f"{name}.parquet") for name in TABLES}


@pytest.fixture(scope="session")
def truth(dataset: Path) -> dict[str, pd.DataFrame]:
    """The ground-truth tables read back from ``ground_truth/``."""
    return {
        name: pd.read_parquet(dataset / "ground_truth" / f"{name}.parquet")
        for name in ("drivers", "hazard", "customers")
    }
