"""docs/metrics.md documents every metric key, every setting that changes the metrics, every cohort
grouping and every drill-down."""

from __future__ import annotations

from pathlib import Path

import pytest

from tenure.metrics import COLUMNS, DEFINITIONS
from tenure.metrics.cohorts import COHORT_BY
from tenure.metrics.drilldown import EXPLAINABLE
from tenure.metrics.report import METRIC_SETTINGS

DOC = (Path(__file__).resolve().parents[2] / "docs" / "metrics.md").read_text()


@pytest.mark.parametrize("key", [*COLUMNS, *METRIC_SETTINGS, *COHORT_BY, *EXPLAINABLE])
def test_docs_name_every_metric_setting_cohort_grouping_and_drill_down(key: str) -> None:
    assert f"`{key}" in DOC or f"{key}`" in DOC or f"| {key} " in DOC, key


def test_every_report_column_has_a_definition_in_the_json() -> None:
    assert set(COLUMNS) <= set(DEFINITIONS)
