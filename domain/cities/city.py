"""A city: the place pilots happen, with its one currency and time zone."""

from __future__ import annotations

import re
from uuid import NAMESPACE_URL, UUID, uuid5
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import InvalidCity
from domain.kernel.money import currency_exponent
from domain.kernel.text import has_control_characters

_COUNTRY = re.compile(r"^[A-Z]{2}$")


def city_id_for(name: str) -> UUID:
    """Cities are unique by name: the id is derived from it, so a duplicate cannot be saved."""
    return uuid5(NAMESPACE_URL, f"civicfund:city:{' '.join(name.split()).casefold()}")


class City(CivicAggregate):
    @event("Added")
    def __init__(self, name: str, country: str, currency: str, timezone: str):
        self.name = name
        self.country = country
        self.currency = currency
        self.timezone = timezone
        self.matching_funds: list[UUID] = []
        self.departments: list[UUID] = []

    @classmethod
    def create_id(cls, name: str, **_: object) -> UUID:
        return city_id_for(name)

    @classmethod
    def add(cls, name: str, country: str, currency: str, timezone: str) -> City:
        if has_control_characters(name or ""):
            raise InvalidCity("City names cannot contain control characters", field="name")
        name = " ".join((name or "").split())
        if not name or len(name) > 80:
            raise InvalidCity("A city needs a name of 1 to 80 characters", field="name")
        country = (country or "").strip().upper()
        if not _COUNTRY.match(country):
            raise InvalidCity("Country is a two-letter ISO code such as GB", field="country")
        currency = (currency or "").strip().upper()
        currency_exponent(currency)
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise InvalidCity(f"{timezone!r} is not a known time zone", field="timezone") from None
        return cls(name=name, country=country, currency=currency, timezone=timezone)

    def add_matching_fund(self, fund_id: UUID) -> None:
        """Funds that may match this city's pilots, in the order they apply."""
        self._matching_fund_added(fund_id=fund_id)

    @event("MatchingFundAdded")
    def _matching_fund_added(self, fund_id: UUID) -> None:
        self.matching_funds.append(fund_id)

    def add_department(self, department_id: UUID) -> None:
        """A department of the city that commits budget to its pilots."""
        self._department_added(department_id=department_id)

    @event("DepartmentAdded")
    def _department_added(self, department_id: UUID) -> None:
        self.departments.append(department_id)
