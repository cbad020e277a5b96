"""Calls, proposals, evaluation and award on the in-memory application: worked examples."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import InvalidTransition, NotFound, NotPermitted
from domain.procurement.call import InvalidCall, OverEnvelope
from domain.procurement.evaluation import Entry, rank, shares, weighted_score
from domain.procurement.proposal import InvalidProposal, InvalidScore
from domain.procurement.use_cases import Sealed
from tests.unit.procurement_harness import CRITERIA, PCP_PHASES, Procure, eur


@pytest.fixture
def p() -> Procure:
    return Procure()


# -- drafting a call ---------------------------------------------------------------------------

def test_a_drafted_call_keeps_its_envelope_stack_criteria_and_single_round(p):
    call = p.app.get_call(p.draft_call())
    assert call.status == "draft"
    assert call.budget == eur("100000")
    assert call.capital_stack == {"city": 30, "matching": 20, "crowd": 20, "investors": 30}
    assert [(c.name, c.weight) for c in call.criteria] == [("Impact", 50), ("Cost", 30),
                                                            ("Team", 20)]
    assert [(ph.name, ph.budget_percent) for ph in call.phases] == [("Award", 100)]


@pytest.mark.parametrize("changes, field", [
    ({"criteria": [{"name": "Impact", "description": "", "weight": 60},
                   {"name": "Cost", "description": "", "weight": 30}]}, "criteria"),
    ({"capital_stack": {"city": 50, "matching": 20, "crowd": 20, "investors": 20}},
     "capital_stack"),
    ({"route": "rfq"}, "route"),
    ({"route": "pcp", "phases": [{"name": "Design", "budget_percent": 40,
                                  "max_suppliers": 2}]}, "phases"),
    ({"route": "pcp", "phases": []}, "phases"),
    ({"budget": eur("0")}, "budget"),
])
def test_bad_calls_are_refused_and_nothing_is_recorded(p, changes, field):
    before = len(p.events())
    with pytest.raises(InvalidCall) as refused:
        p.draft_call(**changes)
    assert refused.value.field == field
    assert len(p.events()) == before


def test_weights_not_summing_to_100_say_what_they_sum_to(p):
    with pytest.raises(InvalidCall, match="sum to 90"):
        p.draft_call(criteria=[{"name": "Impact", "description": "", "weight": 90}])


def test_an_officer_cannot_draft_or_manage_another_citys_call(p):
    with pytest.raises(NotPermitted), acting_as(p.officer(p.lisbon_officer), "x"):
        p.app.draft_call(
            city_id=p.city_id, title="T", challenge="C", route="ppi", budget=eur("10"),
            capital_stack={"city": 100}, opens_at=p.clock.now(),
            closes_at=p.clock.now() + timedelta(days=1), areas=[], themes=[],
            criteria=CRITERIA, phases=[])
    call_id = p.draft_call()
    with pytest.raises(NotPermitted), acting_as(p.officer(p.lisbon_officer), "x"):
        p.app.open_call(call_id)
    assert p.app.get_call(call_id).status == "draft"


# -- proposals ---------------------------------------------------------------------------------

def test_each_submission_is_a_version_and_the_proposal_freezes_after_the_window(p):
    call_id = p.open_call()
    proposal_id = p.propose(call_id)
    with p.as_proposer():
        p.app.edit_proposal(proposal_id, {**_content(), "title": "Smarter bins"})
        assert p.app.submit_proposal(proposal_id) == 2
    proposal = p.app.get_proposal(proposal_id)
    assert proposal.title == "Smarter bins" and proposal.submissions == 2
    p.after_window()
    with p.as_proposer(), pytest.raises(InvalidTransition, match="frozen"):
        p.app.edit_proposal(proposal_id, _content())
    with p.as_proposer(), pytest.raises(InvalidTransition, match="frozen"):
        p.app.withdraw_proposal(proposal_id)


def _content():
    from tests.unit.procurement_harness import content
    return content()


def test_no_proposals_after_the_window_or_before_the_call_opens(p):
    draft = p.draft_call()
    with p.as_proposer(), pytest.raises(NotFound):
        p.app.draft_proposal(draft, _content())
    call_id = p.open_call()
    p.after_window()
    with p.as_proposer(), pytest.raises(InvalidTransition, match="over"):
        p.app.draft_proposal(call_id, _content())


def test_a_proposal_outside_the_calls_eligibility_is_refused(p):
    call_id = p.open_call(areas=["Baixa"])
    with p.as_proposer(), pytest.raises(InvalidProposal) as refused:
        p.app.draft_proposal(call_id, _content())
    assert refused.value.field == "area"


def test_proposers_read_only_their_own_officers_submitted_public_awarded(p):
    call_id = p.open_call()
    mine = p.propose(call_id, 0)
    draft = p.propose(call_id, 1, submit=False)
    with p.as_proposer(1), pytest.raises(NotPermitted):
        p.app.readable_proposal(mine)
    with p.as_proposer(1), pytest.raises(NotPermitted):
        p.app.edit_proposal(mine, _content())
    with p.as_officer():
        assert p.app.readable_proposal(mine).id == mine
        with pytest.raises(NotPermitted):
            p.app.readable_proposal(draft)
    with acting_as(Actor("anonymous", "anonymous"), "x"), pytest.raises(NotPermitted):
        p.app.readable_proposal(mine)
    with p.as_evaluator():
        assert [x.id for x in p.app.proposals_of_call(call_id)] == [mine]


def test_a_withdrawn_proposal_is_not_evaluated(p):
    call_id = p.open_call()
    gone = p.propose(call_id, 0)
    kept = p.propose(call_id, 1)
    with p.as_proposer(0):
        p.app.withdraw_proposal(gone)
    p.after_window()
    for n in (0, 1):
        p.score(kept, (5, 5, 5), n)
    with p.as_officer():
        assert [r.proposal_id for r in p.app.ranking(call_id)] == [kept]


# -- scoring, sealing, conflicts ---------------------------------------------------------------

def test_scores_stay_sealed_until_every_unconflicted_evaluator_scored(p):
    call_id = p.open_call()
    a, b = p.propose(call_id, 0), p.propose(call_id, 1, title="Bin lids")
    p.after_window()
    p.score(a, (8, 6, 10), 0)
    p.score(b, (6, 6, 6), 0)
    p.score(a, (6, 8, 8), 1)
    with p.as_officer(), pytest.raises(Sealed):
        p.app.ranking(call_id)
    p.conflict(b, 1)  # the second evaluator is excluded from b: a is complete, b is complete
    with p.as_officer():
        ranking = p.app.ranking(call_id)
    # a: means Impact 7, Cost 7, Team 9 -> 50*0.7 + 30*0.7 + 20*0.9 = 35 + 21 + 18 = 74
    # b: means 6, 6, 6 -> 60
    assert [(r.proposal_id, r.weighted_score, r.rank) for r in ranking] == [
        (a, Decimal("74.00"), 1), (b, Decimal("60.00"), 2)]
    assert [(c.criterion, c.mean) for c in ranking[0].criteria] == [
        ("Impact", Decimal("7.00")), ("Cost", Decimal("7.00")), ("Team", Decimal("9.00"))]


def test_an_officer_closing_the_evaluation_unseals_it(p):
    call_id = p.open_call()
    a = p.propose(call_id)
    p.after_window()
    p.score(a, (10, 10, 10), 0)
    with p.as_officer():
        with pytest.raises(Sealed):
            p.app.ranking(call_id)
        assert p.app.close_call(call_id) == "evaluating"  # closes the evaluation
        assert p.app.ranking(call_id)[0].weighted_score == Decimal("100.00")


def test_scores_outside_0_to_10_and_missing_criteria_are_refused(p):
    call_id = p.open_call()
    a = p.propose(call_id)
    p.after_window()
    before = len(p.events())
    with pytest.raises(InvalidScore):
        p.score(a, (11, 5, 5))
    with pytest.raises(InvalidScore):
        p.score(a, (-1, 5, 5))
    with p.as_evaluator(), pytest.raises(InvalidScore, match="missing"):
        p.app.score_proposal(a, conflict_of_interest=False, scores=[
            {"criterion": "Impact", "score": 5, "justification": "ok"}])
    with p.as_evaluator(), pytest.raises(InvalidScore):
        p.app.score_proposal(a, conflict_of_interest=False, scores=[
            {"criterion": c["name"], "score": 5, "justification": "  "} for c in CRITERIA])
    assert len(p.events()) == before


def test_a_conflicted_or_unassigned_evaluator_cannot_score(p):
    call_id = p.open_call()
    a = p.propose(call_id)
    p.after_window()
    p.conflict(a, 0)
    with pytest.raises(NotPermitted, match="conflict"):
        p.score(a, (5, 5, 5), 0)
    with acting_as(SYSTEM, "seed"):
        stranger = p.app.register_account("evaluator")
    with acting_as(Actor(str(stranger), "evaluator"), "x"), pytest.raises(NotPermitted):
        p.app.score_proposal(a, conflict_of_interest=False, scores=[])


def test_no_scoring_while_the_call_takes_proposals(p):
    call_id = p.open_call()
    a = p.propose(call_id)
    with pytest.raises(InvalidTransition):
        p.score(a, (5, 5, 5))


# -- ranking and ties (pure) -------------------------------------------------------------------

def test_weighted_score_worked_example():
    means = {"Impact": Decimal("7.5"), "Cost": Decimal("6"), "Team": Decimal("8.25")}
    # 50*0.75 + 30*0.6 + 20*0.825 = 37.5 + 18 + 16.5 = 72
    assert weighted_score(means, {"Impact": 50, "Cost": 30, "Team": 20}) == Decimal("72.00")


def test_ties_go_to_the_higher_bcr_then_the_earlier_submission(p):
    now = p.clock.now()
    from uuid import uuid4
    a, b, c, d = uuid4(), uuid4(), uuid4(), uuid4()
    ranked = rank([
        Entry(a, Decimal("70"), Decimal("1.20"), now),
        Entry(b, Decimal("70"), Decimal("1.50"), now + timedelta(hours=1)),
        Entry(c, Decimal("70"), Decimal("1.50"), now),
        Entry(d, Decimal("80"), None, now + timedelta(days=1)),
    ])
    assert [r.proposal_id for r in ranked] == [d, c, b, a]
    assert [r.rank for r in ranked] == [1, 2, 3, 4]


def test_equal_scores_without_bcr_rank_by_earlier_submission(p):
    call_id = p.open_call()
    first = p.propose(call_id, 0)
    p.clock.advance(hours=2)
    second = p.propose(call_id, 1, title="Other bins")
    p.after_window()
    for proposal in (first, second):
        for n in (0, 1):
            p.score(proposal, (5, 5, 5), n)
    with p.as_officer():
        assert [r.proposal_id for r in p.app.ranking(call_id)] == [first, second]


def test_shares_sum_to_the_whole():
    assert shares(10001, [20, 30, 50]) == [2000, 3000, 5001]
    assert sum(shares(7, [33, 33, 34])) == 7


# -- award -------------------------------------------------------------------------------------

def _evaluated(p, route="ppi", phases=(), budget="100000"):
    call_id = p.open_call(route=route, phases=list(phases), budget=eur(budget))
    a, b = p.propose(call_id, 0), p.propose(call_id, 1, title="Bin lids")
    p.after_window()
    for n in (0, 1):
        p.score(a, (8, 8, 8), n)
        p.score(b, (4, 4, 4), n)
    return call_id, a, b


def test_an_award_makes_a_draft_pilot_owned_by_the_proposer(p):
    call_id, a, _b = _evaluated(p)
    project_id = p.award(call_id, a, "60000")
    project = p.app.get_project(project_id)
    assert project.status == "draft" and project.city_id == p.city_id
    assert project.delivery_owner_id == p.proposers[0]
    assert [(bl.label, bl.amount) for bl in project.budget_lines] == [
        ("Sensors", eur("8000")), ("Dashboard", eur("2000"))]
    assert [m.title for m in project.milestones] == ["Sensors installed"]
    call = p.app.get_call(call_id)
    assert call.status == "awarded" and call.awards[0][4] == project_id
    assert p.app.get_proposal(a).status == "awarded"
    with acting_as(Actor("anonymous", "anonymous"), "x"):
        assert p.app.readable_proposal(a).id == a  # awarded proposals are public
        assert p.app.ranking(call_id)[0].awarded == eur("60000")


def test_awards_never_exceed_the_envelope(p):
    call_id, a, b = _evaluated(p)
    p.award(call_id, a, "60000")
    before = len(p.events())
    with pytest.raises(OverEnvelope, match=r"EUR 40,000\.00 left"):
        p.award(call_id, b, "40000.01")
    assert len(p.events()) == before
    p.award(call_id, b, "40000")
    assert p.app.get_call(call_id).room_in(1) == eur("0")


def test_no_award_while_sealed_or_by_another_city(p):
    call_id = p.open_call()
    a = p.propose(call_id)
    p.after_window()
    with pytest.raises(Sealed):
        p.award(call_id, a, "10")
    p.score(a, (5, 5, 5), 0)
    p.score(a, (5, 5, 5), 1)
    with acting_as(p.officer(p.lisbon_officer), "x"), pytest.raises(NotPermitted):
        p.app.award(call_id, a, amount=eur("10"), reason="Mine")


def test_closing_an_awarded_call_rejects_the_rest_with_their_rank(p):
    call_id, a, b = _evaluated(p)
    p.award(call_id, a, "60000")
    with p.as_officer():
        assert p.app.close_call(call_id) == "closed"
    rejected = p.app.get_proposal(b)
    assert rejected.status == "rejected"
    assert rejected.outcome_reason == "Not awarded: ranked 2 of 2 with a weighted score of 40.00"


# -- PCP phases --------------------------------------------------------------------------------

def test_pcp_phases_share_the_envelope_and_keep_proposals(p):
    call_id, a, b = _evaluated(p, route="pcp", phases=PCP_PHASES)
    assert [s.display() for s in p.app.get_call(call_id).phase_shares()] == [
        "EUR 20,000.00", "EUR 30,000.00", "EUR 50,000.00"]
    p.award(call_id, a, "10000")
    p.award(call_id, b, "10000")
    with pytest.raises(InvalidTransition, match="already awarded"):
        p.award(call_id, a, "1")
    with p.as_officer():
        p.app.advance_phase(call_id, 1, [a])
    call = p.app.get_call(call_id)
    assert call.phase == 2 and call.in_phase(a) and not call.in_phase(b)
    # Phase 2 is sealed again until both evaluators score a
    with pytest.raises(Sealed):
        p.award(call_id, a, "30000")
    p.score(a, (9, 9, 9), 0)
    p.score(a, (9, 9, 9), 1)
    same_pilot = p.app.get_proposal(a).project_id
    assert p.award(call_id, a, "30000") == same_pilot
    assert p.app.get_call(call_id).room_in(2) == eur("0")


def test_advancing_more_suppliers_than_the_next_phase_takes_is_refused(p):
    phases = [{"name": "Design", "budget_percent": 50, "max_suppliers": 3},
              {"name": "Test", "budget_percent": 50, "max_suppliers": 1}]
    call_id, a, b = _evaluated(p, route="pcp", phases=phases)
    with p.as_officer(), pytest.raises(InvalidCall, match="at most 1"):
        p.app.advance_phase(call_id, 1, [a, b])


def test_ppi_calls_have_no_phases_to_advance(p):
    call_id, a, _b = _evaluated(p)
    with p.as_officer(), pytest.raises(InvalidTransition):
        p.app.advance_phase(call_id, 1, [a])


# -- matching funds restricted to calls -------------------------------------------------------

def test_a_fund_restricted_to_a_call_matches_only_the_pilots_awarded_in_it(p):
    from domain.matching.rules import parse_rules

    call_id, a, _b = _evaluated(p)
    pilot = p.award(call_id, a, "60000")
    assert p.app.get_project(pilot).call_id == call_id
    other = p.open_project(area="Ribeira", theme="Environment")
    with p.as_officer():
        p.app.open_campaign(pilot)
        fund = p.app.create_matching_fund(
            city_id=p.city_id, name="Call match", sponsor="Porto", currency="EUR",
            pool=eur("1000"), opens_at=p.clock.now(), closes_at=p.clock.now() + timedelta(days=20),
            themes=[], areas=[], rules=parse_rules({"kind": "ratio", "factor": "1"}, "EUR"),
            calls=[call_id])
    on_pilot = p.pledge(pilot, "10.00")
    elsewhere = p.pledge(other, "10.00")
    matches = p.app.get_matching_fund(fund).matches
    assert matches[on_pilot].amount == 1000
    assert elsewhere not in matches


def test_an_award_takes_the_version_last_submitted(p):
    call_id = p.open_call()
    a = p.propose(call_id)
    from tests.unit.procurement_harness import content
    with p.as_proposer():
        p.app.edit_proposal(a, content(title="Unsubmitted title"))
    p.after_window()
    for n in (0, 1):
        p.score(a, (5, 5, 5), n)
    pilot = p.award(call_id, a, "1000")
    assert p.app.get_project(pilot).title == "Smart bins"


def test_equal_scores_go_to_the_higher_benefit_cost_ratio(p):
    from domain.procurement.cost_benefit import analyse
    from tests.unit.procurement_harness import analysis

    call_id = p.open_call()
    # Submitted first, but its benefits are smaller: a lower bcr.
    modest = p.propose(call_id, 0, cba=analysis(benefit=500_00))
    p.clock.advance(hours=1)
    better = p.propose(call_id, 1, title="Bin lids", cba=analysis(benefit=700_00))
    p.after_window()
    for proposal in (modest, better):
        for n in (0, 1):
            p.score(proposal, (6, 6, 6), n)
    with p.as_officer():
        ranking = p.app.ranking(call_id)
    # 1000 now against 500 or 700 in years 1 and 2 at 5 %: bcr = PV(benefits) / 1000
    assert analyse(analysis(benefit=500_00)).bcr == Decimal("0.93")
    assert analyse(analysis(benefit=700_00)).bcr == Decimal("1.30")
    assert [(r.proposal_id, r.bcr, r.rank) for r in ranking] == [
        (better, Decimal("1.30"), 1), (modest, Decimal("0.93"), 2)]


def test_a_cost_benefit_analysis_in_another_currency_is_refused(p):
    from domain.procurement.cost_benefit import CostBenefitAnalysis, YearFlows
    call_id = p.open_call()
    pounds = CostBenefitAnalysis("GBP", Decimal("0.05"), (YearFlows(0, {"capital": 100}, {}),))
    with p.as_proposer(), pytest.raises(InvalidProposal) as refused:
        p.app.draft_proposal(call_id, {**_content(), "cba": pounds})
    assert refused.value.field == "cba"


def test_cancelling_a_call_tells_the_proposers_who_submitted(p):
    call_id = p.open_call()
    submitted = p.propose(call_id, 0)
    draft = p.propose(call_id, 1, submit=False)
    with p.as_officer():
        p.app.cancel_call(call_id, "The budget was cut")
    assert p.app.get_call(call_id).status == "cancelled"
    told = p.app.get_proposal(submitted)
    assert (told.status, told.outcome_reason) == (
        "rejected", "The call was cancelled: The budget was cut")
    assert p.app.get_proposal(draft).status == "draft"
