"""Access to the wired platform from a request, and running commands as the signed-in user."""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import suppress
from typing import TypeVar

from flask import current_app, g, has_request_context, request, session
from flask_login import current_user

from adapters.bootstrap import Platform
from domain.core import forget_written_position, written_position
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


def command(run: Callable[[], T], *, actor: Actor | None = None, catch_up: bool = True) -> T:
    """Run a use case as the current user under this request's correlation id.

    Read-your-writes: the log position the command reached is remembered in the person's
    session, and the next page they load waits for the read models to reach it
    (`read_your_writes`). With `catch_up` (the default) the read models are also brought up to
    date at once, for answers built from them; a command that answers from what it recorded
    (a pledge) leaves that to the worker or to the next reader."""
    forget_written_position()
    try:
        with acting_as(actor or current_actor(), g.get("correlation_id")):
            return run()
    finally:
        remember_written(written_position())
        if catch_up:
            # Also after a refusal: a use case that saved some steps before failing (a
            # settlement that lost a race) shows what it did record.
            catch_up_quietly()


SESSION_POSITION = "log_position"


def remember_written(position: int) -> None:
    if not position:
        return
    g.written_position = position
    # Pages carry it in the session; API callers have none (their reads catch up if behind).
    if (has_request_context() and not request.path.startswith("/api/")
            and current_user and current_user.is_authenticated):
        session[SESSION_POSITION] = max(position, session.get(SESSION_POSITION, 0))


def read_your_writes() -> None:
    """Before a request is handled: if the person's last command recorded events the read
    models have not applied yet, apply them first, so every page shows what they just did.
    A read also waits for what this process itself recorded (an in-memory comparison when
    there is nothing to wait for)."""
    if request.method in ("GET", "HEAD"):
        mine = platform().app.highest_written
        if mine > platform().projections.reached:
            with suppress(Exception):
                platform().projections.catch_up_to(mine)
    wanted = session.get(SESSION_POSITION)
    if not wanted:
        return
    try:
        platform().projections.catch_up_to(int(wanted))
    except Exception:
        log.warning("read models not caught up for a reader", exc_info=True)
        return
    session.pop(SESSION_POSITION, None)


def catch_up_quietly() -> bool:
    """Bring the read models up to date; if storage fails now, the command's own answer still
    stands (the worker catches up later). Returns whether it did."""
    try:
        platform().projections.catch_up()
    except Exception:
        log.warning("read models not caught up after a command", exc_info=True)
        return False
    seal_quietly()
    return True


def seal_quietly() -> None:
    """Append the command's events to the transparency log's tree; the worker does it later
    if this fails."""
    try:
        platform().transparency.seal()
    except Exception:
        log.warning("transparency log not sealed after a command", exc_info=True)
