"""The chapter-2 churn rate and net retention of "Fighting Churn With Data" (Carl Gold, 2020;
``fightchurn`` listings 2.1 and 2.2), restated here as the book writes them: PostgreSQL queries over a
``subscription(account_id, start_date, end_date, mrr)`` table, one date range per query.

An account is active at an instant when a subscription covers it (``start_date <= t`` and ``end_date > t``
or open); churned accounts are active at the start and not at the end; net retention is the end MRR of
the accounts active at the start over their start MRR. These are Tenure's ``churn_rate`` and ``nrr``
for the same period, so the two must agree exactly.
"""

from __future__ import annotations

CHURN_RATE = """
with date_range as (
    select %(start)s::date as start_date, %(end)s::date as end_date
),
start_accounts as (
    select distinct account_id
    from subscription s inner join date_range d
      on s.start_date <= d.start_date and (s.end_date > d.start_date or s.end_date is null)
),
end_accounts as (
    select distinct account_id
    from subscription s inner join date_range d
      on s.start_date <= d.end_date and (s.end_date > d.end_date or s.end_date is null)
),
churned_accounts as (
    select s.account_id
    from start_accounts s left outer join end_accounts e on s.account_id = e.account_id
    where e.account_id is null
),
start_count as (select count(start_accounts.*) as n_start from start_accounts),
churn_count as (select count(churned_accounts.*) as n_churn from churned_accounts)
select n_churn::float / n_start::float as churn_rate,
       1.0 - n_churn::float / n_start::float as retention_rate,
       n_start, n_churn
from start_count, churn_count
"""

NET_RETENTION = """
with date_range as (
    select %(start)s::date as start_date, %(end)s::date as end_date
),
start_accounts as (
    select account_id, sum(mrr) as total_mrr
    from subscription s inner join date_range d
      on s.start_date <= d.start_date and (s.end_date > d.start_date or s.end_date is null)
    group by account_id
),
end_accounts as (
    select account_id, sum(mrr) as total_mrr
    from subscription s inner join date_range d
      on s.start_date <= d.end_date and (s.end_date > d.end_date or s.end_date is null)
    group by account_id
),
retained_accounts as (
    select s.account_id, sum(e.total_mrr) as total_mrr
    from start_accounts s inner join end_accounts e on s.account_id = e.account_id
    group by s.account_id
),
start_mrr as (select sum(start_accounts.total_mrr) as start_mrr from start_accounts),
retain_mrr as (select sum(retained_accounts.total_mrr) as retain_mrr from retained_accounts)
select retain_mrr / start_mrr as net_mrr_retention_rate,
       1.0 - retain_mrr / start_mrr as net_mrr_churn_rate,
       start_mrr, retain_mrr
from start_mrr, retain_mrr
"""

SUBSCRIPTION_TABLE = """
create table subscription (
    id serial primary key,
    account_id integer not null,
    product_id integer,
    start_date date not null,
    end_date date,
    mrr double precision not null,
    quantity double precision,
    units text,
    bill_period_months integer
)
"""
"""The book's ``subscription`` table (its schema ``socialnet7`` puts it in a schema of that name)."""


def book_figures(cursor, months: list[tuple[str, str]]) -> list[dict]:
    """Run the book's two queries once per month, as the book's ``run_churn_listing`` does."""
    out = []
    for start, end in months:
        cursor.execute(CHURN_RATE, {"start": start, "end": end})
        churn_rate, _, n_start, n_churn = cursor.fetchone()
        cursor.execute(NET_RETENTION, {"start": start, "end": end})
        nrr, _, start_mrr, retain_mrr = cursor.fetchone()
        out.append(
            {
                "start": start,
                "churn_rate": churn_rate,
                "n_start": n_start,
                "n_churn": n_churn,
                "nrr": float(nrr),
                "start_mrr": float(start_mrr),
                "retain_mrr": float(retain_mrr),
            }
        )
    return out
