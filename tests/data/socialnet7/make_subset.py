"""Reduced socialnet7 for the committed tests: 400 accounts that churned before the data end and 600 that did not."""
import pyarrow as pa, pyarrow.parquet as pq, pyarrow.compute as pc, numpy as np, sys, pandas as pd
out = sys.argv[1]
sub = pd.read_parquet('ds/subscriptions.parquet')
last = pd.to_datetime(sub.end_date).groupby(sub.customer_id).max()
churned = np.array(sorted(last[last < pd.Timestamp('2020-06-01')].index))
stayed = np.array(sorted(last[last >= pd.Timestamp('2020-06-01')].index))
rng = np.random.default_rng(7)
ids = np.r_[rng.choice(churned, 400, replace=False), rng.choice(stayed, 600, replace=False)]
keep = pa.array(sorted(ids))
for name in ('customers','subscriptions','events'):
    t = pq.read_table(f'ds/{name}.parquet')
    t = t.filter(pc.is_in(t['customer_id'], keep))
    if name == 'events':
        t = t.drop(['user_id','value'])
        t = t.set_column(t.schema.get_field_index('occurred_at'), 'occurred_at', pc.cast(t['occurred_at'], pa.timestamp('s')))
        t = t.sort_by([('customer_id','ascending'),('occurred_at','ascending')])
    pq.write_table(t, f'{out}/{name}.parquet', compression='zstd', compression_level=19, use_dictionary=['customer_id','event_type','plan','channel','country'])
    print(name, t.num_rows)
