"""An account's role in the log. Names, emails and passwords live outside events."""

from __future__ import annotations

from datetime import datetime, timedelta
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


class InvalidCase(DomainError):
    code = "invalid_case"
    field = "reason"


# An auditor's case on one account: while it runs, that person's name and email show unmasked
# to that auditor. The reason is recorded in the log, so it names the matter, never the person.
CASE_REASON_MAX = 200
CASE_LONGEST = timedelta(days=90)


def check_case(reason: str, expires_at: datetime, now: datetime) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidCase("Give the reason for the case (e.g. a complaint's reference)")
    if len(reason) > CASE_REASON_MAX:
        raise InvalidCase(f"Keep the reason under {CASE_REASON_MAX} characters")
    if "@" in reason:
        raise InvalidCase("The reason goes into the log: name the matter, not the person "
                          "(no email addresses)")
    if not now < expires_at <= now + CASE_LONGEST:
        raise InvalidCase(f"A case expires after now and within {CASE_LONGEST.days} days",
                          field="expires")
    return reason


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
        self.cases: dict[str, datetime] = {}  # account id -> when the case expires

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

    def grant_case(self, subject_id: UUID, reason: str, expires_at: datetime,
                   now: datetime) -> None:
        """An administrator lets this auditor see one account's personal data until
        `expires_at`, for the reason given."""
        if self.erased or self.role != "auditor":
            raise InvalidCase("Cases are granted to auditors only", field="auditor")
        if subject_id == self.id:
            raise InvalidCase("An auditor's case is on someone else's account", field="subject")
        self._case_granted(subject_id=subject_id, reason=check_case(reason, expires_at, now),
                           expires_at=expires_at)

    @event("CaseGranted")
    def _case_granted(self, subject_id: UUID, reason: str, expires_at: datetime) -> None:
        self.cases = {**getattr(self, "cases", {}), str(subject_id): expires_at}

    def cases_open(self, now: datetime) -> set[UUID]:
        """The accounts this auditor has a running case on."""
        if self.role != "auditor" or self.erased:
            return set()
        return {UUID(subject) for subject, until in getattr(self, "cases", {}).items()
                if until > now}

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
