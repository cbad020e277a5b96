"""What pages and the API read of procurement: calls, proposals, awards, and the ranking
computed from the scores by the domain's pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.storage import read_all
from domain.kernel.money import Money
from domain.procurement import evaluation

SUBMITTED_STATUSES = ("submitted", "awarded", "rejected")


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CallView:
    id: UUID
    city_id: UUID
    city_name: str
    title: str
    challenge: str
    route: str
    status: str
    currency: str
    budget: Money
    capital_stack: dict[str, int]
    opens_at: datetime
    closes_at: datetime
    areas: list[str]
    themes: list[str]
    criteria: list[dict[str, Any]]
    phases: list[dict[str, Any]]
    phase: int
    evaluators: list[str]
    evaluation_closed: list[int]
    advanced: dict[str, list[str]]
    created_at: datetime

    def status_at(self, now: datetime) -> str:
        """The status a reader sees: an open call whose window passed is being evaluated."""
        if self.status == "open" and now >= self.closes_at:
            return "evaluating"
        return self.status

    def takes_proposals(self, now: datetime) -> bool:
        return self.status == "open" and self.opens_at <= now < self.closes_at

    def phase_shares(self) -> list[Money]:
        parts = evaluation.shares(self.budget.minor,
                                  [p["budget_percent"] for p in self.phases])
        return [Money(part, self.currency) for part in parts]

    def in_phase(self, proposal_id: UUID, phase: int) -> bool:
        return phase == 1 or str(proposal_id) in self.advanced.get(str(phase - 1), [])


@dataclass(frozen=True)
class ProposalView:
    id: UUID
    call_id: UUID
    proposer_id: UUID
    title: str
    status: str
    content: dict[str, Any]  # as last edited
    submitted_content: dict[str, Any] | None  # as last submitted: what evaluators read
    versions: list[dict[str, Any]]
    version: int
    submitted_at: datetime | None
    conflicts: list[str]
    reason: str
    project_id: UUID | None
    created_at: datetime
    updated_at: datetime

    @property
    def was_submitted(self) -> bool:
        return self.status in SUBMITTED_STATUSES

    def shown_to(self, own: bool) -> dict[str, Any]:
        """Its proposer works on the latest edit; everyone else reads what was submitted."""
        return self.content if own or self.submitted_content is None else self.submitted_content

    @property
    def unsubmitted_changes(self) -> bool:
        return self.submitted_content is not None and self.submitted_content != self.content


@dataclass(frozen=True)
class AwardView:
    call_id: UUID
    phase: int
    proposal_id: UUID
    amount: Money
    reason: str
    project_id: UUID
    awarded_at: datetime


@dataclass(frozen=True)
class RankingRow:
    proposal_id: UUID
    title: str
    status: str
    weighted_score: Decimal
    rank: int
    criteria: list[tuple[str, Decimal | None]]
    bcr: Decimal | None
    reason: str
    awarded: Money | None
    project_id: UUID | None


def _call(r: Any) -> CallView:
    return CallView(
        id=r.id, city_id=r.city_id, city_name=r.city_name, title=r.title,
        challenge=r.challenge, route=r.route, status=r.status, currency=r.currency,
        budget=Money(r.budget, r.currency), capital_stack=dict(r.capital_stack),
        opens_at=_aware(r.opens_at), closes_at=_aware(r.closes_at), areas=list(r.areas),
        themes=list(r.themes), criteria=list(r.criteria), phases=list(r.phases),
        phase=r.phase, evaluators=list(r.evaluators),
        evaluation_closed=list(r.evaluation_closed), advanced=dict(r.advanced),
        created_at=_aware(r.created_at),
    )


def _proposal(r: Any) -> ProposalView:
    return ProposalView(
        id=r.id, call_id=r.call_id, proposer_id=r.proposer_id, title=r.title,
        status=r.status, content=dict(r.content),
        submitted_content=dict(r.submitted_content) if r.submitted_content else None,
        versions=list(r.versions), version=r.version,
        submitted_at=_aware(r.submitted_at), conflicts=list(r.conflicts), reason=r.reason,
        project_id=r.project_id, created_at=_aware(r.created_at),
        updated_at=_aware(r.updated_at),
    )


def _calls_query() -> Any:
    return (sa.select(t.calls, t.cities.c.name.label("city_name"))
            .join(t.cities, t.cities.c.id == t.calls.c.city_id)
            .order_by(t.calls.c.closes_at.desc(), t.calls.c.id))


def award_columns() -> list[Any]:
    """For the pilot page's one statement: the call whose award made the pilot, and its
    cost-benefit analysis (primary-key lookups correlated to rm_projects)."""
    c = t.project_cost_benefits.c
    row = sa.select(c.call_id).where(c.project_id == t.projects.c.id)
    return [row.correlate_except(t.project_cost_benefits).scalar_subquery()
            .label("awarded_in_call"),
            sa.select(c.cba).where(c.project_id == t.projects.c.id)
            .correlate_except(t.project_cost_benefits).scalar_subquery()
            .label("cost_benefit_json")]


class ProcurementQueries:
    engine: sa.Engine

    def project_cost_benefit(self, project_id: UUID) -> tuple[UUID | None, dict | None]:
        """The call whose award made the pilot, and its cost-benefit analysis (plain data)."""
        c = t.project_cost_benefits.c
        rows = read_all(self.engine, sa.select(c.call_id, c.cba).where(c.project_id == project_id))
        return (rows[0].call_id, rows[0].cba) if rows else (None, None)

    def calls(self, *, city_id: UUID | None = None, public_only: bool = True,
              officer_city: UUID | None = None) -> list[CallView]:
        """Calls, newest window first; drafts only to their city's officers."""
        query = _calls_query()
        if city_id is not None:
            query = query.where(t.calls.c.city_id == city_id)
        if public_only:
            visible = t.calls.c.status != "draft"
            if officer_city is not None:
                visible = sa.or_(visible, t.calls.c.city_id == officer_city)
            query = query.where(visible)
        return [_call(r) for r in read_all(self.engine, query)]

    def call(self, call_id: UUID) -> CallView | None:
        rows = read_all(self.engine, _calls_query().where(t.calls.c.id == call_id))
        return _call(rows[0]) if rows else None

    def proposal(self, proposal_id: UUID) -> ProposalView | None:
        rows = read_all(self.engine,
                        sa.select(t.proposals).where(t.proposals.c.id == proposal_id))
        return _proposal(rows[0]) if rows else None

    def proposals_of_call(self, call_id: UUID) -> list[ProposalView]:
        rows = read_all(self.engine, sa.select(t.proposals)
                        .where(t.proposals.c.call_id == call_id)
                        .order_by(t.proposals.c.created_at, t.proposals.c.id))
        return [_proposal(r) for r in rows]

    def proposals_of(self, proposer_id: UUID) -> list[ProposalView]:
        rows = read_all(self.engine, sa.select(t.proposals)
                        .where(t.proposals.c.proposer_id == proposer_id)
                        .order_by(t.proposals.c.created_at.desc(), t.proposals.c.id))
        return [_proposal(r) for r in rows]

    def calls_evaluated_by(self, account_id: UUID) -> list[CallView]:
        return [c for c in self.calls(public_only=False) if str(account_id) in c.evaluators]

    def awards(self, call_id: UUID) -> list[AwardView]:
        rows = read_all(self.engine, sa.select(t.call_awards, t.calls.c.currency)
                        .join(t.calls, t.calls.c.id == t.call_awards.c.call_id)
                        .where(t.call_awards.c.call_id == call_id)
                        .order_by(t.call_awards.c.phase, t.call_awards.c.awarded_at))
        return [AwardView(r.call_id, r.phase, r.proposal_id, Money(r.amount, r.currency),
                          r.reason, r.project_id, _aware(r.awarded_at)) for r in rows]

    def call_of_project(self, project_id: UUID) -> CallView | None:
        rows = read_all(self.engine, sa.select(t.call_awards.c.call_id)
                        .where(t.call_awards.c.project_id == project_id).limit(1))
        return self.call(rows[0].call_id) if rows else None

    def scores(self, proposal_ids: list[UUID], phase: int) -> dict[UUID, dict[str, dict]]:
        """proposal -> evaluator -> criterion -> score."""
        if not proposal_ids:
            return {}
        s = t.proposal_scores.c
        rows = read_all(self.engine, sa.select(t.proposal_scores).where(
            s.proposal_id.in_(proposal_ids), s.phase == phase))
        found: dict[UUID, dict[str, dict]] = {p: {} for p in proposal_ids}
        for r in rows:
            found[r.proposal_id].setdefault(str(r.evaluator_id), {})[r.criterion] = r.score
        return found

    def score_sheet(self, proposal_id: UUID, phase: int,
                    evaluator_id: UUID) -> dict[str, tuple[int, str]]:
        s = t.proposal_scores.c
        rows = read_all(self.engine, sa.select(t.proposal_scores).where(
            s.proposal_id == proposal_id, s.phase == phase, s.evaluator_id == evaluator_id))
        return {r.criterion: (r.score, r.justification) for r in rows}

    # -- evaluation ------------------------------------------------------------------------

    def in_phase(self, call: CallView, phase: int) -> list[ProposalView]:
        return [p for p in self.proposals_of_call(call.id)
                if p.was_submitted and call.in_phase(p.id, phase)]

    def progress(self, call: CallView, phase: int | None = None) -> dict[UUID, tuple[int, int]]:
        """Per proposal in the phase: (evaluators who scored, evaluators expected)."""
        phase = phase or call.phase
        proposals = self.in_phase(call, phase)
        scores = self.scores([p.id for p in proposals], phase)
        progress = {}
        for p in proposals:
            expected = [e for e in call.evaluators if e not in p.conflicts]
            done = [e for e in expected if e in scores[p.id]]
            progress[p.id] = (len(done), len(expected))
        return progress

    def is_sealed(self, call: CallView, phase: int | None = None) -> bool:
        phase = phase or call.phase
        proposals = self.in_phase(call, phase)
        scores = self.scores([p.id for p in proposals], phase)
        return evaluation.is_sealed(
            evaluators=call.evaluators,
            proposals={p.id: (set(scores[p.id]), set(p.conflicts)) for p in proposals},
            closed_by_officer=phase in call.evaluation_closed,
        )

    def ranking(self, call: CallView, phase: int | None = None,
                bcr_of: Any = None) -> list[RankingRow]:
        """The phase's ranking (whether it may be shown is the caller's to decide)."""
        phase = phase or call.phase
        proposals = {p.id: p for p in self.in_phase(call, phase)}
        scores = self.scores(list(proposals), phase)
        names = [c["name"] for c in call.criteria]
        weights = {c["name"]: c["weight"] for c in call.criteria}
        awards = {a.proposal_id: a for a in self.awards(call.id) if a.phase == phase}
        means = {}
        entries = []
        for p in proposals.values():
            means[p.id] = evaluation.criterion_means(scores[p.id], names)
            bcr = bcr_of(p) if bcr_of else None
            entries.append(evaluation.Entry(p.id, evaluation.weighted_score(means[p.id], weights),
                                            bcr, p.submitted_at or call.closes_at))
        # A proposal kept for the next phase: that is this phase's outcome, whatever came later.
        following = call.phases[phase]["name"] if phase < call.phase else None
        rows = []
        for r in evaluation.rank(entries):
            p = proposals[r.proposal_id]
            award = awards.get(p.id)
            kept = following is not None and call.in_phase(p.id, phase + 1)
            rows.append(RankingRow(
                proposal_id=p.id, title=p.title, status="kept" if kept and not award else p.status,
                weighted_score=r.weighted_score, rank=r.rank,
                criteria=[(n, evaluation.rounded(means[p.id][n])) for n in names], bcr=r.bcr,
                reason=(award.reason if award
                        else f"went on to {following}" if kept else p.reason),
                awarded=award.amount if award else None,
                project_id=award.project_id if award else None,
            ))
        return rows
