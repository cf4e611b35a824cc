"""Playbook files: the issue's YAML as written, helpful refusals, versions kept in the store."""

from __future__ import annotations

import pytest

from actions.support import WINBACK_YAML
from tenure.actions import playbooks
from tenure.actions.playbooks import Playbook
from tenure.errors import ConfigurationError, ExpressionError, NotFoundError
from tenure.store import Store


def test_the_issues_playbook_parses_as_written() -> None:
    pb = Playbook.from_yaml(WINBACK_YAML)
    assert pb.name == "winback"
    assert pb.trigger.inactive_days == 14
    assert pb.condition.names == {"plan", "mrr"}
    assert [a.label for a in pb.actions] == ["email:winback", "task"]
    assert pb.actions[1].options == {
        "assignee": "owner",
        "title": "Call {{ customer.name }}: inactive 14 days",
        "due_days": 3,
    }
    assert (pb.throttle_days, pb.holdout) == (30, 0.2)


@pytest.mark.parametrize(
    ("yaml_text", "message"),
    [
        ("name: x\ntrigers: {inactive_days: 3}\n", "unknown key 'trigers'"),
        ("name: 'bad name!'\n", "name: expected letters"),
        ("name: x\nholdout: 1.5\n", "holdout: expected a share"),
        ("name: x\nthrottle_days: -1\n", "throttle_days: expected a whole number"),
        ("name: x\ntrigger: {inactive: 3}\n", "unknown key 'inactive'"),
        ("name: x\ntrigger: {schedule: hourly}\n", "schedule: expected one of daily, weekly, monthly"),
        ("name: x\nactions: [{sms: {to: me}}]\n", "unknown action 'sms'"),
        ("name: x\nactions: [{email: {template: winback}}]\n", "missing option 'subject'"),
        ("name: x\nactions: [{email: {template: w, subject: '{{ oops'}}]\n", "template error"),
        ("name: x\nactions: [{coupon: {percent_off: 150}}]\n", "percent_off: expected a number from 0 to 100"),
        ("name: x\nactions: [{webhook: {url: 'ftp://x'}}]\n", "expected an http(s) URL"),
        ("- just a list\n", "expected a mapping"),
        ("name: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_broken_playbook_is_refused_saying_what_and_where(yaml_text: str, message: str) -> None:
    with pytest.raises(ConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        Playbook.from_yaml(yaml_text, source="pb.yaml")


def test_an_unsafe_condition_is_refused_when_the_playbook_is_read() -> None:
    with pytest.raises(ExpressionError, match="calls are not allowed"):
        Playbook.from_yaml("name: x\ncondition: \"__import__('os')\"\n")


def test_every_built_in_playbook_parses() -> None:
    names = playbooks.builtin_names()
    assert set(names) == {"winback", "onboarding", "nps-detractor", "renewal-review", "upgrade-offer"}
    for name in names:
        assert playbooks.builtin(name).name == name
    assert playbooks.builtin("upgrade-offer").exclude_at_risk


def test_saving_a_changed_playbook_adds_a_version_and_an_unchanged_one_does_not(store: Store) -> None:
    first = playbooks.save(store, Playbook.from_yaml(WINBACK_YAML))
    same = playbooks.save(store, Playbook.from_yaml(WINBACK_YAML))
    changed = playbooks.save(store, Playbook.from_yaml(WINBACK_YAML.replace("holdout: 0.2", "holdout: 0.3")))
    assert (first.version, same.version, changed.version) == (1, 1, 2)
    assert playbooks.load(store, "winback").holdout == 0.3
    assert playbooks.load(store, "winback", version=1).holdout == 0.2
    assert [v["version"] for v in playbooks.versions(store, "winback")] == [1, 2]


def test_enabling_a_built_in_playbook_keeps_it_in_the_store_for_the_scheduler(store: Store) -> None:
    playbooks.set_enabled(store, "onboarding", True)
    assert [p.name for p in playbooks.enabled_playbooks(store)] == ["onboarding"]
    playbooks.set_enabled(store, "onboarding", False)
    assert playbooks.enabled_playbooks(store) == []
    rows = {r["name"]: r for r in playbooks.listing(store)}
    assert rows["onboarding"]["builtin"] is False and rows["winback"]["builtin"] is True


def test_enabling_an_unknown_playbook_says_which_exist(sqlite_store: Store) -> None:
    with pytest.raises(NotFoundError, match="built-in: nps-detractor, onboarding"):
        playbooks.set_enabled(sqlite_store, "nope", True)
