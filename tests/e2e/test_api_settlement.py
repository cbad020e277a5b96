"""API v1 after a campaign: closing at the deadline or early at the optimum, cancelling, fixing a
card that failed at close, and the receipts a citizen reads. Each scenario is driven through the
API, with the clock moved and the settling worker run as in production."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from adapters.settlement_rounds import settle_due
from domain.crowdfunding.pledge import FIX_WINDOW
from tests.conftest import bearer

FAILS_AT_CLOSE = "pm_card_chargeCustomerFail"


def log_position(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def settle(platform) -> None:
    """One round of the settling worker (`civicfund settle`)."""
    settle_due(platform.app, platform.engine, platform.projections)


class Campaign:
    """A project in Porto (minimum EUR 8,000.00, optimum EUR 10,000.00) closing in ten days,
    with its officer's token, and citizens who pledge through the API."""

    def __init__(self, world, client, *, funding_model="all_or_nothing"):
        self.world, self.client = world, client
        self.city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
        self.officer = world.officer(self.city)
        self.officer_token = world.token(self.officer)
        self.id = world.project(self.city, self.officer, funding_model=funding_model,
                                closes_in=timedelta(days=10))
        self.tokens: dict[str, str] = {}

    def pledge(self, amount: str, card: str = "pm_card_visa") -> str:
        token = self.world.token(self.world.citizen())
        response = self.client.post(
            f"/api/v1/projects/{self.id}/pledges", json={"amount": amount, "payment_method": card},
            headers=bearer(token),
        )
        assert response.status_code == 201, response.text
        self.tokens[response.json["id"]] = token
        return response.json["id"]

    def project(self) -> dict:
        return self.client.get(f"/api/v1/projects/{self.id}").json

    def read_pledge(self, pledge_id: str) -> dict:
        return self.client.get(
            f"/api/v1/pledges/{pledge_id}", headers=bearer(self.tokens[pledge_id])
        ).json

    def receipts(self, pledge_id: str) -> list[dict]:
        response = self.client.get(
            f"/api/v1/pledges/{pledge_id}/receipts", headers=bearer(self.tokens[pledge_id])
        )
        assert response.status_code == 200
        return response.json["receipts"]

    def kinds(self, pledge_id: str) -> set[str]:
        return {receipt["kind"] for receipt in self.receipts(pledge_id)}

    def change_card(self, pledge_id: str, card: str, token: str | None = None):
        return self.client.post(
            f"/api/v1/pledges/{pledge_id}/payment-method", json={"payment_method": card},
            headers=bearer(token or self.tokens[pledge_id]),
        )

    def close(self, token: str | None = None, **kwargs):
        return self.client.post(
            f"/api/v1/projects/{self.id}/close", headers=bearer(token or self.officer_token),
            **kwargs,
        )

    def cancel(self, reason: str = "The site is no longer available", token: str | None = None):
        return self.client.post(
            f"/api/v1/projects/{self.id}/cancel", json={"reason": reason},
            headers=bearer(token or self.officer_token),
        )

    def past_deadline(self) -> None:
        self.world.clock.advance(days=11)


@pytest.fixture
def campaign(world, client) -> Campaign:
    return Campaign(world, client)


def charged_total(platform) -> int:
    return sum(charge["amount"] for charge in platform.payments.charges())


def assert_refused(response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


# -- the campaign closes by itself at its deadline ----------------------------------------------

def test_a_campaign_that_reaches_its_minimum_is_funded_and_every_pledge_charged(
    campaign, platform
):
    ana, ben = campaign.pledge("5000.00"), campaign.pledge("3000.50")
    settle(platform)
    assert campaign.project()["status"] == "open"  # not before the deadline

    campaign.past_deadline()
    settle(platform)

    project = campaign.project()
    assert project["status"] == "funded"
    assert project["settled"] is True
    assert (project["raised"], project["pending"], project["backers"]) == ("8000.50", "0.00", 2)
    for pledge_id, amount in ((ana, "5000.00"), (ben, "3000.50")):
        pledge = campaign.read_pledge(pledge_id)
        assert (pledge["status"], pledge["amount"]) == ("charged", amount)
        assert pledge["fix_by"] is None and pledge["failure"] is None
    assert charged_total(platform) == 800050
    [receipt] = [r for r in campaign.receipts(ana) if r["kind"] == "receipt"]
    assert "EUR 5,000.00" in receipt["subject"]
    assert "charged" in receipt["body"]
    assert datetime.fromisoformat(receipt["created_at"]).tzinfo is not None
    assert campaign.kinds(ana) == {"confirmation", "receipt"}


def test_settling_again_changes_nothing(campaign, platform):
    campaign.pledge("9000.00")
    campaign.past_deadline()
    settle(platform)
    before = log_position(platform)

    settle(platform)

    assert log_position(platform) == before
    assert campaign.project()["raised"] == "9000.00"
    assert charged_total(platform) == 900000


def test_a_campaign_short_of_its_minimum_is_unfunded_and_nobody_pays(campaign, platform):
    ana, ben = campaign.pledge("100.00"), campaign.pledge("7899.99")
    campaign.past_deadline()

    settle(platform)

    project = campaign.project()
    assert (project["status"], project["settled"]) == ("unfunded", True)
    assert (project["raised"], project["pending"], project["backers"]) == ("0.00", "0.00", 0)
    for pledge_id in (ana, ben):
        assert campaign.read_pledge(pledge_id)["status"] == "released"
        assert campaign.kinds(pledge_id) == {"confirmation", "released"}
    assert charged_total(platform) == 0


def test_keep_what_you_raise_charges_below_the_minimum(world, client, platform):
    campaign = Campaign(world, client, funding_model="keep_what_you_raise")
    pledge_id = campaign.pledge("150.00")
    campaign.past_deadline()

    settle(platform)

    project = campaign.project()
    assert (project["status"], project["raised"], project["funding_model"]) == (
        "funded", "150.00", "keep_what_you_raise"
    )
    assert campaign.read_pledge(pledge_id)["status"] == "charged"
    assert "receipt" in campaign.kinds(pledge_id)
    assert charged_total(platform) == 15000


# -- the city cancels ---------------------------------------------------------------------------

def test_cancelling_before_close_releases_every_pledge(campaign, platform):
    ana, ben = campaign.pledge("40.00"), campaign.pledge("60.00")

    response = campaign.cancel()

    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
    assert (response.json["raised"], response.json["backers"]) == ("0.00", 0)
    assert campaign.project() == response.json
    for pledge_id in (ana, ben):
        assert campaign.read_pledge(pledge_id)["status"] == "released"
        assert "released" in campaign.kinds(pledge_id)
    assert charged_total(platform) == 0
    late = campaign.client.post(
        f"/api/v1/projects/{campaign.id}/pledges", json={"amount": "5.00"},
        headers=bearer(campaign.world.token(campaign.world.citizen())),
    )
    assert_refused(late, 409, "campaign_not_open")


def test_cancelling_a_funded_project_refunds_the_charged_pledges(campaign, platform):
    ana, ben = campaign.pledge("5000.00"), campaign.pledge("3500.00")
    campaign.past_deadline()
    settle(platform)
    assert campaign.project()["raised"] == "8500.00"

    response = campaign.cancel("The supplier went out of business")

    assert response.status_code == 200
    assert (response.json["status"], response.json["raised"]) == ("cancelled", "0.00")
    for pledge_id, amount in ((ana, "EUR 5,000.00"), (ben, "EUR 3,500.00")):
        assert campaign.read_pledge(pledge_id)["status"] == "refunded"
        [refund] = [r for r in campaign.receipts(pledge_id) if r["kind"] == "refund"]
        assert amount in refund["subject"]
        assert "refunded" in refund["body"]


def test_a_cancelled_project_cannot_be_cancelled_or_closed_again(campaign, platform):
    campaign.pledge("10000.00")
    campaign.cancel()
    before = log_position(platform)

    assert_refused(campaign.cancel(), 409, "invalid_state")
    assert_refused(campaign.close(), 409, "invalid_state")
    assert log_position(platform) == before


def test_an_unfunded_project_cannot_be_cancelled(campaign, platform):
    campaign.pledge("10.00")
    campaign.past_deadline()
    settle(platform)
    before = log_position(platform)

    assert_refused(campaign.cancel(), 409, "invalid_state")
    assert log_position(platform) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "reason"), ({"reason": ""}, "reason"), ({"reason": None}, "reason"),
     ({"reason": "x" * 501}, "reason"), ({"reason": "bad\x00byte"}, "reason"),
     ({"reason": "Site gone", "refund": False}, "refund")],
)
def test_a_cancellation_needs_a_reason_and_nothing_else(campaign, platform, body, field):
    campaign.pledge("25.00")
    before = log_position(platform)

    response = campaign.client.post(
        f"/api/v1/projects/{campaign.id}/cancel", json=body,
        headers=bearer(campaign.officer_token),
    )

    assert_refused(response, 422, "invalid")
    assert field in response.json["error"]["fields"]
    assert log_position(platform) == before
    assert campaign.project()["status"] == "open"


def test_a_blank_reason_is_refused(campaign, platform):
    before = log_position(platform)

    response = campaign.cancel("   ")

    assert_refused(response, 422, "invalid_project")
    assert "reason" in response.json["error"]["fields"]
    assert log_position(platform) == before


def test_a_cancellation_must_be_sent_as_json(campaign, platform):
    before = log_position(platform)

    response = campaign.client.post(
        f"/api/v1/projects/{campaign.id}/cancel", data="reason=gone",
        headers={**bearer(campaign.officer_token),
                 "Content-Type": "application/x-www-form-urlencoded"},
    )
    broken = campaign.client.post(
        f"/api/v1/projects/{campaign.id}/cancel", data='{"reason": ',
        headers={**bearer(campaign.officer_token), "Content-Type": "application/json"},
    )

    assert_refused(response, 415, "unsupported_media_type")
    assert_refused(broken, 400, "malformed_json")
    assert log_position(platform) == before


# -- a card declined at close -------------------------------------------------------------------

def close_with_a_failing_card(campaign, platform, good="7600.00", failing="500.00"):
    good_id, failing_id = campaign.pledge(good), campaign.pledge(failing, FAILS_AT_CLOSE)
    campaign.past_deadline()
    settle(platform)
    return good_id, failing_id


def test_a_card_declined_at_close_waits_as_pending_with_a_deadline_to_fix_it(campaign, platform):
    good, failing = campaign.pledge("7600.00"), campaign.pledge("500.00", FAILS_AT_CLOSE)
    assert campaign.project()["raised"] == "8100.00"
    campaign.past_deadline()

    settle(platform)

    project = campaign.project()
    assert (project["status"], project["raised"], project["pending"]) == (
        "funded", "7600.00", "500.00"
    )
    assert campaign.read_pledge(good)["status"] == "charged"
    pledge = campaign.read_pledge(failing)
    assert pledge["status"] == "payment_failed"
    assert pledge["failure"] == "Your card was declined."
    fix_by = datetime.fromisoformat(pledge["fix_by"])
    assert fix_by == campaign.world.clock.now() + FIX_WINDOW
    [notice] = [r for r in campaign.receipts(failing) if r["kind"] == "payment_failed"]
    assert "another card" in notice["body"]
    assert "receipt" not in campaign.kinds(failing)


def test_a_new_card_within_the_window_is_charged_at_once(campaign, platform):
    _, failing = close_with_a_failing_card(campaign, platform)
    campaign.world.clock.advance(days=6)

    response = campaign.change_card(failing, "pm_card_mastercard")

    assert response.status_code == 200
    assert response.json["status"] == "charged"
    assert response.json["fix_by"] is None and response.json["failure"] is None
    assert campaign.read_pledge(failing) == response.json
    project = campaign.project()
    assert (project["status"], project["raised"], project["pending"]) == (
        "funded", "8100.00", "0.00"
    )
    assert "receipt" in campaign.kinds(failing)
    assert charged_total(platform) == 810000


def test_a_new_card_that_also_fails_leaves_the_pledge_to_be_fixed(campaign, platform):
    _, failing = close_with_a_failing_card(campaign, platform)
    first_deadline = campaign.read_pledge(failing)["fix_by"]

    again = campaign.change_card(failing, FAILS_AT_CLOSE)

    assert again.status_code == 200
    assert again.json["status"] == "payment_failed"
    assert again.json["failure"] == "Your card was declined."
    assert again.json["fix_by"] == first_deadline  # a second failure does not extend the window
    assert campaign.project()["pending"] == "500.00"

    fixed = campaign.change_card(failing, "pm_card_visa")

    assert fixed.json["status"] == "charged"
    assert (campaign.project()["raised"], campaign.project()["pending"]) == ("8100.00", "0.00")


def test_a_card_declined_when_given_is_refused_and_nothing_recorded(campaign, platform):
    _, failing = close_with_a_failing_card(campaign, platform)
    before = log_position(platform)

    response = campaign.change_card(failing, "pm_card_chargeDeclined")

    assert_refused(response, 422, "payment_declined")
    assert "payment_method" in response.json["error"]["fields"]
    assert log_position(platform) == before
    assert campaign.read_pledge(failing)["status"] == "payment_failed"


def test_a_failed_payment_past_its_window_is_dropped_and_the_project_stays_funded(
    campaign, platform
):
    good, failing = close_with_a_failing_card(campaign, platform)
    campaign.world.clock.advance(days=7, seconds=1)
    before = log_position(platform)

    late = campaign.change_card(failing, "pm_card_visa")

    assert_refused(late, 409, "invalid_state")
    assert log_position(platform) == before

    settle(platform)

    project = campaign.project()
    # 7,600.00 is below the 8,000.00 minimum now, but a drop after funding does not unfund.
    assert (project["status"], project["raised"], project["pending"], project["backers"]) == (
        "funded", "7600.00", "0.00", 1
    )
    dropped = campaign.read_pledge(failing)
    assert (dropped["status"], dropped["fix_by"]) == ("dropped", None)
    assert "dropped" in campaign.kinds(failing)
    assert campaign.read_pledge(good)["status"] == "charged"
    assert_refused(campaign.change_card(failing, "pm_card_visa"), 409, "invalid_state")
    assert charged_total(platform) == 760000


def test_only_a_failed_payment_takes_a_new_card(campaign, platform):
    pledge_id = campaign.pledge("25.00")
    before = log_position(platform)

    response = campaign.change_card(pledge_id, "pm_card_mastercard")

    assert_refused(response, 409, "invalid_state")
    assert log_position(platform) == before
    assert campaign.read_pledge(pledge_id)["status"] == "authorised"


def test_someone_elses_pledge_looks_missing_when_changing_its_card(campaign, platform):
    _, failing = close_with_a_failing_card(campaign, platform)
    stranger = campaign.world.token(campaign.world.citizen())
    admin = campaign.world.token(campaign.world.account("admin"))
    before = log_position(platform)

    for token in (stranger, admin, campaign.officer_token):
        response = campaign.change_card(failing, "pm_card_visa", token=token)
        assert_refused(response, 404, "not_found")
    missing = campaign.change_card(str(uuid4()), "pm_card_visa", token=stranger)
    assert_refused(missing, 404, "not_found")
    anonymous = campaign.client.post(
        f"/api/v1/pledges/{failing}/payment-method", json={"payment_method": "pm_card_visa"}
    )
    assert_refused(anonymous, 401, "unauthorised")
    assert log_position(platform) == before
    assert campaign.read_pledge(failing)["status"] == "payment_failed"


@pytest.mark.parametrize(
    ("body", "field"),
    [({}, "payment_method"), ({"payment_method": ""}, "payment_method"),
     ({"payment_method": 42}, "payment_method"), ({"payment_method": "x" * 81}, "payment_method"),
     ({"payment_method": "pm_card_visa", "amount": "1.00"}, "amount")],
)
def test_a_bad_card_change_is_refused(campaign, platform, body, field):
    _, failing = close_with_a_failing_card(campaign, platform)
    before = log_position(platform)

    response = campaign.client.post(
        f"/api/v1/pledges/{failing}/payment-method", json=body,
        headers=bearer(campaign.tokens[failing]),
    )

    assert_refused(response, 422, "invalid")
    assert field in response.json["error"]["fields"]
    assert log_position(platform) == before


def test_receipts_are_for_the_pledges_owner_only(campaign):
    pledge_id = campaign.pledge("25.00")
    stranger = campaign.world.token(campaign.world.citizen())

    [confirmation] = campaign.receipts(pledge_id)
    hidden = campaign.client.get(f"/api/v1/pledges/{pledge_id}/receipts",
                                 headers=bearer(stranger))
    anonymous = campaign.client.get(f"/api/v1/pledges/{pledge_id}/receipts")

    assert confirmation["kind"] == "confirmation"
    assert "EUR 25.00" in confirmation["subject"]
    assert_refused(hidden, 404, "not_found")
    assert_refused(anonymous, 401, "unauthorised")


# -- early close at the optimum -----------------------------------------------------------------

def test_an_early_close_before_the_optimum_is_refused_and_records_nothing(campaign, platform):
    campaign.pledge("9999.99")
    before = log_position(platform)

    response = campaign.close()

    assert_refused(response, 409, "optimum_not_reached")
    assert "EUR 10,000.00" in response.json["error"]["message"]
    assert log_position(platform) == before
    project = campaign.project()
    assert (project["status"], project["raised"], project["settled"]) == (
        "open", "9999.99", False
    )
    assert charged_total(platform) == 0
    campaign.pledge("0.01")  # still taking pledges


def test_an_early_close_at_the_optimum_funds_and_settles_at_once(campaign, platform):
    ana, ben = campaign.pledge("6000.00"), campaign.pledge("4000.00")

    response = campaign.close()

    assert response.status_code == 200
    assert response.json["status"] == "funded"
    assert response.json["settled"] is True
    assert (response.json["raised"], response.json["pending"]) == ("10000.00", "0.00")
    assert campaign.project() == response.json
    assert [campaign.read_pledge(p)["status"] for p in (ana, ben)] == ["charged", "charged"]
    assert charged_total(platform) == 1000000
    late = campaign.client.post(
        f"/api/v1/projects/{campaign.id}/pledges", json={"amount": "5.00"},
        headers=bearer(campaign.world.token(campaign.world.citizen())),
    )
    assert_refused(late, 409, "campaign_not_open")
    assert_refused(campaign.close(), 409, "invalid_state")


def test_an_admin_may_close_early(campaign):
    campaign.pledge("10000.00")

    response = campaign.close(token=campaign.world.token(campaign.world.account("admin")))

    assert response.status_code == 200
    assert response.json["status"] == "funded"


def test_closing_takes_no_fields(campaign, platform):
    campaign.pledge("10000.00")
    before = log_position(platform)

    response = campaign.close(json={"early": True})

    assert_refused(response, 422, "invalid")
    assert response.json["error"]["fields"] == {"early": ["Unknown field."]}
    assert log_position(platform) == before


# -- who may close and cancel -------------------------------------------------------------------

@pytest.mark.parametrize("action", ["close", "cancel"])
def test_only_the_citys_officers_close_or_cancel(campaign, platform, action):
    campaign.pledge("10000.00")
    world = campaign.world
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    tokens = {
        "citizen": world.token(world.citizen()),
        "another city's officer": world.token(world.officer(dublin)),
        "auditor": world.token(world.account("auditor")),
    }
    act = campaign.close if action == "close" else campaign.cancel
    before = log_position(platform)

    for who, token in tokens.items():
        response = act(token=token)
        assert response.status_code == 403, who
        # Auditors change nothing: refused before any rule is asked.
        assert response.json["error"]["code"] == ("read_only" if who == "auditor" else "forbidden")
    anonymous = campaign.client.post(f"/api/v1/projects/{campaign.id}/{action}",
                                     json={"reason": "gone"} if action == "cancel" else None)
    assert_refused(anonymous, 401, "unauthorised")
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    assert log_position(platform) == before
    assert campaign.project()["status"] == "open"


@pytest.mark.parametrize("action", ["close", "cancel"])
def test_unknown_and_invisible_projects_are_not_found(world, client, platform, action):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    draft = world.project(porto, world.officer(porto), open_campaign=False)
    stranger = world.token(world.officer(dublin))
    body = {"reason": "gone"} if action == "cancel" else None
    before = log_position(platform)

    for project_id in (uuid4(), draft):
        response = client.post(f"/api/v1/projects/{project_id}/{action}", json=body,
                               headers=bearer(stranger))
        assert_refused(response, 404, "not_found")
    malformed = client.post(f"/api/v1/projects/not-a-uuid/{action}", json=body,
                            headers=bearer(stranger))
    assert malformed.status_code == 404
    assert log_position(platform) == before


def test_a_draft_can_be_cancelled_by_its_officer(world, client):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    draft = world.project(porto, officer, open_campaign=False)

    response = client.post(f"/api/v1/projects/{draft}/cancel", json={"reason": "Duplicate"},
                           headers=bearer(world.token(officer)))

    assert response.status_code == 200
    assert response.json["status"] == "cancelled"
