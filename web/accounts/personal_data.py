"""A person's data for download, gathered once for the account page and the API."""

from __future__ import annotations

from adapters.accounts import AccountRecord
from adapters.personal_data import PersonalData, personal_data
from web.services import platform


def data_of(account: AccountRecord) -> PersonalData:
    p = platform()
    return personal_data(
        account, engine=p.engine, read=p.read, outbox=p.outbox, erasures=p.erasures,
        now=p.clock.now(),
    )
