"""A funded pilot's benefit-sharing agreement and its benefit reports.

The agreement (keyed by the pilot) is drawn up from the pilot's `benefit_share` offer: its first
version's terms are the offer's `AgreementTerms`, its investors are the commitments the funded
settlement called to pay in (paid in or still to pay when it is drawn up: those amounts stand
for the paid-in capital, in the order they were committed), and its parties are:

- `city`: signed by an officer of the pilot's city;
- `proposer`: signed by the pilot's delivery owner account (when it signs);
- `community_fund`: only when the offer names a matching fund; signed by an administrator or an
  officer of the matching fund's city (the fund's sponsor is represented by the fund's id).

Investors accept the agreement by committing to the offer; they do not sign. A version takes
effect when every party has signed it; an amendment is a new version with no signatures, and
the version in effect stays the last one every party signed. Only the newest version can be
signed, and a party signs a version once. Distributions use the version in effect; versions and
signatures (account ids, no names) are public.

The agreement is the consistency boundary of its benefit reports' periods and distributions:
a report's period may not overlap another report's that is pending or approved; an approved
report is distributed by `waterfall.distribute` from the `Carried` state the agreement keeps.
A report itself is a `BenefitReport` aggregate (its id is what officers approve or reject).
Each investor's part of a distribution (every tier together) is then owed to them and paid out
through the payments port by the worker (`DistributionPaidOut`, or `DistributionPayoutFailed`
and a retry a day later: domain/investment/payouts.py).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import event

from domain.investment.errors import InvalidDistribution
from domain.investment.payouts import PAID, PayoutState
from domain.investment.waterfall import (
    COMMUNITY_FUND,
    INVESTORS,
    AgreementTerms,
    Carried,
    distribute,
)
from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import CurrencyMismatch, DomainError, InvalidTransition
from domain.kernel.money import Money
from domain.kernel.text import has_control_characters

CITY_PARTY, PROPOSER_PARTY, FUND_PARTY = "city", "proposer", COMMUNITY_FUND
SIGNING_PARTIES = (CITY_PARTY, PROPOSER_PARTY, FUND_PARTY)
PENDING, APPROVED, REJECTED = "pending", "approved", "rejected"
STATUSES = (PENDING, APPROVED, REJECTED)
MAX_EVIDENCE = 4000
MAX_LINKS = 10
MAX_CATEGORY = 80
MAX_BENEFIT_MAJOR = 1_000_000_000  # far above any pilot's benefit, far below an overflow


class InvalidAgreement(DomainError):
    code = "invalid_agreement"
    field = "agreement"


class NotAParty(DomainError):
    """Signing for a party one does not represent."""

    code = "not_a_party"
    field = "party"


class InvalidReport(DomainError):
    code = "invalid_report"
    field = "period_start"


class OverlappingPeriod(InvalidReport):
    code = "overlapping_period"


class FourEyes(DomainError):
    """Approving or rejecting one's own report."""

    code = "four_eyes"
    field = "report"


AGREEMENT_NAMESPACE = UUID("4c0a7e52-1b9d-4f63-a2e8-7d5b3c9f1e04")


@dataclass
class DistributionPayout(PayoutState):
    """What one investor receives from one approved report (every tier together), as it
    stands."""

    report_id: str
    investor: str
    amount: int


def distribution_payout_key(report_id: str, investor: str) -> str:
    return f"{report_id}:{investor}"


class Agreement(CivicAggregate):
    @staticmethod
    def create_id(project_id: UUID) -> UUID:
        return uuid.uuid5(AGREEMENT_NAMESPACE, str(project_id))

    @event("DrawnUp")
    def __init__(self, project_id: UUID, city_id: UUID, offer_id: UUID, currency: str,
                 community_fund_id: UUID | None, terms: dict[str, Any],
                 paid_in: list[list[Any]]):
        self.project_id = project_id
        self.city_id = city_id
        self.offer_id = offer_id
        self.currency = currency
        self.community_fund_id = community_fund_id
        self.paid_in = [[str(k), int(v)] for k, v in paid_in]
        # Each version: {"number", "terms", "signatures": {party: account id text}}.
        self.versions: list[dict[str, Any]] = [{"number": 1, "terms": dict(terms),
                                                "signatures": {}, "effective_on": None}]
        self.carried: dict[str, Any] | None = None
        self.periods: dict[str, tuple[date, date]] = {}  # report id -> period (pending/approved)
        self.reports: list[UUID] = []  # every report filed, in order
        self.distributions: dict[str, dict[str, Any]] = {}  # report id -> version, payments
        # What investors are owed from each distribution, paid out through the payments port.
        self.payouts: dict[str, DistributionPayout] = {}

    @classmethod
    def draw_up(cls, *, project_id: UUID, city_id: UUID, offer_id: UUID, currency: str,
                community_fund_id: UUID | None, terms: Mapping[str, Any],
                paid_in: list[tuple[UUID, int]]) -> Agreement:
        agreement_terms = AgreementTerms.parse(
            {k: v for k, v in terms.items() if k != "community_fund_id"})
        if not paid_in or sum(v for _, v in paid_in) <= 0:
            raise InvalidAgreement("The pilot's benefit-share offer has no capital called to "
                                   "pay in: there is no agreement to draw up")
        summed: dict[str, int] = {}
        for investor, amount in paid_in:
            summed[str(investor)] = summed.get(str(investor), 0) + amount
        return cls(project_id=project_id, city_id=city_id, offer_id=offer_id,
                   currency=currency, community_fund_id=community_fund_id,
                   terms=agreement_terms.as_data(),
                   paid_in=[[k, v] for k, v in summed.items()])

    # -- reading ---------------------------------------------------------------------------

    @property
    def parties(self) -> tuple[str, ...]:
        if self.community_fund_id is None:
            return (CITY_PARTY, PROPOSER_PARTY)
        return SIGNING_PARTIES

    @property
    def latest(self) -> dict[str, Any]:
        return self.versions[-1]

    def missing(self, version: dict[str, Any]) -> list[str]:
        return [p for p in self.parties if p not in version["signatures"]]

    @property
    def in_effect(self) -> dict[str, Any] | None:
        """The newest version every party signed, or None."""
        for version in reversed(self.versions):
            if not self.missing(version):
                return version
        return None

    def terms_of(self, version: dict[str, Any]) -> AgreementTerms:
        return AgreementTerms.parse(version["terms"])

    def start_state(self, accrues_from: date) -> Carried[str]:
        return Carried.start({k: Money(v, self.currency) for k, v in self.paid_in},
                             accrues_from)

    # -- signing and amending --------------------------------------------------------------

    def sign(self, *, party: str, version: object, account_id: UUID, today: date) -> bool:
        """`account_id` signs `version` for `party` (the caller checked they represent it).
        Returns whether this signature put the version in effect."""
        if party not in self.parties:
            raise NotAParty(f"This agreement's parties are {', '.join(self.parties)}")
        if isinstance(version, bool) or not isinstance(version, int):
            raise InvalidAgreement("Name the version you sign (a whole number)",
                                   field="version")
        if version != self.latest["number"]:
            raise InvalidAgreement(
                f"Version {version} is not the agreement's newest; sign version "
                f"{self.latest['number']}", field="version")
        if party in self.latest["signatures"]:
            raise InvalidTransition(f"The {party.replace('_', ' ')} has already signed "
                                    f"version {version}")
        takes_effect = self.missing(self.latest) == [party]
        self._signed(version=version, party=party, account_id=str(account_id),
                     effective_on=today.isoformat() if takes_effect else None)
        return takes_effect

    @event("Signed")
    def _signed(self, version: int, party: str, account_id: str,
                effective_on: str | None) -> None:
        target = self.versions[version - 1]
        target["signatures"][party] = account_id
        if effective_on is not None:
            target["effective_on"] = effective_on

    def amend(self, terms: object) -> int:
        """A new version of the terms; it needs every signature again (it has none)."""
        if not isinstance(terms, Mapping):
            raise InvalidAgreement("Give the amended terms as an object", field="terms")
        data = AgreementTerms.parse(terms).as_data()
        if data == self.latest["terms"]:
            raise InvalidAgreement("The amendment changes nothing in the newest version",
                                   field="terms")
        number = self.latest["number"] + 1
        self._amended(number=number, terms=data)
        return number

    @event("Amended")
    def _amended(self, number: int, terms: dict[str, Any]) -> None:
        self.versions.append({"number": number, "terms": dict(terms), "signatures": {},
                              "effective_on": None})

    # -- benefit reports -------------------------------------------------------------------

    def check_period(self, start: date, end: date) -> None:
        for other_start, other_end in self.periods.values():
            if start <= other_end and other_start <= end:
                raise OverlappingPeriod(
                    f"This period overlaps the reported period {other_start.isoformat()} to "
                    f"{other_end.isoformat()}")

    def file_report(self, report_id: UUID, start: date, end: date) -> None:
        self.check_period(start, end)
        self._report_filed(report_id=str(report_id), start=start.isoformat(),
                           end=end.isoformat())

    @event("ReportFiled")
    def _report_filed(self, report_id: str, start: str, end: str) -> None:
        self.periods[report_id] = (date.fromisoformat(start), date.fromisoformat(end))
        self.reports.append(UUID(report_id))

    def forget_report(self, report_id: UUID) -> None:
        """A rejected report's period is free again."""
        self._report_dropped(report_id=str(report_id))

    @event("ReportDropped")
    def _report_dropped(self, report_id: str) -> None:
        self.periods.pop(report_id, None)

    def distribute_report(self, report: BenefitReport,
                          today: date | None = None) -> list[dict[str, Any]]:
        """Distribute an approved report through the version in effect; returns the payments
        (recorded on the agreement with the carried state they leave, and the day they were
        made by the application's clock: the investors' cash flows are dated by it)."""
        version = self.in_effect
        if version is None:
            raise InvalidTransition("The agreement is not in effect: every party signs it "
                                    "before a benefit is distributed")
        carried = (self.start_state(date.fromisoformat(version["effective_on"]))
                   if self.carried is None else Carried.from_data(self.carried))
        distribution, after = distribute(
            self.terms_of(version), carried, Money(report.amount, self.currency),
            report.period_start, report.period_end)
        payments = [{"tier": p.tier, "party": p.party, "amount": p.amount.minor,
                     "investor": p.investor if p.party == INVESTORS else None}
                    for p in distribution.payments]
        self._distributed(report_id=str(report.id), version=version["number"],
                          payments=payments, carried=after.as_data(),
                          distributed_on=today.isoformat() if today else None, pays_out=True)
        return payments

    @event("Distributed")
    def _distributed(self, report_id: str, version: int, payments: list[dict[str, Any]],
                     carried: dict[str, Any], distributed_on: str | None = None,
                     pays_out: bool = False) -> None:
        # Distributions recorded before `pays_out` went straight to the investors' received
        # accounts; later ones are owed to them until paid out through the payments port.
        self.carried = carried
        self.distributions[report_id] = {"version": version, "payments": payments}
        if pays_out:
            for investor, amount in investor_amounts(payments).items():
                self.payouts[distribution_payout_key(report_id, investor)] = (
                    DistributionPayout(report_id=report_id, investor=investor, amount=amount))

    # -- paying distributions out ----------------------------------------------------------

    def payouts_due(self, now: datetime) -> list[DistributionPayout]:
        return [p for p in self.payouts.values() if p.due(now)]

    def paid_out(self, payout: DistributionPayout, *, reference: str, today: date) -> None:
        found = self.payouts[distribution_payout_key(payout.report_id, payout.investor)]
        if found.state == PAID:
            return
        self._paid_out(report_id=found.report_id, investor=found.investor,
                       amount=found.amount, reference=reference, paid_on=today.isoformat())

    @event("DistributionPaidOut")
    def _paid_out(self, report_id: str, investor: str, amount: int, reference: str,
                  paid_on: str) -> None:
        self.payouts[distribution_payout_key(report_id, investor)].record_paid(reference)

    def payout_failed(self, payout: DistributionPayout, *, message: str, now: datetime) -> None:
        found = self.payouts[distribution_payout_key(payout.report_id, payout.investor)]
        if found.state == PAID:
            return
        self._payout_failed(report_id=found.report_id, investor=found.investor,
                            **found.failure_fields(message, now))

    @event("DistributionPayoutFailed")
    def _payout_failed(self, report_id: str, investor: str, attempt: int, message: str,
                       retry_at: datetime) -> None:
        self.payouts[distribution_payout_key(report_id, investor)].record_failed(
            attempt, message, retry_at)


def investor_amounts(payments: list[dict[str, Any]]) -> dict[str, int]:
    """Each investor's total (minor units) of a distribution's payments, every tier together, in
    the order they first appear."""
    totals: dict[str, int] = {}
    for payment in payments:
        if payment["investor"] is not None and payment["amount"]:
            investor = str(payment["investor"])
            totals[investor] = totals.get(investor, 0) + int(payment["amount"])
    return totals


def clean_evidence(text: object, links: object) -> tuple[str, list[str]]:
    if not isinstance(text, str) or not text.strip():
        raise InvalidReport("Describe the evidence of the benefit", field="evidence")
    if has_control_characters(text):
        raise InvalidReport("Remove the control characters from the evidence",
                            field="evidence")
    text = text.strip()
    if len(text) > MAX_EVIDENCE:
        raise InvalidReport(f"The evidence is at most {MAX_EVIDENCE} characters",
                            field="evidence")
    if links is None:
        links = []
    if not isinstance(links, list) or len(links) > MAX_LINKS:
        raise InvalidReport(f"Give at most {MAX_LINKS} evidence links as a list",
                            field="links")
    cleaned = []
    for link in links:
        if not isinstance(link, str) or not link.startswith(("https://", "http://")) or (
                len(link) > 500 or any(c.isspace() for c in link)
                or has_control_characters(link)):
            raise InvalidReport("Each evidence link is an http(s) address", field="links")
        cleaned.append(link)
    return text, cleaned


class BenefitReport(CivicAggregate):
    """A realised benefit of a pilot over a period, approved or rejected by a different
    officer of the pilot's city (four eyes)."""

    @event("Reported")
    def __init__(self, project_id: UUID, city_id: UUID, reporter_id: UUID, period_start: str,
                 period_end: str, amount: int, currency: str, category: str, evidence: str,
                 links: list[str]):
        self.project_id = project_id
        self.city_id = city_id
        self.reporter_id = reporter_id
        self.period_start = date.fromisoformat(period_start)
        self.period_end = date.fromisoformat(period_end)
        self.amount = amount
        self.currency = currency
        self.category = category
        self.evidence = evidence
        self.links = list(links)
        self.status = PENDING
        self.decided_by: UUID | None = None
        self.reason = ""

    @classmethod
    def report(cls, *, project_id: UUID, city_id: UUID, reporter_id: UUID, currency: str,
               period_start: object, period_end: object, amount: object, category: object,
               evidence: object, links: object = None) -> BenefitReport:
        if not isinstance(period_start, date) or not isinstance(period_end, date):
            raise InvalidReport("Give the period's start and end as ISO dates (YYYY-MM-DD)")
        if period_end < period_start:
            raise InvalidReport("The period ends before it starts", field="period_end")
        if not isinstance(amount, Money):
            raise InvalidDistribution("Give the amount as a decimal string")
        if amount.currency != currency:
            raise CurrencyMismatch(f"This pilot's benefits are in {currency}, not "
                                   f"{amount.currency}", field="currency")
        if not amount.is_positive():
            raise InvalidDistribution("A benefit report's amount is more than zero")
        if amount.minor > MAX_BENEFIT_MAJOR * 10 ** amount.exponent:
            raise InvalidDistribution("That amount is larger than any benefit the platform "
                                      "takes")
        if not isinstance(category, str) or not category.strip() or (
                len(category.strip()) > MAX_CATEGORY or has_control_characters(category)):
            raise InvalidReport(f"Name the benefit's category (at most {MAX_CATEGORY} "
                                "characters)", field="category")
        text, cleaned = clean_evidence(evidence, links)
        return cls(project_id=project_id, city_id=city_id, reporter_id=reporter_id,
                   period_start=period_start.isoformat(), period_end=period_end.isoformat(),
                   amount=amount.minor,
                   currency=currency, category=category.strip(), evidence=text,
                   links=cleaned)

    def decide(self, *, approve: bool, officer_id: UUID, reason: str = "") -> None:
        if self.status != PENDING:
            raise InvalidTransition(f"This report is already {self.status}")
        if officer_id == self.reporter_id:
            raise FourEyes("A different officer of the city approves or rejects a report: "
                           "not the one who reported it")
        if not isinstance(reason, str) or len(reason) > 500 or has_control_characters(reason):
            raise InvalidReport("The reason is at most 500 characters, without control "
                                "characters", field="reason")
        if approve:
            self._approved(officer_id=officer_id)
        else:
            self._rejected(officer_id=officer_id, reason=reason.strip())

    @event("Approved")
    def _approved(self, officer_id: UUID) -> None:
        self.status = APPROVED
        self.decided_by = officer_id

    @event("Rejected")
    def _rejected(self, officer_id: UUID, reason: str) -> None:
        self.status = REJECTED
        self.decided_by = officer_id
        self.reason = reason
