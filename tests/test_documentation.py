"""Every setting and every command is documented, and the generated references are current."""

from __future__ import annotations

from pathlib import Path

from tenure import settings
from tenure.cli import _mount, app
from tenure.cli.reference import commands, reference_markdown

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_has_a_description() -> None:
    missing = [name for name, f in settings.Settings.model_fields.items() if not (f.description or "").strip()]
    assert not missing


def test_the_settings_reference_is_current() -> None:
    assert (ROOT / "docs" / "settings.md").read_text() == settings.reference_markdown(), (
        "docs/settings.md is stale: regenerate it with `python scripts/gen_docs.py`"
    )


def test_every_command_and_option_has_help() -> None:
    _mount()
    undocumented = []
    for name, cmd in commands(app):
        if not (getattr(cmd, "help", None) or "").strip():
            undocumented.append(name)
        for p in getattr(cmd, "params", []):
            if p.param_type_name == "option" and p.name != "help" and not (getattr(p, "help", None) or "").strip():
                undocumented.append(f"{name} {p.opts[0]}")
    assert not undocumented


def test_the_command_reference_is_current() -> None:
    _mount()
    assert (ROOT / "docs" / "cli.md").read_text() == reference_markdown(app), (
        "docs/cli.md is stale: regenerate it with `python scripts/gen_docs.py`"
    )
