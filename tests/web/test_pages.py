"""Pages: sign-in, roles, CSRF, rate limiting, escaping, exports and the import flow."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient
from web_helpers import PASSWORD, csrf_of, form_token, sign_in

from tenure.store import Store
from tenure.store.tables import customers
from tenure.web import auth, directory
from tenure.web.tables import assignments, users


def test_pages_redirect_to_sign_in_without_a_session(client: TestClient) -> None:
    for path in ("/", "/customers", "/customers/c1", "/at-risk", "/cohorts", "/settings", "/import"):
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/login?next=")


def test_signing_in_sets_an_httponly_samesite_session_cookie(client: TestClient, web_store: Store) -> None:
    auth.create_user(web_store, "ann@example.com", PASSWORD, "analyst")
    r = client.post(
        "/login",
        data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": csrf_of(client)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "tenure_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    assert client.get("/").status_code == 200


def test_passwords_are_stored_as_argon2_hashes(web_store: Store) -> None:
    auth.create_user(web_store, "ann@example.com", PASSWORD, "viewer")
    with web_store.engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored


def test_api_keys_are_stored_only_as_hashes(web_store: Store) -> None:
    key = auth.create_api_key(web_store, "read")
    with web_store.engine.connect() as conn:
        stored = [tuple(r) for r in conn.execute(sa.text("SELECT prefix, key_hash FROM web_api_keys"))]
    assert all(key not in "".join(map(str, r)) or r[0] == key[:10] for r in stored)
    assert all(len(r[1]) == 64 for r in stored)


def test_a_wrong_password_is_refused(client: TestClient, web_store: Store) -> None:
    auth.create_user(web_store, "ann@example.com", PASSWORD, "analyst")
    r = client.post("/login", data={"email": "ann@example.com", "password": "nope", "csrf_token": csrf_of(client)})
    assert r.status_code == 401
    assert "Wrong email or password" in r.text


def test_sign_in_is_rate_limited_after_five_failures(client: TestClient, web_store: Store) -> None:
    auth.create_user(web_store, "ann@example.com", PASSWORD, "analyst")
    token = csrf_of(client)
    for _ in range(5):
        client.post("/login", data={"email": "ann@example.com", "password": "wrong", "csrf_token": token})
    r = client.post("/login", data={"email": "ann@example.com", "password": PASSWORD, "csrf_token": token})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "analyst")
    r = client.post("/customers/c1/contacted", data={"note": "called"})
    assert r.status_code == 403
    r = client.post("/customers/c1/contacted", data={"note": "called", "csrf_token": "forged"})
    assert r.status_code == 403
    with web_store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(assignments)).scalar_one() == 0


def test_sign_in_itself_needs_the_csrf_token(client: TestClient, web_store: Store) -> None:
    auth.create_user(web_store, "ann@example.com", PASSWORD, "analyst")
    csrf_of(client)
    r = client.post("/login", data={"email": "ann@example.com", "password": PASSWORD})
    assert r.status_code == 403


def test_an_analyst_assigns_a_customer_and_marks_it_contacted(client: TestClient, web_store: Store) -> None:
    email = sign_in(client, web_store, "analyst")
    token = csrf_of(client)
    assert client.post("/customers/c3/assign", data={"csm": email, "csrf_token": token}).status_code == 200
    assert client.post("/customers/c3/contacted", data={"note": "call booked", "csrf_token": token}).status_code == 200
    with web_store.engine.connect() as conn:
        row = conn.execute(sa.select(assignments).where(assignments.c.customer_id == "c3")).one()
    assert (row.csm, row.contacted_by, row.note) == (email, email, "call booked")
    assert "call booked" in client.get("/customers/c3").text


def test_a_viewer_cannot_change_anything(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "viewer")
    token = csrf_of(client)
    assert client.post("/customers/c3/assign", data={"csm": "x@example.com", "csrf_token": token}).status_code == 403
    assert client.post("/customers/c3/contacted", data={"csrf_token": token}).status_code == 403
    upload = {"dataset": ("d.zip", b"PK", "application/zip")}
    assert client.post("/import", data={"csrf_token": token}, files=upload).status_code == 403
    assert client.post("/import/confirm", data={"token": "x", "csrf_token": token}).status_code == 403
    assert client.get("/admin").status_code == 403
    assert client.post("/admin/keys", data={"scope_read": "1", "csrf_token": token}).status_code == 403
    with web_store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(assignments)).scalar_one() == 0
    page = client.get("/at-risk").text
    assert "Mark contacted" not in page


def test_only_admins_manage_users_and_keys(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "analyst")
    assert client.get("/admin").status_code == 403
    assert (
        client.post(
            "/admin/users",
            data={"email": "x@example.com", "password": PASSWORD, "role": "admin", "csrf_token": csrf_of(client)},
        ).status_code
        == 403
    )


def test_an_admin_creates_a_key_that_is_shown_once_and_works(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "admin")
    page = client.post("/admin/keys", data={"name": "pipeline", "scope_read": "1", "csrf_token": csrf_of(client)})
    assert page.status_code == 200
    key = page.text.split('<code id="new-key">')[1].split("</code>")[0]
    assert client.get("/api/v1/customers", headers={"Authorization": f"Bearer {key}"}).status_code == 200
    assert key not in client.get("/admin").text


def test_a_customer_named_like_a_script_is_shown_as_text(client: TestClient, web_store: Store) -> None:
    evil = "<script>alert(1)</script>"
    with web_store.engine.begin() as conn:
        conn.execute(sa.update(customers).where(customers.c.customer_id == "c1").values(name=evil, segment=evil))
    directory.rebuild(web_store)
    sign_in(client, web_store, "analyst")
    for path in ("/customers", "/customers/c1", "/at-risk", "/customers?q=script", "/"):
        html = client.get(path).text
        assert evil not in html, path
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get("/customers/c1").text


def test_pages_answer_for_a_signed_in_user(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "admin")
    for path in (
        "/",
        "/?period=quarter",
        "/cohorts",
        "/cohorts?measure=mrr",
        "/customers",
        "/customers/c2",
        "/at-risk",
        "/settings",
        "/admin",
        "/import",
        "/status",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
    assert "Content-Security-Policy" in client.get("/").headers


def test_the_overview_links_each_directory_figure_to_its_customers(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "viewer")
    html = client.get("/").text
    assert 'data-kpi="customers"' in html
    listed = client.get("/customers?status=active").text
    assert "Cy" in listed and "Ann" in listed and "Bob" not in listed


def test_the_at_risk_list_ranks_by_probability_with_reasons(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "analyst")
    html = client.get("/at-risk").text
    assert html.index("Cy") < html.index("Ann")
    assert "logins in the last 28 days: 3, down from 41" in html


def test_tables_export_as_csv_and_excel(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "viewer")
    csv = client.get("/customers?format=csv&sort=customer_id&order=asc")
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.splitlines()
    assert lines[0].startswith("customer_id,name,email")
    assert [line.split(",")[0] for line in lines[1:]] == ["c1", "c2", "c3"]
    for path in (
        "/customers?format=xlsx",
        "/at-risk?format=xlsx",
        "/cohorts?format=xlsx",
        "/customers/c1?export=subscriptions&format=xlsx",
        "/overview/export?format=xlsx",
    ):
        r = client.get(path)
        assert r.status_code == 200, path
        book = zipfile.ZipFile(io.BytesIO(r.content))
        assert "xl/workbook.xml" in book.namelist()
    at_risk = client.get("/at-risk?format=csv").text.splitlines()
    assert [line.split(",")[0] for line in at_risk[1:]] == ["c3", "c1"]
    assert "80.0%" in at_risk[1]


def test_the_overview_and_at_risk_list_export_as_pdf_and_word_with_charts(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "viewer")
    for path in ("/overview/export?format=pdf", "/at-risk?format=pdf"):
        r = client.get(path)
        assert r.content.startswith(b"%PDF-"), path
        assert b"attachment" in r.headers["content-disposition"].encode()
    r = client.get("/at-risk?format=pdf")
    assert b"/Subtype /Image" in r.content
    for path in ("/overview/export?format=docx", "/at-risk?format=docx"):
        r = client.get(path)
        doc = zipfile.ZipFile(io.BytesIO(r.content))
        assert "word/document.xml" in doc.namelist()
    names = zipfile.ZipFile(io.BytesIO(client.get("/at-risk?format=docx").content)).namelist()
    assert any(n.startswith("word/media/") for n in names)


def _zip_of(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        for f in folder.iterdir():
            z.write(f, f"export/{f.name}")
    return buffer.getvalue()


def test_an_upload_is_checked_then_imported_on_confirmation(
    client: TestClient, web_store: Store, tmp_path: Path
) -> None:
    from factories import write_table

    sign_in(client, web_store, "analyst")
    folder = tmp_path / "more"
    write_table(folder, "customers", ["customer_id", "name"], [["c4", "Dee"]])
    write_table(folder, "subscriptions", ["customer_id", "start_date", "mrr"], [["c4", "2024-03-01", "40"]])
    r = client.post("/import", data={"csrf_token": csrf_of(client)}, files={"dataset": ("d.zip", _zip_of(folder))})
    assert r.status_code == 200
    assert "No problems found" in r.text
    assert web_store.counts()["customers"] == 3, "nothing is loaded before confirmation"
    token = r.text.split('name="token" value="')[1].split('"')[0]
    done = client.post("/import/confirm", data={"token": token, "csrf_token": form_token(r.text)})
    assert done.status_code == 200 and "Imported." in done.text
    assert web_store.counts()["customers"] == 4


def test_an_upload_with_problems_shows_them_and_loads_nothing(
    client: TestClient, web_store: Store, tmp_path: Path
) -> None:
    from factories import write_table

    sign_in(client, web_store, "analyst")
    folder = tmp_path / "bad"
    write_table(folder, "subscriptions", ["customer_id", "start_date", "mrr"], [["c1", "2024-03-01", "N/A"]])
    r = client.post("/import", data={"csrf_token": csrf_of(client)}, files={"dataset": ("d.zip", _zip_of(folder))})
    assert "column &#39;mrr&#39;: expected a number" in r.text
    assert web_store.counts()["subscriptions"] == 4


def test_a_file_that_is_not_a_zip_is_refused_with_a_message(
    client: TestClient, web_store: Store, tmp_path: Path
) -> None:
    sign_in(client, web_store, "analyst")
    r = client.post("/import", data={"csrf_token": csrf_of(client)}, files={"dataset": ("d.zip", b"hello")})
    assert r.status_code == 422
    assert "not a zip file" in r.text


def test_the_customer_page_shows_each_health_component_the_model_stored(client: TestClient, web_store: Store) -> None:
    sign_in(client, web_store, "viewer")
    page = client.get("/customers/c3").text
    table = page[page.index('data-figure="health-components"') :]
    table = table[: table.index("</table>")]
    assert "<td>usage</td><td>10</td>" in table.replace(".0<", "<")
    assert "<td>trend</td><td>34</td>" in table.replace(".0<", "<")
    assert "no data" in table  # support, sentiment, payments, onboarding: nothing stored for c3
