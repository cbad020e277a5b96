"""One-click unsubscribe links in update mail: a token signed with the app's secret naming the
person and the pilot, opened without signing in. The link is filled in as the mail is sent and
never stored."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import Flask, current_app, has_request_context, request
from itsdangerous import BadSignature, URLSafeSerializer

from adapters.conversation_mail import UNSUBSCRIBE

SALT = "civicfund-unsubscribe"
PATH = "/unsubscribe/"


def _serializer(app: Flask | None = None) -> URLSafeSerializer:
    return URLSafeSerializer((app or current_app).config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(account_id: UUID, project_id: UUID, app: Flask | None = None) -> str:
    return _serializer(app).dumps([account_id.hex, project_id.hex])


def read_token(token: str) -> tuple[UUID, UUID] | None:
    """The person and the pilot a token names; None when it was not signed by us."""
    try:
        account, project = _serializer().loads(token)
        return UUID(hex=account), UUID(hex=project)
    except (BadSignature, ValueError, TypeError):
        return None


def init_app(app: Flask) -> None:
    """The platform's mail sender fills each unsubscribe placeholder with a signed link."""
    platform = app.extensions["civicfund"]
    base = platform.settings.public_url

    def personalise(message: Any) -> str:
        def link(match) -> str:
            token = unsubscribe_token(message.account_id, UUID(hex=match.group(1)), app)
            root = base or (request.host_url.rstrip("/") if has_request_context()
                            else "http://localhost:5000")
            return f"{root}{PATH}{token}"

        return UNSUBSCRIBE.sub(link, message.body)

    platform.personalise_mail = personalise
