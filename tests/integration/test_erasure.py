"""Erasure on SQLite and PostgreSQL: the log keeps every event, every figure (raised, backers,
matched, the funds' balances) is what the cancellations alone make it, and rebuilding the read
models from the log gives the same figures afterwards."""

from __future__ import annotations

from datetime import timedelta

from adapters.ledger_audit import audit_ledger
from adapters.settlement_rounds import settle_due
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.conftest import World
from web.cli import work_rounds


def figures(platform) -> dict:
    """Every figure a page shows about pilots, pledges and funds."""
    read = platform.read
    projects = read.projects(include_drafts=True)
    return {
        "projects": sorted(
            (p.id, p.raised, p.backers, p.matched, p.pledge_count, p.pending, p.payout, p.status)
            for p in projects
        ),
        "pledges": sorted(
            (pledge.id, pledge.status, pledge.amount, pledge.matched)
            for p in projects for pledge in read.pledges_of_project(p.id)
        ),
        "funds": sorted(
            (f.id, f.pool, f.committed, f.reserved, f.returned, f.available)
            for f in read.matching_funds()
        ),
    }


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
    assert ((was[lanes][1] - changed[lanes][1]).minor, was[lanes][2] - changed[lanes][2],
            (was[lanes][3] - changed[lanes][3]).minor) == (4000, 1, 2500)
    assert changed[funded] == was[funded]  # charged: the money moved, nothing changes
    # Committed: 25.00 + 20.00 on the funded pilot; reserved: 25.00 + 10.00, then 10.00.
    eur = lambda minor: Money(minor, "EUR")  # noqa: E731
    assert before["funds"] == [(fund, eur(100000), eur(4500), eur(3500), eur(0), eur(92000))]
    assert after["funds"] == [(fund, eur(100000), eur(4500), eur(1000), eur(0), eur(94500))]
    # The log lost and changed nothing; the cancellation, the match's release and
    # Account.Erased were added after it.
    log_after = the_log(any_platform)
    assert log_after[:len(log_before)] == log_before
    added = [entry[3].rsplit(":", 1)[1] for entry in log_after[len(log_before):]]
    assert added == ["Pledge.Cancelled", "MatchingFund.MatchReleased", "Account.Erased"]

    any_platform.projections.rebuild()

    assert figures(any_platform) == after
    audit = audit_ledger(any_platform.app, any_platform.engine)
    assert audit.ok, (audit.problems, audit.differences)
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
