"""Accounts: the only place personal data (name, email, password) is kept, with the account's API
tokens.

Times here are the wall clock's (`now`), not the platform's business clock: a token's thirty
days are real days even in a test that moves campaigns a month ahead.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cached_property
from uuid import UUID, uuid4

import sqlalchemy as sa
from werkzeug.security import check_password_hash, generate_password_hash

from adapters import tables as t
from adapters.password_policy import password_problem
from adapters.storage import Prepared
from domain.kernel.errors import DomainError
from domain.kernel.text import has_control_characters

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
DEFAULT_PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash method name, not a password
DEFAULT_TOKEN_DAYS = 30
# A token's last use is written at most this often, so the API is not a write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


class InvalidAccount(DomainError):
    """One or more fields of an account are not right; `problems` has a message per field."""

    code = "invalid_account"

    def __init__(
        self, message: str, *, field: str | None = None, problems: dict[str, str] | None = None,
    ):
        super().__init__(message, field=field)
        self.problems = problems or {self.field or "email": message}


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
    email_verified_at: datetime | None = None
    # Set once the person is erased: the record is a tombstone, without name or email.
    erased_at: datetime | None = None

    @property
    def email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None


@dataclass(frozen=True)
class IssuedToken:
    """A new bearer token: `token` is shown once and never stored."""

    id: UUID
    token: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class ApiToken:
    """A token as the account sees it later: when it was made, expires and was last used."""

    id: UUID
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None


def normalise_email(email: str) -> str:
    return (email or "").strip().lower()


def account_problems(email: str, name: str, password: str) -> dict[str, str]:
    """Everything wrong with a new account's fields at once, by field (empty when all is well)."""
    problems: dict[str, str] = {}
    if has_control_characters(email or ""):
        problems["email"] = "Emails cannot contain control characters"
    elif not EMAIL.match(normalise_email(email)) or len(normalise_email(email)) > 254:
        problems["email"] = "Enter a valid email address"
    tidy = " ".join((name or "").split())
    if has_control_characters(name or ""):
        problems["name"] = "Names cannot contain control characters"
    elif not tidy or len(tidy) > 120:
        problems["name"] = "Enter your name (up to 120 characters)"
    refused = password_problem(password, email=normalise_email(email))
    if refused:
        problems["password"] = refused
    return problems


def check_new_account(email: str, name: str, password: str) -> tuple[str, str]:
    """The email and name as stored, or InvalidAccount naming every field that is not right."""
    problems = account_problems(email, name, password)
    if problems:
        field, message = next(iter(problems.items()))
        raise InvalidAccount(message, field=field, problems=problems)
    return normalise_email(email), " ".join(name.split())


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def aware(moment: datetime | None) -> datetime | None:
    """SQLite hands times back without their zone; they were written in UTC."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)


def _record(row: sa.Row) -> AccountRecord:
    created_at, erased_at = aware(row.created_at), aware(row.erased_at)
    if erased_at is not None:
        return AccountRecord(row.id, "", "", row.role, row.city_id, created_at,
                             erased_at=erased_at)
    return AccountRecord(
        row.id, row.email, row.name, row.role, row.city_id, created_at,
        aware(row.email_verified_at),
    )


def wall_clock() -> datetime:
    return datetime.now(UTC)


# An erased person's row keeps its id and role; these stand in for the name, email and hash.
_LIVE = t.accounts.c.erased_at.is_(None)


def tombstone_email(account_id: UUID) -> str:
    """What replaces an erased person's email: unique, and not an address."""
    return f"erased:{account_id}"


_ACCOUNT_OF_TOKEN = Prepared(
    sa.select(t.accounts, t.api_tokens.c.expires_at, t.api_tokens.c.last_used_at)
    .join(t.api_tokens, t.api_tokens.c.account_id == t.accounts.c.id)
    .where(t.api_tokens.c.token_hash == sa.bindparam("token_hash"), _LIVE)
)


class AccountStore:
    def __init__(
        self, engine: sa.Engine, password_method: str = DEFAULT_PASSWORD_METHOD, *,
        now: Callable[[], datetime] = wall_clock, token_days: int = DEFAULT_TOKEN_DAYS,
        reads: sa.Engine | None = None,
    ):
        self.engine = engine
        self.reads = reads or engine  # one-statement lookups (autocommit, retried once)
        self.password_method = password_method
        self.now = now
        self.token_days = token_days

    @cached_property
    def _dummy_hash(self) -> str:
        """A hash of the same method as real ones, checked for unknown emails so that a wrong
        email takes as long as a wrong password."""
        return generate_password_hash(secrets.token_urlsafe(16), self.password_method)

    def hash_password(self, password: str) -> str:
        return generate_password_hash(password, self.password_method)

    def email_taken(self, email: str) -> bool:
        return self.by_email(email) is not None

    def add(
        self, account_id: UUID, *, email: str, name: str, password: str, role: str,
        city_id: UUID | None, verified: bool = False,
    ) -> None:
        """Claim the email for a new account: the unique key decides between two at once."""
        now = self.now()
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    t.accounts.insert().values(
                        id=account_id, email=normalise_email(email), name=name,
                        password_hash=self.hash_password(password), role=role,
                        city_id=city_id, created_at=now,
                        email_verified_at=now if verified else None,
                    )
                )
        except sa.exc.IntegrityError:
            raise EmailTaken("An account with this email already exists") from None

    def remove(self, account_id: UUID) -> None:
        """Take back a claim whose account could not be recorded in the log."""
        with self.engine.begin() as conn:
            conn.execute(t.accounts.delete().where(t.accounts.c.id == account_id))

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
        """The account whose email and password these are. An unknown email costs one password
        check as a known one does, so the time taken never tells whether an email has an
        account."""
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(t.accounts).where(t.accounts.c.email == normalise_email(email), _LIVE)
            ).first()
        stored = row.password_hash if row is not None else self._dummy_hash
        matches = check_password_hash(stored, password or "")
        return _record(row) if row is not None and matches else None

    def password_matches(self, account_id: UUID, password: str) -> bool:
        with self.engine.connect() as conn:
            stored = conn.execute(
                sa.select(t.accounts.c.password_hash).where(t.accounts.c.id == account_id)
            ).scalar()
        return check_password_hash(stored or self._dummy_hash, password or "") and bool(stored)

    def set_password(self, account_id: UUID, password: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.accounts.update().where(t.accounts.c.id == account_id)
                .values(password_hash=self.hash_password(password))
            )

    def mark_email_verified(self, account_id: UUID) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                t.accounts.update()
                .where(t.accounts.c.id == account_id, t.accounts.c.email_verified_at.is_(None))
                .values(email_verified_at=self.now())
            )

    def issue_token(self, account_id: UUID, days: int | None = None) -> str:
        return self.issue(account_id, days).token

    def issue(self, account_id: UUID, days: int | None = None) -> IssuedToken:
        token, now = secrets.token_urlsafe(32), self.now()
        issued = IssuedToken(
            uuid4(), token, now, now + timedelta(days=days or self.token_days)
        )
        with self.engine.begin() as conn:
            conn.execute(
                t.api_tokens.insert().values(
                    token_hash=token_hash(token), account_id=account_id, id=issued.id,
                    created_at=now, expires_at=issued.expires_at,
                )
            )
        return issued

    def by_token(self, token: str) -> AccountRecord | None:
        """The account of a token that has not expired; notes when the token was used."""
        if not token:
            return None
        hashed, now = token_hash(token), self.now()
        rows = _ACCOUNT_OF_TOKEN.rows(self.reads, {"token_hash": hashed})
        row = rows[0] if rows else None
        if row is None or aware(row.expires_at) <= now:
            return None
        last_used = aware(row.last_used_at)
        if last_used is None or now - last_used >= LAST_USED_PRECISION:
            with self.engine.begin() as conn:
                conn.execute(t.api_tokens.update().where(t.api_tokens.c.token_hash == hashed)
                             .values(last_used_at=now))
        return _record(row)

    def tokens_of(self, account_id: UUID) -> list[ApiToken]:
        """The account's tokens that still work, newest first."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.api_tokens)
                .where(t.api_tokens.c.account_id == account_id,
                       t.api_tokens.c.expires_at > self.now())
                .order_by(t.api_tokens.c.created_at.desc())
            ).all()
        return [
            ApiToken(row.id, aware(row.created_at), aware(row.expires_at),
                     aware(row.last_used_at))
            for row in rows
        ]

    def revoke_token(self, account_id: UUID, token_id: UUID) -> ApiToken | None:
        """Delete one of the account's tokens: the token as it was, or None when it has none."""
        mine = (t.api_tokens.c.id == token_id, t.api_tokens.c.account_id == account_id)
        with self.engine.begin() as conn:
            row = conn.execute(sa.select(t.api_tokens).where(*mine)).first()
            if row is None or conn.execute(t.api_tokens.delete().where(*mine)).rowcount == 0:
                return None
        return ApiToken(row.id, aware(row.created_at), aware(row.expires_at),
                        aware(row.last_used_at))
