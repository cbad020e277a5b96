"""Privacy, as a person uses it: download my data (account page and API), erase my account
(confirmed with the password), and an administrator erasing on request with the reason kept."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from adapters import tables as t
from adapters.settlement_rounds import settle_due
from domain.kernel.context import SYSTEM, Actor, acting_as
from tests.conftest import PASSWORD, bearer, csrf_from, login
from tests.e2e.test_api_calls import Procurement
from tests.e2e.test_api_offers import Offering


def words(html: str) -> str:
    text = re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&#34;", '"')
    return " ".join(text.replace("&amp;", "&").split())


def events(platform, topic_end: str) -> list:
    found = []
    for notification in platform.app.recorder.select_notifications(1, 100_000):
        if notification.topic.endswith(topic_end):
            found.append(platform.app.mapper.to_domain_event(notification))
    return found


def every_event_state(platform) -> bytes:
    return b"".join(n.state for n in platform.app.recorder.select_notifications(1, 100_000))


@pytest.fixture
def rita(world, platform, clock):
    """Rita backs two Porto pilots: one funded and charged (her receipt is in the outbox), one
    still open (her pledge authorised). She has an API token."""
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    funded = world.project(porto, officer, title="Bike counters", closes_in=timedelta(days=2),
                           lines=(("Counters", "100.00", True),))
    rita = world.account("citizen", "rita@example.org", name="Rita Sousa")
    charged = world.pledge(funded, rita, "100.00")
    clock.advance(days=3)
    settle_due(platform.app, platform.engine, platform.projections)
    assert platform.read.pledge(charged).status == "charged"
    live_project = world.project(porto, officer, title="Smart bike lanes")
    live = world.pledge(live_project, rita, "40.00")
    other = world.pledge(live_project, world.citizen(), "60.00")
    token = world.token(rita)
    return {"id": rita, "charged": charged, "live": live, "other": other, "token": token,
            "funded": funded, "open": live_project, "city": porto, "officer": officer}


# -- download my data --------------------------------------------------------------------------

def test_the_api_hands_a_person_their_data(client, rita):
    response = client.get("/api/v1/me/export", headers=bearer(rita["token"]))

    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    data = response.json
    assert data["account"] | {"id": None, "created_at": None} == {
        "id": None, "name": "Rita Sousa", "email": "rita@example.org", "role": "citizen",
        "city": None, "created_at": None, "display_name": None,
    }
    pledges = {p["id"]: p for p in data["pledges"]}
    shown = ("amount", "currency", "status", "payment_method", "project_title")
    assert [tuple(pledges[str(rita[which])][name] for name in shown)
            for which in ("charged", "live")] == [
        ("100.00", "EUR", "charged", "pm_card_visa", "Bike counters"),
        ("40.00", "EUR", "authorised", "pm_card_visa", "Smart bike lanes"),
    ]
    assert str(rita["other"]) not in pledges  # someone else's pledge is not hers
    kinds = sorted(m["kind"] for m in data["mail"])
    assert kinds == ["confirmation", "confirmation", "receipt"]
    receipt = next(m for m in data["mail"] if m["kind"] == "receipt")
    assert "Bike counters" in receipt["subject"] and "charged EUR 100.00" in receipt["body"]
    [token] = data["api_tokens"]
    assert token["created_at"] and "token_hash" not in token
    assert rita["token"] not in response.text
    assert data["erasure"] is None and data["delivered_projects"] == []


def test_downloading_needs_a_token(client):
    response = client.get("/api/v1/me/export")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorised"


def test_the_account_page_offers_the_same_file_to_download(client, rita):
    login(client, "rita@example.org")

    page = client.get("/account")
    # The API first: its token's last use is then the same in both files.
    api = client.get("/api/v1/me/export", headers=bearer(rita["token"])).json
    download = client.get("/account/export")

    assert page.status_code == 200 and page.text.count("<h1") == 1
    assert 'href="/account/export"' in page.text and "Rita Sousa" in page.text
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith(
        'attachment; filename="civicfund-my-data-')
    assert "no-store" in download.headers["Cache-Control"]
    mine = json.loads(download.text)
    assert {k: v for k, v in mine.items() if k != "exported_at"} == {
        k: v for k, v in api.items() if k != "exported_at"}
    assert 'href="/account"' in client.get("/").text


def test_a_proposers_download_lists_the_pilots_they_deliver(client, world, rita):
    proposer = world.account("proposer", "group@example.org", name="Friends of the Park")
    with acting_as(Actor(str(rita["officer"]), "city"), "assign"):
        world.app.assign_delivery_owner(rita["open"], proposer)
    world.platform.projections.catch_up()

    data = client.get("/api/v1/me/export", headers=bearer(world.token(proposer))).json

    assert [p["title"] for p in data["delivered_projects"]] == ["Smart bike lanes"]
    assert data["pledges"] == []


def test_a_proposers_download_holds_the_proposals_they_wrote(client, world, clock):
    procurement = Procurement(world, client, clock)
    call_id = procurement.open_call()
    submitted = procurement.propose(call_id, title="Smart bins")
    procurement.propose(call_id, submit=False, title="Quiet bins")

    data = client.get("/api/v1/me/export",
                      headers=bearer(procurement.proposers[0])).json

    mine = {p["title"]: p for p in data["proposals"]}
    assert set(mine) == {"Smart bins", "Quiet bins"}
    assert mine["Smart bins"]["id"] == submitted and mine["Smart bins"]["call_id"] == call_id
    assert mine["Smart bins"]["status"] == "submitted"
    assert mine["Smart bins"]["submitted_at"] is not None
    assert mine["Quiet bins"]["submitted_at"] is None
    assert mine["Smart bins"]["content"]["summary"] == "Bins that say when they are full."
    other = client.get("/api/v1/me/export", headers=bearer(procurement.proposers[1])).json
    assert other["proposals"] == []


def test_an_investors_download_holds_their_commitments_and_their_check(client, world):
    offering = Offering(world, client)
    investor = offering.investor()
    assert offering.invest(investor, "150.00").status_code == 201
    unchecked = offering.investor(checked=False)

    data = client.get("/api/v1/me/export", headers=investor).json

    assert [(i["offer_id"], i["amount"], i["currency"], i["state"])
            for i in data["investments"]] == [(offering.offer, "150.00", "EUR", "committed")]
    assert data["investments"][0]["project_title"]
    assert data["appropriateness_passed_at"] is not None
    nothing = client.get("/api/v1/me/export", headers=unchecked).json
    assert nothing["investments"] == [] and nothing["appropriateness_passed_at"] is None


# -- erase my account --------------------------------------------------------------------------

def erase_form(client) -> tuple[str, str]:
    page = client.get("/account/erase")
    assert page.status_code == 200
    return page.text, csrf_from(page.text)


def test_the_confirmation_page_says_what_happens_to_each_pledge(client, rita):
    login(client, "rita@example.org")

    page, _ = erase_form(client)

    said = words(page)
    assert page.count("<h1") == 1
    assert "cancelled now" in said and "EUR 40.00 to Smart bike lanes" in said
    assert "stay as they are" in said and "EUR 100.00 to Bike counters" in said
    assert 'type="password"' in page and 'id="understood"' in page


def test_erasing_needs_the_password_and_the_tick_and_says_all_that_is_missing(
    client, rita, platform
):
    login(client, "rita@example.org")
    _, token = erase_form(client)
    before = platform.app.recorder.max_notification_id()

    blank = client.post("/account/erase", data={"csrf_token": token})
    wrong = client.post("/account/erase", data={"csrf_token": token, "password": "nope nope",
                                                 "understood": "y"})

    assert blank.status_code == wrong.status_code == 422
    assert 'role="alert"' in blank.text
    assert "Enter your password" in blank.text and "Tick the box" in blank.text
    assert "That is not your password" in wrong.text
    assert platform.app.recorder.max_notification_id() == before
    assert platform.accounts.get(rita["id"]).name == "Rita Sousa"


def test_a_citizen_erases_their_account(client, rita, platform, world):
    login(client, "rita@example.org")
    _, token = erase_form(client)
    raised = platform.read.project(rita["funded"]).raised

    done = client.post("/account/erase", data={"csrf_token": token, "password": PASSWORD,
                                               "understood": "y"})

    assert done.status_code == 303 and done.headers["Location"] == "/"
    home = client.get("/")
    assert "Your account is erased" in words(home.text)
    assert "1 pledge was cancelled first" in words(home.text)
    assert 'href="/login"' in home.text  # logged out
    assert client.get("/me/pledges").status_code == 302

    # Personal data has left the accounts table; the row stays as a tombstone.
    with platform.engine.connect() as conn:
        row = conn.execute(sa.select(t.accounts).where(t.accounts.c.id == rita["id"])).one()
        tokens = conn.execute(sa.select(t.api_tokens)
                              .where(t.api_tokens.c.account_id == rita["id"])).all()
        mail = conn.execute(sa.select(t.mail_outbox)
                            .where(t.mail_outbox.c.account_id == rita["id"])).all()
    assert (row.name, row.password_hash, row.erased_at is not None) == ("", "", True)
    assert "rita" not in row.email and row.role == "citizen"
    assert tokens == []
    assert mail and all(m.subject == "(erased)" and m.body == "" and m.sent_at for m in mail)
    assert client.get("/api/v1/me/pledges", headers=bearer(rita["token"])).status_code == 401
    assert "do not match" in login(client, "rita@example.org").text

    # The live pledge was cancelled through the real use case; the charged one stays.
    assert platform.read.pledge(rita["live"]).status == "cancelled"
    assert platform.read.pledge(rita["charged"]).status == "charged"
    assert platform.read.project(rita["funded"]).raised == raised
    assert platform.read.project(rita["open"]).raised.to_decimal_string() == "60.00"

    # The log says who and why, and nothing personal.
    [erased] = events(platform, "Account.Erased")
    assert (erased.actor_id, erased.actor_role, erased.reason) == (
        str(rita["id"]), "citizen", "own_request")
    state = every_event_state(platform)
    assert b"Rita" not in state and b"rita@example.org" not in state

    # The email is free again.
    world.account("citizen", "rita@example.org", name="Rita Sousa")


def test_an_erasure_waits_for_a_pledge_being_settled_and_the_worker_finishes_it(
    client, world, platform, clock
):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    project = world.project(porto, world.officer(porto), title="Flood sensors",
                            closes_in=timedelta(days=1), lines=(("Sensors", "500.00", True),))
    ana = world.account("citizen", "ana@example.org", name="Ana Costa")
    pledge = world.pledge(project, ana, "50.00")
    clock.advance(days=2)  # closed: the pledge is counted and can no longer be cancelled
    login(client, "ana@example.org")
    page, token = erase_form(client)
    assert "Your erasure will wait" in words(page) and "EUR 50.00 to Flood sensors" in words(page)

    asked = client.post("/account/erase", data={"csrf_token": token, "password": PASSWORD,
                                                "understood": "y"})

    assert asked.status_code == 303 and asked.headers["Location"].endswith("/account#erasure")
    account = client.get("/account")
    assert "Your erasure is waiting" in words(account.text)
    assert "EUR 50.00 to Flood sensors" in words(account.text)
    assert platform.accounts.get(ana).name == "Ana Costa"  # still there, still signed in
    assert events(platform, "Account.Erased") == []

    settle_due(platform.app, platform.engine, platform.projections)  # unfunded: released
    assert platform.read.pledge(pledge).status == "released"
    [done] = platform.erasures.carry_out_waiting()

    assert done.erased and platform.accounts.get(ana) is None
    assert client.get("/account").status_code == 302  # the session ended
    [erased] = events(platform, "Account.Erased")
    assert (erased.actor_role, erased.reason, erased.requested_by) == (
        "system", "own_request", str(ana))


def test_mail_written_after_an_erasure_is_empty_and_a_rebuild_does_not_bring_any_back(
    client, rita, platform, world
):
    login(client, "rita@example.org")
    _, token = erase_form(client)
    client.post("/account/erase", data={"csrf_token": token, "password": PASSWORD,
                                        "understood": "y"})
    # The city cancels the funded pilot: Rita's charged pledge is refunded, and a refund notice
    # would be written to her.
    with acting_as(Actor(str(rita["officer"]), "city"), "cancel"):
        world.app.cancel_project(rita["funded"], reason="The site is no longer available")
    platform.projections.catch_up()
    assert platform.read.pledge(rita["charged"]).status == "refunded"

    platform.projections.rebuild()

    mail = platform.outbox.messages(account_id=rita["id"])
    assert "refund" in {m.kind for m in mail}
    assert all((m.subject, m.body) == ("(erased)", "") for m in mail)


# -- administrators erase on request -----------------------------------------------------------

@pytest.fixture
def admin(app, world):
    world.account("admin", "admin@example.org", name="Ada Admin")
    admin_client = app.test_client()
    login(admin_client, "admin@example.org")
    return admin_client


def accounts_counted(admin) -> int:
    return int(re.search(r'id="count-accounts">(\d+)<', admin.get("/admin").text).group(1))


def test_an_admin_erases_on_request_and_the_reason_is_recorded(admin, rita, platform):
    counted = accounts_counted(admin)
    page = admin.get(f"/admin/accounts/{rita['id']}/erase")
    assert page.status_code == 200 and "Erase Rita Sousa" in words(page.text)
    note = "Asked by letter dated 2 December 2026"

    done = admin.post(f"/admin/accounts/{rita['id']}/erase", data={
        "csrf_token": csrf_from(page.text), "reason": "person_asked", "note": note,
    })

    assert done.status_code == 303
    assert "Rita Sousa's account is erased" in words(admin.get(done.headers["Location"]).text)
    [erased] = events(platform, "Account.Erased")
    assert (erased.actor_role, erased.reason) == ("admin", "person_asked")
    assert note.encode() not in every_event_state(platform)
    request = platform.erasures.request_of(rita["id"])
    assert (request.reason, request.note, request.requested_by_role) == (
        "person_asked", note, "admin")
    assert platform.read.pledge(rita["live"]).status == "cancelled"

    accounts = words(admin.get("/admin/accounts").text)
    assert "A former backer" in accounts and "Rita Sousa" not in accounts
    assert "rita@example.org" not in accounts
    mail = words(admin.get("/admin/mail").text)
    assert "A former backer" in mail and "Rita Sousa" not in mail
    assert accounts_counted(admin) == counted - 1


@pytest.mark.parametrize(("fields", "message"), [
    ({}, "Choose why the account is erased"),
    ({"reason": "own_request"}, "Choose why the account is erased"),
    ({"reason": "other"}, "Say what the other reason is"),
    ({"reason": "person_asked", "note": "x" * 1001}, "under 1,000 characters"),
])
def test_an_admin_must_give_a_reason_and_bad_input_erases_nothing(
    admin, rita, platform, fields, message
):
    page = admin.get(f"/admin/accounts/{rita['id']}/erase")

    refused = admin.post(f"/admin/accounts/{rita['id']}/erase",
                         data={"csrf_token": csrf_from(page.text), **fields})

    assert refused.status_code == 422
    assert message in refused.text and 'role="alert"' in refused.text
    assert platform.accounts.get(rita["id"]).name == "Rita Sousa"
    assert events(platform, "Account.Erased") == []


def test_an_admin_cannot_erase_their_own_account(admin, platform):
    me = platform.accounts.by_email("admin@example.org")
    page = admin.get(f"/admin/accounts/{me.id}/erase")

    refused = admin.post(f"/admin/accounts/{me.id}/erase",
                         data={"csrf_token": csrf_from(page.text), "reason": "person_asked"})
    own_page = admin.get("/account/erase")

    assert refused.status_code == 403 and own_page.status_code == 403
    assert "ask another administrator" in words(refused.text)
    assert platform.accounts.get(me.id) is not None


def test_an_erased_delivery_owner_is_a_former_member_on_the_pilots_page(client, world, rita):
    proposer = world.account("proposer", "group@example.org", name="Jo Bloggs")
    with acting_as(Actor(str(rita["officer"]), "city"), "assign"):
        world.app.assign_delivery_owner(rita["open"], proposer)
    with acting_as(SYSTEM, "erase"):
        world.platform.erasures.request(proposer, reason="person_asked")
    world.platform.projections.catch_up()

    page = words(client.get(f"/projects/{rita['open']}").text)

    assert "Delivered by a former member" in page and "Jo Bloggs" not in page
