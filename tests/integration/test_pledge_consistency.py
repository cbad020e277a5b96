"""A pledge is recorded only against the project as it stands when the pledge is saved."""

from __future__ import annotations

import uuid

import pytest
from eventsourcing.persistence import StoredEvent

from adapters.bootstrap import build_platform
from domain.crowdfunding.project import Project
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import CampaignNotOpen, ConcurrentChange
from domain.kernel.money import Money
from tests.conftest import World


class Renamed(Project.Event):
    """A change made elsewhere that leaves the campaign open."""

    title: str

    def apply(self, aggregate: Project) -> None:
        aggregate.title = self.title


class Withdrawn(Project.Event):
    """A change made elsewhere that stops the campaign (as closing or cancelling will)."""

    def apply(self, aggregate: Project) -> None:
        aggregate.status = "cancelled"


@pytest.fixture
def elsewhere(any_platform, clock):
    """A second process on the same database."""
    other = build_platform(any_platform.settings, clock=clock)
    yield other
    other.close()


def change_project(platform, project_id, event_class, **fields) -> None:
    project = platform.app.get_project(project_id)
    project.trigger_event(event_class, **fields)
    with acting_as(SYSTEM, "test-elsewhere"):
        platform.app.save(project)


def pledge(platform, project_id, citizen_id, amount="10.00"):
    with acting_as(Actor(str(citizen_id), "citizen"), "test"):
        return platform.app.make_pledge(
            project_id=project_id, citizen_id=citizen_id,
            amount=Money.parse(amount, "EUR"), payment_method="pm_card_visa",
        )


def pledges_in_log(platform) -> int:
    notifications = platform.app.recorder.select_notifications(1, 100_000)
    return sum(n.topic.endswith("Pledge.Made") for n in notifications)


def test_a_project_changed_elsewhere_is_read_again_and_the_pledge_still_counts(
    any_platform, elsewhere, clock
):
    world = World(any_platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city))
    citizen = world.citizen()
    pledge(any_platform, project, citizen)  # the project is now kept as read for pledging

    change_project(elsewhere, project, Renamed, title="Smart bike lanes, phase 2")
    pledge(any_platform, project, citizen, "15.00")

    any_platform.projections.catch_up()
    assert pledges_in_log(any_platform) == 2
    assert any_platform.read.project(project).raised == Money.parse("25.00", "EUR")


def test_a_project_stopped_elsewhere_refuses_the_pledge_and_releases_its_hold(
    any_platform, elsewhere, clock
):
    world = World(any_platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city))
    citizen = world.citizen()
    pledge(any_platform, project, citizen)

    change_project(elsewhere, project, Withdrawn)
    with pytest.raises(CampaignNotOpen):
        pledge(any_platform, project, citizen, "15.00")

    assert pledges_in_log(any_platform) == 1
    released = [i for i in any_platform.payments.intents.values()
                if i.status in ("canceled", "detached")]
    assert [i.amount for i in released] == [Money.parse("15.00", "EUR")]


def test_the_store_refuses_events_whose_dependency_moved_and_records_nothing(any_platform):
    recorder = any_platform.app.recorder
    dependency, newcomer = uuid.uuid4(), uuid.uuid4()
    recorder.insert_events([StoredEvent(dependency, 1, "test:Made", b"{}")])
    before = recorder.max_notification_id()

    with pytest.raises(ConcurrentChange):
        recorder.insert_events(
            [StoredEvent(newcomer, 1, "test:Made", b"{}")], unchanged_since={dependency: 2}
        )
    assert recorder.max_notification_id() == before
    assert recorder.select_events(newcomer) == []

    ids = recorder.insert_events(
        [StoredEvent(newcomer, 1, "test:Made", b"{}")], unchanged_since={dependency: 1}
    )
    assert ids == [recorder.max_notification_id()]


def test_a_pledge_refused_while_the_pilot_was_a_draft_is_taken_once_another_process_opens_it(
    any_platform, elsewhere, clock
):
    """The stale refusal: the process kept the draft it checked the first pledge against, and
    refused every pledge to the pilot after its campaign opened elsewhere."""
    world = World(any_platform, clock)
    city = world.city()
    officer = world.officer(city)
    project = world.project(city, officer, open_campaign=False)
    citizen = world.citizen()
    with pytest.raises(CampaignNotOpen):
        pledge(any_platform, project, citizen)

    with acting_as(Actor(str(officer), "city"), "test-elsewhere"):
        elsewhere.app.open_campaign(project)

    pledge_id = pledge(any_platform, project, citizen)
    assert any_platform.app.get_pledge(pledge_id).status == "authorised"
