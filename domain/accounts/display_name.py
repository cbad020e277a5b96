"""The name a person shows publicly (backer walls, beside their questions and answers): their
choice, kept beside their account and never in the log. The rule for what a display name may be
lives here; where it is stored does not."""

from __future__ import annotations

import unicodedata

from domain.kernel.errors import N_, DomainError
from domain.kernel.text import has_control_characters

MAX_DISPLAY_NAME = 60
# Pages escape everything; a name that is markup is still not a name anybody means.
MARKUP = ("<", ">")


class InvalidDisplayName(DomainError):
    code = "invalid_display_name"
    field = "display_name"


def check_display_name(text: str) -> str:
    """The display name as kept (spaces tidied), or InvalidDisplayName saying what is wrong."""
    if not isinstance(text, str):
        raise InvalidDisplayName(N_("Enter a display name"))
    if has_control_characters(text):
        raise InvalidDisplayName(N_("A display name cannot contain control characters"))
    tidy = " ".join(text.split())
    if not tidy:
        raise InvalidDisplayName(N_(
            "Enter a display name: it is shown on the backer walls of pilots you back and "
            "beside your questions"))
    if len(tidy) > MAX_DISPLAY_NAME:
        raise InvalidDisplayName(
            N_("A display name is at most %(limit)s characters; this one has %(length)s"),
            limit=MAX_DISPLAY_NAME, length=len(tidy))
    if any(mark in tidy for mark in MARKUP):
        raise InvalidDisplayName(N_("A display name cannot contain < or >: write the name only"))
    if not any(unicodedata.category(ch)[0] in ("L", "N") for ch in tidy):
        raise InvalidDisplayName(N_("A display name needs at least one letter or digit"))
    return tidy
