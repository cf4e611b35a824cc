"""Retention and revenue metrics, defined once as Ibis expressions, run on DuckDB, PostgreSQL or Spark.

The definitions are DESIGN §4's; each module holds one concept:

- :mod:`~tenure.metrics.activity`: who is active, for how much, at an instant (settings applied);
- :mod:`~tenure.metrics.retention`: customer counts and retention rates;
- :mod:`~tenure.metrics.revenue`: MRR and its movements;
- :mod:`~tenure.metrics.nps`, :mod:`~tenure.metrics.costs`, :mod:`~tenure.metrics.engagement`;
- :mod:`~tenure.metrics.report`: every metric for every period, in one pass;
- :mod:`~tenure.metrics.cohorts`, :mod:`~tenure.metrics.benchmarks`, :mod:`~tenure.metrics.drilldown`.

Examples
--------
>>> import tenure
>>> from tenure.metrics import report, cohort_table, explain
>>> store = tenure.connect()                                        # doctest: +SKIP
>>> report(store, "2025-01-01", "2026-01-01", period="quarter")     # doctest: +SKIP
"""

from tenure.metrics.benchmarks import BENCHMARKS, benchmark
from tenure.metrics.cohorts import cohort_table
from tenure.metrics.drilldown import explain
from tenure.metrics.report import COLUMNS, DEFINITIONS, METRIC_KEYS, definitions, report

__all__ = [
    "BENCHMARKS",
    "COLUMNS",
    "DEFINITIONS",
    "METRIC_KEYS",
    "benchmark",
    "cohort_table",
    "definitions",
    "explain",
    "report",
]
