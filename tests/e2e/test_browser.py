"""One real browser (Debian's chromium through Playwright): register, pledge, see the total move."""

from __future__ import annotations

import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from domain.kernel.money import Money

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SHOWN_MONEY = re.compile(r"\b([A-Z]{3})\s*([\d,]+(?:\.\d+)?)")


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed in CI: `apt-get install -y chromium`")
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium); "
                    "CI runs this test")
    return path


@pytest.fixture
def live_server(app) -> Iterator[str]:
    """The real app on a loopback port, served from a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def shown_money(text: str) -> Money:
    match = SHOWN_MONEY.search(text)
    assert match, f"no amount in {text!r}"
    return Money.parse(match.group(2).replace(",", ""), match.group(1))


def shown_count(text: str) -> int:
    match = re.search(r"\d[\d,]*", text)
    assert match, f"no number in {text!r}"
    return int(match.group(0).replace(",", ""))


@pytest.mark.browser
def test_a_new_citizen_pledges_in_a_browser_and_sees_the_total_move(world, live_server, tmp_path):
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    project = world.project(porto, officer, title="Air-quality sensors on Rua de Santa Catarina")
    world.pledge(project, world.citizen(), "40.00")
    project_url = f"{live_server}/projects/{project}"
    email = f"browser-{uuid.uuid4().hex[:8]}@example.org"

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-GB")
            page.set_default_timeout(15_000)

            page.goto(f"{live_server}/register")
            page.fill('input[name="name"]', "Beatriz Costa")
            page.fill('input[name="email"]', email)
            page.fill('input[name="password"]', "a long browser password")
            page.get_by_role("button", name="Create account").click()
            page.wait_for_url("**/register/check-email**")
            assert "Check your email" in page.locator("h1").inner_text()
            account = world.platform.accounts.by_email(email)
            assert account is not None and not account.email_verified

            # The mailed link (the outbox holds it) confirms the email; then she logs in.
            [mail] = world.platform.outbox.messages(account_id=account.id)
            link = re.search(r"https?://[^/\s]+(/confirm-email/\S+)", mail.body).group(1)
            page.goto(f"{live_server}{link}")
            page.get_by_role("button", name="Confirm my email").click()
            page.wait_for_url("**/login")
            page.fill('input[name="email"]', email)
            page.fill('input[name="password"]', "a long browser password")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/login" not in url)
            assert world.platform.accounts.by_email(email).email_verified

            page.goto(project_url)
            page.screenshot(path=str(tmp_path / "project-before.png"), full_page=True)
            raised_before = shown_money(page.locator("#raised").inner_text())
            backers_before = shown_count(page.locator("#backers").inner_text())

            page.locator(f'a[href$="/projects/{project}/pledge"]').first.click()
            page.wait_for_url(f"**/projects/{project}/pledge")
            page.fill('input[name="amount"]', "12.50")
            page.get_by_role("button", name="Pledge", exact=True).click()
            page.wait_for_url(re.compile(r"/pledges/[0-9a-f-]{36}$"))
            assert "12.50" in page.locator("body").inner_text()

            page.goto(project_url)
            page.screenshot(path=str(tmp_path / "project-after.png"), full_page=True)
            raised_after = shown_money(page.locator("#raised").inner_text())
            backers_after = shown_count(page.locator("#backers").inner_text())

            # Cancelling asks first; the answer "yes" cancels.
            page.goto(f"{live_server}/me/pledges")
            page.get_by_role("link", name=re.compile(r"^Cancel your EUR 12\.50 pledge")).click()
            page.wait_for_url(re.compile(r"/pledges/[0-9a-f-]{36}/cancel$"))
            assert page.locator("h1").inner_text() == (
                "Cancel your pledge of EUR 12.50 to Air-quality sensors on Rua de Santa Catarina?")
            page.get_by_role("button", name="Yes, cancel my pledge").click()
            page.wait_for_url("**/me/pledges")
            assert "You will not be charged" in page.locator(".flashes").inner_text()
            page.goto(project_url)
            raised_at_last = shown_money(page.locator("#raised").inner_text())
        finally:
            browser.close()

    assert raised_after - raised_before == Money.parse("12.50", "EUR")
    assert backers_after == backers_before + 1
    assert raised_at_last == raised_before
