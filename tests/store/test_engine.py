"""The analytics engine hands results to pandas the way pandas holds them."""

from __future__ import annotations

from pathlib import Path

import ibis
import numpy as np

from factories import small_business
from tenure.engine import open_engine
from tenure.store import Store


def test_to_pandas_gives_a_count_with_gaps_as_floats_with_nan(sqlite_store: Store, tmp_path: Path) -> None:
    sqlite_store.import_folder(small_business(tmp_path / "ds"))
    engine = open_engine(sqlite_store)
    try:
        s = engine.table("subscriptions")
        counted = s.group_by("customer_id").aggregate(rows=s.count())
        gaps = counted.mutate(rows=ibis.ifelse(counted.customer_id == "c2", ibis.null("int64"), counted.rows))
        frame = engine.to_pandas(gaps.order_by("customer_id"))
    finally:
        engine.close()
    assert frame["customer_id"].tolist() == ["c1", "c2", "c3"]
    assert frame["rows"].dtype == np.float64
    assert frame["rows"].iloc[0] == 2.0 and np.isnan(frame["rows"].iloc[1]) and frame["rows"].iloc[2] == 1.0
