"""The Flask app factory."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, g, request

from adapters.bootstrap import Platform, build_platform
from adapters.settings import Settings
from domain.context import new_correlation_id
from web.extensions import csrf, login_manager

CORRELATION_HEADER = "X-Request-Id"
CLIENT_CORRELATION_HEADER = "X-Client-Request-Id"
log = logging.getLogger(__name__)


def _secret_key(settings: Settings, instance_path: str) -> str:
    """CIVICFUND_SECRET_KEY, or one made once and kept under instance/ so sessions survive."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def create_app(config: dict[str, Any] | None = None, platform: Platform | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(Path.cwd() / "instance"))
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,
        JSON_SORT_KEYS=False,
    )
    if config:
        app.config.update(config)

    if platform is None:
        platform = build_platform(app.config.get("CIVICFUND_SETTINGS") or Settings.from_env())
    app.extensions["civicfund"] = platform
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _secret_key(platform.settings, app.instance_path)

    login_manager.init_app(app)
    csrf.init_app(app)

    import web.users  # noqa: F401  (registers the flask-login loaders)

    @app.before_request
    def _correlate() -> None:
        # The log's correlation ids are the platform's own; a client's X-Request-Id is only
        # echoed back (as X-Client-Request-Id) and logged beside ours, never recorded as ours.
        g.correlation_id = new_correlation_id()
        incoming = request.headers.get(CORRELATION_HEADER, "")
        if 0 < len(incoming) <= 100 and incoming.replace("-", "").isalnum():
            g.client_request_id = incoming
            log.info("request %s carries client request id %s", g.correlation_id, incoming)

    @app.after_request
    def _stamp(response):
        response.headers[CORRELATION_HEADER] = g.get("correlation_id", "")
        if g.get("client_request_id"):
            response.headers[CLIENT_CORRELATION_HEADER] = g.client_request_id
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"now": platform.clock.now(), "payments_mode": platform.settings.payments}

    from web import filters

    filters.register(app)
    _register_blueprints(app)

    from web import errors

    errors.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from web.blueprints import BLUEPRINTS

    for blueprint in BLUEPRINTS():
        app.register_blueprint(blueprint)

