"""The customer spans kept beside a SQLite store's columnar copies: read only for the data and
settings they were computed from. Figures hand-computed from ``small_business``:

c1 pays 100 from 1 Jan, 150 from 1 Mar; c2 pays 50 EUR (55 USD at 1.1) from 15 Jan to 15 Apr;
c3 pays 1000 from 1 Feb. On 1 April: c1, c2 and c3 are customers (1,205 USD of MRR); on 1 May c2
is gone: April's churn rate is 1/3.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
from typer.testing import CliRunner

from factories import small_business, write_table
from tenure.cli import _mount, app
from tenure.engine import open_engine
from tenure.metrics import report
from tenure.store import Store
from tenure.store.analytics_copy import cache_dir


def _kept(store: Store) -> list[Path]:
    return sorted(cache_dir(store).glob("derived-spans-*.parquet"))  # type: ignore[union-attr]


def _business(store: Store, tmp_path: Path) -> Path:
    folder = small_business(tmp_path / "ds")
    write_table(folder, "rates", ["currency", "date", "rate"], [["EUR", "2024-01-01", "1.1"]])
    store.import_folder(folder)
    return folder


def _april(frame) -> dict:
    return frame.set_index("start").loc["2024-04-01"].to_dict()


def test_the_first_report_keeps_its_spans_and_the_next_report_reads_them(sqlite_store: Store, tmp_path: Path) -> None:
    _business(sqlite_store, tmp_path)
    assert _kept(sqlite_store) == []
    first = _april(report(sqlite_store, "2024-01-01", "2024-06-01"))
    assert (first["customers_start"], first["customers_lost"], first["mrr_start"]) == (3, 1, 1205.0)
    assert abs(first["churn_rate"] - 1 / 3) < 1e-12
    (kept,) = _kept(sqlite_store)
    # Take c2 out of the kept file: a report that reads it no longer sees c2.
    spans = pq.read_table(kept)
    pq.write_table(spans.filter(pc.not_equal(spans["customer_id"], "c2")), kept)
    second = _april(report(sqlite_store, "2024-01-01", "2024-06-01"))
    assert (second["customers_start"], second["customers_lost"], second["mrr_start"]) == (2, 0, 1150.0)
    # A segment's report computes its own spans (smb: c1 and c2), never the whole business's.
    smb = _april(report(sqlite_store, "2024-01-01", "2024-06-01", segment="smb"))
    assert (smb["customers_start"], smb["customers_lost"], smb["mrr_start"]) == (2, 1, 205.0)


def test_each_setting_that_shapes_the_spans_keeps_its_own(sqlite_store: Store, tmp_path: Path) -> None:
    _business(sqlite_store, tmp_path)
    report(sqlite_store, "2024-01-01", "2024-06-01")
    report(sqlite_store, "2024-01-01", "2024-06-01", gross_margin=0.5)  # does not shape the spans
    assert len(_kept(sqlite_store)) == 1
    report(sqlite_store, "2024-01-01", "2024-06-01", churn_recognition="scheduled")
    report(sqlite_store, "2024-01-01", "2024-06-01", delinquency_days=30)
    assert len(_kept(sqlite_store)) == 3


def test_an_import_of_subscriptions_drops_the_kept_spans_and_the_next_report_counts_the_new_rows(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _business(sqlite_store, tmp_path)
    report(sqlite_store, "2024-01-01", "2024-06-01")
    assert len(_kept(sqlite_store)) == 1
    more = tmp_path / "more"
    write_table(more, "customers", ["customer_id", "name"], [["c4", "Di"]])
    write_table(
        more,
        "subscriptions",
        ["customer_id", "start_date", "end_date", "mrr", "plan", "currency"],
        [["c4", "2024-03-10", "", "20", "starter", "USD"]],
    )
    sqlite_store.import_folder(more)
    assert _kept(sqlite_store) == []
    april = _april(report(sqlite_store, "2024-01-01", "2024-06-01"))
    assert (april["customers_start"], april["customers_lost"], april["mrr_start"]) == (4, 1, 1225.0)
    assert len(_kept(sqlite_store)) == 1


def test_a_kept_file_that_is_not_whole_is_dropped_and_the_spans_computed_again(
    sqlite_store: Store, tmp_path: Path
) -> None:
    _business(sqlite_store, tmp_path)
    report(sqlite_store, "2024-01-01", "2024-06-01")
    (kept,) = _kept(sqlite_store)
    kept.write_bytes(kept.read_bytes()[:40])  # as a crash might leave it
    april = _april(report(sqlite_store, "2024-01-01", "2024-06-01"))
    assert (april["customers_start"], april["customers_lost"], april["mrr_start"]) == (3, 1, 1205.0)
    assert _kept(sqlite_store) == []
    report(sqlite_store, "2024-01-01", "2024-06-01")
    assert pq.read_table(kept).num_rows == 4


def test_figures_from_kept_spans_equal_figures_computed_in_memory(sqlite_store: Store, tmp_path: Path) -> None:
    _business(sqlite_store, tmp_path)
    for settings in ({}, {"churn_recognition": "scheduled"}, {"count_free_customers": True}, {"delinquency_days": 0}):
        kept = report(sqlite_store, "2024-01-01", "2024-07-01", **settings)
        kept_again = report(sqlite_store, "2024-01-01", "2024-07-01", **settings)
        engine = open_engine(sqlite_store)
        engine.copies = {}  # reads the copies, but keeps nothing: spans computed in memory
        try:
            in_force = sqlite_store.settings.model_copy(update=settings)
            computed = report(engine, "2024-01-01", "2024-07-01", settings=in_force)
        finally:
            engine.close()
        assert kept.equals(computed) and kept_again.equals(computed), settings


def test_tenure_import_keeps_the_spans_for_the_stores_settings(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 't.db'}"
    folder = small_business(tmp_path / "ds")
    _mount()
    # c2 pays in EUR and there is no rate yet: the import succeeds, the spans wait for the rates
    result = CliRunner().invoke(app, ["import", str(folder), "--db", url])
    assert result.exit_code == 0, result.output
    store = Store.open(url)
    assert _kept(store) == []
    write_table(folder, "rates", ["currency", "date", "rate"], [["EUR", "2024-01-01", "1.1"]])
    result = CliRunner().invoke(app, ["import", str(folder), "--db", url])
    assert result.exit_code == 0, result.output
    (kept,) = _kept(store)
    assert pq.read_table(kept).num_rows == 4  # c1 at 100 then 150, c2, c3
    assert _april(report(store, "2024-01-01", "2024-06-01"))["mrr_start"] == 1205.0
    assert _kept(store) == [kept]
