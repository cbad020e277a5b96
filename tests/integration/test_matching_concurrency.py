"""One small matching pool, two processes of eight threads pledging and cancelling against it at
once on PostgreSQL: the pool is never over-committed, no pledge is matched twice or lost, and the
events, the fund and the read models agree afterwards."""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter
from datetime import timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID

import pytest

from adapters.bootstrap import build_platform
from adapters.settings import Settings
from domain.kernel.clock import FixedClock
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.conftest import START, TEST_PASSWORD_METHOD, World
from tests.matching_ledger import replay

PROCESSES = 2
THREADS = 8
PLEDGES_EACH = 15  # per thread: 240 pledges wanting ~18x the pool
POOL = Money.parse("100.00", "EUR")
RATIO = {"kind": "ratio", "factor": "1", "cap_per_pledge": "10.00", "cap_per_project": "70.00"}
# Matching starts at the third backer and then takes in the earlier pledges; each citizen is
# matched once per project however often they pledge.
THRESHOLD = {"kind": "threshold", "factor": "1", "cap_per_pledge": "10.00", "min_backers": 3,
             "match_earlier": True, "one_per_backer": True, "cap_per_project": "60.00"}


def pledge_and_cancel(
    url: str, projects: list[UUID], citizens: list[UUID], seed: int, start: Any
) -> tuple[list[UUID], list[UUID], list[str]]:
    """One process: its own platform on the shared database, THREADS citizens pledging 5-20 EUR
    to either project, cancelling about one pledge in four. Returns (made, cancelled, errors)."""
    platform = build_platform(
        Settings(database_url=url, password_method=TEST_PASSWORD_METHOD), clock=FixedClock(START)
    )
    made: list[UUID] = []
    cancelled: list[UUID] = []
    errors: list[str] = []

    def citizen_at_work(citizen_id: UUID, thread_seed: int) -> None:
        rng = random.Random(thread_seed)
        start.wait()  # every thread of every process starts together
        try:
            with acting_as(Actor(str(citizen_id), "citizen"), f"process-{seed}"):
                mine = []
                for _ in range(PLEDGES_EACH):
                    pledge_id = platform.app.make_pledge(
                        project_id=rng.choice(projects), citizen_id=citizen_id,
                        amount=Money(rng.randint(500, 2000), "EUR"),
                        payment_method="pm_card_visa",
                    )
                    made.append(pledge_id)
                    mine.append(pledge_id)
                    if rng.random() < 0.25:
                        victim = mine.pop(rng.randrange(len(mine)))
                        platform.app.cancel_pledge(victim, citizen_id=citizen_id)
                        cancelled.append(victim)
                    if rng.random() < 0.1:
                        platform.projections.catch_up()
        except BaseException as error:  # reported to the test
            errors.append(f"{type(error).__name__}: {error}")

    threads = [
        threading.Thread(target=citizen_at_work, args=(citizen, seed * 100 + number))
        for number, citizen in enumerate(citizens)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    platform.close()
    return made, cancelled, errors


@pytest.mark.parametrize("rules", [RATIO, THRESHOLD], ids=["ratio", "threshold"])
def test_processes_pledging_against_one_small_pool_never_over_commit_it(
    pg_platform, clock, rules
):
    world = World(pg_platform, clock)
    city_id = world.city("Porto")
    officer = world.officer(city_id)
    projects = [world.project(city_id, officer, title=title) for title in ("Bike lanes", "Trees")]
    with acting_as(Actor(str(officer), "city"), "test-seed"):
        fund_id = pg_platform.app.create_matching_fund(
            city_id=city_id, name="Porto match", sponsor="Porto Foundation", currency="EUR",
            pool=POOL, opens_at=clock.now() - timedelta(hours=1),
            closes_at=clock.now() + timedelta(days=60), themes=[], areas=[],
            rules=parse_rules(rules, "EUR"),
        )
    citizens = [[world.citizen() for _ in range(THREADS)] for _ in range(PROCESSES)]
    url = pg_platform.settings.database_url

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        start = manager.Barrier(PROCESSES * THREADS, timeout=60)
        results = pool.starmap(
            pledge_and_cancel,
            [(url, projects, citizens[number], number + 1, start) for number in range(PROCESSES)],
        )

    assert [error for _, _, errors in results for error in errors] == []
    made = [pledge for pledges, _, _ in results for pledge in pledges]
    cancelled = {pledge for _, pledges, _ in results for pledge in pledges}
    assert len(made) == len(set(made)) == PROCESSES * THREADS * PLEDGES_EACH

    app = pg_platform.app
    fund = app.get_matching_fund(fund_id)
    minimum = {p: app.get_project(p).minimum for p in projects}
    # The replay asserts, event by event: never over the pool, no pledge matched twice, no
    # release twice or of an active pledge, caps respected.
    ledger = replay(app, minimum)[fund_id]
    assert fund.reserved + fund.committed <= fund.pool == POOL.minor
    assert fund.committed == 0 and fund.available >= 0
    assert (ledger.pool, ledger.reserved, ledger.committed) == (
        fund.pool, fund.reserved, fund.committed)
    live = {p: m for p, m in ledger.matches.items() if m["state"] == "reserved"}
    assert sum(m["amount"] for m in live.values()) == fund.reserved
    if rules is RATIO:
        # The pool ran out at some point: less was left than the smallest match a pledge gets.
        assert ledger.lowest_available < 500
    else:
        assert ledger.unlocked == set(projects) and ledger.matches
    assert all(count == 1 for count in ledger.reserves.values())
    for pledge_id in made:
        matched = pledge_id in ledger.matches
        assert ledger.releases[pledge_id] == (matched and pledge_id in cancelled)
        assert (pledge_id in live) == (matched and pledge_id not in cancelled)
    # Every pledge recorded once: as many Pledge.Made events as pledges the processes got back.
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    made_events = Counter(
        n.originator_id for n in notifications if n.topic.endswith(":Pledge.Made")
    )
    assert made_events == Counter(made)
    # The processes really raced: the log alternates between them again and again, on the
    # pledges and on the fund itself (whose events stop once the pool is used up).
    def turns(events) -> int:
        return sum(1 for a, b in pairwise(events)
                   if a.correlation_id != b.correlation_id)

    pledge_events = [app.mapper.to_domain_event(n) for n in notifications
                     if n.topic == "domain.crowdfunding.pledge:Pledge.Made"]
    fund_events = [app.mapper.to_domain_event(n) for n in notifications
                   if n.originator_id == fund_id and "Match" in n.topic]
    assert turns(pledge_events) >= 20 and turns(fund_events) >= 3, (
        f"the processes took only {turns(pledge_events)} turns pledging, "
        f"{turns(fund_events)} on the fund")
    assert {app.get_pledge(p).status for p in cancelled} == {"cancelled"}
    assert {app.get_pledge(p).status for p in set(made) - cancelled} == {"authorised"}

    # The read models, caught up, say the same as the log.
    pg_platform.projections.catch_up()
    view = pg_platform.read.matching_fund(fund_id)
    assert (view.pool, view.reserved, view.committed, view.available) == (
        fund.money(fund.pool), fund.money(fund.reserved), fund.money(fund.committed),
        fund.money(fund.available))
    for project_id in projects:
        on_project = sum(m["amount"] for m in live.values() if m["project"] == project_id)
        assert on_project <= parse_rules(rules, "EUR").cap_per_project
        assert pg_platform.read.project(project_id).matched == Money(on_project, "EUR")
        crowd = sum(app.get_pledge(p).amount.minor for p in set(made) - cancelled
                    if app.get_pledge(p).project_id == project_id)
        assert pg_platform.read.project(project_id).raised == Money(crowd, "EUR")
    by_project = {v.project_id: v for v in pg_platform.read.fund_projects(fund_id)}
    for project_id in projects:
        in_view = by_project.get(project_id)
        expected = [m for m in live.values() if m["project"] == project_id]
        assert (in_view.matches if in_view else 0) == len(expected)
    for pledges in (made[:20], made[-20:]):
        for pledge_id in pledges:
            match = live.get(pledge_id)
            citizen = app.get_pledge(pledge_id).citizen_id
            row = next(p for p in pg_platform.read.pledges_of(citizen) if p.id == pledge_id)
            assert row.matched == Money(match["amount"] if match else 0, "EUR")
