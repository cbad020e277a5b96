"""The Flask app factory."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask, g, request, send_from_directory
from werkzeug.middleware.proxy_fix import ProxyFix

from adapters.bootstrap import Platform, build_platform
from adapters.settings import Settings
from adapters.storage import make_private_directory
from domain.kernel.context import new_correlation_id
from web.audit import read_only
from web.conversation import unsubscribe
from web.extensions import csrf, login_manager
from web.flask_app import CivicfundFlask
from web.i18n import locale
from web.pictures import pages as pictures
from web.pictures import showing as picture_globals
from web.services import read_your_writes

CORRELATION_HEADER = "X-Request-Id"
CLIENT_CORRELATION_HEADER = "X-Client-Request-Id"
# Present (with the fixed moment) when CIVICFUND_NOW fixes the clock for a demo.
CLOCK_FIXED_HEADER = "X-Civicfund-Clock-Fixed"
log = logging.getLogger(__name__)


def _secret_key(settings: Settings, instance_path: str) -> str:
    """CIVICFUND_SECRET_KEY, or one made once and kept under instance/ so sessions survive."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    make_private_directory(path.parent)
    key = secrets.token_hex(32)
    # Written whole into a file only this user can read, then linked into place: the key is
    # never readable by others, never seen half-written, and of two processes starting at once
    # the first to link wins (a rename would let the second replace the key the first uses).
    draft = path.with_name(f".secret_key.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(key)
            file.flush()
            os.fsync(file.fileno())
        os.link(draft, path)
    except FileExistsError:
        key = path.read_text().strip()
    finally:
        draft.unlink(missing_ok=True)
    return key


def create_app(config: dict[str, Any] | None = None, platform: Platform | None = None) -> Flask:
    app = CivicfundFlask(__name__, instance_path=str(Path.cwd() / "instance"))
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
    _configure_cookies(app, platform.settings, given=config or {})
    if platform.settings.proxies:
        hops = platform.settings.proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    login_manager.init_app(app)
    read_only.init_app(app)
    unsubscribe.init_app(app)
    pictures.init_app(app)  # before CSRF reads an upload's form
    csrf.init_app(app)
    picture_globals.init_app(app)
    locale.init_app(app)

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

    app.before_request(read_your_writes)

    @app.after_request
    def _stamp(response):
        response.headers[CORRELATION_HEADER] = g.get("correlation_id", "")
        if g.get("written_position"):
            # Where the command's events stand in the log (the worker and readers catch up).
            response.headers["X-Log-Position"] = str(g.written_position)
        if g.get("client_request_id"):
            response.headers[CLIENT_CORRELATION_HEADER] = g.client_request_id
        if platform.settings.now is not None:
            response.headers[CLOCK_FIXED_HEADER] = platform.settings.now.isoformat()
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"now": platform.clock.now(), "payments_mode": platform.settings.payments,
                "clock_fixed_at": platform.settings.now}

    from web import filters

    filters.register(app)
    _register_blueprints(app)

    from web import errors, rate_limits, security_headers, static_assets

    static_assets.init_app(app)
    errors.register(app)
    rate_limits.init_app(app, platform.settings)
    security_headers.init_app(app, platform.settings)

    @app.get("/favicon.ico")
    def favicon():
        return send_from_directory(
            app.static_folder or "static", "favicon.ico", mimetype="image/vnd.microsoft.icon",
            max_age=86400,
        )

    return app


def _configure_cookies(app: Flask, settings: Settings, given: dict[str, Any]) -> None:
    """Session cookies only over HTTPS, unless explicitly in local development
    (CIVICFUND_INSECURE_COOKIES=1, which `civicfund demo` and `civicfund run` set on loopback).
    A Secure cookie also takes the __Host- prefix: browsers then refuse it from plain HTTP, from
    another path or with a Domain, so no sibling site can plant one."""
    secure = not settings.insecure_cookies
    cookies = {
        "SESSION_COOKIE_SECURE": secure,
        "SESSION_COOKIE_NAME": "__Host-civicfund" if secure else "civicfund",
        "REMEMBER_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_HTTPONLY": True,
    }
    app.config.update({key: value for key, value in cookies.items() if key not in given})


def _register_blueprints(app: Flask) -> None:
    from web.blueprints import BLUEPRINTS

    for blueprint in BLUEPRINTS():
        app.register_blueprint(blueprint)

