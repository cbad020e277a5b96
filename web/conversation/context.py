"""What the conversation adds to a pilot's page: its threads as the visitor may see them, whether
they follow it, what they may do, and its backer wall."""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from adapters.queries import ProjectPage, ProjectView
from domain.conversation.comment import MAX_REASON, MAX_TEXT
from web.services import platform


def moderates(project: ProjectView) -> bool:
    """Officers of the pilot's city (and administrators) answer as the city and hide items."""
    if not current_user.is_authenticated:
        return False
    return current_user.has_role("admin") or (
        current_user.has_role("city") and current_user.city_id == project.city_id)


def answers_as(project: ProjectView) -> str | None:
    if moderates(project):
        return "city"
    if (current_user.is_authenticated and current_user.has_role("proposer")
            and project.delivery_owner_id == current_user.account_id):
        return "proposer"
    return None


def takes_part() -> bool:
    return current_user.is_authenticated and not current_user.has_role("auditor")


def conversation_context(project: ProjectView, page: ProjectPage | None = None,
                         **typed: Any) -> dict[str, Any]:
    """`page`: what the pilot's page statement read already (its backer wall, whether it has
    any comments), so nothing is read twice."""
    read = platform().read
    viewer = current_user.account_id if current_user.is_authenticated else None
    moderator = moderates(project)
    wall = page.backer_wall if page is not None else None
    return {
        "threads": (read.comments(project.id, viewer_id=viewer, moderator=moderator)
                    if page is None or page.has_comments else []),
        "moderator": moderator,
        "answers_as": answers_as(project),
        "takes_part": takes_part(),
        "following": bool(viewer) and read.follows(project.id, viewer),
        "backer_wall": wall if wall is not None else read.backer_wall(project.id),
        "max_text": MAX_TEXT,
        "max_reason": MAX_REASON,
        "conversation_errors": typed.pop("errors", {}),
        "typed": typed,
    }
