"""The signed-in person, for flask-login, and the actor their commands are recorded as."""

from __future__ import annotations

from uuid import UUID

from flask import g, request, session
from flask_login import UserMixin, login_user

from adapters.accounts import AccountRecord
from domain.kernel.context import Actor
from web.extensions import login_manager
from web.services import platform


class User(UserMixin):
    def __init__(self, record: AccountRecord):
        self.record = record

    def get_id(self) -> str:
        return str(self.record.id)

    @property
    def account_id(self) -> UUID:
        return self.record.id

    @property
    def role(self) -> str:
        return self.record.role

    @property
    def name(self) -> str:
        return self.record.name

    @property
    def email(self) -> str:
        return self.record.email

    @property
    def city_id(self) -> UUID | None:
        return self.record.city_id

    @property
    def actor(self) -> Actor:
        return Actor(account_id=str(self.record.id), role=self.record.role)

    @property
    def email_verified(self) -> bool:
        return self.record.email_verified

    def has_role(self, *roles: str) -> bool:
        return self.record.role in roles


# The session cookie's key for the server-side session id (adapters/sessions.py).
SESSION_ID = "sid"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The signed-in account, only while its server-side session lives: a saved copy of the
    cookie is worth nothing after logout, a password or role change, or a timeout."""
    account_id = platform().sessions.account_of(session.get(SESSION_ID, ""))
    if account_id is None or str(account_id) != user_id:
        return None
    record = platform().accounts.get(account_id)
    return User(record) if record else None


def start_session(record: AccountRecord) -> None:
    """Sign in with a brand-new session: whatever the cookie held before (a planted session
    included) is dropped, and a new random id is issued."""
    session.clear()
    session_id = platform().sessions.start(record.id)
    login_user(User(record))
    session[SESSION_ID] = session_id


def current_session_id() -> str:
    return session.get(SESSION_ID, "")


@login_manager.request_loader
def load_user_from_bearer_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    record = account_of_token(token.strip())
    return User(record) if record else None


def account_of_token(token: str) -> AccountRecord | None:
    """The account a bearer token stands for, looked up once per request (flask-login and the
    API both ask)."""
    cache = g.setdefault("token_accounts", {})
    if token not in cache:
        cache[token] = platform().accounts.by_token(token)
    return cache[token]


def bearer_token_present() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")
