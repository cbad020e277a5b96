"""An account's role in the log. Names, emails and passwords live outside events."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.context import ROLES
from domain.kernel.errors import DomainError

# Why an account was erased, as the log records it: a category, never free text (an
# administrator's note stays outside the log, with the request).
OWN_REQUEST = "own_request"
ERASURE_REASONS = {
    OWN_REQUEST: "The person erased their own account",
    "person_asked": "The person asked an administrator to erase it",
    "legal_obligation": "A legal obligation (e.g. a court or regulator's order)",
    "other": "Another reason, noted by the administrator",
}


class InvalidRole(DomainError):
    code = "invalid_role"
    field = "role"


class InvalidErasure(DomainError):
    code = "invalid_erasure"
    field = "reason"


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
        self.erased = False

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
        if self.erased:
            raise InvalidRole("This account is erased: it has no role to change")
        _check(role, city_id)
        self._role_changed(role=role, city_id=city_id if role == "city" else None)

    @event("RoleChanged")
    def _role_changed(self, role: str, city_id: UUID | None) -> None:
        self.role = role
        self.city_id = city_id

    def erase(self, *, reason: str, requested_by: str) -> None:
        """The person is gone from the platform; the log keeps the account's id, and why.
        `requested_by` is the account id of whoever asked (the person, or an administrator)."""
        if reason not in ERASURE_REASONS:
            raise InvalidErasure(f"Reason must be one of {', '.join(ERASURE_REASONS)}")
        if self.erased:
            return
        self._erased(reason=reason, requested_by=requested_by)

    @event("Erased")
    def _erased(self, reason: str, requested_by: str) -> None:
        self.erased = True
