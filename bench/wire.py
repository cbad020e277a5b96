"""Pledges and pages through HTTP, beside a bare Flask endpoint served the same way, in one run.

Starts civicfund under gunicorn with the project's own config (platform/gunicorn.conf.py) on a
PostgreSQL database it creates and seeds, with `civicfund worker` beside it as in production, and
a bare Flask app (`GET /ping` answering a small JSON object) under the same gunicorn settings.
N client threads then drive each request kind for a fixed time:

    bare     GET /ping                                  (the baseline)
    pledge   POST /api/v1/projects/{id}/pledges         (a citizen's token, an Idempotency-Key)
    api      GET /api/v1/projects/{id}
    page     GET /projects/{id}

and it prints req/s, p50, p95 and errors for each, each one's rate as a ratio of the bare
endpoint's, and (on Linux) the CPU time each request cost the web workers, PostgreSQL's backends
for the database and `civicfund worker` together: a figure other load on the machine moves far
less than the rates (though it grows on an oversubscribed machine too). Exits 1 when a target
is missed:

    pledge >= 0.15 of bare, with p95 <= 60 ms;  api >= 0.5;  page >= 0.3

Usage:
    .venv/bin/python bench/wire.py [--clients 8] [--seconds 10] [--workers 2] [--threads 1]
    .venv/bin/python bench/wire.py --checkout /path/to/another/checkout   # compare a commit
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[1]
ADMIN = os.environ.get("CIVICFUND_BENCH_POSTGRES_URL",
                       "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
TARGETS = {"pledge": 0.15, "api": 0.5, "page": 0.3}
PLEDGE_P95_MS = 60.0

BARE_APP = '''
from flask import Flask, jsonify

app = Flask(__name__)


@app.get("/ping")
def ping():
    return jsonify({"status": "ok", "service": "bare"})
'''

SEED = r'''
import json, sys
from datetime import UTC, datetime, timedelta
from adapters import migrate
from adapters.bootstrap import build_platform
from adapters.settings import Settings
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money
from domain.crowdfunding.project import BudgetLine

url, citizens, projects = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
migrate.upgrade(url)
p = build_platform(Settings(database_url=url, password_method="pbkdf2:sha256:1000"))
now = datetime.now(UTC)
with acting_as(SYSTEM, "seed"):
    city = p.app.add_city("Porto", currency="EUR", country="PT", timezone="Europe/Lisbon")
    officer = p.register(email="officer@bench.invalid", name="Officer",
                         password="bench-password-long", role="city", city_id=city, verified=True)
ids = []
with acting_as(Actor(str(officer), "city"), "seed"):
    for n in range(projects):
        project = p.app.draft_project(
            city_id=city, area="Baixa", theme="Energy", title=f"Bench pilot {n}",
            summary="A pilot the neighbourhood asked for. " * 8, proposer="Bench group",
            budget_lines=[BudgetLine("Kit", Money(10_000_000, "EUR"), True),
                          BudgetLine("Display", Money(2_000_000, "EUR"), False)],
            funding_model="all_or_nothing", opens_at=now, closes_at=now + timedelta(days=60))
        p.app.open_campaign(project)
        ids.append(str(project))
tokens = []
with acting_as(SYSTEM, "seed"):
    for n in range(citizens):
        c = p.register(email=f"c{n}@bench.invalid", name=f"Citizen {n}",
                       password="bench-password-long", role="citizen", verified=True)
        tokens.append(p.accounts.issue_token(c))
        with acting_as(Actor(str(c), "citizen"), "seed"):
            for project in ids[: 1 + n % len(ids)]:
                p.app.make_pledge(project_id=__import__("uuid").UUID(project), citizen_id=c,
                                  amount=Money(2500, "EUR"), payment_method="pm_card_visa")
p.projections.catch_up()
print(json.dumps({"projects": ids, "tokens": [t.token if hasattr(t, "token") else t
                                                 for t in tokens]}))
'''


def libpq(url: str) -> str:
    return url.replace("+psycopg", "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn(app: str, port: int, env: dict[str, str], cwd: Path, log) -> subprocess.Popen:
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", str(ROOT / "platform" /
                                                               "gunicorn.conf.py"), app],
        cwd=cwd, env={**env, "CIVICFUND_BIND": f"127.0.0.1:{port}"}, stdout=log,
        stderr=subprocess.STDOUT,
    )


def wait_for(port: int, path: str) -> None:
    for _ in range(600):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", path)
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answered on port {port}")


@dataclass
class Result:
    name: str
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0
    cpu: float | None = None  # CPU seconds the servers spent during the run (Linux)
    cpu_parts: dict[str, float] = field(default_factory=dict)  # the same, per kind of process

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))] * 1000


def cpu_seconds(parents: list[int], database: str,
                worker: int | None = None) -> dict[str, float] | None:
    """CPU time so far, by kind: "web" for these processes' children (gunicorn's workers) and
    the processes themselves, "db" for PostgreSQL's backends serving `database`, "worker" for
    the process `worker` (`civicfund worker`); None without /proc."""
    if not Path("/proc/self/stat").exists():
        return None
    with psycopg.connect(libpq(ADMIN), autocommit=True) as conn:
        backends = {row[0] for row in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,))}
    ticks = {"web": 0, "db": 0, "worker": 0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid, ppid = int(entry.name), int(fields[1])
        used = int(fields[11]) + int(fields[12])
        if pid in backends:
            ticks["db"] += used
        elif pid == worker:
            ticks["worker"] += used
        elif pid in parents or ppid in parents:
            ticks["web"] += used
    return {kind: n / os.sysconf("SC_CLK_TCK") for kind, n in ticks.items()}


def drive(name: str, port: int, clients: int, seconds: float, make_request,
          measure_cpu=None) -> Result:
    result = Result(name)
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds
    start = threading.Barrier(clients + 1)

    def client(number: int) -> None:
        rng = random.Random(number)
        mine, errors = [], 0
        start.wait()
        while time.perf_counter() < deadline:
            method, path, body, headers, ok = make_request(number, rng)
            began = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                response.read()
                conn.close()
                if response.status != ok:
                    errors += 1
                    continue
            except OSError:
                errors += 1
                continue
            mine.append(time.perf_counter() - began)
        with lock:
            result.latencies += mine
            result.errors += errors

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    cpu_before = measure_cpu() if measure_cpu else None
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    result.seconds = time.perf_counter() - began
    cpu_after = measure_cpu() if measure_cpu else None
    if cpu_before is not None and cpu_after is not None:
        result.cpu_parts = {kind: cpu_after[kind] - cpu_before[kind] for kind in cpu_after}
        result.cpu = sum(result.cpu_parts.values())
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--only", default="",
                        help="comma-separated kinds to drive besides bare (pledge,api,page)")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat every kind this often, alternating, and take medians")
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--no-worker", action="store_true",
                        help="do not run `civicfund worker` beside the web server")
    args = parser.parse_args()

    name = f"civicfund_http_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(libpq(ADMIN), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = ADMIN.rsplit("/", 1)[0] + "/" + name
    processes: list[subprocess.Popen] = []
    folder = tempfile.mkdtemp(prefix="civicfund_http_")
    log = open(Path(folder) / "servers.log", "w")  # noqa: SIM115 - closed below
    try:
        env = {**os.environ, "PYTHONPATH": str(args.checkout), "CIVICFUND_DATABASE_URL": url,
               "CIVICFUND_SECRET_KEY": "bench", "CIVICFUND_RATE_LIMITS": "off",
               "CIVICFUND_LOG_LEVEL": "warning", "CIVICFUND_WEB_WORKERS": str(args.workers),
               "CIVICFUND_WEB_THREADS": str(args.threads), "CIVICFUND_INSECURE_COOKIES": "1"}
        seeded = subprocess.run([sys.executable, "-c", SEED, url, str(args.clients),
                                 str(args.projects)], cwd=args.checkout, env=env, check=True,
                                capture_output=True, text=True)
        seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        projects, tokens = seed["projects"], seed["tokens"]
        (Path(folder) / "bare_app.py").write_text(BARE_APP)
        app_port, bare_port = free_port(), free_port()
        processes.append(gunicorn("web.wsgi:app", app_port, env, args.checkout, log))
        processes.append(gunicorn("bare_app:app", bare_port, {**env, "PYTHONPATH": folder},
                                  Path(folder), log))
        if not args.no_worker:
            processes.append(subprocess.Popen(
                [sys.executable, "-c", "from web.cli import main; main()", "worker",
                 "--interval", "0.2"], cwd=args.checkout, env=env, stdout=log,
                stderr=subprocess.STDOUT))
        wait_for(app_port, "/api/v1/openapi.json")
        wait_for(bare_port, "/ping")

        def pledge(number: int, rng: random.Random):
            body = json.dumps({"amount": f"{rng.randint(1, 50)}.00",
                               "payment_method": "pm_card_visa"})
            return ("POST", f"/api/v1/projects/{rng.choice(projects)}/pledges", body,
                    {"Authorization": f"Bearer {tokens[number % len(tokens)]}",
                     "Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())},
                    201)

        kinds = {
            "bare": (bare_port, lambda n, rng: ("GET", "/ping", None, {}, 200)),
            "pledge": (app_port, pledge),
            "api": (app_port, lambda n, rng: ("GET", f"/api/v1/projects/{rng.choice(projects)}",
                                              None, {}, 200)),
            "page": (app_port, lambda n, rng: ("GET", f"/projects/{rng.choice(projects)}",
                                               None, {}, 200)),
        }
        if args.only:
            kinds = {kind: how for kind, how in kinds.items()
                     if kind == "bare" or kind in args.only.split(",")}
        # Warm both servers up (imports, pools, prepared statements).
        for kind, (port, make) in kinds.items():
            drive(kind, port, args.clients, 1.0, make)
        servers = {"bare": [processes[1].pid], "app": [processes[0].pid]}
        worker = None if args.no_worker else processes[2].pid
        results: dict[str, list[Result]] = {kind: [] for kind in kinds}
        for round_number in range(args.rounds):
            order = list(kinds) if round_number % 2 == 0 else list(reversed(kinds))
            for kind in order:
                port, make = kinds[kind]
                parents = servers["bare" if kind == "bare" else "app"]
                mine = None if kind == "bare" else worker
                results[kind].append(drive(
                    kind, port, args.clients, args.seconds, make,
                    lambda parents=parents, mine=mine: cpu_seconds(parents, name, mine)))
        return report(results, args)
    finally:
        for process in processes:
            process.send_signal(signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        log.close()
        with psycopg.connect(libpq(ADMIN), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def cpu_split(runs: list[Result]) -> str:
    """'  [web 2.51 db 2.10 worker 0.25]': CPU ms per request of each kind of process."""
    counted = [r for r in runs if r.cpu_parts and r.latencies]
    if not counted:
        return ""
    shares = {part: statistics.median(r.cpu_parts[part] * 1000 / len(r.latencies)
                                      for r in counted) for part in ("web", "db", "worker")}
    return "  [" + " ".join(f"{part} {ms:.2f}" for part, ms in shares.items()) + "]"


def report(results: dict[str, list[Result]], args) -> int:
    load = os.getloadavg()
    print(f"checkout {args.checkout}: gunicorn {args.workers} worker(s) x {args.threads} "
          f"thread(s), {args.clients} clients, {args.seconds:.0f} s per kind x {args.rounds} "
          f"round(s), worker {'off' if args.no_worker else 'on'}, load "
          f"{load[0]:.2f} {load[1]:.2f} {load[2]:.2f}, {os.cpu_count()} cores")
    bare = statistics.median(r.rate for r in results["bare"])
    print(f"{'request':<8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'errors':>7} "
          f"{'ratio':>6} {'cpu ms':>7}  target")
    ok = True
    for kind, runs in results.items():
        rate = statistics.median(r.rate for r in runs)
        p50 = statistics.median(r.percentile(0.5) for r in runs)
        p95 = statistics.median(r.percentile(0.95) for r in runs)
        errors = sum(r.errors for r in runs)
        ratio = rate / bare if bare else 0.0
        costs = [r.cpu * 1000 / len(r.latencies) for r in runs
                 if r.cpu is not None and r.latencies]
        cpu = f"{statistics.median(costs):7.2f}" if costs else f"{'-':>7}"
        parts = "" if kind == "bare" else cpu_split(runs)
        target = TARGETS.get(kind)
        verdict = ""
        if target is not None:
            met = ratio >= target and errors == 0
            if kind == "pledge":
                met = met and p95 <= PLEDGE_P95_MS
                verdict = f">= {target} and p95 <= {PLEDGE_P95_MS:.0f} ms"
            else:
                verdict = f">= {target}"
            verdict += "  PASS" if met else "  FAIL"
            ok = ok and met
        print(f"{kind:<8} {rate:8.0f} {p50:8.1f} {p95:8.1f} {errors:7d} {ratio:6.2f} {cpu}  "
              f"{verdict}{parts}")
    print("cpu ms: CPU time per request of the servers (web workers, or the bare app's; "
          "PostgreSQL's backends for the database; civicfund worker), median of the rounds; "
          "in brackets, civicfund's split between them")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
