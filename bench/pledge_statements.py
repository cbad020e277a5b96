"""Benchmark for the citizen's own space (issue 14): a citizen with many pledges, some charged,
some refunded, reading their pledges and their yearly statement, beside a read-model query
baseline measured in the same run.

    .venv/bin/python bench/pledge_statements.py [--pilots 20] [--pledges-per-pilot 10]
                                                [--rounds 20] [--on sqlite|postgres]

One Porto citizen pledges to P pilots (default 20 pilots x 10 pledges = 200 pledges). Half of
the pilots close and are charged, and one of those is then cancelled by the city (its pledges
refunded). Timed, each round, signed in through the Flask app:

- **mine**: `GET /me/pledges` (the list, with the links to the yearly statements);
- **page**: `GET /pledges/statements/<year>` (the printable statement);
- **csv**: `GET /pledges/statements/<year>.csv`;
- **years**: `read.pledge_statement_years(citizen, pledges)`, what the list page added to find
  the years to link (the charge and refund times from the ledger, for the pledges it has);
- **baseline**: `read.pledges_of(citizen)`, the read-model query the list is built on.

Printed: the median of each and its ratio to the baseline. Nothing here runs in the tests.
"""

from __future__ import annotations

import argparse
import os
import platform as host
import re
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

from pledges import DEFAULT_ADMIN_URL, bench_database, sqlite_database

from adapters.bootstrap import build_platform
from adapters.sandbox_payments import SandboxGateway
from adapters.settings import Settings
from adapters.settlement_rounds import settle_due
from domain.crowdfunding.project import BudgetLine
from domain.kernel.clock import FixedClock
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money

PASSWORD = "bench-password-1"
CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
START = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def set_up(platform, pilots: int, per_pilot: int):
    clock = platform.clock
    with acting_as(SYSTEM, "bench-seed"):
        city = platform.app.add_city("Porto", currency="EUR", country="PT",
                                     timezone="Europe/Lisbon")
        officer = platform.register(email="officer@bench.example.org", name="Officer",
                                    password=PASSWORD, role="city", city_id=city, verified=True)
        citizen = platform.register(email="rita@bench.example.org", name="Rita Sousa",
                                    password=PASSWORD, role="citizen", verified=True)
    projects = []
    with acting_as(Actor(str(officer), "city"), "bench-seed"):
        for n in range(pilots):
            closes = timedelta(days=2) if n % 2 == 0 else timedelta(days=60)
            project = platform.app.draft_project(
                city_id=city, area="Centre", theme="Mobility", title=f"Pilot {n}",
                summary="A pilot.", proposer="Friends of the Park",
                budget_lines=[BudgetLine("Sensors", Money.parse("10.00", "EUR"), True)],
                funding_model="all_or_nothing", opens_at=clock.now() - timedelta(hours=1),
                closes_at=clock.now() + closes)
            platform.app.open_campaign(project)
            projects.append(project)
    with acting_as(Actor(str(citizen), "citizen"), "bench-seed"):
        for project in projects:
            for k in range(per_pilot):
                platform.app.make_pledge(project_id=project, citizen_id=citizen,
                                         amount=Money.parse(f"{5 + k}.00", "EUR"),
                                         payment_method="pm_card_visa")
    platform.projections.catch_up()
    clock.advance(days=3)
    settle_due(platform.app, platform.engine, platform.projections)
    with acting_as(Actor(str(officer), "city"), "bench-cancel"):
        platform.app.cancel_project(projects[0], reason="The supplier went bankrupt.")
    platform.projections.catch_up()
    return citizen


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pilots", type=int, default=20)
    parser.add_argument("--pledges-per-pilot", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--on", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "CIVICFUND_BENCH_POSTGRES_URL", DEFAULT_ADMIN_URL))
    args = parser.parse_args()
    pledges = args.pilots * args.pledges_per_pilot
    print(f"bench/pledge_statements.py on {args.on}, {pledges} pledges on {args.pilots} pilots, "
          f"{args.rounds} rounds; Python {sys.version.split()[0]}, {host.machine()}; "
          f"load average {os.getloadavg()[0]:.2f}")
    from web.app import create_app

    database = (bench_database(args.postgres_url) if args.on == "postgres"
                else sqlite_database())
    with database as url:
        platform = build_platform(Settings(database_url=url), payments=SandboxGateway(),
                                  clock=FixedClock(START))
        began = time.perf_counter()
        citizen = set_up(platform, args.pilots, args.pledges_per_pilot)
        print(f"set-up: {time.perf_counter() - began:.1f} s")
        app = create_app({"TESTING": True, "SECRET_KEY": "bench-secret"}, platform=platform)
        client = app.test_client()
        csrf = CSRF_FIELD.search(client.get("/login").text).group(1)
        client.post("/login", data={"email": "rita@bench.example.org", "password": PASSWORD,
                                    "csrf_token": csrf})
        year = START.year

        def timed(call):
            began = time.perf_counter()
            answer = call()
            return time.perf_counter() - began, answer

        rounds = []
        for n in range(args.rounds + 1):
            mine, listed = timed(lambda: client.get("/me/pledges"))
            page, shown = timed(lambda: client.get(f"/pledges/statements/{year}"))
            csv, sent = timed(lambda: client.get(f"/pledges/statements/{year}.csv"))
            baseline, rows = timed(lambda: platform.read.pledges_of(citizen))
            years, _ = timed(lambda rows=rows: platform.read.pledge_statement_years(citizen, rows))
            assert listed.status_code == shown.status_code == sent.status_code == 200
            assert len(rows) == pledges and sent.text.count("\r\npledge,") == pledges
            if n:  # the first round warms the caches
                rounds.append((mine, page, csv, years, baseline))
        platform.close()
    names = ("GET /me/pledges", "GET /pledges/statements/<year>",
             "GET /pledges/statements/<year>.csv", "read.pledge_statement_years",
             "baseline pledges_of")
    medians = [statistics.median(r[i] for r in rounds) for i in range(5)]
    for name, median in zip(names, medians, strict=True):
        print(f"median {name:36} {median * 1000:8.1f} ms   {median / medians[4]:5.1f}x baseline")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
