"""Uplift: intervals and sample sizes against published and hand-computed values, and the demo
business's planted win-back effect recovered by the report."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from factories import write_table
from tenure.actions.experiments import (
    assign_arm,
    difference_interval,
    sample_size,
    uplift_report,
    wilson_interval,
)
from tenure.errors import NotFoundError
from tenure.store import Store


def test_wilson_interval_matches_the_hand_computation() -> None:
    # 56/70, z = 1.96: centre (0.8 + 1.96²/140) / (1 + 1.96²/70) = 0.78439,
    # half-width 1.96 × sqrt(0.16/70 + 1.96²/19600) / 1.05488 = 0.09256
    low, high = wilson_interval(56, 70)
    assert low == pytest.approx(0.78439 - 0.09256, abs=1e-4)
    assert high == pytest.approx(0.78439 + 0.09256, abs=1e-4)


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:873-890, table II, method 10
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0000),
    ],
)
def test_newcombe_interval_matches_the_published_examples(
    x1: int, n1: int, x2: int, n2: int, low: float, high: float
) -> None:
    lo, hi = difference_interval(x1, n1, x2, n2)
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


def test_wald_interval_is_the_difference_plus_minus_z_standard_errors() -> None:
    # 0.8 − 0.6 ± 1.96 × sqrt(0.8·0.2/70 + 0.6·0.4/80) = 0.2 ± 1.96 × 0.072703
    lo, hi = difference_interval(56, 70, 48, 80, method="wald")
    assert lo == pytest.approx(0.2 - 0.142498, abs=1e-4)
    assert hi == pytest.approx(0.2 + 0.142498, abs=1e-4)


def test_sample_size_for_fifty_against_sixty_percent_is_388_a_group() -> None:
    # (1.96·sqrt(2·0.55·0.45) + 0.8416·sqrt(0.25 + 0.24))² / 0.1² = 387.3 → 388 per arm
    assert sample_size(0.5, 0.1, holdout=0.5) == 776


def test_sample_size_grows_when_the_holdout_is_small() -> None:
    # unequal arms need more customers in all for the same power
    assert sample_size(0.8, 0.05, holdout=0.2) > sample_size(0.8, 0.05, holdout=0.5)


def test_holdout_assignment_is_stable_and_near_its_share() -> None:
    arms = [assign_arm("pb", f"c{i}", 0.3) for i in range(4000)]
    assert arms == [assign_arm("pb", f"c{i}", 0.3) for i in range(4000)]
    # binomial(4000, 0.3): sd 29; four sd either side of 1200
    assert 1084 <= arms.count("holdout") <= 1316


def _touches_business(store: Store, folder: Path) -> None:
    """Ten treated customers (8 still paying 60 days later) and ten held out (5 still paying), all
    touched on 2025-03-01 while paying 100 a month; churners end on 2025-04-01."""
    customers, subs, touches = [], [], []
    for arm, n, kept in (("treated", 10, 8), ("holdout", 10, 5)):
        for k in range(n):
            cid = f"{arm[0]}{k}"
            customers.append([cid, "2024-01-01"])
            subs.append([cid, "2024-01-01", "" if k < kept else "2025-04-01", 100])
            touches.append([f"pb:{cid}", "pb", cid, "2025-03-01", arm, "email:x"])
    # a second touch of a treated churner later on: only the first touch counts
    touches.append(["pb:t9b", "pb", "t9", "2025-03-20", "treated", "email:x"])
    write_table(folder, "customers", ["customer_id", "created_at"], customers)
    write_table(folder, "subscriptions", ["customer_id", "start_date", "end_date", "mrr"], subs)
    write_table(folder, "touches", ["touch_id", "playbook", "customer_id", "touched_at", "arm", "action"], touches)
    store.import_folder(folder)


def test_uplift_report_compares_retention_of_each_arm_from_the_first_touch(store: Store, tmp_path: Path) -> None:
    _touches_business(store, tmp_path / "data")
    report = uplift_report(store, "pb", horizon_days=60, as_of="2025-12-31")
    assert (report.treated, report.holdout) == (10, 10)
    assert (report.measured_treated, report.measured_holdout) == (10, 10)
    assert report.retention_treated == pytest.approx(0.8)
    assert report.retention_holdout == pytest.approx(0.5)
    assert report.lift == pytest.approx(0.3)
    assert (report.ci_low, report.ci_high) == pytest.approx(difference_interval(8, 10, 5, 10))
    assert report.mrr_retained_treated == pytest.approx(800 / 1000)
    assert report.mrr_retained_holdout == pytest.approx(500 / 1000)


def test_uplift_report_leaves_touches_whose_horizon_is_still_ahead_unmeasured(store: Store, tmp_path: Path) -> None:
    _touches_business(store, tmp_path / "data")
    report = uplift_report(store, "pb", horizon_days=60, as_of="2025-04-15")
    assert (report.treated, report.holdout) == (10, 10)
    assert (report.measured_treated, report.measured_holdout) == (0, 0)
    assert report.lift is None and report.retention_treated is None


def test_uplift_report_of_a_playbook_without_touches_says_how_to_get_some(sqlite_store: Store) -> None:
    with pytest.raises(NotFoundError, match="no touches"):
        uplift_report(sqlite_store, "nothing")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, dict]:
    """A demo business of 8,000 customers over 36 months, imported without its events (the report
    reads subscriptions and touches only)."""
    simulate = pytest.importorskip("tenure.simulate")
    business = simulate.simulate(customers=8000, months=36, seed=7, end="2025-01-01")
    folder = tmp_path_factory.mktemp("demo")
    business.write(folder)
    for name in ("events", "invoices", "payments", "tickets", "responses", "orders", "costs"):
        (folder / f"{name}.parquet").unlink()
    store = Store.open(f"sqlite:///{folder / 'demo.db'}")
    store.import_folder(folder)
    return store, business.effects


def test_uplift_report_recovers_the_demo_businesses_planted_winback_effect_within_its_interval(
    demo: tuple[Store, dict],
) -> None:
    store, effects = demo
    truth = effects["summary"]["winback"]
    report = uplift_report(store, "winback", horizon_days=60, as_of="2025-01-01")
    assert report.treated == truth["treated"]["customers"]
    assert report.holdout == truth["holdout"]["customers"]
    # the treatment changes only voluntary churn, so the true lift in retention is the holdout's
    # voluntary 60-day churn minus the treated arm's
    planted = truth["holdout"]["voluntary_churn_60d"] - truth["treated"]["voluntary_churn_60d"]
    assert planted > 0
    assert report.ci_low <= planted <= report.ci_high
    assert report.lift > 0
    hazard_ratio = effects["effects"]["winback_hazard_ratio"]
    assert math.isclose(hazard_ratio, 0.7)


def test_uplift_counts_match_the_demo_touch_table(demo: tuple[Store, dict], tmp_path: Path) -> None:
    store, _ = demo
    touches = store.table_arrow("touches").to_pandas()
    first = touches.sort_values("touched_at").drop_duplicates("customer_id")
    report = uplift_report(store, "winback", horizon_days=60, as_of="2025-01-01")
    assert report.treated == (first.arm == "treated").sum()
    assert report.holdout == (first.arm == "holdout").sum()
