"""On PostgreSQL: a citizen's yearly pledge statement read from the ledger's charge and refund
times, and a display name kept (then changed) in the profiles table and shown on the wall."""

from __future__ import annotations

import pytest

from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World
from tests.e2e.test_pledge_statements import a_year_of_pledges


@pytest.mark.postgres
def test_the_statement_and_the_display_name_on_postgresql(pg_platform, clock):
    world = World(pg_platform, clock)
    made = a_year_of_pledges(world, pg_platform, clock)
    read = pg_platform.read

    first = read.pledge_statement(made["rita"], 2026)
    assert {(line.pledge_id, line.charged_on.isoformat(), str(line.refunded_on))
            for line in first.lines} == {
        (made["kept"], "2026-12-07", "None"), (made["refunded"], "2026-12-07", "2027-01-10")}
    assert first.paid() == [Money.parse("230.00", "EUR")]
    assert read.pledge_statement(made["rita"], 2027).paid() == [Money.parse("-110.00", "EUR")]
    assert read.pledge_statement_years(made["rita"]) == [2027, 2026]
    assert read.pledge_statement(made["marta"], 2026).paid() == [Money.parse("577.00", "EUR")]

    profiles = pg_platform.profiles
    assert profiles.set_display_name(made["rita"], " Rita  S. ", clock.now()) == "Rita S."
    assert profiles.set_display_name(made["rita"], "Rita from Bonfim", clock.now())
    assert profiles.display_name_of(made["rita"]) == "Rita from Bonfim"
    with acting_as(Actor(str(made["rita"]), "citizen"), "test-wall"):
        pg_platform.app.set_conversation_preferences(on_backer_wall=True)
    pg_platform.projections.catch_up()
    assert "Rita from Bonfim" in read.backer_wall(made["bikes"]).names
