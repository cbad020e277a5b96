"""Matching funds replayed from the event log alone, checking every movement as it is recorded.

Shared by the property tests and the PostgreSQL concurrency test. The money is the ledger's: the
domain's one bookkeeping (domain/ledger) runs over the log beside the rule checks here, and every
figure (pool, reserved, committed, returned, available, what a project holds) is a balance of its
accounts, never a counter of this module's own; nothing of the fund aggregate is reused, so the
two can be compared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.kernel.money import Money
from domain.ledger import chart
from domain.ledger.bookkeeping import Bookkeeper, MemoryFacts
from domain.ledger.postings import crosses_sign
from domain.matching.rules import PER_PLEDGE_KINDS, THRESHOLD, Rules

PAID_BACK = ("cancelled", "released", "dropped", "refunded")


@dataclass
class FundLedger:
    """One fund as its events say: its rules and matches, and its money as ledger balances."""

    fund_id: UUID
    rules: dict[int, Rules]
    balances: Counter  # every account of the ledger, shared by all funds of one replay
    closed: bool = False
    matches: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    grants: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    unlocked: set[UUID] = field(default_factory=set)
    reserves: Counter = field(default_factory=Counter)  # per pledge
    commits: Counter = field(default_factory=Counter)
    releases: Counter = field(default_factory=Counter)
    lowest_available: int | None = None  # the least the pool ever had left

    def _sum(self, bucket: str) -> int:
        prefix, suffix = f"fund/{self.fund_id}/{bucket}", f"fund/{self.fund_id}/{bucket}/"
        return sum(v for k, v in self.balances.items() if k == prefix or k.startswith(suffix))

    @property
    def pool(self) -> int:
        return -self.balances[chart.sponsor(self.fund_id).name]

    @property
    def available(self) -> int:
        return self.balances[chart.available(self.fund_id).name]

    @property
    def reserved(self) -> int:
        return self._sum("reserved")

    @property
    def committed(self) -> int:
        return self._sum("committed")

    @property
    def returned(self) -> int:
        return self.balances[chart.returned(self.fund_id).name]

    def held_for(self, project_id: UUID) -> int:
        """Reserved and committed for one project, matches and grants."""
        return (self.balances[chart.reserved(self.fund_id, project_id).name]
                + self.balances[chart.committed(self.fund_id, project_id).name])

    @property
    def by_project(self) -> dict[UUID, int]:
        projects = {m["project"] for m in self.matches.values()} | set(self.grants)
        return {project: self.held_for(project) for project in projects}


class _Before(dict):
    """The balances as they stood before one event: the current ones less its postings."""

    def __init__(self, balances: Counter, undo: Counter):
        super().__init__()
        self.balances, self.undo = balances, undo

    def __getitem__(self, account: str) -> int:
        return self.balances[account] + self.undo[account]

    def items(self):
        return ((k, self[k]) for k in self.balances)


def replay(app: Any, minimum: dict[UUID, Money]) -> dict[UUID, FundLedger]:
    """Every fund, recomputed from the whole log, checking each movement as it is recorded."""
    funds: dict[UUID, FundLedger] = {}
    pledge_status: dict[UUID, str] = {}
    pledge_amount: dict[UUID, int] = {}
    project_status: dict[UUID, str] = {}
    books, balances = Bookkeeper(MemoryFacts()), Counter()
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    for notification in notifications:
        e = app.mapper.to_domain_event(notification)
        name = type(e).__qualname__
        # The rules below check the event against the money as it stood before it.
        postings = books.record(e)
        before = Counter()
        for posting in postings:
            before[posting.account.name] -= posting.amount
        before = _Before(balances, before)
        for posting in postings:
            balances[posting.account.name] += posting.amount
            assert not crosses_sign(posting.account, balances[posting.account.name]), (
                f"{name}: {posting.account.name} crossed zero")
        if name.startswith("Pledge."):
            if name == "Pledge.Made":
                pledge_amount[e.originator_id] = e.amount.minor
            status = {
                "Pledge.Made": "requested", "Pledge.Authorised": "authorised",
                "Pledge.Cancelled": "cancelled", "Pledge.Charged": "charged",
                "Pledge.ChargeFailed": "payment_failed", "Pledge.Released": "released",
                "Pledge.Dropped": "dropped", "Pledge.Refunded": "refunded",
            }.get(name)
            if status:
                pledge_status[e.originator_id] = status
            continue
        if name == "Project.CampaignClosed":
            project_status[e.originator_id] = e.outcome
        elif name == "Project.Cancelled":
            project_status[e.originator_id] = "cancelled"
        if not name.startswith("MatchingFund."):
            continue
        kind = name.split(".", 1)[1]
        if kind == "Created":
            funds[e.originator_id] = FundLedger(
                e.originator_id, rules={1: Rules.from_dict(e.rules)}, balances=balances
            )
            continue
        fund = funds[e.originator_id]
        held_before = FundLedger(fund.fund_id, fund.rules, before)
        where = f"{name} in fund {e.originator_id}"
        if kind == "ToppedUp":
            assert not fund.closed, f"{where}: topped up after close"
        elif kind == "RulesAmended":
            assert not fund.closed and e.version == max(fund.rules) + 1, where
            fund.rules[e.version] = Rules.from_dict(e.rules)
        elif kind == "Unlocked":
            fund.unlocked.add(e.project_id)
        elif kind == "MatchReserved":
            rules = fund.rules[e.rule_version]
            assert not fund.closed, f"{where}: a closed fund matched a pledge"
            assert rules.kind in PER_PLEDGE_KINDS, f"{where}: a {rules.kind} matched a pledge"
            assert fund.reserves[e.pledge_id] == 0, f"{where}: pledge matched twice"
            assert pledge_status.get(e.pledge_id) == "authorised", (
                f"{where}: matched a pledge that is {pledge_status.get(e.pledge_id)}")
            assert 0 < e.amount <= pledge_amount[e.pledge_id] * rules.ratio, where
            if rules.cap_per_pledge is not None:
                assert e.amount <= rules.cap_per_pledge, f"{where}: over the per-pledge cap"
            cap = rules.project_cap(minimum[e.project_id])
            if cap is not None:
                assert held_before.held_for(e.project_id) + e.amount <= cap, (
                    f"{where}: project cap {cap} exceeded")
            if rules.one_per_backer:
                assert not any(
                    m["backer"] == e.backer_id and m["project"] == e.project_id
                    and m["state"] != "released" for m in fund.matches.values()
                ), f"{where}: backer matched twice on one project"
            if rules.kind == THRESHOLD:
                assert e.project_id in fund.unlocked, f"{where}: matched before unlocking"
            fund.reserves[e.pledge_id] += 1
            fund.matches[e.pledge_id] = {"amount": e.amount, "state": "reserved",
                                         "project": e.project_id, "backer": e.backer_id,
                                         "version": e.rule_version}
        elif kind == "MatchCommitted":
            match = fund.matches[e.pledge_id]
            assert match["state"] == "reserved", f"{where}: committed a {match['state']} match"
            assert pledge_status[e.pledge_id] == "charged", (
                f"{where}: committed for a {pledge_status[e.pledge_id]} pledge")
            fund.commits[e.pledge_id] += 1
            match["state"] = "committed"
        elif kind == "MatchReleased":
            match = fund.matches[e.pledge_id]
            assert match["state"] != "released", f"{where}: released twice"
            assert pledge_status[e.pledge_id] in PAID_BACK, (
                f"{where}: released for a {pledge_status[e.pledge_id]} pledge")
            fund.releases[e.pledge_id] += 1
            match["state"] = "released"
        elif kind == "GrantReserved":
            rules = fund.rules[e.rule_version]
            assert not fund.closed and e.project_id not in fund.grants, where
            assert 0 < e.amount <= rules.grant, where
            cap = rules.project_cap(minimum[e.project_id])
            assert cap is None or e.amount <= cap, f"{where}: over the project cap"
            fund.grants[e.project_id] = {"amount": e.amount, "state": "reserved"}
        elif kind == "RoundShared":
            rules = fund.rules[e.rule_version]
            assert not fund.closed and not fund.grants, f"{where}: shared twice"
            assert sum(e.shares.values()) <= held_before.available, (
                f"{where}: shares exceed the pool")
            for project, amount in e.shares.items():
                cap = rules.project_cap(minimum[UUID(project)])
                assert cap is None or amount <= cap, f"{where}: share over the project cap"
                fund.grants[UUID(project)] = {"amount": amount, "state": "reserved"}
        elif kind == "GrantCommitted":
            grant = fund.grants[e.project_id]
            assert grant["state"] == "reserved", where
            assert project_status.get(e.project_id) == "funded", where
            grant["state"] = "committed"
        elif kind == "GrantReleased":
            grant = fund.grants[e.project_id]
            assert grant["state"] != "released", where
            assert project_status.get(e.project_id) in ("unfunded", "cancelled"), where
            grant["state"] = "released"
        elif kind == "Closed":
            assert not fund.closed and e.returned == held_before.available, where
            fund.closed = True
        else:
            raise AssertionError(f"an event the test does not know: {name}")
        # At every moment, in every minor unit (no account crossed zero, checked above).
        assert fund.committed + fund.reserved + fund.returned + fund.available == fund.pool, (
            f"{where}: the fund's accounts do not add up to its pool")
        if fund.lowest_available is None or fund.available < fund.lowest_available:
            fund.lowest_available = fund.available
    return funds


def check_funds(app: Any, fund_ids: list[UUID], minimum: dict[UUID, Money]) -> None:
    """Each fund as the application holds it agrees with its events recomputed from the log, and
    each match with the fate of its pledge (or a grant with its project's)."""
    from_log = replay(app, minimum)
    for fund_id in fund_ids:
        fund = app.get_matching_fund(fund_id)
        ledger = from_log[fund_id]
        assert fund.available >= 0
        assert fund.committed + fund.reserved + fund.returned <= fund.pool
        if fund.status == "closed":
            assert fund.committed + fund.reserved + fund.returned == fund.pool
        assert (fund.pool, fund.committed, fund.reserved, fund.returned) == (
            ledger.pool, ledger.committed, ledger.reserved, ledger.returned)
        assert {p: (m.amount, m.state) for p, m in fund.matches.items()} == {
            p: (m["amount"], m["state"]) for p, m in ledger.matches.items()}
        # The copy the application keeps between commands agrees too.
        with app._fund_lock(fund_id):
            kept = app._fresh_fund(fund_id)
            assert (kept.version, kept.committed, kept.reserved, kept.returned) == (
                fund.version, fund.committed, fund.reserved, fund.returned)
        for pledge_id, match in fund.matches.items():
            status = app.get_pledge(pledge_id).status
            if match.state == "committed":
                assert status == "charged", f"committed match on a {status} pledge"
            elif match.state == "reserved":
                assert status in ("authorised", "payment_failed"), (
                    f"reserved match on a {status} pledge")
            else:
                assert status in PAID_BACK, f"released match on a {status} pledge"
            # Once each, and exactly once where the pledge's fate calls for it.
            assert ledger.reserves[pledge_id] == 1
            assert ledger.commits[pledge_id] == (status in ("charged", "refunded"))
            assert ledger.releases[pledge_id] == (status in PAID_BACK)
        for project_id, grant in fund.grants.items():
            project = app.get_project(project_id)
            expected = {"committed": ("funded", "delivering"), "reserved": ("open",),
                        "released": ("unfunded", "cancelled")}[grant.state]
            assert project.status in expected, f"{grant.state} grant on a {project.status} project"
        for project_id in minimum:
            assert fund.by_project.get(project_id, 0) == ledger.held_for(project_id)
