"""A settling process killed part-way and restarted charges every pledge exactly once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from adapters import tables as t
from domain.kernel.clock import FixedClock
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World, make_platform

PLEDGES = 600


def civicfund_settle(url: str, cwd) -> subprocess.Popen:
    command = shutil.which("civicfund", path=os.path.dirname(sys.executable))
    env = dict(os.environ, CIVICFUND_DATABASE_URL=url, CIVICFUND_SECRET_KEY="test")
    return subprocess.Popen(
        [command, "settle"], cwd=cwd, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )


def count_charges(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(t.sandbox_charges)).scalar()


@pytest.mark.parametrize("database", ["sqlite", "postgres"])
def test_a_settlement_killed_part_way_finishes_on_restart_charging_each_pledge_once(
    database, request, tmp_path
):
    url = request.getfixturevalue("sqlite_url" if database == "sqlite" else "postgres_url")
    # Pledges are taken on a clock held just before the deadline; the settling process runs on
    # the real clock, after it.
    clock = FixedClock(datetime.now(UTC))
    platform = make_platform(url, clock)
    try:
        world = World(platform, clock)
        city = world.city()
        project = world.project(city, world.officer(city), closes_in=timedelta(seconds=2),
                                lines=(("Sensors", "1000.00", True),))
        citizens = [world.citizen() for _ in range(20)]
        amounts = {}
        for i in range(PLEDGES):
            citizen = citizens[i % len(citizens)]
            amount = Money(100 + i, "EUR")
            with acting_as(Actor(str(citizen), "citizen"), "seed"):
                pledge = platform.app.make_pledge(project_id=project, citizen_id=citizen,
                                                  amount=amount, payment_method="pm_card_visa")
            amounts[str(pledge)] = amount.minor
        platform.projections.catch_up()
        while datetime.now(UTC) <= platform.app.get_project(project).closes_at:
            time.sleep(0.1)

        first = civicfund_settle(url, tmp_path)
        deadline = time.monotonic() + 120
        while count_charges(platform.engine) < PLEDGES // 5 and time.monotonic() < deadline:
            if first.poll() is not None:
                break
            time.sleep(0.005)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=30)
        charged_before_restart = count_charges(platform.engine)
        assert 0 < charged_before_restart < PLEDGES, (
            f"the kill came at {charged_before_restart} charges: not part-way"
        )

        second = civicfund_settle(url, tmp_path)
        output, _ = second.communicate(timeout=300)
        assert second.returncode == 0, output

        with platform.engine.connect() as conn:
            charges = conn.execute(sa.select(t.sandbox_charges)).all()
        per_pledge = {}
        for charge in charges:
            per_pledge[charge.pledge_id] = per_pledge.get(charge.pledge_id, 0) + 1
        assert set(per_pledge) == set(amounts), "a pledge was not charged"
        assert set(per_pledge.values()) == {1}, "a pledge was charged more than once"
        assert sum(c.amount for c in charges) == sum(amounts.values())

        platform.projections.catch_up()
        view = platform.read.project(project)
        assert view.status == "funded"
        assert view.raised == Money(sum(amounts.values()), "EUR")
        statuses = {p.status for p in platform.read.pledges_of_project(project)}
        assert statuses == {"charged"}
    finally:
        platform.close()
