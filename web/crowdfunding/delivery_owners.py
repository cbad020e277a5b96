"""Who may be made a pilot's delivery owner: a proposer's account, named by its email. Shared by
the console's form and the API."""

from __future__ import annotations

from adapters.accounts import AccountRecord, InvalidAccount
from web.services import platform

PROPOSER = "proposer"

NO_PROPOSER = (
    "No proposer's account has that email. Check the address; if the person has no account yet, "
    "they register and an administrator gives their account the proposer role."
)


def proposer_account(email: str) -> AccountRecord:
    """The proposer's account with this email, or InvalidAccount on the `email` field.

    An unknown email and an account of another role get the same answer: the form must not tell
    an officer whether an address has an account, nor what its role is.
    """
    account = platform().accounts.by_email(email or "")
    if account is None or account.role != PROPOSER:
        raise InvalidAccount(NO_PROPOSER, field="email")
    return account
