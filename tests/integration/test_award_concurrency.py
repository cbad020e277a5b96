"""Two processes of three threads each award proposals of one call at the same moment on
PostgreSQL: the envelope is never over-committed (each award is an event in the call's own
sequence, so two awards decided on the same version cannot both be recorded), and every award
recorded has its pilot."""

from __future__ import annotations

import multiprocessing
import threading
from datetime import timedelta
from typing import Any
from uuid import UUID

from adapters.bootstrap import build_platform
from adapters.settings import Settings
from domain.crowdfunding.project import BudgetLine
from domain.kernel.clock import FixedClock
from domain.kernel.context import Actor, acting_as
from domain.kernel.errors import DomainError
from domain.kernel.money import Money
from tests.conftest import START, TEST_PASSWORD_METHOD, World

PROCESSES = 2
THREADS = 3
ENVELOPE = Money.parse("100.00", "EUR")
AWARD = Money.parse("40.00", "EUR")  # room for two awards of the six tried


def award_at_once(url: str, call_id: UUID, officer: UUID, proposals: list[UUID],
                  start: Any, elapsed_days: int) -> tuple[list[UUID], list[str]]:
    platform = build_platform(
        Settings(database_url=url, password_method=TEST_PASSWORD_METHOD),
        clock=FixedClock(START + timedelta(days=elapsed_days)),
    )
    pilots: list[UUID] = []
    refusals: list[str] = []

    def officer_at_work(proposal_id: UUID) -> None:
        start.wait()
        try:
            with acting_as(Actor(str(officer), "city"), "award"):
                pilots.append(platform.app.award(call_id, proposal_id, amount=AWARD,
                                                 reason="First come"))
        except DomainError as error:
            refusals.append(error.code)
        except BaseException as error:  # reported to the test
            refusals.append(f"unexpected {type(error).__name__}: {error}")

    threads = [threading.Thread(target=officer_at_work, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    platform.close()
    return pilots, refusals


def test_awards_at_once_never_over_commit_the_envelope(pg_platform, clock):
    world = World(pg_platform, clock)
    app = pg_platform.app
    city = world.city("Porto")
    officer = world.officer(city)
    with acting_as(Actor(str(officer), "city"), "seed"):
        call_id = app.draft_call(
            city_id=city, title="Quiet buses", challenge="Buses are loud.", route="ppi",
            budget=ENVELOPE, capital_stack={"city": 100}, opens_at=clock.now(),
            closes_at=clock.now() + timedelta(days=10), areas=[], themes=[],
            criteria=[{"name": "Impact", "description": "", "weight": 100}], phases=[])
        app.open_call(call_id)
    proposals = []
    for n in range(PROCESSES * THREADS):
        proposer = world.account("proposer")
        with acting_as(Actor(str(proposer), "proposer"), "seed"):
            proposal_id = app.draft_proposal(call_id, {
                "title": f"Quiet bus {n}", "summary": "Electric.", "area": "Centre",
                "theme": "Mobility",
                "budget_lines": [BudgetLine("Bus", Money.parse("40.00", "EUR"), True)],
                "milestones": [], "capital_stack": {}, "cba": {}})
            app.submit_proposal(proposal_id)
        proposals.append(proposal_id)
    clock.advance(days=11)
    with acting_as(Actor(str(officer), "city"), "seed"):
        app.close_call(call_id)  # the window passed: the evaluation closes, ranking unsealed

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        start = manager.Barrier(PROCESSES * THREADS, timeout=60)
        results = pool.starmap(award_at_once, [
            (pg_platform.settings.database_url, call_id, officer,
             proposals[n * THREADS:(n + 1) * THREADS], start, 11)
            for n in range(PROCESSES)])

    pilots = [p for made, _ in results for p in made]
    refusals = [r for _, refused in results for r in refused]
    assert not [r for r in refusals if r not in ("over_envelope", "conflict")]
    call = app.get_call(call_id)
    assert sum(a[2] for a in call.awards) <= ENVELOPE.minor
    assert len(call.awards) == len(pilots) == 2
    assert {a[4] for a in call.awards} == set(pilots)
    for pilot in pilots:
        assert app.get_project(pilot).call_id == call_id
    pg_platform.projections.catch_up()
    assert sum(a.amount.minor for a in pg_platform.read.awards(call_id)) == 80_00
