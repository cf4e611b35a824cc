"""Email: templates personalised per customer, signed unsubscribe links, a suppression list, and
sending through SMTP exactly once.

Every message goes through :func:`send_email`, which

- refuses addresses on the suppression list (recorded as ``suppressed``),
- claims the message's idempotency key in the delivery log before sending
  (:mod:`tenure.actions.deliveries`), so a retry, a crash or a second worker never sends it twice,
- carries a signed unsubscribe link, in the body and in the ``List-Unsubscribe`` header.

Templates are Jinja2, rendered in a sandbox: ``NAME.txt`` (required) and ``NAME.html`` (optional), looked
up in the folders given (a playbook's own ``templates/`` folder) and then in Tenure's built-in
templates. They see ``customer`` (every customer field: name, plan, mrr, events_30d, ...),
``playbook``, ``unsubscribe_url``, ``coupon`` (when the playbook issued one first) and ``settings``.

The unsubscribe link is ``{base_url}/unsubscribe/{token}``; the web app mounts :func:`unsubscribe`
there. Tokens are signed with the store's secret key (itsdangerous), so they cannot be forged.

Examples
--------
>>> token = unsubscribe_token(store, "ann@example.com", "c1")     # doctest: +SKIP
>>> unsubscribe(store, token)                                     # doctest: +SKIP
'ann@example.com'
"""

from __future__ import annotations

import contextlib
import email.policy
import smtplib
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateNotFound, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from tenure.actions import deliveries
from tenure.actions.tables import suppressions
from tenure.errors import ActionError, AuthError, ConfigurationError
from tenure.store import Store

UNSUBSCRIBE_SALT = "tenure.unsubscribe"


# -- unsubscribing and the suppression list ------------------------------------------------------------


def _serializer(store: Store) -> URLSafeSerializer:
    return URLSafeSerializer(store.secret_key, salt=UNSUBSCRIBE_SALT)


def unsubscribe_token(store: Store, email: str, customer_id: str | None = None) -> str:
    """A signed token naming ``email`` (and its customer), for an unsubscribe link."""
    return _serializer(store).dumps({"e": email.strip().lower(), "c": customer_id})


def unsubscribe_url(store: Store, email: str, customer_id: str | None = None) -> str:
    """The unsubscribe link for ``email``: ``{base_url}/unsubscribe/{token}``."""
    base = store.settings.base_url.rstrip("/")
    return f"{base}/unsubscribe/{unsubscribe_token(store, email, customer_id)}"


def unsubscribe(store: Store, token: str) -> str:
    """Honour an unsubscribe link: put its address on the suppression list; returns the address.

    Clicking twice is harmless. A token that was not signed with this store's key raises
    :class:`~tenure.errors.AuthError`.

    Examples
    --------
    >>> unsubscribe(store, "forged")    # doctest: +SKIP
    Traceback (most recent call last):
    tenure.errors.AuthError: unsubscribe link is not valid ...
    """
    try:
        data = _serializer(store).loads(token)
    except BadSignature:
        raise AuthError(
            "unsubscribe link is not valid: its signature does not match (was it copied in full?)"
        ) from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), str):
        raise AuthError("unsubscribe link is not valid: it names no address")
    suppress(store, data["e"], reason="unsubscribed", customer_id=data.get("c"))
    return data["e"]


def suppress(store: Store, email: str, reason: str = "manual", customer_id: str | None = None) -> None:
    """Put ``email`` on the suppression list (no email is ever sent to it again)."""
    stmt = deliveries.insert_ignore(store, suppressions).values(
        email=email.strip().lower(), customer_id=customer_id, reason=reason, created_at=deliveries.now()
    )
    with store.engine.begin() as conn:
        conn.execute(stmt)


def is_suppressed(store: Store, email: str) -> bool:
    """Whether ``email`` is on the suppression list."""
    with store.engine.connect() as conn:
        hit = conn.execute(sa.select(suppressions.c.email).where(suppressions.c.email == email.strip().lower())).first()
    return hit is not None


# -- templates ------------------------------------------------------------------------------------------


def template_environment(folders: Iterable[str | Path] = ()) -> SandboxedEnvironment:
    """The Jinja2 sandbox that renders emails: ``folders`` first, then the built-in templates."""
    builtin = Path(str(resources.files("tenure.actions") / "templates"))
    loaders = [FileSystemLoader(str(f)) for f in folders if Path(f).is_dir()]
    loaders.append(FileSystemLoader(str(builtin)))
    env = SandboxedEnvironment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["money"] = _money
    env.filters["days"] = _days
    return env


def _money(value: Any, currency: str = "") -> str:
    try:
        text = f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return "" if value is None else str(value)
    return f"{text} {currency}".strip()


def _days(value: Any) -> str:
    try:
        n = int(value)
    except (TypeError, ValueError):
        return ""
    return "1 day" if n == 1 else f"{n} days"


def _compiled(env: SandboxedEnvironment, text: str) -> Any:
    cache: dict[str, Any] = env.globals.setdefault("_tenure_compiled", {})  # type: ignore[assignment]
    if text not in cache:
        cache[text] = env.from_string(text)
    return cache[text]


@dataclass(frozen=True)
class Rendered:
    """An email ready to send."""

    subject: str
    text: str
    html: str | None


def render_email(env: SandboxedEnvironment, template: str, subject: str, context: Mapping[str, Any]) -> Rendered:
    """Render template ``template`` (``.txt`` and optional ``.html``) and the ``subject`` string.

    The unsubscribe link is added at the end when the template does not show it itself.
    """
    try:
        subject_text = _compiled(env, subject).render(context).strip()
        text = env.get_template(f"{template}.txt").render(context)
        try:
            html: str | None = env.get_template(f"{template}.html").render(context)
        except TemplateNotFound:
            html = None
    except TemplateNotFound as exc:
        raise ConfigurationError(
            f"email template {exc.name!r} not found; put {template}.txt in the playbook's templates/ "
            "folder or use a built-in template (winback, onboarding, upgrade, renewal, newsletter)"
        ) from None
    except Exception as exc:  # template errors come in many types (undefined names, sandbox refusals)
        raise ActionError(f"email template {template!r} could not be rendered: {exc}") from exc
    url = context.get("unsubscribe_url")
    if url and url not in text:
        text = text.rstrip("\n") + f"\n\n--\nTo stop these emails: {url}\n"
    if html is not None and url and url not in html:
        html += f'\n<p style="font-size:small"><a href="{url}">Unsubscribe</a></p>\n'
    return Rendered(subject_text.replace("\n", " "), text, html)


# -- SMTP ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpTarget:
    """Where to send: host, port, TLS mode and credentials, from an ``smtp://`` or ``smtps://`` URL."""

    host: str
    port: int
    tls: str  # "ssl", "starttls" or "none" (STARTTLS is still used when the server offers it)
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        """Read an SMTP URL.

        Examples
        --------
        >>> SmtpTarget.parse("smtp://user:pw@mail.example.com:587")
        SmtpTarget(host='mail.example.com', port=587, tls='starttls', username='user', password='pw')
        >>> SmtpTarget.parse("smtp://127.0.0.1:2525").tls
        'none'
        """
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ConfigurationError(f"SMTP URL {url!r}: expected smtp://[user:password@]host[:port] or smtps://...")
        if parts.scheme == "smtps":
            return cls(parts.hostname, parts.port or 465, "ssl", _unq(parts.username), _unq(parts.password))
        port = parts.port or 25
        tls = "starttls" if port == 587 else "none"
        return cls(parts.hostname, port, tls, _unq(parts.username), _unq(parts.password))


def _unq(value: str | None) -> str | None:
    return unquote(value) if value else None


class Mailer:
    """An SMTP connection, opened on first use and reused for many messages.

    Examples
    --------
    >>> with Mailer.from_settings(store.settings) as mailer:      # doctest: +SKIP
    ...     mailer.send(message)
    """

    def __init__(self, target: SmtpTarget, timeout: float = 30.0) -> None:
        self.target = target
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    @classmethod
    def from_settings(cls, settings: Any) -> Mailer:
        if not settings.smtp_url:
            raise ConfigurationError(
                "no SMTP server configured: set TENURE_SMTP_URL, e.g. smtp://user:password@mail.example.com:587"
            )
        return cls(SmtpTarget.parse(settings.smtp_url))

    def _connect(self) -> smtplib.SMTP:
        t = self.target
        try:
            if t.tls == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    t.host, t.port, timeout=self.timeout, context=ssl.create_default_context()
                )
            else:
                smtp = smtplib.SMTP(t.host, t.port, timeout=self.timeout)
                smtp.ehlo()
                if t.tls == "starttls" or smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
            if t.username:
                smtp.login(t.username, t.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise ActionError(
                f"could not connect to the SMTP server {t.host}:{t.port}: {exc}; check TENURE_SMTP_URL"
            ) from exc
        return smtp

    def send(self, message: EmailMessage) -> None:
        """Send one message, reconnecting once if the connection dropped."""
        for attempt in (1, 2):
            if self._smtp is None:
                self._smtp = self._connect()
            try:
                self._smtp.send_message(message)
                return
            except smtplib.SMTPServerDisconnected:
                self._smtp = None
                if attempt == 2:
                    raise

    def close(self) -> None:
        if self._smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._smtp.quit()
            self._smtp = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def build_message(sender: str, to: str, rendered: Rendered, unsubscribe_link: str | None, key: str) -> EmailMessage:
    """A MIME message: text, optional HTML alternative, List-Unsubscribe headers, a stable id."""
    # long unbreakable headers (the unsubscribe URL) must not be folded into encoded words
    msg = EmailMessage(policy=email.policy.SMTP.clone(max_line_length=998))
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = rendered.subject
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "tenure.local"
    msg["Message-ID"] = make_msgid(idstring=None, domain=domain)
    msg["X-Tenure-Delivery"] = key
    if unsubscribe_link:
        msg["List-Unsubscribe"] = f"<{unsubscribe_link}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(rendered.text)
    if rendered.html:
        msg.add_alternative(rendered.html, subtype="html")
    return msg


def suppressed_addresses(store: Store) -> set[str]:
    """Every address on the suppression list (read once per run)."""
    with store.engine.connect() as conn:
        return set(conn.execute(sa.select(suppressions.c.email)).scalars())


def address_of(customer: Mapping[str, Any]) -> str | None:
    """The customer's email address, or None when it has none that could receive mail."""
    address = str(customer.get("email") or "").strip()
    return address if "@" in address else None


def send_email(
    store: Store,
    mailer: Mailer,
    key: str,
    *,
    customer: Mapping[str, Any],
    env: SandboxedEnvironment,
    template: str,
    subject: str,
    playbook: str | None = None,
    touch_id: str | None = None,
    context: Mapping[str, Any] | None = None,
    sender: str | None = None,
    claimed: str | None = None,
    sent: list[str] | None = None,
) -> str:
    """Send one templated email to ``customer`` exactly once; returns what happened.

    ``sent``, ``duplicate`` (the key was claimed before: by a previous run, a retry or another
    worker), ``suppressed`` (the address unsubscribed), ``skipped`` (no address) or ``failed``.

    ``claimed`` is the caller's claim of ``key`` when it claimed in bulk (see
    :func:`tenure.actions.deliveries.claim_many`); by default the key is claimed here. With ``sent``,
    the key is appended there for the caller to mark in bulk instead of being marked here.
    """
    customer_id = str(customer["customer_id"])
    address = address_of(customer)
    if claimed is None:
        status = "skipped" if address is None else ("suppressed" if is_suppressed(store, address) else "claimed")
        claimed = deliveries.claim_many(
            store,
            [
                {
                    "delivery_key": key,
                    "customer_id": customer_id,
                    "channel": "email",
                    "playbook": playbook,
                    "touch_id": touch_id,
                    "recipient": address,
                    "status": status,
                }
            ],
        )[key]
    if claimed != "claimed":
        return claimed
    assert address is not None
    link = unsubscribe_url(store, address, customer_id)
    ctx = {
        "customer": customer,
        "playbook": playbook,
        "coupon": None,
        "unsubscribe_url": link,
        "settings": {"base_url": store.settings.base_url, "reporting_currency": store.settings.reporting_currency},
        **(context or {}),
    }
    try:
        rendered = render_email(env, template, subject, ctx)
    except Exception:
        deliveries.mark(store, key, "failed", error="template could not be rendered")
        raise
    name = customer.get("name")
    to = formataddr((str(name), address)) if name else address
    message = build_message(sender or store.settings.email_from, to, rendered, link, key)
    try:
        mailer.send(message)
    except (OSError, smtplib.SMTPException, ActionError) as exc:
        # refused or unreachable: nothing went out, so the claim may be retried later
        deliveries.mark(store, key, "failed", error=str(exc)[:500])
        return "failed"
    if sent is None:
        deliveries.mark(store, key, "sent")
    else:
        sent.append(key)
    return "sent"
