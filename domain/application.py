"""The civicfund application: every use case, recorded in one ordered event log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from domain.account import Account
from domain.city import City
from domain.clock import Clock, SystemClock
from domain.context import current_actor
from domain.delivering import Delivering
from domain.erasing import Erasing
from domain.errors import (
    CityAlreadyExists,
    InvalidCity,
    NotFound,
    NotPermitted,
)
from domain.matching import Matching
from domain.payments import PaymentGateway
from domain.pledge import Pledge
from domain.pledging import Pledging
from domain.project import BudgetLine, Project
from domain.settlement import LogPledgeIndex, PledgeIndex
from domain.settling import Settling
from domain.transcodings import TRANSCODINGS

# Campaigns closing sooner than this get a card hold at pledge time; longer ones save the card.
DEFAULT_HOLD_MAX_DAYS = 6


class Civicfund(Pledging, Settling, Delivering, Matching, Erasing, Application[UUID]):
    """Every use case, recorded in one ordered log. Pledging, settling, delivering, matching and
    erasing live in their own modules; what they share (loading, permissions) is here."""

    name = "civicfund"

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        payments: PaymentGateway,
        clock: Clock | None = None,
        hold_max_days: int = DEFAULT_HOLD_MAX_DAYS,
        pledge_index: PledgeIndex | None = None,
    ) -> None:
        super().__init__(env)
        self.payments = payments
        self.clock = clock or SystemClock()
        self.hold_max_days = hold_max_days
        self._pledge_projects: dict[UUID, Project] = {}
        self._pledge_cities: dict[UUID, City] = {}
        self._init_matching()
        self.pledge_index: PledgeIndex = pledge_index or LogPledgeIndex(self)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        for transcoding in TRANSCODINGS:
            transcoder.register(transcoding)

    # -- loading ---------------------------------------------------------------------------

    def _get(self, cls: type, aggregate_id: UUID, what: str) -> Any:
        try:
            aggregate = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise NotFound(f"No {what} with id {aggregate_id}") from None
        if not isinstance(aggregate, cls):
            raise NotFound(f"No {what} with id {aggregate_id}")
        return aggregate

    def get_city(self, city_id: UUID) -> City:
        return self._get(City, city_id, "city")

    def get_project(self, project_id: UUID) -> Project:
        return self._get(Project, project_id, "project")

    def get_pledge(self, pledge_id: UUID) -> Pledge:
        return self._get(Pledge, pledge_id, "pledge")

    def get_account(self, account_id: UUID) -> Account:
        return self._get(Account, account_id, "account")

    # -- permissions -----------------------------------------------------------------------

    def _require_admin(self) -> None:
        if not current_actor().is_admin:
            raise NotPermitted("Only an administrator can do this")

    def _city_managed_by_actor(self, city_id: UUID) -> City:
        """The city named in a city officer's command; refused if it does not exist or the
        actor is not one of its officers."""
        try:
            city = self.get_city(city_id)
        except NotFound:
            raise InvalidCity("That city does not exist", field="city") from None
        self._require_officer_of(city.id)
        return city

    def _require_officer_of(self, city_id: UUID) -> None:
        actor = current_actor()
        if actor.is_admin:
            return
        if actor.role != "city":
            raise NotPermitted("Only a city officer can manage projects")
        account = self.get_account(UUID(actor.account_id))
        if account.role != "city" or account.city_id != city_id:
            raise NotPermitted("Only officers of this project's city can manage it")

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
