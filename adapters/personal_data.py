"""A person's data, as they download it: their account, their pledges with amounts and states,
the mail written to them, what is recorded about their API tokens (never a token or its hash),
the pilots they deliver, the proposals they wrote to the cities' calls, their investment
commitments and when they passed the appropriateness check, and any erasure they asked for.
The API and the account page write it with the same schema
(web/accounts/personal_data_json.py `PersonalDataSchema`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.accounts import AccountRecord
from adapters.erasure import ErasureRequest, Erasures
from adapters.mail import Outbox
from adapters.offer_queries import InvestmentView
from adapters.procurement_queries import ProposalView
from adapters.profiles import Profiles
from adapters.queries import PledgeView, ProjectView, ReadModelQueries

# Left out of a token's metadata: its hash (it identifies the secret, and downloads get kept
# carelessly) and the owner's id (the account part says it once).
_TOKEN_SECRETS = {"token_hash", "account_id"}


@dataclass(frozen=True)
class PersonalData:
    exported_at: datetime
    account: AccountRecord
    city: str | None
    pledges: list[PledgeView]
    mail: list[Any]
    api_tokens: list[dict[str, Any]]
    delivered_projects: list[ProjectView] = field(default_factory=list)
    proposals: list[ProposalView] = field(default_factory=list)
    investments: list[InvestmentView] = field(default_factory=list)
    appropriateness_passed_at: datetime | None = None
    erasure: ErasureRequest | None = None
    comments: list[Any] = field(default_factory=list)
    display_name: str | None = None


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, UUID):
        return str(value)
    return value


def token_metadata(engine: sa.Engine, account_id: UUID) -> list[dict[str, Any]]:
    """Every column recorded about the account's tokens but the hash, oldest first."""
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(t.api_tokens).where(t.api_tokens.c.account_id == account_id)
            .order_by(t.api_tokens.c.created_at)
        ).all()
    return [
        {name: _plain(value) for name, value in row._mapping.items() if name not in _TOKEN_SECRETS}
        for row in rows
    ]


def personal_data(
    account: AccountRecord, *, engine: sa.Engine, read: ReadModelQueries, outbox: Outbox | None,
    erasures: Erasures | None, now: datetime,
) -> PersonalData:
    city = read.city(account.city_id) if account.city_id else None
    mail = outbox.messages(account_id=account.id, limit=100_000) if outbox else []
    return PersonalData(
        exported_at=now,
        account=account,
        city=city.name if city else None,
        pledges=read.pledges_of(account.id),
        mail=[_Message(m) for m in mail],
        api_tokens=token_metadata(engine, account.id),
        delivered_projects=read.projects_delivered_by(account.id),
        proposals=read.proposals_of(account.id),
        investments=read.investments_of(account.id),
        appropriateness_passed_at=_aware(read.appropriateness_passed_at(account.id)),
        erasure=erasures.request_of(account.id) if erasures else None,
        comments=read.comments_by(account.id),
        display_name=Profiles(engine).display_name_of(account.id),
    )


class _Message:
    """An outbox row with its times made aware (SQLite gives them back naive)."""

    def __init__(self, row: Any):
        self.kind, self.subject, self.body = row.kind, row.subject, row.body
        self.pledge_id = row.pledge_id
        self.created_at = _aware(row.created_at)
        self.sent_at = _aware(row.sent_at)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
