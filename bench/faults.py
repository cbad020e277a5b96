"""Pledging through HTTP while PostgreSQL drops its connections: what clients are told against
what the log holds.

Starts civicfund under gunicorn (platform/gunicorn.conf.py) on a PostgreSQL database it creates
and seeds (one open Porto pilot with a 1:1 matching fund, citizens with API tokens), then N
clients pledge 1.00 as fast as they can, without Idempotency-Key and without retrying (the
worst client), while a thread terminates every backend of the database now and then. Prints:

- answers by status, and how many requests errored in the 2 s after each termination;
- zombies: pledges recorded for requests that were answered with an error or a reset;
- lost: pledges acknowledged (201) that are not in the log;
- orphaned holds: card authorisations (sandbox) that no recorded pledge stands on, before the
  worker's sweep would run.

Run it against this checkout, or another (e.g. an older commit in a git worktree) with --checkout,
to compare:

    .venv/bin/python bench/faults.py --pledges 2000 --clients 8 --workers 4
    .venv/bin/python bench/faults.py --checkout /tmp/civicfund-old ...
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN = os.environ.get("CIVICFUND_TEST_POSTGRES_URL",
                       "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def libpq(url: str) -> str:
    return url.replace("+psycopg", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SEED = r'''
import json, sys
from datetime import UTC, datetime, timedelta
from adapters import migrate
from adapters.bootstrap import build_platform
from adapters.settings import Settings
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.matching.rules import parse_rules
from domain.kernel.money import Money
from domain.crowdfunding.project import BudgetLine

url, citizens = sys.argv[1], int(sys.argv[2])
migrate.upgrade(url)
p = build_platform(Settings(database_url=url, password_method="pbkdf2:sha256:1000"))
now = datetime.now(UTC)
with acting_as(SYSTEM, "seed"):
    city = p.app.add_city("Porto", currency="EUR", country="PT", timezone="Europe/Lisbon")
    officer = p.register(email="officer@bench.invalid", name="Officer",
                         password="bench-password-long", role="city", city_id=city)
with acting_as(Actor(str(officer), "city"), "seed"):
    project = p.app.draft_project(
        city_id=city, area="Baixa", theme="Energy", title="Bench pilot", summary="Bench.",
        proposer="Bench group", budget_lines=[BudgetLine("Kit", Money(10_000_000, "EUR"), True)],
        funding_model="all_or_nothing", opens_at=now, closes_at=now + timedelta(days=3))
    p.app.open_campaign(project)
    p.app.create_matching_fund(
        city_id=city, name="Porto 1:1", sponsor="Porto", currency="EUR",
        pool=Money(10_000_000, "EUR"), opens_at=now,
        closes_at=now + timedelta(days=5), themes=[], areas=[],
        rules=parse_rules({"kind": "ratio", "factor": "1"}, "EUR"))
tokens = {}
with acting_as(SYSTEM, "seed"):
    for n in range(citizens):
        details = dict(email=f"c{n}@bench.invalid", name=f"Citizen {n}",
                       password="bench-password-long", role="citizen")
        try:
            c = p.register(**details, verified=True)  # confirmed, as accounts made here are
        except TypeError:  # a release before email confirmation
            c = p.register(**details)
        tokens[str(c)] = p.accounts.issue_token(c)
p.projections.catch_up()
print(json.dumps({"project": str(project), "tokens": tokens}))
'''

COUNT = r'''
import json, sys
from adapters.bootstrap import build_platform
from adapters.settings import Settings
import sqlalchemy as sa
from adapters import tables as t
p = build_platform(Settings(database_url=sys.argv[1]))
recorded = {}
for n in p.app.recorder.select_notifications(1, 10_000_000):
    if n.topic.endswith("Pledge.Made"):
        pledge = p.app.get_pledge(n.originator_id)
        recorded[str(pledge.id)] = [str(pledge.citizen_id), pledge.payment_reference]
with p.engine.connect() as conn:
    holds = [dict(r._mapping) for r in conn.execute(
        sa.select(t.sandbox_intents.c.reference, t.sandbox_intents.c.pledge_id)
        .where(t.sandbox_intents.c.status.in_(("requires_capture", "succeeded"))))]
print(json.dumps({"recorded": recorded, "holds": holds}))
'''


def in_checkout(checkout: Path, script: str, *args: str) -> dict:
    out = subprocess.run([sys.executable, "-c", script, *args], cwd=checkout, check=True,
                         capture_output=True, text=True, env={**os.environ,
                                                               "PYTHONPATH": str(checkout)})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--pledges", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--terminate-every", type=float, default=1.0)
    parser.add_argument("--server-log", type=Path, help="write gunicorn's log (warnings) here")
    args = parser.parse_args()

    name = f"civicfund_faults_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq(ADMIN), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    try:
        seed = in_checkout(args.checkout, SEED, url, str(args.clients))
        port = free_port()
        env = {**os.environ, "CIVICFUND_DATABASE_URL": url, "PYTHONPATH": str(args.checkout),
               "CIVICFUND_BIND": f"127.0.0.1:{port}", "CIVICFUND_WEB_WORKERS": str(args.workers),
               "CIVICFUND_SECRET_KEY": "bench", "CIVICFUND_RATE_LIMITS": "off",
               "CIVICFUND_LOG_LEVEL": "warning" if args.server_log else "critical"}
        log = args.server_log.open("w") if args.server_log else subprocess.DEVNULL
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "platform/gunicorn.conf.py",
             "web.wsgi:app"], cwd=args.checkout, env=env, stdout=log, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/api/v1/openapi.json", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        results = run_load(base, seed, args, url)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
        report(results, in_checkout(args.checkout, COUNT, url), args)
    finally:
        with psycopg.connect(libpq(ADMIN), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


def run_load(base: str, seed: dict, args, url: str) -> dict:
    project = seed["project"]
    tokens = list(seed["tokens"].items())
    answers: list[tuple[str, int, str | None, float]] = []  # citizen, status, pledge id, when
    terminations: list[float] = []
    lock = threading.Lock()
    remaining = [args.pledges]
    done = threading.Event()

    def client(citizen: str, token: str) -> None:
        while True:
            with lock:
                if remaining[0] <= 0:
                    return
                remaining[0] -= 1
            request = urllib.request.Request(  # noqa: S310
                f"{base}/api/v1/projects/{project}/pledges", method="POST",
                data=b'{"amount": "1.00"}',
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
            pledge_id, status = None, 0
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    status = response.status
                    pledge_id = json.loads(response.read())["id"]
            except urllib.error.HTTPError as error:
                status = error.code
            except (OSError, http.client.HTTPException):
                status = 0  # reset, cut short or timed out
            with lock:
                answers.append((citizen, status, pledge_id, time.monotonic()))

    def faults() -> None:
        rng = random.Random(7)
        while not done.is_set():
            done.wait(args.terminate_every * rng.uniform(0.5, 1.5))
            with psycopg.connect(libpq(url).rsplit("/", 1)[0] + "/postgres",
                                 autocommit=True) as conn:
                conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = %s AND pid <> pg_backend_pid()",
                             (url.rsplit("/", 1)[1],))
            terminations.append(time.monotonic())

    started = time.monotonic()
    killer = threading.Thread(target=faults)
    killer.start()
    threads = [threading.Thread(target=client, args=tokens[i % len(tokens)])
               for i in range(args.clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    killer.join()
    return {"answers": answers, "terminations": terminations,
            "seconds": time.monotonic() - started}


def report(results: dict, log: dict, args) -> None:
    answers = results["answers"]
    recorded = log["recorded"]
    statuses = Counter(status for _, status, _, _ in answers)
    acknowledged = {pid for _, status, pid, _ in answers if status == 201}
    per_citizen_ok = Counter(c for c, status, _, _ in answers if status == 201)
    per_citizen_log = Counter(c for c, _ in recorded.values())
    zombies = sum(max(0, per_citizen_log[c] - per_citizen_ok[c]) for c in per_citizen_log)
    lost = len(acknowledged - set(recorded))
    standing = {ref for _, ref in recorded.values()}
    orphaned = [h for h in log["holds"] if h["reference"] not in standing]
    after = 0
    for when in results["terminations"]:
        after += sum(1 for _, status, _, t in answers if when <= t < when + 2 and status != 201)
    print(f"checkout: {args.checkout}  clients: {args.clients}  workers: {args.workers}  "
          f"pledges: {args.pledges}  in {results['seconds']:.1f} s")
    print(f"terminations of every backend: {len(results['terminations'])}")
    print("answers:", dict(sorted(statuses.items())))
    print(f"errors within 2 s after a termination: {after}")
    print(f"pledges in the log: {len(recorded)}  acknowledged: {len(acknowledged)}")
    print(f"zombies (recorded beyond what was acknowledged): {zombies}")
    print(f"lost (acknowledged, not in the log): {lost}")
    print(f"orphaned holds (before the worker's sweep): {len(orphaned)}")


if __name__ == "__main__":
    raise SystemExit(main())
