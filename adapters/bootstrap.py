"""The one place that wires the platform together from settings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from uuid import UUID, uuid4

import sqlalchemy as sa

from adapters.account_links import AccountLinks
from adapters.accounts import AccountStore, InvalidAccount, check_new_account
from adapters.erasure import Erasures
from adapters.follower import ProjectionFollower
from adapters.idempotency import IdempotencyStore
from adapters.ledger import LedgerQueries
from adapters.mail import Outbox, SmtpSettings
from adapters.password_policy import password_problem
from adapters.queries import ReadModelQueries
from adapters.sandbox_payments import SandboxGateway, SqlStore
from adapters.sessions import SessionStore
from adapters.settings import Settings
from adapters.settlement import ReadModelPledgeIndex
from adapters.storage import create_engine, event_store_env
from adapters.stripe_payments import StripeGateway
from domain.application import Civicfund
from domain.clock import Clock, SystemClock
from domain.errors import NotFound
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
    idempotency: IdempotencyStore
    ledger: LedgerQueries
    clock: Clock = field(default_factory=SystemClock)
    outbox: Outbox | None = None
    sessions: SessionStore | None = None
    links: AccountLinks | None = None
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
        city_id: UUID | None = None, verified: bool = False,
    ) -> UUID:
        """Create an account: its role goes into the log, its personal data into `accounts`.

        The row claims the email first (the unique key decides between two sign-ups at once),
        then the log records the account; if that fails the claim is taken back, so the log and
        the table always agree. `verified`: the email counts as confirmed (accounts made by an
        administrator, the command line or the demo); self-registered ones confirm by mail.
        """
        email, name = check_new_account(email, name, password)
        account_id = uuid4()
        self.accounts.add(
            account_id, email=email, name=name, password=password, role=role, city_id=city_id,
            verified=verified,
        )
        try:
            self.app.register_account(role, city_id, account_id=account_id)
        except BaseException:
            if not self._account_recorded(account_id):
                self.accounts.remove(account_id)
                raise
        return account_id

    def _account_recorded(self, account_id: UUID) -> bool:
        """Whether the log has the account after all (an error may come after the commit)."""
        try:
            self.app.get_account(account_id)
        except NotFound:
            return False
        except Exception:  # the log cannot be read now: keep the row rather than guess
            return True
        return True

    def change_role(self, account_id: UUID, role: str, city_id: UUID | None) -> None:
        """A new role ends the account's sessions: it signs in again to act under it."""
        self.app.change_account_role(account_id, role, city_id)
        self.accounts.set_role(account_id, role, city_id if role == "city" else None)
        if self.sessions is not None:
            self.sessions.end_all(account_id)

    def change_password(
        self, account_id: UUID, password: str, *, keep_session: str | None = None,
    ) -> None:
        """Set a new password (it must meet the policy) and end every other session."""
        account = self.accounts.get(account_id)
        if account is None:
            raise NotFound("No such account")
        problem = password_problem(password, email=account.email)
        if problem:
            raise InvalidAccount(problem, field="password")
        self.accounts.set_password(account_id, password)
        if self.sessions is not None:
            self.sessions.end_all(account_id, keep=keep_session)

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
        accounts=AccountStore(
            engine, settings.password_method, token_days=settings.api_token_days
        ),
        read=read,
        ledger=LedgerQueries(engine),
        projections=projections,
        payments=payments,
        idempotency=IdempotencyStore(engine, lease=timedelta(seconds=settings.idempotency_lease)),
        clock=clock,
        outbox=Outbox(engine),
        sessions=SessionStore(
            engine, idle=timedelta(minutes=settings.session_idle_minutes),
            lifetime=timedelta(hours=settings.session_max_hours),
        ),
        links=AccountLinks(engine),
        erasures=Erasures(engine, app, projections, read),
    )
