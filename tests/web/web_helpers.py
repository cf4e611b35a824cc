"""Helpers for web tests: CSRF tokens and signing in."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tenure.store import Store
from tenure.web import auth

PASSWORD = "correct horse battery"


def csrf_of(client: TestClient) -> str:
    """The CSRF token of the client's cookie jar (fetching the login page to get one)."""
    token = client.cookies.get(auth.CSRF_COOKIE)
    if not token:
        client.get("/login")
        token = client.cookies.get(auth.CSRF_COOKIE)
    assert token
    return token


def sign_in(client: TestClient, store: Store, role: str) -> str:
    """Create a user with ``role`` and sign the client in; returns the email."""
    email = f"{role}@example.com"
    auth.create_user(store, email, PASSWORD, role)
    r = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return email


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match
    return match.group(1)
