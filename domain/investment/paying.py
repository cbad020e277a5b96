"""Investment money in and out: called commitments paid in through the payments port, community
bonds issued on what was paid in, and the city's bond payments paid out to holders.

The worker runs `move_investment_money` for each offer of a funded pilot, as often as it likes:
- each commitment called to pay in and due for an attempt is charged with its payment method
  under the key `investment_key(commitment, "pay-in-<attempt>")`; the attempt is the number of
  failures recorded plus one, so a run that charged but died before recording asks again with
  the same key and gets the same answer (no second charge);
- a bond offer whose called commitments are all paid in (or given up as unpaid) is issued once
  for the capital paid in, dated the day (UTC) its offer closed: a date investors know when they
  commit, from which interest runs (lines already due by the time it is issued fall due at once);
- each schedule line due by today falls due once, and each holder's share is paid out under the
  key `investment_key(bond, "line-<n>-<investor>-payout-<attempt>")`, again never twice;
- each investor's part of an approved benefit report's distribution (every tier together) is
  paid out under the key `investment_key(agreement, "report-<id>-<investor>-payout-<attempt>")`.
  Only investors are paid out: a payout goes back to where the payee's paid-in money came from,
  and the parties have none. The city's and the proposer's shares stay on the pilot's ledger
  accounts for the city to settle; the community fund's tops up its matching fund.
Payouts and their retries follow domain/investment/payouts.py.

Every decision is taken on the offer or bond as recorded, with its events locked against other
workers where the event store can, and taken again if another worker recorded first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from domain.crowdfunding.project import COMPLETED, DELIVERING, FUNDED
from domain.investment.agreement import (
    Agreement,
    DistributionPayout,
    distribution_payout_key,
)
from domain.investment.investing import PAYMENT_METHOD, Investing
from domain.investment.issued_bond import IssuedBond, Payout, payout_key
from domain.investment.offer import BENEFIT_SHARE, COMMUNITY_BOND, PAID_IN, TO_PAY_IN, Offer
from domain.investment.payouts import PayoutState
from domain.kernel.errors import ConcurrentChange, NotFound, NotPermitted, PaymentDeclined
from domain.kernel.money import Money
from domain.kernel.payments import investment_key

ISSUING_STATUSES = (FUNDED, DELIVERING, COMPLETED)
# Pay-ins and payouts decided (and recorded) together: one save for many payments. A round that
# dies part-way leaves the rest to the next round, which asks again under the same keys.
BATCH = 100


@dataclass
class MoneyReport:
    offer_id: UUID
    paid_in: int = 0
    pay_in_failed: int = 0
    issued: bool = False
    lines_due: list[int] = field(default_factory=list)
    paid_out: int = 0
    payout_failed: int = 0

    @property
    def acted(self) -> bool:
        return bool(self.paid_in or self.pay_in_failed or self.issued or self.lines_due
                    or self.paid_out or self.payout_failed)


class Paying(Investing):
    def get_issued_bond(self, offer_id: UUID) -> IssuedBond:
        return self._get(IssuedBond, IssuedBond.create_id(offer_id), "issued bond")

    def move_investment_money(self, offer_id: UUID) -> MoneyReport:
        """One round for one offer (see the module's rules). Safe to run again at any point."""
        report = MoneyReport(offer_id)
        offer = self.get_offer(offer_id)
        now = self.clock.now()
        due = [c.id for c in offer.commitments.values() if c.pay_in_due(now)]
        for start in range(0, len(due), BATCH):
            for paid in self._pay_in(offer_id, due[start:start + BATCH]):
                if paid is True:
                    report.paid_in += 1
                elif paid is False:
                    report.pay_in_failed += 1
        if offer.kind == COMMUNITY_BOND:
            self._bond_round(offer_id, report)
        elif offer.kind == BENEFIT_SHARE:
            self._distribution_round(offer, report)
        return report

    # -- paying in -------------------------------------------------------------------------

    def change_investment_card(self, offer_id: UUID, commitment_id: UUID, *,
                               payment_method: str) -> bool:
        """The investor whose pay-in failed gives another card; it is charged at once.
        Returns whether the pay-in went through."""
        investor = self._investor()
        if self.get_offer(offer_id).commitment(commitment_id).investor_id != investor:
            raise NotPermitted("Only the investor who made a commitment can change its card")
        if not isinstance(payment_method, str) or not PAYMENT_METHOD.match(payment_method):
            raise PaymentDeclined("Choose a payment method")
        self._decide_on(lambda: self.get_offer(offer_id),
                        lambda o: o.change_payment_method(commitment_id,
                                                          payment_method=payment_method))
        return bool(self._pay_in(offer_id, [commitment_id])[0])

    def _pay_in(self, offer_id: UUID, commitment_ids: list[UUID]) -> list[bool | None]:
        """Charge these commitments, each if it is still due; True paid, False failed, None
        recorded meanwhile by another worker."""

        def change(offer: Offer) -> list[bool | None]:
            now = self.clock.now()
            return [self._charge_pay_in(offer, commitment_id, now)
                    for commitment_id in commitment_ids]

        return self._decide_on(lambda: self.get_offer(offer_id), change)

    def _charge_pay_in(self, offer: Offer, commitment_id: UUID, now: datetime) -> bool | None:
        c = offer.commitment(commitment_id)
        if not c.pay_in_due(now):
            return None
        result = self.payments.collect(
            payer_id=c.investor_id, amount=offer.money(c.amount),
            payment_method=c.payment_method,
            idempotency_key=investment_key(commitment_id, f"pay-in-{c.attempts + 1}"),
        )
        if result.succeeded:
            offer.paid_in(commitment_id, reference=result.reference or "", today=now.date())
        else:
            offer.pay_in_failed(commitment_id, outcome=result.outcome, message=result.message,
                                now=now)
        return result.succeeded

    # -- the bond ---------------------------------------------------------------------------

    def _bond_round(self, offer_id: UUID, report: MoneyReport) -> None:
        try:
            self.get_issued_bond(offer_id)
        except NotFound:
            if not self._issue(self.get_offer(offer_id)):
                return
            report.issued = True
        now = self.clock.now()
        if self.get_issued_bond(offer_id).lines_due(now.date()):
            report.lines_due += self._decide_on(lambda: self.get_issued_bond(offer_id),
                                                lambda bond: bond.fall_due(now.date()))
        offer = self.get_offer(offer_id)
        due = self.get_issued_bond(offer_id).payouts_due(now)
        for start in range(0, len(due), BATCH):
            for paid in self._pay_out(offer, due[start:start + BATCH]):
                if paid is True:
                    report.paid_out += 1
                elif paid is False:
                    report.payout_failed += 1

    def _issue(self, offer: Offer) -> bool:
        project = self.get_project(offer.project_id)
        states = [c.state for c in offer.commitments.values()]
        if project.status not in ISSUING_STATUSES or TO_PAY_IN in states or (
                PAID_IN not in states):
            return False
        bond = IssuedBond.issue(offer_id=offer.id, project_id=offer.project_id,
                                city_id=offer.city_id, currency=offer.currency,
                                issued_on=offer.closes_at.astimezone(UTC).date(),
                                terms=offer.terms,
                                holdings=offer.paid_in_by())
        try:
            self._save_or_conflict(bond)
        except ConcurrentChange:
            return False  # issued by another worker meanwhile
        return True

    def _pay_out(self, offer: Offer, payouts: list[Payout]) -> list[bool | None]:
        references = _paid_in_references(offer)

        def change(bond: IssuedBond) -> list[bool | None]:
            now = self.clock.now()
            return [self._send_payout(
                bond.payouts[payout_key(p.line, p.investor)], payee=p.investor,
                amount=Money(p.amount, bond.currency),
                key=investment_key(bond.id, f"line-{p.line}-{p.investor}"),
                paid_in_reference=references.get(p.investor, ""), now=now,
                paid=lambda found, reference: bond.paid_out(found, reference=reference,
                                                            today=now.date()),
                failed=lambda found, message: bond.payout_failed(found, message=message,
                                                                 now=now))
                for p in payouts]

        return self._decide_on(lambda: self.get_issued_bond(offer.id), change)

    # -- distributions of benefit-sharing agreements ------------------------------------------

    def _distribution_round(self, offer: Offer, report: MoneyReport) -> None:
        agreement_id = Agreement.create_id(offer.project_id)
        try:
            due = self._get(Agreement, agreement_id, "agreement").payouts_due(self.clock.now())
        except NotFound:
            return
        references = _paid_in_references(self.get_offer(offer.id))  # as paid in this round
        for start in range(0, len(due), BATCH):
            batch = due[start:start + BATCH]

            def change(agreement: Agreement, batch: list[DistributionPayout] = batch
                       ) -> list[bool | None]:
                now = self.clock.now()
                return [self._send_payout(
                    agreement.payouts[distribution_payout_key(p.report_id, p.investor)],
                    payee=p.investor,
                    amount=Money(p.amount, agreement.currency),
                    key=investment_key(agreement.id, f"report-{p.report_id}-{p.investor}"),
                    paid_in_reference=references.get(p.investor, ""), now=now,
                    paid=lambda found, reference: agreement.paid_out(
                        found, reference=reference, today=now.date()),
                    failed=lambda found, message: agreement.payout_failed(
                        found, message=message, now=now))
                    for p in batch]

            for paid in self._decide_on(
                    lambda: self._get(Agreement, agreement_id, "agreement"), change):
                if paid is True:
                    report.paid_out += 1
                elif paid is False:
                    report.payout_failed += 1

    # -- paying out ---------------------------------------------------------------------------

    def _send_payout(self, found: PayoutState, *, payee: str, amount: Money, key: str,
                     paid_in_reference: str, now: datetime,
                     paid: Callable[[Any, str], None],
                     failed: Callable[[Any, str], None]) -> bool | None:
        """Pay `found` out if it is due (True paid, False refused, None not due: recorded
        meanwhile by another worker, or its retry not yet due)."""
        if not found.due(now):
            return None
        result = self.payments.pay_out(payee_id=UUID(payee), paid_in_reference=paid_in_reference,
                                       amount=amount, idempotency_key=found.attempt_key(key))
        if result.succeeded:
            paid(found, result.reference or "")
        else:
            failed(found, result.message or "The payout was refused")
        return result.succeeded


def _paid_in_references(offer: Offer) -> dict[str, str]:
    """Each investor's first paid-in reference: where their payouts go back to."""
    references: dict[str, str] = {}
    for c in offer.commitments.values():
        if c.state == PAID_IN:
            references.setdefault(str(c.investor_id), c.reference or "")
    return references
