"""The signed-in person, for flask-login, and the actor their commands are recorded as."""

from __future__ import annotations

from uuid import UUID

from flask import request
from flask_login import UserMixin

from adapters.accounts import AccountRecord
from domain.context import Actor
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

    def has_role(self, *roles: str) -> bool:
        return self.record.role in roles


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    try:
        record = platform().accounts.get(UUID(user_id))
    except ValueError:
        return None
    return User(record) if record else None


@login_manager.request_loader
def load_user_from_bearer_token(req) -> User | None:
    header = req.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    record = platform().accounts.by_token(token.strip())
    return User(record) if record else None


def bearer_token_present() -> bool:
    return request.headers.get("Authorization", "").lower().startswith("bearer ")
