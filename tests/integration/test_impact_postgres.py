"""On PostgreSQL: values reported on one pilot at the same moment are all recorded (each decided
on the pilot's impact as recorded, again if another got in first), and read back in order."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from domain.kernel.context import Actor, acting_as
from tests.conftest import World
from tests.e2e.test_delivery_owner import Pilot


@pytest.mark.postgres
def test_simultaneous_reports_are_all_recorded(pg_platform, clock):
    pilot = Pilot(World(pg_platform, clock), pg_platform, clock)
    pilot.assign()
    pilot.fund_and_deliver()
    clock.advance(days=40)
    app = pg_platform.app
    officer = Actor(str(pilot.officer), "city")
    with acting_as(officer, "test"):
        app.define_indicator(pilot.id, name="Sensors online", unit="sensors", target="20",
                             direction="higher")
    today = clock.now().date()

    def report(days_ago: int):
        with acting_as(officer, f"test-{days_ago}"):
            report_id = app.report_indicator_value(
                pilot.id, indicator=1, on=today - timedelta(days=days_ago), value=str(days_ago))
        pg_platform.read.keep_evidence(report_id, f"reading {days_ago}", [])

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(report, range(1, 13)))
    pg_platform.projections.catch_up()

    [indicator] = pg_platform.read.indicators_of(pilot.id)
    assert [int(v.value) for v in indicator.values] == list(range(12, 0, -1))
    assert indicator.values[0].evidence == "reading 12"


@pytest.mark.postgres
def test_the_first_indicators_defined_at_the_same_moment_are_all_recorded(pg_platform, clock):
    """Before any indicator, the pilot's impact is not recorded yet: officers defining the first
    ones at once all start it; each must still be recorded, none answered with an error."""
    pilot = Pilot(World(pg_platform, clock), pg_platform, clock)
    pilot.assign()
    pilot.fund_and_deliver()
    app = pg_platform.app

    def define(number: int) -> int:
        with acting_as(Actor(str(pilot.officer), "city"), f"test-{number}"):
            return app.define_indicator(pilot.id, name=f"Indicator {number}", unit="sensors",
                                        target="20", direction="higher")

    with ThreadPoolExecutor(max_workers=6) as pool:
        numbers = list(pool.map(define, range(6)))
    pg_platform.projections.catch_up()

    indicators = pg_platform.read.indicators_of(pilot.id)
    assert sorted(i.name for i in indicators) == [f"Indicator {n}" for n in range(6)]
    assert sorted(numbers) == [1, 2, 3, 4, 5, 6]
