"""The base aggregate: every event it records carries actor and correlation id."""

from __future__ import annotations

from dataclasses import field

from eventsourcing.domain import Aggregate

from domain.kernel.context import current_actor, current_correlation_id


def _actor_id() -> str:
    return current_actor().account_id


def _actor_role() -> str:
    return current_actor().role


class CivicAggregate(Aggregate):
    class Event(Aggregate.Event):
        actor_id: str = field(default_factory=_actor_id, init=False)
        actor_role: str = field(default_factory=_actor_role, init=False)
        correlation_id: str = field(default_factory=current_correlation_id, init=False)

    class Created(Event, Aggregate.Created):
        actor_id: str = field(default_factory=_actor_id, init=False)
        actor_role: str = field(default_factory=_actor_role, init=False)
        correlation_id: str = field(default_factory=current_correlation_id, init=False)
