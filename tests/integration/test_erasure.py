"""Erasure on SQLite and PostgreSQL: the log keeps every event, every figure (raised, backers,
matched, the funds' balances) is what the cancellations alone make it, and rebuilding the read
models from the log gives the same figures afterwards."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from adapters import tables as t
from adapters.fund_audit import audit_funds
from adapters.settlement import settle_due
from domain.context import SYSTEM, Actor, acting_as
from domain.matching_rules import parse_rules
from domain.money import Money
from tests.conftest import World
from web.cli import work_rounds


def figures(platform) -> dict:
    """Every figure a page shows about pilots, pledges and funds."""
    with platform.engine.connect() as conn:
        projects = conn.execute(sa.select(
            t.projects.c.id, t.projects.c.raised, t.projects.c.backers, t.projects.c.matched,
            t.projects.c.pledge_count, t.projects.c.pending, t.projects.c.payout,
            t.projects.c.status,
        ).order_by(t.projects.c.id)).all()
        pledges = conn.execute(sa.select(
            t.pledges.c.id, t.pledges.c.status, t.pledges.c.amount, t.pledges.c.matched,
        ).order_by(t.pledges.c.id)).all()
        funds = conn.execute(sa.select(
            t.matching_funds.c.id, t.matching_funds.c.pool, t.matching_funds.c.committed,
            t.matching_funds.c.reserved, t.matching_funds.c.returned,
        ).order_by(t.matching_funds.c.id)).all()
    return {"projects": [tuple(r) for r in projects], "pledges": [tuple(r) for r in pledges],
            "funds": [tuple(r) for r in funds]}


def the_log(platform) -> list[tuple]:
    return [(n.id, n.originator_id, n.originator_version, n.topic, n.state)
            for n in platform.app.recorder.select_notifications(1, 100_000)]


def test_erasing_keeps_the_log_and_the_figures_and_a_rebuild_agrees(any_platform, clock):
    world = World(any_platform, clock)
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(porto)
    with acting_as(Actor(str(officer), "city"), "fund"):
        fund = world.app.create_matching_fund(
            city_id=porto, name="Porto Match", sponsor="Porto City Council", currency="EUR",
            pool=Money.parse("1000.00", "EUR"), opens_at=clock.now(),
            closes_at=clock.now() + timedelta(days=60), themes=[], areas=[],
            rules=parse_rules({"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00"}, "EUR"),
        )
    funded = world.project(porto, officer, title="Bike counters", closes_in=timedelta(days=2),
                           lines=(("Counters", "100.00", True),))
    leaving, staying = world.citizen(), world.citizen()
    world.pledge(funded, leaving, "80.00")
    world.pledge(funded, staying, "20.00")
    clock.advance(days=3)
    settle_due(any_platform.app, any_platform.engine, any_platform.projections)
    lanes = world.project(porto, officer, title="Smart bike lanes")
    cancelled = world.pledge(lanes, leaving, "40.00")
    world.pledge(lanes, staying, "10.00")
    before = figures(any_platform)
    log_before = the_log(any_platform)

    with acting_as(Actor(str(leaving), "citizen"), "erase"):
        outcome = any_platform.erasures.request(leaving, reason="own_request")
    any_platform.projections.catch_up()

    assert outcome.erased and [p.id for p in outcome.cancelled] == [cancelled]
    after = figures(any_platform)
    # What changed is exactly the cancelled pledge and its match: 40.00 and 25.00 given back.
    changed = {p[0]: p for p in after["projects"]}
    was = {p[0]: p for p in before["projects"]}
    assert (was[lanes][1] - changed[lanes][1], was[lanes][2] - changed[lanes][2],
            was[lanes][3] - changed[lanes][3]) == (4000, 1, 2500)
    assert changed[funded] == was[funded]  # charged: the money moved, nothing changes
    # Committed: 25.00 + 20.00 on the funded pilot; reserved: 25.00 + 10.00, then 10.00.
    assert before["funds"] == [(fund, 100000, 4500, 3500, 0)]
    assert after["funds"] == [(fund, 100000, 4500, 1000, 0)]
    # The log lost and changed nothing; the cancellation, the match's release and
    # Account.Erased were added after it.
    log_after = the_log(any_platform)
    assert log_after[:len(log_before)] == log_before
    added = [entry[3].rsplit(":", 1)[1] for entry in log_after[len(log_before):]]
    assert added == ["Pledge.Cancelled", "MatchingFund.MatchReleased", "Account.Erased"]

    any_platform.projections.rebuild()

    assert figures(any_platform) == after
    assert all(audit.ok for audit in audit_funds(any_platform.app, any_platform.read))
    with acting_as(SYSTEM, "check"):
        assert any_platform.app.get_account(leaving).erased


class OneRound:
    """A stop signal that lets the worker run exactly one round."""

    def is_set(self) -> bool:
        return getattr(self, "done", False)

    def wait(self, _interval: float) -> None:
        self.done = True


def test_the_worker_finishes_an_erasure_once_the_pledge_it_waited_for_is_settled(
    platform, clock
):
    world = World(platform, clock)
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    project = world.project(porto, world.officer(porto), closes_in=timedelta(days=1),
                            lines=(("Sensors", "30.00", True),))
    citizen = world.citizen()
    pledge = world.pledge(project, citizen, "30.00")
    clock.advance(days=2)
    with acting_as(Actor(str(citizen), "citizen"), "erase"):
        waiting = platform.erasures.request(citizen, reason="own_request")
    assert not waiting.erased and [p.id for p in waiting.waiting_for] == [pledge]

    work_rounds(platform, OneRound(), 0, echo=lambda _line: None)

    assert platform.read.pledge(pledge).status == "charged"
    assert platform.accounts.get(citizen) is None
    assert platform.erasures.request_of(citizen).erased_at is not None
