"""In a real browser: the pledge form's preview follows the amount as it is typed."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.conftest import PASSWORD
from tests.e2e.test_browser import CHROMIUM_ARGS, chromium_path, live_server  # noqa: F401


@pytest.mark.browser
def test_the_preview_follows_the_amount_typed_and_the_button_works_without_waiting(
    world, live_server, tmp_path  # noqa: F811
):
    executable = chromium_path()
    from playwright.sync_api import expect, sync_playwright

    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    project = world.project(porto, officer, title="Air-quality sensors on Rua de Santa Catarina")
    now = world.clock.now()
    with acting_as(Actor(str(officer), "city"), "test"):
        fund = world.app.create_matching_fund(
            city_id=porto, name="Clean Air Match", sponsor="Fundação Ar", currency="EUR",
            pool=Money.parse("1000.00", "EUR"), opens_at=now, closes_at=now + timedelta(days=30),
            themes=[], areas=[],
            rules=parse_rules({"kind": "ratio", "factor": "2", "cap_per_pledge": "30.00"}, "EUR"),
        )
    world.platform.projections.catch_up()
    citizen = world.citizen()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-GB")
            page.set_default_timeout(15_000)
            page.goto(f"{live_server}/login")
            page.fill('input[name="email"]', world.emails[citizen])
            page.fill('input[name="password"]', PASSWORD)
            page.locator('form[action="/login"] button[type="submit"]').click()
            page.wait_for_url(lambda url: "/login" not in url)

            page.goto(f"{live_server}/projects/{project}/pledge")
            row = page.locator(f'tr[data-fund-id="{fund}"]')
            page.fill('input[name="amount"]', "10.00")
            expect(row.locator("[data-role=amount]")).to_have_text("EUR 20.00")
            expect(page.locator("#preview-total")).to_have_text("EUR 30.00")
            page.fill('input[name="amount"]', "1250")
            expect(row.locator("[data-role=amount]")).to_have_text("EUR 30.00")
            expect(row.locator("[data-role=reason]")).to_contain_text("Capped at EUR 30.00")
            expect(page.locator("#preview-total")).to_have_text("EUR 1,280.00")
            page.screenshot(path=str(tmp_path / "pledge-preview.png"), full_page=True)

            page.get_by_role("button", name="See what the funds add").click()
            expect(page.locator("#preview-summary")).to_contain_text("EUR 30.00 from the funds")
            assert page.input_value('input[name="amount"]') == "1250"

            page.get_by_role("button", name="Pledge", exact=True).click()
            page.wait_for_url(re.compile(r"/pledges/[0-9a-f-]{36}$"))
            expect(page.locator("#pledge-matched")).to_contain_text("EUR 30.00")
        finally:
            browser.close()
