"""Procurement's use cases: calls, proposals, evaluation and award.

A city's officers draft, open, close and cancel their city's calls, appoint evaluators, award
proposals and advance PCP phases; proposers draft, edit, submit and withdraw their own
proposals while the window is open; appointed evaluators declare conflicts and score. An award
turns the proposal into a draft pilot of the city, owned by the proposer for delivery."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID

from domain.core import CivicfundCore
from domain.crowdfunding.project import ALL_OR_NOTHING, Project
from domain.kernel.context import current_actor
from domain.kernel.errors import (
    ConcurrentChange,
    InvalidTransition,
    NotFound,
    NotPermitted,
)
from domain.kernel.money import Money
from domain.procurement import evaluation
from domain.procurement.call import (
    AWARDED,
    CANCELLED,
    CLOSED,
    DRAFT,
    EVALUATING,
    OPEN,
    Call,
    InvalidCall,
)
from domain.procurement.cost_benefit import analyse
from domain.procurement.proposal import (
    SUBMITTED,
    InvalidProposal,
    Proposal,
    check_content,
)

T = TypeVar("T")
ATTEMPTS = 5
# A pilot made by an award is a draft whose campaign the city opens when it is ready.
PILOT_CAMPAIGN = timedelta(days=30)


class Sealed(InvalidTransition):
    code = "sealed"


@dataclass(frozen=True)
class CriterionMean:
    criterion: str
    mean: Decimal | None


@dataclass(frozen=True)
class RankedProposal:
    proposal_id: UUID
    title: str
    weighted_score: Decimal
    rank: int
    criteria: list[CriterionMean]
    bcr: Decimal | None
    status: str
    reason: str
    awarded: Money | None


class Procurement(CivicfundCore):
    """Calls, proposals, evaluation and award."""

    # -- loading ---------------------------------------------------------------------------

    def get_call(self, call_id: UUID) -> Call:
        return self._get(Call, call_id, "call")

    def get_proposal(self, proposal_id: UUID) -> Proposal:
        return self._get(Proposal, proposal_id, "proposal")

    def _retry(self, attempt: Callable[[], T]) -> T:
        for _ in range(ATTEMPTS - 1):
            try:
                return attempt()
            except ConcurrentChange:
                continue
        return attempt()

    def _call_now(self, call_id: UUID) -> Call:
        """The call, moved on to evaluation if its window passed while it was open (recorded
        with whatever the command saves)."""
        call = self.get_call(call_id)
        if call.status == OPEN and self.clock.now() >= call.closes_at:
            call.start_evaluation()
        return call

    def effective_status(self, call: Call) -> str:
        if call.status == OPEN and self.clock.now() >= call.closes_at:
            return EVALUATING
        return call.status

    def _managed_call(self, call_id: UUID) -> Call:
        call = self._call_now(call_id)
        self._require_officer_of(call.city_id)
        return call

    def _actor_id(self) -> UUID | None:
        try:
            return UUID(current_actor().account_id)
        except ValueError:
            return None

    def _is_officer_of(self, city_id: UUID) -> bool:
        try:
            self._require_officer_of(city_id)
        except (NotPermitted, NotFound):
            return False
        return True

    def is_evaluator_of(self, call: Call) -> bool:
        actor_id = self._actor_id()
        return actor_id is not None and actor_id in call.evaluators

    # -- calls -----------------------------------------------------------------------------

    def draft_call(self, *, city_id: UUID, title: str, challenge: str, route: str,
                   budget: Money, capital_stack: dict[str, int], opens_at: datetime,
                   closes_at: datetime, areas: list[str], themes: list[str],
                   criteria: list[dict[str, Any]], phases: list[dict[str, Any]]) -> UUID:
        city = self._city_managed_by_actor(city_id)
        call = Call.draft(
            city_id=city.id, city_currency=city.currency, title=title, challenge=challenge,
            route=route, budget=budget, capital_stack=capital_stack, opens_at=opens_at,
            closes_at=closes_at, areas=areas, themes=themes, criteria=criteria, phases=phases,
        )
        self.save(call)
        return call.id

    def open_call(self, call_id: UUID) -> None:
        call = self._managed_call(call_id)
        call.open(self.clock.now())
        self._save_or_conflict(call)

    def close_call(self, call_id: UUID) -> str:
        """Closes the call's current stage: an open call inside its window stops taking
        proposals; a sealed evaluation is closed (its ranking appears); an unsealed one closes
        the call, and the proposals still in the running are told they were not awarded.
        Returns the status."""

        def attempt() -> str:
            call = self.get_call(call_id)
            self._require_officer_of(call.city_id)
            if call.status == OPEN and self.clock.now() < call.closes_at:
                call.start_evaluation()  # the window ends early
                self._save_or_conflict(call)
                return call.status
            if call.status == OPEN:
                call.start_evaluation()  # the window passed: on to the evaluation's close
            if call.status not in (EVALUATING, AWARDED):
                raise InvalidTransition(f"A call that is {call.status} cannot close")
            if self._sealed(call, call.phase):
                call.close_evaluation()
                self._save_or_conflict(call)
                return call.status
            ranking = {r.proposal_id: r for r in self._ranking(call, call.phase)}
            changed: list[Any] = [call]
            for proposal in self._proposals_in(call, call.phase):
                if proposal.status == SUBMITTED:
                    ranked = ranking.get(proposal.id)
                    reason = ("Not awarded: ranked "
                              f"{ranked.rank} of {len(ranking)} with a weighted score of "
                              f"{ranked.weighted_score}" if ranked else "Not awarded")
                    proposal.reject(reason=reason, phase=call.phase)
                    changed.append(proposal)
            call.close()
            self._save_or_conflict(*changed)
            return call.status

        return self._retry(attempt)

    def close_evaluation(self, call_id: UUID) -> None:
        call = self._managed_call(call_id)
        call.close_evaluation()
        self._save_or_conflict(call)

    def cancel_call(self, call_id: UUID, reason: str = "") -> None:
        """Cancel a call without awards; the proposers who submitted are told why."""

        def attempt() -> None:
            call = self._managed_call(call_id)
            call.cancel(reason)
            why = f"The call was cancelled: {call.cancel_reason}"
            changed: list[Any] = [call]
            for proposal in (self.get_proposal(p) for p in call.proposals):
                if proposal.status == SUBMITTED:
                    proposal.reject(reason=why, phase=call.phase)
                    changed.append(proposal)
            self._save_or_conflict(*changed)

        self._retry(attempt)

    def appoint_evaluator(self, call_id: UUID, account_id: UUID) -> None:
        call = self._managed_call(call_id)
        try:
            account = self.get_account(account_id)
        except NotFound:
            raise InvalidCall("There is no account with that id", field="email") from None
        if getattr(account, "erased", False):
            raise InvalidCall("That account is erased", field="email")
        if not (account.role == "evaluator" or
                (account.role == "city" and account.city_id == call.city_id)):
            raise InvalidCall("Evaluators are accounts with the evaluator role or officers of "
                              "the call's city", field="email")
        call.appoint_evaluator(account.id)
        self._save_or_conflict(call)

    # -- proposals -------------------------------------------------------------------------

    def _proposer(self) -> UUID:
        actor = current_actor()
        if actor.role != "proposer":
            raise NotPermitted("Only a proposer's account can write proposals")
        return UUID(actor.account_id)

    def _content(self, call: Call, data: dict[str, Any]) -> dict[str, Any]:
        content = check_content(data, call.currency)
        if call.areas and content["area"] not in call.areas:
            raise InvalidProposal(f"This call is for the areas {', '.join(call.areas)}",
                                  field="area")
        if call.themes and content["theme"] not in call.themes:
            raise InvalidProposal(f"This call is for the themes {', '.join(call.themes)}",
                                  field="theme")
        return content

    def draft_proposal(self, call_id: UUID, data: dict[str, Any]) -> UUID:
        proposer_id = self._proposer()

        def attempt() -> UUID:
            call = self._call_now(call_id)
            if call.status == DRAFT:
                raise NotFound(f"No call with id {call_id}")
            content = self._content(call, data)
            proposal = Proposal(call_id=call.id, proposer_id=proposer_id, content=content)
            call.add_proposal(proposal.id, self.clock.now())
            self._save_or_conflict(call, proposal)
            return proposal.id

        return self._retry(attempt)

    def _own(self, proposal_id: UUID) -> tuple[Proposal, Call, UUID]:
        proposer_id = self._proposer()
        proposal = self.get_proposal(proposal_id)
        if proposal.proposer_id != proposer_id:
            raise NotPermitted("This is another proposer's proposal")
        return proposal, self.get_call(proposal.call_id), proposer_id

    def edit_proposal(self, proposal_id: UUID, data: dict[str, Any]) -> None:
        proposal, call, proposer_id = self._own(proposal_id)
        proposal.edit(proposer_id, self._content(call, data),
                      window_open=call.takes_proposals(self.clock.now()))
        self._save_or_conflict(proposal)

    def submit_proposal(self, proposal_id: UUID) -> int:
        proposal, call, proposer_id = self._own(proposal_id)
        version = proposal.submit(proposer_id, now=self.clock.now(),
                                  window_open=call.takes_proposals(self.clock.now()))
        self._save_or_conflict(proposal)
        return version

    def withdraw_proposal(self, proposal_id: UUID) -> None:
        proposal, call, proposer_id = self._own(proposal_id)
        proposal.withdraw(proposer_id, window_open=call.takes_proposals(self.clock.now()))
        self._save_or_conflict(proposal)

    def readable_proposal(self, proposal_id: UUID) -> Proposal:
        """The proposal if the actor may read it: its proposer always; the city's officers and
        the call's evaluators once submitted; anyone once awarded."""
        proposal = self.get_proposal(proposal_id)
        if self.may_read(proposal):
            return proposal
        if current_actor().role == "proposer":
            raise NotPermitted("This is another proposer's proposal")
        raise NotPermitted("This proposal is not public")

    def may_read(self, proposal: Proposal, call: Call | None = None) -> bool:
        actor = current_actor()
        if proposal.status == "awarded" or actor.is_admin:
            return True
        if actor.role == "proposer":
            return self._actor_id() == proposal.proposer_id
        if not proposal.was_submitted:
            return False
        call = call or self.get_call(proposal.call_id)
        return self._is_officer_of(call.city_id) or self.is_evaluator_of(call)

    def proposals_of_call(self, call_id: UUID) -> list[Proposal]:
        """The call's proposals the actor may read."""
        call = self.get_call(call_id)
        found = [self.get_proposal(p) for p in call.proposals]
        return [p for p in found if self.may_read(p, call)]

    # -- evaluation ------------------------------------------------------------------------

    def score_proposal(self, proposal_id: UUID, *, conflict_of_interest: bool,
                       scores: Any) -> None:
        evaluator_id = self._actor_id()
        proposal = self.get_proposal(proposal_id)
        call = self._call_now(proposal.call_id)
        if evaluator_id is None or evaluator_id not in call.evaluators:
            raise NotPermitted("Only evaluators appointed to this call can score its proposals")
        if call.status not in (EVALUATING, AWARDED):
            raise InvalidTransition("Proposals are scored after the window closes, while the "
                                    f"call is evaluating; it is {call.status}")
        if not call.in_phase(proposal.id):
            raise InvalidTransition("This proposal is not in the call's current phase")
        if conflict_of_interest:
            proposal.declare_conflict(evaluator_id)
        else:
            if not self._sealed(call, call.phase):
                raise Sealed("This phase's ranking is published: scores can no longer change")
            proposal.score(evaluator_id, call.phase, scores, [c.name for c in call.criteria])
        self._save_or_conflict(call, proposal)

    def _proposals_in(self, call: Call, phase: int) -> list[Proposal]:
        found = [self.get_proposal(p) for p in call.proposals]
        return [p for p in found if p.was_submitted and call.in_phase(p.id, phase)]

    def _sealed(self, call: Call, phase: int) -> bool:
        proposals = {
            p.id: ({str(e) for e in p.scored_by(phase)}, {str(e) for e in p.conflicts})
            for p in self._proposals_in(call, phase)
        }
        return evaluation.is_sealed(
            evaluators=[str(e) for e in call.evaluators], proposals=proposals,
            closed_by_officer=phase in call.evaluation_closed,
        )

    def is_sealed(self, call_id: UUID, phase: int | None = None) -> bool:
        call = self.get_call(call_id)
        return self._sealed(call, phase or call.phase)

    def scoring_progress(self, call_id: UUID) -> dict[UUID, tuple[int, int]]:
        """Per proposal of the current phase: (evaluators who scored, evaluators expected)."""
        call = self.get_call(call_id)
        progress = {}
        for p in self._proposals_in(call, call.phase):
            expected = [e for e in call.evaluators if e not in p.conflicts]
            progress[p.id] = (len(p.scored_by(call.phase) & set(expected)), len(expected))
        return progress

    def bcr_of(self, proposal: Proposal) -> Decimal | None:
        """The submitted proposal's benefit-cost ratio, when its cost-benefit analysis gives
        one."""
        analysis = proposal.analysis
        return analyse(analysis).bcr if analysis is not None else None

    def _ranking(self, call: Call, phase: int) -> list[RankedProposal]:
        proposals = {p.id: p for p in self._proposals_in(call, phase)}
        names = [c.name for c in call.criteria]
        means: dict[UUID, dict[str, Decimal | None]] = {}
        entries = []
        for p in proposals.values():
            means[p.id] = evaluation.criterion_means(p.sheets(phase), names)
            entries.append(evaluation.Entry(
                p.id, evaluation.weighted_score(means[p.id], call.weights), self.bcr_of(p),
                p.submitted_at or call.closes_at,
            ))
        ranked = []
        for r in evaluation.rank(entries):
            p = proposals[r.proposal_id]
            award = [a for a in call.awards if a[0] == phase and a[1] == p.id]
            ranked.append(RankedProposal(
                proposal_id=p.id, title=p.title, weighted_score=r.weighted_score, rank=r.rank,
                criteria=[CriterionMean(n, evaluation.rounded(means[p.id][n])) for n in names],
                bcr=r.bcr, status=p.status, reason=award[0][3] if award else p.outcome_reason,
                awarded=Money(award[0][2], call.currency) if award else None,
            ))
        return ranked

    def ranking(self, call_id: UUID, phase: int | None = None) -> list[RankedProposal]:
        """The ranking of a phase (the current one by default), once unsealed. The city's
        officers and the call's evaluators read it during evaluation; anyone once awarded."""
        call = self.get_call(call_id)
        phase = phase or call.phase
        if not 1 <= phase <= len(call.phases):
            raise NotFound(f"The call has no phase {phase}")
        public = call.status in (AWARDED, CLOSED)
        if not (public or self._is_officer_of(call.city_id) or self.is_evaluator_of(call)):
            raise NotPermitted("The ranking is published once the call is awarded")
        if call.status in (DRAFT, OPEN, CANCELLED):
            raise Sealed(f"There is no ranking while the call is {call.status}")
        if self._sealed(call, phase):
            raise Sealed("Scores are sealed until every appointed evaluator has scored or an "
                         "officer closes the evaluation")
        return self._ranking(call, phase)

    # -- award and phases ------------------------------------------------------------------

    def award(self, call_id: UUID, proposal_id: UUID, *, amount: Money, reason: str) -> UUID:
        """Award a proposal `amount` of the current phase's envelope share; it becomes a draft
        pilot of the city (the same pilot on later PCP phases). Returns the pilot's id."""

        def attempt() -> UUID:
            call = self._managed_call(call_id)
            if self._sealed(call, call.phase):
                raise Sealed("Award once the ranking is published (every evaluator scored or "
                             "the evaluation closed)")
            try:
                proposal = self.get_proposal(proposal_id)
            except NotFound:
                raise InvalidCall("There is no such proposal", field="proposal_id") from None
            if proposal.call_id != call.id or not proposal.was_submitted:
                raise InvalidCall("That proposal is not a submitted proposal of this call",
                                  field="proposal_id")
            changed: list[Any] = [call, proposal]
            if proposal.project_id is not None:
                project = self.get_project(proposal.project_id)
            else:
                project = self._pilot_of(call, proposal)
            changed.append(project)
            call.award(proposal_id=proposal.id, amount=amount, reason=reason,
                       project_id=project.id)
            proposal.award(reason=call.awards[-1][3], project_id=project.id, amount=amount,
                           phase=call.phase)
            self._save_or_conflict(*changed)
            return project.id

        return self._retry(attempt)

    def _pilot_of(self, call: Call, proposal: Proposal) -> Project:
        city = self.get_city(call.city_id)
        now = self.clock.now()
        content = proposal.submitted or proposal.content
        project = Project.draft(
            city_id=city.id, city_currency=city.currency, currency=call.currency,
            area=content.area, theme=content.theme, title=content.title,
            summary=content.summary, proposer=content.organisation,
            budget_lines=list(content.budget_lines), funding_model=ALL_OR_NOTHING,
            opens_at=now, closes_at=now + PILOT_CAMPAIGN, now=now,
        )
        project.assign_delivery_owner(proposal.proposer_id)
        project.link_to_call(call.id)
        if content.cba:
            project.attach_cost_benefit(content.cba)
        for title, due in content.milestones:
            # Planned as the proposal dated them (a due date already past stays as written).
            project.plan_milestone(title=title, due=due, now=min(now, due))
        return project

    def advance_phase(self, call_id: UUID, phase: int, proposal_ids: list[UUID]) -> None:
        """PCP: keep `proposal_ids` for the next phase; the others still in the running are
        told they were not kept."""

        def attempt() -> None:
            call = self._managed_call(call_id)
            if phase != call.phase:
                raise InvalidCall(f"The call is in phase {call.phase}", field="phase")
            if call.status in (EVALUATING, AWARDED) and self._sealed(call, call.phase):
                raise Sealed("Advance once this phase's ranking is published")
            call.advance(phase, proposal_ids)
            changed: list[Any] = [call]
            following = call.phases[phase].name
            for proposal in self._proposals_in(call, phase):
                if proposal.id not in proposal_ids and proposal.status == SUBMITTED:
                    proposal.reject(reason=f"Not kept for {following}", phase=phase)
                    changed.append(proposal)
            self._save_or_conflict(*changed)

        self._retry(attempt)

    # -- public listing --------------------------------------------------------------------

    def public_call(self, call_id: UUID) -> Call:
        """A call anyone may read: any but a draft (a draft only to its city's officers)."""
        call = self.get_call(call_id)
        if call.status == DRAFT and not self._is_officer_of(call.city_id):
            raise NotFound(f"No call with id {call_id}")
        return call


__all__ = ["CANCELLED", "Procurement", "RankedProposal", "Sealed"]
