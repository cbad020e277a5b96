"""Which postings each money event makes: the one bookkeeping rule of the platform.

The read models' ledger (adapters), the auditor's replay (`civicfund ledger audit`) and the
tests' checks all run these same mappings over the log. Some events name only what they act on
(a match committed names its pledge, not its amount), so the bookkeeper keeps a few facts learned
from earlier events — where a pledge's money sits, what a match holds — in a `Facts` store the
caller provides: a dictionary for a replay in memory, a table for the read models.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol
from uuid import UUID

from domain.crowdfunding.pledge import Pledge
from domain.crowdfunding.project import Project
from domain.investment.agreement import Agreement
from domain.investment.issued_bond import IssuedBond
from domain.investment.offer import Offer
from domain.ledger import chart
from domain.ledger.postings import Posting, check_balanced, move
from domain.matching.fund import MatchingFund
from domain.procurement.departments import Department


class Facts(Protocol):
    """What the bookkeeper remembers between events, by key."""

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...


class MemoryFacts:
    def __init__(self) -> None:
        self.facts: dict[str, dict[str, Any]] = {}

    def get(self, key: str) -> dict[str, Any] | None:
        found = self.facts.get(key)
        return dict(found) if found is not None else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.facts[key] = dict(value)


def _uuid(value: Any) -> UUID:
    return value if isinstance(value, UUID) else UUID(str(value))


# Where a pledge's money sits, by the account bucket of its project.
PLEDGED, PENDING, CHARGED = "pledged", "pending", "charged"
RESERVED, COMMITTED, DRAWN, DUE = "reserved", "committed", "drawn", "due"
PAID_IN = "paid_in"


class Bookkeeper:
    def __init__(self, facts: Facts):
        self.facts = facts
        self._mappings: dict[type, Callable[[Any], list[Posting]]] = {
            Pledge.Made: self._pledge_made,
            Pledge.Authorised: self._pledge_authorised,
            Pledge.Cancelled: self._pledge_let_go,
            Pledge.Released: self._pledge_let_go,
            Pledge.Dropped: self._pledge_let_go,
            Pledge.ChargeFailed: self._charge_failed,
            Pledge.Charged: self._pledge_charged,
            Pledge.Refunded: self._pledge_refunded,
            Project.PayoutRecorded: self._payout_recorded,
            MatchingFund.Created: self._fund_created,
            MatchingFund.ToppedUp: self._fund_topped_up,
            MatchingFund.ToppedUpByBenefits: self._fund_topped_up_by_benefits,
            MatchingFund.MatchReserved: self._match_reserved,
            MatchingFund.MatchCommitted: self._match_committed,
            MatchingFund.MatchReleased: self._match_released,
            MatchingFund.GrantReserved: self._grant_reserved,
            MatchingFund.GrantCommitted: self._grant_committed,
            MatchingFund.GrantReleased: self._grant_released,
            MatchingFund.RoundShared: self._round_shared,
            MatchingFund.Closed: self._fund_closed,
            Department.Created: self._department_created,
            Department.BudgetLineAdded: self._budget_line_added,
            Department.Committed: self._department_committed,
            Department.Withdrawn: self._commitment_given_back,
            Department.Released: self._commitment_given_back,
            Department.Drawn: self._commitment_drawn,
            Offer.Added: self._offer_added,
            Offer.Committed: self._investment_committed,
            Offer.Withdrawn: self._investment_given_back,
            Offer.Released: self._investment_given_back,
            Offer.CalledToPayIn: self._investment_called,
            Offer.PaidIn: self._investment_paid_in,
            Offer.PayInAbandoned: self._investment_unpaid,
            IssuedBond.Issued: self._bond_issued,
            IssuedBond.LineFellDue: self._bond_line_fell_due,
            IssuedBond.PaidOut: self._bond_paid_out,
            Agreement.DrawnUp: self._agreement_drawn_up,
            Agreement.Distributed: self._distributed,
            Agreement.DistributionPaidOut: self._distribution_paid_out,
        }

    @staticmethod
    def moves_money(event: Any) -> bool:
        return type(event) in _MONEY_EVENTS

    def record(self, event: Any) -> list[Posting]:
        """The postings of one event of the log, in log order (an event that moves no money
        makes none). Raises Unbalanced if they do not sum to zero: a bug, never data."""
        mapping = self._mappings.get(type(event))
        if mapping is None:
            return []
        postings = mapping(event)
        check_balanced(postings)
        return postings

    # -- pledges -------------------------------------------------------------------------------

    def _pledge(self, pledge_id: UUID) -> dict[str, Any]:
        facts = self.facts.get(f"pledge:{pledge_id}")
        if facts is None:
            raise KeyError(f"the ledger has not seen pledge {pledge_id} made")
        return facts

    def _pledge_made(self, e: Pledge.Made) -> list[Posting]:
        self.facts.put(f"pledge:{e.originator_id}", {
            "project": str(e.project_id), "citizen": str(e.citizen_id),
            "amount": e.amount.minor, "currency": e.amount.currency, "at": None,
        })
        return []

    def _pledge_moved(
        self, pledge_id: UUID, to: str | None, legs: Callable[[dict, UUID, UUID], list[Posting]]
    ) -> list[Posting]:
        facts = self._pledge(pledge_id)
        postings = legs(facts, _uuid(facts["project"]), _uuid(facts["citizen"]))
        facts["at"] = to
        self.facts.put(f"pledge:{pledge_id}", facts)
        return postings

    def _pledge_authorised(self, e: Pledge.Authorised) -> list[Posting]:
        def legs(f: dict, project: UUID, citizen: UUID) -> list[Posting]:
            if f["at"] is not None:
                return []
            return move(f["amount"], f["currency"], chart.promised(citizen, f["currency"]),
                        chart.pledged(project), pledge_id=e.originator_id)

        return self._pledge_moved(e.originator_id, PLEDGED, legs)

    def _pledge_let_go(self, e: Any) -> list[Posting]:
        """Cancelled by the citizen, released (not funded) or dropped (never paid): the promise
        is taken back."""

        def legs(f: dict, project: UUID, citizen: UUID) -> list[Posting]:
            if f["at"] not in (PLEDGED, PENDING):
                return []
            return move(f["amount"], f["currency"], _bucket(project, f["at"]),
                        chart.promised(citizen, f["currency"]), pledge_id=e.originator_id)

        return self._pledge_moved(e.originator_id, None, legs)

    def _charge_failed(self, e: Pledge.ChargeFailed) -> list[Posting]:
        def legs(f: dict, project: UUID, citizen: UUID) -> list[Posting]:
            if f["at"] != PLEDGED:
                return []  # a retry that failed again: still pending
            return move(f["amount"], f["currency"], chart.pledged(project),
                        chart.pending(project), pledge_id=e.originator_id)

        return self._pledge_moved(e.originator_id, PENDING, legs)

    def _pledge_charged(self, e: Pledge.Charged) -> list[Posting]:
        def legs(f: dict, project: UUID, citizen: UUID) -> list[Posting]:
            if f["at"] not in (PLEDGED, PENDING):
                return []
            amount, currency = f["amount"], f["currency"]
            return [
                *move(amount, currency, _bucket(project, f["at"]), chart.charged(project),
                      pledge_id=e.originator_id),
                *move(amount, currency, chart.paid(citizen, currency),
                      chart.promised(citizen, currency), pledge_id=e.originator_id),
            ]

        return self._pledge_moved(e.originator_id, CHARGED, legs)

    def _pledge_refunded(self, e: Pledge.Refunded) -> list[Posting]:
        def legs(f: dict, project: UUID, citizen: UUID) -> list[Posting]:
            if f["at"] != CHARGED:
                return []
            return move(f["amount"], f["currency"], chart.charged(project),
                        chart.paid(citizen, f["currency"]), pledge_id=e.originator_id)

        return self._pledge_moved(e.originator_id, None, legs)

    # -- projects ------------------------------------------------------------------------------

    def _payout_recorded(self, e: Project.PayoutRecorded) -> list[Posting]:
        return move(e.amount.minor, e.amount.currency, chart.owed(e.originator_id),
                    chart.payout(e.originator_id))

    # -- matching funds ------------------------------------------------------------------------

    def _fund(self, fund_id: UUID) -> dict[str, Any]:
        facts = self.facts.get(f"fund:{fund_id}")
        if facts is None:
            raise KeyError(f"the ledger has not seen fund {fund_id} created")
        return facts

    def _fund_created(self, e: MatchingFund.Created) -> list[Posting]:
        self.facts.put(f"fund:{e.originator_id}", {"currency": e.currency, "closed": False})
        return move(e.pool, e.currency, chart.sponsor(e.originator_id),
                    chart.available(e.originator_id))

    def _fund_topped_up(self, e: MatchingFund.ToppedUp) -> list[Posting]:
        fund = self._fund(e.originator_id)
        return move(e.amount, fund["currency"], chart.sponsor(e.originator_id),
                    chart.available(e.originator_id))

    def _fund_topped_up_by_benefits(self, e: MatchingFund.ToppedUpByBenefits) -> list[Posting]:
        """A pilot's community-fund share of a distribution passes on into the fund's pool."""
        fund = self._fund(e.originator_id)
        return move(e.amount, fund["currency"],
                    chart.party_received(_uuid(e.project_id), "community_fund"),
                    chart.available(e.originator_id))

    def _held(self, fund_id: UUID, key: str, project_id: UUID, amount: int,
              pledge_id: UUID | None) -> list[Posting]:
        """A match or grant is reserved for a project out of what is available."""
        fund = self._fund(fund_id)
        self.facts.put(key, {"project": str(project_id), "amount": amount, "at": RESERVED})
        return move(amount, fund["currency"], chart.available(fund_id),
                    chart.reserved(fund_id, project_id), pledge_id=pledge_id)

    def _spent(self, fund_id: UUID, key: str, pledge_id: UUID | None) -> list[Posting]:
        fund, held = self._fund(fund_id), self.facts.get(key)
        if held is None or held["at"] != RESERVED:
            return []
        project = _uuid(held["project"])
        held["at"] = COMMITTED
        self.facts.put(key, held)
        return move(held["amount"], fund["currency"], chart.reserved(fund_id, project),
                    chart.committed(fund_id, project), pledge_id=pledge_id)

    def _given_back(self, fund_id: UUID, key: str, pledge_id: UUID | None) -> list[Posting]:
        """A match or grant that will not be paid (or was refunded) goes back to the pool, or
        to the sponsor once the fund has closed."""
        fund, held = self._fund(fund_id), self.facts.get(key)
        if held is None or held["at"] not in (RESERVED, COMMITTED):
            return []
        project = _uuid(held["project"])
        source = (chart.reserved(fund_id, project) if held["at"] == RESERVED
                  else chart.committed(fund_id, project))
        target = chart.returned(fund_id) if fund["closed"] else chart.available(fund_id)
        held["at"] = None
        self.facts.put(key, held)
        return move(held["amount"], fund["currency"], source, target, pledge_id=pledge_id)

    def _match_reserved(self, e: MatchingFund.MatchReserved) -> list[Posting]:
        return self._held(e.originator_id, f"match:{e.originator_id}:{e.pledge_id}",
                          e.project_id, e.amount, e.pledge_id)

    def _match_committed(self, e: MatchingFund.MatchCommitted) -> list[Posting]:
        return self._spent(e.originator_id, f"match:{e.originator_id}:{e.pledge_id}",
                           e.pledge_id)

    def _match_released(self, e: MatchingFund.MatchReleased) -> list[Posting]:
        return self._given_back(e.originator_id, f"match:{e.originator_id}:{e.pledge_id}",
                                e.pledge_id)

    def _grant_reserved(self, e: MatchingFund.GrantReserved) -> list[Posting]:
        return self._held(e.originator_id, f"grant:{e.originator_id}:{e.project_id}",
                          e.project_id, e.amount, None)

    def _grant_committed(self, e: MatchingFund.GrantCommitted) -> list[Posting]:
        return self._spent(e.originator_id, f"grant:{e.originator_id}:{e.project_id}", None)

    def _grant_released(self, e: MatchingFund.GrantReleased) -> list[Posting]:
        return self._given_back(e.originator_id, f"grant:{e.originator_id}:{e.project_id}",
                                None)

    def _round_shared(self, e: MatchingFund.RoundShared) -> list[Posting]:
        postings = []
        for project, amount in e.shares.items():
            postings += self._held(e.originator_id, f"grant:{e.originator_id}:{project}",
                                   _uuid(project), amount, None)
        return postings

    def _fund_closed(self, e: MatchingFund.Closed) -> list[Posting]:
        fund = self._fund(e.originator_id)
        fund["closed"] = True
        self.facts.put(f"fund:{e.originator_id}", fund)
        return move(e.returned, fund["currency"], chart.available(e.originator_id),
                    chart.returned(e.originator_id))

    # -- departments' budget lines -------------------------------------------------------------

    def _department_created(self, e: Department.Created) -> list[Posting]:
        self.facts.put(f"department:{e.originator_id}", {"currency": e.currency})
        return []

    def _department_currency(self, department_id: UUID) -> str:
        facts = self.facts.get(f"department:{department_id}")
        if facts is None:
            raise KeyError(f"the ledger has not seen department {department_id} created")
        return facts["currency"]

    def _budget_line_added(self, e: Department.BudgetLineAdded) -> list[Posting]:
        return move(e.amount, self._department_currency(e.originator_id),
                    chart.line_budget(e.line_id), chart.line_available(e.line_id))

    def _department_committed(self, e: Department.Committed) -> list[Posting]:
        self.facts.put(f"commitment:{e.commitment_id}", {
            "line": str(e.line_id), "project": str(e.project_id), "amount": e.amount,
            "at": COMMITTED,
        })
        return move(e.amount, self._department_currency(e.originator_id),
                    chart.line_available(e.line_id),
                    chart.line_committed(e.line_id, e.project_id))

    def _commitment_moved(self, e: Any, to: str | None) -> list[Posting]:
        key = f"commitment:{e.commitment_id}"
        held = self.facts.get(key)
        if held is None or held["at"] not in (COMMITTED, DRAWN) or held["at"] == to:
            return []
        line, project = _uuid(held["line"]), _uuid(held["project"])
        source = (chart.line_committed(line, project) if held["at"] == COMMITTED
                  else chart.line_drawn(line, project))
        target = chart.line_drawn(line, project) if to == DRAWN else chart.line_available(line)
        held["at"] = to
        self.facts.put(key, held)
        return move(held["amount"], self._department_currency(e.originator_id), source, target)

    def _commitment_drawn(self, e: Department.Drawn) -> list[Posting]:
        return self._commitment_moved(e, DRAWN)

    def _commitment_given_back(self, e: Any) -> list[Posting]:
        """Withdrawn by the department, or released (unfunded or cancelled): back to the line."""
        return self._commitment_moved(e, None)

    # -- investment offers -----------------------------------------------------------------------

    def _offer_added(self, e: Offer.Added) -> list[Posting]:
        self.facts.put(f"offer:{e.originator_id}", {"currency": e.currency,
                                                    "project": str(e.project_id)})
        return []

    def _offer(self, offer_id: UUID) -> dict[str, Any]:
        facts = self.facts.get(f"offer:{offer_id}")
        if facts is None:
            raise KeyError(f"the ledger has not seen offer {offer_id} added")
        return facts

    def _investment_committed(self, e: Offer.Committed) -> list[Posting]:
        offer = self._offer(e.originator_id)
        self.facts.put(f"investment:{e.commitment_id}", {
            "investor": str(e.investor_id), "amount": e.amount, "at": COMMITTED,
        })
        return move(e.amount, offer["currency"],
                    chart.investor_committed(_uuid(e.investor_id), offer["currency"]),
                    chart.offer_committed(e.originator_id, _uuid(offer["project"])))

    def _investment_given_back(self, e: Any) -> list[Posting]:
        """Withdrawn by the investor, or released (the pilot unfunded or cancelled, or the
        offer under its minimum): the commitment is taken back."""
        key, offer = f"investment:{e.commitment_id}", self._offer(e.originator_id)
        held = self.facts.get(key)
        if held is None or held["at"] != COMMITTED:
            return []
        held["at"] = None
        self.facts.put(key, held)
        currency, project = offer["currency"], _uuid(offer["project"])
        return move(held["amount"], currency, chart.offer_committed(e.originator_id, project),
                    chart.investor_committed(_uuid(held["investor"]), currency))

    def _investment_called(self, e: Offer.CalledToPayIn) -> list[Posting]:
        """The pilot was funded and the offer reached its minimum: the investor owes it."""
        key, offer = f"investment:{e.commitment_id}", self._offer(e.originator_id)
        held = self.facts.get(key)
        if held is None or held["at"] != COMMITTED:
            return []
        held["at"] = DUE
        self.facts.put(key, held)
        currency, project = offer["currency"], _uuid(offer["project"])
        investor = _uuid(held["investor"])
        return [
            *move(held["amount"], currency, chart.offer_committed(e.originator_id, project),
                  chart.offer_due(e.originator_id, project)),
            *move(held["amount"], currency, chart.investor_due(investor, currency),
                  chart.investor_committed(investor, currency)),
        ]

    def _investment_paid_in(self, e: Offer.PaidIn) -> list[Posting]:
        """The investor's charge went through: what they owed is paid in."""
        key, offer = f"investment:{e.commitment_id}", self._offer(e.originator_id)
        held = self.facts.get(key)
        if held is None or held["at"] != DUE:
            return []
        held["at"] = PAID_IN
        self.facts.put(key, held)
        currency, project = offer["currency"], _uuid(offer["project"])
        investor = _uuid(held["investor"])
        return [
            *move(held["amount"], currency, chart.offer_due(e.originator_id, project),
                  chart.offer_paid_in(e.originator_id, project)),
            *move(held["amount"], currency, chart.investor_paid_in(investor, currency),
                  chart.investor_due(investor, currency)),
        ]

    def _investment_unpaid(self, e: Offer.PayInAbandoned) -> list[Posting]:
        """Never paid in after the last attempt: the investor no longer owes it."""
        key, offer = f"investment:{e.commitment_id}", self._offer(e.originator_id)
        held = self.facts.get(key)
        if held is None or held["at"] != DUE:
            return []
        held["at"] = None
        self.facts.put(key, held)
        currency, project = offer["currency"], _uuid(offer["project"])
        return move(held["amount"], currency, chart.offer_due(e.originator_id, project),
                    chart.investor_due(_uuid(held["investor"]), currency))

    # -- community bonds' payments ----------------------------------------------------------------

    def _bond_issued(self, e: IssuedBond.Issued) -> list[Posting]:
        self.facts.put(f"bond:{e.originator_id}", {"currency": e.currency,
                                                   "city": str(e.city_id)})
        return []

    def _bond(self, bond_id: UUID) -> dict[str, Any]:
        facts = self.facts.get(f"bond:{bond_id}")
        if facts is None:
            raise KeyError(f"the ledger has not seen bond {bond_id} issued")
        return facts

    def _bond_line_fell_due(self, e: IssuedBond.LineFellDue) -> list[Posting]:
        """The city owes each holder their share of the line."""
        bond = self._bond(e.originator_id)
        currency, city = bond["currency"], _uuid(bond["city"])
        postings: list[Posting] = []
        for investor, interest, capital in e.shares:
            postings += move(interest + capital, currency, chart.city_bonds(city, currency),
                             chart.investor_receivable(_uuid(investor), currency))
        return postings

    def _bond_paid_out(self, e: IssuedBond.PaidOut) -> list[Posting]:
        currency = self._bond(e.originator_id)["currency"]
        investor = _uuid(e.investor)
        return move(e.interest + e.capital, currency,
                    chart.investor_receivable(investor, currency),
                    chart.investor_received(investor, currency))

    # -- benefit-sharing agreements -------------------------------------------------------------

    def _agreement_drawn_up(self, e: Agreement.DrawnUp) -> list[Posting]:
        self.facts.put(f"agreement:{e.originator_id}", {"currency": e.currency,
                                                        "project": str(e.project_id)})
        return []

    def _agreement(self, agreement_id: UUID) -> dict[str, Any]:
        facts = self.facts.get(f"agreement:{agreement_id}")
        if facts is None:
            raise KeyError(f"the ledger has not seen agreement {agreement_id} drawn up")
        return facts

    def _distributed(self, e: Agreement.Distributed) -> list[Posting]:
        """An approved benefit report's payments: from the pilot's benefits to each party and
        each investor: owed to them until paid out (received at once for distributions recorded
        before they were paid out through the payments port)."""
        facts = self._agreement(e.originator_id)
        currency, project = facts["currency"], _uuid(facts["project"])
        investor_account = (chart.investor_receivable if getattr(e, "pays_out", False)
                            else chart.investor_received)
        postings: list[Posting] = []
        for payment in e.payments:
            target = (investor_account(_uuid(payment["investor"]), currency)
                      if payment["investor"] is not None
                      else chart.party_received(project, payment["party"]))
            postings += move(payment["amount"], currency, chart.benefits(project), target)
        return postings

    def _distribution_paid_out(self, e: Agreement.DistributionPaidOut) -> list[Posting]:
        currency = self._agreement(e.originator_id)["currency"]
        investor = _uuid(e.investor)
        return move(e.amount, currency, chart.investor_receivable(investor, currency),
                    chart.investor_received(investor, currency))


def _bucket(project_id: UUID, at: str) -> chart.Account:
    return {PLEDGED: chart.pledged, PENDING: chart.pending,
            CHARGED: chart.charged}[at](project_id)


_MONEY_EVENTS = {
    Pledge.Made, Pledge.Authorised, Pledge.Cancelled, Pledge.Released, Pledge.Dropped,
    Pledge.ChargeFailed, Pledge.Charged, Pledge.Refunded, Project.PayoutRecorded,
    MatchingFund.Created, MatchingFund.ToppedUp, MatchingFund.ToppedUpByBenefits,
    MatchingFund.MatchReserved,
    MatchingFund.MatchCommitted, MatchingFund.MatchReleased, MatchingFund.GrantReserved,
    MatchingFund.GrantCommitted, MatchingFund.GrantReleased, MatchingFund.RoundShared,
    MatchingFund.Closed, Department.Created, Department.BudgetLineAdded, Department.Committed,
    Department.Withdrawn, Department.Released, Department.Drawn, Offer.Added, Offer.Committed,
    Offer.Withdrawn, Offer.Released, Offer.CalledToPayIn, Offer.PaidIn, Offer.PayInAbandoned,
    IssuedBond.Issued, IssuedBond.LineFellDue, IssuedBond.PaidOut, Agreement.DrawnUp,
    Agreement.Distributed, Agreement.DistributionPaidOut,
}

