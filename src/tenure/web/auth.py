"""Who may do what: users and roles, argon2 passwords, sessions, CSRF, login rate limits, API keys.

- Users have one role: ``admin`` (everything, including users and API keys), ``analyst`` (works
  the data: imports, assignments) or ``viewer`` (reads only; every change is refused).
- Passwords are hashed with argon2id; a hash made with older parameters is upgraded on login.
- A session is a random id kept in ``web_sessions``; the browser holds it signed with the store's
  secret key (itsdangerous) in an HttpOnly, SameSite=Lax cookie.
- Every form and HTMX request carries a CSRF token equal to the ``tenure_csrf`` cookie
  (double-submit), checked on every state-changing request.
- Failed logins are limited per address and per email (a sliding window kept in memory).
- API keys are 32 random bytes, shown once and stored as their sha256; each has scopes
  (``ingest``, ``read``).

Examples
--------
>>> from tenure.web import auth                                   # doctest: +SKIP
>>> auth.create_user(store, "ann@example.com", "a long passphrase", "admin")   # doctest: +SKIP
>>> key = auth.create_api_key(store, ["ingest", "read"])          # doctest: +SKIP
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from itsdangerous import BadSignature, URLSafeTimedSerializer

from tenure.errors import AuthError, ConfigurationError
from tenure.store import Store
from tenure.web.tables import ROLES, SCOPES, api_keys, sessions, users

SESSION_COOKIE = "tenure_session"
CSRF_COOKIE = "tenure_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
SESSION_DAYS = 14
KEY_PREFIX = "tnr_"
MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHasher()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class User:
    """A signed-in person."""

    user_id: int
    email: str
    role: str

    @property
    def can_write(self) -> bool:
        return self.role in ("admin", "analyst")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class ApiKey:
    """An API key that authenticated a request (never the key itself)."""

    key_id: int
    prefix: str
    scopes: frozenset[str]


# -- passwords and users --------------------------------------------------------------------------


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``.

    Examples
    --------
    >>> hash_password("correct horse battery").startswith("$argon2id$")
    True
    """
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches ``password_hash``."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _normalise_email(email: str) -> str:
    email = email.strip().lower()
    if "@" not in email or len(email) > 320:
        raise ConfigurationError(f"email {email!r}: expected an address such as ann@example.com")
    return email


def create_user(store: Store, email: str, password: str, role: str) -> User:
    """Add a user; raises :class:`ConfigurationError` for a bad role, short password or taken email.

    Examples
    --------
    >>> create_user(store, "ann@example.com", "a long passphrase", "analyst")  # doctest: +SKIP
    User(user_id=1, email='ann@example.com', role='analyst')
    """
    email = _normalise_email(email)
    if role not in ROLES:
        raise ConfigurationError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ConfigurationError(
            f"password for {email}: expected at least {MIN_PASSWORD_LENGTH} characters, got {len(password)}"
        )
    with store.transaction() as conn:
        taken = conn.execute(sa.select(users.c.user_id).where(users.c.email == email)).scalar()
        if taken is not None:
            raise ConfigurationError(f"a user with email {email} already exists; choose another email")
        user_id = conn.execute(
            sa.insert(users)
            .values(email=email, password_hash=hash_password(password), role=role, created_at=_now())
            .returning(users.c.user_id)
        ).scalar_one()
    return User(int(user_id), email, role)


def list_users(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(users.c.user_id, users.c.email, users.c.role, users.c.created_at, users.c.last_login_at)
            .where(users.c.disabled == sa.false())
            .order_by(users.c.email)
        )
        return [dict(r._mapping) for r in rows]


def set_role(store: Store, user_id: int, role: str) -> None:
    if role not in ROLES:
        raise ConfigurationError(f"role {role!r}: expected one of {', '.join(ROLES)}")
    with store.transaction() as conn:
        conn.execute(sa.update(users).where(users.c.user_id == user_id).values(role=role))


def disable_user(store: Store, user_id: int) -> None:
    with store.transaction() as conn:
        conn.execute(sa.update(users).where(users.c.user_id == user_id).values(disabled=True))
        conn.execute(sa.delete(sessions).where(sessions.c.user_id == user_id))


def has_users(store: Store) -> bool:
    with store.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(users)).scalar_one() > 0


def authenticate(store: Store, email: str, password: str) -> User | None:
    """The user with this email and password, or ``None``; spends the same time either way."""
    try:
        email = _normalise_email(email)
    except ConfigurationError:
        email = ""
    with store.transaction() as conn:
        row = conn.execute(
            sa.select(users.c.user_id, users.c.email, users.c.role, users.c.password_hash).where(
                users.c.email == email, users.c.disabled == sa.false()
            )
        ).first()
        if row is None:
            verify_password(_dummy_hash(), password)
            return None
        if not verify_password(row.password_hash, password):
            return None
        values: dict = {"last_login_at": _now()}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = hash_password(password)
        conn.execute(sa.update(users).where(users.c.user_id == row.user_id).values(**values))
    return User(int(row.user_id), row.email, row.role)


@functools.cache
def _dummy_hash() -> str:
    """A hash to verify against when the email is unknown, so both failures take as long."""
    return _hasher.hash(secrets.token_urlsafe(16))


# -- sessions -------------------------------------------------------------------------------------


def _signer(store: Store) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(store.secret_key, salt="tenure-session")


def start_session(store: Store, user: User) -> str:
    """Record a new session for ``user``; returns the signed cookie value."""
    session_id = secrets.token_urlsafe(32)
    now = _now()
    with store.transaction() as conn:
        conn.execute(
            sa.insert(sessions).values(
                session_id=session_id,
                user_id=user.user_id,
                created_at=now,
                expires_at=now + dt.timedelta(days=SESSION_DAYS),
            )
        )
    return _signer(store).dumps(session_id)


def session_user(store: Store, cookie: str | None) -> User | None:
    """The user of a signed session cookie, or ``None`` when absent, forged, expired or signed out."""
    if not cookie:
        return None
    try:
        session_id = _signer(store).loads(cookie, max_age=SESSION_DAYS * 86400)
    except BadSignature:
        return None
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(users.c.user_id, users.c.email, users.c.role)
            .select_from(sessions.join(users, users.c.user_id == sessions.c.user_id))
            .where(
                sessions.c.session_id == session_id,
                sessions.c.expires_at > _now(),
                users.c.disabled == sa.false(),
            )
        ).first()
    return User(int(row.user_id), row.email, row.role) if row else None


def end_session(store: Store, cookie: str | None) -> None:
    if not cookie:
        return
    try:
        session_id = _signer(store).loads(cookie)
    except BadSignature:
        return
    with store.transaction() as conn:
        conn.execute(sa.delete(sessions).where(sessions.c.session_id == session_id))


# -- CSRF -----------------------------------------------------------------------------------------


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_ok(cookie: str | None, submitted: str | None) -> bool:
    """True when the submitted token equals the cookie's (compared in constant time)."""
    return bool(cookie and submitted) and hmac.compare_digest(str(cookie), str(submitted))


# -- login rate limiting --------------------------------------------------------------------------


class RateLimiter:
    """At most ``limit`` failures per key in a sliding ``window`` of seconds.

    Examples
    --------
    >>> limiter = RateLimiter(limit=2, window=60)
    >>> limiter.fail("ip:1"); limiter.fail("ip:1")
    >>> limiter.blocked("ip:1")
    True
    """

    def __init__(self, limit: int = 5, window: float = 300.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        q = self._failures[key]
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> bool:
        now = time.monotonic()
        with self._lock:
            return any(len(self._trim(k, now)) >= self.limit for k in keys)

    def retry_after(self, *keys: str) -> int:
        now = time.monotonic()
        with self._lock:
            waits = [q[0] + self.window - now for k in keys if (q := self._trim(k, now))]
        return max(1, int(max(waits, default=1)))

    def fail(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._trim(k, now).append(now)

    def reset(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)


# -- API keys -------------------------------------------------------------------------------------


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def parse_scopes(scopes: str | list[str] | tuple[str, ...]) -> list[str]:
    """Scopes from ``"ingest,read"`` or a list; raises for an unknown scope.

    Examples
    --------
    >>> parse_scopes("read, ingest")
    ['ingest', 'read']
    """
    items = scopes.split(",") if isinstance(scopes, str) else list(scopes)
    cleaned = sorted({s.strip().lower() for s in items if s.strip()})
    unknown = [s for s in cleaned if s not in SCOPES]
    if unknown or not cleaned:
        raise ConfigurationError(
            f"scopes {','.join(items)!r}: expected one or more of {', '.join(SCOPES)}, separated by commas"
        )
    return cleaned


def create_api_key(
    store: Store, scopes: str | list[str], name: str | None = None, created_by: str | None = None
) -> str:
    """Make an API key with ``scopes`` and return it; only its hash is kept, so show it now.

    Examples
    --------
    >>> key = create_api_key(store, "ingest,read", name="segment")  # doctest: +SKIP
    >>> key[:4]                                                   # doctest: +SKIP
    'tnr_'
    """
    scope_list = parse_scopes(scopes)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as conn:
        conn.execute(
            sa.insert(api_keys).values(
                prefix=key[:10],
                key_hash=_key_hash(key),
                scopes=",".join(scope_list),
                name=name,
                created_at=_now(),
                created_by=created_by,
            )
        )
    return key


def list_api_keys(store: Store) -> list[dict]:
    with store.engine.connect() as conn:
        rows = conn.execute(
            sa.select(
                api_keys.c.key_id,
                api_keys.c.prefix,
                api_keys.c.scopes,
                api_keys.c.name,
                api_keys.c.created_at,
                api_keys.c.created_by,
                api_keys.c.last_used_at,
            )
            .where(api_keys.c.revoked_at.is_(None))
            .order_by(api_keys.c.key_id)
        )
        return [dict(r._mapping) for r in rows]


def revoke_api_key(store: Store, key_id: int) -> None:
    with store.transaction() as conn:
        conn.execute(sa.update(api_keys).where(api_keys.c.key_id == key_id).values(revoked_at=_now()))


_last_used_written: dict[int, float] = {}


def check_api_key(store: Store, key: str | None, scope: str) -> ApiKey:
    """The key record for ``key`` if it is valid and has ``scope``.

    Raises
    ------
    AuthError
        ``.status`` 401 when the key is missing, unknown or revoked; 403 when it lacks ``scope``.
    """
    if not key:
        raise _auth(401, "missing API key: send it as 'Authorization: Bearer KEY'")
    with store.engine.connect() as conn:
        row = conn.execute(
            sa.select(api_keys.c.key_id, api_keys.c.prefix, api_keys.c.scopes).where(
                api_keys.c.key_hash == _key_hash(key), api_keys.c.revoked_at.is_(None)
            )
        ).first()
    if row is None:
        raise _auth(401, "unknown or revoked API key; create one with 'tenure apikeys create'")
    granted = frozenset(row.scopes.split(","))
    if scope not in granted:
        raise _auth(
            403,
            f"this API key has scope(s) {', '.join(sorted(granted))}; this request needs the {scope!r} scope",
        )
    now = time.monotonic()
    if now - _last_used_written.get(row.key_id, 0) > 60:
        _last_used_written[row.key_id] = now
        with store.transaction() as conn:
            conn.execute(sa.update(api_keys).where(api_keys.c.key_id == row.key_id).values(last_used_at=_now()))
    return ApiKey(int(row.key_id), row.prefix, granted)


def _auth(status: int, message: str) -> AuthError:
    err = AuthError(message)
    err.status = status  # type: ignore[attr-defined]
    return err


def generate_password() -> str:
    """A random password for a first account (about 100 bits)."""
    return secrets.token_urlsafe(16)
