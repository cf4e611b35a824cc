"""The data-format reference cannot drift from the schema the importer enforces."""

from __future__ import annotations

from pathlib import Path

from tenure.schema import TABLES, reference_markdown
from tenure.store.tables import CANONICAL

ROOT = Path(__file__).resolve().parents[1]


def test_the_data_format_reference_is_generated_from_the_schema() -> None:
    assert (ROOT / "docs" / "data-format.md").read_text() == reference_markdown(), (
        "docs/data-format.md is stale: regenerate it with `tenure schema > docs/data-format.md`"
    )


def test_every_canonical_column_is_a_store_column() -> None:
    for name, spec in TABLES.items():
        stored = {c.name for c in CANONICAL[name].columns}
        assert set(spec.column_names) <= stored


def test_required_columns_are_not_nullable_in_the_store() -> None:
    for name, spec in TABLES.items():
        for column in spec.required:
            assert not CANONICAL[name].c[column].nullable, f"{name}.{column}"
