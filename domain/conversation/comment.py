"""A question or comment on a pilot, an answer to one, and what reporting and moderation made of
it. The words live outside the log (as names do): an event says who wrote what kind of item
on which pilot, and that it was reported or hidden, never the text or the reason."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.errors import N_, DomainError, InvalidTransition
from domain.kernel.text import has_control_characters

QUESTION, COMMENT, ANSWER = "question", "comment", "answer"
KINDS = (QUESTION, COMMENT)
# Who an answer comes from, as the pilot page marks it.
FROM_PROPOSER, FROM_CITY = "proposer", "city"
MAX_TEXT = 2000
MAX_REASON = 300


class InvalidComment(DomainError):
    code = "invalid_comment"
    field = "text"


def check_text(text: object, *, field: str = "text", limit: int = MAX_TEXT,
               what: str = N_("Your message")) -> str:
    """The text as kept: trimmed; refused when empty, longer than `limit` or holding control
    characters (markup is kept as typed and shown as text)."""
    if not isinstance(text, str):
        raise InvalidComment(N_("%(what)s must be text"), field=field, what=what)
    cleaned = text.replace("\r\n", "\n").strip()
    if not cleaned:
        raise InvalidComment(N_("%(what)s is empty: write something first"), field=field,
                             what=what)
    if len(cleaned) > limit:
        raise InvalidComment(
            N_("%(what)s is %(length)s characters long: keep it to %(limit)s"), field=field,
            what=what, length=len(cleaned), limit=limit)
    if has_control_characters(cleaned):
        raise InvalidComment(N_("%(what)s holds control characters: remove them"), field=field,
                             what=what)
    return cleaned


def check_reason(reason: object) -> str:
    return check_text(reason, field="reason", limit=MAX_REASON, what=N_("The reason"))


class Comment(CivicAggregate):
    @event("Posted")
    def __init__(self, project_id: UUID, author_id: UUID, kind: str, answer_to: UUID | None,
                 answered_as: str | None):
        self.project_id = project_id
        self.author_id = author_id
        self.kind = kind
        self.answer_to = answer_to
        self.answered_as = answered_as
        self.reported_by: list[UUID] = []
        self.hidden = False

    @classmethod
    def post(cls, *, project_id: UUID, author_id: UUID, kind: str) -> Comment:
        if kind not in KINDS:
            raise InvalidComment(f"Kind must be one of {', '.join(KINDS)}", field="kind")
        return cls(project_id=project_id, author_id=author_id, kind=kind, answer_to=None,
                   answered_as=None)

    def answer(self, *, author_id: UUID, answered_as: str) -> Comment:
        if self.kind == ANSWER:
            raise InvalidComment("Answer the question itself, not an answer", field="answer_to")
        if self.hidden:
            raise InvalidTransition("This item was hidden by the city: it takes no answers")
        return Comment(project_id=self.project_id, author_id=author_id, kind=ANSWER,
                       answer_to=self.id, answered_as=answered_as)

    def report(self, reporter_id: UUID) -> bool:
        """Whether the report is new (reporting the same item twice counts once)."""
        if reporter_id in self.reported_by or self.hidden:
            return False
        self._reported(reporter_id=reporter_id)
        return True

    @event("Reported")
    def _reported(self, reporter_id: UUID) -> None:
        self.reported_by.append(reporter_id)

    def hide(self) -> None:
        if self.hidden:
            raise InvalidTransition("This item is already hidden")
        self._hidden()

    @event("Hidden")
    def _hidden(self) -> None:
        self.hidden = True
