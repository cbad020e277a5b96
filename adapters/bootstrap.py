"""The one place that wires the platform together from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID

import sqlalchemy as sa

from adapters.accounts import AccountStore, EmailTaken, check_new_account
from adapters.erasure import Erasures
from adapters.follower import ProjectionFollower
from adapters.mail import Outbox, SmtpSettings
from adapters.queries import ReadModelQueries
from adapters.sandbox_payments import SandboxGateway, SqlStore
from adapters.settings import Settings
from adapters.settlement import ReadModelPledgeIndex
from adapters.storage import create_engine, event_store_env
from adapters.stripe_payments import StripeGateway
from domain.application import Civicfund
from domain.clock import Clock, SystemClock
from domain.payments import PaymentGateway


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
    clock: Clock = field(default_factory=SystemClock)
    outbox: Outbox | None = None
    erasures: Erasures | None = None

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

        return self.outbox.send_pending(smtp, address_of)

    def register(
        self, *, email: str, name: str, password: str, role: str = "citizen",
        city_id: UUID | None = None,
    ) -> UUID:
        """Create an account: its role goes into the log, its personal data into `accounts`."""
        email, name = check_new_account(email, name, password)
        if self.accounts.email_taken(email):
            raise EmailTaken("An account with this email already exists")
        account_id = self.app.register_account(role, city_id)
        self.accounts.add(
            account_id, email=email, name=name, password=password, role=role, city_id=city_id
        )
        return account_id

    def change_role(self, account_id: UUID, role: str, city_id: UUID | None) -> None:
        self.app.change_account_role(account_id, role, city_id)
        self.accounts.set_role(account_id, role, city_id if role == "city" else None)

    def close(self) -> None:
        self.app.close()
        self.engine.dispose()


def build_payments(settings: Settings, engine: sa.Engine) -> PaymentGateway:
    if settings.payments == "sandbox":
        return SandboxGateway(SqlStore(engine))
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


def build_platform(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    payments: PaymentGateway | None = None,
) -> Platform:
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    engine = create_engine(settings.database_url)
    payments = payments or build_payments(settings, engine)
    pledge_index = ReadModelPledgeIndex(engine)
    app = Civicfund(
        env=event_store_env(settings.database_url),
        payments=payments,
        clock=clock,
        hold_max_days=settings.hold_max_days,
        pledge_index=pledge_index,
    )
    projections = ProjectionFollower(app, engine)
    pledge_index.projections = projections
    read = ReadModelQueries(engine)
    return Platform(
        settings=settings,
        engine=engine,
        app=app,
        accounts=AccountStore(engine, settings.password_method),
        read=read,
        projections=projections,
        payments=payments,
        clock=clock,
        outbox=Outbox(engine),
        erasures=Erasures(engine, app, projections, read),
    )
