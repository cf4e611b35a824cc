"""Playbooks: what to do for which customers, written in YAML and kept in the store with every version.

A playbook file::

    name: winback
    trigger: {inactive_days: 14}
    condition: "plan != 'free' and mrr >= 50"
    actions:
      - email: {template: winback, subject: "We miss you, {{ customer.name }}"}
      - task: {assignee: owner, title: "Call {{ customer.name }}: inactive 14 days"}
    throttle_days: 30
    holdout: 0.2

Keys: ``name`` (letters, digits, ``-`` and ``_``), ``description``, ``trigger`` (see
:mod:`tenure.actions.triggers`), ``condition`` (see :mod:`tenure.actions.conditions`), ``actions``
(a list, each one of ``email``, ``task``, ``coupon``, ``tag``, ``webhook``), ``throttle_days`` (at
most one touch per customer per this many days; default 30), ``holdout`` (the share of eligible
customers kept out at random; default 0.1), ``checklist`` (event types of an onboarding checklist,
giving the ``onboarding_progress`` field) and ``exclude_at_risk`` (never act on customers at risk).

Saving a playbook whose text changed adds a version; versions are never rewritten.

Examples
--------
>>> pb = Playbook.from_yaml("name: hello\\nactions: [{tag: greeted}]\\n")
>>> pb.name, pb.holdout, pb.actions[0].label
('hello', 0.1, 'tag:greeted')
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from jinja2 import TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from tenure.actions.conditions import Condition
from tenure.actions.deliveries import insert_ignore, inserted
from tenure.actions.fields import BASE_FIELDS
from tenure.actions.tables import playbook_runs, playbook_versions, playbooks
from tenure.actions.triggers import Trigger
from tenure.errors import ConfigurationError, ExpressionError, NotFoundError, StoreError
from tenure.store import Store

NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$")
KEYS = (
    "name",
    "description",
    "trigger",
    "condition",
    "actions",
    "throttle_days",
    "holdout",
    "checklist",
    "exclude_at_risk",
)
DEFAULT_HOLDOUT = 0.1
DEFAULT_THROTTLE_DAYS = 30

ACTION_OPTIONS: dict[str, dict[str, bool]] = {
    # option -> required
    "email": {"template": True, "subject": True, "from": False},
    "task": {"title": True, "assignee": False, "due_days": False},
    "coupon": {"percent_off": True, "months": False, "expires_days": False, "prefix": False},
    "tag": {"name": True},
    "webhook": {"url": True, "secret": False},
}

_jinja = SandboxedEnvironment()


@dataclass(frozen=True)
class Action:
    """One action of a playbook: ``kind`` (email, task, coupon, tag, webhook) and its options."""

    kind: str
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """A short name, as written to ``touches.action``: ``email:winback``, ``task``, ``tag:vip``."""
        if self.kind == "email":
            return f"email:{self.options['template']}"
        if self.kind == "tag":
            return f"tag:{self.options['name']}"
        return self.kind


@dataclass(frozen=True)
class Playbook:
    """A checked playbook. Build one with :meth:`from_yaml`, :meth:`from_file` or :func:`load`."""

    name: str
    trigger: Trigger
    condition: Condition
    actions: tuple[Action, ...]
    throttle_days: int = DEFAULT_THROTTLE_DAYS
    holdout: float = DEFAULT_HOLDOUT
    checklist: tuple[str, ...] = ()
    exclude_at_risk: bool = False
    description: str = ""
    text: str = ""
    source: str | None = None
    version: int | None = None

    @property
    def action_label(self) -> str:
        """All actions' labels joined with ``+`` (what a treated touch records)."""
        return "+".join(a.label for a in self.actions) or "none"

    @classmethod
    def from_yaml(cls, text: str, source: str | None = None, version: int | None = None) -> Playbook:
        """Parse and check a playbook written in YAML."""
        where = source or "playbook"
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigurationError(f"{where}: not valid YAML: {exc}") from None
        if not isinstance(data, Mapping):
            raise ConfigurationError(f"{where}: expected a mapping with name, trigger, actions, ...")
        return cls.from_dict(data, text=text, source=source, version=version)

    @classmethod
    def from_file(cls, path: str | Path) -> Playbook:
        """Read a playbook file."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigurationError(f"playbook file {path}: {exc.strerror}") from None
        return cls.from_yaml(text, source=str(path))

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        text: str | None = None,
        source: str | None = None,
        version: int | None = None,
    ) -> Playbook:
        where = source or "playbook"
        unknown = [k for k in data if k not in KEYS]
        if unknown:
            raise ConfigurationError(f"{where}: unknown key {unknown[0]!r}; expected any of {', '.join(KEYS)}")
        name = data.get("name")
        if not isinstance(name, str) or not NAME.match(name):
            raise ConfigurationError(f"{where}: name: expected letters, digits, '-' or '_' (at most 80), got {name!r}")
        where = f"{where} ({name})" if source else f"playbook {name!r}"
        trigger = Trigger.parse(data.get("trigger"), f"{where}: trigger")
        checklist = data.get("checklist") or ()
        if not isinstance(checklist, list | tuple) or not all(isinstance(c, str) for c in checklist):
            raise ConfigurationError(f"{where}: checklist: expected a list of event types, got {checklist!r}")
        fields = set(BASE_FIELDS)
        if trigger.event_field:
            fields.add(trigger.event_field)
        condition_text = data.get("condition")
        if condition_text is not None and not isinstance(condition_text, str | bool):
            raise ConfigurationError(f"{where}: condition: expected text, got {condition_text!r}")
        try:
            # attribute fields and per-event-type counts depend on the data, so names are checked
            # against the data at run time; here only the syntax and safety are.
            condition = Condition.parse(str(condition_text) if condition_text is not None else None)
        except ExpressionError as exc:
            raise ExpressionError(f"{where}: {exc}") from None
        actions = tuple(_action(a, f"{where}: actions[{i}]") for i, a in enumerate(data.get("actions") or []))
        throttle = data.get("throttle_days", DEFAULT_THROTTLE_DAYS)
        if isinstance(throttle, bool) or not isinstance(throttle, int) or throttle < 0:
            raise ConfigurationError(f"{where}: throttle_days: expected a whole number ≥ 0, got {throttle!r}")
        holdout = data.get("holdout", DEFAULT_HOLDOUT)
        if isinstance(holdout, bool) or not isinstance(holdout, int | float) or not 0 <= holdout < 1:
            raise ConfigurationError(f"{where}: holdout: expected a share from 0 to below 1, e.g. 0.2, got {holdout!r}")
        exclude = data.get("exclude_at_risk", False)
        if not isinstance(exclude, bool):
            raise ConfigurationError(f"{where}: exclude_at_risk: expected true or false, got {exclude!r}")
        if text is None:
            text = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)
        return cls(
            name=name,
            trigger=trigger,
            condition=condition,
            actions=actions,
            throttle_days=throttle,
            holdout=float(holdout),
            checklist=tuple(checklist),
            exclude_at_risk=exclude,
            description=str(data.get("description") or ""),
            text=text,
            source=source,
            version=version,
        )


def _action(item: Any, where: str) -> Action:
    if not isinstance(item, Mapping) or len(item) != 1:
        raise ConfigurationError(
            f"{where}: expected one action such as {{tag: vip}} or {{email: {{...}}}}, got {item!r}"
        )
    kind, options = next(iter(item.items()))
    if kind not in ACTION_OPTIONS:
        raise ConfigurationError(f"{where}: unknown action {kind!r}; expected one of {', '.join(ACTION_OPTIONS)}")
    if kind == "tag" and isinstance(options, str):
        options = {"name": options}
    if not isinstance(options, Mapping):
        raise ConfigurationError(f"{where}: {kind}: expected a mapping of options, got {options!r}")
    spec = ACTION_OPTIONS[kind]
    unknown = [k for k in options if k not in spec]
    if unknown:
        raise ConfigurationError(f"{where}: {kind}: unknown option {unknown[0]!r}; expected {', '.join(spec)}")
    missing = [k for k, required in spec.items() if required and options.get(k) in (None, "")]
    if missing:
        raise ConfigurationError(f"{where}: {kind}: missing option {missing[0]!r}")
    options = dict(options)
    for key in ("subject", "title"):
        if key in options:
            try:
                _jinja.parse(str(options[key]))
            except TemplateSyntaxError as exc:
                raise ConfigurationError(f"{where}: {kind}.{key}: template error: {exc.message}") from None
    if kind == "email" and not re.match(r"^[A-Za-z0-9_.-]+$", str(options["template"])):
        raise ConfigurationError(f"{where}: email.template: expected a template name, got {options['template']!r}")
    if kind == "coupon":
        pct = options["percent_off"]
        if isinstance(pct, bool) or not isinstance(pct, int | float) or not 0 < pct <= 100:
            raise ConfigurationError(f"{where}: coupon.percent_off: expected a number from 0 to 100, got {pct!r}")
    if kind == "task":
        options.setdefault("assignee", "owner")
        options.setdefault("due_days", 3)
    if kind == "webhook" and not str(options["url"]).startswith(("http://", "https://")):
        raise ConfigurationError(f"{where}: webhook.url: expected an http(s) URL, got {options['url']!r}")
    return Action(kind, options)


# -- built-in playbooks -------------------------------------------------------------------------------


def builtin_names() -> list[str]:
    """Names of the playbooks that ship with Tenure.

    Examples
    --------
    >>> "winback" in builtin_names()
    True
    """
    folder = resources.files("tenure.actions") / "builtin"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin(name: str) -> Playbook:
    """A built-in playbook by name."""
    if name not in builtin_names():
        raise NotFoundError(f"no built-in playbook {name!r}; built-in: {', '.join(builtin_names())}")
    path = resources.files("tenure.actions") / "builtin" / f"{name}.yaml"
    return Playbook.from_yaml(path.read_text(encoding="utf-8"), source=f"builtin:{name}")


# -- kept in the store --------------------------------------------------------------------------------


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def save(store: Store, playbook: Playbook, enabled: bool | None = None) -> Playbook:
    """Keep ``playbook`` in the store; a changed text adds a version. Returns it with its version.

    Safe to call from several workers at once: versions are claimed with ``ON CONFLICT DO NOTHING``
    and a loser of the race re-reads what the winner wrote.

    Examples
    --------
    >>> save(store, Playbook.from_file("winback.yaml")).version   # doctest: +SKIP
    1
    """
    for _ in range(10):
        now = _now()
        with store.engine.begin() as conn:
            row = conn.execute(sa.select(playbooks).where(playbooks.c.name == playbook.name)).mappings().first()
            current = None
            if row is not None:
                current = conn.execute(
                    sa.select(playbook_versions.c.definition).where(
                        playbook_versions.c.name == playbook.name,
                        playbook_versions.c.version == row["version"],
                    )
                ).scalar()
            values: dict[str, Any] = {"updated_at": now}
            if enabled is not None:
                values["enabled"] = enabled
            if row is not None and current == playbook.text:
                version = row["version"]
                if enabled is not None:
                    conn.execute(sa.update(playbooks).where(playbooks.c.name == playbook.name).values(**values))
                return replace(playbook, version=version)
            version = row["version"] + 1 if row is not None else 1
            added = inserted(
                conn,
                insert_ignore(store, playbook_versions).values(
                    name=playbook.name,
                    version=version,
                    definition=playbook.text,
                    created_at=now,
                    source=playbook.source,
                ),
            )
            if not added:
                continue  # another worker saved a version meanwhile: look again
            if row is None:
                fresh = inserted(
                    conn,
                    insert_ignore(store, playbooks).values(
                        name=playbook.name, enabled=bool(enabled), version=version, updated_at=now
                    ),
                )
                if fresh:
                    return replace(playbook, version=version)
            conn.execute(
                sa.update(playbooks).where(playbooks.c.name == playbook.name).values(version=version, **values)
            )
            return replace(playbook, version=version)
    raise StoreError(f"could not save playbook {playbook.name!r}: other writers kept changing it")


def load(store: Store, name: str, version: int | None = None) -> Playbook:
    """A playbook kept in the store (its current version, or ``version``)."""
    with store.engine.connect() as conn:
        if version is None:
            version = conn.execute(sa.select(playbooks.c.version).where(playbooks.c.name == name)).scalar()
            if version is None:
                known = ", ".join(r[0] for r in conn.execute(sa.select(playbooks.c.name)).all()) or "none yet"
                raise NotFoundError(
                    f"no playbook {name!r} in the store (kept: {known}); run or enable a playbook file first"
                )
        row = (
            conn.execute(
                sa.select(playbook_versions).where(
                    playbook_versions.c.name == name, playbook_versions.c.version == version
                )
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFoundError(f"playbook {name!r} has no version {version}")
    return Playbook.from_yaml(row["definition"], source=row["source"], version=version)


def versions(store: Store, name: str) -> list[dict[str, Any]]:
    """Every version of a playbook, oldest first: version, created_at, source."""
    with store.engine.connect() as conn:
        rows = (
            conn.execute(
                sa.select(playbook_versions.c.version, playbook_versions.c.created_at, playbook_versions.c.source)
                .where(playbook_versions.c.name == name)
                .order_by(playbook_versions.c.version)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def set_enabled(store: Store, name: str, enabled: bool) -> Playbook:
    """Enable or disable a playbook; a built-in one not yet in the store is added first."""
    with store.engine.connect() as conn:
        exists = conn.execute(sa.select(playbooks.c.name).where(playbooks.c.name == name)).scalar()
    if exists is None:
        if name not in builtin_names():
            raise NotFoundError(
                f"no playbook {name!r} in the store and no built-in one of that name "
                f"(built-in: {', '.join(builtin_names())}); run its YAML file first"
            )
        return save(store, builtin(name), enabled=enabled)
    with store.engine.begin() as conn:
        conn.execute(sa.update(playbooks).where(playbooks.c.name == name).values(enabled=enabled, updated_at=_now()))
    return load(store, name)


def listing(store: Store) -> list[dict[str, Any]]:
    """Playbooks kept in the store and the built-in ones not yet added: name, enabled, version,
    trigger, last run window."""
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(playbooks).order_by(playbooks.c.name)).mappings().all()
        last = dict(
            conn.execute(
                sa.select(playbook_runs.c.playbook, sa.func.max(playbook_runs.c.window)).group_by(
                    playbook_runs.c.playbook
                )
            ).all()
        )
    out = []
    for r in rows:
        pb = load(store, r["name"])
        out.append(
            {
                "name": r["name"],
                "enabled": bool(r["enabled"]),
                "version": r["version"],
                "trigger": pb.trigger.spec,
                "actions": pb.action_label,
                "last_run": last.get(r["name"]),
                "builtin": False,
            }
        )
    kept = {r["name"] for r in rows}
    for name in builtin_names():
        if name not in kept:
            pb = builtin(name)
            out.append(
                {
                    "name": name,
                    "enabled": False,
                    "version": None,
                    "trigger": pb.trigger.spec,
                    "actions": pb.action_label,
                    "last_run": None,
                    "builtin": True,
                }
            )
    return out


def enabled_playbooks(store: Store) -> list[Playbook]:
    """The current version of every enabled playbook."""
    with store.engine.connect() as conn:
        names = conn.execute(sa.select(playbooks.c.name).where(playbooks.c.enabled == sa.true())).scalars().all()
    return [load(store, n) for n in names]
