"""Security headers on every response: a Content-Security-Policy, HSTS over HTTPS, a
Permissions-Policy, and `Cache-Control: no-store` on anything personal.

Our own few lines rather than flask-talisman: talisman redirects to HTTPS and sets the session
cookie's flags itself, both of which this app decides elsewhere (the proxy terminates TLS;
web/app.py sets the cookie flags from the settings), and it has no notion of which responses are
personal. The pages need no inline script or style (bars use the classes in static/bars.css), so
the policy allows only this site's own files, plus Stripe's Payment Element in stripe mode.
"""

from __future__ import annotations

from flask import Flask, request, session

from adapters.settings import Settings

SELF_ONLY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "frame-src": ["'none'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}
# What Stripe.js and its Payment Element load (Stripe's own CSP guidance).
STRIPE = {
    "script-src": ["https://js.stripe.com", "https://*.js.stripe.com"],
    "frame-src": ["https://js.stripe.com", "https://*.js.stripe.com", "https://hooks.stripe.com"],
    "connect-src": ["https://api.stripe.com"],
    "img-src": ["https://*.stripe.com"],
}
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), "
    "microphone=(), usb=(), interest-cohort=()"
)
HSTS = "max-age=31536000; includeSubDomains"
# Pages whose answer is private even to someone not signed in: they carry or take a secret.
PRIVATE_ENDPOINTS = frozenset({
    "auth.login", "auth.register", "password_reset.forgot", "password_reset.reset",
    "email_confirmation.confirm", "api.issue_token", "api.list_tokens", "api.revoke_token",
})


def content_security_policy(settings: Settings) -> str:
    directives = {name: list(sources) for name, sources in SELF_ONLY.items()}
    if settings.payments == "stripe":
        for name, sources in STRIPE.items():
            directives[name] = [s for s in directives[name] if s != "'none'"] + sources
    return "; ".join(f"{name} {' '.join(sources)}" for name, sources in directives.items())


def is_personal() -> bool:
    """Whether this answer is for one person: it came with credentials or carries secrets."""
    if request.endpoint == "static":
        return False
    return (
        "Authorization" in request.headers
        or "_user_id" in session
        or request.endpoint in PRIVATE_ENDPOINTS
        or (request.endpoint or "").startswith("security.")
    )


def init_app(app: Flask, settings: Settings) -> None:
    policy = content_security_policy(settings)

    always = [
        ("Content-Security-Policy", policy),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "same-origin"),
        ("Permissions-Policy", PERMISSIONS_POLICY),
        ("X-Frame-Options", "DENY"),  # for browsers before frame-ancestors
        ("Cross-Origin-Opener-Policy", "same-origin"),
    ]
    over_https = [*always, ("Strict-Transport-Security", HSTS)]

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        # A view may have set its own (a stricter policy, say): those stay as they are.
        present = {name.lower() for name, _ in headers}
        headers.extend([(name, value)
                        for name, value in (over_https if request.is_secure else always)
                        if name.lower() not in present])
        if is_personal():
            headers["Cache-Control"] = "no-store"
            headers.pop("Expires", None)
        return response
