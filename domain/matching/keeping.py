"""Keeping matching funds in memory and changing them safely.

A fund is a consistency boundary: every match it reserves, commits or releases is an event in the
fund's own sequence, saved in the same transaction as the pledge change that caused it. Two saves
that decided on the same version of a fund cannot both be recorded, so the pool can never be
over-committed; the loser reads the fund again and decides again.

Each process keeps the funds it works with in memory, behind one lock per fund, and reads only
the events recorded since (`_fresh_fund`). Within a process the lock makes changes to one fund
take turns; between processes the database's advisory lock does where it has one (PostgreSQL),
and the version check otherwise.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any, TypeVar
from uuid import UUID

from domain.core import CivicfundCore
from domain.kernel.errors import DECIDE_AGAIN, ConcurrentChange, InvalidTransition
from domain.kernel.ports import DecidesExclusively
from domain.matching.fund import MatchingFund

T = TypeVar("T")
# How often a change that lost a race on a fund is decided again before giving up.
FUND_ATTEMPTS = DECIDE_AGAIN


class FundKeeping(CivicfundCore):
    """The application's copies of its funds, and changing a fund safely."""

    def _init_fund_keeping(self) -> None:
        self._funds: dict[UUID, MatchingFund] = {}
        self._fund_locks: dict[UUID, threading.Lock] = {}
        self._fund_locks_guard = threading.Lock()

    def _caught_up(self, fund_ids: Any, stack: ExitStack) -> list[MatchingFund]:
        """With the funds' locks held: keep other processes from recording for them until the
        block's save (where the database offers that), and bring this process's copies up to
        date."""
        funds = {fund_id: self._cached_fund(fund_id) for fund_id in fund_ids}
        if not isinstance(self.recorder, DecidesExclusively):
            return [self._fresh_fund(fund_id) for fund_id in fund_ids]
        recorded = stack.enter_context(self.recorder.exclusive(
            sorted(funds), after={i: fund.version for i, fund in funds.items()}
        ))
        for stored in recorded:
            self.mapper.to_domain_event(stored).mutate(funds[stored.originator_id])
        return [funds[fund_id] for fund_id in fund_ids]

    @contextmanager
    def _fund_lock(self, fund_id: UUID) -> Iterator[None]:
        with self._fund_locks_guard:
            lock = self._fund_locks.setdefault(fund_id, threading.Lock())
        with lock:
            yield

    def _fund_now(self, fund_id: UUID) -> MatchingFund:
        """The fund as recorded now, shared with this process's other threads: read its plain
        attributes only."""
        with self._fund_lock(fund_id):
            return self._fresh_fund(fund_id)

    def _cached_fund(self, fund_id: UUID) -> MatchingFund:
        """The fund as this process last knew it (call with its lock held)."""
        fund = self._funds.get(fund_id)
        return fund if fund is not None else self._fresh_fund(fund_id)

    def _fresh_fund(self, fund_id: UUID) -> MatchingFund:
        """The fund with every event recorded so far (call with its lock held)."""
        fund = self._funds.get(fund_id)
        if fund is None:
            fund = self.get_matching_fund(fund_id)
            self._funds[fund_id] = fund
            return fund
        for stored in self.recorder.select_events(fund_id, gt=fund.version):
            self.mapper.to_domain_event(stored).mutate(fund)
        return fund

    def _change_fund(self, fund_id: UUID, change: Callable[[MatchingFund], T]) -> T:
        """Decide on the fund as it stands and record the outcome; decide again if another
        process changed the fund in between."""
        for attempt in range(FUND_ATTEMPTS):
            with ExitStack() as stack:
                stack.enter_context(self._fund_lock(fund_id))
                [fund] = self._caught_up([fund_id], stack)
                try:
                    result = change(fund)
                    self._save_or_conflict(*fund.proposed)
                except ConcurrentChange:
                    fund.discard()
                    if attempt + 1 < FUND_ATTEMPTS:
                        continue
                    raise
                except BaseException:
                    fund.discard()
                    raise
                fund.accept()
                return result
        raise InvalidTransition("unreachable")  # pragma: no cover
