"""Matching funds: setting them up, previewing what they add, and making their matches follow
the pledges they match (how funds are kept and changed safely is in fund_keeping.py, quadratic
rounds in matching_rounds.py)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from domain.crowdfunding.funding_partners import FundingPartners
from domain.crowdfunding.pledge import AUTHORISED, Pledge, check_pledge_amount
from domain.crowdfunding.project import CANCELLED, DELIVERING, FUNDED, UNFUNDED, Project
from domain.kernel.errors import ConcurrentChange
from domain.kernel.money import Money
from domain.matching.fund import MatchingFund
from domain.matching.keeping import FUND_ATTEMPTS, FundKeeping, T
from domain.matching.rounds import MatchingRounds
from domain.matching.rules import FIXED_GRANT, QUADRATIC, THRESHOLD, Rules

# The most pledges recorded together with their matches in one transaction.
MAX_BATCH = 64


@dataclass(frozen=True)
class PreviewedMatch:
    fund_id: UUID
    fund_name: str
    amount: Money
    rule_version: int
    reason: str


@dataclass(eq=False)
class _Waiting:
    """A pledge waiting to be recorded with its matches."""

    pledge: Pledge
    project: Project
    checks: dict[UUID, int]
    done: bool = False
    error: BaseException | None = None


@dataclass
class Crowd:
    """A project's authorised pledges as thresholds count them."""

    backers: set[UUID]
    amount: int
    pledges: list[tuple[UUID, UUID, int]]  # (pledge, backer, amount), oldest first


class Matching(FundingPartners, FundKeeping, MatchingRounds):
    """Matching funds' use cases, and what crowdfunding asks of its funding partners."""

    def _init_matching(self) -> None:
        self._init_fund_keeping()
        self._fund_queues: dict[tuple[UUID, ...], list[_Waiting]] = {}

    # -- reading -------------------------------------------------------------------------------

    def get_matching_fund(self, fund_id: UUID) -> MatchingFund:
        """The fund as recorded now (a copy of its own: safe to read at leisure)."""
        return self._get(MatchingFund, fund_id, "matching fund")

    def matching_funds_of(self, city_id: UUID) -> list[UUID]:
        return list(self.get_city(city_id).matching_funds)

    def matched_on(self, project: Project) -> Money:
        """Reserved and committed matches and grants of every fund on this project."""
        minor = 0
        for fund_id in self.get_city(project.city_id).matching_funds:
            with self._fund_lock(fund_id):
                minor += self._fresh_fund(fund_id).matched_on(project.id)
        return Money(minor, project.currency)

    def matched_to(self, pledge: Pledge) -> Money:
        """What the city's funds hold for one pledge now (reserved or committed)."""
        project = self._project_to_pledge_to(pledge.project_id, fresh=False)
        minor = 0
        for fund_id in self._city_to_pledge_in(project.city_id, fresh=False).matching_funds:
            match = self._fund_now(fund_id).matches.get(pledge.id)
            if match is not None and match.state in ("reserved", "committed"):
                minor += match.amount
        return Money(minor, pledge.amount.currency)

    def match_kept_for(self, pledge_id: UUID, currency: str) -> Money:
        """What the funds this process keeps hold for a pledge it just recorded, without
        reading storage (for answering when storage fails right after the save)."""
        minor = 0
        for fund in list(self._funds.values()):
            match = fund.matches.get(pledge_id)
            if match is not None and match.state in ("reserved", "committed"):
                minor += match.amount
        return Money(minor, currency)

    def match_preview(
        self, project_id: UUID, amount: Money, *, citizen_id: UUID | None = None
    ) -> list[PreviewedMatch]:
        """What each fund would add to a pledge of `amount` now, and why, in the order the
        funds apply. Records nothing. An amount a pledge would refuse is refused the same way."""
        project = self.get_project(project_id)
        check_pledge_amount(amount, project.currency)
        now = self.clock.now()
        crowd: Crowd | None = None
        previews = []
        city = self.get_city(project.city_id)
        zone = ZoneInfo(city.timezone)
        for fund_id in city.matching_funds:
            estimate = False
            with self._fund_lock(fund_id):
                fund = self._fresh_fund(fund_id)
                if not fund.covers(
                    city_id=project.city_id, currency=project.currency, theme=project.theme,
                    area=project.area, call_id=getattr(project, "call_id", None),
                ):
                    continue
                if crowd is None and self._needs_crowd(fund, project.id, now):
                    crowd = self._crowd(project)
                backers, total = self._with_pledge(crowd, citizen_id, amount.minor)
                decision = fund.preview(
                    project_id=project.id, backer_id=citizen_id, pledge=amount.minor,
                    minimum=project.minimum, when=now, backers=backers, crowd=total, zone=zone,
                )
                reason = decision.reason
                estimate = fund.rules_at(now).rules.kind == QUADRATIC and fund.is_matching(now)
                previews.append(
                    PreviewedMatch(
                        fund_id=fund.id, fund_name=fund.name,
                        amount=Money(decision.amount, fund.currency),
                        rule_version=fund.rules_at(now).version, reason=reason,
                    )
                )
            if estimate:
                # Worked out from every pilot of the round, so not while pledges wait on the fund.
                previews[-1] = replace(
                    previews[-1],
                    reason=self._round_estimate(fund, project, citizen_id, amount.minor, zone),
                )
        return previews

    # -- the sponsor's city --------------------------------------------------------------------

    def create_matching_fund(
        self,
        *,
        city_id: UUID,
        name: str,
        sponsor: str,
        currency: str,
        pool: Money,
        opens_at: datetime,
        closes_at: datetime,
        themes: Any,
        areas: Any,
        rules: Rules,
        calls: Any = (),
    ) -> UUID:
        city = self._city_managed_by_actor(city_id)
        fund = MatchingFund.create(
            city_id=city.id, city_currency=city.currency, name=name, sponsor=sponsor,
            currency=currency, pool=pool, opens_at=opens_at, closes_at=closes_at,
            themes=themes, areas=areas, rules=rules, now=self.clock.now(), calls=calls,
        )
        city.add_matching_fund(fund.id)
        self._save_or_conflict(fund, city)
        return fund.id

    def top_up_matching_fund(self, fund_id: UUID, amount: Money) -> None:
        self._officer_changes_fund(fund_id, lambda fund: fund.top_up(amount))

    def amend_matching_rules(
        self, fund_id: UUID, rules: Rules, *, effective_from: datetime | None = None
    ) -> int:
        now = self.clock.now()
        return self._officer_changes_fund(
            fund_id,
            lambda fund: fund.amend_rules(rules, effective_from=effective_from or now, now=now),
        )

    def close_matching_fund(self, fund_id: UUID) -> Money:
        """End the fund. A quadratic round shares its pool first. Returns what goes back to
        the sponsor now."""
        self._require_officer_of(self._fund_now(fund_id).city_id)
        return self._close_fund(fund_id)

    def close_due_matching_funds(self) -> list[UUID]:
        """The worker ends funds whose window has passed."""
        closed = []
        for city_id in self.pledge_index.cities():
            for fund_id in self.get_city(city_id).matching_funds:
                fund = self._fund_now(fund_id)
                if fund.status == "open" and self.clock.now() >= fund.closes_at:
                    self._close_fund(fund_id)
                    closed.append(fund_id)
        return closed

    def _close_fund(self, fund_id: UUID) -> Money:
        fund = self._fund_now(fund_id)
        if fund.current.rules.kind == QUADRATIC and not fund.round_shared:
            self._share_round(fund_id)
        returned = self._change_fund(fund_id, lambda f: f.close())
        with self._fund_lock(fund_id):
            granted = list(self._fresh_fund(fund_id).grants)
        # Shares for projects already decided follow their outcome at once.
        for project_id in granted:
            project = self.get_project(project_id)
            if project.status in (FUNDED, DELIVERING, UNFUNDED, CANCELLED) and project.settled:
                self._settle_grants(project)
        return Money(returned, fund.currency)

    def _officer_changes_fund(self, fund_id: UUID, change: Callable[[MatchingFund], T]) -> T:
        self._require_officer_of(self._fund_now(fund_id).city_id)
        return self._change_fund(fund_id, change)

    # -- following the pledges -----------------------------------------------------------------

    def _eligible_funds(self, project: Project, city_funds: list[UUID]) -> list[UUID]:
        eligible = []
        for fund_id in city_funds:
            # What makes a project eligible never changes once a fund exists, so a fund this
            # process already holds is read without waiting for its lock.
            fund = self._funds.get(fund_id) or self._fund_now(fund_id)
            if fund.status == "open" and fund.covers(
                city_id=project.city_id, currency=project.currency, theme=project.theme,
                area=project.area, call_id=getattr(project, "call_id", None),
            ):
                eligible.append(fund_id)
        return eligible

    def _save_pledge_with_matches(
        self, pledge: Pledge, project: Project, city_funds: list[UUID], *,
        unchanged: dict[UUID, int],
    ) -> None:
        """Save a newly authorised pledge together with what each eligible fund reserves for it.
        Raises ConcurrentChange if a fund (or the project, or the city) changed meanwhile.

        Pledges waiting for the same funds are recorded together: whichever thread gets the
        funds' locks decides every waiting pledge in turn and saves them all in one
        transaction, so the lock is held for one round trip per batch, not per pledge."""
        fund_ids = tuple(sorted(self._eligible_funds(project, city_funds)))
        if not fund_ids:
            self._save_or_conflict(pledge, **self._checks(unchanged))
            return
        waiting = _Waiting(pledge, project, dict(unchanged))
        with self._fund_locks_guard:
            queue = self._fund_queues.setdefault(fund_ids, [])
            queue.append(waiting)
        try:
            with ExitStack() as stack:
                for fund_id in fund_ids:
                    stack.enter_context(self._fund_lock(fund_id))
                if not waiting.done:
                    funds = self._caught_up(fund_ids, stack)
                    with self._fund_locks_guard:
                        batch = queue[:MAX_BATCH]
                        del queue[:MAX_BATCH]
                    if waiting not in batch:  # pragma: no cover - a longer queue than MAX_BATCH
                        batch.append(waiting)
                        queue.remove(waiting)
                    self._record_batch(funds, batch)
        finally:
            # A pledge whose own turn failed (taking the locks, catching up) leaves the queue
            # with its caller's error: it must never go into a later batch. No other thread can
            # take it meanwhile, since batches are taken with the funds' locks held.
            with self._fund_locks_guard:
                if not waiting.done and waiting in queue:
                    queue.remove(waiting)
        if waiting.error is not None:
            raise waiting.error

    def _record_batch(self, caught_up: list[MatchingFund], batch: list[_Waiting]) -> None:
        """Decide each waiting pledge's matches in order and record them all at once (called
        with the funds' locks held). Every pledge of a batch that failed is told to retry."""
        now = self.clock.now()
        funds = [fund for fund in caught_up if fund.is_matching(now)]
        try:
            checked: dict[UUID, int] = {}
            pledge_events = []
            peers: dict[UUID, list[Pledge]] = {}  # earlier pledges of this batch, by project
            for waiting in batch:
                self._propose_for(waiting, funds, now, peers.get(waiting.project.id, []))
                peers.setdefault(waiting.project.id, []).append(waiting.pledge)
                pledge_events += waiting.pledge.collect_events()
                for aggregate_id, version in waiting.checks.items():
                    # Each pledge passed its checks on the version it read: the newest covers all.
                    checked[aggregate_id] = max(checked.get(aggregate_id, version), version)
            for fund in funds:
                if not fund.proposed:
                    # Nothing to add, but the decisions rest on the fund as it stands.
                    checked[fund.id] = fund.version
            events = [e for fund in funds for e in fund.proposed]
            self._save_or_conflict(*pledge_events, *events, **self._checks(checked))
        except BaseException as error:
            for fund in funds:
                fund.discard()
            for waiting in batch:
                waiting.done = True
                waiting.error = (
                    ConcurrentChange(error.message) if isinstance(error, ConcurrentChange)
                    else error
                )
            return
        for fund in funds:
            fund.accept()
        for waiting in batch:
            waiting.done = True

    def _propose_for(
        self, waiting: _Waiting, funds: list[MatchingFund], now: datetime, peers: list[Pledge]
    ) -> None:
        pledge, project = waiting.pledge, waiting.project
        crowd: Crowd | None = None
        for fund in funds:
            if crowd is None and self._needs_crowd(fund, project.id, now):
                crowd = self._crowd(project, excluding=pledge.id)
                # Pledges decided earlier in this batch are not in the log yet but count.
                for peer in peers:
                    crowd.backers.add(peer.citizen_id)
                    crowd.amount += peer.amount.minor
                    crowd.pledges.append((peer.id, peer.citizen_id, peer.amount.minor))
            backers, total = self._with_pledge(crowd, pledge.citizen_id, pledge.amount.minor)
            fund.propose_pledge_matches(
                pledge_id=pledge.id, project_id=project.id, backer_id=pledge.citizen_id,
                pledge=pledge.amount.minor, minimum=project.minimum, when=now,
                backers=backers, crowd=total,
                earlier=crowd.pledges if crowd is not None else [],
            )

    def _follow_pledge(
        self, pledge: Pledge, *, commit: bool = False, release: str = "",
        project: Project | None = None,
    ) -> None:
        """Save a pledge's change together with its matches following it: committed when it was
        charged, released (with the reason) when it will not be paid."""
        pledge_events = pledge.collect_events()
        base = pledge_events[0].originator_version - 1 if pledge_events else pledge.version
        project = project or self.get_project(pledge.project_id)
        fund_ids = sorted(self.get_city(project.city_id).matching_funds)
        for attempt in range(FUND_ATTEMPTS):
            with ExitStack() as stack:
                for fund_id in fund_ids:
                    stack.enter_context(self._fund_lock(fund_id))
                funds = [
                    fund for fund in self._caught_up(fund_ids, stack) if pledge.id in fund.matches
                ]
                try:
                    for fund in funds:
                        if commit:
                            fund.commit(pledge.id)
                        elif release:
                            fund.release(pledge.id, why=release)
                    events = [e for fund in funds for e in fund.proposed]
                    self._save_or_conflict(*pledge_events, *events)
                except ConcurrentChange:
                    for fund in funds:
                        fund.discard()
                    # Decide again only if it was a fund that moved on, not the pledge.
                    if attempt + 1 < FUND_ATTEMPTS and self._still_at(pledge.id, base):
                        continue
                    raise
                except BaseException:
                    for fund in funds:
                        fund.discard()
                    raise
                for fund in funds:
                    fund.accept()
                return

    def _still_at(self, aggregate_id: UUID, version: int) -> bool:
        recorded = self.recorder.select_events(aggregate_id, desc=True, limit=1)
        return (recorded[0].originator_version if recorded else 0) == version

    def _settle_grants(self, project: Project) -> None:
        funded = project.status in (FUNDED, DELIVERING)
        why = f"the project was {project.status}"
        for fund_id in self.get_city(project.city_id).matching_funds:
            self._change_fund(
                fund_id, lambda fund: fund.settle_grant(project.id, funded=funded, why=why)
            )

    def committed_on(self, project: Project, *, pledge_id: UUID | None = None) -> Money:
        """Committed matches on the project (or on one of its pledges): owed to its owner."""
        minor = 0
        for fund_id in self.get_city(project.city_id).matching_funds:
            with self._fund_lock(fund_id):
                fund = self._fresh_fund(fund_id)
            if pledge_id is not None:
                match = fund.matches.get(pledge_id)
                minor += match.amount if match and match.state == "committed" else 0
                continue
            minor += sum(
                m.amount for m in fund.matches.values()
                if m.project_id == project.id and m.state == "committed"
            )
            grant = fund.grants.get(project.id)
            minor += grant.amount if grant and grant.state == "committed" else 0
        return Money(minor, project.currency)

    # -- the machinery -------------------------------------------------------------------------

    def _needs_crowd(self, fund: MatchingFund, project_id: UUID, now: datetime) -> bool:
        kind = fund.rules_at(now).rules.kind
        return (kind == THRESHOLD and project_id not in fund.unlocked) or (
            kind == FIXED_GRANT and project_id not in fund.grants
        )

    def _crowd(self, project: Project, *, excluding: UUID | None = None) -> Crowd:
        pledges = []
        for pledge_id in self.pledge_index.pledges_of(project.id):
            if pledge_id == excluding:
                continue
            pledge = self.get_pledge(pledge_id)
            if pledge.status == AUTHORISED:
                pledges.append(pledge)
        pledges.sort(key=lambda p: p.created_on)
        return Crowd(
            backers={p.citizen_id for p in pledges},
            amount=sum(p.amount.minor for p in pledges),
            pledges=[(p.id, p.citizen_id, p.amount.minor) for p in pledges],
        )

    @staticmethod
    def _with_pledge(crowd: Crowd | None, citizen_id: UUID | None, amount: int) -> tuple[int, int]:
        if crowd is None:
            return 0, 0
        # Someone not signed in previews as a new backer.
        new_backer = citizen_id is None or citizen_id not in crowd.backers
        return len(crowd.backers) + new_backer, crowd.amount + amount
