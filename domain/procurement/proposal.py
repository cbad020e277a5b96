"""A proposal to a call: what the proposer offers (budget lines, milestones, the capital stack
asked for, the cost-benefit analysis's inputs), versioned on each submission, and what the
evaluators and the city made of it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.crowdfunding.project import MAX_BUDGET_LINE_MAJOR, MAX_BUDGET_LINES, BudgetLine
from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import DomainError, InvalidTransition, NotPermitted
from domain.kernel.money import Money
from domain.procurement.call import check_stack, clean
from domain.procurement.cost_benefit import CostBenefitAnalysis

DRAFT, SUBMITTED, WITHDRAWN, AWARDED, REJECTED = (
    "draft", "submitted", "withdrawn", "awarded", "rejected"
)
MAX_MILESTONES = 30


class InvalidProposal(DomainError):
    code = "invalid_proposal"


class InvalidScore(DomainError):
    code = "invalid_score"
    field = "scores"


@dataclass(frozen=True)
class Content:
    """What the proposer wrote: the part that is edited and versioned."""

    title: str
    summary: str
    area: str
    theme: str
    organisation: str
    budget_lines: tuple[BudgetLine, ...]
    milestones: tuple[tuple[str, datetime], ...]
    capital_stack: dict[str, int]
    cba: dict[str, Any]


def check_content(data: dict[str, Any], currency: str) -> dict[str, Any]:
    """The proposal's fields checked, as the event records them. `budget_lines` are
    BudgetLines in the call's currency; milestones' `due` are aware datetimes; `cba` is the
    cost-benefit analysis (a CostBenefitAnalysis or None), kept as its plain data."""

    def text(name: str, limit: int, **kw: Any) -> str:
        return clean(data.get(name), name, limit=limit, error=InvalidProposal, **kw)

    lines = data.get("budget_lines") or []
    if not lines:
        raise InvalidProposal("Add at least one budget line", field="budget_lines")
    if len(lines) > MAX_BUDGET_LINES:
        raise InvalidProposal(f"At most {MAX_BUDGET_LINES} budget lines", field="budget_lines")
    for line in lines:
        if not isinstance(line, BudgetLine):
            raise InvalidProposal("Budget lines have a label, an amount and required",
                                  field="budget_lines")
        clean(line.label, "budget_lines", limit=140, error=InvalidProposal)
        if line.amount.currency != currency:
            raise InvalidProposal(f"Budget lines are in the call's currency, {currency}",
                                  field="budget_lines")
        if not line.amount.is_positive() or (
                line.amount.minor > MAX_BUDGET_LINE_MAJOR * 10**line.amount.exponent):
            raise InvalidProposal("Budget line amounts must be positive and not absurdly large",
                                  field="budget_lines")
    if not any(line.required for line in lines):
        raise InvalidProposal("At least one budget line must be required",
                              field="budget_lines")
    milestones = data.get("milestones") or []
    if len(milestones) > MAX_MILESTONES:
        raise InvalidProposal(f"At most {MAX_MILESTONES} milestones", field="milestones")
    checked_milestones = []
    for m in milestones:
        due = m.get("due") if isinstance(m, dict) else None
        if not isinstance(due, datetime) or due.tzinfo is None:
            raise InvalidProposal("Each milestone has a title and a due date",
                                  field="milestones")
        checked_milestones.append(
            {"title": clean(m.get("title"), "milestones", limit=140, error=InvalidProposal),
             "due": due})
    stack = data.get("capital_stack")
    cba = data.get("cba") or None
    if cba is not None and not isinstance(cba, CostBenefitAnalysis):
        raise InvalidProposal("The cost-benefit analysis has a discount rate and yearly "
                              "figures", field="cba")
    if cba is not None and cba.currency != currency:
        raise InvalidProposal(f"The cost-benefit analysis is in the call's currency, {currency}",
                              field="cba")
    return {
        "title": text("title", 140),
        "summary": text("summary", 4000, multiline=True),  # as long as a pilot's
        "area": text("area", 80),
        "theme": text("theme", 80),
        "organisation": clean(data.get("organisation") or data.get("title"), "organisation",
                              limit=140, error=InvalidProposal),
        "budget_lines": [BudgetLine(" ".join(line.label.split()), line.amount, line.required)
                         for line in lines],
        "milestones": checked_milestones,
        "capital_stack": check_stack(stack, error=InvalidProposal) if stack else {},
        "cba": cba.as_data() if cba is not None else {},
    }


class Proposal(CivicAggregate):
    @event("Drafted")
    def __init__(self, call_id: UUID, proposer_id: UUID, content: dict[str, Any]):
        self.call_id = call_id
        self.proposer_id = proposer_id
        self.status = DRAFT
        self._set(content)
        # What the evaluators read: the content as last submitted (later edits wait for the
        # next submission).
        self.submitted: Content | None = None
        self.versions: list[tuple[int, datetime]] = []
        self.conflicts: set[UUID] = set()
        # phase -> evaluator -> criterion -> (score, justification)
        self.scores: dict[int, dict[UUID, dict[str, tuple[int, str]]]] = {}
        self.outcome_reason = ""
        self.project_id: UUID | None = None

    def _set(self, content: dict[str, Any]) -> None:
        self.content = Content(
            title=content["title"], summary=content["summary"], area=content["area"],
            theme=content["theme"], organisation=content["organisation"],
            budget_lines=tuple(content["budget_lines"]),
            milestones=tuple((m["title"], m["due"]) for m in content["milestones"]),
            capital_stack=dict(content["capital_stack"]), cba=dict(content["cba"]),
        )

    @property
    def title(self) -> str:
        return (self.submitted or self.content).title

    @property
    def analysis(self) -> CostBenefitAnalysis | None:
        """The cost-benefit analysis as last submitted (as drafted before any submission)."""
        cba = (self.submitted or self.content).cba
        return CostBenefitAnalysis.from_data(cba) if cba else None

    @property
    def unsubmitted_changes(self) -> bool:
        return self.submitted is not None and self.submitted != self.content

    @property
    def submitted_at(self) -> datetime | None:
        return self.versions[-1][1] if self.versions else None

    @property
    def submissions(self) -> int:
        return len(self.versions)

    @property
    def was_submitted(self) -> bool:
        return self.status in (SUBMITTED, AWARDED, REJECTED)

    # -- the proposer ----------------------------------------------------------------------

    def _check_owner(self, proposer_id: UUID) -> None:
        if proposer_id != self.proposer_id:
            raise NotPermitted("Only the proposer who wrote this proposal can change it")

    def _check_editable(self, window_open: bool) -> None:
        if self.status not in (DRAFT, SUBMITTED):
            raise InvalidTransition(f"A proposal that is {self.status} cannot change")
        if not window_open:
            raise InvalidTransition("The call's window is over: the proposal is frozen")

    def edit(self, proposer_id: UUID, content: dict[str, Any], *, window_open: bool) -> None:
        self._check_owner(proposer_id)
        self._check_editable(window_open)
        self._edited(content=content)

    @event("Edited")
    def _edited(self, content: dict[str, Any]) -> None:
        self._set(content)

    def submit(self, proposer_id: UUID, *, now: datetime, window_open: bool) -> int:
        self._check_owner(proposer_id)
        self._check_editable(window_open)
        self._submitted(version=self.submissions + 1, at=now)
        return self.submissions

    @event("Submitted")
    def _submitted(self, version: int, at: datetime) -> None:
        self.versions.append((version, at))
        self.submitted = self.content
        self.status = SUBMITTED

    def withdraw(self, proposer_id: UUID, *, window_open: bool) -> None:
        self._check_owner(proposer_id)
        self._check_editable(window_open)
        self._withdrawn()

    @event("Withdrawn")
    def _withdrawn(self) -> None:
        self.status = WITHDRAWN

    # -- evaluation ------------------------------------------------------------------------

    def declare_conflict(self, evaluator_id: UUID) -> None:
        if evaluator_id in self.conflicts:
            return
        self._conflict_declared(evaluator_id=evaluator_id)

    @event("ConflictDeclared")
    def _conflict_declared(self, evaluator_id: UUID) -> None:
        self.conflicts.add(evaluator_id)
        for sheets in self.scores.values():
            sheets.pop(evaluator_id, None)

    def score(self, evaluator_id: UUID, phase: int, scores: Any,
              criteria: list[str]) -> None:
        if self.status not in (SUBMITTED, AWARDED):
            raise InvalidTransition(f"Only a submitted proposal is scored; this one is "
                                    f"{self.status}")
        if evaluator_id in self.conflicts:
            raise NotPermitted("You declared a conflict of interest on this proposal: you "
                               "cannot score it")
        if not isinstance(scores, list):
            raise InvalidScore("Scores are a list of criterion, score and justification")
        sheet: dict[str, list[Any]] = {}
        for item in scores:
            if not isinstance(item, dict):
                raise InvalidScore("Each score has a criterion, a score and a justification")
            name = item.get("criterion")
            if name not in criteria:
                raise InvalidScore(f"{name!r} is not one of this call's criteria")
            if name in sheet:
                raise InvalidScore(f"{name} is scored twice")
            value = item.get("score")
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10:
                raise InvalidScore(f"Scores are whole numbers from 0 to 10 ({name})")
            justification = clean(item.get("justification"), "justification", limit=4000,
                                  multiline=True, error=InvalidScore)
            sheet[name] = [value, justification]
        missing = [c for c in criteria if c not in sheet]
        if missing:
            raise InvalidScore(f"Score every criterion: {', '.join(missing)} missing")
        self._scored(evaluator_id=evaluator_id, phase=phase, sheet=sheet)

    @event("Scored")
    def _scored(self, evaluator_id: UUID, phase: int, sheet: dict[str, list[Any]]) -> None:
        self.scores.setdefault(phase, {})[evaluator_id] = {
            name: (int(v[0]), str(v[1])) for name, v in sheet.items()
        }

    def scored_by(self, phase: int) -> set[UUID]:
        return set(self.scores.get(phase, {}))

    def sheets(self, phase: int) -> dict[str, dict[str, int]]:
        """evaluator -> criterion -> score, for the pure rules."""
        return {str(who): {name: v[0] for name, v in sheet.items()}
                for who, sheet in self.scores.get(phase, {}).items()}

    # -- outcome ---------------------------------------------------------------------------

    def award(self, *, reason: str, project_id: UUID, amount: Money, phase: int) -> None:
        if self.status not in (SUBMITTED, AWARDED):
            raise InvalidTransition(f"Only a submitted proposal is awarded; this one is "
                                    f"{self.status}")
        self._awarded(reason=reason, project_id=project_id, amount=amount, phase=phase)

    @event("Awarded")
    def _awarded(self, reason: str, project_id: UUID, amount: Money, phase: int) -> None:
        self.status = AWARDED
        self.outcome_reason = reason
        self.project_id = project_id

    def reject(self, *, reason: str, phase: int) -> None:
        if self.status != SUBMITTED:
            return
        self._rejected(reason=reason, phase=phase)

    @event("Rejected")
    def _rejected(self, reason: str, phase: int) -> None:
        self.status = REJECTED
        self.outcome_reason = reason
