"""Access to the wired platform from a request, and running commands as the signed-in user."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g
from flask_login import current_user

from adapters.bootstrap import Platform
from domain.kernel.context import Actor, acting_as

T = TypeVar("T")
log = logging.getLogger(__name__)

ANONYMOUS = Actor(account_id="anonymous", role="anonymous")


def platform() -> Platform:
    return current_app.extensions["civicfund"]


def current_actor() -> Actor:
    if current_user and current_user.is_authenticated:
        return current_user.actor
    return ANONYMOUS


def command(run: Callable[[], T], *, actor: Actor | None = None) -> T:
    """Run a use case as the current user under this request's correlation id, then bring the
    read models up to date so the next page shows the change."""
    try:
        with acting_as(actor or current_actor(), g.get("correlation_id")):
            return run()
    finally:
        # Also after a refusal: a use case that saved some steps before failing (a settlement
        # that lost a race) shows what it did record.
        catch_up_quietly()


def catch_up_quietly() -> bool:
    """Bring the read models up to date; if storage fails now, the command's own answer still
    stands (the worker catches up later). Returns whether it did."""
    try:
        platform().projections.catch_up()
    except Exception:
        log.warning("read models not caught up after a command", exc_info=True)
        return False
    return True
