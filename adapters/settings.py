"""Configuration from the environment: one place that names every setting."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

DEFAULT_INSTANCE = Path.cwd() / "instance"


def default_database_url() -> str:
    return f"sqlite:///{DEFAULT_INSTANCE / 'civicfund.sqlite3'}"


@dataclass(frozen=True)
class Settings:
    database_url: str = field(default_factory=default_database_url)
    payments: str = "sandbox"
    secret_key: str = ""
    hold_max_days: int = 6
    stripe_secret_key: str = ""
    stripe_publishable_key: str = ""
    stripe_api_base: str = ""
    stripe_webhook_secret: str = ""
    password_method: str = "scrypt"  # noqa: S105 - a hash method name, not a password
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_username: str = ""
    smtp_password: str = ""
    smtp_from: str = "civicfund <no-reply@civicfund.invalid>"
    smtp_starttls: bool = True
    idempotency_lease: int = 60
    # "on" (the limits in web/rate_limits.py) or "off" (load tests and benchmarks)
    rate_limits: str = "on"
    rate_limit_storage: str = "memory://"
    # Only local development serves plain HTTP: everywhere else session cookies are Secure.
    insecure_cookies: bool = False
    session_idle_minutes: int = 30
    session_max_hours: int = 12
    api_token_days: int = 30
    # Where mailed links point (https://civicfund.example.org); empty: the address asked for.
    public_url: str = ""
    # How many proxies in front of the web server set X-Forwarded-For (0: none, trust no header).
    proxies: int = 0
    # CIVICFUND_NOW: the application's clock fixed at this moment (demos only; never with Stripe).
    now: datetime | None = None
    # The transparency log's Ed25519 key (PRIVATE+KEY+name+id+key); empty: one kept in instance/.
    log_signing_key: str = ""
    # The checkpoints' origin line; empty: the public URL's host and path plus /log.
    log_origin: str = ""
    # Where uploaded pictures are kept (CIVICFUND_PICTURE_DIR); empty: a pictures/ directory
    # beside the SQLite file, or under instance/ with PostgreSQL.
    picture_dir: str = ""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        return cls(
            database_url=env.get("CIVICFUND_DATABASE_URL") or default_database_url(),
            payments=env.get("CIVICFUND_PAYMENTS", "sandbox"),
            secret_key=env.get("CIVICFUND_SECRET_KEY", ""),
            hold_max_days=int(env.get("CIVICFUND_HOLD_MAX_DAYS", "6")),
            stripe_secret_key=env.get("CIVICFUND_STRIPE_SECRET_KEY", ""),
            stripe_publishable_key=env.get("CIVICFUND_STRIPE_PUBLISHABLE_KEY", ""),
            stripe_api_base=env.get("CIVICFUND_STRIPE_API_BASE", ""),
            stripe_webhook_secret=env.get("CIVICFUND_STRIPE_WEBHOOK_SECRET", ""),
            password_method=env.get("CIVICFUND_PASSWORD_HASH", "scrypt"),
            smtp_host=env.get("CIVICFUND_SMTP_HOST", ""),
            smtp_port=int(env.get("CIVICFUND_SMTP_PORT", "587")),
            smtp_username=env.get("CIVICFUND_SMTP_USERNAME", ""),
            smtp_password=env.get("CIVICFUND_SMTP_PASSWORD", ""),
            smtp_from=env.get("CIVICFUND_SMTP_FROM", "civicfund <no-reply@civicfund.invalid>"),
            smtp_starttls=env.get("CIVICFUND_SMTP_STARTTLS", "true").lower()
            not in ("0", "false", "no"),
            idempotency_lease=int(env.get("CIVICFUND_IDEMPOTENCY_LEASE", "60")),
            rate_limits=rate_limits_mode(env.get("CIVICFUND_RATE_LIMITS", "on")),
            rate_limit_storage=env.get("CIVICFUND_RATE_LIMIT_STORAGE") or "memory://",
            insecure_cookies=env.get("CIVICFUND_INSECURE_COOKIES", "").lower()
            in ("1", "true", "yes"),
            session_idle_minutes=int(env.get("CIVICFUND_SESSION_IDLE_MINUTES", "30")),
            session_max_hours=int(env.get("CIVICFUND_SESSION_MAX_HOURS", "12")),
            api_token_days=int(env.get("CIVICFUND_API_TOKEN_DAYS", "30")),
            public_url=env.get("CIVICFUND_PUBLIC_URL", "").rstrip("/"),
            proxies=int(env.get("CIVICFUND_PROXIES", "0")),
            log_signing_key=env.get("CIVICFUND_LOG_SIGNING_KEY", ""),
            log_origin=env.get("CIVICFUND_LOG_ORIGIN", "").strip(),
            picture_dir=env.get("CIVICFUND_PICTURE_DIR", "").strip(),
            now=fixed_now(env.get("CIVICFUND_NOW", ""), env.get("CIVICFUND_PAYMENTS", "sandbox")),
        )


def picture_directory(settings: Settings) -> Path:
    if settings.picture_dir:
        return Path(settings.picture_dir)
    url = settings.database_url
    if url.startswith("sqlite:///") and not url.endswith(":memory:"):
        return Path(url.removeprefix("sqlite:///")).parent / "pictures"
    return DEFAULT_INSTANCE / "pictures"


def rate_limits_mode(text: str) -> str:
    """`on` or `off`; anything else is a mistake worth stopping for, not a silent default."""
    mode = (text or "on").strip().lower()
    if mode in ("on", "1", "true", "yes"):
        return "on"
    if mode in ("off", "0", "false", "no"):
        return "off"
    raise ValueError(f"CIVICFUND_RATE_LIMITS={text!r}: use on or off")


FIXED_CLOCK_WITH_STRIPE = (
    "CIVICFUND_NOW fixes the clock for demos and is refused with CIVICFUND_PAYMENTS=stripe: "
    "unset CIVICFUND_NOW, or use sandbox payments"
)


def fixed_now(text: str, payments: str = "sandbox") -> datetime | None:
    """CIVICFUND_NOW: an ISO 8601 timestamp with its zone, or nothing (the real clock).

    A fixed clock is for demos of schedules that span years: real money must never move on a
    made-up date, so it is refused beside Stripe payments."""
    text = (text or "").strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(
            f"CIVICFUND_NOW={text!r} is not an ISO 8601 timestamp: use one with its zone, "
            "such as 2027-03-01T09:00:00+00:00"
        ) from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(
            f"CIVICFUND_NOW={text!r} has no time zone: add one, such as 2027-03-01T09:00:00+00:00"
        )
    if (payments or "").strip().lower() == "stripe":
        raise ValueError(FIXED_CLOCK_WITH_STRIPE)
    return moment.astimezone(UTC)
