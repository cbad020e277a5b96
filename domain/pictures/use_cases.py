"""Adding and removing pictures: a pilot's by its city's officers or its delivery owner, a
fund's sponsor logo by the officers of the fund's city."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError

from domain.core import CivicfundCore
from domain.crowdfunding.project import Project
from domain.kernel.errors import ConcurrentChange
from domain.matching.fund import MatchingFund
from domain.pictures.pictures import FUND, PROJECT, InvalidPicture, PictureSet


class Picturing(CivicfundCore):
    # Delivering's and Matching's: who may change a pilot, and a fund as recorded.
    _deliver: Callable[[UUID], Project]
    get_matching_fund: Callable[[UUID], MatchingFund]

    def _may_picture(self, owner_kind: str, owner_id: UUID) -> None:
        if owner_kind == PROJECT:
            self._deliver(owner_id)
        elif owner_kind == FUND:
            self._require_officer_of(self.get_matching_fund(owner_id).city_id)
        else:
            raise InvalidPicture("Pictures belong to a pilot or a matching fund")

    def pictures_of(self, owner_kind: str, owner_id: UUID) -> PictureSet | None:
        try:
            found = self.repository.get(PictureSet.create_id(owner_kind, owner_id))
        except AggregateNotFoundError:
            return None
        return found if isinstance(found, PictureSet) else None

    def _picture_set(self, owner_kind: str, owner_id: UUID) -> PictureSet:
        self._may_picture(owner_kind, owner_id)
        found = self.pictures_of(owner_kind, owner_id)
        if found is None:
            # Started on its own first: two first uploads at once would otherwise both start
            # it, and the second could not be decided again on top of the first.
            with suppress(ConcurrentChange):
                self._save_or_conflict(PictureSet(owner_kind=owner_kind, owner_id=owner_id))
            found = self.pictures_of(owner_kind, owner_id)
        if found is None:  # pragma: no cover - saved just now, by this call or another
            raise ConcurrentChange("Please try again")
        return found

    def add_picture(self, owner_kind: str, owner_id: UUID, *, kind: object, content_hash: str,
                    sizes: list[tuple[int, int]]) -> tuple[UUID, list[UUID]]:
        """Records the picture; returns its id and the ids of the pictures it replaced."""
        picture_id = uuid4()
        replaced = self._decide_on(
            lambda: self._picture_set(owner_kind, owner_id),
            lambda pictures: pictures.add(picture_id=picture_id, kind=kind,
                                          content_hash=content_hash, sizes=sizes))
        return picture_id, replaced

    def remove_picture(self, owner_kind: str, owner_id: UUID, picture_id: UUID) -> None:
        self._decide_on(lambda: self._picture_set(owner_kind, owner_id),
                        lambda pictures: pictures.remove(picture_id))
