"""Postings: the legs of one money movement, which always sum to zero per currency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from domain.ledger.chart import Account


class Unbalanced(ValueError):
    """An event's postings do not sum to zero."""


@dataclass(frozen=True)
class Posting:
    account: Account
    amount: int  # minor units, signed: positive into the account, negative out of it
    currency: str
    pledge_id: UUID | None = None  # the pledge the movement concerns, if one


def move(amount: int, currency: str, source: Account, target: Account, *,
         pledge_id: UUID | None = None) -> list[Posting]:
    """`amount` leaves `source` for `target`."""
    if amount == 0:
        return []
    return [Posting(source, -amount, currency, pledge_id),
            Posting(target, amount, currency, pledge_id)]


def check_balanced(postings: Iterable[Posting]) -> None:
    totals: dict[str, int] = defaultdict(int)
    for posting in postings:
        totals[posting.currency] += posting.amount
    unbalanced = {currency: total for currency, total in totals.items() if total}
    if unbalanced:
        raise Unbalanced(f"postings do not balance: {unbalanced}")


def crosses_sign(account: Account, balance: int) -> bool:
    """Whether a balance is one its account must never have (a source above zero, any other
    account below zero)."""
    return balance > 0 if account.is_source else balance < 0
