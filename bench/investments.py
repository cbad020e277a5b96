"""Benchmark for issue 12: a benefit distribution over many investors, beside a read-model query
baseline measured in the same run.

    .venv/bin/python bench/investments.py [--investors 10000] [--rounds 3] [--postgres-url URL]
                                          [--on sqlite|postgres]

One Porto pilot whose benefit-sharing agreement (5 % preferred return, residual 40/30/20/10, a
community fund named) has N investors (default 10,000) with uneven paid-in capital, signed by
the city, the delivery owner and the community fund. Each round an officer reports a benefit
large enough to reach every tier, and a second officer approves it:

- **approve+distribute**: `Civicfund.approve_benefit_report` (four-eyes check, the waterfall over
  N investors with largest-remainder splits, the community fund's top-up, one save);
- **project**: `projections.catch_up()` after it (the agreement's read models, the report's N+4
  payment rows, the ledger's postings and balances);
- **baseline**: `read.benefit_report(id)`, the read-model query that loads the same report with
  its N+4 payments (what the pilot's page and the API read), on the same database in the same
  round.

Printed: each side's median over the rounds and the ratios to the baseline. The agreement's
capital is drawn up directly with N investors (`Agreement.draw_up`, saved through the
application) instead of N commit commands on an offer: the commitments are not what is measured
here. The portfolio page for an investor with 200 holdings comes with the portfolio read model
(helper B's branch) and is not measured here. Figures are not assertions; nothing here runs in
the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform as host
import random
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import date, timedelta
from uuid import UUID, uuid4

from pledges import DEFAULT_ADMIN_URL, bench_database, sqlite_database

from adapters.bootstrap import Platform, build_platform
from adapters.sandbox_payments import SandboxGateway
from adapters.settings import Settings
from domain.crowdfunding.project import BudgetLine
from domain.investment.agreement import Agreement
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules

TERMS = {"preferred_rate": "0.05",
         "residual": {"city": "40", "investors": "30", "community_fund": "20", "proposer": "10"}}


@contextlib.contextmanager
def running_platform(url: str) -> Iterator[Platform]:
    platform = build_platform(Settings(database_url=url), payments=SandboxGateway())
    try:
        yield platform
    finally:
        platform.close()


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def account(platform: Platform, role: str, city_id: UUID | None = None) -> UUID:
    with acting_as(SYSTEM, "bench"):
        return platform.register(email=f"{role}-{uuid4().hex[:8]}@bench.example.org",
                                 name=f"Bench {role}", password="bench-password-1",
                                 role=role, city_id=city_id, verified=True)


def set_up(platform: Platform, investors: int, seed: int) -> tuple[UUID, UUID, UUID, int]:
    """The pilot, its signed agreement with `investors` investors; returns (project, officer,
    second officer, capital in cents)."""
    app, now = platform.app, platform.clock.now()
    with acting_as(SYSTEM, "bench"):
        city = app.add_city("Porto", currency="EUR", country="PT", timezone="Europe/Lisbon")
    officer, second = account(platform, "city", city), account(platform, "city", city)
    owner = account(platform, "proposer")
    as_officer = Actor(str(officer), "city")
    with acting_as(as_officer, "bench"):
        fund = app.create_matching_fund(
            city_id=city, name="Porto Next Pilots", sponsor="Porto", currency="EUR",
            pool=eur("1000.00"), opens_at=now, closes_at=now + timedelta(days=3650),
            themes=["Housing"], areas=[],
            rules=parse_rules({"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00"},
                              "EUR"))
        project = app.draft_project(
            city_id=city, area="Campanhã", theme="Mobility", title="E-bike docks",
            summary="Bench pilot.", proposer="Bench operator",
            budget_lines=[BudgetLine("Docks", eur("90000.00"), True)],
            funding_model="all_or_nothing", opens_at=now, closes_at=now + timedelta(days=30))
        app.open_campaign(project)
        app.assign_delivery_owner(project, owner)
    rng = random.Random(seed)
    paid_in = [(uuid4(), rng.randrange(500, 500_001)) for _ in range(investors)]  # 5 to 5,000
    agreement = Agreement.draw_up(project_id=project, city_id=city, offer_id=uuid4(),
                                  currency="EUR", community_fund_id=fund, terms=TERMS,
                                  paid_in=paid_in)
    app.save(agreement)
    for party, actor in (("city", as_officer), ("community_fund", as_officer),
                         ("proposer", Actor(str(owner), "proposer"))):
        with acting_as(actor, "bench"):
            app.sign_agreement(project, party=party, version=1)
    platform.projections.catch_up()
    return project, officer, second, sum(v for _, v in paid_in)


def one_round(platform: Platform, project: UUID, officer: UUID, second: UUID, number: int,
              amount: Money) -> tuple[float, float, float]:
    """Report, then time approve+distribute, projecting it, and the baseline query."""
    start = date(2027, 1, 1) + timedelta(days=40 * number)
    with acting_as(Actor(str(officer), "city"), "bench"):
        report = platform.app.report_benefit(
            project, period_start=start, period_end=start + timedelta(days=29), amount=amount,
            category="rental revenue", evidence="Bench: metered revenue.")
    platform.projections.catch_up()
    began = time.perf_counter()
    with acting_as(Actor(str(second), "city"), "bench"):
        payments = platform.app.approve_benefit_report(report)
    distributed = time.perf_counter() - began
    began = time.perf_counter()
    platform.projections.catch_up()
    projected = time.perf_counter() - began
    began = time.perf_counter()
    found = platform.read.benefit_report(report)
    baseline = time.perf_counter() - began
    assert found is not None and len(found.payments) == len(payments)
    assert sum(p.amount.minor for p in found.payments) == amount.minor
    return distributed, projected, baseline


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--investors", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--on", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "CIVICFUND_BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL))
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args()
    print(f"bench/investments.py on {args.on}, {args.investors:,} investors, "
          f"{args.rounds} rounds; Python {sys.version.split()[0]}, {host.machine()}")
    database = (bench_database(args.postgres_url) if args.on == "postgres"
                else sqlite_database())
    with database as url, running_platform(url) as platform:
        began = time.perf_counter()
        project, officer, second, capital = set_up(platform, args.investors, args.seed)
        print(f"set-up (agreement drawn up and signed): {time.perf_counter() - began:.2f} s; "
              f"capital paid in EUR {capital / 100:,.2f}")
        # Each round's benefit: a third of the capital plus a residual, so every tier pays
        # from the round the capital is back on.
        amount = Money(capital // 3 + 1_000_000, "EUR")
        rounds = [one_round(platform, project, officer, second, n, amount)
                  for n in range(args.rounds)]
    for n, (distributed, projected, baseline) in enumerate(rounds, 1):
        print(f"round {n}: approve+distribute {distributed * 1000:8.1f} ms   project "
              f"{projected * 1000:8.1f} ms   baseline query {baseline * 1000:7.1f} ms")
    distributed, projected, baseline = (statistics.median(r[i] for r in rounds)
                                        for i in range(3))
    print(f"median: approve+distribute {distributed * 1000:.1f} ms, project "
          f"{projected * 1000:.1f} ms, baseline {baseline * 1000:.1f} ms")
    print(f"ratios to the baseline: approve+distribute {distributed / baseline:.1f}x, "
          f"project {projected / baseline:.1f}x, both {(distributed + projected) / baseline:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
