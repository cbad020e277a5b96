"""Pledging through HTTP while PostgreSQL drops every connection and a web worker is killed.

civicfund runs under gunicorn (the project's own config, two workers) on a PostgreSQL database of
its own, with a 1:1 matching fund on the pilot so pledges go through the batched fund path.
Citizens pledge concurrently, each request with its own Idempotency-Key; a well-behaved client
retries with the same key when told to (503, or 409 while the key is being processed) or when
its connection drops. Meanwhile every backend of the database is terminated several times and
one web worker is SIGKILLed mid-run. Afterwards:

- every pledge acknowledged with 201 is in the log, and every pledge in the log was acknowledged
  (no pledge a client was told failed is recorded, no recorded pledge is lost to its client);
- no card hold is left that no recorded pledge stands on, once the worker's sweep has run;
- the read models equal a rebuild from the log, and the fund never committed more than its pool.
"""

from __future__ import annotations

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
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
import sqlalchemy as sa

from adapters import tables as t
from adapters.payment_sweep import sweep_orphaned_authorisations
from domain.kernel.clock import FixedClock
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.conftest import World, make_platform

ROOT = Path(__file__).resolve().parents[2]
CLIENTS = 6
PLEDGES_EACH = 25
TERMINATIONS = 16


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def terminate_backends(database_url: str) -> tuple[int, int]:
    """Terminate every backend of the database: how many, and how many of them were busy (in a
    query or a transaction), that is, cut a request's work short."""
    url = sa.make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    with psycopg.connect(admin, autocommit=True) as conn:
        return conn.execute(
            "SELECT count(pg_terminate_backend(pid)),"
            " count(*) FILTER (WHERE state IN ('active', 'idle in transaction'))"
            " FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (url.database,)
        ).fetchone()


def terminate_a_busy_backend(database_url: str, within: float = 2.0) -> int:
    """Wait (up to `within` seconds) for a backend in the middle of a query or a transaction
    and terminate it: 1 if one was cut, else 0."""
    url = sa.make_url(database_url)
    admin = url.set(drivername="postgresql", database="postgres").render_as_string(
        hide_password=False
    )
    deadline = time.monotonic() + within
    with psycopg.connect(admin, autocommit=True) as conn:
        while time.monotonic() < deadline:
            cut = conn.execute(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = %s AND pid <> pg_backend_pid()"
                " AND state IN ('active', 'idle in transaction')", (url.database,)
            ).fetchone()[0]
            if cut:
                return 1
            time.sleep(0.002)
    return 0


def call(base: str, path: str, *, token: str, body: dict | None = None, key: str | None = None,
         method: str = "GET") -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if key:
        request.add_header("Idempotency-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class Gunicorn:
    def __init__(self, database_url: str, tmp_path: Path):
        self.port = free_port()
        env = {
            **os.environ,
            "CIVICFUND_DATABASE_URL": database_url,
            "CIVICFUND_BIND": f"127.0.0.1:{self.port}",
            "CIVICFUND_WEB_WORKERS": "2",
            "CIVICFUND_SECRET_KEY": "fault-test",
            "CIVICFUND_PASSWORD_HASH": "pbkdf2:sha256:1000",
            "CIVICFUND_RATE_LIMITS": "off",
            "CIVICFUND_IDEMPOTENCY_LEASE": "4",
            "CIVICFUND_LOG_LEVEL": "warning",
        }
        self.log = (tmp_path / "gunicorn.log").open("w")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "platform/gunicorn.conf.py",
             "web.wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.base + "/api/v1/openapi.json", timeout=2)  # noqa: S310
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("gunicorn did not start")

    def workers(self) -> list[int]:
        out = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                             text=True, check=False).stdout
        return [int(pid) for pid in out.split()]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


@pytest.fixture
def seeded(postgres_url):
    platform = make_platform(postgres_url)  # the real clock: the served app has no other
    # Pilots open an hour before the World's clock: a few minutes ahead keeps that inside the
    # grace the platform gives "now".
    world = World(platform, FixedClock(datetime.now(UTC) + timedelta(minutes=5)))
    porto = world.city()
    officer = world.officer(porto)
    project = world.project(porto, officer, closes_in=timedelta(days=3))
    with acting_as(Actor(str(officer), "city"), "seed"):
        fund = platform.app.create_matching_fund(
            city_id=porto, name="Porto 1:1", sponsor="Porto", currency="EUR",
            pool=Money(100_000, "EUR"), opens_at=datetime.now(UTC),
            closes_at=datetime.now(UTC) + timedelta(days=5), themes=[], areas=[],
            rules=parse_rules({"kind": "ratio", "factor": "1", "cap_per_pledge": "5.00"}, "EUR"),
        )
    platform.projections.catch_up()
    citizens = [world.citizen() for _ in range(CLIENTS)]
    tokens = {c: world.token(c) for c in citizens}
    yield platform, project, fund, tokens
    platform.close()


def pledge_until_answered(base: str, project: UUID, token: str, key: str, amount: str,
                          tally: Counter) -> tuple[int, dict]:
    """What a careful client does: retry with the same key until it gets a final answer."""
    for _ in range(60):
        try:
            status, body = call(base, f"/api/v1/projects/{project}/pledges", token=token,
                                body={"amount": amount}, key=key, method="POST")
        except (OSError, http.client.HTTPException):
            # The connection dropped or the answer was cut short (a killed worker): the outcome
            # is unknown, so the client asks again with the same key.
            tally["connection lost"] += 1
            time.sleep(0.3)
            continue
        tally[status] += 1
        if status == 503 or (status == 409 and body["error"]["code"] == "idempotency_in_progress"):
            time.sleep(0.3)
            continue
        return status, body
    raise AssertionError(f"no final answer for {key}")


def test_pledges_under_dropped_connections_and_a_killed_worker_are_exact(
    seeded, postgres_url, tmp_path
):
    platform, project, fund, tokens = seeded
    server = Gunicorn(postgres_url, tmp_path)
    answers: dict[str, tuple[UUID, int, dict]] = {}
    tally: Counter = Counter()
    failures: list[BaseException] = []
    start = threading.Barrier(CLIENTS + 1)

    def citizen(citizen_id: UUID, token: str, seed: int) -> None:
        rng = random.Random(seed)
        start.wait()
        try:
            for n in range(PLEDGES_EACH):
                key = f"{citizen_id}-{n}"
                amount = f"{rng.randint(1, 9)}.00"
                status, body = pledge_until_answered(server.base, project, token, key, amount,
                                                     tally)
                answers[key] = (citizen_id, status, body)
        except BaseException as error:  # reported below
            failures.append(error)

    def faults() -> None:
        rng = random.Random(99)
        start.wait()
        for n in range(TERMINATIONS):
            time.sleep(rng.uniform(0.1, 0.5))
            terminated, busy = terminate_backends(postgres_url)
            tally["backends terminated"] += terminated
            tally["busy backends terminated"] += busy + terminate_a_busy_backend(postgres_url)
            if n == TERMINATIONS // 2:
                workers = server.workers()
                if workers:
                    os.kill(workers[0], signal.SIGKILL)
                    tally["workers killed"] += 1

    threads = [threading.Thread(target=citizen, args=(c, tok, i))
               for i, (c, tok) in enumerate(tokens.items())]
    threads.append(threading.Thread(target=faults))
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=600)
    finally:
        server.stop()
    print("\nfault run:", dict(tally))
    assert failures == []
    assert len(answers) == CLIENTS * PLEDGES_EACH
    assert tally["backends terminated"] > 0 and tally["workers killed"] == 1
    # A fault reached work in flight: a client saw it, or (the platform retrying a dead
    # connection itself) a backend was cut mid-query or mid-transaction.
    assert tally[503] + tally["connection lost"] + tally["busy backends terminated"] > 0, (
        "no fault reached a request")

    # The log is the truth: which pledges does it hold, for whom?
    app = platform.app
    recorded: dict[UUID, UUID] = {}
    for notification in app.recorder.select_notifications(1, 1_000_000):
        if notification.topic.endswith("Pledge.Made"):
            pledge = app.get_pledge(notification.originator_id)
            recorded[pledge.id] = pledge.citizen_id
    acknowledged = {UUID(body["id"]): c for c, status, body in answers.values() if status == 201}
    refused = [(status, body) for _, status, body in answers.values() if status != 201]
    assert refused == [], "a careful client's pledge was refused"
    assert recorded == acknowledged

    # No hold outlives the pledge it was for, once the worker's sweep has run.
    sweep_orphaned_authorisations(app, platform.engine,
                                  now=datetime.now(UTC) + timedelta(minutes=10))
    standing = {app.get_pledge(p).payment_reference for p in recorded}
    with platform.engine.connect() as conn:
        open_holds = set(conn.execute(
            sa.select(t.sandbox_intents.c.reference)
            .where(t.sandbox_intents.c.status.in_(("requires_capture", "succeeded")))
        ).scalars())
    assert open_holds == standing

    # The fund matched each recorded pledge once and never more than its pool.
    matching_fund = app.get_matching_fund(fund)
    assert set(matching_fund.matches) == set(recorded)
    assert matching_fund.reserved + matching_fund.committed <= matching_fund.pool

    # The read models equal a rebuild from the log.
    platform.projections.catch_up()
    before = snapshot(platform.engine)
    platform.projections.rebuild()
    assert snapshot(platform.engine) == before
    assert len(before["rm_pledges"]) == len(recorded)


def snapshot(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(str(v) for v in row) for row in conn.execute(sa.select(table))),
            )
            for table in t.READ_MODELS
        }
