"""Who follows a pilot's delivery updates, and how a person likes that mail and their name shown.

A pilot's backers follow it without asking; a Following records an explicit choice (following, or
not any more), which wins over backing."""

from __future__ import annotations

from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import DomainError

EACH_UPDATE, WEEKLY = "each", "weekly"
DIGESTS = (EACH_UPDATE, WEEKLY)

_FOLLOWING = uuid5(NAMESPACE_URL, "civicfund:following")
_PREFERENCES = uuid5(NAMESPACE_URL, "civicfund:conversation-preferences")


class InvalidPreference(DomainError):
    code = "invalid_preference"
    field = "digest"


def following_id(project_id: UUID, account_id: UUID) -> UUID:
    return uuid5(_FOLLOWING, f"{project_id}:{account_id}")


def preferences_id(account_id: UUID) -> UUID:
    return uuid5(_PREFERENCES, str(account_id))


class Following(CivicAggregate):
    @staticmethod
    def create_id(project_id: UUID, account_id: UUID, following: bool) -> UUID:
        return following_id(project_id, account_id)

    @event("Chosen")
    def __init__(self, project_id: UUID, account_id: UUID, following: bool):
        self.project_id = project_id
        self.account_id = account_id
        self.following = following

    def choose(self, following: bool) -> bool:
        """Whether anything changed."""
        if following == self.following:
            return False
        if following:
            self._followed()
        else:
            self._unfollowed()
        return True

    @event("Followed")
    def _followed(self) -> None:
        self.following = True

    @event("Unfollowed")
    def _unfollowed(self) -> None:
        self.following = False


class ConversationPreferences(CivicAggregate):
    """How often update mail comes (each update, or a weekly digest) and whether the person's
    display name appears on the backer walls of pilots they back."""

    @staticmethod
    def create_id(account_id: UUID, digest: str, on_backer_wall: bool) -> UUID:
        return preferences_id(account_id)

    @event("Set")
    def __init__(self, account_id: UUID, digest: str, on_backer_wall: bool):
        self.account_id = account_id
        self.digest = digest
        self.on_backer_wall = on_backer_wall

    @staticmethod
    def check_digest(digest: str) -> str:
        if digest not in DIGESTS:
            raise InvalidPreference(f"Digest must be one of {', '.join(DIGESTS)}")
        return digest

    def choose_digest(self, digest: str) -> None:
        if self.check_digest(digest) != self.digest:
            self._digest_chosen(digest=digest)

    @event("DigestChosen")
    def _digest_chosen(self, digest: str) -> None:
        self.digest = digest

    def show_on_backer_wall(self, shown: bool) -> None:
        if shown != self.on_backer_wall:
            self._backer_wall_chosen(shown=shown)

    @event("BackerWallChosen")
    def _backer_wall_chosen(self, shown: bool) -> None:
        self.on_backer_wall = shown
