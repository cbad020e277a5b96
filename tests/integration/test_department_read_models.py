"""Departments' read models on SQLite and PostgreSQL: every figure equals what the department
aggregates say, after settling a funded, an unfunded and a cancelled pilot, and a rebuild of the
read models changes nothing; the auditor's replay agrees."""

from __future__ import annotations

from datetime import timedelta

from adapters.ledger_audit import audit_ledger
from adapters.settlement_rounds import settle_due
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def snapshot(platform, department_id, projects):
    read = platform.read
    department = read.department(department_id)
    return (
        [(line.name, line.amount, line.committed, line.drawn, line.available)
         for line in department.lines],
        [(c.id, c.state, c.amount, c.conditional) for c in
         read.commitments_of_department(department_id)],
        [(read.project(p).status, read.project(p).committed, read.project(p).total,
          read.project(p).departments) for p in projects],
    )


def test_figures_follow_the_outcomes_and_survive_a_rebuild(any_platform, clock):
    world = World(any_platform, clock)
    city = world.city("Porto")
    officer = world.officer(city)
    funded, unfunded, cancelled = (
        world.project(city, officer, title=title, closes_in=timedelta(days=5))
        for title in ("Bike lanes", "Trees", "Benches")
    )
    app = any_platform.app
    with acting_as(Actor(str(officer), "city"), "test"):
        department = app.create_department(city_id=city, name="Transport")
        line = app.add_budget_line(department, name="Active travel", fiscal_year=2026,
                                   amount=eur("20000.00"))
        app.commit_to_project(funded, budget_line_id=line, amount=eur("6000.00"),
                              conditional=True)
        app.commit_to_project(unfunded, budget_line_id=line, amount=eur("1000.00"),
                              conditional=True)
        app.commit_to_project(unfunded, budget_line_id=line, amount=eur("500.00"),
                              conditional=False)
        app.commit_to_project(cancelled, budget_line_id=line, amount=eur("700.00"),
                              conditional=False)
        app.cancel_project(cancelled, reason="The square is being rebuilt")
    world.pledge(funded, world.citizen(), "2000.00")  # + 6,000 = the minimum of 8,000
    clock.advance(days=6)
    settle_due(app, any_platform.engine, any_platform.projections)
    any_platform.projections.catch_up()

    lines, commitments, projects = snapshot(any_platform, department, [funded, unfunded,
                                                                       cancelled])
    # 6,000 drawn for the funded pilot and 500 firm for the unfunded one; the rest is back.
    assert lines == [("Active travel", eur("20000.00"), eur("0.00"), eur("6500.00"),
                      eur("13500.00"))]
    assert [state for _, state, _, _ in commitments] == [
        "drawn", "released", "drawn", "released"]
    assert [(status, committed, total) for status, committed, total, _ in projects] == [
        ("funded", eur("6000.00"), eur("8000.00")),
        ("unfunded", eur("500.00"), eur("500.00")),
        ("cancelled", eur("0.00"), eur("0.00")),
    ]
    assert [share.name for share in projects[0][3]] == ["Transport"]
    aggregate = app.get_department(department)
    assert aggregate.available_on(line) == 1350000
    assert any_platform.read.project(funded).payout == eur("8000.00")

    before = snapshot(any_platform, department, [funded, unfunded, cancelled])
    any_platform.projections.rebuild()
    assert snapshot(any_platform, department, [funded, unfunded, cancelled]) == before
    audit = audit_ledger(app, any_platform.engine)
    assert audit.ok, audit.problems
