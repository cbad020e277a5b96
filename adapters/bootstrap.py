"""The one place that wires the platform together from settings."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters.account_links import AccountLinks
from adapters.account_service import AccountService
from adapters.accounts import AccountStore
from adapters.conversation_texts import SqlConversationTexts
from adapters.erasure import Erasures
from adapters.follower import ProjectionFollower
from adapters.idempotency import IdempotencyStore
from adapters.ledger import LedgerQueries
from adapters.mail import Outbox, SmtpSettings
from adapters.picture_store import FilePictureStore, PictureStore
from adapters.pledge_index import ReadModelPledgeIndex
from adapters.profiles import Profiles
from adapters.queries import ReadModelQueries
from adapters.sandbox_payments import TEST_CARDS, SandboxGateway, SqlStore
from adapters.sessions import SessionStore
from adapters.settings import FIXED_CLOCK_WITH_STRIPE, Settings, picture_directory
from adapters.storage import (
    create_engine,
    create_read_engine,
    create_relaxed_engine,
    event_store_env,
)
from adapters.stripe_payments import StripeGateway
from adapters.stripe_webhooks import StripeInbox
from adapters.transparency_checkpoints import Checkpoints
from adapters.transparency_keys import load_log_key
from adapters.transparency_log import TransparencyLog
from adapters.transparency_receipts import positions_of, receipt_bundle
from adapters.transparency_verify import Verification, verify
from domain.application import Civicfund
from domain.kernel.clock import Clock, FixedClock, SystemClock
from domain.kernel.payments import PaymentGateway

log = logging.getLogger(__name__)


class ConfigurationError(Exception):
    pass


@dataclass
class Platform:
    settings: Settings
    engine: sa.Engine
    app: Civicfund
    accounts: AccountStore
    read: ReadModelQueries
    projections: ProjectionFollower
    payments: PaymentGateway
    idempotency: IdempotencyStore
    ledger: LedgerQueries
    clock: Clock = field(default_factory=SystemClock)
    outbox: Outbox | None = None
    sessions: SessionStore | None = None
    links: AccountLinks | None = None
    erasures: Erasures | None = None
    transparency: TransparencyLog | None = None
    checkpoints: Checkpoints | None = None
    pictures: PictureStore | None = None
    # The sandbox's test cards, offered on the pledge form in sandbox mode.
    test_cards: tuple[tuple[str, str], ...] = tuple(TEST_CARDS)
    # Fills in a message's signed links as it is sent (the web app sets it: it holds the key).
    personalise_mail: Callable[[Any], str] | None = None

    @property
    def webhooks(self) -> StripeInbox:
        return StripeInbox(self.engine, self.app, self.payments, self.clock, self.projections)

    def send_mail(self) -> int:
        """Send what waits in the outbox, if SMTP is configured. Returns how many were sent."""
        if not self.settings.smtp_host or self.outbox is None:
            return 0
        smtp = SmtpSettings(
            host=self.settings.smtp_host, port=self.settings.smtp_port,
            username=self.settings.smtp_username, password=self.settings.smtp_password,
            sender=self.settings.smtp_from, starttls=self.settings.smtp_starttls,
        )

        def address_of(account_id: UUID) -> str | None:
            account = self.accounts.get(account_id)
            return account.email if account else None

        return self.outbox.send_pending(smtp, address_of, self.personalise_mail)

    @property
    def profiles(self) -> Profiles:
        return Profiles(self.engine)

    @property
    def account_service(self) -> AccountService:
        return AccountService(self.app, self.accounts, self.projections, self.sessions)

    def register(
        self, *, email: str, name: str, password: str, role: str = "citizen",
        city_id: UUID | None = None, verified: bool = False,
    ) -> UUID:
        """Create an account (see AccountService.register)."""
        return self.account_service.register(
            email=email, name=name, password=password, role=role, city_id=city_id,
            verified=verified,
        )

    def change_role(self, account_id: UUID, role: str, city_id: UUID | None) -> None:
        self.account_service.change_role(account_id, role, city_id)

    def change_password(self, account_id: UUID, password: str, *,
                        keep_session: str | None = None) -> None:
        self.account_service.change_password(account_id, password, keep_session=keep_session)

    def log_positions(self, aggregate_id: UUID, naming: dict[str, str] | None = None
                      ) -> list[int]:
        """Where an aggregate's events stand in the transparency log (with `naming`, only
        those whose payload names it, e.g. {"commitment_id": id})."""
        return positions_of(self.transparency, aggregate_id, naming)

    def receipt(self, *aggregate_ids: UUID, naming: dict[str, str] | None = None
                ) -> dict[str, Any]:
        return receipt_bundle(self.transparency, self.checkpoints, list(aggregate_ids), naming)

    def verify_log(self) -> Verification:
        return verify(self.engine, self.checkpoints)

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()
        self.read.engine.dispose()
        self.idempotency.engine.dispose()


def build_payments(settings: Settings, engine: sa.Engine,
                   relaxed: sa.Engine | None = None) -> PaymentGateway:
    if settings.payments == "sandbox":
        # On PostgreSQL a pledge's hold is written in the transaction that records the pledge.
        return SandboxGateway(SqlStore(engine, relaxed=relaxed, writes_along=True))
    if settings.payments == "stripe":
        if not settings.stripe_secret_key:
            raise ConfigurationError(
                "CIVICFUND_PAYMENTS=stripe needs CIVICFUND_STRIPE_SECRET_KEY (and, for the pledge "
                "page, CIVICFUND_STRIPE_PUBLISHABLE_KEY)"
            )
        return StripeGateway(settings.stripe_secret_key, settings.stripe_api_base or None)
    raise ConfigurationError(
        f"CIVICFUND_PAYMENTS={settings.payments!r} is not a payment mode: use sandbox or stripe"
    )


def build_clock(settings: Settings) -> Clock:
    """The real clock, or the one CIVICFUND_NOW fixes (never beside Stripe payments)."""
    if settings.now is None:
        return SystemClock()
    if settings.payments == "stripe":
        raise ConfigurationError(FIXED_CLOCK_WITH_STRIPE)
    log.warning(
        "THE CLOCK IS FIXED at %s (CIVICFUND_NOW) for a demo: nothing here happens in real time",
        settings.now.isoformat(),
    )
    return FixedClock(settings.now)


def build_platform(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    payments: PaymentGateway | None = None,
) -> Platform:
    settings = settings or Settings.from_env()
    clock = clock or build_clock(settings)
    engine = create_engine(settings.database_url)
    relaxed = create_relaxed_engine(settings.database_url, engine)
    reads = create_read_engine(settings.database_url, engine)
    payments = payments or build_payments(settings, engine, relaxed)
    pledge_index = ReadModelPledgeIndex(engine)
    app = Civicfund(
        conversation_texts=SqlConversationTexts(engine),
        env=event_store_env(settings.database_url),
        payments=payments,
        clock=clock,
        hold_max_days=settings.hold_max_days,
        pledge_index=pledge_index,
    )
    projections = ProjectionFollower(app, engine)
    pledge_index.projections = projections
    read = ReadModelQueries(reads)
    return Platform(
        settings=settings,
        engine=engine,
        app=app,
        accounts=AccountStore(
            engine, settings.password_method, token_days=settings.api_token_days, reads=reads,
        ),
        read=read,
        ledger=LedgerQueries(reads),
        projections=projections,
        payments=payments,
        idempotency=IdempotencyStore(relaxed,
                                     lease=timedelta(seconds=settings.idempotency_lease)),
        clock=clock,
        outbox=Outbox(engine),
        sessions=SessionStore(
            engine, idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_max_hours),
        ),
        links=AccountLinks(engine),
        erasures=Erasures(engine, app, projections, read),
        transparency=TransparencyLog(engine, reads,
                                     log_head=app.recorder.max_notification_id),
        checkpoints=Checkpoints(engine, clock, lambda: load_log_key(settings),
                                settings.log_origin, reads),
        pictures=FilePictureStore(picture_directory(settings)),
    )
