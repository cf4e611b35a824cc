"""Data preparation: transactions to (frequency, recency, T, monetary value) with DuckDB."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from tenure.errors import ConfigurationError, ModelError
from tenure.models.clv import customer_summary, summary_from_orders, summary_with_holdout

PUBLISHED_SUMMARY = Path(__file__).resolve().parents[2] / "data" / "cdnow" / "cdnow_customers_summary.csv"


def test_cdnow_summary_matches_the_papers_calibration_summary(cdnow_summary: pd.DataFrame) -> None:
    assert len(cdnow_summary) == 2357
    assert int((cdnow_summary["frequency"] > 0).sum()) == 946
    assert int(cdnow_summary["frequency"].sum()) == 2457  # repeat transactions in weeks 1-39
    first = cdnow_summary.iloc[0]
    assert (first["frequency"], round(first["recency"], 2), round(first["T"], 2)) == (2, 30.43, 38.86)


def test_several_purchases_on_one_day_count_as_one_transaction_with_amounts_summed() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": ["a"] * 4,
            "date": ["2024-01-01", "2024-01-08", "2024-01-08", "2024-01-22"],
            "amount": [5.0, 10.0, 20.0, 40.0],
        }
    )
    row = customer_summary(tx, "2024-01-29", time_unit="day").loc["a"]
    assert row["frequency"] == 2 and row["recency"] == 21 and row["T"] == 28
    assert row["monetary_value"] == pytest.approx((30.0 + 40.0) / 2)  # the first purchase is excluded


@pytest.mark.parametrize(("unit", "recency"), [("day", 14.0), ("week", 2.0), ("month", 14 / (365.25 / 12))])
def test_time_unit_scales_recency_and_age(unit: str, recency: float) -> None:
    tx = pd.DataFrame({"customer_id": [1, 1], "date": ["2024-01-01", "2024-01-15"], "amount": [1.0, 1.0]})
    assert customer_summary(tx, "2024-01-15", time_unit=unit).loc[1, "recency"] == pytest.approx(recency)


def test_purchases_after_the_calibration_end_and_late_customers_are_left_out() -> None:
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "date": ["2024-01-01", "2024-03-01", "2024-03-01"],
            "amount": [1.0, 1.0, 1.0],
        }
    )
    s = customer_summary(tx, "2024-01-31", time_unit="day")
    assert list(s.index) == [1] and s.loc[1, "frequency"] == 0 and np.isnan(s.loc[1, "monetary_value"])


def test_summary_reads_arrow_tables_and_parquet_files_alike(tmp_path: Path, cdnow_transactions: pd.DataFrame) -> None:
    path = tmp_path / "tx.parquet"
    cdnow_transactions.to_parquet(path)
    from_file = customer_summary(path, "1997-09-30")
    from_arrow = customer_summary(pa.Table.from_pandas(cdnow_transactions), "1997-09-30")
    pd.testing.assert_frame_equal(from_file, from_arrow)
    assert int(from_file["frequency"].sum()) == 2457


def test_default_calibration_end_is_the_last_date_in_the_data(cdnow_transactions: pd.DataFrame) -> None:
    s = customer_summary(cdnow_transactions)
    assert s["T"].max() == pytest.approx((pd.Timestamp("1998-06-30") - pd.Timestamp("1997-01-01")).days / 7)


def test_holdout_summary_counts_transaction_days_after_the_calibration_end(
    cdnow_holdout: pd.DataFrame,
) -> None:
    assert cdnow_holdout["duration_holdout"].unique().tolist() == [39.0]
    assert int(cdnow_holdout["frequency_holdout"].sum()) == 1882


def test_holdout_observation_end_must_follow_the_calibration_end(cdnow_transactions: pd.DataFrame) -> None:
    with pytest.raises(ConfigurationError, match="must be after"):
        summary_with_holdout(cdnow_transactions, "1997-09-30", "1997-09-01")


def test_orders_table_builds_the_same_summary_from_utc_timestamps() -> None:
    orders = pa.table(
        {
            "order_id": ["o1", "o2", "o3"],
            "customer_id": ["c1", "c1", "c2"],
            "ordered_at": ["2024-01-01T23:30:00-02:00", "2024-01-15T08:00:00Z", "2024-01-03T12:00:00Z"],
            "amount": [10.0, 30.0, 5.0],
        }
    )
    s = summary_from_orders(orders, "2024-01-16", time_unit="day")
    # 23:30 at UTC-2 is 2024-01-02 in UTC
    assert s.loc["c1", "recency"] == 13 and s.loc["c1", "T"] == 14 and s.loc["c1", "monetary_value"] == 30.0


def test_orders_summary_reads_an_orders_table_through_sqlalchemy() -> None:
    sa = pytest.importorskip("sqlalchemy")
    engine = sa.create_engine("sqlite://")
    pd.DataFrame(
        {
            "order_id": ["o1", "o2"],
            "customer_id": ["c1", "c1"],
            "ordered_at": ["2024-01-01", "2024-01-08"],
            "amount": [1.0, 2.0],
        }
    ).to_sql("orders", engine, index=False)
    assert summary_from_orders(engine, "2024-01-15").loc["c1", "frequency"] == 1


def test_missing_columns_and_bad_dates_are_reported_with_where_and_what() -> None:
    with pytest.raises(ModelError, match=r"missing column\(s\) \['amount'\]"):
        customer_summary(pd.DataFrame({"customer_id": [1], "date": ["2024-01-01"]}))
    bad = pd.DataFrame({"customer_id": [1, 1], "date": ["2024-01-01", "2024-02-30"], "amount": [1.0, 1.0]})
    with pytest.raises(ModelError, match=r"row 2, column 'date': expected a date like 1997-01-25, got '2024-02-30'"):
        customer_summary(bad)
    with pytest.raises(ConfigurationError, match="time unit 'year'"):
        customer_summary(bad.iloc[:1], time_unit="year")


def test_summary_handles_a_million_transactions_in_one_query() -> None:
    rng = np.random.default_rng(0)
    n = 1_000_000
    tx = pa.table(
        {
            "customer_id": rng.integers(0, 100_000, n),
            "date": pa.array(np.datetime64("2024-01-01") + rng.integers(0, 365, n).astype("timedelta64[D]")),
            "amount": rng.gamma(2.0, 20.0, n),
        }
    )
    s = customer_summary(tx, "2024-09-30")
    assert len(s) > 99_000 and (s["recency"] <= s["T"]).all()


def test_cdnow_summary_equals_the_published_summary_file(cdnow_summary: pd.DataFrame) -> None:
    published = pd.read_csv(PUBLISHED_SUMMARY).set_index("ID")
    assert (cdnow_summary["frequency"].to_numpy() == published["frequency"].to_numpy()).all()
    # the published file rounds recency and T to 2 decimals
    np.testing.assert_allclose(cdnow_summary["recency"], published["recency"], atol=0.005)
    np.testing.assert_allclose(cdnow_summary["T"], published["T"], atol=0.005)
