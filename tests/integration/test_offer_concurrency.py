"""Two processes of four threads each committing to one small investment offer at once on
PostgreSQL (as two web workers would): the offer is never over-subscribed past its maximum,
every commitment a process was told of is in the log once, every refusal is over_subscribed, and
the offer, the ledger's balances and the read models agree afterwards."""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter
from datetime import timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID

from adapters.bootstrap import build_platform
from adapters.ledger_audit import audit_ledger
from adapters.settings import Settings
from domain.investment.offer import OverSubscribed
from domain.kernel.clock import FixedClock
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import START, TEST_PASSWORD_METHOD, World

PROCESSES = 2
THREADS = 4
COMMITMENTS_EACH = 12  # per thread: 96 attempts of 5-20 EUR against a 300 EUR maximum
MAXIMUM = Money.parse("300.00", "EUR")
RIGHT = {"capital_at_risk": "yes", "deposit_guarantee": "no", "unfunded_pilot": "released"}
BOND = {"rate": "0.045", "term_years": 5, "payments_per_year": 2, "repayment": "amortising"}


def commit_to_offer(
    url: str, investors: list[UUID], offer: UUID, seed: int, start: Any
) -> tuple[list[UUID], int, list[str]]:
    """One process: its own platform on the shared database, THREADS investors committing to
    the offer. Returns (commitments made, refusals, unexpected errors)."""
    platform = build_platform(
        Settings(database_url=url, password_method=TEST_PASSWORD_METHOD), clock=FixedClock(START)
    )
    made: list[UUID] = []
    refused: list[int] = []
    errors: list[str] = []

    def investor_at_work(investor: UUID, thread_seed: int) -> None:
        rng = random.Random(thread_seed)
        start.wait()  # every thread of every process starts together
        try:
            with acting_as(Actor(str(investor), "investor"), f"process-{seed}"):
                for _ in range(COMMITMENTS_EACH):
                    try:
                        made.append(platform.app.commit_to_offer(
                            offer, amount=Money(rng.randint(500, 2000), "EUR"),
                            payment_method="pm_card_visa",
                        ))
                    except OverSubscribed:
                        refused.append(1)
        except BaseException as error:  # reported to the test
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=investor_at_work, args=(investor, seed * 100 + n))
               for n, investor in enumerate(investors)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    platform.close()
    return made, len(refused), errors


def test_two_processes_investing_in_one_offer_never_over_subscribe_it(pg_platform, clock):
    world = World(pg_platform, clock)
    city_id = world.city("Porto")
    officer = world.officer(city_id)
    project = world.project(city_id, officer, title="Bike lanes")
    app = pg_platform.app
    with acting_as(Actor(str(officer), "city"), "test-seed"):
        offer = app.add_offer(
            project, kind="community_bond", currency="EUR", target=Money.parse("200.00", "EUR"),
            minimum=Money.parse("100.00", "EUR"), maximum=MAXIMUM,
            min_ticket=Money.parse("5.00", "EUR"), opens_at=START - timedelta(minutes=1),
            closes_at=START + timedelta(days=9), terms=BOND,
        )
    investors = []
    for _ in range(PROCESSES * THREADS):
        investor = world.account("investor")
        with acting_as(Actor(str(investor), "investor"), "test-seed"):
            app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=True)
        investors.append(investor)
    url = pg_platform.settings.database_url

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        start = manager.Barrier(PROCESSES * THREADS, timeout=60)
        results = pool.starmap(
            commit_to_offer,
            [(url, investors[number * THREADS:(number + 1) * THREADS], offer, number + 1, start)
             for number in range(PROCESSES)],
        )

    assert [error for _, _, errors in results for error in errors] == []
    made = [c for commitments, _, _ in results for c in commitments]
    refused = sum(count for _, count, _ in results)
    assert len(made) + refused == PROCESSES * THREADS * COMMITMENTS_EACH
    assert refused > 0, "the offer never filled: the test asked too little of it"
    assert len(made) == len(set(made))

    state = app.get_offer(offer)
    assert set(state.commitments) == set(made)
    held = state.held()
    assert held <= MAXIMUM.minor
    # Less was left at the end than the smallest commitment asked for, or every ask fitted.
    assert state.left < 2000

    # Every commitment recorded once; the offer's events replayed never go over its maximum.
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    events = [app.mapper.to_domain_event(n) for n in notifications
              if n.originator_id == offer and n.topic.endswith(".Committed")]
    assert Counter(e.commitment_id for e in events) == Counter(made)
    running = 0
    for event in events:
        running += event.amount
        assert running <= MAXIMUM.minor
    # The processes really raced: the offer's log alternates between them.
    turns = sum(1 for a, b in pairwise(events) if a.correlation_id != b.correlation_id)
    assert turns >= 3, f"the processes took only {turns} turns on the offer"

    pg_platform.projections.catch_up()
    view = pg_platform.read.offer(offer)
    assert (view.held, view.left) == (Money(held, "EUR"), Money(MAXIMUM.minor - held, "EUR"))
    assert pg_platform.read.project(project).invested == Money(held, "EUR")
    assert audit_ledger(app, pg_platform.engine).ok
