"""Closing, settling and cancelling campaigns as people see them through the pages: the project
page, the citizen's pledge page, the officer's console and the admin mail outbox."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from html.parser import HTMLParser

import pytest

from adapters.settlement_rounds import settle_due
from tests.conftest import csrf_from, login

LINES = (("Bike counters", "100.00", True), ("Public display", "50.00", False))


VOID = {"br", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _ElementText(HTMLParser):
    """Collects the text inside the element with the given id, nested elements included."""

    def __init__(self, element_id: str):
        super().__init__()
        self.element_id, self.depth, self.found, self.parts = element_id, 0, False, []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            return
        if self.depth:
            self.depth += 1
        elif dict(attrs).get("id") == self.element_id and not self.found:
            self.depth, self.found = 1, True

    def handle_endtag(self, tag):
        if self.depth and tag not in VOID:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def text_of(html: str, element_id: str) -> str:
    parser = _ElementText(element_id)
    parser.feed(html)
    assert parser.found, f"no element with id {element_id}"
    return " ".join(" ".join(parser.parts).split())


def words(html: str) -> str:
    """The page's visible text, one space between words (typographic quotes kept)."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def recorded(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


@pytest.fixture
def porto(world):
    city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    return {"city": city, "officer": world.officer(city, "officer@porto.example.org")}


@pytest.fixture
def visitor(app):
    """A second browser, for a person other than the one using `client`."""
    def new(email: str | None = None):
        browser = app.test_client()
        if email:
            login(browser, email)
        return browser
    return new


def pilot(world, porto, **options) -> str:
    options.setdefault("lines", LINES)
    options.setdefault("closes_in", timedelta(days=30))
    return world.project(porto["city"], porto["officer"], title="Bike counters for Boavista",
                         **options)


def after_the_deadline(platform, clock) -> None:
    clock.advance(days=31)
    settle_due(platform.app, platform.engine, platform.projections)


def citizen_pledges(world, project_id, amount: str, card: str = "pm_card_visa"):
    citizen = world.citizen()
    return citizen, world.pledge(project_id, citizen, amount, payment_method=card)


def post_form(browser, page_url: str, action: str, **fields):
    page = browser.get(page_url)
    return browser.post(action, data={"csrf_token": csrf_from(page.text), **fields})


# -- funded, unfunded, keep what you raise -----------------------------------------------------

def test_a_funded_campaign_says_so_and_charges_every_backer_with_a_receipt(
    world, porto, platform, clock, visitor
):
    project_id = pilot(world, porto)
    rita, ritas_pledge = citizen_pledges(world, project_id, "70.00")
    citizen_pledges(world, project_id, "45.50")

    after_the_deadline(platform, clock)

    page = visitor().get(f"/projects/{project_id}")
    assert page.status_code == 200
    assert "Funded" in text_of(page.text, "outcome")
    assert "were charged" in words(page.text)
    assert text_of(page.text, "raised") == "EUR 115.50"
    assert "charged to backers" in words(page.text)
    assert text_of(page.text, "payout").startswith("EUR 115.50")
    assert f"/projects/{project_id}/pledge" not in page.text, "a closed campaign offers Pledge"
    assert sum(c["amount"] for c in platform.payments.charges()) == 11550

    mine = visitor(world.emails[rita]).get(f"/pledges/{ritas_pledge}")
    state = text_of(mine.text, "payment-state")
    assert "Charged EUR 70.00 on" in state
    assert "Receipt: EUR 70.00 for Bike counters for Boavista" in mine.text
    assert "Payment reference:" in mine.text
    assert "Your pledge of EUR 70.00" in mine.text  # the confirmation sent when it was made


def test_an_unfunded_campaign_releases_every_pledge_and_charges_nobody(
    world, porto, platform, clock, visitor
):
    project_id = pilot(world, porto)
    rita, ritas_pledge = citizen_pledges(world, project_id, "60.00")
    citizen_pledges(world, project_id, "39.99")

    after_the_deadline(platform, clock)

    page = visitor().get(f"/projects/{project_id}")
    outcome = text_of(page.text, "outcome")
    assert "Not funded" in outcome and "nobody was charged" in outcome
    assert text_of(page.text, "raised") == "EUR 0.00"
    assert platform.payments.charges() == []
    mine = visitor(world.emails[rita]).get(f"/pledges/{ritas_pledge}")
    assert "Released — nothing was charged" in text_of(mine.text, "payment-state")
    assert "did not reach its minimum" in text_of(mine.text, "payment-state")
    assert "No charge: Bike counters for Boavista" in mine.text


def test_keep_what_you_raise_charges_a_total_below_the_minimum(
    world, porto, platform, clock, visitor
):
    project_id = pilot(world, porto, funding_model="keep_what_you_raise")
    rita, ritas_pledge = citizen_pledges(world, project_id, "20.00")

    after_the_deadline(platform, clock)

    page = visitor().get(f"/projects/{project_id}")
    assert "Funded" in text_of(page.text, "outcome")
    assert "keeps what it raised" in text_of(page.text, "outcome")
    assert text_of(page.text, "raised") == "EUR 20.00"
    mine = visitor(world.emails[rita]).get(f"/pledges/{ritas_pledge}")
    assert "Charged EUR 20.00" in text_of(mine.text, "payment-state")


# -- cancelling ----------------------------------------------------------------------------------

def test_an_officer_cancels_an_open_campaign_and_every_hold_is_released(
    world, porto, platform, client, visitor
):
    project_id = pilot(world, porto)
    rita, ritas_pledge = citizen_pledges(world, project_id, "60.00")
    login(client, "officer@porto.example.org")
    console = f"/console/projects/{project_id}"
    assert "hold is released and nobody is charged" in text_of(
        client.get(console).text, "cancel-warning"
    )

    done = post_form(client, console, f"{console}/cancel", reason="The street is being rebuilt.")

    assert done.status_code == 303
    shown = client.get(done.headers["Location"])
    assert "is cancelled: 1 pledge released." in words(shown.text)
    public = visitor().get(f"/projects/{project_id}")
    assert "Cancelled" in text_of(public.text, "outcome")
    assert platform.payments.charges() == []
    mine = visitor(world.emails[rita]).get(f"/pledges/{ritas_pledge}")
    assert "Released — nothing was charged" in text_of(mine.text, "payment-state")
    assert "cancelled this pilot" in text_of(mine.text, "payment-state")


def test_cancelling_a_funded_project_refunds_the_charged_backers(
    world, porto, platform, clock, client, visitor
):
    project_id = pilot(world, porto)
    rita, ritas_pledge = citizen_pledges(world, project_id, "120.00")
    after_the_deadline(platform, clock)
    login(client, "officer@porto.example.org")
    console = f"/console/projects/{project_id}"
    assert "refunded" in text_of(client.get(console).text, "cancel-warning")

    done = post_form(client, console, f"{console}/cancel", reason="The supplier went bankrupt.")

    assert done.status_code == 303
    assert "1 pledge refunded" in words(client.get(done.headers["Location"]).text)
    mine = visitor(world.emails[rita]).get(f"/pledges/{ritas_pledge}")
    assert "Refunded EUR 120.00" in text_of(mine.text, "payment-state")
    assert "Refund: EUR 120.00 for Bike counters for Boavista" in mine.text
    assert "Refund reference:" in mine.text


def test_cancelling_needs_a_reason_and_records_nothing_without_one(
    world, porto, platform, client
):
    project_id = pilot(world, porto)
    login(client, "officer@porto.example.org")
    console = f"/console/projects/{project_id}"
    before = recorded(platform)

    refused = post_form(client, console, f"{console}/cancel", reason="   ")

    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert "Say why the project is cancelled" in refused.text
    assert 'id="reason-error"' in refused.text
    assert recorded(platform) == before
    assert platform.read.project(project_id).status == "open"


# -- a declined card at close --------------------------------------------------------------------

@pytest.fixture
def declined_at_close(world, porto, platform, clock):
    """A funded campaign where one backer's card was declined when charged."""
    project_id = pilot(world, porto)
    citizen_pledges(world, project_id, "100.00")
    ana, anas_pledge = citizen_pledges(world, project_id, "30.00", "pm_card_chargeCustomerFail")
    after_the_deadline(platform, clock)
    return project_id, ana, anas_pledge


def test_a_declined_card_is_fixed_within_the_window_on_the_pledge_page(
    world, platform, declined_at_close, visitor
):
    project_id, ana, anas_pledge = declined_at_close
    page = visitor().get(f"/projects/{project_id}")
    assert text_of(page.text, "raised") == "EUR 100.00"
    assert text_of(page.text, "pending") == "EUR 30.00"
    assert "7 days to give another card" in text_of(page.text, "pending-explained")

    browser = visitor(world.emails[ana])
    mine = browser.get("/me/pledges")
    assert "Payment failed" in mine.text and ">Fix card</a>" in mine.text
    url = f"/pledges/{anas_pledge}"
    detail = browser.get(url)
    state = text_of(detail.text, "payment-state")
    assert "Your payment failed" in state and "Your card was declined" in state
    assert "Fix your card by 3 Jan 2027, 12:00 WET" in state  # 7 days after the close, Porto time
    assert "Action needed: your payment for" in detail.text
    assert "Use another card" in detail.text

    still = post_form(browser, url, f"{url}/card", payment_method="pm_card_chargeCustomerFail")
    assert still.status_code == 303
    assert "Your card is still failing: Your card was declined." in browser.get(url).text

    fixed = post_form(browser, url, f"{url}/card", payment_method="pm_card_visa")

    assert fixed.status_code == 303
    after = browser.get(fixed.headers["Location"])
    assert "your new card was charged EUR 30.00" in after.text
    assert "Charged EUR 30.00" in text_of(after.text, "payment-state")
    assert "Use another card" not in after.text
    page = visitor().get(f"/projects/{project_id}")
    assert text_of(page.text, "raised") == "EUR 130.00"
    assert 'id="pending"' not in page.text


def test_a_card_declined_when_given_is_refused_next_to_the_field(
    world, platform, declined_at_close, visitor
):
    _, ana, anas_pledge = declined_at_close
    browser = visitor(world.emails[ana])
    url = f"/pledges/{anas_pledge}"
    before = recorded(platform)

    refused = post_form(browser, url, f"{url}/card", payment_method="pm_card_chargeDeclined")
    unknown = post_form(browser, url, f"{url}/card", payment_method="pm_card_bogus")

    assert refused.status_code == 422 and 'role="alert"' in refused.text
    assert 'id="payment_method-error"' in refused.text and "declined" in refused.text
    assert unknown.status_code == 422 and "Choose one of the sandbox test cards" in unknown.text
    assert recorded(platform) == before


def test_a_failed_payment_not_fixed_in_time_is_dropped_and_the_project_stays_funded(
    world, platform, clock, declined_at_close, visitor
):
    project_id, ana, anas_pledge = declined_at_close
    clock.advance(days=8)
    settle_due(platform.app, platform.engine, platform.projections)

    browser = visitor(world.emails[ana])
    url = f"/pledges/{anas_pledge}"
    detail = browser.get(url)
    assert "Dropped — nothing was charged" in text_of(detail.text, "payment-state")
    assert "Use another card" not in detail.text
    assert "was dropped" in detail.text  # the notice in the messages
    before = recorded(platform)
    token = csrf_from(browser.get("/me/pledges").text)
    late = browser.post(f"{url}/card", data={"csrf_token": token, "payment_method": "pm_card_visa"})
    assert late.status_code == 409 and "can no longer be changed" in late.text
    assert recorded(platform) == before
    page = visitor().get(f"/projects/{project_id}")
    assert "Funded" in text_of(page.text, "outcome")
    assert text_of(page.text, "raised") == "EUR 100.00"
    assert 'id="pending"' not in page.text


# -- closing early -------------------------------------------------------------------------------

def test_early_close_is_refused_before_the_optimum_and_done_at_it(
    world, porto, platform, client, visitor
):
    project_id = pilot(world, porto)
    citizen_pledges(world, project_id, "120.00")
    login(client, "officer@porto.example.org")
    console = f"/console/projects/{project_id}"
    page = client.get(console)
    assert "Close the campaign now" not in page.text
    assert "It needs EUR 30.00 more" in text_of(page.text, "early-close-missing")
    before = recorded(platform)

    refused = post_form(client, console, f"{console}/close")

    assert refused.status_code == 409
    assert 'role="alert"' in refused.text
    assert "only once its optimum of EUR 150.00 is reached" in text_of(refused.text, "refusal")
    assert recorded(platform) == before
    assert platform.read.project(project_id).status == "open"

    citizen_pledges(world, project_id, "30.00")
    assert "Close the campaign now" in client.get(console).text
    closed = post_form(client, console, f"{console}/close")

    assert closed.status_code == 303
    shown = words(client.get(closed.headers["Location"]).text)
    assert "is closed and the pilot is funded: 2 pledges charged." in shown
    public = visitor().get(f"/projects/{project_id}")
    assert "Funded" in text_of(public.text, "outcome")
    assert text_of(public.text, "raised") == "EUR 150.00"


# -- who may act, and forged forms -----------------------------------------------------------------

def test_other_cities_officers_and_citizens_cannot_close_or_cancel(
    world, porto, platform, client, visitor
):
    project_id = pilot(world, porto)
    citizen_pledges(world, project_id, "150.00")
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    world.officer(dublin, "officer@dublin.example.org")
    citizen = world.citizen("rita@example.org")
    before = recorded(platform)

    for email in ("officer@dublin.example.org", world.emails[citizen]):
        browser = visitor(email)
        token = csrf_from(browser.get("/").text)
        for action, data in (("close", {}), ("cancel", {"reason": "Because."}),
                             ("delivery", {}), ("updates", {"update_title": "x", "body": "y"})):
            answer = browser.post(f"/console/projects/{project_id}/{action}",
                                  data={"csrf_token": token, **data})
            assert answer.status_code == 403, (email, action)
        assert browser.get(f"/console/projects/{project_id}").status_code == 403

    assert recorded(platform) == before
    assert platform.read.project(project_id).status == "open"


def test_a_form_without_its_csrf_token_is_refused(world, porto, platform, client):
    project_id = pilot(world, porto)
    citizen_pledges(world, project_id, "150.00")
    login(client, "officer@porto.example.org")
    before = recorded(platform)

    for action, data in (("close", {}), ("cancel", {"reason": "No token."})):
        answer = client.post(f"/console/projects/{project_id}/{action}", data=data)
        assert answer.status_code == 400
        assert "Form expired" in answer.text

    assert recorded(platform) == before
    assert platform.read.project(project_id).status == "open"


# -- the console list and the admin mail outbox ----------------------------------------------------

def test_the_console_lists_outcomes_and_settlement(world, porto, platform, clock, client):
    funded = pilot(world, porto)
    citizen_pledges(world, funded, "100.00")
    citizen_pledges(world, funded, "25.00", "pm_card_chargeCustomerFail")
    after_the_deadline(platform, clock)
    login(client, "officer@porto.example.org")

    console = words(client.get("/console").text)

    assert "Funded Settled EUR 25.00 pending" in console
    detail = client.get(f"/console/projects/{funded}")
    assert text_of(detail.text, "settlement") == "Settled"
    assert text_of(detail.text, "console-pending").startswith("EUR 25.00")
    assert "Start delivery" in detail.text


def test_the_admin_mail_page_lists_confirmations_receipts_and_failure_notices(
    world, porto, platform, clock, visitor
):
    project_id = pilot(world, porto)
    rita = world.account("citizen", "rita@example.org", name="Rita Sousa")
    world.pledge(project_id, rita, "100.00")
    citizen_pledges(world, project_id, "30.00", "pm_card_chargeCustomerFail")
    after_the_deadline(platform, clock)
    world.account("admin", "admin@example.org")

    admin = visitor("admin@example.org")
    assert 'href="/admin/mail"' in admin.get("/admin").text
    page = admin.get("/admin/mail")

    assert page.status_code == 200
    text = words(page.text)
    assert "Rita Sousa" in text and "rita@example.org" in text
    assert "Pledge confirmation" in text and "Receipt" in text and "Payment failed" in text
    assert "Receipt: EUR 100.00 for Bike counters for Boavista" in text
    assert "Action needed: your payment for Bike counters for Boavista" in text
    assert "Waiting" in text
    for email in (world.emails[rita], "officer@porto.example.org"):
        assert visitor(email).get("/admin/mail").status_code == 403
    assert visitor().get("/admin/mail").status_code in (302, 401)
