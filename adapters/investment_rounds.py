"""The worker's investment money round: for every offer of a funded pilot, pay in what is called,
issue bonds, record schedule lines falling due and pay them out, and pay out what investors are
owed from benefit distributions (domain/investment/paying.py)."""

from __future__ import annotations

import logging
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.follower import ProjectionFollower
from domain.application import Civicfund
from domain.investment.offer import COMMUNITY_BOND, TO_PAY_IN
from domain.investment.paying import ISSUING_STATUSES, MoneyReport
from domain.investment.payouts import PAID
from domain.kernel.context import SYSTEM, acting_as, new_correlation_id
from domain.kernel.errors import DomainError

log = logging.getLogger(__name__)


def funded_offers(engine: sa.Engine) -> list[UUID]:
    """Offers of funded pilots whose money may move, oldest first: community bonds (their
    schedule runs for years), offers with a commitment still to pay in, and benefit shares with
    a distribution not yet paid out."""
    o, p, c = t.offers.c, t.projects.c, t.investment_commitments.c
    d = t.distribution_payouts.c
    to_pay_in = sa.exists().where(c.offer_id == o.id, c.state == TO_PAY_IN)
    to_pay_out = sa.exists().where(d.offer_id == o.id, d.state != PAID)
    with engine.connect() as conn:
        return list(conn.execute(
            sa.select(o.id).join(t.projects, p.id == o.project_id)
            .where(p.status.in_(ISSUING_STATUSES),
                   (o.kind == COMMUNITY_BOND) | to_pay_in | to_pay_out)
            .order_by(o.added_at, o.id)
        ).scalars())


def move_investment_money(app: Civicfund, engine: sa.Engine,
                          projections: ProjectionFollower) -> list[MoneyReport]:
    """One round over every funded offer. An offer whose money could not move (the processor
    down, a request it refused) is logged and left for the next round, which asks again with
    the same keys; the other offers go on."""
    projections.catch_up()
    reports = []
    for offer_id in funded_offers(engine):
        with acting_as(SYSTEM, new_correlation_id("investment-money")):
            try:
                reports.append(app.move_investment_money(offer_id))
            except DomainError as error:
                log.warning("could not move the money of offer %s: %s", offer_id, error.message)
            except Exception:  # the next round retries it; the other offers go on
                log.exception("could not move the money of offer %s; retrying next round",
                              offer_id)
    if reports:
        projections.catch_up()
    return reports


def describe(report: MoneyReport) -> str:
    words = [f"offer {report.offer_id}:"]
    for label in ("paid_in", "pay_in_failed", "paid_out", "payout_failed"):
        if getattr(report, label):
            words.append(f"{getattr(report, label)} {label.replace('_', ' ')}")
    if report.issued:
        words.append("bond issued")
    if report.lines_due:
        words.append("lines due " + ", ".join(map(str, report.lines_due)))
    return " ".join(words)
