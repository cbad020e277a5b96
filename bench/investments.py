"""Benchmark for issue 12: a benefit distribution over many investors, and the portfolio of an
investor with many holdings, each beside a read-model query baseline measured in the same run.

    .venv/bin/python bench/investments.py [--investors 10000] [--rounds 3] [--postgres-url URL]
                                          [--on sqlite|postgres] [--holdings 200]
                                          [--only distribution|portfolio]

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
here.

The portfolio half: one citizen holds H community bonds (default 200) on H pilots, each built
through the application as in production: the pilot's campaign opened, a bond offer added
(4.5 %, 5 years, half-yearly, amortising), the citizen's commitment reaching the pilot's budget,
the campaign closed early and settled, then the worker's rounds paying in, issuing the bonds and,
the clock two years on, paying their first four schedule lines (H x 9 cash flows). Timed, each
round:

- **api**: `GET /api/v1/me/investments` through the Flask app (token, portfolio with XIRR,
  multiple, performance and next payments per holding, JSON);
- **page**: `GET /invest/mine` signed in (the same portfolio plus the commitments table and an
  SVG chart per holding);
- **baseline**: the read-model query of the citizen's cash flows alone
  (`SELECT ... FROM rm_investment_cash_flows WHERE investor_id = ...`, every row fetched).

Figures are not assertions; nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform as host
import random
import re
import statistics
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from uuid import UUID, uuid4

import sqlalchemy as sa
from pledges import DEFAULT_ADMIN_URL, bench_database, sqlite_database

from adapters import tables as t
from adapters.bootstrap import Platform, build_platform
from adapters.investment_rounds import move_investment_money
from adapters.sandbox_payments import SandboxGateway
from adapters.settings import Settings
from domain.crowdfunding.project import BudgetLine
from domain.investment.agreement import Agreement
from domain.investment.bonds import add_months
from domain.kernel.clock import FixedClock
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules

TERMS = {"preferred_rate": "0.05",
         "residual": {"city": "40", "investors": "30", "community_fund": "20", "proposer": "10"}}
BOND = {"rate": "0.045", "term_years": 5, "payments_per_year": 2, "repayment": "amortising"}
RIGHT = {"capital_at_risk": "yes", "deposit_guarantee": "no", "unfunded_pilot": "released"}
PASSWORD = "bench-password-1"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@contextlib.contextmanager
def running_platform(url: str, clock: FixedClock | None = None) -> Iterator[Platform]:
    platform = build_platform(Settings(database_url=url), clock=clock,
                              payments=SandboxGateway())
    try:
        yield platform
    finally:
        platform.close()


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def account(platform: Platform, role: str, city_id: UUID | None = None) -> UUID:
    with acting_as(SYSTEM, "bench"):
        return platform.register(email=f"{role}-{uuid4().hex[:8]}@bench.example.org",
                                 name=f"Bench {role}", password=PASSWORD,
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


def set_up_holdings(platform: Platform, clock: FixedClock, holdings: int) -> UUID:
    """A citizen holding `holdings` community bonds, each paid in and four lines paid out;
    returns the citizen's account id."""
    app, now = platform.app, clock.now()
    with acting_as(SYSTEM, "bench"):
        city = app.add_city("Stavanger", currency="EUR", country="NO", timezone="Europe/Oslo")
    officer, citizen = account(platform, "city", city), account(platform, "citizen")
    as_officer, as_citizen = Actor(str(officer), "city"), Actor(str(citizen), "citizen")
    with acting_as(as_citizen, "bench"):
        app.pass_appropriateness(answers=RIGHT, risk_warning_accepted=True)
    for n in range(holdings):
        amount = eur(f"{400 + n % 7 * 50}.00")  # the pilot's budget, all of it invested
        with acting_as(as_officer, "bench"):
            project = app.draft_project(
                city_id=city, area="Storhaug", theme="Energy", title=f"Solar roof {n + 1:03d}",
                summary="Bench pilot.", proposer="Bench operator",
                budget_lines=[BudgetLine("Panels", amount, True)],
                funding_model="all_or_nothing", opens_at=now, closes_at=now + timedelta(days=30))
            app.open_campaign(project)
            offer = app.add_offer(project, kind="community_bond", currency="EUR",
                                  target=amount, minimum=eur("100.00"), maximum=amount,
                                  min_ticket=eur("5.00"), opens_at=now,
                                  closes_at=now + timedelta(days=20), terms=BOND)
        with acting_as(as_citizen, "bench"):
            app.commit_to_offer(offer, amount=amount, payment_method="pm_card_visa")
        platform.projections.catch_up()  # the pilot's total counts the investment
        with acting_as(as_officer, "bench"):
            app.close_campaign_early(project)
    platform.projections.catch_up()
    clock.advance(days=21)  # the offers have closed: the bonds are dated that day
    move_investment_money(app, platform.engine, platform.projections)
    clock.set(datetime.combine(add_months(clock.now().date(), 24), datetime.min.time(),
                               tzinfo=UTC))
    move_investment_money(app, platform.engine, platform.projections)
    return citizen


def portfolio_round(platform: Platform, client, token: str, citizen: UUID,
                    holdings: int) -> tuple[float, float, float]:
    began = time.perf_counter()
    api = client.get("/api/v1/me/investments", headers={"Authorization": f"Bearer {token}"})
    api_time = time.perf_counter() - began
    began = time.perf_counter()
    page = client.get("/invest/mine")
    page_time = time.perf_counter() - began
    f = t.investment_cash_flows.c
    began = time.perf_counter()
    with platform.engine.connect() as conn:
        flows = conn.execute(sa.select(t.investment_cash_flows).where(
            f.investor_id == citizen).order_by(f.on, f.position, f.seq)).all()
    baseline = time.perf_counter() - began
    assert api.status_code == 200 and len(api.json["investments"]) == holdings
    assert page.status_code == 200 and page.text.count('class="panel holding"') == holdings
    assert len(flows) == holdings * 9, len(flows)  # paid in, 4 x (interest, capital)
    return api_time, page_time, baseline


def bench_portfolio(url: str, holdings: int, rounds: int) -> None:
    from web.app import create_app

    clock = FixedClock(datetime(2027, 1, 4, 9, 0, tzinfo=UTC))
    with running_platform(url, clock) as platform:
        began = time.perf_counter()
        citizen = set_up_holdings(platform, clock, holdings)
        print(f"portfolio set-up ({holdings} bonds paid in, 4 lines paid each): "
              f"{time.perf_counter() - began:.2f} s")
        app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret"}, platform=platform)
        client = app.test_client()
        email = platform.accounts.get(citizen).email
        token = platform.accounts.issue_token(citizen)
        csrf = CSRF_FIELD.search(client.get("/login").text).group(1)
        client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": csrf})
        portfolio_round(platform, client, token, citizen, holdings)  # warm the caches once
        measured = [portfolio_round(platform, client, token, citizen, holdings)
                    for _ in range(rounds)]
    for n, (api, page, baseline) in enumerate(measured, 1):
        print(f"round {n}: GET /api/v1/me/investments {api * 1000:8.1f} ms   GET /invest/mine "
              f"{page * 1000:8.1f} ms   baseline query {baseline * 1000:7.1f} ms")
    api, page, baseline = (statistics.median(r[i] for r in measured) for i in range(3))
    print(f"median: api {api * 1000:.1f} ms, page {page * 1000:.1f} ms, baseline "
          f"{baseline * 1000:.1f} ms")
    print(f"ratios to the baseline: api {api / baseline:.1f}x, page {page / baseline:.1f}x")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--investors", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--on", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "CIVICFUND_BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL))
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--holdings", type=int, default=200)
    parser.add_argument("--only", choices=("distribution", "portfolio"))
    args = parser.parse_args()
    print(f"bench/investments.py on {args.on}, {args.investors:,} investors, "
          f"{args.holdings} holdings, {args.rounds} rounds; Python {sys.version.split()[0]}, "
          f"{host.machine()}")

    def database():
        return (bench_database(args.postgres_url) if args.on == "postgres"
                else sqlite_database())

    if args.only != "distribution":
        with database() as url:
            bench_portfolio(url, args.holdings, args.rounds)
    if args.only == "portfolio":
        return 0
    with database() as url, running_platform(url) as platform:
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
