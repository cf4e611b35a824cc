"""Kaplan–Meier retention curves checked against a product-limit estimate worked out by hand."""

from __future__ import annotations

from pathlib import Path

import pytest

from factories import write_table
from tenure.models.survival import retention_curves
from tenure.store import Store


def test_retention_curve_and_median_lifetime_match_the_product_limit_estimate(
    sqlite_store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    write_table(
        folder,
        "customers",
        ["customer_id", "segment"],
        [["a", "smb"], ["b", "smb"], ["c", "smb"], ["d", "smb"], ["e", "ent"]],
    )
    write_table(
        folder,
        "subscriptions",
        ["customer_id", "start_date", "end_date", "mrr"],
        [
            ["a", "2024-01-01", "2024-03-01", "10"],  # leaves after 60 days
            ["b", "2024-01-01", "2024-05-01", "10"],  # leaves after 121 days
            ["c", "2024-01-01", "", "10"],  # still here at the data end: 152 days, censored
            ["d", "2024-02-01", "", "10"],  # 121 days, censored
            ["e", "2024-06-01", "", "10"],  # the newest start: the data end
        ],
    )
    sqlite_store.import_folder(folder)
    curves = retention_curves(sqlite_store, by="segment")
    smb = curves.summary.set_index("group").loc["smb"]
    # at a's exit 4 are at risk: S = 3/4; at b's exit 3 (b, d, c): S = 3/4 × 2/3 = 1/2
    assert (smb["customers"], smb["churned"]) == (4, 2)
    assert smb["retained_1m"] == 1.0
    assert smb["retained_3m"] == pytest.approx(0.75)
    assert smb["median_months"] == pytest.approx(round(121 / 30.4375, 1))
