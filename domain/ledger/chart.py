"""The chart of accounts. An account's name reads as what it holds, e.g.
`project/<id>/pledged`, `fund/<id>/reserved/<project id>` or `citizen/<id>/promised/EUR` (a
citizen backs pilots in several cities, so their accounts are per currency).

Balances are signed: money moves from one account to another, so an account that money leaves
(a citizen's promise, a sponsor's contribution, what a project owes its delivery owner) reads
negative, and the accounts that hold money read positive. `SOURCES` are the accounts whose
balance is never positive; every other account's is never negative.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from uuid import UUID

# The buckets of each kind of owner, and what a fourth part of the name holds, if any.
PROJECT, CURRENCY = "project", "currency"
BUCKETS: dict[str, dict[str, str | None]] = {
    "citizen": {"promised": CURRENCY, "paid": CURRENCY},
    "project": {"pledged": None, "pending": None, "charged": None, "payout": None,
                "owed": None, "benefits": None, "city": None, "communityfund": None,
                "proposer": None},
    "fund": {"sponsor": None, "available": None, "reserved": PROJECT, "committed": PROJECT,
             "returned": None},
    "budget-line": {"budget": None, "available": None, "committed": PROJECT, "drawn": PROJECT},
    "offer": {"committed": PROJECT, "due": PROJECT, "paidin": PROJECT},
    "investor": {"committed": CURRENCY, "due": CURRENCY, "received": CURRENCY,
                 "paidin": CURRENCY, "receivable": CURRENCY},
    "city": {"bonds": CURRENCY},
}

# The accounts money comes from: never positive.
SOURCES = {("citizen", "promised"), ("citizen", "paid"), ("fund", "sponsor"),
           ("project", "owed"), ("budget-line", "budget"), ("investor", "committed"),
           ("investor", "due"), ("project", "benefits"), ("investor", "paidin"),
           ("city", "bonds")}

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_NAME = re.compile(
    rf"^(citizen|project|fund|budget-line|offer|investor|city)/({_UUID})/([a-z]+)(?:/({_UUID}|[A-Z]{{3}}))?$"
)


class UnknownAccount(ValueError):
    """Not the name of an account in the chart."""


@dataclass(frozen=True)
class Account:
    owner: str  # citizen, project, fund, budget-line, offer, investor or city
    owner_id: UUID
    bucket: str
    project_id: UUID | None = None  # for a fund's reserved and committed money, per project
    currency: str | None = None  # for a citizen's money, per currency

    @property
    def name(self) -> str:
        base = f"{self.owner}/{self.owner_id}/{self.bucket}"
        part = self.project_id or self.currency
        return f"{base}/{part}" if part else base

    @property
    def is_source(self) -> bool:
        return (self.owner, self.bucket) in SOURCES

    def __str__(self) -> str:
        return self.name


def parse(name: str) -> Account:
    """The account a name stands for; UnknownAccount if the chart has none by that name."""
    match = _NAME.match(name or "")
    if not match:
        raise UnknownAccount(f"{name!r} is not an account name (e.g. project/<id>/pledged)")
    owner, owner_id, bucket, part = match.groups()
    if bucket not in BUCKETS[owner]:
        raise UnknownAccount(f"{name!r} is not an account of the chart")
    fourth = BUCKETS[owner][bucket]
    if fourth == PROJECT and part and len(part) == 36:
        return Account(owner, UUID(owner_id), bucket, project_id=UUID(part))
    if fourth == CURRENCY and part and len(part) == 3:
        return Account(owner, UUID(owner_id), bucket, currency=part)
    if fourth is None and part is None:
        return Account(owner, UUID(owner_id), bucket)
    raise UnknownAccount(f"{name!r} is not an account of the chart")


# -- a citizen ---------------------------------------------------------------------------------

def promised(citizen_id: UUID, currency: str) -> Account:
    """What the citizen has promised and not yet paid or taken back (negative)."""
    return Account("citizen", citizen_id, "promised", currency=currency)


def paid(citizen_id: UUID, currency: str) -> Account:
    """What the citizen has paid and not had refunded (negative)."""
    return Account("citizen", citizen_id, "paid", currency=currency)


# -- a project ---------------------------------------------------------------------------------

def pledged(project_id: UUID) -> Account:
    """Pledges authorised (a card hold or a saved card) and not yet charged."""
    return Account("project", project_id, "pledged")


def pending(project_id: UUID) -> Account:
    """Pledges whose charge failed at close and can still be fixed."""
    return Account("project", project_id, "pending")


def charged(project_id: UUID) -> Account:
    """Pledges charged and not refunded."""
    return Account("project", project_id, "charged")


def payout(project_id: UUID) -> Account:
    """What the project's delivery owner is owed: charges and committed matches, as settled."""
    return Account("project", project_id, "payout")


def owed(project_id: UUID) -> Account:
    """The platform's side of the payout (negative)."""
    return Account("project", project_id, "owed")


# -- a matching fund ---------------------------------------------------------------------------

def sponsor(fund_id: UUID) -> Account:
    """What the sponsor put in: the pool, negative."""
    return Account("fund", fund_id, "sponsor")


def available(fund_id: UUID) -> Account:
    return Account("fund", fund_id, "available")


def reserved(fund_id: UUID, project_id: UUID) -> Account:
    """Matches and grants held for a project until its pledges are charged or let go."""
    return Account("fund", fund_id, "reserved", project_id)


def committed(fund_id: UUID, project_id: UUID) -> Account:
    """Matches and grants paid to a project."""
    return Account("fund", fund_id, "committed", project_id)


def returned(fund_id: UUID) -> Account:
    """What went back to the sponsor when the fund closed (and what was let go after)."""
    return Account("fund", fund_id, "returned")


# -- a department's budget line ----------------------------------------------------------------

def line_budget(line_id: UUID) -> Account:
    """What the department's budget put into the line: its amount, negative."""
    return Account("budget-line", line_id, "budget")


def line_available(line_id: UUID) -> Account:
    """The line's money not committed to any pilot."""
    return Account("budget-line", line_id, "available")


def line_committed(line_id: UUID, project_id: UUID) -> Account:
    """What the line holds for a pilot until the pilot's outcome is decided."""
    return Account("budget-line", line_id, "committed", project_id)


def line_drawn(line_id: UUID, project_id: UUID) -> Account:
    """What the line paid to a pilot (drawn at the decision)."""
    return Account("budget-line", line_id, "drawn", project_id)


# -- an investment offer and its investors -------------------------------------------------------


def offer_committed(offer_id: UUID, project_id: UUID) -> Account:
    """Investors' commitments to the offer, held until the pilot's outcome is decided."""
    return Account("offer", offer_id, "committed", project_id)


def offer_due(offer_id: UUID, project_id: UUID) -> Account:
    """Commitments called to pay in (the pilot was funded and the offer reached its minimum)."""
    return Account("offer", offer_id, "due", project_id)


def investor_committed(account_id: UUID, currency: str) -> Account:
    """What the investor has committed and that is not yet decided (negative)."""
    return Account("investor", account_id, "committed", currency=currency)


def investor_due(account_id: UUID, currency: str) -> Account:
    """What the investor owes to pay in (negative)."""
    return Account("investor", account_id, "due", currency=currency)


# -- a benefit-sharing agreement's distributions -------------------------------------------------


def benefits(project_id: UUID) -> Account:
    """The pilot's approved benefits distributed through its agreement (negative)."""
    return Account("project", project_id, "benefits")


# The waterfall's parties other than the investors, by the bucket of the pilot they receive in.
PARTY_BUCKETS = {"city": "city", "community_fund": "communityfund", "proposer": "proposer"}


def party_received(project_id: UUID, party: str) -> Account:
    """What a party (the city, the community fund, the proposer) received from the pilot's
    distributions."""
    return Account("project", project_id, PARTY_BUCKETS[party])


def investor_received(account_id: UUID, currency: str) -> Account:
    """What the investor received from distributions."""
    return Account("investor", account_id, "received", currency=currency)


# -- paying in and bond payments -----------------------------------------------------------------


def offer_paid_in(offer_id: UUID, project_id: UUID) -> Account:
    """Commitments paid in through the payments port."""
    return Account("offer", offer_id, "paidin", project_id)


def investor_paid_in(account_id: UUID, currency: str) -> Account:
    """What the investor has paid in (negative)."""
    return Account("investor", account_id, "paidin", currency=currency)


def investor_receivable(account_id: UUID, currency: str) -> Account:
    """Bond payments fallen due to the investor and not yet paid out (a failed payout stays
    here until it goes through)."""
    return Account("investor", account_id, "receivable", currency=currency)


def city_bonds(city_id: UUID, currency: str) -> Account:
    """What the city has owed on its community bonds' schedule lines so far (negative)."""
    return Account("city", city_id, "bonds", currency=currency)
