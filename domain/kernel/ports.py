"""What the domain asks of the event store beyond eventsourcing's recorder, by type.

A recorder that can do more says so by inheriting these; the use cases check with isinstance
and fall back to plain saves (and re-reading) where a recorder cannot."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from uuid import UUID

from eventsourcing.persistence import StoredEvent


class ChecksUnchanged(ABC):  # noqa: B024 - a capability marker: its method is insert_events'
    """`insert_events(..., unchanged_since={aggregate id: version})` records the events only if
    each named aggregate is still at that version, checked inside the same write transaction;
    otherwise it raises ConcurrentChange (domain.kernel.errors) and records nothing."""


class DecidesExclusively(ABC):
    @abstractmethod
    def exclusive(
        self, keys: Sequence[UUID], *, after: Mapping[UUID, int] | None = None
    ) -> AbstractContextManager[list[StoredEvent]]:
        """A block in which no other process records for `keys`, yielding the events of each
        aggregate in `after` recorded since the version given; the block's first save
        finishes it."""
