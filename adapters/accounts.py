"""Accounts: the only place personal data (name, email, password) is kept."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from adapters import tables as t
from domain.errors import DomainError
from domain.text import has_control_characters

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
MIN_PASSWORD = 8
DEFAULT_PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash method name, not a password


class InvalidAccount(DomainError):
    code = "invalid_account"


class EmailTaken(InvalidAccount):
    code = "email_taken"
    field = "email"


@dataclass(frozen=True)
class AccountRecord:
    id: UUID
    email: str
    name: str
    role: str
    city_id: UUID | None
    created_at: datetime
    # Set once the person is erased: the record is a tombstone, without name or email.
    erased_at: datetime | None = None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def check_new_account(email: str, name: str, password: str) -> tuple[str, str]:
    email = normalise_email(email)
    if not EMAIL.match(email) or len(email) > 254:
        raise InvalidAccount("Enter a valid email address", field="email")
    if has_control_characters(name or "") or has_control_characters(email or ""):
        raise InvalidAccount("Names and emails cannot contain control characters", field="name")
    name = " ".join((name or "").split())
    if not name or len(name) > 120:
        raise InvalidAccount("Enter your name (up to 120 characters)", field="name")
    if len(password or "") < MIN_PASSWORD:
        raise InvalidAccount(
            f"Choose a password of at least {MIN_PASSWORD} characters", field="password"
        )
    return email, name


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime | None) -> datetime | None:
    """SQLite gives times back without their zone; they are all UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _record(row: sa.Row) -> AccountRecord:
    created_at, erased_at = _aware(row.created_at), _aware(row.erased_at)
    if erased_at is not None:
        return AccountRecord(row.id, "", "", row.role, row.city_id, created_at, erased_at)
    return AccountRecord(row.id, row.email, row.name, row.role, row.city_id, created_at)


# An erased person's row keeps its id and role; these stand in for the name, email and hash.
_LIVE = t.accounts.c.erased_at.is_(None)


def tombstone_email(account_id: UUID) -> str:
    """What replaces an erased person's email: unique, and not an address."""
    return f"erased:{account_id}"


class AccountStore:
    def __init__(self, engine: sa.Engine, password_method: str = DEFAULT_PASSWORD_METHOD):
        self.engine = engine
        self.password_method = password_method

    def email_taken(self, email: str) -> bool:
        return self.by_email(email) is not None

    def add(
        self, account_id: UUID, *, email: str, name: str, password: str, role: str,
        city_id: UUID | None,
    ) -> None:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    t.accounts.insert().values(
                        id=account_id, email=normalise_email(email), name=name,
                        password_hash=generate_password_hash(password, self.password_method),
                        role=role,
                        city_id=city_id, created_at=datetime.now(UTC),
                    )
                )
        except sa.exc.IntegrityError:
            raise EmailTaken("An account with this email already exists") from None

    def by_email(self, email: str) -> AccountRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.accounts).where(t.accounts.c.email == normalise_email(email), _LIVE)
            ).first()
        return _record(row) if row else None

    def get(self, account_id: UUID) -> AccountRecord | None:
        """The person's account; None when there is none or the person was erased (so an
        erased person's session ends and nothing is mailed to them)."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.accounts).where(t.accounts.c.id == account_id, _LIVE)
            ).first()
        return _record(row) if row else None

    def record(self, account_id: UUID) -> AccountRecord | None:
        """The account row even if it is an erased person's tombstone (ids still resolve)."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.accounts).where(t.accounts.c.id == account_id)).first()
        return _record(row) if row else None

    def all(self) -> list[AccountRecord]:
        """Every account, erased people's tombstones included."""
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(t.accounts).order_by(t.accounts.c.created_at)).all()
        return [_record(row) for row in rows]

    def authenticate(self, email: str, password: str) -> AccountRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.accounts).where(t.accounts.c.email == normalise_email(email), _LIVE)
            ).first()
        if row is None or not check_password_hash(row.password_hash, password or ""):
            return None
        return _record(row)

    def set_role(self, account_id: UUID, role: str, city_id: UUID | None) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.accounts.update().where(t.accounts.c.id == account_id)
                .values(role=role, city_id=city_id)
            )

    def issue_token(self, account_id: UUID) -> str:
        token = secrets.token_urlsafe(32)
        with self.engine.begin() as conn:
            conn.execute(
                t.api_tokens.insert().values(
                    token_hash=_token_hash(token), account_id=account_id,
                    created_at=datetime.now(UTC),
                )
            )
        return token

    def by_token(self, token: str) -> AccountRecord | None:
        if not token:
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.accounts)
                .join(t.api_tokens, t.api_tokens.c.account_id == t.accounts.c.id)
                .where(t.api_tokens.c.token_hash == _token_hash(token), _LIVE)
            ).first()
        return _record(row) if row else None
