"""Conversation on a pilot: questions, comments and their answers, reports and moderation;
following a pilot's updates; a person's mail and backer-wall preferences."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from domain.conversation.comment import (
    FROM_CITY,
    FROM_PROPOSER,
    Comment,
    check_reason,
    check_text,
)
from domain.conversation.following import (
    EACH_UPDATE,
    ConversationPreferences,
    Following,
    following_id,
    preferences_id,
)
from domain.core import CivicfundCore
from domain.crowdfunding.project import DRAFT, Project
from domain.kernel.context import current_actor
from domain.kernel.errors import NotFound, NotPermitted


class ConversationTexts(Protocol):
    """Where the words people write are kept, outside the log, keyed by the item's id."""

    def keep(self, comment_id: UUID, *, project_id: UUID, author_id: UUID, text: str) -> None: ...

    def keep_reason(self, comment_id: UUID, reason: str) -> None: ...

    def forget(self, comment_id: UUID) -> None: ...


class TextsInMemory:
    """For an application without a database (unit tests)."""

    def __init__(self) -> None:
        self.texts: dict[UUID, str] = {}
        self.reasons: dict[UUID, str] = {}

    def keep(self, comment_id: UUID, *, project_id: UUID, author_id: UUID, text: str) -> None:
        self.texts[comment_id] = text

    def keep_reason(self, comment_id: UUID, reason: str) -> None:
        self.reasons[comment_id] = reason

    def forget(self, comment_id: UUID) -> None:
        self.texts.pop(comment_id, None)
        self.reasons.pop(comment_id, None)


class Conversing(CivicfundCore):
    conversation_texts: ConversationTexts

    def get_comment(self, comment_id: UUID) -> Comment:
        return self._get(Comment, comment_id, "question or comment")

    def _signed_in(self) -> UUID:
        actor = current_actor()
        if actor.role in ("anonymous", "system", "auditor"):
            raise NotPermitted("Sign in to take part in the conversation")
        return UUID(actor.account_id)

    def _public_project(self, project_id: UUID) -> Project:
        project = self.get_project(project_id)
        if project.status == DRAFT:
            raise NotFound(f"No project with id {project_id}")
        return project

    def _kept(self, comment: Comment, text: str, *, author_id: UUID) -> UUID:
        self.conversation_texts.keep(comment.id, project_id=comment.project_id,
                                     author_id=author_id, text=text)
        try:
            self.save(comment)
        except BaseException:
            self.conversation_texts.forget(comment.id)
            raise
        return comment.id

    def post_comment(self, project_id: UUID, *, kind: str, text: str) -> UUID:
        """A question or comment on a pilot by anyone signed in."""
        author_id = self._signed_in()
        project = self._public_project(project_id)
        text = check_text(text)
        comment = Comment.post(project_id=project.id, author_id=author_id, kind=kind)
        return self._kept(comment, text, author_id=author_id)

    def answer_comment(self, comment_id: UUID, *, text: str) -> UUID:
        """An answer from the pilot's delivery owner ("from the proposer") or an officer of its
        city ("from the city")."""
        author_id = self._signed_in()
        question = self.get_comment(comment_id)
        project = self.get_project(question.project_id)
        answered_as = self._answering_as(project, author_id)
        text = check_text(text)
        answer = question.answer(author_id=author_id, answered_as=answered_as)
        return self._kept(answer, text, author_id=author_id)

    def _answering_as(self, project: Project, author_id: UUID) -> str:
        if project.delivery_owner_id == author_id and current_actor().role == "proposer":
            return FROM_PROPOSER
        try:
            self._require_officer_of(project.city_id)
        except NotPermitted:
            raise NotPermitted(
                "Only the pilot's proposer (its delivery owner) or its city's officers answer"
            ) from None
        return FROM_CITY

    def report_comment(self, comment_id: UUID) -> bool:
        """Anyone signed in asks the city to look at an item; whether the report is new."""
        reporter = self._signed_in()
        comment = self.get_comment(comment_id)
        if not comment.report(reporter):
            return False
        self.save(comment)
        return True

    def hide_comment(self, comment_id: UUID, *, reason: str) -> None:
        """An officer of the pilot's city hides an item, saying why (its author still sees it,
        with the reason)."""
        comment = self.get_comment(comment_id)
        project = self.get_project(comment.project_id)
        self._require_officer_of(project.city_id)
        reason = check_reason(reason)
        comment.hide()
        self.conversation_texts.keep_reason(comment.id, reason)
        self.save(comment)

    # -- following -------------------------------------------------------------------------

    def follow_project(self, project_id: UUID, following: bool = True) -> bool:
        """Follow (or stop following) a pilot's updates; whether anything changed."""
        account_id = self._signed_in()
        self._public_project(project_id)
        return self._choose_following(project_id, account_id, following)

    def unsubscribe(self, project_id: UUID, account_id: UUID) -> bool:
        """Stop a person following a pilot from the link in its mail (the link is the proof;
        the actor is that person)."""
        self.get_project(project_id)
        return self._choose_following(project_id, account_id, False)

    def _choose_following(self, project_id: UUID, account_id: UUID, following: bool) -> bool:
        try:
            choice = self.repository.get(following_id(project_id, account_id))
        except AggregateNotFoundError:
            self.save(Following(project_id=project_id, account_id=account_id,
                                following=following))
            return True
        if not choice.choose(following):
            return False
        self.save(choice)
        return True

    # -- preferences -----------------------------------------------------------------------

    def conversation_preferences(self, account_id: UUID) -> ConversationPreferences | None:
        try:
            return self.repository.get(preferences_id(account_id))
        except AggregateNotFoundError:
            return None

    def set_conversation_preferences(self, *, digest: str | None = None,
                                     on_backer_wall: bool | None = None) -> None:
        """The signed-in person's update mail (each update or a weekly digest) and whether their
        display name shows on backer walls; what is left out stays as it was."""
        account_id = self._signed_in()
        if digest is not None:
            ConversationPreferences.check_digest(digest)
        preferences = self.conversation_preferences(account_id)
        if preferences is None:
            self.save(ConversationPreferences(
                account_id=account_id, digest=digest or EACH_UPDATE,
                on_backer_wall=bool(on_backer_wall)))
            return
        if digest is not None:
            preferences.choose_digest(digest)
        if on_backer_wall is not None:
            preferences.show_on_backer_wall(on_backer_wall)
        self.save(preferences)
