"""The worker releases card holds and saved cards that no recorded pledge stands on (a process
killed between the card processor's answer and the save), and only those."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from adapters.payment_sweep import sweep_orphaned_authorisations
from domain.kernel.money import Money
from domain.kernel.payments import authorisation_key
from tests.conftest import World


def open_statuses(platform) -> dict[str, str]:
    return {ref: intent.status for ref, intent in platform.payments.intents.items()}


def test_a_hold_left_by_a_killed_request_is_released_and_recorded_pledges_keep_theirs(
    any_platform, clock
):
    world = World(any_platform, clock)
    porto = world.city()
    project = world.project(porto, world.officer(porto), closes_in=timedelta(days=3))
    kept = world.pledge(project, world.citizen(), "20.00")
    # A request authorised a pledge and died before saving it.
    orphan = any_platform.payments.authorise(
        pledge_id=uuid4(), amount=Money(1500, "EUR"), payment_method="pm_card_visa", hold=True,
        idempotency_key=authorisation_key(uuid4()),
    )
    kept_reference = any_platform.app.get_pledge(kept).payment_reference

    too_soon = sweep_orphaned_authorisations(any_platform.app, any_platform.engine,
                                             now=datetime.now(UTC))
    later = datetime.now(UTC) + timedelta(minutes=5)
    released = sweep_orphaned_authorisations(any_platform.app, any_platform.engine, now=later)
    again = sweep_orphaned_authorisations(any_platform.app, any_platform.engine,
                                          now=later + timedelta(minutes=1))

    assert too_soon == []  # a request may still be about to record it
    assert released == [orphan.reference]
    assert again == []
    statuses = open_statuses(any_platform)
    assert statuses[orphan.reference] == "canceled"
    assert statuses[kept_reference] == "requires_capture"
