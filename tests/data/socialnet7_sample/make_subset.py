"""Make the reduced socialnet7 copy in this folder (run once by a developer, not by the tests).

usage: python make_subset.py CANONICAL_DIR OUT_DIR

CANONICAL_DIR is the output of ``/work/shared/checks/fightchurn_to_canonical.py`` on the full
socialnet7 data ("Fighting Churn With Data", Carl Gold, fightchurn 1.2.0, MIT licence). Keeps 400
accounts whose last subscription ended before the data end (2020-06-01) and 600 others, chosen with
seed 7; drops the events' constant user_id and empty value columns and stores times to the second.
"""

import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

src, out = sys.argv[1], sys.argv[2]
sub = pd.read_parquet(f"{src}/subscriptions.parquet")
last = pd.to_datetime(sub.end_date).groupby(sub.customer_id).max()
churned = np.array(sorted(last[last < pd.Timestamp("2020-06-01")].index))
stayed = np.array(sorted(last[last >= pd.Timestamp("2020-06-01")].index))
rng = np.random.default_rng(7)
ids = np.r_[rng.choice(churned, 400, replace=False), rng.choice(stayed, 600, replace=False)]
keep = pa.array(sorted(ids))
for name in ("customers", "subscriptions", "events"):
    t = pq.read_table(f"{src}/{name}.parquet")
    t = t.filter(pc.is_in(t["customer_id"], keep))
    if name == "events":
        t = t.drop(["user_id", "value"])
        seconds = pc.cast(t["occurred_at"], pa.timestamp("s"))
        t = t.set_column(t.schema.get_field_index("occurred_at"), "occurred_at", seconds)
        t = t.sort_by([("customer_id", "ascending"), ("occurred_at", "ascending")])
    dictionary = ["customer_id", "event_type", "plan", "channel", "country"]
    pq.write_table(t, f"{out}/{name}.parquet", compression="zstd", compression_level=19, use_dictionary=dictionary)
