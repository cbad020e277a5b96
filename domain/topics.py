"""Where classes recorded under an older module live now. Stored events name their class by
topic (`module:Class.Event`); when modules moved into packages by capability, the old names were
registered here so that every event recorded before still reads back as its class."""

from __future__ import annotations

from types import ModuleType

from eventsourcing.utils import register_topic

from domain.accounts import account
from domain.cities import city
from domain.crowdfunding import pledge, project
from domain.matching import fund

MOVED: dict[str, ModuleType] = {
    "domain.account": account,
    "domain.city": city,
    "domain.project": project,
    "domain.pledge": pledge,
    "domain.matching_fund": fund,
}


def topics_of(cls: type) -> list[str]:
    """A class's topic now and the topics it was recorded under before it moved."""
    topics = [f"{cls.__module__}:{cls.__qualname__}"]
    topics += [f"{old}:{cls.__qualname__}" for old, module in MOVED.items()
               if module.__name__ == cls.__module__]
    return topics


def register_moved_topics() -> None:
    for old, module in MOVED.items():
        register_topic(old, module)

