"""A city officer makes a proposer's account the delivery owner of a pilot; the proposer then
plans and completes milestones and posts updates from their own pages and through the API, and
nothing more."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters import tables
from adapters.settlement_rounds import settle_due
from domain.kernel.context import Actor, acting_as
from tests.conftest import bearer, csrf_from, login
from tests.e2e.test_settlement_pages import LINES, recorded, text_of, words

OFFICER = "officer@zagreb.example.org"
PROPOSER = "greens@zagreb.example.org"
OTHER_PROPOSER = "rivals@zagreb.example.org"
CITIZEN = "ana@zagreb.example.org"


class Pilot:
    """A Zagreb pilot (minimum EUR 100.00), its officer, two proposers and a citizen."""

    def __init__(self, world, platform, clock):
        self.world, self.platform, self.clock = world, platform, clock
        self.city = world.city("Zagreb", "EUR", "HR", "Europe/Zagreb")
        self.officer = world.officer(self.city, OFFICER)
        self.proposer = world.account("proposer", PROPOSER, name="Zelena Akcija")
        self.other_proposer = world.account("proposer", OTHER_PROPOSER, name="Rival Group")
        self.citizen = world.citizen(CITIZEN)
        self.id = world.project(self.city, self.officer, title="Tram stop displays", lines=LINES)

    def assign(self) -> None:
        with acting_as(Actor(str(self.officer), "city"), "test"):
            self.platform.app.assign_delivery_owner(self.id, self.proposer)
        self.platform.projections.catch_up()

    def fund_and_deliver(self) -> None:
        self.world.pledge(self.id, self.world.citizen(), "150.00")
        self.clock.advance(days=31)
        settle_due(self.platform.app, self.platform.engine, self.platform.projections)
        with acting_as(Actor(str(self.officer), "city"), "test"):
            self.platform.app.start_delivery(self.id)
        self.platform.projections.catch_up()
        assert self.platform.read.project(self.id).status == "delivering"

    def owner(self):
        return self.platform.read.project(self.id).delivery_owner_id


@pytest.fixture
def pilot(world, platform, clock) -> Pilot:
    return Pilot(world, platform, clock)


def signed_in(app, email: str):
    client = app.test_client()
    login(client, email)
    return client


def post_form(client, page: str, action: str, **fields):
    token = csrf_from(client.get(page).text)
    return client.post(f"{page}/{action}", data={"csrf_token": token, **fields})


# -- the officer names the delivery owner ------------------------------------------------------

def test_an_officer_makes_a_proposer_the_delivery_owner_by_email(pilot, app, platform):
    officer = signed_in(app, OFFICER)
    console = f"/console/projects/{pilot.id}"
    assert "No delivery owner yet" in text_of(officer.get(console).text, "delivery-owner")

    done = post_form(officer, console, "delivery-owner", owner_email="  Greens@Zagreb.example.org ")

    assert done.status_code == 303
    page = officer.get(done.headers["Location"]).text
    assert "Zelena Akcija is now the delivery owner of “Tram stop displays”" in words(page)
    assert "Zelena Akcija" in text_of(page, "delivery-owner-name")
    assert pilot.owner() == pilot.proposer


@pytest.mark.parametrize("email, message", [
    # One answer whether the email is unknown or another role's: the form reveals neither.
    ("nobody@zagreb.example.org", "No proposer's account has that email"),
    (CITIZEN, "No proposer's account has that email"),
    (OFFICER, "No proposer's account has that email"),
    ("", "Enter the email of the proposer's account"),
])
def test_an_unknown_email_or_an_account_that_is_no_proposer_is_refused_and_nothing_recorded(
    pilot, app, platform, email, message
):
    officer = signed_in(app, OFFICER)
    console = f"/console/projects/{pilot.id}"
    before = recorded(platform)

    refused = post_form(officer, console, "delivery-owner", owner_email=email)

    assert refused.status_code == 422
    assert message in text_of(refused.text, "owner_email-error")
    assert recorded(platform) == before
    assert pilot.owner() is None


# -- the public project page names who delivers it -------------------------------------------

def test_the_project_page_says_who_delivers_the_pilot_once_there_is_an_owner(pilot, app):
    visitor = app.test_client()
    page = f"/projects/{pilot.id}"
    before = visitor.get(page)
    assert before.status_code == 200
    assert "Delivered by" not in words(before.text)

    pilot.assign()

    after = visitor.get(page).text
    assert text_of(after, "delivered-by") == "Delivered by Zelena Akcija"
    assert "Rival Group" not in words(after)


def test_a_delivery_owner_whose_account_is_gone_is_not_named(pilot, app, platform):
    pilot.assign()
    with platform.engine.begin() as conn:  # as if the account had been erased
        conn.execute(tables.accounts.delete().where(tables.accounts.c.id == pilot.proposer))

    page = app.test_client().get(f"/projects/{pilot.id}")

    assert page.status_code == 200
    assert "Delivered by" not in words(page.text)
    assert "Tram stop displays" in words(page.text)


# -- the proposer's pages ----------------------------------------------------------------------

def test_the_delivery_owner_reports_from_their_pages_and_backers_see_it(pilot, app):
    pilot.assign()
    proposer = signed_in(app, PROPOSER)
    home = proposer.get("/delivery")
    assert home.status_code == 200
    assert 'href="/delivery"' in home.text  # the "My pilots" link in the navigation
    assert "Tram stop displays" in words(home.text)

    page = f"/delivery/projects/{pilot.id}"
    planned = post_form(proposer, page, "milestones", milestone_title="Displays installed",
                        due="2027-03-31")
    assert planned.status_code == 303
    assert "is planned for 31 Mar 2027" in words(proposer.get(planned.headers["Location"]).text)
    posted = post_form(proposer, page, "updates", update_title="Displays ordered",
                       body="The supplier confirmed delivery for March.")
    assert posted.status_code == 303

    pilot.fund_and_deliver()
    assert post_form(proposer, page, "milestones/1/complete").status_code == 303

    public = words(app.test_client().get(f"/projects/{pilot.id}").text)
    assert "Displays ordered" in public and "The supplier confirmed delivery for March." in public
    assert "Displays installed Due 31 Mar 2027 · done on 27 Dec 2026" in public


def test_a_bad_update_from_the_delivery_owner_is_refused_next_to_the_field(pilot, app, platform):
    pilot.assign()
    proposer = signed_in(app, PROPOSER)
    before = recorded(platform)

    refused = post_form(proposer, f"/delivery/projects/{pilot.id}", "updates",
                        update_title="", body="Something happened.")

    assert refused.status_code == 422
    assert "Give the update a title" in text_of(refused.text, "update_title-error")
    assert recorded(platform) == before


def test_another_proposer_sees_none_of_it(pilot, app, platform):
    pilot.assign()
    rival = signed_in(app, OTHER_PROPOSER)
    assert "Tram stop displays" not in words(rival.get("/delivery").text)
    page = f"/delivery/projects/{pilot.id}"
    assert rival.get(page).status_code == 404
    before = recorded(platform)

    token = csrf_from(rival.get("/delivery").text)
    posted = rival.post(f"{page}/updates", data={
        "csrf_token": token, "update_title": "Hijack", "body": "Not ours.",
    })

    assert posted.status_code == 404
    assert recorded(platform) == before


def test_the_delivery_pages_are_for_proposers_only(pilot, app):
    assert signed_in(app, CITIZEN).get("/delivery").status_code == 403
    assert signed_in(app, OFFICER).get(f"/delivery/projects/{pilot.id}").status_code == 403
    anonymous = app.test_client().get("/delivery")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]


def test_the_delivery_owner_cannot_close_or_cancel_the_pilot(pilot, app, platform):
    pilot.assign()
    pilot.world.pledge(pilot.id, pilot.world.citizen(), "150.00")
    proposer = signed_in(app, PROPOSER)
    token = csrf_from(proposer.get("/delivery").text)
    before = recorded(platform)

    for action, data in (("close", {}), ("cancel", {"reason": "We give up"})):
        refused = proposer.post(f"/console/projects/{pilot.id}/{action}",
                                data={"csrf_token": token, **data})
        assert refused.status_code == 403

    api_token = pilot.world.token(pilot.proposer)
    for action, body in (("close", None), ("cancel", {"reason": "We give up"})):
        refused = app.test_client().post(f"/api/v1/projects/{pilot.id}/{action}", json=body,
                                         headers=bearer(api_token))
        assert refused.status_code == 403, refused.text
        assert refused.json["error"]["code"] == "forbidden"
    assert recorded(platform) == before
    assert platform.read.project(pilot.id).status == "open"


# -- the API ------------------------------------------------------------------------------------

def test_the_api_assigns_a_delivery_owner_by_email(pilot, client, platform):
    url = f"/api/v1/projects/{pilot.id}/delivery-owner"
    officer = bearer(pilot.world.token(pilot.officer))
    assert client.get(f"/api/v1/projects/{pilot.id}").json["delivery_owner_id"] is None
    before = recorded(platform)

    for email in ("nobody@zagreb.example.org", CITIZEN):
        refused = client.post(url, json={"email": email}, headers=officer)
        assert refused.status_code == 422, refused.text
        assert refused.json["error"]["code"] == "invalid_account"
        assert "email" in refused.json["error"]["fields"]
    unknown_field = client.post(url, json={"email": PROPOSER, "role": "x"}, headers=officer)
    assert unknown_field.status_code == 422
    by_proposer = client.post(url, json={"email": OTHER_PROPOSER},
                              headers=bearer(pilot.world.token(pilot.other_proposer)))
    assert by_proposer.status_code == 403
    assert recorded(platform) == before

    done = client.post(url, json={"email": PROPOSER}, headers=officer)

    assert done.status_code == 200, done.text
    assert done.json["delivery_owner_id"] == str(pilot.proposer)
    assert client.get(f"/api/v1/projects/{pilot.id}").json["delivery_owner_id"] == str(
        pilot.proposer)


def test_the_delivery_owner_reports_through_the_api_and_another_proposer_is_forbidden(
    pilot, client, platform
):
    pilot.assign()
    owner = bearer(pilot.world.token(pilot.proposer))
    rival = bearer(pilot.world.token(pilot.other_proposer))
    base = f"/api/v1/projects/{pilot.id}"
    due = datetime(2027, 3, 31, 12, tzinfo=UTC).isoformat()

    planned = client.post(f"{base}/milestones", json={"title": "Displays installed", "due": due},
                          headers=owner)
    assert planned.status_code == 201, planned.text
    posted = client.post(f"{base}/updates", json={"title": "Displays ordered",
                                                  "body": "Delivery in March."}, headers=owner)
    assert posted.status_code == 201, posted.text

    before = recorded(platform)
    for path, body in (("/updates", {"title": "Hijack", "body": "Not ours."}),
                       ("/milestones", {"title": "Hijack", "due": due}),
                       ("/milestones/1/complete", None)):
        refused = client.post(f"{base}{path}", json=body, headers=rival)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json["error"]["code"] == "forbidden"
    assert client.post(f"{base}/delivery", headers=owner).status_code == 403
    assert recorded(platform) == before

    pilot.fund_and_deliver()
    completed = client.post(f"{base}/milestones/1/complete", headers=owner)
    assert completed.status_code == 200, completed.text
    assert completed.json["completed_at"]
    assert client.post(f"{base}/complete", headers=owner).status_code == 403

    updates = client.get(f"{base}/updates").json["updates"]
    assert [u["title"] for u in updates] == ["Displays ordered"]
    public = words(client.get(f"/projects/{pilot.id}").text)
    assert "Displays ordered" in public and "Delivery in March." in public
