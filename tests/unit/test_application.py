"""The use cases of the Civicfund application on in-memory storage, with permissions by actor."""

from __future__ import annotations

import json
from datetime import timedelta
from uuid import uuid4

import pytest

from adapters.sandbox_payments import SandboxGateway
from domain.accounts.account import InvalidRole
from domain.crowdfunding.pledge import AUTHORISED, CANCELLED
from domain.crowdfunding.project import OPEN, BudgetLine
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import (
    CampaignNotOpen,
    CityAlreadyExists,
    InvalidCity,
    InvalidProject,
    InvalidTransition,
    NotFound,
    NotPermitted,
    PaymentDeclined,
)
from domain.kernel.money import Money
from domain.kernel.payments import HOLD, SAVED_CARD, idempotency_key

# -- cities ------------------------------------------------------------------------------------


@pytest.mark.parametrize("actor", [SYSTEM, Actor(str(uuid4()), "admin")])
def test_an_admin_or_the_system_adds_a_city(pilot, actor):
    with acting_as(actor):
        city_id = pilot.app.add_city("Dublin", currency="EUR", country="IE",
                                     timezone="Europe/Dublin")
    assert pilot.app.get_city(city_id).name == "Dublin"


@pytest.mark.parametrize("role", ["citizen", "city", "investor", "auditor"])
def test_nobody_else_adds_a_city(pilot, role):
    before = len(pilot.events())
    with acting_as(Actor(str(uuid4()), role)), pytest.raises(NotPermitted):
        pilot.app.add_city("Dublin", currency="EUR", country="IE", timezone="Europe/Dublin")
    assert len(pilot.events()) == before


@pytest.mark.parametrize("name", ["Porto", "porto", "  PORTO  ", "PoRtO"])
def test_a_city_with_the_name_of_an_existing_one_is_refused_whatever_its_case(pilot, name):
    before = len(pilot.events())
    with acting_as(SYSTEM), pytest.raises(CityAlreadyExists, match="already exists") as refused:
        pilot.app.add_city(name, currency="EUR", country="PT", timezone="Europe/Lisbon")
    assert refused.value.code == "city_exists"
    assert len(pilot.events()) == before
    assert pilot.app.get_city(pilot.city_id).name == "Porto"


def test_an_unknown_id_is_not_found_whatever_it_names(pilot):
    for get in (pilot.app.get_city, pilot.app.get_project, pilot.app.get_pledge,
                pilot.app.get_account):
        with pytest.raises(NotFound):
            get(uuid4())
    # An account id is not a city id.
    with pytest.raises(NotFound):
        pilot.app.get_city(pilot.citizen_id)


# -- accounts ----------------------------------------------------------------------------------


def test_an_officer_account_needs_an_existing_city(pilot):
    with acting_as(SYSTEM), pytest.raises(NotFound):
        pilot.app.register_account("city", uuid4())
    with acting_as(SYSTEM), pytest.raises(InvalidRole):
        pilot.app.register_account("city", None)


def test_only_an_admin_changes_roles(pilot):
    with acting_as(pilot.officer()), pytest.raises(NotPermitted):
        pilot.app.change_account_role(pilot.citizen_id, "admin", None)
    with acting_as(Actor(str(uuid4()), "admin")):
        pilot.app.change_account_role(pilot.citizen_id, "city", pilot.city_id)
    account = pilot.app.get_account(pilot.citizen_id)
    assert (account.role, account.city_id) == ("city", pilot.city_id)


# -- projects ----------------------------------------------------------------------------------


def test_an_officer_of_the_city_drafts_and_opens_a_project(pilot):
    project_id = pilot.open_project()
    project = pilot.app.get_project(project_id)
    assert project.status == OPEN
    assert project.minimum == Money.parse("8000", "EUR")
    assert project.optimum == Money.parse("10000", "EUR")


def test_an_officer_of_another_city_cannot_draft_or_open_a_project(pilot):
    with acting_as(SYSTEM):
        dublin = pilot.app.add_city("Dublin", currency="EUR", country="IE",
                                    timezone="Europe/Dublin")
        dublin_officer = pilot.app.register_account("city", dublin)
    with acting_as(pilot.officer(dublin_officer)), pytest.raises(NotPermitted):
        pilot.draft()
    with acting_as(pilot.officer()):
        project_id = pilot.draft()
    before = len(pilot.events())
    with acting_as(pilot.officer(dublin_officer)), pytest.raises(NotPermitted):
        pilot.app.open_campaign(project_id)
    assert len(pilot.events()) == before
    assert pilot.app.get_project(project_id).status == "draft"


@pytest.mark.parametrize("role", ["citizen", "investor", "auditor"])
def test_only_officers_and_admins_draft_projects(pilot, role):
    with acting_as(Actor(str(pilot.citizen_id), role)), pytest.raises(NotPermitted):
        pilot.draft()


def test_a_role_claimed_without_a_matching_account_is_refused(pilot):
    # The actor says "city" but the account behind it is a citizen's.
    with acting_as(Actor(str(pilot.citizen_id), "city")), pytest.raises(NotPermitted):
        pilot.draft()


def test_an_admin_drafts_a_project_for_any_city(pilot):
    with acting_as(Actor(str(uuid4()), "admin")):
        project_id = pilot.draft()
    assert pilot.app.get_project(project_id).city_id == pilot.city_id


def test_a_project_for_an_unknown_city_is_refused_as_an_invalid_city(pilot):
    with acting_as(SYSTEM), pytest.raises(InvalidCity) as refused:
        pilot.draft(city_id=uuid4())
    assert refused.value.field == "city"


def test_a_project_in_another_currency_than_its_citys_is_refused(pilot):
    with acting_as(pilot.officer()), pytest.raises(InvalidProject) as refused:
        pilot.draft(currency="GBP",
                    budget_lines=[BudgetLine("Sensors", Money.parse("10", "GBP"), True)])
    assert refused.value.field == "currency"


def test_a_campaign_whose_close_has_passed_cannot_be_opened(pilot):
    with acting_as(pilot.officer()):
        project_id = pilot.draft(closes_in=timedelta(days=1))
    pilot.clock.advance(days=2)
    with acting_as(pilot.officer()), pytest.raises(InvalidTransition):
        pilot.app.open_campaign(project_id)


# -- pledges -----------------------------------------------------------------------------------


def test_a_citizen_pledges_and_the_card_is_held_for_a_short_campaign(pilot):
    project_id = pilot.open_project(closes_in=timedelta(days=5))
    pledge = pilot.app.get_pledge(pilot.pledge(project_id, "25.00"))
    assert pledge.status == AUTHORISED
    assert pledge.amount == Money(2500, "EUR")
    assert pledge.citizen_id == pilot.citizen_id
    assert pledge.payment_kind == HOLD
    assert pilot.payments.intents[pledge.payment_reference].status == "requires_capture"


def test_a_long_campaign_saves_the_card_instead_of_holding_it(pilot):
    project_id = pilot.open_project(closes_in=timedelta(days=30))
    pledge = pilot.app.get_pledge(pilot.pledge(project_id))
    assert pledge.payment_kind == SAVED_CARD


@pytest.mark.parametrize("role", ["city", "investor", "auditor", "admin", "system"])
def test_only_citizens_pledge(pilot, role):
    project_id = pilot.open_project()
    before = len(pilot.events())
    with acting_as(Actor(str(pilot.citizen_id), role)), pytest.raises(NotPermitted):
        pilot.app.make_pledge(project_id=project_id, citizen_id=pilot.citizen_id,
                              amount=Money(2500, "EUR"), payment_method="pm_card_visa")
    assert len(pilot.events()) == before


def test_a_citizen_cannot_pledge_in_someone_elses_name(pilot):
    project_id = pilot.open_project()
    other = pilot.app.register_account("citizen")
    before = len(pilot.events())
    with acting_as(pilot.citizen()), pytest.raises(NotPermitted):
        pilot.app.make_pledge(project_id=project_id, citizen_id=other,
                              amount=Money(2500, "EUR"), payment_method="pm_card_visa")
    assert len(pilot.events()) == before


def test_a_declined_card_records_no_pledge_and_no_event(pilot):
    project_id = pilot.open_project()
    before = len(pilot.events())
    with pytest.raises(PaymentDeclined, match="declined") as declined:
        pilot.pledge(project_id, payment_method="pm_card_chargeDeclined")
    assert declined.value.code == "payment_declined"
    assert len(pilot.events()) == before
    assert pilot.payments.intents == {}


@pytest.mark.parametrize("method", ["", "   ", "pm_card_unknown"])
def test_a_missing_or_unknown_payment_method_records_nothing(pilot, method):
    project_id = pilot.open_project()
    before = len(pilot.events())
    with pytest.raises(PaymentDeclined):
        pilot.pledge(project_id, payment_method=method)
    assert len(pilot.events()) == before


def test_a_pledge_to_a_draft_is_refused(pilot):
    with acting_as(pilot.officer()):
        project_id = pilot.draft()
    with pytest.raises(CampaignNotOpen):
        pilot.pledge(project_id)


def test_a_pledge_after_the_close_is_refused(pilot):
    project_id = pilot.open_project(closes_in=timedelta(days=3))
    pilot.clock.advance(days=3)
    before = len(pilot.events())
    with pytest.raises(CampaignNotOpen, match="closed"):
        pilot.pledge(project_id)
    assert len(pilot.events()) == before


def test_a_pledge_to_an_unknown_project_is_not_found(pilot):
    with pytest.raises(NotFound):
        pilot.pledge(uuid4())


def test_the_citizen_cancels_their_pledge_and_the_hold_is_released(pilot):
    project_id = pilot.open_project(closes_in=timedelta(days=5))
    pledge_id = pilot.pledge(project_id)
    with acting_as(pilot.citizen()):
        pilot.app.cancel_pledge(pledge_id, citizen_id=pilot.citizen_id)
    pledge = pilot.app.get_pledge(pledge_id)
    assert pledge.status == CANCELLED
    assert pilot.payments.intents[pledge.payment_reference].status == "canceled"


def test_another_citizen_cannot_cancel_a_pledge(pilot):
    project_id = pilot.open_project()
    pledge_id = pilot.pledge(project_id)
    other = pilot.app.register_account("citizen")
    for claimed in (other, pilot.citizen_id):
        with acting_as(pilot.citizen(other)), pytest.raises(NotPermitted):
            pilot.app.cancel_pledge(pledge_id, citizen_id=claimed)
    assert pilot.app.get_pledge(pledge_id).status == AUTHORISED


def test_a_pledge_cannot_be_cancelled_after_the_campaign_closes(pilot):
    project_id = pilot.open_project(closes_in=timedelta(days=3))
    pledge_id = pilot.pledge(project_id)
    pilot.clock.advance(days=4)
    with acting_as(pilot.citizen()), pytest.raises(InvalidTransition):
        pilot.app.cancel_pledge(pledge_id, citizen_id=pilot.citizen_id)
    assert pilot.app.get_pledge(pledge_id).status == AUTHORISED


# -- the audit trail ---------------------------------------------------------------------------


def test_every_stored_event_carries_its_actor_role_and_correlation_id(pilot):
    project_id = pilot.open_project()
    pledge_id = pilot.pledge(project_id)
    with acting_as(pilot.citizen(), "cancel-request-42"):
        pilot.app.cancel_pledge(pledge_id, citizen_id=pilot.citizen_id)

    events = pilot.events()  # read back from storage, outside any acting_as block
    stamps = {(type(e).__qualname__, e.actor_id, e.actor_role, e.correlation_id) for e in events}
    citizen = str(pilot.citizen_id)
    assert {
        ("City.Added", "system", "system", "seed"),
        ("Account.Registered", "system", "system", "seed"),
        ("Project.Drafted", str(pilot.officer_id), "city", "officer-request"),
        ("Project.CampaignOpened", str(pilot.officer_id), "city", "officer-request"),
        ("Pledge.Made", citizen, "citizen", "citizen-request"),
        ("Pledge.Authorised", citizen, "citizen", "citizen-request"),
        ("Pledge.Cancelled", citizen, "citizen", "cancel-request-42"),
    } == stamps


def test_events_recorded_outside_any_request_are_the_systems(pilot):
    account_id = pilot.app.register_account("investor")
    registered = [e for e in pilot.events() if e.originator_id == account_id]
    assert [(e.actor_id, e.actor_role) for e in registered] == [("system", "system")]
    assert registered[0].correlation_id


def test_all_events_form_one_log_in_the_order_they_happened(pilot):
    project_id = pilot.open_project()
    pilot.pledge(project_id)
    notifications = pilot.app.recorder.select_notifications(1, 1000)
    ids = [n.id for n in notifications]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    names = [type(pilot.app.mapper.to_domain_event(n)).__qualname__ for n in notifications]
    assert names[-4:] == ["Project.Drafted", "Project.CampaignOpened", "Pledge.Made",
                          "Pledge.Authorised"]


def test_no_personal_data_reaches_the_event_log(world):
    email, name = "maria.silva@example.org", "Maria Inês Silva"
    city_id = world.city("Porto")
    account_id = world.account("citizen", email=email, name=name)
    officer_id = world.account("city", email="officer.porto@example.org",
                               name="Rui Officer", city_id=city_id)
    project_id = world.project(city_id, officer_id)
    world.pledge(project_id, account_id, "25.00")
    app = world.platform.app

    states = [n.state for n in app.recorder.select_notifications(1, 1000)]
    assert states
    log = b"\n".join(states)
    for secret in (email, name, "officer.porto@example.org", "Rui Officer", "correct horse"):
        assert secret.encode() not in log
        assert json.dumps(secret)[1:-1].encode() not in log  # as JSON would escape it
    assert world.platform.accounts.get(account_id).email == email


# -- payments ----------------------------------------------------------------------------------


def test_the_sandbox_gateway_answers_a_repeated_key_with_the_first_result_and_no_second_hold():
    gateway = SandboxGateway()
    pledge_id = uuid4()
    key = idempotency_key(pledge_id, "authorise")
    first = gateway.authorise(pledge_id=pledge_id, amount=Money(2500, "EUR"),
                              payment_method="pm_card_visa", hold=True, idempotency_key=key)
    again = gateway.authorise(pledge_id=pledge_id, amount=Money(2500, "EUR"),
                              payment_method="pm_card_visa", hold=True, idempotency_key=key)
    assert again == first
    assert len(gateway.intents) == 1
    other = gateway.authorise(pledge_id=uuid4(), amount=Money(2500, "EUR"),
                              payment_method="pm_card_visa", hold=True,
                              idempotency_key=idempotency_key(uuid4(), "authorise"))
    assert other.reference != first.reference
    assert len(gateway.intents) == 2


def test_the_sandbox_gateway_repeats_a_decline_for_the_same_key():
    gateway = SandboxGateway()
    key = idempotency_key(uuid4(), "authorise")
    for _ in range(2):
        with pytest.raises(PaymentDeclined):
            gateway.authorise(pledge_id=uuid4(), amount=Money(100, "EUR"),
                              payment_method="pm_card_chargeDeclined", hold=True,
                              idempotency_key=key)
    assert gateway.intents == {}


def test_releasing_twice_with_the_same_key_releases_once():
    gateway = SandboxGateway()
    pledge_id = uuid4()
    held = gateway.authorise(pledge_id=pledge_id, amount=Money(100, "EUR"),
                             payment_method="pm_card_visa", hold=True,
                             idempotency_key=idempotency_key(pledge_id, "authorise"))
    for _ in range(2):
        gateway.release(reference=held.reference,
                        idempotency_key=idempotency_key(pledge_id, "release"))
    assert gateway.intents[held.reference].status == "canceled"


def test_idempotency_keys_are_deterministic_per_pledge_and_step():
    pledge_id = uuid4()
    assert idempotency_key(pledge_id, "authorise") == idempotency_key(pledge_id, "authorise")
    assert idempotency_key(pledge_id, "authorise") != idempotency_key(pledge_id, "release")
    assert len(idempotency_key(pledge_id, "authorise")) <= 255
