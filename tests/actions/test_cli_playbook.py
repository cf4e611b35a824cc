"""The ``tenure playbook`` commands, run as a user would."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from actions.support import WINBACK_YAML, Mailbox, inactive_business
from tenure.cli import _mount, app
from tenure.store import Store

runner = CliRunner()


@pytest.fixture
def cli_store(sqlite_url: str, smtp: Mailbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    monkeypatch.setenv("TENURE_SMTP_URL", smtp.url)
    monkeypatch.setenv("TENURE_DATABASE_URL", sqlite_url)
    store = Store.open(sqlite_url)
    inactive_business(store, tmp_path / "data")
    store.close()
    _mount()
    return sqlite_url


def test_run_then_report_as_json_counts_treated_and_held_out_customers(
    cli_store: str, smtp: Mailbox, tmp_path: Path
) -> None:
    (tmp_path / "winback.yaml").write_text(WINBACK_YAML)
    dry = runner.invoke(app, ["playbook", "run", str(tmp_path / "winback.yaml"), "--as-of", "2025-06-01", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "would touch 20" in dry.output and smtp.messages == []
    ran = runner.invoke(app, ["playbook", "run", str(tmp_path / "winback.yaml"), "--as-of", "2025-06-01"])
    assert ran.exit_code == 0, ran.output
    report = runner.invoke(app, ["playbook", "report", "winback", "--format", "json"])
    data = json.loads(report.output)
    assert data["treated"] == len(smtp.messages) and data["treated"] + data["holdout"] == 20
    for key in (
        "retention_treated",
        "retention_holdout",
        "lift",
        "ci_low",
        "ci_high",
        "mrr_retained_treated",
        "mrr_retained_holdout",
        "customers_needed",
    ):
        assert key in data


def test_list_enable_show_and_disable_a_built_in_playbook(cli_store: str) -> None:
    listed = runner.invoke(app, ["playbook", "list", "--format", "json"])
    assert {r["name"] for r in json.loads(listed.output)} >= {"winback", "onboarding", "upgrade-offer"}
    assert runner.invoke(app, ["playbook", "enable", "onboarding"]).exit_code == 0
    shown = runner.invoke(app, ["playbook", "show", "onboarding"])
    assert "checklist: [onboarding_profile" in shown.output
    assert runner.invoke(app, ["playbook", "disable", "onboarding"]).exit_code == 0
    rows = {r["name"]: r for r in json.loads(runner.invoke(app, ["playbook", "list", "--format", "json"]).output)}
    assert rows["onboarding"]["enabled"] is False and rows["onboarding"]["version"] == 1


def test_a_playbook_with_an_unsafe_condition_fails_with_a_clean_message(cli_store: str, tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("name: bad\ncondition: \"__import__('os').system('true')\"\n")
    result = runner.invoke(app, ["playbook", "run", str(tmp_path / "bad.yaml")])
    assert result.exit_code != 0
    assert "calls are not allowed" in str(result.exception) + result.output
