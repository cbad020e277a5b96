"""Who is acting and under which request: stamped on every event without threading it through."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import uuid4

ROLES = ("citizen", "city", "proposer", "investor", "auditor", "admin", "evaluator")


@dataclass(frozen=True)
class Actor:
    account_id: str
    role: str

    @property
    def is_admin(self) -> bool:
        return self.role in ("admin", "system")


SYSTEM = Actor(account_id="system", role="system")

_actor: ContextVar[Actor] = ContextVar("civicfund_actor", default=SYSTEM)
_correlation_id: ContextVar[str] = ContextVar("civicfund_correlation_id", default="unset")


def current_actor() -> Actor:
    return _actor.get()


def current_correlation_id() -> str:
    return _correlation_id.get()


def new_correlation_id(prefix: str = "req") -> str:
    return f"{prefix}-{uuid4().hex}"


@contextmanager
def acting_as(actor: Actor, correlation_id: str | None = None) -> Iterator[Actor]:
    """Every event recorded inside this block carries `actor` and the correlation id."""
    actor_token = _actor.set(actor)
    correlation_token = _correlation_id.set(correlation_id or new_correlation_id())
    try:
        yield actor
    finally:
        _actor.reset(actor_token)
        _correlation_id.reset(correlation_token)
