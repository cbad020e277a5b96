"""Who may read what of procurement, and the JSON of calls, proposals and rankings (the pages
read the same views)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import UUID

from adapters.procurement_queries import CallView, ProposalView, RankingRow
from domain.kernel.money import Money
from domain.procurement.cost_benefit import CostBenefitAnalysis, analyse
from web.crowdfunding.api.projects import manages_city
from web.procurement.cba_schemas import cba_results_json, cost_benefit_json
from web.services import platform
from web.users import User

PUBLIC_RANKING = ("awarded", "closed")


def is_evaluator(user: User | None, call: CallView) -> bool:
    return user is not None and str(user.account_id) in call.evaluators


def sees_call(user: User | None, call: CallView) -> bool:
    return call.status != "draft" or manages_city(user, call.city_id)


def may_read(user: User | None, proposal: ProposalView, call: CallView) -> bool:
    """Its proposer always; the city's officers and the call's evaluators once submitted;
    anyone once awarded."""
    if proposal.status == "awarded":
        return True
    if user is None:
        return False
    if user.role == "admin":
        return True
    if user.role == "proposer":
        return proposal.proposer_id == user.account_id
    if not proposal.was_submitted:
        return False
    return manages_city(user, call.city_id) or is_evaluator(user, call)


def ranking_visible(user: User | None, call: CallView) -> bool:
    return (call.status in PUBLIC_RANKING or manages_city(user, call.city_id)
            or is_evaluator(user, call))


def analysis_of(content: dict[str, Any]) -> CostBenefitAnalysis | None:
    """A proposal's cost-benefit analysis (the read model keeps its plain data)."""
    cba = content.get("cba")
    return CostBenefitAnalysis.from_data(cba) if cba else None


def bcr_of(proposal: ProposalView) -> Decimal | None:
    """The submitted proposal's benefit-cost ratio from its cost-benefit analysis."""
    analysis = analysis_of(proposal.shown_to(False))
    return analyse(analysis).bcr if analysis is not None else None


def cba_results_of(content: dict[str, Any], currency: str) -> dict[str, Any] | None:
    """The cost-benefit analysis's outputs for a proposal's content, as the API writes them."""
    analysis = analysis_of(content)
    return cba_results_json(analyse(analysis), currency) if analysis is not None else None


def _money(text: str, currency: str) -> Money:
    return Money.parse(text, currency)


def call_json(call: CallView) -> dict[str, Any]:
    read = platform().read
    now = platform().clock.now()
    awards = read.awards(call.id)
    titles = {p.id: p.title for p in read.proposals_of_call(call.id)} if awards else {}
    shares = call.phase_shares()
    phases = []
    for n, (phase, share) in enumerate(zip(call.phases, shares, strict=True), start=1):
        awarded = sum(a.amount.minor for a in awards if a.phase == n)
        phases.append({**phase, "number": n, "share": share,
                       "awarded": Money(awarded, call.currency)})
    return {
        "id": call.id, "title": call.title, "city": call.city_name, "city_id": call.city_id,
        "route": call.route, "challenge": call.challenge, "status": call.status_at(now),
        "currency": call.currency, "budget": call.budget, "capital_stack": call.capital_stack,
        "opens_at": call.opens_at, "closes_at": call.closes_at,
        "eligibility": {"areas": call.areas, "themes": call.themes},
        "criteria": call.criteria, "phases": phases, "current_phase": call.phase,
        "evaluators": len(call.evaluators),
        "sealed": call.status_at(now) in ("evaluating", "awarded") and read.is_sealed(call),
        "awards": [{"proposal_id": a.proposal_id, "title": titles.get(a.proposal_id, ""),
                    "phase": a.phase, "amount": a.amount, "reason": a.reason,
                    "project_id": a.project_id} for a in awards],
    }


def is_own(user: User | None, proposal: ProposalView) -> bool:
    return user is not None and user.role == "proposer" and (
        proposal.proposer_id == user.account_id)


def proposal_json(proposal: ProposalView, call: CallView,
                  user: User | None = None) -> dict[str, Any]:
    """The proposal as `user` reads it: its proposer the latest edit, others the version last
    submitted."""
    own = is_own(user, proposal)
    c = proposal.shown_to(own)
    return {
        "id": proposal.id, "call_id": proposal.call_id, "title": c["title"],
        "summary": c["summary"], "area": c["area"], "theme": c["theme"],
        "organisation": c["organisation"], "status": proposal.status,
        "version": proposal.version, "submitted_at": proposal.submitted_at,
        "versions": proposal.versions,
        "unsubmitted_changes": own and proposal.unsubmitted_changes,
        "currency": call.currency, "budget_lines": c["budget_lines"],
        "milestones": c["milestones"], "capital_stack": c["capital_stack"],
        "cba": cost_benefit_json(analysis_of(c)) if c["cba"] else None,
        "cba_results": cba_results_of(c, call.currency),
        "reason": proposal.reason, "project_id": proposal.project_id,
    }


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def ranking_json(rows: list[RankingRow]) -> list[dict[str, Any]]:
    return [{
        "proposal_id": str(r.proposal_id), "title": r.title, "status": r.status,
        "weighted_score": _decimal(r.weighted_score), "rank": r.rank, "bcr": _decimal(r.bcr),
        "criteria": [{"criterion": n, "mean": _decimal(m)} for n, m in r.criteria],
        "reason": r.reason,
        "awarded": r.awarded.to_decimal_string() if r.awarded else None,
    } for r in rows]


def proposal_or_none(proposal_id: UUID) -> tuple[ProposalView, CallView] | None:
    read = platform().read
    proposal = read.proposal(proposal_id)
    if proposal is None:
        return None
    call = read.call(proposal.call_id)
    return (proposal, call) if call else None
