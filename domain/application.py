"""The civicfund application: every use case, recorded in one ordered event log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.accounts.account import Account, InvalidCase
from domain.accounts.erasing import Erasing
from domain.cities.city import City
from domain.conversation.use_cases import ConversationTexts, Conversing, TextsInMemory
from domain.crowdfunding.measuring import Measuring
from domain.crowdfunding.pledging import Pledging
from domain.crowdfunding.project import BudgetLine, Project
from domain.crowdfunding.settlement import LogPledgeIndex, PledgeIndex
from domain.crowdfunding.settling import Settling
from domain.investment.paying import Paying
from domain.investment.sharing import Sharing
from domain.kernel.clock import Clock, SystemClock
from domain.kernel.errors import (
    CityAlreadyExists,
    NotFound,
)
from domain.kernel.money import Money
from domain.kernel.payments import PaymentGateway
from domain.matching.use_cases import Matching
from domain.pictures.use_cases import Picturing
from domain.procurement.co_funding import CoFunding
from domain.procurement.use_cases import Procurement
from domain.topics import register_moved_topics
from domain.transcodings import TRANSCODINGS

# Events recorded before the modules moved into packages read back as their classes.
register_moved_topics()

# Campaigns closing sooner than this get a card hold at pledge time; longer ones save the card.
DEFAULT_HOLD_MAX_DAYS = 6


class Civicfund(Erasing, Pledging, Settling, Measuring, Matching, CoFunding, Procurement,
                 Paying, Sharing, Conversing, Picturing):
    """Every use case, recorded in one ordered log. Each area's use cases are a class of their
    own (crowdfunding's pledging, settling and delivering, matching, erasing); what they share
    (loading, permissions, conditional saves) is CivicfundCore (domain/core.py). Adding cities
    and accounts is here."""

    name = "civicfund"

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        payments: PaymentGateway,
        clock: Clock | None = None,
        hold_max_days: int = DEFAULT_HOLD_MAX_DAYS,
        pledge_index: PledgeIndex | None = None,
        conversation_texts: ConversationTexts | None = None,
    ) -> None:
        super().__init__(env)
        self.payments = payments
        self.clock = clock or SystemClock()
        self.hold_max_days = hold_max_days
        self._pledge_projects: dict[UUID, Project] = {}
        self._pledge_cities: dict[UUID, City] = {}
        self._init_matching()
        self.pledge_index: PledgeIndex = pledge_index or LogPledgeIndex(self)
        self.conversation_texts = conversation_texts or TextsInMemory()

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in TRANSCODINGS:
            transcoder.register(transcoding)

    # -- cities and accounts ---------------------------------------------------------------

    def add_city(self, name: str, *, currency: str, country: str, timezone: str) -> UUID:
        self._require_admin()
        city = City.add(name=name, country=country, currency=currency, timezone=timezone)
        try:
            self.save(city)
        except IntegrityError:
            raise CityAlreadyExists(f"A city called {city.name} already exists") from None
        return city.id

    def register_account(
        self, role: str, city_id: UUID | None = None, *, account_id: UUID | None = None
    ) -> UUID:
        """Record a new account; `account_id` when the caller has already claimed one."""
        if city_id is not None:
            self.get_city(city_id)
        account = Account.register(role=role, city_id=city_id, account_id=account_id)
        self.save(account)
        return account.id

    def change_account_role(self, account_id: UUID, role: str, city_id: UUID | None) -> None:
        self._require_admin()
        if city_id is not None:
            self.get_city(city_id)
        account = self.get_account(account_id)
        account.change_role(role, city_id)
        self.save(account)

    def grant_case(self, auditor_id: UUID, subject_id: UUID, reason: str,
                   expires_at: datetime) -> None:
        """An administrator opens an auditor's case on one account (see Account.grant_case)."""
        self._require_admin()
        subject = self.get_account(subject_id)
        if subject.erased:
            raise InvalidCase("That account is erased: there is nothing left to see",
                              field="subject")
        auditor = self.get_account(auditor_id)
        auditor.grant_case(subject_id, reason, expires_at, self.clock.now())
        self.save(auditor)

    def cases_of(self, auditor_id: UUID) -> set[UUID]:
        """The accounts an auditor may see unmasked now."""
        try:
            return self.get_account(auditor_id).cases_open(self.clock.now())
        except NotFound:
            return set()

    # -- projects --------------------------------------------------------------------------

    def draft_project(
        self,
        *,
        city_id: UUID,
        area: str,
        theme: str,
        title: str,
        summary: str,
        proposer: str,
        budget_lines: list[BudgetLine],
        funding_model: str,
        opens_at: datetime,
        closes_at: datetime,
        currency: str | None = None,
    ) -> UUID:
        city = self._city_managed_by_actor(city_id)
        project = Project.draft(
            city_id=city.id,
            city_currency=city.currency,
            currency=currency or city.currency,
            area=area,
            theme=theme,
            title=title,
            summary=summary,
            proposer=proposer,
            budget_lines=budget_lines,
            funding_model=funding_model,
            opens_at=opens_at,
            closes_at=closes_at,
            now=self.clock.now(),
        )
        self.save(project)
        return project.id

    def open_campaign(self, project_id: UUID) -> None:
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        project.open_campaign(self.clock.now())
        self.save(project)

    def suggest_amounts(self, project_id: UUID, amounts: list[Money]) -> None:
        """An officer of the pilot's city sets the amounts its pledge form offers."""
        project = self.get_project(project_id)
        self._require_officer_of(project.city_id)
        project.suggest_amounts(amounts)
        self.save(project)
