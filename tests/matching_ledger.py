"""Matching funds recomputed from the event log alone, checking every movement as it is recorded.

Shared by the property tests and the PostgreSQL concurrency test: nothing of the aggregate's own
bookkeeping is reused, so the two can be compared.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from domain.matching_rules import PER_PLEDGE_KINDS, THRESHOLD, Rules
from domain.money import Money

PAID_BACK = ("cancelled", "released", "dropped", "refunded")


@dataclass
class FundLedger:
    """One fund as recomputed from its events alone."""

    pool: int
    rules: dict[int, Rules]
    reserved: int = 0
    committed: int = 0
    returned: int = 0
    closed: bool = False
    matches: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    grants: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    by_project: Counter = field(default_factory=Counter)
    unlocked: set[UUID] = field(default_factory=set)
    reserves: Counter = field(default_factory=Counter)  # per pledge
    commits: Counter = field(default_factory=Counter)
    releases: Counter = field(default_factory=Counter)
    lowest_available: int | None = None  # the least the pool ever had left

    @property
    def available(self) -> int:
        return self.pool - self.committed - self.reserved - self.returned


def replay(app: Any, minimum: dict[UUID, Money]) -> dict[UUID, FundLedger]:
    """Every fund, recomputed from the whole log, checking each movement as it is recorded."""
    funds: dict[UUID, FundLedger] = {}
    pledge_status: dict[UUID, str] = {}
    pledge_amount: dict[UUID, int] = {}
    project_status: dict[UUID, str] = {}
    notifications = app.recorder.select_notifications(start=1, limit=1_000_000)
    for notification in notifications:
        e = app.mapper.to_domain_event(notification)
        name = type(e).__qualname__
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
            funds[e.originator_id] = FundLedger(pool=e.pool, rules={1: Rules.from_dict(e.rules)})
            continue
        fund = funds[e.originator_id]
        where = f"{name} in fund {e.originator_id}"
        if kind == "ToppedUp":
            assert not fund.closed, f"{where}: topped up after close"
            fund.pool += e.amount
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
                assert fund.by_project[e.project_id] + e.amount <= cap, (
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
            fund.reserved += e.amount
            fund.by_project[e.project_id] += e.amount
        elif kind == "MatchCommitted":
            match = fund.matches[e.pledge_id]
            assert match["state"] == "reserved", f"{where}: committed a {match['state']} match"
            assert pledge_status[e.pledge_id] == "charged", (
                f"{where}: committed for a {pledge_status[e.pledge_id]} pledge")
            fund.commits[e.pledge_id] += 1
            match["state"] = "committed"
            fund.reserved -= match["amount"]
            fund.committed += match["amount"]
        elif kind == "MatchReleased":
            match = fund.matches[e.pledge_id]
            assert match["state"] != "released", f"{where}: released twice"
            assert pledge_status[e.pledge_id] in PAID_BACK, (
                f"{where}: released for a {pledge_status[e.pledge_id]} pledge")
            fund.releases[e.pledge_id] += 1
            if match["state"] == "committed":
                fund.committed -= match["amount"]
            else:
                fund.reserved -= match["amount"]
            match["state"] = "released"
            fund.by_project[match["project"]] -= match["amount"]
            if fund.closed:
                fund.returned += match["amount"]
        elif kind == "GrantReserved":
            rules = fund.rules[e.rule_version]
            assert not fund.closed and e.project_id not in fund.grants, where
            assert 0 < e.amount <= rules.grant, where
            cap = rules.project_cap(minimum[e.project_id])
            assert cap is None or e.amount <= cap, f"{where}: over the project cap"
            fund.grants[e.project_id] = {"amount": e.amount, "state": "reserved"}
            fund.reserved += e.amount
            fund.by_project[e.project_id] += e.amount
        elif kind == "RoundShared":
            rules = fund.rules[e.rule_version]
            assert not fund.closed and not fund.grants, f"{where}: shared twice"
            assert sum(e.shares.values()) <= fund.available, f"{where}: shares exceed the pool"
            for project, amount in e.shares.items():
                cap = rules.project_cap(minimum[UUID(project)])
                assert cap is None or amount <= cap, f"{where}: share over the project cap"
                fund.grants[UUID(project)] = {"amount": amount, "state": "reserved"}
                fund.reserved += amount
                fund.by_project[UUID(project)] += amount
        elif kind == "GrantCommitted":
            grant = fund.grants[e.project_id]
            assert grant["state"] == "reserved", where
            assert project_status.get(e.project_id) == "funded", where
            grant["state"] = "committed"
            fund.reserved -= grant["amount"]
            fund.committed += grant["amount"]
        elif kind == "GrantReleased":
            grant = fund.grants[e.project_id]
            assert grant["state"] != "released", where
            assert project_status.get(e.project_id) in ("unfunded", "cancelled"), where
            if grant["state"] == "committed":
                fund.committed -= grant["amount"]
            else:
                fund.reserved -= grant["amount"]
            grant["state"] = "released"
            fund.by_project[e.project_id] -= grant["amount"]
            if fund.closed:
                fund.returned += grant["amount"]
        elif kind == "Closed":
            assert not fund.closed and e.returned == fund.available, where
            fund.closed = True
            fund.returned += e.returned
        else:
            raise AssertionError(f"an event the test does not know: {name}")
        # At every moment, in every minor unit.
        assert min(fund.reserved, fund.committed, fund.returned) >= 0, where
        assert fund.committed + fund.reserved + fund.returned <= fund.pool, (
            f"{where}: pool over-committed")
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
            assert fund.by_project.get(project_id, 0) == ledger.by_project[project_id]
