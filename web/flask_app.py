"""The Flask application class: Flask's own, with addresses built once per process and the
session cookie's signer made once per secret key."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.globals import _cv_request
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer


class KeptSignerSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie sessions. Flask makes the signer (and derives its keys) for every
    request, the first thing every request does; it depends only on the secret keys."""

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        kept = app.__dict__.setdefault("_kept_signers", {})
        signer = kept.get(key)
        if signer is None:
            signer = kept[key] = super().get_signing_serializer(app)
        return signer


class CivicfundFlask(Flask):
    """A page builds a dozen addresses (links, forms, the ledger's "how it adds up"); the same
    endpoint and values under the same script root always give the same path, so a path is
    built once and kept. Only plain in-request paths are kept: external addresses, schemes,
    relative endpoints (".name") and unhashable values take Flask's way every time."""

    _kept_urls: dict[tuple[Any, ...], str]
    KEPT_URLS = 8192
    session_interface = KeptSignerSessions()

    def url_for(self, /, endpoint: str, *, _anchor: str | None = None,
                _method: str | None = None, _scheme: str | None = None,
                _external: bool | None = None, **values: Any) -> str:
        request_context = _cv_request.get(None)
        if (request_context is None or request_context.url_adapter is None or _external
                or _scheme is not None or endpoint[:1] == "."):
            return super().url_for(endpoint, _anchor=_anchor, _method=_method,
                                   _scheme=_scheme, _external=_external, **values)
        try:
            key = (request_context.url_adapter.script_name, endpoint, _anchor, _method,
                   *sorted(values.items()))
            hash(key)
        except TypeError:
            return super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
        kept = self.__dict__.setdefault("_kept_urls", {})
        found = kept.get(key)
        if found is None:
            found = super().url_for(endpoint, _anchor=_anchor, _method=_method, **values)
            if len(kept) >= self.KEPT_URLS:
                kept.clear()
            kept[key] = found
        return found
