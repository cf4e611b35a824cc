"""The web app in a real browser: Playwright driving Debian's Chromium (never a downloaded one).

Screenshots of every page visited are saved in ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright  # the dev extra installs it; no `playwright install`: Debian's Chromium
import pytest

from tenure.store import Store
from tenure.web import auth, create_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
pytestmark = [
    pytest.mark.slow,
    # scripts/test.sh installs Debian's chromium and sets TENURE_REQUIRE_BROWSER, so in CI a missing
    # browser fails the test instead of skipping it.
    pytest.mark.skipif(
        not CHROMIUM.exists() and not os.environ.get("TENURE_REQUIRE_BROWSER"),
        reason="Debian's chromium is not installed (scripts/test.sh installs it)",
    ),
]


@pytest.fixture
def server(web_store: Store) -> Iterator[str]:
    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = create_app(web_store, background=True)
    app.state.background.join()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(10)


@pytest.fixture
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("store_url", ["sqlite"], indirect=True)
def test_a_csm_signs_in_follows_a_kpi_opens_a_customer_and_exports_the_at_risk_list(
    server: str,
    browser,
    web_store: Store,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    auth.create_user(web_store, "csm@example.com", "correct horse battery", "analyst")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    page.goto(server + "/")
    assert "/login" in page.url
    _shot(page, "01-login")
    page.fill("input[name=email]", "csm@example.com")
    page.fill("input[name=password]", "correct horse battery")
    page.click("button[type=submit]")
    page.wait_for_url(server + "/")
    page.wait_for_selector(".tile")
    _shot(page, "02-overview")

    # The last complete month is March 2024 (the data end 15 April): on 1 April Ann (150), Bob (50, until
    # 15 April) and Cy (1,000) are active: 3 customers, MRR 1,200, none lost, so CRR 100%.
    assert page.inner_text("a.tile[data-kpi=customers] .value") == "3"
    assert "1,200" in page.inner_text("a.tile[data-kpi=mrr] .value")
    assert page.inner_text("a.tile[data-kpi=crr] .value").startswith("100")
    page.click("a.tile[data-kpi=customers]")
    page.wait_for_url("**/customers**")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == 3, "the customers behind the tile: Ann, Bob and Cy were active on 1 April"
    _shot(page, "03-customers-behind-kpi")

    page.click("table.data a:text-is('Cy')")
    page.wait_for_selector("#customer-name")
    assert page.inner_text("#customer-name") == "Cy"
    page.wait_for_selector("[data-chart=mrr-history] svg")
    _shot(page, "04-customer-360")

    page.goto(server + "/at-risk")
    _shot(page, "05-at-risk")
    with page.expect_download() as info:
        page.click("#export-csv")
    path = tmp_path / "at-risk.csv"
    info.value.save_as(path)
    lines = path.read_text().splitlines()
    assert lines[0].startswith("customer_id,name")
    assert [line.split(",")[0] for line in lines[1:]] == ["c3", "c1"]
    with page.expect_download() as info:
        page.click("#export-pdf")
    pdf = tmp_path / "at-risk.pdf"
    info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF-")

    page.goto(server + "/cohorts")
    page.wait_for_selector("[data-chart=heatmap] svg")
    _shot(page, "06-cohorts")

    phone = browser.new_context(viewport={"width": 390, "height": 844}, storage_state=context.storage_state())
    small = phone.new_page()
    small.goto(server + "/customers/c1")
    _shot(small, "07-customer-360-phone")
    assert small.evaluate("document.documentElement.scrollWidth") <= 400, "no sideways scrolling on a phone"
    assert errors == []
