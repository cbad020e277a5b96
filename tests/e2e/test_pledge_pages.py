"""Pledging through the pages: the form, the confirmation, my pledges, cancelling, bad input."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from domain.crowdfunding.pledge import pledge_limit
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import PASSWORD, csrf_from, login
from web.filters import status_words

# Pages must not lean on deprecated library behaviour (e.g. wtforms choices given as tuples).
pytestmark = pytest.mark.filterwarnings("error::DeprecationWarning")


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element with id {element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def events(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


@pytest.fixture
def pilot(world):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    project_id = world.project(porto, officer, title="Smart bike lanes")
    return {"city": porto, "officer": officer, "project": project_id}


@pytest.fixture
def citizen(client, world):
    account_id = world.citizen()
    login(client, world.emails[account_id])
    return account_id


def pledge(client, project_id, amount, payment_method="pm_card_visa", **extra):
    page = client.get(f"/projects/{project_id}/pledge")
    data = {"amount": amount, "payment_method": payment_method,
            "csrf_token": csrf_from(page.text), **extra}
    return client.post(f"/projects/{project_id}/pledge", data=data)


def figures(client, project_id) -> tuple[str, str]:
    page = client.get(f"/projects/{project_id}")
    return text_of(page.text, "raised"), text_of(page.text, "backers")


def test_register_pledge_see_it_and_cancel_it(client, pilot, platform):
    project_id = pilot["project"]
    assert figures(client, project_id) == ("EUR 0.00", "0")

    page = client.get("/register")
    registered = client.post("/register", data={
        "name": "Rita Sousa", "email": "rita@example.org", "password": PASSWORD,
        "csrf_token": csrf_from(page.text),
    }, follow_redirects=True)
    assert "Check your email" in registered.text
    account = platform.accounts.by_email("rita@example.org")
    [mail] = platform.outbox.messages(account_id=account.id)
    link = re.search(r"https?://[^/\s]+(/confirm-email/\S+)", mail.body).group(1)
    confirm = client.get(link)
    client.post(link, data={"csrf_token": csrf_from(confirm.text)})
    assert "Rita Sousa · citizen" in login(client, "rita@example.org").text

    form = client.get(f"/projects/{project_id}/pledge")
    assert form.status_code == 200
    assert "You are charged only if the pilot reaches its minimum" in form.text
    assert "EUR" in form.text and pledge_limit("EUR").display() in form.text
    assert "sandbox" in form.text and 'value="pm_card_visa" checked' in form.text

    answer = pledge(client, project_id, "40.00")
    assert answer.status_code == 303
    confirmation = client.get(answer.headers["Location"])
    assert confirmation.status_code == 200
    assert "Thank you! You pledged EUR 40.00 to Smart bike lanes" in confirmation.text
    assert "You are charged only if the pilot reaches its minimum" in confirmation.text
    assert "charged only if the minimum is reached" in text_of(confirmation.text, "pledge-status")
    assert "What happens next" in confirmation.text
    assert figures(client, project_id) == ("EUR 40.00", "1")

    mine = client.get("/me/pledges")
    assert "Smart bike lanes" in mine.text and "EUR 40.00" in mine.text
    assert "Authorised — charged only if the minimum is reached" in mine.text
    pledge_id = answer.headers["Location"].rsplit("/", 1)[1]
    assert f'href="/pledges/{pledge_id}/cancel"' in mine.text
    asked = client.get(f"/pledges/{pledge_id}/cancel")
    assert asked.status_code == 200
    assert "Cancel your pledge of EUR 40.00 to Smart bike lanes?" in asked.text
    assert "you will not be charged" in text_of(asked.text, "cancel-consequence")
    cancelled = client.post(f"/pledges/{pledge_id}/cancel",
                            data={"csrf_token": csrf_from(asked.text), "confirm": "yes"},
                            follow_redirects=True)
    assert cancelled.status_code == 200
    assert "is cancelled. You will not be charged" in cancelled.text
    assert "Cancelled" in cancelled.text
    assert f'action="/pledges/{pledge_id}/cancel"' not in cancelled.text
    assert figures(client, project_id) == ("EUR 0.00", "0")
    assert platform.read.pledge(uuid.UUID(pledge_id)).status == "cancelled"


def visible_text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_keep_what_you_raise_pledge_is_said_to_be_charged_at_the_close(
    client, world, pilot, citizen, clock,
):
    kept = world.project(
        pilot["city"], pilot["officer"], title="Noise monitors",
        funding_model="keep_what_you_raise", closes_in=timedelta(days=13, hours=22, minutes=30),
    )
    form = visible_text(client.get(f"/projects/{kept}/pledge").text)
    assert "You are charged when the campaign closes, whatever the total." in form
    assert "10 Dec 2026, 10:30 WET" in form  # 2026-12-10 10:30 UTC, in Porto's zone
    assert "only if" not in form

    answer = pledge(client, kept, "15.00")
    confirmation = client.get(answer.headers["Location"])
    page = visible_text(confirmation.text)
    assert ("You pledged EUR 15.00 to Noise monitors. "
            "You are charged when the campaign closes") in page
    assert text_of(confirmation.text, "pledge-status") == (
        "Authorised — charged when the campaign closes"
    )
    assert "only if" not in page
    mine = visible_text(client.get("/me/pledges").text)
    assert "Authorised — charged when the campaign closes" in mine
    assert "only if" not in mine


def test_an_authorised_pledge_without_its_funding_model_is_worded_neutrally():
    assert status_words("authorised") == "Authorised — not charged yet"
    assert "only if" not in status_words("authorised", "keep_what_you_raise")
    assert "minimum" in status_words("authorised", "all_or_nothing")


def test_a_second_pledge_adds_to_the_total_but_not_to_the_backers(client, pilot, citizen):
    pledge(client, pilot["project"], "10.00")
    pledge(client, pilot["project"], "2.50")
    assert figures(client, pilot["project"]) == ("EUR 12.50", "1")


def test_a_visitor_is_asked_to_log_in_first(client, pilot):
    answer = client.get(f"/projects/{pilot['project']}/pledge")
    assert answer.status_code == 302
    assert "/login?next=" in answer.headers["Location"]


@pytest.mark.parametrize(("amount", "message"), [
    ("0", "more than zero"),
    ("0.00", "more than zero"),
    ("-5", "more than zero"),
    ("abc", "is not an amount"),
    ("1.234", "at most 2 decimal places"),
    ("1,000", "is not an amount"),
    ("", "Enter the amount you pledge"),
    ("1e3", "is not an amount"),
    ("99999999999999999999999999", "A single pledge is at most"),
])
def test_bad_amounts_record_nothing_and_say_why(client, pilot, citizen, platform, amount, message):
    before = events(platform)
    answer = pledge(client, pilot["project"], amount)
    assert answer.status_code == 422
    assert message in answer.text
    assert 'id="amount-error"' in answer.text and 'aria-invalid="true"' in answer.text
    assert 'role="alert"' in answer.text
    assert events(platform) == before
    assert figures(client, pilot["project"]) == ("EUR 0.00", "0")


def backer_wall_box(html: str) -> str:
    [box] = re.findall(r'<input[^>]*id="on_backer_wall"[^>]*>', html)
    return box


def test_a_refused_pledge_form_keeps_what_was_typed_and_chosen(
    client, world, pilot, citizen, platform,
):
    with acting_as(Actor(str(pilot["officer"]), "city"), "test-suggest"):
        platform.app.suggest_amounts(pilot["project"], [Money.parse("25.00", "EUR")])
    platform.projections.catch_up()
    before = events(platform)
    # A suggested amount chosen, another card and the backer wall ticked; then an amount that
    # is not one.
    chosen = pledge(client, pilot["project"], "25.00", "pm_card_mastercard",
                    on_backer_wall="y")
    assert chosen.status_code == 303
    typo = pledge(client, pilot["project"], "12,50", "pm_card_mastercard", on_backer_wall="y")
    assert typo.status_code == 422
    assert "is not an amount" in typo.text and 'id="amount-error"' in typo.text
    assert re.search(r'id="amount"[^>]*value="12,50"', typo.text)
    assert re.search(r'value="pm_card_mastercard"\s+checked', typo.text)
    assert " checked" in backer_wall_box(typo.text)
    assert events(platform) > before  # the first one was recorded
    recorded = events(platform)

    # Typed back to the suggested amount with a card the sandbox does not have: the suggestion
    # shows as chosen, and the wall left unticked stays unticked.
    unknown = pledge(client, pilot["project"], "25.00", "pm_card_nope")
    assert unknown.status_code == 422
    assert "Choose one of the sandbox test cards listed" in unknown.text
    assert re.search(r'id="amount"[^>]*value="25.00"', unknown.text)
    assert 'aria-current="true"' in unknown.text
    assert " checked" not in backer_wall_box(unknown.text)
    assert events(platform) == recorded


def test_amount_just_above_the_pledge_limit_is_refused(client, pilot, citizen, platform):
    limit = pledge_limit("EUR")
    over = Money(limit.minor + 1, "EUR").to_decimal_string()
    before = events(platform)
    answer = pledge(client, pilot["project"], over)
    assert answer.status_code == 422
    assert f"A single pledge is at most {limit.display()}" in answer.text
    assert events(platform) == before


def test_amounts_follow_the_citys_currency(client, world, citizen, platform):
    """Miskolc pledges in forints; a zero-decimal currency takes whole amounts only."""
    miskolc = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    lights = world.project(miskolc, world.officer(miskolc), title="Adaptive street lights",
                           lines=(("Lamps", "3000000", True),))
    reykjavik = world.city("Reykjavik", "ISK", "IS", "Atlantic/Reykjavik")
    heat = world.project(reykjavik, world.officer(reykjavik), title="Geothermal bus stops",
                         lines=(("Pipes", "900000", True),))
    before = events(platform)

    form = client.get(f"/projects/{lights}/pledge")
    assert "In HUF" in form.text and pledge_limit("HUF").display() in form.text
    refused = pledge(client, lights, "10.123")
    assert refused.status_code == 422 and "HUF amounts have at most" in refused.text
    refused = pledge(client, heat, "10.5")
    assert refused.status_code == 422 and "ISK has no minor unit" in refused.text
    assert events(platform) == before

    assert pledge(client, lights, "5000").status_code == 303
    assert figures(client, lights) == ("HUF 5,000.00", "1")
    assert pledge(client, heat, "1500").status_code == 303
    assert figures(client, heat) == ("ISK 1,500", "1")


def test_declined_card_records_nothing_and_says_so_next_to_the_card(
    client, pilot, citizen, platform,
):
    before = events(platform)
    answer = pledge(client, pilot["project"], "20.00", payment_method="pm_card_chargeDeclined")
    assert answer.status_code == 422
    assert "Your card was declined" in answer.text
    assert 'id="payment_method-error"' in answer.text
    assert 'value="20.00"' in answer.text  # the amount is kept for a second try
    assert events(platform) == before


@pytest.mark.parametrize("payment_method", ["", "pm_card_stolen", "<script>"])
def test_unknown_payment_methods_are_refused(client, pilot, citizen, platform, payment_method):
    before = events(platform)
    answer = pledge(client, pilot["project"], "20.00", payment_method=payment_method)
    assert answer.status_code == 422
    assert "payment method" in answer.text.lower() or "test cards" in answer.text
    assert "<script>" not in answer.text  # what was sent is escaped, never markup
    assert events(platform) == before


def test_closed_campaign_refuses_pledges(client, world, pilot, citizen, platform):
    soon = world.project(pilot["city"], pilot["officer"], title="Short campaign",
                         closes_in=timedelta(hours=2))
    page = client.get(f"/projects/{soon}/pledge")
    token = csrf_from(page.text)
    world.clock.set(world.clock.now() + timedelta(hours=3))
    before = events(platform)
    answer = client.post(f"/projects/{soon}/pledge", data={
        "amount": "10.00", "payment_method": "pm_card_visa", "csrf_token": token,
    })
    assert answer.status_code == 409
    assert "not taking pledges" in answer.text
    assert 'name="amount"' not in answer.text
    assert events(platform) == before
    assert client.get(f"/projects/{soon}/pledge").status_code == 409


def test_a_draft_cannot_be_pledged_to_and_stays_hidden(client, world, pilot, citizen, platform):
    draft = world.project(pilot["city"], pilot["officer"], title="Draft", open_campaign=False)
    token = csrf_from(client.get("/").text)
    before = events(platform)
    assert client.get(f"/projects/{draft}/pledge").status_code == 404
    answer = client.post(f"/projects/{draft}/pledge", data={
        "amount": "10.00", "payment_method": "pm_card_visa", "csrf_token": token,
    })
    assert answer.status_code == 404
    assert events(platform) == before


def test_an_officer_cannot_pledge(client, world, pilot, platform):
    login(client, world.emails[pilot["officer"]])
    page = client.get(f"/projects/{pilot['project']}/pledge")
    assert page.status_code == 403
    assert "Only citizens can pledge" in page.text
    before = events(platform)
    answer = client.post(f"/projects/{pilot['project']}/pledge", data={
        "amount": "10.00", "payment_method": "pm_card_visa", "csrf_token": csrf_from(page.text),
    })
    assert answer.status_code == 403
    assert events(platform) == before
    assert client.get("/me/pledges").status_code == 403


def test_a_pledge_without_csrf_token_is_refused(client, pilot, citizen, platform):
    before = events(platform)
    answer = client.post(f"/projects/{pilot['project']}/pledge", data={
        "amount": "10.00", "payment_method": "pm_card_visa",
    })
    assert answer.status_code == 400
    assert events(platform) == before
    assert figures(client, pilot["project"]) == ("EUR 0.00", "0")


def test_pledging_to_unknown_or_malformed_projects_is_404(client, citizen):
    assert client.get(f"/projects/{uuid.uuid4()}/pledge").status_code == 404
    assert client.get("/projects/nope/pledge").status_code == 404


def test_someone_elses_pledge_is_404_and_cannot_be_cancelled(client, world, pilot, platform):
    owner = world.citizen()
    pledge_id = world.pledge(pilot["project"], owner, "30.00")
    login(client, world.emails[world.citizen()])
    assert client.get(f"/pledges/{pledge_id}").status_code == 404
    before = events(platform)
    assert client.get(f"/pledges/{pledge_id}/cancel").status_code == 404
    answer = client.post(f"/pledges/{pledge_id}/cancel",
                         data={"csrf_token": csrf_from(client.get("/").text), "confirm": "yes"})
    assert answer.status_code == 404
    assert events(platform) == before
    assert figures(client, pilot["project"]) == ("EUR 30.00", "1")


@pytest.mark.parametrize("path", [f"/pledges/{uuid.uuid4()}", "/pledges/12", "/pledges/x%20y"])
def test_unknown_and_malformed_pledge_ids_are_404(client, citizen, path):
    page = client.get(path)
    assert page.status_code == 404
    assert "<h1" in page.text


def test_cancel_without_csrf_token_is_refused(client, world, pilot, citizen, platform):
    pledge_id = world.pledge(pilot["project"], citizen, "30.00")
    before = events(platform)
    assert client.post(f"/pledges/{pledge_id}/cancel").status_code == 400
    assert events(platform) == before
    assert figures(client, pilot["project"]) == ("EUR 30.00", "1")


def test_cancelling_twice_is_refused_clearly(client, world, pilot, citizen, platform):
    pledge_id = world.pledge(pilot["project"], citizen, "30.00")
    token = csrf_from(client.get("/me/pledges").text)
    first = client.post(f"/pledges/{pledge_id}/cancel", data={"csrf_token": token,
                                                               "confirm": "yes"})
    assert first.status_code == 303
    before = events(platform)
    again = client.post(f"/pledges/{pledge_id}/cancel", data={"csrf_token": token,
                                                               "confirm": "yes"})
    assert again.status_code == 409
    assert "Your pledge was not cancelled" in again.text and 'role="alert"' in again.text
    assert events(platform) == before


def test_no_cancel_after_the_campaign_closes(client, world, pilot, citizen, platform):
    pledge_id = world.pledge(pilot["project"], citizen, "30.00")
    token = csrf_from(client.get("/me/pledges").text)
    assert f"/pledges/{pledge_id}/cancel" in client.get("/me/pledges").text
    world.clock.set(world.clock.now() + timedelta(days=31))
    mine = client.get("/me/pledges")
    assert f"/pledges/{pledge_id}/cancel" not in mine.text
    before = events(platform)
    answer = client.post(f"/pledges/{pledge_id}/cancel", data={"csrf_token": token,
                                                                "confirm": "yes"})
    assert answer.status_code == 409
    assert "campaign has closed" in answer.text
    assert events(platform) == before
    asked = client.get(f"/pledges/{pledge_id}/cancel")
    assert "This pledge can no longer be cancelled" in asked.text
    assert 'name="confirm"' not in asked.text


def test_a_cancel_without_the_confirmation_cancels_nothing_and_asks(
    client, world, pilot, citizen, platform,
):
    pledge_id = world.pledge(pilot["project"], citizen, "30.00")
    token = csrf_from(client.get("/me/pledges").text)
    before = events(platform)
    stray = client.post(f"/pledges/{pledge_id}/cancel", data={"csrf_token": token})
    assert stray.status_code == 400
    assert "Nothing was cancelled" in text_of(stray.text, "unconfirmed")
    assert "Cancel your pledge of EUR 30.00 to Smart bike lanes?" in stray.text
    assert events(platform) == before
    assert platform.read.pledge(pledge_id).status == "authorised"
    assert figures(client, pilot["project"]) == ("EUR 30.00", "1")


def test_my_pledges_empty_state(client, citizen):
    page = client.get("/me/pledges")
    assert page.status_code == 200
    assert "You have not pledged to any pilot yet" in page.text


def test_the_refusal_page_names_the_role_in_peoples_words(client, world, pilot):
    login(client, world.emails[pilot["officer"]])

    page = client.get(f"/projects/{pilot['project']}/pledge")

    said = " ".join(page.text.split())
    assert page.status_code == 403
    assert "with the <strong>city officer</strong> role" in said
    assert "Test City · city officer" in said
    assert "<strong>city</strong>" not in said
