"""What the delivery owner is owed follows every charge, including ones fixed after settlement."""

from __future__ import annotations

from datetime import timedelta

from adapters.settlement_rounds import settle_due
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World


def test_the_payout_grows_when_a_failed_card_is_fixed_after_settlement(any_platform, clock):
    world = World(any_platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city), closes_in=timedelta(days=5),
                            lines=(("Sensors", "100.00", True),))
    world.pledge(project, world.citizen(), "100.00")
    late_citizen = world.citizen()
    late = world.pledge(project, late_citizen, "20.00", payment_method="pm_card_chargeCustomerFail")
    clock.advance(days=6)
    settle_due(any_platform.app, any_platform.engine, any_platform.projections)

    view = any_platform.read.project(project)
    assert (view.payout, view.raised, view.pending) == (
        Money.parse("100.00", "EUR"), Money.parse("100.00", "EUR"), Money.parse("20.00", "EUR")
    )

    with acting_as(Actor(str(late_citizen), "citizen"), "fix"):
        any_platform.app.change_pledge_card(late, citizen_id=late_citizen,
                                            payment_method="pm_card_visa")
    any_platform.projections.catch_up()

    view = any_platform.read.project(project)
    assert (view.payout, view.raised, view.pending) == (
        Money.parse("120.00", "EUR"), Money.parse("120.00", "EUR"), Money.parse("0.00", "EUR")
    )
