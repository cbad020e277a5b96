"""A pilot project: budget lines, funding model, campaign window and lifecycle."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.clock import in_the_past
from domain.kernel.errors import (
    N_,
    CampaignNotOpen,
    InvalidProject,
    InvalidTransition,
    OptimumNotReached,
)
from domain.kernel.money import Money, total
from domain.kernel.text import has_control_characters

ALL_OR_NOTHING = "all_or_nothing"
KEEP_WHAT_YOU_RAISE = "keep_what_you_raise"
FUNDING_MODELS = (ALL_OR_NOTHING, KEEP_WHAT_YOU_RAISE)

DRAFT, OPEN, FUNDED, UNFUNDED = "draft", "open", "funded", "unfunded"
DELIVERING, COMPLETED, CANCELLED = "delivering", "completed", "cancelled"
STATUSES = (DRAFT, OPEN, FUNDED, UNFUNDED, DELIVERING, COMPLETED, CANCELLED)

MAX_BUDGET_LINES = 50
MAX_SUGGESTED_AMOUNTS = 6
OPENS_IN_THE_PAST = "The campaign cannot open in the past: choose now or a later time"
DUE_IN_THE_PAST = "A milestone cannot be due in the past: choose today or a later date"
# Largest single budget line, in major units of any currency: far above any pilot, far below
# what a 64-bit minor-unit total of fifty lines could overflow.
MAX_BUDGET_LINE_MAJOR = 10_000_000_000


@dataclass(frozen=True)
class Milestone:
    title: str
    due: datetime
    completed_at: datetime | None = None


@dataclass(frozen=True)
class BudgetLine:
    label: str
    amount: Money
    required: bool = True


def _text(
    value: str, field: str, *, limit: int, required: bool = True, multiline: bool = False
) -> str:
    multiline = multiline or field == "summary"
    if has_control_characters(value or ""):
        raise InvalidProject(
            f"{field.capitalize()} contains characters that cannot be stored", field=field
        )
    value = (value or "").strip() if multiline else " ".join((value or "").split())
    if required and not value:
        raise InvalidProject(f"{field.replace('_', ' ').capitalize()} is required", field=field)
    if len(value) > limit:
        raise InvalidProject(f"{field.capitalize()} is at most {limit} characters", field=field)
    return value



def takes_pledges(status: str, opens_at: datetime, closes_at: datetime, now: datetime, *,
                  closing: bool = False) -> bool:
    """Whether a campaign takes pledges now: open, not closing, and inside its window. The
    aggregate and the pages both ask this."""
    return status == OPEN and not closing and opens_at <= now < closes_at

def suggested_amounts(amounts: list[Money], currency: str, optimum: Money) -> list[Money]:
    """Amounts a city may suggest on a pilot's pledge form, smallest first: more than
    zero, in the pilot's currency, at most its optimum, each once, at most six."""
    if len(amounts) > MAX_SUGGESTED_AMOUNTS:
        raise InvalidProject(f"At most {MAX_SUGGESTED_AMOUNTS} suggested amounts",
                             field="suggested_amounts")
    for amount in amounts:
        if amount.currency != currency:
            raise InvalidProject(f"Suggested amounts are in {currency}, like the pilot, not "
                                 f"{amount.currency}", field="suggested_amounts")
        if not amount.is_positive():
            raise InvalidProject("Suggested amounts are more than zero", field="suggested_amounts")
        if amount > optimum:
            raise InvalidProject("A suggested amount cannot be more than the pilot's optimum",
                                 field="suggested_amounts")
    chosen = sorted(set(amounts), key=lambda amount: amount.minor)
    if len(chosen) != len(amounts):
        raise InvalidProject("Each suggested amount appears once", field="suggested_amounts")
    return chosen


class Project(CivicAggregate):
    @event("Drafted")
    def __init__(
        self,
        city_id: UUID,
        area: str,
        theme: str,
        title: str,
        summary: str,
        proposer: str,
        currency: str,
        budget_lines: list[BudgetLine],
        funding_model: str,
        opens_at: datetime,
        closes_at: datetime,
    ):
        self.city_id = city_id
        self.area = area
        self.theme = theme
        self.title = title
        self.summary = summary
        self.proposer = proposer
        self.currency = currency
        self.budget_lines = list(budget_lines)
        self.funding_model = funding_model
        self.opens_at = opens_at
        self.closes_at = closes_at
        self.status = DRAFT
        self.closing = False
        self.counted_pledges: list[UUID] = []
        self.settled = False
        self.milestones: list[Milestone] = []
        # Set here rather than as a class default so projects drafted before it existed replay.
        self.delivery_owner_id: UUID | None = None
        self.call_id: UUID | None = None  # the co-investment call whose award made it
        # Its cost-benefit analysis as plain data (procurement's CostBenefitAnalysis.as_data()).
        self.cost_benefit: dict | None = None

    @classmethod
    def draft(
        cls,
        *,
        city_id: UUID,
        city_currency: str,
        currency: str,
        area: str,
        theme: str,
        title: str,
        summary: str,
        proposer: str,
        budget_lines: list[BudgetLine],
        funding_model: str,
        opens_at: datetime,
        closes_at: datetime,
        now: datetime,
    ) -> Project:
        """A new pilot's draft. Its campaign may not open in the past (an hour's grace for
        "now"), and closes after it opens."""
        if currency != city_currency:
            raise InvalidProject(
                f"Projects in this city are in {city_currency}, not {currency}", field="currency"
            )
        if funding_model not in FUNDING_MODELS:
            raise InvalidProject(
                "Funding model is all_or_nothing or keep_what_you_raise", field="funding_model"
            )
        if not budget_lines:
            raise InvalidProject("Add at least one budget line", field="budget_lines")
        if len(budget_lines) > MAX_BUDGET_LINES:
            raise InvalidProject(f"At most {MAX_BUDGET_LINES} budget lines", field="budget_lines")
        for line in budget_lines:
            if not line.label.strip():
                raise InvalidProject("Every budget line needs a label", field="budget_lines")
            if line.amount.currency != currency:
                raise InvalidProject(
                    f"Budget lines are in {currency}, not {line.amount.currency}",
                    field="budget_lines",
                )
            if not line.amount.is_positive():
                raise InvalidProject("Budget line amounts must be positive", field="budget_lines")
            if line.amount.minor > MAX_BUDGET_LINE_MAJOR * 10**line.amount.exponent:
                raise InvalidProject(
                    f"A budget line is at most {MAX_BUDGET_LINE_MAJOR:,} {currency}",
                    field="budget_lines",
                )
            if has_control_characters(line.label):
                raise InvalidProject(
                    "Budget line labels cannot contain control characters", field="budget_lines"
                )
        if not any(line.required for line in budget_lines):
            raise InvalidProject(
                "At least one budget line must be required: required lines make the minimum",
                field="budget_lines",
            )
        if opens_at.tzinfo is None or closes_at.tzinfo is None:
            raise InvalidProject("Campaign dates need a time zone", field="closes_at")
        if in_the_past(opens_at, now):
            raise InvalidProject(OPENS_IN_THE_PAST, field="opens_at")
        if closes_at <= opens_at:
            raise InvalidProject("The campaign must close after it opens", field="closes_at")
        return cls(
            city_id=city_id,
            area=_text(area, "area", limit=80),
            theme=_text(theme, "theme", limit=80),
            title=_text(title, "title", limit=140),
            summary=_text(summary, "summary", limit=4000),
            proposer=_text(proposer, "proposer", limit=140),
            currency=currency,
            budget_lines=[
                BudgetLine(" ".join(line.label.split())[:140], line.amount, line.required)
                for line in budget_lines
            ],
            funding_model=funding_model,
            opens_at=opens_at,
            closes_at=closes_at,
        )

    @property
    def minimum(self) -> Money:
        return total([line.amount for line in self.budget_lines if line.required], self.currency)

    @property
    def optimum(self) -> Money:
        return total([line.amount for line in self.budget_lines], self.currency)

    def open_campaign(self, now: datetime) -> None:
        if self.status != DRAFT:
            raise InvalidTransition(
                f"Only a draft can open its campaign; this one is {self.status}"
            )
        if self.closes_at <= now:
            raise InvalidTransition("The campaign window has already passed: it cannot open")
        self._campaign_opened()

    @event("CampaignOpened")
    def _campaign_opened(self) -> None:
        self.status = OPEN

    def is_taking_pledges(self, now: datetime) -> bool:
        return takes_pledges(self.status, self.opens_at, self.closes_at, now,
                             closing=self.closing)

    def check_taking_pledges(self, now: datetime) -> None:
        if self.status != OPEN:
            raise CampaignNotOpen(N_("This project is not taking pledges: it is %(status)s"),
                                  status=self.status)
        if self.closing:
            raise CampaignNotOpen(N_("This campaign is closing"))
        if now < self.opens_at:
            raise CampaignNotOpen(N_("This campaign has not opened yet"))
        if now >= self.closes_at:
            raise CampaignNotOpen(N_("This campaign has closed"))

    # -- closing and settling --------------------------------------------------------------

    def is_due_to_close(self, now: datetime) -> bool:
        return self.status == OPEN and (self.closing or now >= self.closes_at)

    def start_closing(self, now: datetime, *, early: bool = False, raised: Money | None = None):
        """Stop taking pledges. Early closes need the optimum reached (`raised` so far)."""
        if self.status != OPEN:
            raise InvalidTransition(f"Only an open campaign can close; this one is {self.status}")
        if self.closing:
            return
        if early:
            if raised is None or raised < self.optimum:
                raise OptimumNotReached(
                    f"A campaign can close early only once its optimum of "
                    f"{self.optimum.display()} is reached",
                )
        elif now < self.closes_at:
            raise InvalidTransition("This campaign closes on its deadline")
        self._closing_started(early=early)

    @event("ClosingStarted")
    def _closing_started(self, early: bool) -> None:
        self.closing = True
        self.closed_early = early

    def outcome_for(self, raised: Money) -> str:
        """All-or-nothing is funded when the crowd reached the minimum; keep-what-you-raise keeps
        whatever was raised."""
        if self.funding_model == ALL_OR_NOTHING:
            return FUNDED if raised >= self.minimum else UNFUNDED
        return FUNDED if raised.is_positive() else UNFUNDED

    def decide(
        self, *, raised: Money, pledge_ids: list[UUID], matched: Money | None = None,
        committed: Money | None = None, invested: Money | None = None,
    ) -> str:
        """Funded or not on the total: the crowd's `raised` plus what matching funds hold plus
        what the city's departments committed."""
        if self.status != OPEN or not self.closing:
            raise InvalidTransition("A campaign is decided once, after it starts closing")
        matched = matched if matched is not None else Money.zero(self.currency)
        extra = {}
        if committed is not None and committed.is_positive():
            extra["committed"] = committed  # recorded only when departments co-fund it
        if invested is not None and invested.is_positive():
            extra["invested"] = invested  # recorded only when investors count in it
        outcome = self.outcome_for(raised + matched + (committed or Money.zero(self.currency))
                                   + (invested or Money.zero(self.currency)))
        self._campaign_closed(
            outcome=outcome, raised=raised, pledge_ids=list(pledge_ids), matched=matched, **extra
        )
        return outcome

    @event("CampaignClosed")
    def _campaign_closed(
        self, outcome: str, raised: Money, pledge_ids: list[UUID], matched: Money | None = None,
        committed: Money | None = None, invested: Money | None = None,
    ) -> None:
        self.status = outcome
        self.closing = False
        self.counted_pledges = list(pledge_ids)
        self.decided_total = raised + matched if matched is not None else raised
        if committed is not None:
            self.decided_total = self.decided_total + committed
        if invested is not None:
            self.decided_total = self.decided_total + invested

    def complete_settlement(self, *, charged: Money, failed: int) -> None:
        if self.settled:
            return
        if self.status not in (FUNDED, UNFUNDED, CANCELLED):
            raise InvalidTransition(f"Nothing to settle: the project is {self.status}")
        self._settlement_completed(charged=charged, failed=failed)

    @event("SettlementCompleted")
    def _settlement_completed(self, charged: Money, failed: int) -> None:
        self.settled = True

    def record_payout(self, *, amount: Money, to: str) -> None:
        """What the delivery owner is owed after funding: raised minus refunds and fees."""
        self._payout_recorded(amount=amount, to=to)

    @event("PayoutRecorded")
    def _payout_recorded(self, amount: Money, to: str) -> None:
        # Each payout adds to what is owed: the settlement's total, then any charge that goes
        # through later (a card fixed inside its window).
        owed = getattr(self, "payout", None)
        self.payout = amount if owed is None else owed + amount

    def cancel(self, *, reason: str) -> None:
        if self.status not in (DRAFT, OPEN, FUNDED, DELIVERING):
            raise InvalidTransition(f"A project that is {self.status} cannot be cancelled")
        reason = _text(reason, "reason", limit=500)
        self._cancelled(reason=reason, previous=self.status)

    @event("Cancelled")
    def _cancelled(self, reason: str, previous: str) -> None:
        self.status = CANCELLED
        self.closing = False
        self.settled = False

    # -- the call it answered ----------------------------------------------------------------

    def link_to_call(self, call_id: UUID) -> None:
        """The co-investment call whose award made this pilot (funds restricted to calls
        match it)."""
        if getattr(self, "call_id", None) == call_id:
            return
        self._linked_to_call(call_id=call_id)

    @event("LinkedToCall")
    def _linked_to_call(self, call_id: UUID) -> None:
        self.call_id = call_id

    def attach_cost_benefit(self, data: dict) -> None:
        """The awarded proposal's cost-benefit analysis ("proof of value"), as plain data."""
        self._cost_benefit_attached(cba=dict(data))

    @event("CostBenefitAttached")
    def _cost_benefit_attached(self, cba: dict) -> None:
        self.cost_benefit = cba

    # -- the pledge form -------------------------------------------------------------------

    def suggest_amounts(self, amounts: list[Money]) -> None:
        """The amounts the city offers as one-click choices on the pledge form (none: the
        citizen types one)."""
        if self.status in (CANCELLED, COMPLETED, UNFUNDED):
            raise InvalidTransition(f"A project that is {self.status} takes no pledges")
        chosen = suggested_amounts(amounts, self.currency, self.optimum)
        if chosen == getattr(self, "suggested_amounts", []):
            return
        self._suggested_amounts_set(amounts=chosen)

    @event("SuggestedAmountsSet")
    def _suggested_amounts_set(self, amounts: list[Money]) -> None:
        self.suggested_amounts = list(amounts)

    # -- delivery --------------------------------------------------------------------------

    def start_delivery(self) -> None:
        if self.status != FUNDED:
            raise InvalidTransition(f"Only a funded project starts delivery; this is {self.status}")
        self._delivery_started()

    @event("DeliveryStarted")
    def _delivery_started(self) -> None:
        self.status = DELIVERING

    def assign_delivery_owner(self, account_id: UUID) -> None:
        """The proposer's account that plans milestones and posts updates beside the city."""
        if self.status in (CANCELLED, COMPLETED, UNFUNDED):
            raise InvalidTransition(f"A project that is {self.status} takes no delivery owner")
        if account_id == self.delivery_owner_id:
            return
        self._delivery_owner_assigned(account_id=account_id)

    @event("DeliveryOwnerAssigned")
    def _delivery_owner_assigned(self, account_id: UUID) -> None:
        self.delivery_owner_id = account_id

    def plan_milestone(self, *, title: str, due: datetime, now: datetime) -> None:
        if self.status in (CANCELLED, COMPLETED, UNFUNDED):
            raise InvalidTransition(f"A project that is {self.status} takes no new milestones")
        if len(self.milestones) >= 30:
            raise InvalidProject("At most 30 milestones", field="title")
        if due.tzinfo is None:
            raise InvalidProject("A milestone's due date needs a time zone", field="due")
        if in_the_past(due, now):
            raise InvalidProject(DUE_IN_THE_PAST, field="due")
        self._milestone_planned(title=_text(title, "title", limit=140), due=due)

    @event("MilestonePlanned")
    def _milestone_planned(self, title: str, due: datetime) -> None:
        self.milestones.append(Milestone(title=title, due=due))

    def complete_milestone(self, number: int, *, now: datetime) -> None:
        if self.status != DELIVERING:
            raise InvalidTransition("Milestones are completed while the project is delivering")
        if not 1 <= number <= len(self.milestones):
            raise InvalidProject(f"There is no milestone {number}", field="milestone")
        if self.milestones[number - 1].completed_at is not None:
            raise InvalidTransition(f"Milestone {number} is already complete")
        self._milestone_completed(number=number, at=now)

    @event("MilestoneCompleted")
    def _milestone_completed(self, number: int, at: datetime) -> None:
        done = self.milestones[number - 1]
        self.milestones[number - 1] = Milestone(done.title, done.due, at)

    def post_update(self, *, title: str, body: str) -> None:
        if self.status in (DRAFT,):
            raise InvalidTransition("Delivery updates start once the campaign is open")
        self._update_posted(title=_text(title, "title", limit=140),
                            body=_text(body, "body", limit=4000, multiline=True))

    @event("UpdatePosted")
    def _update_posted(self, title: str, body: str) -> None:
        pass

    def complete(self) -> None:
        if self.status != DELIVERING:
            raise InvalidTransition("Only a delivering project can be completed")
        if any(m.completed_at is None for m in self.milestones):
            raise InvalidTransition("Complete every milestone first")
        self._completed()

    @event("Completed")
    def _completed(self) -> None:
        self.status = COMPLETED
