"""Investment offers' use cases: officers add offers to their city's pilots, accounts pass the
appropriateness check once, and investors commit to and withdraw from offers; the commitments
count in the pilot's funding decision and follow its outcome.

The rules:
- Only officers of the pilot's city add an offer, in the pilot's currency, while the pilot is a
  draft or its campaign is open (not closing).
- Only an account that passed the appropriateness check commits (citizens and the `investor`
  role alike), while the offer's window is open and the pilot's campaign is open and not
  closing (a commitment is saved on condition that the pilot is unchanged, so it cannot slip in
  after closing started).
- An offer is never over-subscribed: a commitment is decided on the offer as recorded, with the
  offer's events locked against other processes where the event store can (`exclusive`) and a
  version check otherwise; a decision that lost a race is taken again on the newer version.
- At the decision, an offer's commitments count (`invested`) only if the offer reached its
  minimum. Funded and minimum reached: every held commitment is called to pay in (`to_pay_in`;
  the worker then charges it: domain/investment/paying.py). Otherwise (unfunded, cancelled,
  minimum not reached): every commitment is released.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.crowdfunding.funding_partners import FundingPartners
from domain.crowdfunding.project import DRAFT, FUNDED, OPEN, Project
from domain.investment.errors import InvalidTerms
from domain.investment.offer import (
    Appropriateness,
    InvalidOffer,
    NotAppropriate,
    Offer,
    OfferBook,
)
from domain.kernel.context import current_actor
from domain.kernel.errors import (
    ConcurrentChange,
    InvalidTransition,
    NotPermitted,
    PaymentDeclined,
)
from domain.kernel.money import Money
from domain.matching.fund import MatchingFund

T = TypeVar("T")
INVESTING_ROLES = ("citizen", "investor")
PAYMENT_METHOD = re.compile(r"^[A-Za-z0-9_]{1,80}$")


class Investing(FundingPartners):
    """Investment offers' use cases, and the investment part of what crowdfunding asks of its
    funding partners."""

    # -- reading ---------------------------------------------------------------------------

    def get_offer(self, offer_id: UUID) -> Offer:
        return self._get(Offer, offer_id, "offer")

    def offers_of(self, project_id: UUID) -> list[Offer]:
        try:
            book = self.repository.get(OfferBook.create_id(project_id))
        except AggregateNotFoundError:  # no book: the pilot has no offers
            return []
        return [self.get_offer(i) for i in book.offers]

    def has_passed_appropriateness(self, account_id: UUID) -> bool:
        try:
            self.repository.get(Appropriateness.create_id(account_id))
        except AggregateNotFoundError:  # not recorded: not passed
            return False
        return True

    def invested_on(self, project: Project) -> Money:
        """What investors hold for the pilot in offers that reached their minimum."""
        minor = sum(o.held() for o in self.offers_of(project.id) if o.reached_minimum)
        return Money(minor, project.currency)

    # -- the officers' command -------------------------------------------------------------

    def add_offer(self, project_id: UUID, *, kind: object, currency: object, target: Money,
                  minimum: Money, maximum: Money, min_ticket: Money, opens_at: datetime,
                  closes_at: datetime, terms: object) -> UUID:
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        if project.status not in (DRAFT, OPEN) or project.closing:
            raise InvalidTransition("An offer is added to a pilot before or during its "
                                    f"campaign; this one is {project.status}")
        if currency != project.currency:
            raise InvalidOffer(f"An offer raises the pilot's currency, {project.currency}",
                               field="currency")
        offer = Offer.add(project_id=project.id, city_id=project.city_id,
                          currency=project.currency, kind=kind, target=target, minimum=minimum,
                          maximum=maximum, min_ticket=min_ticket, opens_at=opens_at,
                          closes_at=closes_at, terms=terms)
        self._check_community_fund(offer)
        if offer.closes_at > project.closes_at:
            raise InvalidOffer("The offer closes at the latest when the pilot's campaign "
                               "closes", field="closes_at")
        try:
            book = self.repository.get(OfferBook.create_id(project.id))
        except AggregateNotFoundError:  # the pilot's first offer
            book = OfferBook(project_id=project.id)
        book.add(offer.id)
        self._save_or_conflict(offer, book, **self._checks({project.id: project.version}))
        return offer.id

    def _check_community_fund(self, offer: Offer) -> None:
        """A benefit share's community fund, if named, is an open matching fund in the offer's
        currency: its share of each distribution tops that fund up."""
        fund_id = offer.terms.get("agreement", {}).get("community_fund_id")
        if fund_id is None:
            return
        try:
            fund = self.repository.get(UUID(fund_id))
        except AggregateNotFoundError:
            fund = None
        if not isinstance(fund, MatchingFund) or not fund.takes_benefits(offer.currency):
            raise InvalidTerms("The community fund is an open matching fund in "
                               f"{offer.currency}: no such fund", field="community_fund_id")

    # -- the investors' commands -----------------------------------------------------------

    def _investor(self) -> UUID:
        actor = current_actor()
        if actor.role not in INVESTING_ROLES:
            raise NotPermitted("Only a citizen or investor account can invest")
        return UUID(actor.account_id)

    def pass_appropriateness(self, *, answers: object, risk_warning_accepted: object) -> bool:
        """Record the acting account's passed check; returns False (nothing recorded) if it was
        already recorded."""
        account_id = self._investor()
        check = Appropriateness.pass_check(account_id, answers, risk_warning_accepted)
        if self.has_passed_appropriateness(account_id):
            return False
        try:
            self._save_or_conflict(check)
        except ConcurrentChange:
            return False  # recorded meanwhile by the same account
        return True

    def commit_to_offer(self, offer_id: UUID, *, amount: Money, payment_method: str) -> UUID:
        investor = self._investor()
        offer = self.get_offer(offer_id)
        if not self.has_passed_appropriateness(investor):
            raise NotAppropriate("Pass the appropriateness check (the risk warning and the "
                                 "short quiz) before investing")
        if not isinstance(payment_method, str) or not PAYMENT_METHOD.match(payment_method):
            raise PaymentDeclined("Choose a payment method")
        now = self.clock.now()
        return self._change_offer(
            offer.id,
            lambda o: o.commit(investor_id=investor, amount=amount,
                               payment_method=payment_method, now=now),
            project_id=offer.project_id,
        )

    def withdraw_investment(self, offer_id: UUID, commitment_id: UUID) -> None:
        investor = self._investor()
        offer = self.get_offer(offer_id)
        if offer.commitment(commitment_id).investor_id != investor:
            raise NotPermitted("Only the investor who made a commitment can withdraw it")
        now = self.clock.now()
        self._change_offer(offer.id, lambda o: o.withdraw(commitment_id, now=now),
                           project_id=offer.project_id)

    # -- following the pilot's outcome -----------------------------------------------------

    def _settle_investments(self, project: Project) -> None:
        funded = project.status == FUNDED

        def follow(o: Offer) -> None:
            proceed = funded and o.reached_minimum
            why = (f"the project was {project.status}" if not funded
                   else "the offer did not reach its minimum")
            for c in list(o.commitments.values()):
                if proceed:
                    o.call_to_pay_in(c.id)
                else:
                    o.release(c.id, why=why)

        for offer in self.offers_of(project.id):
            if offer.commitments:
                self._change_offer(offer.id, follow)

    # -- the machinery ---------------------------------------------------------------------

    def _project_takes_investment(self, project_id: UUID) -> Project:
        project = self.get_project(project_id)
        if project.status != OPEN or project.closing or self.clock.now() >= project.closes_at:
            raise InvalidTransition(
                "Commitments change only while the pilot's campaign is open; this one is "
                + ("closing" if project.status == OPEN else project.status)
            )
        return project

    def _change_offer(self, offer_id: UUID, change: Callable[[Offer], T], *,
                      project_id: UUID | None = None) -> T:
        """Decide on the offer as recorded and save the outcome (on condition that the pilot,
        if any, is unchanged); decide again if another process changed either."""
        return self._decide_on(
            lambda: self.get_offer(offer_id), change,
            unchanged=None if project_id is None else (
                lambda: self._project_takes_investment(project_id)
            ),
        )

