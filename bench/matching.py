"""Benchmark for issue 4: pledges per second with one active matching fund, beside the same run
without a fund, measured in the same run.

    .venv/bin/python bench/matching.py [--pledges N] [--rounds R] [--processes 1,4]

On one PostgreSQL database made for the run, two cities: Porto, whose pilot is matched 1:1 by one
ratio fund (cap 25.00 a pledge, a pool far larger than the run spends), and Dublin, whose pilot
has no fund. 16 clients pledge 25.00 EUR each through `Civicfund.make_pledge`: every pledge to
Porto reserves a match in the same save. Each round times N pledges to Porto and N to Dublin,
alternating sides every 160 pledges; the ratio is the median of the rounds' ratios.

Two layouts of the 16 clients, each its own comparison:
- 1 x 16: sixteen threads in one process sharing one platform (one app, one connection pool);
- 4 x 4: four processes (spawned, each its own platform on the same database) of four threads.

Target: with a fund / without >= 0.7. Figures are not assertions; nothing here runs in the tests.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform as host
import statistics
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg
from pledges import DEFAULT_ADMIN_URL, bench_database, psycopg_dsn

from adapters.bootstrap import Platform, build_platform
from adapters.sandbox_payments import SandboxGateway
from adapters.settings import Settings
from domain.crowdfunding.project import BudgetLine
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules

RATIO_TARGET = 0.7
CLIENTS = 16
CHUNK = 160  # pledges per turn (10 a client) when the two sides alternate
AMOUNT = Money.parse("25.00", "EUR")
RULES = {"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00"}


def open_platform(url: str) -> Platform:
    # The sandbox ledger in memory, as in bench/pledges.py: a real processor's latency is not
    # the platform's.
    return build_platform(Settings(database_url=url), payments=SandboxGateway())


def seed(platform: Platform, clients: int) -> dict[str, Any]:
    """Porto (pilot + fund) and Dublin (pilot, no fund); one citizen per client."""
    app = platform.app
    now = platform.clock.now()
    projects = {}
    with acting_as(SYSTEM, "bench-seed"):
        for name in ("Porto", "Dublin"):
            city_id = app.add_city(name, currency="EUR", country="PT", timezone="Europe/Lisbon")
            officer = app.register_account("city", city_id)
            with acting_as(Actor(str(officer), "city"), "bench-seed"):
                project_id = app.draft_project(
                    city_id=city_id, area="Centre", theme="Mobility", title="Smart bike lanes",
                    summary="Sensors count bikes.", proposer="Friends of the Park",
                    budget_lines=[BudgetLine("Sensors", Money.parse("8000.00", "EUR"), True)],
                    funding_model="all_or_nothing", opens_at=now,
                    closes_at=now + timedelta(days=30),
                )
                app.open_campaign(project_id)
                if name == "Porto":
                    fund_id = app.create_matching_fund(
                        city_id=city_id, name="Porto match", sponsor="Porto Foundation",
                        currency="EUR", pool=Money.parse("100000000.00", "EUR"),
                        opens_at=now, closes_at=now + timedelta(days=60),
                        themes=[], areas=[], rules=parse_rules(RULES, "EUR"),
                    )
            projects["fund" if name == "Porto" else "plain"] = project_id
        citizens = [app.register_account("citizen") for _ in range(clients)]
    return {"projects": projects, "citizens": citizens, "fund_id": fund_id}


def pledge_in_threads(
    platform: Platform, project_id: UUID, citizens: list[UUID], each: int,
    start: Any | None = None,
) -> tuple[float, float]:
    """Each citizen pledges `each` times from its own thread; returns (started, ended) as
    wall-clock times (comparable between processes)."""
    errors: list[BaseException] = []
    ready = start or threading.Barrier(len(citizens))
    marks: list[float] = []

    def client(citizen_id: UUID) -> None:
        ready.wait()
        if not marks:
            marks.append(time.time())
        try:
            with acting_as(Actor(str(citizen_id), "citizen"), "bench"):
                for _ in range(each):
                    platform.app.make_pledge(project_id=project_id, citizen_id=citizen_id,
                                             amount=AMOUNT, payment_method="pm_card_visa")
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=client, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ended = time.time()
    if errors:
        raise RuntimeError(f"{len(errors)} clients failed; first: {errors[0]!r}")
    return marks[0], ended


# -- 4 processes x 4 threads ------------------------------------------------------------------

_process_platform: Platform | None = None


def _init_process(url: str) -> None:
    global _process_platform
    _process_platform = open_platform(url)


def _process_task(project_id: UUID, citizens: list[UUID], each: int, start: Any):
    assert _process_platform is not None
    return pledge_in_threads(_process_platform, project_id, citizens, each, start)


class Layout:
    """Runs `count` pledges to a project from CLIENTS clients in one layout."""

    def __init__(self, url: str, platform: Platform, world: dict[str, Any], processes: int):
        self.platform, self.world, self.processes = platform, world, processes
        self.threads = CLIENTS // processes
        self.name = f"{processes} process{'es' if processes > 1 else ''} x {self.threads} threads"
        if processes > 1:
            context = multiprocessing.get_context("spawn")
            self.manager = context.Manager()
            self.pool = context.Pool(processes, initializer=_init_process, initargs=(url,))

    def run(self, side: str, count: int) -> float:
        """Seconds for `count` pledges (first client starting to last one done)."""
        project_id = self.world["projects"][side]
        citizens = self.world["citizens"]
        each = max(1, count // CLIENTS)
        if self.processes == 1:
            started, ended = pledge_in_threads(self.platform, project_id, citizens, each)
            return ended - started
        start = self.manager.Barrier(CLIENTS, timeout=120)
        groups = [citizens[n * self.threads:(n + 1) * self.threads]
                  for n in range(self.processes)]
        marks = self.pool.starmap(
            _process_task, [(project_id, group, each, start) for group in groups], chunksize=1
        )
        return max(end for _, end in marks) - min(begin for begin, _ in marks)

    def close(self) -> None:
        if self.processes > 1:
            self.pool.close()
            self.pool.join()
            self.manager.shutdown()


def count_matches(url: str, fund_id: UUID) -> int:
    with psycopg.connect(psycopg_dsn(url)) as conn:
        return conn.execute(
            "SELECT count(*) FROM civicfund_events WHERE originator_id = %s "
            "AND topic LIKE %s", (fund_id, "%MatchReserved")
        ).fetchone()[0]


def bench_layout(url: str, platform: Platform, world: dict[str, Any], processes: int,
                 count: int, rounds: int, warmup: int) -> bool:
    layout = Layout(url, platform, world, processes)
    each = max(1, count // CLIENTS) * CLIENTS
    print(f"  {layout.name} ({CLIENTS} clients): {rounds} rounds x {each} pledges a side, "
          f"warm-up {warmup} a side, sides alternating every {CHUNK}")
    try:
        for side in ("fund", "plain"):
            layout.run(side, warmup)
        ratios, fund_rates, plain_rates = [], [], []
        for number in range(rounds):
            seconds = {"fund": 0.0, "plain": 0.0}
            # Small alternating chunks, so both sides see the same moments of a noisy machine.
            for chunk in range(max(1, each // CHUNK)):
                order = ("fund", "plain") if (number + chunk) % 2 == 0 else ("plain", "fund")
                for side in order:
                    seconds[side] += layout.run(side, min(CHUNK, each))
            done = max(1, each // CHUNK) * min(CHUNK, each)
            fund_rates.append(done / seconds["fund"])
            plain_rates.append(done / seconds["plain"])
            ratios.append(seconds["plain"] / seconds["fund"])
            print(f"    round {number + 1}: with fund {fund_rates[-1]:6.0f}/s   "
                  f"without {plain_rates[-1]:6.0f}/s   ratio {ratios[-1]:.2f}")
    finally:
        layout.close()
    ratio = statistics.median(ratios)
    ok = ratio >= RATIO_TARGET
    print(f"    median: with fund {statistics.median(fund_rates):6.0f} pledges/s, without "
          f"{statistics.median(plain_rates):6.0f} pledges/s, ratio {ratio:.2f} "
          f"(median of the rounds' ratios)   target >= {RATIO_TARGET}   "
          f"{'PASS' if ok else 'FAIL'}")
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pledges", type=int, default=800, help="pledges per side per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=160)
    parser.add_argument("--processes", default="1,4",
                        help="comma-separated layouts: 1 (1 x 16 threads), 4 (4 x 4), 2, 8, 16")
    parser.add_argument("--postgres-url", default=os.environ.get("CIVICFUND_BENCH_POSTGRES_URL",
                                                                 DEFAULT_ADMIN_URL),
                        help="admin URL; a database civicfund_bench_<random> is made and dropped")
    args = parser.parse_args(argv)
    layouts = [int(p) for p in args.processes.split(",") if p.strip()]
    if any(CLIENTS % p for p in layouts):
        parser.error(f"--processes must divide {CLIENTS}")

    print(f"civicfund matching bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
          f"{host.python_version()}, {os.cpu_count()} CPUs, {host.machine()}")
    with psycopg.connect(psycopg_dsn(args.postgres_url)) as conn:
        print(f"PostgreSQL: {conn.execute('SHOW server_version').fetchone()[0]}, "
              f"synchronous_commit={conn.execute('SHOW synchronous_commit').fetchone()[0]}")
    print(f"Pledges of {AMOUNT.display()} per second from {CLIENTS} concurrent clients, to a "
          f"pilot matched 1:1 by one fund (3 events a save) and to one without (2 events)")
    results = []
    with bench_database(args.postgres_url) as url:
        platform = open_platform(url)
        try:
            world = seed(platform, CLIENTS)
            for processes in layouts:
                results.append(bench_layout(url, platform, world, processes, args.pledges,
                                            args.rounds, args.warmup))
            made = count_matches(url, world["fund_id"])
            fund = platform.app.get_matching_fund(world["fund_id"])
            print(f"  check: {made} matches reserved, fund reserved "
                  f"{fund.money(fund.reserved).display()} of {fund.money(fund.pool).display()}, "
                  f"available {fund.money(fund.available).display()}")
            assert fund.reserved == made * AMOUNT.minor and fund.available > 0
        finally:
            platform.close()
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
