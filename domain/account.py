"""An account's role in the log. Names, emails and passwords live outside events."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.aggregate import CivicAggregate
from domain.context import ROLES
from domain.errors import DomainError


class InvalidRole(DomainError):
    code = "invalid_role"
    field = "role"


def _check(role: str, city_id: UUID | None) -> None:
    if role not in ROLES:
        raise InvalidRole(f"Role must be one of {', '.join(ROLES)}")
    if role == "city" and city_id is None:
        raise InvalidRole("A city officer must be tied to a city", field="city")


class Account(CivicAggregate):
    @event("Registered")
    def __init__(self, role: str, city_id: UUID | None):
        self.role = role
        self.city_id = city_id

    @classmethod
    def register(
        cls, role: str, city_id: UUID | None = None, account_id: UUID | None = None
    ) -> Account:
        _check(role, city_id)
        city_id = city_id if role == "city" else None
        if account_id is None:
            return cls(role=role, city_id=city_id)
        # The id was chosen (and claimed) before the account is recorded.
        return cls._create(cls.Registered, id=account_id, role=role, city_id=city_id)

    def change_role(self, role: str, city_id: UUID | None = None) -> None:
        _check(role, city_id)
        self._role_changed(role=role, city_id=city_id if role == "city" else None)

    @event("RoleChanged")
    def _role_changed(self, role: str, city_id: UUID | None) -> None:
        self.role = role
        self.city_id = city_id
