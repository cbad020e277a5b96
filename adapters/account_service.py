"""Accounts' use cases that span the log and the accounts table: registering, changing a role,
changing a password.

The log is the source of an account's role: `Account.Registered` and `Account.RoleChanged` are
recorded first, and the accounts table's role and city are written from them by the projection
(adapters/projections.py), in the transaction that moves its position, so the two never
disagree. The table alone holds personal data (name, email, password hash)."""

from __future__ import annotations

from uuid import UUID, uuid4

from adapters.accounts import AccountStore, InvalidAccount, check_new_account
from adapters.follower import ProjectionFollower
from adapters.password_policy import password_problem
from adapters.sessions import SessionStore
from domain.application import Civicfund
from domain.kernel.errors import NotFound


class AccountService:
    def __init__(self, app: Civicfund, accounts: AccountStore, projections: ProjectionFollower,
                 sessions: SessionStore | None):
        self.app = app
        self.accounts = accounts
        self.projections = projections
        self.sessions = sessions

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
        """Record the new role; the projection writes it to the accounts table. A new role ends
        the account's sessions: it signs in again to act under it."""
        self.app.change_account_role(account_id, role, city_id)
        self.projections.catch_up()
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
