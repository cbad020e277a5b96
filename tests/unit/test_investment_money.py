"""Investment money on the in-memory application with a fixed clock: called commitments paid in
through the payments port (failures recorded, retried, never charged twice), a community bond
issued on what was paid in, its lines falling due over the years, shared exactly among holders
and paid out (a refused payout recorded, retried and never lost), and the ledger's postings."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import date, timedelta

from adapters.sandbox_payments import SandboxGateway
from domain.investment.bonds import add_months
from domain.investment.offer import MAX_PAY_IN_ATTEMPTS, PAID_IN, TO_PAY_IN, UNPAID
from domain.investment.payouts import FAILED, PAID
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.payments import DECLINED, ChargeResult
from tests.unit.conftest import eur
from tests.unit.test_offers import Offered


class Interrupted(Exception):
    """The process died right after the processor answered."""


class Flaky:
    """The sandbox, but declining a payer's next `declines` pay-ins, or dying once after a
    charge went through (before the platform could record it)."""

    def __init__(self, sandbox: SandboxGateway):
        self.sandbox = sandbox
        self.declines = 0
        self.die_after_charge = False
        self.collected: list[str] = []

    def __getattr__(self, name):
        return getattr(self.sandbox, name)

    def collect(self, **kwargs):
        self.collected.append(kwargs["idempotency_key"])
        if self.declines:
            self.declines -= 1
            return ChargeResult(outcome=DECLINED, message="Your card has insufficient funds.")
        result = self.sandbox.collect(**kwargs)
        if self.die_after_charge:
            self.die_after_charge = False
            raise Interrupted
        return result


class Funded(Offered):
    """The Porto bond (4.5 %, 5 years, half-yearly, amortising; maximum 100.00) with holders
    committing 60.00 and 40.00, and the pilot funded at its deadline."""

    def __init__(self, cards=("pm_card_visa", "pm_card_visa")):
        super().__init__()
        self.app.payments = self.flaky = Flaky(self.gateway)
        self.commitments = [self.invest_with("60.00", cards[0]),
                            self.invest_with("40.00", cards[1], role="investor")]
        offer = self.app.get_offer(self.offer)
        self.holders = [offer.commitments[c].investor_id for c in self.commitments]
        self.pledge("40.00")
        self.after_deadline()
        self.settle()

    def invest_with(self, amount, card, role="citizen"):
        investor = self.investor(role)
        with acting_as(Actor(str(investor), role), "invest"):
            return self.app.commit_to_offer(self.offer, amount=eur(amount), payment_method=card)

    def work(self):
        with acting_as(SYSTEM, "worker"):
            return self.app.move_investment_money(self.offer)

    def money_moved(self) -> list[int]:
        return sorted(c["amount"] for c in self.gateway.charges()
                      if c["reference"].startswith(("pi_sandbox", "po_sandbox"))
                      and c["pledge_id"] in {str(h) for h in self.holders})

    def issued(self):
        return date.fromisoformat(self.app.get_issued_bond(self.offer).issue_date)

    def on(self, day):
        self.clock.set(self.clock.now().replace(year=day.year, month=day.month, day=day.day))


def test_called_commitments_are_paid_in_once_and_the_bond_is_issued_on_what_was_paid():
    pilot = Funded()
    report = pilot.work()
    assert (report.paid_in, report.issued) == (2, True)
    assert [pilot.state(c) for c in pilot.commitments] == [PAID_IN, PAID_IN]
    assert pilot.money_moved() == [4000, 6000]
    assert pilot.work().acted is False  # nothing is due: nothing charged again
    assert pilot.money_moved() == [4000, 6000]
    bond = pilot.app.get_issued_bond(pilot.offer)
    # Dated the day the offer closed (START + 9 days), not the day it was paid in.
    assert bond.principal.minor == 10000 and bond.issue_date == "2026-12-05"
    books = pilot.books()
    assert books[f"offer/{pilot.offer}/paidin/{pilot.project}"] == 10000
    assert books[f"investor/{pilot.holders[0]}/paidin/EUR"] == -6000
    assert books[f"investor/{pilot.holders[0]}/due/EUR"] == 0


def test_a_failed_pay_in_is_recorded_retried_a_day_later_and_then_paid():
    pilot = Funded()
    pilot.flaky.declines = 1
    report = pilot.work()
    assert (report.paid_in, report.pay_in_failed, report.issued) == (1, 1, False)
    offer = pilot.app.get_offer(pilot.offer)
    failed = offer.commitments[pilot.commitments[0]]
    assert failed.state == TO_PAY_IN and failed.attempts == 1
    assert failed.failure == "Your card has insufficient funds."
    assert pilot.work().acted is False  # not before its retry is due
    pilot.clock.advance(days=1)
    report = pilot.work()
    assert (report.paid_in, report.issued) == (1, True)
    # Each attempt has its own key; the first attempt's key was never used twice.
    keys = Counter(pilot.flaky.collected)
    assert all(n == 1 for n in keys.values()) and len(keys) == 3
    assert pilot.money_moved() == [4000, 6000]


def test_a_charge_that_went_through_before_the_process_died_is_never_charged_twice():
    pilot = Funded()
    pilot.flaky.die_after_charge = True
    with contextlib.suppress(Interrupted):
        pilot.work()
    assert pilot.state(pilot.commitments[0]) == TO_PAY_IN  # charged, not recorded
    report = pilot.work()  # the next round asks again under the same key
    assert report.paid_in == 2
    assert pilot.money_moved() == [4000, 6000]


def test_a_commitment_never_paid_in_is_given_up_and_the_bond_issued_without_it():
    pilot = Funded(cards=("pm_card_visa", "pm_card_chargeCustomerFail"))
    for _ in range(MAX_PAY_IN_ATTEMPTS):
        pilot.work()
        pilot.clock.advance(days=1)
    offer = pilot.app.get_offer(pilot.offer)
    unpaid = offer.commitments[pilot.commitments[1]]
    assert unpaid.state == UNPAID and unpaid.attempts == MAX_PAY_IN_ATTEMPTS
    assert unpaid.failure == "Your card was declined."
    bond = pilot.app.get_issued_bond(pilot.offer)
    assert bond.holdings == [[str(pilot.holders[0]), 6000]]
    books = pilot.books()
    assert books[f"investor/{pilot.holders[1]}/due/EUR"] == 0
    assert books[f"offer/{pilot.offer}/due/{pilot.project}"] == 0


def test_bond_lines_fall_due_over_the_years_split_exactly_and_paid_once():
    pilot = Funded()
    pilot.work()
    issued = pilot.issued()
    pilot.on(add_months(issued, 6) - timedelta(days=1))
    assert pilot.work().lines_due == []  # the day before: nothing due
    pilot.on(add_months(issued, 18))  # the worker was away for a year: lines 1 to 3 at once
    report = pilot.work()
    assert report.lines_due == [1, 2, 3] and report.paid_out == 6
    bond = pilot.app.get_issued_bond(pilot.offer)
    # 100.00 at 2.25 % a half-year: interest 2.25, then 2.02 (90.00 x 2.25 % = 2.025, half-even
    # to the even cent), then 1.80; capital 10.00 a line. Holders 60 % and 40 %: 2.02 is
    # 1.212 and 0.808, floors 1.21 and 0.80, the cent left over to the larger remainder (0.808).
    paid = {(p.line, p.investor): (p.interest, p.capital, p.state)
            for p in bond.payouts.values()}
    alice, bob = (str(h) for h in pilot.holders)
    assert paid[(1, alice)] == (135, 600, PAID) and paid[(1, bob)] == (90, 400, PAID)
    assert paid[(2, alice)] == (121, 600, PAID) and paid[(2, bob)] == (81, 400, PAID)
    assert paid[(3, alice)] == (108, 600, PAID) and paid[(3, bob)] == (72, 400, PAID)
    assert pilot.work().acted is False
    pilot.on(add_months(issued, 60))
    pilot.work()
    bond = pilot.app.get_issued_bond(pilot.offer)
    capital = Counter()
    for p in bond.payouts.values():
        capital[p.investor] += p.capital
    assert capital == {alice: 6000, bob: 4000}  # everyone's capital back, to the cent
    books = pilot.books()
    received = books[f"investor/{alice}/received/EUR"] + books[f"investor/{bob}/received/EUR"]
    assert received == -books[f"city/{pilot.city}/bonds/EUR"]
    assert sum(c["amount"] for c in pilot.gateway.charges()
               if c["reference"].startswith("po_sandbox")) == -received


def test_a_refused_payout_is_recorded_retried_and_never_lost():
    pilot = Funded()
    pilot.work()
    issued = pilot.issued()
    bob = pilot.holders[1]
    pilot.gateway.refused_payees.add(bob)
    pilot.on(add_months(issued, 6))
    report = pilot.work()
    assert (report.paid_out, report.payout_failed) == (1, 1)
    bond = pilot.app.get_issued_bond(pilot.offer)
    refused = bond.payouts[f"1:{bob}"]
    assert refused.state == FAILED and refused.attempts == 1 and "refused" in refused.failure
    books = pilot.books()
    assert books[f"investor/{bob}/receivable/EUR"] == 490  # owed, not lost
    assert books[f"investor/{bob}/received/EUR"] == 0
    pilot.clock.advance(hours=12)
    assert pilot.work().acted is False  # its retry is not due yet
    pilot.gateway.refused_payees.clear()
    pilot.clock.advance(hours=12)
    assert pilot.work().paid_out == 1
    books = pilot.books()
    assert books[f"investor/{bob}/receivable/EUR"] == 0
    assert books[f"investor/{bob}/received/EUR"] == 490
    assert pilot.app.get_issued_bond(pilot.offer).payouts[f"1:{bob}"].state == PAID
