"""Two processes of four threads each committing one small budget line to two pilots at once on
PostgreSQL (as two web workers would): the line is never over-committed, every commitment a
process was told of is in the log once, every refusal is over_committed, and the department, the
ledger's balances and the read models agree afterwards."""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter
from itertools import pairwise
from typing import Any
from uuid import UUID

from adapters.bootstrap import build_platform
from adapters.ledger_audit import audit_ledger
from adapters.settings import Settings
from domain.kernel.clock import FixedClock
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from domain.procurement.departments import OverCommitted
from tests.conftest import START, TEST_PASSWORD_METHOD, World

PROCESSES = 2
THREADS = 4
COMMITMENTS_EACH = 12  # per thread: 96 attempts of 5-20 EUR against a 300 EUR line
LINE = Money.parse("300.00", "EUR")


def commit_from_line(
    url: str, officer: UUID, projects: list[UUID], line: UUID, seed: int, start: Any
) -> tuple[list[UUID], int, list[str]]:
    """One process: its own platform on the shared database, THREADS officers' requests
    committing from the line. Returns (commitments made, refusals, unexpected errors)."""
    platform = build_platform(
        Settings(database_url=url, password_method=TEST_PASSWORD_METHOD), clock=FixedClock(START)
    )
    made: list[UUID] = []
    refused: list[int] = []
    errors: list[str] = []

    def officer_at_work(thread_seed: int) -> None:
        rng = random.Random(thread_seed)
        start.wait()  # every thread of every process starts together
        try:
            with acting_as(Actor(str(officer), "city"), f"process-{seed}"):
                for _ in range(COMMITMENTS_EACH):
                    try:
                        made.append(platform.app.commit_to_project(
                            rng.choice(projects), budget_line_id=line,
                            amount=Money(rng.randint(500, 2000), "EUR"),
                            conditional=rng.random() < 0.5,
                        ))
                    except OverCommitted:
                        refused.append(1)
        except BaseException as error:  # reported to the test
            errors.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=officer_at_work, args=(seed * 100 + n,))
               for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    platform.close()
    return made, len(refused), errors


def test_two_processes_committing_one_budget_line_never_over_commit_it(pg_platform, clock):
    world = World(pg_platform, clock)
    city_id = world.city("Porto")
    officer = world.officer(city_id)
    projects = [world.project(city_id, officer, title=title) for title in ("Bike lanes", "Trees")]
    with acting_as(Actor(str(officer), "city"), "test-seed"):
        department = pg_platform.app.create_department(city_id=city_id, name="Transport")
        line = pg_platform.app.add_budget_line(department, name="Active travel",
                                               fiscal_year=2026, amount=LINE)
    url = pg_platform.settings.database_url

    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager, context.Pool(PROCESSES) as pool:
        start = manager.Barrier(PROCESSES * THREADS, timeout=60)
        results = pool.starmap(
            commit_from_line,
            [(url, officer, projects, line, number + 1, start) for number in range(PROCESSES)],
        )

    assert [error for _, _, errors in results for error in errors] == []
    made = [c for commitments, _, _ in results for c in commitments]
    refused = sum(count for _, count, _ in results)
    assert len(made) + refused == PROCESSES * THREADS * COMMITMENTS_EACH
    assert refused > 0, "the line never ran out: the test asked too little of it"
    assert len(made) == len(set(made))

    app = pg_platform.app
    state = app.get_department(department)
    assert set(state.commitments) == set(made)
    held = sum(c.amount for c in state.commitments.values())
    assert held <= LINE.minor
    assert state.available_on(line) == LINE.minor - held
    # Less was left at the end than the smallest commitment asked for, or every ask fitted.
    assert state.available_on(line) < 2000

    # Every commitment recorded once; the line's events replayed never go over its amount.
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    events = [app.mapper.to_domain_event(n) for n in notifications
              if n.originator_id == department and n.topic.endswith(".Committed")]
    assert Counter(e.commitment_id for e in events) == Counter(made)
    running = 0
    for event in events:
        running += event.amount
        assert running <= LINE.minor
    # The processes really raced: the department's log alternates between them.
    turns = sum(1 for a, b in pairwise(events) if a.correlation_id != b.correlation_id)
    assert turns >= 3, f"the processes took only {turns} turns on the department"

    pg_platform.projections.catch_up()
    view = pg_platform.read.department(department)
    [line_view] = view.lines
    assert (line_view.amount, line_view.committed, line_view.available) == (
        LINE, Money(held, "EUR"), Money(LINE.minor - held, "EUR"))
    for project_id in projects:
        on_project = sum(c.amount for c in state.commitments.values()
                         if c.project_id == project_id)
        assert pg_platform.read.project(project_id).committed == Money(on_project, "EUR")
    assert audit_ledger(app, pg_platform.engine).ok
