"""Every project's and fund's figures recomputed from an export's entries alone, for
verify_export.py beside it: standard library only, not importing civicfund.

It re-implements the platform's bookkeeping (domain/ledger/bookkeeping.py) over the entries'
payloads, keeping only the balances the figures are made of:

- a project's raised: its pledges made and authorised, not let go (cancelled, released, dropped)
  nor refunded, wherever the money sits (pledged, pending after a failed charge, or charged);
- matched: what matching funds hold for it (matches and grants, reserved or committed);
- committed: what departments' budget lines hold for it (committed or drawn);
- invested: what investors hold (committed or due) in its offers that reached their minimum;
- total: the sum of the four;
- a fund's pool (created, topped up by sponsors and by benefits), reserved and committed (for all
  projects), returned (to the sponsor) and available.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

# ISO 4217 minor-unit exponents, as domain/kernel/money.py accepts them.
EXPONENTS = {
    "EUR": 2, "GBP": 2, "USD": 2, "CHF": 2, "NOK": 2, "SEK": 2, "DKK": 2, "PLN": 2,
    "CZK": 2, "HUF": 2, "RON": 2, "BGN": 2, "ISK": 0, "CAD": 2, "AUD": 2, "NZD": 2,
    "JPY": 0, "KRW": 0, "CLP": 0, "VND": 0, "BRL": 2, "MXN": 2, "ZAR": 2, "INR": 2,
    "SGD": 2, "HKD": 2, "TRY": 2, "KWD": 3, "BHD": 3, "JOD": 3, "TND": 3,
}
PROJECT_FIGURES = ("raised", "matched", "committed", "invested", "total")
FUND_FIGURES = ("pool", "committed", "reserved", "returned", "available")

PLEDGED, PENDING, CHARGED = "pledged", "pending", "charged"
RESERVED, COMMITTED, DRAWN, DUE, PAID_IN = "reserved", "committed", "drawn", "due", "paid_in"


def minor(money: dict[str, str]) -> int:
    """An entry's money ({"amount": "12.50", "currency": "EUR"}) in minor units."""
    return int(Decimal(money["amount"]).scaleb(EXPONENTS[money["currency"]]))


def decimal_text(amount: int, currency: str) -> str:
    exponent = EXPONENTS[currency]
    if exponent == 0:
        return str(amount)
    sign, whole = ("-" if amount < 0 else ""), abs(amount)
    return f"{sign}{whole // 10 ** exponent}.{whole % 10 ** exponent:0{exponent}d}"


class Books:
    def __init__(self) -> None:
        self.projects: dict[str, str] = {}  # id -> currency
        self.pledges: dict[str, dict[str, Any]] = {}
        self.raised: Counter[str] = Counter()
        self.funds: dict[str, dict[str, Any]] = {}
        self.holds: dict[str, dict[str, Any]] = {}  # a fund's match or grant
        self.matched: Counter[str] = Counter()
        self.department_commitments: dict[str, dict[str, Any]] = {}
        self.committed: Counter[str] = Counter()
        self.offers: dict[str, dict[str, Any]] = {}
        self.investments: dict[str, dict[str, Any]] = {}

    def record(self, entry: dict[str, Any]) -> None:
        kind = entry["topic"].rpartition(":")[2]
        handler = getattr(self, "_" + kind.replace(".", "_"), None)
        if handler is not None:
            handler(entry["aggregate_id"], entry["payload"])

    # -- projects and pledges ----------------------------------------------------------------

    def _Project_Drafted(self, aggregate: str, p: dict) -> None:
        self.projects[aggregate] = p["currency"]

    def _Pledge_Made(self, aggregate: str, p: dict) -> None:
        self.pledges[aggregate] = {"project": p["project_id"], "amount": minor(p["amount"]),
                                   "at": None}

    def _pledge_to(self, aggregate: str, to: str | None, allowed: tuple) -> None:
        pledge = self.pledges[aggregate]
        if pledge["at"] not in allowed:
            return
        counted = (PLEDGED, PENDING, CHARGED)
        change = (to in counted) - (pledge["at"] in counted)
        self.raised[pledge["project"]] += change * pledge["amount"]
        pledge["at"] = to

    def _Pledge_Authorised(self, aggregate: str, p: dict) -> None:
        self._pledge_to(aggregate, PLEDGED, (None,))

    def _Pledge_Cancelled(self, aggregate: str, p: dict) -> None:
        self._pledge_to(aggregate, None, (PLEDGED, PENDING))

    _Pledge_Released = _Pledge_Dropped = _Pledge_Cancelled

    def _Pledge_ChargeFailed(self, aggregate: str, p: dict) -> None:
        self._pledge_to(aggregate, PENDING, (PLEDGED,))

    def _Pledge_Charged(self, aggregate: str, p: dict) -> None:
        self._pledge_to(aggregate, CHARGED, (PLEDGED, PENDING))

    def _Pledge_Refunded(self, aggregate: str, p: dict) -> None:
        self._pledge_to(aggregate, None, (CHARGED,))

    # -- matching funds ----------------------------------------------------------------------

    def _MatchingFund_Created(self, aggregate: str, p: dict) -> None:
        self.funds[aggregate] = {"currency": p["currency"], "closed": False, "pool": p["pool"],
                                 "available": p["pool"], "returned": 0,
                                 RESERVED: 0, COMMITTED: 0}

    def _MatchingFund_ToppedUp(self, aggregate: str, p: dict) -> None:
        self.funds[aggregate]["pool"] += p["amount"]
        self.funds[aggregate]["available"] += p["amount"]

    _MatchingFund_ToppedUpByBenefits = _MatchingFund_ToppedUp

    def _hold(self, fund_id: str, key: str, project: str, amount: int) -> None:
        fund = self.funds[fund_id]
        self.holds[key] = {"project": project, "amount": amount, "at": RESERVED}
        fund["available"] -= amount
        fund[RESERVED] += amount
        self.matched[project] += amount

    def _spend(self, fund_id: str, key: str) -> None:
        held = self.holds.get(key)
        if held is None or held["at"] != RESERVED:
            return
        fund = self.funds[fund_id]
        fund[RESERVED] -= held["amount"]
        fund[COMMITTED] += held["amount"]
        held["at"] = COMMITTED

    def _give_back(self, fund_id: str, key: str) -> None:
        held = self.holds.get(key)
        if held is None or held["at"] not in (RESERVED, COMMITTED):
            return
        fund = self.funds[fund_id]
        fund[held["at"]] -= held["amount"]
        fund["returned" if fund["closed"] else "available"] += held["amount"]
        self.matched[held["project"]] -= held["amount"]
        held["at"] = None

    def _MatchingFund_MatchReserved(self, aggregate: str, p: dict) -> None:
        self._hold(aggregate, f"match:{aggregate}:{p['pledge_id']}", p["project_id"],
                   p["amount"])

    def _MatchingFund_MatchCommitted(self, aggregate: str, p: dict) -> None:
        self._spend(aggregate, f"match:{aggregate}:{p['pledge_id']}")

    def _MatchingFund_MatchReleased(self, aggregate: str, p: dict) -> None:
        self._give_back(aggregate, f"match:{aggregate}:{p['pledge_id']}")

    def _MatchingFund_GrantReserved(self, aggregate: str, p: dict) -> None:
        self._hold(aggregate, f"grant:{aggregate}:{p['project_id']}", p["project_id"],
                   p["amount"])

    def _MatchingFund_GrantCommitted(self, aggregate: str, p: dict) -> None:
        self._spend(aggregate, f"grant:{aggregate}:{p['project_id']}")

    def _MatchingFund_GrantReleased(self, aggregate: str, p: dict) -> None:
        self._give_back(aggregate, f"grant:{aggregate}:{p['project_id']}")

    def _MatchingFund_RoundShared(self, aggregate: str, p: dict) -> None:
        for project, amount in p["shares"].items():
            self._hold(aggregate, f"grant:{aggregate}:{project}", project, amount)

    def _MatchingFund_Closed(self, aggregate: str, p: dict) -> None:
        fund = self.funds[aggregate]
        fund["closed"] = True
        fund["available"] -= p["returned"]
        fund["returned"] += p["returned"]

    # -- departments' budget lines -----------------------------------------------------------

    def _Department_Committed(self, aggregate: str, p: dict) -> None:
        self.department_commitments[p["commitment_id"]] = {
            "project": p["project_id"], "amount": p["amount"], "at": COMMITTED}
        self.committed[p["project_id"]] += p["amount"]

    def _commitment_to(self, p: dict, to: str | None) -> None:
        held = self.department_commitments.get(p["commitment_id"])
        if held is None or held["at"] not in (COMMITTED, DRAWN) or held["at"] == to:
            return
        if to is None:
            self.committed[held["project"]] -= held["amount"]
        held["at"] = to

    def _Department_Drawn(self, aggregate: str, p: dict) -> None:
        self._commitment_to(p, DRAWN)

    def _Department_Withdrawn(self, aggregate: str, p: dict) -> None:
        self._commitment_to(p, None)

    _Department_Released = _Department_Withdrawn

    # -- investment offers -------------------------------------------------------------------

    def _Offer_Added(self, aggregate: str, p: dict) -> None:
        self.offers[aggregate] = {"project": p["project_id"], "minimum": p["minimum"],
                                  "held": 0}

    def _Offer_Committed(self, aggregate: str, p: dict) -> None:
        self.investments[p["commitment_id"]] = {"amount": p["amount"], "at": COMMITTED}
        self.offers[aggregate]["held"] += p["amount"]

    def _investment_to(self, aggregate: str, p: dict, to: str | None, allowed: str) -> None:
        held = self.investments.get(p["commitment_id"])
        if held is None or held["at"] != allowed:
            return
        change = (to in (COMMITTED, DUE)) - (held["at"] in (COMMITTED, DUE))
        self.offers[aggregate]["held"] += change * held["amount"]
        held["at"] = to

    def _Offer_Withdrawn(self, aggregate: str, p: dict) -> None:
        self._investment_to(aggregate, p, None, COMMITTED)

    _Offer_Released = _Offer_Withdrawn

    def _Offer_CalledToPayIn(self, aggregate: str, p: dict) -> None:
        self._investment_to(aggregate, p, DUE, COMMITTED)

    def _Offer_PaidIn(self, aggregate: str, p: dict) -> None:
        self._investment_to(aggregate, p, PAID_IN, DUE)

    def _Offer_PayInAbandoned(self, aggregate: str, p: dict) -> None:
        self._investment_to(aggregate, p, None, DUE)

    # -- the figures ---------------------------------------------------------------------------

    def figures(self) -> dict[str, dict[str, dict[str, str]]]:
        invested: Counter[str] = Counter()
        for offer in self.offers.values():
            if offer["held"] >= offer["minimum"]:
                invested[offer["project"]] += offer["held"]
        projects: dict[str, dict[str, str]] = {}
        for project, currency in self.projects.items():
            amounts = {"raised": self.raised[project], "matched": self.matched[project],
                       "committed": self.committed[project], "invested": invested[project]}
            amounts["total"] = sum(amounts.values())
            projects[project] = {name: decimal_text(amount, currency)
                                 for name, amount in amounts.items()}
        funds = {fund_id: {name: decimal_text(fund[name], fund["currency"])
                           for name in FUND_FIGURES}
                 for fund_id, fund in self.funds.items()}
        return {"projects": projects, "funds": funds}


def differences(computed: dict[str, dict[str, dict[str, str]]],
                manifest: dict[str, Any]) -> list[str]:
    """Where the manifest's figures are not the ones recomputed from the entries."""
    found: list[str] = []
    for kind, names in (("projects", PROJECT_FIGURES), ("funds", FUND_FIGURES)):
        shown = manifest.get(kind) or {}
        singular = kind[:-1]
        for ident in sorted(set(shown) | set(computed[kind])):
            if ident not in computed[kind]:
                found.append(f"the manifest has {singular} {ident}, which no entry creates")
                continue
            if ident not in shown:
                found.append(f"the entries create {singular} {ident}, missing in the manifest")
                continue
            for name in names:
                theirs, ours = shown[ident].get(name), computed[kind][ident][name]
                if theirs != ours:
                    found.append(f"{singular} {ident}: the manifest says {name} {theirs}, "
                                 f"the entries make it {ours}")
    return found

