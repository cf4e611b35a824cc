"""On the demo business, the churn model finds the drivers the simulation planted.

The simulator (``tenure.simulate``) records why every customer really left
(``ground_truth/drivers``). The back-test's strongest features must include the planted mechanisms,
and the reasons given to the customers who then left must name one of their real drivers far more
often than chance (the same reasons against drivers shuffled among the churners).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest

from tenure.models.churn.backtest import backtest
from tenure.models.churn.explain import top_groups
from tenure.models.churn.pipeline import ChurnConfig, labelled_features
from tenure.models.churn.train import fit_calibrated
from tenure.store import Store

simulate = pytest.importorskip("tenure.simulate")
pytestmark = pytest.mark.slow

# which reason groups tell which planted driver's story
DRIVER_OF_GROUP = {
    "usage": "usage_decline",
    "recency": "usage_decline",
    "seats": "usage_decline",
    "tickets": "ticket_spike",
    "open_tickets": "ticket_spike",
    "response_time": "ticket_spike",
    "sentiment": "nps",
    "renewal_requests": "renewal_request",
    "onboarding": "poor_onboarding",
    "payments": "failed_payment",
}


def driver_of(group: str) -> str | None:
    return DRIVER_OF_GROUP.get(group.split(":", 1)[0])


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, pd.DataFrame]]:
    folder = tmp_path_factory.mktemp("demo")
    simulate.simulate(customers=3000, months=24, seed=1, end="2025-01-01").write(folder / "data", format="parquet")
    store = Store.open(f"sqlite:///{folder / 'tenure.db'}")
    store.import_folder(folder / "data")
    drivers = pd.read_parquet(folder / "data" / "ground_truth" / "drivers.parquet")
    yield store, drivers
    store.close()


@pytest.fixture(scope="module")
def features(demo):  # type: ignore[no-untyped-def]
    store, _ = demo
    return labelled_features(store, ChurnConfig.from_store(store))


def test_the_planted_mechanisms_rank_among_the_strongest_features_for_the_customers_who_left(features) -> None:  # type: ignore[no-untyped-def]
    result = backtest(features, 28)
    assert result.chosen.auc >= 0.8
    # Failed payments and ticket spikes touch few customers, so over everybody their mean contribution
    # is small; for the customers who then left (on later dates, with a model fitted on earlier ones)
    # every planted mechanism must be among the strongest quarter of the ~100 features.
    frame = features.frame[features.frame["churned"].notna()].copy()
    frame["churned"] = frame["churned"].astype(int)
    dates = sorted(frame["obs_date"].unique())
    cut = dates[-4]
    model = fit_calibrated(
        frame[frame["obs_date"] + pd.Timedelta(days=28) <= cut], features.columns, features.categorical, "lightgbm"
    )
    left = frame[(frame["obs_date"] > cut - pd.Timedelta(days=100)) & (frame["churned"] == 1)]
    strength = model.contributions(left).abs().mean().sort_values(ascending=False)
    top = list(strength.index)[:25]
    found = {driver_of(features.info[name].group or name) for name in top}
    assert {"usage_decline", "failed_payment", "ticket_spike", "nps", "renewal_request", "poor_onboarding"} <= found


def test_reasons_name_the_real_drivers_of_churners_far_more_often_than_chance(demo, features) -> None:  # type: ignore[no-untyped-def]
    _, drivers = demo
    frame = features.frame[features.frame["churned"].notna()].copy()
    frame["churned"] = frame["churned"].astype(int)
    dates = sorted(frame["obs_date"].unique())
    named, churners = [], []
    for t in dates[-6:]:
        train = frame[frame["obs_date"] + pd.Timedelta(days=28) <= t]
        model = fit_calibrated(train, features.columns, features.categorical, "lightgbm")
        test = frame[(frame["obs_date"] == t) & (frame["churned"] == 1)]
        for (_, row), groups in zip(
            test.iterrows(), top_groups(model.contributions(test), features.info, 3, test), strict=True
        ):
            named.append({driver_of(g) for g, _ in groups})
            churners.append((row["customer_id"], row["churned_at"]))
    truth = drivers.assign(churned_at=pd.to_datetime(drivers["churned_at"]).dt.tz_localize(None))
    real = []
    for customer, when in churners:
        rows = truth[(truth["customer_id"] == customer) & ((truth["churned_at"] - when).abs() <= pd.Timedelta(days=2))]
        active = set()
        for text in rows["drivers"]:
            active |= {"nps" if d.startswith("nps_") else d for d in text.split(";")}
        real.append(active - {"noise"})
    assert len(real) >= 60
    planted = ("usage_decline", "failed_payment", "ticket_spike", "nps", "renewal_request", "poor_onboarding")
    recall = sum(len(n & r) for n, r in zip(named, real, strict=True)) / sum(len(r) for r in real)
    false = sum(len(n - r) for n, r in zip(named, real, strict=True)) / sum(len(set(planted) - r) for r in real)
    # a real driver is named far more often than a driver that was not at work
    assert recall >= 0.5
    assert recall >= 1.5 * false
    for driver in ("failed_payment", "ticket_spike", "nps", "renewal_request"):
        when_real = np.mean([driver in n for n, r in zip(named, real, strict=True) if driver in r])
        when_not = np.mean([driver in n for n, r in zip(named, real, strict=True) if driver not in r])
        assert when_real >= 1.5 * when_not, driver
