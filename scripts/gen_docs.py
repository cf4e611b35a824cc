"""Regenerate the references that are derived from the code: data format, settings, commands."""

from pathlib import Path

from tenure import schema, settings
from tenure.cli import _mount, app
from tenure.cli.reference import reference_markdown

docs = Path(__file__).resolve().parents[1] / "docs"
_mount()
(docs / "data-format.md").write_text(schema.reference_markdown())
(docs / "settings.md").write_text(settings.reference_markdown())
(docs / "cli.md").write_text(reference_markdown(app))
print("wrote docs/data-format.md, docs/settings.md, docs/cli.md")
