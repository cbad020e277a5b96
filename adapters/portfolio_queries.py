"""An investor's portfolio: per holding (an offer they hold commitments in) what they committed,
paid in and received, the capital outstanding, the multiple, XIRR and performance, every cash
flow, the next payments due and what went wrong (a failed pay-in, bond payout or distribution
payout, with when it is tried again)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.investment_returns import multiple, xirr
from adapters.portfolio_models import CAPITAL, DISTRIBUTION, INTEREST, PAID_IN
from domain.investment.bonds import BondConditions, HolderPayment, schedule, split_schedule
from domain.investment.offer import BENEFIT_SHARE, COMMUNITY_BOND, UNPAID
from domain.investment.projection import expected_to_date, projected_annual
from domain.investment.waterfall import RETURN_OF_CAPITAL, AgreementTerms
from domain.kernel.money import Money

HOLDING_STATES = ("committed", "to_pay_in", "paid_in", UNPAID)
PERFORMANCE_PLACES = Decimal("0.0001")
NEXT_PAYMENTS = 3


@dataclass(frozen=True)
class CashFlow:
    on: date
    amount: Money  # signed: paid in is negative
    kind: str  # paid_in, interest, capital, distribution
    reason: str
    position: int
    tier: int | None = None  # a distribution's waterfall tier


@dataclass(frozen=True)
class NextPayment:
    line: int
    due_date: date
    interest: Money
    capital: Money

    @property
    def total(self) -> Money:
        return self.interest + self.capital


@dataclass
class Holding:
    offer_id: UUID
    project_id: UUID
    project_title: str
    kind: str
    currency: str
    committed: Money
    paid_in: Money
    received: Money
    outstanding: Money
    multiple: Decimal | None
    xirr: Decimal | None
    performance: Decimal | None  # received to date / expected to date
    expected: Money | None  # expected to date by the schedule or the projected benefits
    cash_flows: list[CashFlow]
    next_payments: list[NextPayment] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def received_as(self, kind: str) -> Money:
        return Money(sum(f.amount.minor for f in self.cash_flows if f.kind == kind),
                     self.currency)


def _ratio(numerator: Money, denominator: Money) -> Decimal | None:
    if denominator.minor <= 0:
        return None
    return (Decimal(numerator.minor) / Decimal(denominator.minor)).quantize(
        PERFORMANCE_PLACES, rounding=ROUND_HALF_EVEN)


def holder_shares(bond: Any, investor_id: UUID) -> list[HolderPayment]:
    """This investor's share of every line of an issued bond (rm_issued_bonds row)."""
    holdings = {str(k): Money(int(v), bond.currency) for k, v in bond.holdings}
    if str(investor_id) not in holdings:
        return []
    principal = Money(sum(h.minor for h in holdings.values()), bond.currency)
    lines = schedule(BondConditions.parse(bond.terms).issue(principal, bond.issue_date))
    return [shares[str(investor_id)] for shares in split_schedule(lines, holdings)]


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "soon"
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.strftime("%d %b %Y %H:%M UTC")


class PortfolioQueries:
    """Mixed into ReadModelQueries."""

    _all: Callable[..., list[Any]]

    def portfolio(self, investor_id: UUID, today: date) -> list[Holding]:
        c, o, p = t.investment_commitments.c, t.offers.c, t.projects.c
        commitments = self._all(
            sa.select(c.offer_id, c.amount, c.state, c.failure, c.attempts, c.retry_at,
                      o.kind, o.currency, o.project_id, o.terms, p.title)
            .join(t.offers, o.id == c.offer_id).join(t.projects, p.id == o.project_id)
            .where(c.investor_id == investor_id, c.state.in_(HOLDING_STATES))
            .order_by(c.committed_at, c.id))
        if not commitments:
            return []
        f = t.investment_cash_flows.c
        flows: dict[UUID, list[CashFlow]] = {}
        for r in self._all(sa.select(t.investment_cash_flows).where(f.investor_id == investor_id)
                           .order_by(f.on, f.position, f.seq)):
            flows.setdefault(r.offer_id, []).append(CashFlow(
                r.on, Money(int(r.amount), r.currency), r.kind, r.reason, int(r.position),
                r.tier))
        offer_ids = list(dict.fromkeys(r.offer_id for r in commitments))
        bonds = {r.offer_id: r for r in self._all(
            sa.select(t.issued_bonds).where(t.issued_bonds.c.offer_id.in_(offer_ids)))}
        b = t.bond_payouts.c
        failed_payouts = self._all(
            sa.select(t.bond_payouts).where(b.investor_id == investor_id, b.state == "failed",
                                            b.offer_id.in_(offer_ids)).order_by(b.line))
        d = t.distribution_payouts.c
        failed_distributions = self._all(
            sa.select(t.distribution_payouts).where(
                d.investor_id == investor_id, d.state == "failed", d.offer_id.in_(offer_ids))
            .order_by(d.distributed_on, d.report_id))
        holdings = []
        for offer_id in offer_ids:
            mine = [r for r in commitments if r.offer_id == offer_id]
            first = mine[0]
            currency = first.currency
            held = [r for r in mine if r.state != UNPAID]
            cash = flows.get(offer_id, [])
            paid_in = Money(-sum(x.amount.minor for x in cash if x.kind == PAID_IN), currency)
            received = Money(sum(x.amount.minor for x in cash if x.kind != PAID_IN), currency)
            returned = sum(x.amount.minor for x in cash if x.kind == CAPITAL) + sum(
                x.amount.minor for x in cash
                if x.kind == DISTRIBUTION and x.tier == RETURN_OF_CAPITAL)
            holding = Holding(
                offer_id=offer_id, project_id=first.project_id, project_title=first.title,
                kind=first.kind, currency=currency,
                committed=Money(sum(int(r.amount) for r in held), currency), paid_in=paid_in,
                received=received, outstanding=Money(paid_in.minor - returned, currency),
                multiple=multiple(received, paid_in),
                xirr=xirr([(x.on, x.amount) for x in cash]), performance=None, expected=None,
                cash_flows=cash)
            bond = bonds.get(offer_id)
            if first.kind == COMMUNITY_BOND and bond is not None:
                shares = holder_shares(bond, investor_id)
                expected = Money(sum(s.total.minor for s in shares if s.due_date <= today),
                                 currency)
                holding.expected = expected
                bond_received = Money(sum(x.amount.minor for x in cash
                                          if x.kind in (INTEREST, CAPITAL)), currency)
                holding.performance = _ratio(bond_received, expected)
                holding.next_payments = [NextPayment(s.line, s.due_date, s.interest, s.capital)
                                         for s in shares if s.due_date > today][:NEXT_PAYMENTS]
            if first.kind == BENEFIT_SHARE:
                expected = self._share_expected(first, investor_id, today)
                if expected is not None:
                    holding.expected = expected
                    holding.performance = _ratio(Money(sum(
                        x.amount.minor for x in cash if x.kind == DISTRIBUTION), currency),
                        expected)
            for r in mine:
                if r.state == "to_pay_in" and r.failure:
                    holding.problems.append(
                        f"Paying in {Money(int(r.amount), currency).display()} failed: "
                        f"{r.failure} It is tried again after {_when(r.retry_at)}.")
                elif r.state == UNPAID:
                    holding.problems.append(
                        f"Your commitment of {Money(int(r.amount), currency).display()} was "
                        f"not paid in after {r.attempts} attempts ({r.failure}): you owe "
                        "nothing and hold nothing from it.")
            for r in failed_payouts:
                if r.offer_id == offer_id:
                    amount = Money(int(r.interest) + int(r.capital), r.currency)
                    holding.problems.append(
                        f"The payment of {amount.display()} for schedule line {r.line} (due "
                        f"{r.due_date.isoformat()}) failed: {r.failure} It is owed to you and "
                        f"tried again after {_when(r.retry_at)}.")
            for r in failed_distributions:
                if r.offer_id == offer_id:
                    holding.problems.append(
                        f"The distribution of {Money(int(r.amount), r.currency).display()} "
                        f"from benefit report {r.report_id} (approved "
                        f"{r.distributed_on.isoformat()}) failed: {r.failure} It is owed to "
                        f"you and tried again after {_when(r.retry_at)}.")
            holdings.append(holding)
        return holdings


    def _share_expected(self, holding: Any, investor_id: UUID, today: date) -> Money | None:
        """Expected to date by the offer's projected benefits, from the day the agreement took
        effect (or the first approved report's period start, if earlier); None without a
        projection, an agreement in effect or anything expected yet."""
        annual = projected_annual(holding.terms.get("agreement", {}), holding.currency)
        if annual is None:
            return None
        v = t.agreement_versions.c
        version = self._all(
            sa.select(v.terms, v.effective_on)
            .where(v.project_id == holding.project_id, v.effective_on.is_not(None))
            .order_by(v.number.desc()).limit(1))
        if not version:
            return None
        # Benefit reports of periods before the agreement took effect are distributed too: the
        # projection covers them as well, so that received and expected span the same days.
        r = t.benefit_reports.c
        first_period = self._all(sa.select(sa.func.min(r.period_start)).where(
            r.project_id == holding.project_id, r.status == "approved"))[0][0]
        since = version[0].effective_on
        if first_period is not None and first_period < since:
            since = first_period
        c = t.investment_commitments.c
        paid_in: dict[str, Money] = {}
        for r in self._all(sa.select(c.investor_id, c.amount)
                           .where(c.offer_id == holding.offer_id,
                                  c.state.in_(("to_pay_in", "paid_in")))
                           .order_by(c.committed_at, c.id)):
            paid_in[str(r.investor_id)] = paid_in.get(
                str(r.investor_id), Money.zero(holding.currency)) + Money(int(r.amount),
                                                                           holding.currency)
        expected = expected_to_date(AgreementTerms.parse(version[0].terms), paid_in,
                                    str(investor_id), annual, since, today)
        return expected if expected.is_positive() else None
