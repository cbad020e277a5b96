"""What `civicfund worker` costs: a round that finds nothing new, and the pledges it follows.

Seeds a PostgreSQL database as bench/wire.py does (one city, 20 pilots, 8 citizens), then, in
rounds, makes B pledges through the application (the web's command, which leaves the read
models to the worker) and runs one of the worker's rounds (`web.cli.work_rounds`: the read
models, the ledger, mail, the transparency log's tree, due settlements ...), for several batch
sizes B. Prints the CPU time of the worker's process a pledge for each B and fits it as a fixed
cost a round plus a cost a pledge, beside the baseline measured in the same run: decoding the
same pledges' events with the application's mapper, the least a follower of the log can do.
Then it runs rounds with nothing new and prints their CPU time in the worker's process and in
PostgreSQL's backends for the database.

    .venv/bin/python bench/worker.py [--batches 20,70,300] [--pledges 1400] [--quiet-rounds 100]

Nothing here is an assertion, and nothing runs in the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy.engine import make_url  # noqa: E402

from bench.pledges import bench_database  # noqa: E402
from bench.wire import ADMIN, SEED, libpq  # noqa: E402


def backend_cpu(database: str) -> float:
    """CPU seconds so far of PostgreSQL's backends serving `database` (Linux)."""
    with psycopg.connect(libpq(ADMIN), autocommit=True) as conn:
        pids = [row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))]
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batches", default="20,70,300",
                        help="pledges between two of the worker's rounds, comma-separated")
    parser.add_argument("--pledges", type=int, default=1400, help="pledges for each batch size")
    parser.add_argument("--quiet-rounds", type=int, default=100)
    args = parser.parse_args()

    with bench_database(ADMIN) as url:
        seeded = subprocess.run([sys.executable, "-c", SEED, url, "8", "20"], cwd=ROOT,
                                env={**os.environ, "PYTHONPATH": str(ROOT)}, check=True,
                                capture_output=True, text=True)
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        return measure(url, make_url(url).database, seed, args)


def measure(url: str, database: str, seed: dict, args) -> int:
    from adapters.bootstrap import build_platform
    from adapters.follower import read_log
    from adapters.settings import Settings
    from domain.kernel.context import Actor, acting_as
    from domain.kernel.money import Money
    from web.cli import work_rounds

    settings = Settings(database_url=url, password_method="pbkdf2:sha256:1000")
    web, worker = build_platform(settings), build_platform(settings)
    projects = [uuid.UUID(p) for p in seed["projects"]]
    citizens = [web.accounts.by_token(token).id for token in seed["tokens"]]
    rng = random.Random(1)

    def pledge(n: int) -> None:
        citizen = citizens[n % len(citizens)]
        with acting_as(Actor(str(citizen), "citizen"), "bench"):
            web.app.make_pledge(project_id=rng.choice(projects), citizen_id=citizen,
                                amount=Money(rng.randint(1, 50) * 100, "EUR"),
                                payment_method="pm_card_visa")

    def one_round() -> float:
        started = time.process_time()
        work_rounds(worker, threading.Event(), 0, echo=lambda _line: None, rounds=1)
        return time.process_time() - started

    def decode(after: int) -> float:
        """The baseline: read and decode the events a round follows (what any follower does)."""
        started = time.process_time()
        with worker.engine.connect() as conn:
            for notification in read_log(conn, after=after, limit=10**6):
                worker.app.mapper.to_domain_event(notification)
        return time.process_time() - started

    for n in range(100):  # warm-up: imports, pools, prepared statements
        pledge(n)
    one_round()
    print(f"civicfund worker, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load {' '.join(f'{v:.2f}' for v in os.getloadavg())}, {os.cpu_count()} CPUs")
    print(f"{'batch':>6} {'worker ms/pledge':>17} {'decode ms/pledge':>17} {'ratio':>6}")
    fitted = []
    for batch in (int(b) for b in args.batches.split(",")):
        spent = baseline = 0.0
        rounds = max(1, args.pledges // batch)
        for _ in range(rounds):
            head = worker.app.recorder.max_notification_id() or 0
            for n in range(batch):
                pledge(n)
            baseline += decode(head)
            spent += one_round()
        per_pledge, per_decoded = (spent * 1000 / (batch * rounds),
                                   baseline * 1000 / (batch * rounds))
        fitted.append((batch, per_pledge))
        print(f"{batch:>6} {per_pledge:>17.3f} {per_decoded:>17.3f} "
              f"{per_pledge / per_decoded:>6.1f}")
    if len(fitted) >= 2:
        (small, at_small), (large, at_large) = fitted[0], fitted[-1]
        fixed = (at_small - at_large) / (1 / small - 1 / large)
        print(f"fitted: {fixed:.1f} ms a round + {at_large - fixed / large:.3f} ms a pledge "
              f"(worker's process)")
    db_before, started = backend_cpu(database), time.process_time()
    for _ in range(args.quiet_rounds):
        one_round()
    quiet = (time.process_time() - started) * 1000 / args.quiet_rounds
    quiet_db = (backend_cpu(database) - db_before) * 1000 / args.quiet_rounds
    print(f"a round with nothing new: {quiet:.2f} ms in the worker's process, {quiet_db:.2f} ms "
          f"in PostgreSQL's backends")
    web.close()
    worker.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
