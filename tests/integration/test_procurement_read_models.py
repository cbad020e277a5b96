"""Procurement's read models on SQLite and PostgreSQL: a PCP call through two phases, scores,
conflicts and awards read back as recorded; the ranking from the read models matches the
domain's; the outcome mail is written once, and a rebuild gives exactly the live rows."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from adapters.ledger_audit import audit_ledger
from domain.crowdfunding.project import BudgetLine
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World
from tests.integration.test_projections import read_model_rows
from tests.unit.procurement_harness import analysis

CRITERIA = [{"name": "Impact", "description": "", "weight": 70},
            {"name": "Cost", "description": "", "weight": 30}]
PHASES = [{"name": "Design", "budget_percent": 25, "max_suppliers": 2},
          {"name": "Test", "budget_percent": 75, "max_suppliers": 1}]


def test_a_pcp_call_reads_back_and_rebuilds(any_platform, clock):
    world = World(any_platform, clock)
    app = any_platform.app
    city = world.city("Porto")
    officer = Actor(str(world.officer(city)), "city")
    evaluators = [world.account("evaluator") for _ in range(2)]
    proposers = [world.account("proposer") for _ in range(2)]
    with acting_as(officer, "t"):
        call_id = app.draft_call(
            city_id=city, title="Quiet buses", challenge="Buses are loud.", route="pcp",
            budget=Money.parse("80000.00", "EUR"), capital_stack={"city": 100},
            opens_at=clock.now(), closes_at=clock.now() + timedelta(days=10), areas=[],
            themes=[], criteria=CRITERIA, phases=PHASES)
        app.open_call(call_id)
        for e in evaluators:
            app.appoint_evaluator(call_id, e)
    proposals = []
    for n, proposer in enumerate(proposers):
        with acting_as(Actor(str(proposer), "proposer"), "t"):
            p = app.draft_proposal(call_id, {
                "title": f"Quiet bus {n}", "summary": "Electric.", "area": "Centre",
                "theme": "Mobility", "budget_lines": [
                    BudgetLine("Bus", Money.parse("5000.00", "EUR"), True)],
                "milestones": [], "capital_stack": {},
                "cba": analysis(years=3) if n == 0 else None})
            app.submit_proposal(p)
            proposals.append(p)
    clock.advance(days=11)
    marks = {proposals[0]: (9, 5), proposals[1]: (6, 9)}
    for e in evaluators:
        with acting_as(Actor(str(e), "evaluator"), "t"):
            for p, (impact, cost) in marks.items():
                if e == evaluators[1] and p == proposals[1]:
                    app.score_proposal(p, conflict_of_interest=True, scores=[])
                    continue
                app.score_proposal(p, conflict_of_interest=False, scores=[
                    {"criterion": "Impact", "score": impact, "justification": "ok"},
                    {"criterion": "Cost", "score": cost, "justification": "ok"}])
    with acting_as(officer, "t"):
        pilot = app.award(call_id, proposals[0], amount=Money.parse("20000.00", "EUR"),
                          reason="Quietest")
        app.advance_phase(call_id, 1, [proposals[0]])
    any_platform.projections.catch_up()

    read = any_platform.read
    call = read.call(call_id)
    assert (call.status, call.phase, call.budget) == ("awarded", 2,
                                                       Money.parse("80000.00", "EUR"))
    assert [s.display() for s in call.phase_shares()] == ["EUR 20,000.00", "EUR 60,000.00"]
    ranking = read.ranking(call, 1)
    # 0: 70*0.9 + 30*0.5 = 78; 1 (one evaluator, the other conflicted): 70*0.6 + 30*0.9 = 69
    assert [(r.proposal_id, r.weighted_score) for r in ranking] == [
        (proposals[0], Decimal("78.00")), (proposals[1], Decimal("69.00"))]
    with acting_as(officer, "t"):
        assert [r.weighted_score for r in app.ranking(call_id, 1)] == [
            r.weighted_score for r in ranking]
    assert read.proposal(proposals[0]).project_id == pilot
    assert read.proposal(proposals[1]).status == "rejected"
    assert read.is_sealed(call)  # phase 2: nobody scored yet
    assert read.call_of_project(pilot).id == call_id
    page = read.project_page(pilot)  # on PostgreSQL in one statement
    assert page.call_id == call_id
    assert page.cost_benefit == analysis(years=3).as_data()
    assert read.project_page(proposals[1]) is None
    mail = {m.account_id: m.kind for m in any_platform.outbox.messages()}
    assert mail[proposers[0]] == "proposal_outcome" and mail[proposers[1]] == "proposal_outcome"

    # The auditor's replay of the whole log agrees with the ledger (awards move no money).
    audit = audit_ledger(app, any_platform.engine)
    assert audit.ok, (audit.problems, audit.differences)

    before = read_model_rows(any_platform)
    outbox = len(any_platform.outbox.messages())
    any_platform.projections.rebuild()
    assert read_model_rows(any_platform) == before
    assert len(any_platform.outbox.messages()) == outbox
