"""A matching fund: a sponsor's pool that adds money to pledges by published, versioned rules.

Every movement of the pool is an event: top-ups, matches reserved when a pledge is authorised,
released when it is cancelled, dropped or its project unfunded, committed when it is charged,
grants for whole projects, and the remainder returned to the sponsor at the end. The pool is never
over-committed: committed + reserved + returned never exceeds what the sponsor put in.

Commands on a fund *propose* events without applying them (`proposed`); the application saves
them with whatever else changes at the same time and only then applies them (`accept`). A fund
kept in memory between commands is therefore never left half-changed by a save that lost a race.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import event

from domain.kernel.aggregate import CivicAggregate
from domain.kernel.clock import in_the_past
from domain.kernel.errors import DomainError, InvalidTransition
from domain.kernel.money import Money
from domain.kernel.text import has_control_characters
from domain.matching.rules import (
    FIXED_GRANT,
    PER_PLEDGE_KINDS,
    QUADRATIC,
    THRESHOLD,
    Decision,
    InvalidRules,
    Rules,
    Tally,
    pledge_match,
)

OPEN, CLOSED = "open", "closed"
# A new version "from now" written a moment ago still counts as now.
_GRACE = timedelta(minutes=5)
RESERVED, COMMITTED, RELEASED = "reserved", "committed", "released"
OPENS_IN_THE_PAST = "The fund cannot open in the past: choose now or a later time"


class InvalidFund(DomainError):
    code = "invalid_fund"


@dataclass
class Match:
    """What a fund adds to one pledge (pledge_id) or to a whole project (a grant)."""

    project_id: UUID
    backer_id: UUID | None
    amount: int
    rule_version: int
    reason: str
    state: str = RESERVED
    pledge_id: UUID | None = None


@dataclass
class Pending:
    reserved: int = 0
    pledges: set[UUID] = field(default_factory=set)
    grants: set[UUID] = field(default_factory=set)
    unlocked: set[UUID] = field(default_factory=set)
    by_project: dict[UUID, int] = field(default_factory=dict)
    backers: dict[UUID, set[UUID]] = field(default_factory=dict)

    def add(self, project_id: UUID, amount: int, backer_id: UUID | None) -> None:
        self.by_project[project_id] = self.by_project.get(project_id, 0) + amount
        if backer_id is not None:
            self.backers.setdefault(project_id, set()).add(backer_id)


@dataclass(frozen=True)
class RuleVersion:
    version: int
    rules: Rules
    effective_from: datetime


def _clean_text(value: str, what: str, field: str, longest: int) -> str:
    if has_control_characters(value or ""):
        raise InvalidFund(f"The {what} cannot contain control characters", field=field)
    text = " ".join((value or "").split())
    if not text or len(text) > longest:
        raise InvalidFund(f"Give the {what} (1 to {longest} characters)", field=field)
    return text


def _clean_list(values: Any, field: str) -> list[str]:
    if values in (None, ""):
        return []
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise InvalidFund(f"{field} is a list of names", field=f"eligibility.{field}")
    cleaned = []
    for value in values:
        if has_control_characters(value):
            raise InvalidFund(f"{field} cannot contain control characters", field=field)
        text = " ".join(value.split())
        if text and text.casefold() not in {c.casefold() for c in cleaned}:
            cleaned.append(text[:80])
    if values and not cleaned:
        # Blank names alone would read as "no restriction": the opposite of what was meant.
        raise InvalidFund(
            f"Name the {field} the fund matches, or give none to match every one of them",
            field=f"eligibility.{field}",
        )
    return cleaned


def fund_covers(
    *, fund_city: UUID, fund_currency: str, themes: Sequence[str], areas: Sequence[str],
    city_id: UUID, currency: str, theme: str, area: str, calls: Sequence[str] = (),
    call_id: UUID | None = None,
) -> bool:
    """Whether a fund's eligibility takes a project: same city and currency, and a listed theme
    and area, and (for a fund restricted to calls) a pilot awarded in one of its calls (an empty
    list restricts nothing). The aggregate and the pages both ask this."""
    def listed(value: str, allowed: Sequence[str]) -> bool:
        return not allowed or value.casefold() in {a.casefold() for a in allowed}

    return (
        city_id == fund_city and currency == fund_currency
        and listed(theme, themes) and listed(area, areas)
        and (not calls or (call_id is not None and str(call_id) in calls))
    )


class MatchingFund(CivicAggregate):
    @event("Created")
    def __init__(
        self,
        city_id: UUID,
        name: str,
        sponsor: str,
        currency: str,
        pool: int,
        opens_at: datetime,
        closes_at: datetime,
        themes: list[str],
        areas: list[str],
        rules: dict[str, Any],
        calls: list[str] | None = None,
    ):
        self.city_id = city_id
        self.name = name
        self.sponsor = sponsor
        self.currency = currency
        self.pool = pool
        self.opens_at = opens_at
        self.closes_at = closes_at
        self.themes = list(themes)
        self.areas = list(areas)
        self.calls = list(calls or [])  # ids of the calls whose pilots it matches; [] for any
        self.rule_versions = [RuleVersion(1, Rules.from_dict(rules), opens_at)]
        self.status = OPEN
        self.committed = 0
        self.reserved = 0
        self.returned = 0
        self.matches: dict[UUID, Match] = {}  # by pledge
        self.grants: dict[UUID, Match] = {}  # by project
        self.by_project: dict[UUID, int] = {}  # reserved + committed, matches and grants
        self.backers: dict[UUID, set[UUID]] = {}  # project -> backers matched there
        self._live: dict[tuple[UUID, UUID], int] = {}  # (project, backer) -> live matches
        self.unlocked: set[UUID] = set()
        self.round_shared = False
        self._proposed: list[CivicAggregate.Event] = []

    @classmethod
    def create(
        cls,
        *,
        city_id: UUID,
        city_currency: str,
        name: str,
        sponsor: str,
        currency: str,
        pool: Money,
        opens_at: datetime,
        closes_at: datetime,
        themes: Any,
        areas: Any,
        rules: Rules,
        now: datetime,
        calls: Sequence[UUID] = (),
    ) -> MatchingFund:
        name = _clean_text(name, "fund's name", "name", 120)
        sponsor = _clean_text(sponsor, "sponsor", "sponsor", 120)
        if currency != city_currency:
            raise InvalidFund(
                f"This city's pilots take {city_currency}; a fund in {currency} could not match "
                "them", field="currency",
            )
        if pool.currency != currency or not pool.is_positive():
            raise InvalidFund("The pool must be more than zero", field="pool")
        if closes_at <= opens_at:
            raise InvalidFund("The fund must close after it opens", field="closes_at")
        if closes_at <= now:
            raise InvalidFund("The fund's window has already passed", field="closes_at")
        if in_the_past(opens_at, now):
            raise InvalidFund(OPENS_IN_THE_PAST, field="opens_at")
        return cls._create(
            cls.Created,
            id=uuid4(),
            city_id=city_id,
            name=name,
            sponsor=sponsor,
            currency=currency,
            pool=pool.minor,
            opens_at=opens_at,
            closes_at=closes_at,
            themes=_clean_list(themes, "themes"),
            areas=_clean_list(areas, "areas"),
            rules=rules.as_dict(),
            calls=sorted({str(c) for c in calls}),
        )

    # -- reading -----------------------------------------------------------------------------

    def money(self, minor: int) -> Money:
        return Money(minor, self.currency)

    @property
    def available(self) -> int:
        return self.pool - self.committed - self.reserved - self.returned

    @property
    def current(self) -> RuleVersion:
        return self.rule_versions[-1]

    def rules_at(self, when: datetime) -> RuleVersion:
        """The version in effect at `when` (the first before it opened)."""
        chosen = self.rule_versions[0]
        for version in self.rule_versions:
            if version.effective_from <= when:
                chosen = version
        return chosen

    def is_matching(self, when: datetime) -> bool:
        return self.status == OPEN and self.opens_at <= when < self.closes_at

    def covers(self, *, city_id: UUID, currency: str, theme: str, area: str,
               call_id: UUID | None = None) -> bool:
        return fund_covers(
            fund_city=self.city_id, fund_currency=self.currency, themes=self.themes,
            areas=self.areas, city_id=city_id, currency=currency, theme=theme, area=area,
            calls=getattr(self, "calls", ()), call_id=call_id,
        )

    def matched_on(self, project_id: UUID) -> int:
        return self.by_project.get(project_id, 0)

    def tally(self, project_id: UUID, pending: Pending | None = None) -> Tally:
        pending = pending or Pending()
        return Tally(
            matched=self.by_project.get(project_id, 0) + pending.by_project.get(project_id, 0),
            matched_backers=frozenset(self.backers.get(project_id, set())
                                      | pending.backers.get(project_id, set())),
            unlocked=project_id in self.unlocked or project_id in pending.unlocked,
        )

    def _pending(self) -> Pending:
        """What the events proposed but not yet recorded will change (several pledges can be
        decided one after another and recorded together)."""
        pending = Pending()
        for proposed in self._proposed:
            if isinstance(proposed, MatchingFund.MatchReserved):
                pending.reserved += proposed.amount
                pending.pledges.add(proposed.pledge_id)
                pending.add(proposed.project_id, proposed.amount, proposed.backer_id)
            elif isinstance(proposed, MatchingFund.GrantReserved):
                pending.reserved += proposed.amount
                pending.grants.add(proposed.project_id)
                pending.add(proposed.project_id, proposed.amount, None)
            elif isinstance(proposed, MatchingFund.Unlocked):
                pending.unlocked.add(proposed.project_id)
        return pending

    # -- proposing events ---------------------------------------------------------------------

    @property
    def proposed(self) -> list[CivicAggregate.Event]:
        return list(self._proposed)

    def _propose(self, event_class: type[CivicAggregate.Event], **kwargs: Any) -> None:
        self._proposed.append(
            event_class(
                originator_id=self.id,
                originator_version=self.version + 1 + len(self._proposed),
                timestamp=event_class.create_timestamp(),
                **kwargs,
            )
        )

    def accept(self) -> None:
        """The proposed events were recorded: apply them."""
        proposed, self._proposed = self._proposed, []
        for new_event in proposed:
            new_event.mutate(self)

    def discard(self) -> None:
        self._proposed = []

    def _check_open(self, doing: str) -> None:
        if self.status != OPEN:
            raise InvalidTransition(f"This fund is closed: it cannot {doing}")

    # -- commands of the sponsor's city --------------------------------------------------------

    def top_up(self, amount: Money) -> None:
        self._check_open("be topped up")
        if amount.currency != self.currency:
            raise InvalidFund(f"This fund is in {self.currency}", field="amount")
        if not amount.is_positive():
            raise InvalidFund("A top-up must be more than zero", field="amount")
        self._propose(self.ToppedUp, amount=amount.minor)

    def takes_benefits(self, currency: str) -> bool:
        """Whether a pilot's community-fund share can top the pool up now (open, same
        currency); otherwise the share stays with the pilot's community-fund account."""
        return self.status == OPEN and currency == self.currency

    def top_up_from_benefits(self, amount: Money, *, project_id: UUID, report_id: UUID) -> None:
        """A pilot's benefit-sharing agreement directs its community-fund share of a
        distribution here: benefits from one pilot fund the next ones."""
        if not self.takes_benefits(amount.currency):
            raise InvalidFund("This fund is closed or in another currency: it cannot be "
                              "topped up by a pilot's benefits", field="community_fund_id")
        if not amount.is_positive():
            raise InvalidFund("A top-up must be more than zero", field="amount")
        self._propose(self.ToppedUpByBenefits, amount=amount.minor, project_id=project_id,
                      report_id=report_id)

    def amend_rules(self, rules: Rules, *, effective_from: datetime, now: datetime) -> int:
        """Publish a new version. It applies to pledges from `effective_from` on; matches made
        before keep the version that made them."""
        self._check_open("change its rules")
        if rules.kind != self.current.rules.kind:
            raise InvalidRules(
                f"This fund's rules are a {self.current.rules.kind} rule; a new version keeps "
                "the kind (create another fund for another kind)"
            )
        if rules.kind == QUADRATIC and self.round_shared:
            raise InvalidRules("This round's pool has been shared; its rules are final")
        if effective_from < now - _GRACE:
            raise InvalidRules(
                "A new version cannot apply to the past: give an effective_from from now on"
            )
        effective_from = max(effective_from, now, self.opens_at)
        current = self.current
        # A version that has not started yet may be replaced from the same moment.
        supersedes = current.effective_from > now and effective_from == current.effective_from
        if effective_from < current.effective_from or (
            effective_from == current.effective_from and not supersedes
        ):
            raise InvalidRules(
                f"Version {current.version} applies from {current.effective_from.isoformat()}; "
                "a new version must start after it (versions cannot overlap)"
            )
        if effective_from >= self.closes_at:
            raise InvalidRules("A new version must start before the fund closes")
        version = self.current.version + 1
        self._propose(
            self.RulesAmended, version=version, rules=rules.as_dict(),
            effective_from=effective_from,
        )
        return version

    def close(self) -> int:
        """End the fund: what is not committed or reserved goes back to the sponsor. Returns
        that amount. Reserved matches still follow their pledges afterwards; what they release
        goes back to the sponsor too."""
        self._check_open("be closed again")
        self._propose(self.Closed, returned=self.available)
        return self.available

    # -- matching ------------------------------------------------------------------------------

    def propose_pledge_matches(
        self,
        *,
        pledge_id: UUID,
        project_id: UUID,
        backer_id: UUID,
        pledge: int,
        minimum: Money,
        when: datetime,
        backers: int,
        crowd: int,
        earlier: list[tuple[UUID, UUID, int]],
    ) -> list[Decision]:
        """Match a newly authorised pledge (and, for a threshold that it unlocks, the earlier
        pledges if the rules say so). `backers` and `crowd` describe the project's authorised
        pledges including this one; `earlier` lists its earlier unmatched pledges as
        (pledge, backer, amount). Returns what this pledge gets (one entry; amount 0 and the
        reason when nothing)."""
        decision = self.preview(
            project_id=project_id, backer_id=backer_id, pledge=pledge, minimum=minimum,
            when=when, backers=backers, crowd=crowd,
        )
        version = self.rules_at(when)
        rules = version.rules
        if rules.kind == FIXED_GRANT:
            if decision.amount > 0:
                self._propose(
                    self.GrantReserved, project_id=project_id, amount=decision.amount,
                    rule_version=version.version, reason=decision.reason,
                )
            return [Decision(0, decision.reason)]
        pending = self._pending()
        if rules.kind not in PER_PLEDGE_KINDS or pledge_id in self.matches or (
            pledge_id in pending.pledges
        ):
            return [decision]
        matched = self.by_project.get(project_id, 0) + pending.by_project.get(project_id, 0)
        matched_backers = set(self.backers.get(project_id, ())) | pending.backers.get(
            project_id, set()
        )
        available = self.available - pending.reserved
        if (
            rules.kind == THRESHOLD and project_id not in self.unlocked
            and project_id not in pending.unlocked
        ):
            if not rules.criteria_met(backers=backers, crowd=crowd, minimum=minimum.minor):
                return [decision]
            self._propose(self.Unlocked, project_id=project_id)
            if rules.match_earlier:
                for earlier_id, earlier_backer, earlier_amount in earlier:
                    if earlier_id in self.matches or earlier_id in pending.pledges or (
                        earlier_id == pledge_id
                    ):
                        continue
                    found = pledge_match(
                        rules, pledge=earlier_amount, backer=earlier_backer,
                        tally=Tally(matched, frozenset(matched_backers), True),
                        minimum=minimum, available=available,
                    )
                    if found.amount > 0:
                        self._propose(
                            self.MatchReserved, pledge_id=earlier_id, project_id=project_id,
                            backer_id=earlier_backer, amount=found.amount,
                            rule_version=version.version,
                            reason=f"{found.reason} (matched when the project unlocked)",
                        )
                        matched += found.amount
                        available -= found.amount
                        matched_backers.add(earlier_backer)
        decision = pledge_match(
            rules, pledge=pledge, backer=backer_id,
            tally=Tally(matched, frozenset(matched_backers), True),
            minimum=minimum, available=available,
        )
        if decision.amount > 0:
            self._propose(
                self.MatchReserved, pledge_id=pledge_id, project_id=project_id,
                backer_id=backer_id, amount=decision.amount, rule_version=version.version,
                reason=decision.reason,
            )
        return [decision]

    def preview(
        self, *, project_id: UUID, backer_id: UUID | None, pledge: int, minimum: Money,
        when: datetime, backers: int, crowd: int, zone: tzinfo | None = None,
    ) -> Decision:
        """What this fund would add to a pledge of `pledge` now, and why; records nothing.
        Dates in the reason are written in `zone` (the city's time zone).
        Matches proposed but not yet recorded count as made."""
        pending = self._pending()
        available = self.available - pending.reserved
        if self.status != OPEN:
            return Decision(0, "the fund is closed")
        if when < self.opens_at:
            return Decision(0, f"the fund opens on {self.opens_at.astimezone(zone):%d %B %Y}")
        if when >= self.closes_at:
            return Decision(0, "the fund's window has ended")
        rules = self.rules_at(when).rules
        if rules.kind == QUADRATIC:
            return Decision(
                0, "shared among the round's projects when it ends on "
                f"{self.closes_at.astimezone(zone):%d %B %Y}"
            )
        if rules.kind == FIXED_GRANT:
            if project_id in self.grants or project_id in pending.grants:
                return Decision(0, "this project has its grant already")
            if not rules.criteria_met(backers=backers, crowd=crowd, minimum=minimum.minor):
                return Decision(0, _waiting(rules, backers, crowd, minimum))
            cap = rules.project_cap(minimum)
            amount = min(rules.grant, cap if cap is not None else rules.grant, available)
            if amount <= 0:
                return Decision(0, "the pool is used up")
            reason = "the project meets the grant's criteria"
            if amount < rules.grant:
                reason += ", limited by what is left in the pool"
            return Decision(amount, reason)
        if (
            rules.kind == THRESHOLD and project_id not in self.unlocked
            and project_id not in pending.unlocked
            and not rules.criteria_met(backers=backers, crowd=crowd, minimum=minimum.minor)
        ):
            return Decision(0, _waiting(rules, backers, crowd, minimum))
        return pledge_match(
            rules, pledge=pledge, backer=backer_id, tally=self.tally(project_id, pending),
            minimum=minimum, available=available,
        )

    def release(self, pledge_id: UUID, *, why: str) -> int:
        """The pledge will not be paid: its match goes back to the pool. Once only."""
        match = self.matches.get(pledge_id)
        if match is None or match.state == RELEASED or self._already_proposed(pledge_id):
            return 0
        self._propose(self.MatchReleased, pledge_id=pledge_id, why=why)
        return match.amount

    def commit(self, pledge_id: UUID) -> int:
        """The pledge was charged: its match is spent. Once only."""
        match = self.matches.get(pledge_id)
        if match is None or match.state != RESERVED or self._already_proposed(pledge_id):
            return 0
        self._propose(self.MatchCommitted, pledge_id=pledge_id)
        return match.amount

    def settle_grant(self, project_id: UUID, *, funded: bool, why: str) -> int:
        """Pay a reserved grant to a funded project; give it back to the pool when the project
        is not funded, or is cancelled after it was (as its pledges' matches are)."""
        grant = self.grants.get(project_id)
        if grant is None or grant.state == RELEASED or (funded and grant.state != RESERVED):
            return 0
        if funded:
            self._propose(self.GrantCommitted, project_id=project_id)
        else:
            self._propose(self.GrantReleased, project_id=project_id, why=why)
        return grant.amount

    def share_round(self, shares: dict[UUID, int], reasons: dict[UUID, str]) -> None:
        """Record a quadratic round's shares (as grants to projects)."""
        if self.round_shared:
            return
        if sum(shares.values()) > self.available:
            raise InvalidTransition("The round's shares exceed the pool")
        self._propose(
            self.RoundShared,
            rule_version=self.current.version,
            shares={str(k): v for k, v in shares.items() if v > 0},
            reasons={str(k): reasons.get(k, "") for k, v in shares.items() if v > 0},
        )

    def _already_proposed(self, pledge_id: UUID) -> bool:
        return any(getattr(e, "pledge_id", None) == pledge_id for e in self._proposed)

    # -- events --------------------------------------------------------------------------------

    def _spend(self, match: Match) -> None:
        """A reserved match or grant is paid: it moves from reserved to committed."""
        match.state = COMMITTED
        self.reserved -= match.amount
        self.committed += match.amount

    def _give_back(self, match: Match) -> None:
        """A match or grant that will not be paid (or was refunded) leaves the project; after
        the fund's end it goes back to the sponsor, before it to the pool."""
        if match.state == COMMITTED:
            self.committed -= match.amount
        else:
            self.reserved -= match.amount
        match.state = RELEASED
        self.by_project[match.project_id] -= match.amount
        if self.status == CLOSED:
            self.returned += match.amount

    class ToppedUp(CivicAggregate.Event):
        amount: int

        def apply(self, fund: MatchingFund) -> None:
            fund.pool += self.amount

    class ToppedUpByBenefits(CivicAggregate.Event):
        amount: int
        project_id: UUID
        report_id: UUID

        def apply(self, fund: MatchingFund) -> None:
            fund.pool += self.amount

    class RulesAmended(CivicAggregate.Event):
        version: int
        rules: dict[str, Any]
        effective_from: datetime

        def apply(self, fund: MatchingFund) -> None:
            fund.rule_versions.append(
                RuleVersion(self.version, Rules.from_dict(self.rules), self.effective_from)
            )

    class Unlocked(CivicAggregate.Event):
        project_id: UUID

        def apply(self, fund: MatchingFund) -> None:
            fund.unlocked.add(self.project_id)

    class MatchReserved(CivicAggregate.Event):
        pledge_id: UUID
        project_id: UUID
        backer_id: UUID
        amount: int
        rule_version: int
        reason: str

        def apply(self, fund: MatchingFund) -> None:
            fund.matches[self.pledge_id] = Match(
                project_id=self.project_id, backer_id=self.backer_id, amount=self.amount,
                rule_version=self.rule_version, reason=self.reason, pledge_id=self.pledge_id,
            )
            fund.reserved += self.amount
            fund.by_project[self.project_id] = fund.by_project.get(self.project_id, 0) + self.amount
            fund.backers.setdefault(self.project_id, set()).add(self.backer_id)
            key = (self.project_id, self.backer_id)
            fund._live[key] = fund._live.get(key, 0) + 1

    class MatchCommitted(CivicAggregate.Event):
        pledge_id: UUID

        def apply(self, fund: MatchingFund) -> None:
            fund._spend(fund.matches[self.pledge_id])

    class MatchReleased(CivicAggregate.Event):
        pledge_id: UUID
        why: str

        def apply(self, fund: MatchingFund) -> None:
            match = fund.matches[self.pledge_id]
            fund._give_back(match)
            if match.backer_id is not None:
                # Still matched there while another match of theirs is live (a version without
                # one match per backer may have given them several).
                key = (match.project_id, match.backer_id)
                fund._live[key] -= 1
                if not fund._live[key]:
                    fund.backers.get(match.project_id, set()).discard(match.backer_id)

    class GrantReserved(CivicAggregate.Event):
        project_id: UUID
        amount: int
        rule_version: int
        reason: str

        def apply(self, fund: MatchingFund) -> None:
            fund.grants[self.project_id] = Match(
                project_id=self.project_id, backer_id=None, amount=self.amount,
                rule_version=self.rule_version, reason=self.reason,
            )
            fund.reserved += self.amount
            fund.by_project[self.project_id] = fund.by_project.get(self.project_id, 0) + self.amount

    class GrantCommitted(CivicAggregate.Event):
        project_id: UUID

        def apply(self, fund: MatchingFund) -> None:
            fund._spend(fund.grants[self.project_id])

    class GrantReleased(CivicAggregate.Event):
        project_id: UUID
        why: str

        def apply(self, fund: MatchingFund) -> None:
            fund._give_back(fund.grants[self.project_id])

    class RoundShared(CivicAggregate.Event):
        rule_version: int
        shares: dict[str, int]
        reasons: dict[str, str]

        def apply(self, fund: MatchingFund) -> None:
            fund.round_shared = True
            for project, amount in self.shares.items():
                project_id = UUID(project)
                fund.grants[project_id] = Match(
                    project_id=project_id, backer_id=None, amount=amount,
                    rule_version=self.rule_version, reason=self.reasons.get(project, ""),
                )
                fund.reserved += amount
                fund.by_project[project_id] = fund.by_project.get(project_id, 0) + amount

    class Closed(CivicAggregate.Event):
        returned: int

        def apply(self, fund: MatchingFund) -> None:
            fund.status = CLOSED
            fund.returned += self.returned




def _waiting(rules: Rules, backers: int, crowd: int, minimum: Money) -> str:
    needs = []
    if rules.min_backers and backers < rules.min_backers:
        needs.append(f"{rules.min_backers} backers (it has {backers})")
    if rules.min_percent and crowd * 100 < rules.min_percent * minimum.minor:
        have = crowd * 100 // minimum.minor if minimum.minor else 0
        needs.append(f"{rules.min_percent}% of its minimum (it has {have}%)")
    what = "matching starts" if rules.kind == THRESHOLD else "the grant is given"
    return f"{what} once the project has " + " and ".join(needs)
