"""A city makes a proposer's account the delivery owner of a project: that account then plans and
completes milestones and posts updates beside the city's officers, and nothing more."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest

from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import InvalidProject, InvalidTransition, NotPermitted
from tests.unit.conftest import START, Campaign


class Delivery(Campaign):
    """The Porto campaign with a proposer account and helpers to act as each party."""

    def __init__(self) -> None:
        super().__init__()
        self.proposer = self.account("proposer")

    def account(self, role: str, city_id: UUID | None = None) -> UUID:
        with acting_as(SYSTEM, "seed"):
            return self.app.register_account(role, city_id)

    def as_officer(self):
        return acting_as(Actor(str(self.officer), "city"), "officer")

    def as_proposer(self, proposer: UUID | None = None):
        return acting_as(Actor(str(proposer or self.proposer), "proposer"), "proposer")

    def assign(self, account_id: UUID | None = None) -> None:
        with self.as_officer():
            self.app.assign_delivery_owner(self.project, account_id or self.proposer)

    def fund_and_deliver(self) -> None:
        self.pledge("120.00")
        self.after_deadline()
        self.settle()
        with self.as_officer():
            self.app.start_delivery(self.project)

    def events(self) -> list:
        return list(self.app.repository.event_store.get(self.project))


def test_an_officer_makes_a_proposer_the_delivery_owner_and_the_event_names_only_the_account():
    delivery = Delivery()
    assert delivery.project_state.delivery_owner_id is None

    delivery.assign()

    assert delivery.project_state.delivery_owner_id == delivery.proposer
    assigned = delivery.events()[-1]
    assert type(assigned).__name__ == "DeliveryOwnerAssigned"
    assert assigned.account_id == delivery.proposer
    assert assigned.actor_id == str(delivery.officer) and assigned.actor_role == "city"


def test_the_delivery_owner_plans_and_completes_milestones_and_posts_updates():
    delivery = Delivery()
    delivery.assign()
    delivery.fund_and_deliver()

    with delivery.as_proposer():
        delivery.app.plan_milestone(delivery.project, title="Counters installed",
                                    due=START + timedelta(days=60))
        delivery.app.post_update(delivery.project, title="Counters ordered",
                                 body="The supplier ships in March.")
        delivery.app.complete_milestone(delivery.project, 1)

    project = delivery.project_state
    assert project.milestones[0].completed_at == START + timedelta(days=11)
    assert [type(e).__name__ for e in delivery.events()[-3:]] == [
        "MilestonePlanned", "UpdatePosted", "MilestoneCompleted",
    ]
    assert delivery.events()[-1].actor_role == "proposer"


def test_the_delivery_owner_cannot_close_cancel_start_or_complete_the_project():
    delivery = Delivery()
    delivery.assign()
    delivery.pledge("150.00")
    with delivery.as_proposer(), pytest.raises(NotPermitted):
        delivery.app.close_campaign_early(delivery.project)
    with delivery.as_proposer(), pytest.raises(NotPermitted):
        delivery.app.cancel_project(delivery.project, reason="We give up")
    delivery.after_deadline()
    delivery.settle()
    with delivery.as_proposer(), pytest.raises(NotPermitted):
        delivery.app.start_delivery(delivery.project)
    with delivery.as_officer():
        delivery.app.start_delivery(delivery.project)
    with delivery.as_proposer(), pytest.raises(NotPermitted):
        delivery.app.complete_project(delivery.project)
    with delivery.as_proposer(), pytest.raises(NotPermitted):
        delivery.app.assign_delivery_owner(delivery.project, delivery.proposer)
    assert delivery.project_state.status == "delivering"


def test_another_proposer_and_a_proposer_before_assignment_are_refused():
    delivery = Delivery()
    with delivery.as_proposer(), pytest.raises(NotPermitted):
        delivery.app.post_update(delivery.project, title="Hello", body="Not yours yet.")
    delivery.assign()
    stranger = delivery.account("proposer")
    before = len(delivery.events())

    with delivery.as_proposer(stranger), pytest.raises(NotPermitted):
        delivery.app.post_update(delivery.project, title="Hello", body="Not mine.")
    with delivery.as_proposer(stranger), pytest.raises(NotPermitted):
        delivery.app.plan_milestone(delivery.project, title="Mine now",
                                    due=START + timedelta(days=9))

    assert len(delivery.events()) == before


def test_only_a_proposer_account_can_be_made_delivery_owner():
    delivery = Delivery()
    citizen = delivery.citizen()
    other_officer = delivery.account("city", delivery.city)

    for account_id in (citizen, other_officer, uuid4()):
        with pytest.raises(InvalidProject) as refused:
            delivery.assign(account_id)
        assert refused.value.field == "account"
    assert delivery.project_state.delivery_owner_id is None


def test_only_an_officer_of_the_projects_city_assigns_the_delivery_owner():
    delivery = Delivery()
    with acting_as(SYSTEM, "seed"):
        dublin = delivery.app.add_city("Dublin", currency="EUR", country="IE",
                                       timezone="Europe/Dublin")
    dublin_officer = delivery.account("city", dublin)

    with acting_as(Actor(str(dublin_officer), "city"), "x"), pytest.raises(NotPermitted):
        delivery.app.assign_delivery_owner(delivery.project, delivery.proposer)
    with acting_as(Actor(str(delivery.citizen()), "citizen"), "x"), pytest.raises(NotPermitted):
        delivery.app.assign_delivery_owner(delivery.project, delivery.proposer)
    with acting_as(SYSTEM, "admin"):
        delivery.app.assign_delivery_owner(delivery.project, delivery.proposer)
    assert delivery.project_state.delivery_owner_id == delivery.proposer


def test_a_cancelled_or_unfunded_project_takes_no_delivery_owner():
    unfunded = Delivery()
    unfunded.pledge("10.00")
    unfunded.after_deadline()
    unfunded.settle()
    with pytest.raises(InvalidTransition):
        unfunded.assign()

    cancelled = Delivery()
    with cancelled.as_officer():
        cancelled.app.cancel_project(cancelled.project, reason="The site is gone")
    with pytest.raises(InvalidTransition):
        cancelled.assign()


def test_a_proposer_whose_role_was_taken_away_no_longer_delivers():
    delivery = Delivery()
    delivery.assign()
    with acting_as(SYSTEM, "admin"):
        delivery.app.change_account_role(delivery.proposer, "citizen", None)

    with delivery.as_proposer(), pytest.raises(NotPermitted):
        delivery.app.post_update(delivery.project, title="Still here", body="Or not.")


def test_reassigning_moves_delivery_to_the_new_owner():
    delivery = Delivery()
    delivery.assign()
    successor = delivery.account("proposer")
    delivery.assign(successor)

    with delivery.as_proposer(), pytest.raises(NotPermitted):
        delivery.app.post_update(delivery.project, title="Old owner", body="Refused.")
    with delivery.as_proposer(successor):
        delivery.app.post_update(delivery.project, title="New owner", body="Accepted.")
    assert delivery.project_state.delivery_owner_id == successor
