"""The transparency log at scale: sealing, verifying and proofs beside the raw decode rate.

    .venv/bin/python bench/audit.py [--events N] [--postgres] [--postgres-url ADMIN_URL]

Builds a log of N events (a seeded world's, then pledges' Made and Authorised events written
straight into the event store), then times on the same database: decoding every event with the
application's mapper (the raw rate), sealing them all into the tree, `civicfund audit verify`,
and inclusion and consistency proofs (p50 / p95 over 1000 random ones). SQLite by default (a
temporary file); --postgres makes a database for the run on ADMIN_URL and drops it after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psycopg
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from adapters.follower import read_log
from adapters.storage import EVENTS_TABLE
from adapters.transparency_tables import tlog_leaves
from domain.kernel.clock import FixedClock
from tests.conftest import START, World, make_platform

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PROOFS = 1000


def dsn(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def fill(platform, events: int) -> None:
    """A real world's events, then copies of its pledge's two events for new pledges."""
    world = World(platform, FixedClock(START))
    city = world.city()
    project = world.project(city, world.officer(city))
    world.pledge(project, world.citizen(), "10.00")
    engine = platform.engine
    dialect = engine.dialect.name
    table = EVENTS_TABLE[dialect]
    with engine.connect() as conn:
        templates = [(row.topic, bytes(row.state)) for row in conn.execute(sa.text(
            f"SELECT topic, state FROM {table} WHERE topic LIKE '%Pledge.%' "
            "ORDER BY originator_version"))]
        have = conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar()
    insert = sa.text(f"INSERT INTO {table} (originator_id, originator_version, topic, state) "
                     "VALUES (:id, :version, :topic, :state)")
    rows = []
    for _ in range((events - have) // 2):
        oid = uuid.uuid4()
        for version, (topic, state) in enumerate(templates, start=1):
            rows.append({"id": oid.hex if dialect == "sqlite" else oid, "version": version,
                         "topic": topic, "state": state})
        if len(rows) >= 20_000:
            with engine.begin() as conn:
                conn.execute(insert, rows)
            rows = []
    if rows:
        with engine.begin() as conn:
            conn.execute(insert, rows)


def timed(run) -> tuple[float, object]:
    started = time.perf_counter()
    result = run()
    return time.perf_counter() - started, result


def decode_all(platform) -> int:
    mapper, count, after = platform.app.mapper, 0, 0
    with platform.engine.connect() as conn:
        while True:
            batch = read_log(conn, after=after, limit=5000)
            for notification in batch:
                mapper.to_domain_event(notification)
            count += len(batch)
            if len(batch) < 5000:
                return count
            after = batch[-1].id


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    return f"p50 {statistics.median(ms):.2f} ms, p95 {ms[int(len(ms) * 0.95)]:.2f} ms"


def run(url: str, events: int) -> dict:
    platform = make_platform(url, FixedClock(START))
    try:
        fill(platform, events)
        decode_s, count = timed(lambda: decode_all(platform))
        seal_s, sealed = timed(platform.transparency.seal)
        platform.checkpoints.sign()
        verify_s, report = timed(platform.verify_log)
        assert report.ok, report.problems[:5]
        tlog, size = platform.transparency, platform.transparency.size()
        leaves = random.sample(range(size), min(PROOFS, size))
        with platform.engine.connect() as conn:
            positions = [row[0] for row in conn.execute(
                sa.select(tlog_leaves.c.position).where(tlog_leaves.c.leaf_index.in_(leaves)))]
        inclusion, consistency = [], []
        for position in positions:
            inclusion.append(timed(lambda p=position: tlog.inclusion(p, size))[0])
            first = random.randint(1, size)
            consistency.append(timed(lambda f=first: tlog.consistency(f, size))[0])
        return {
            "events": count, "decode_per_s": count / decode_s, "seal_per_s": sealed / seal_s,
            "verify_per_s": report.events / verify_s, "verify_s": verify_s,
            "inclusion": percentiles(inclusion), "consistency": percentiles(consistency),
        }
    finally:
        platform.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get("CIVICFUND_BENCH_POSTGRES_URL",
                                                                 ADMIN_URL))
    args = parser.parse_args()
    if args.postgres:
        name = f"civicfund_bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(dsn(args.postgres_url), autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        url = sa.make_url(args.postgres_url).set(database=name).render_as_string(
            hide_password=False)
        try:
            result = run(url, args.events)
        finally:
            with psycopg.connect(dsn(args.postgres_url), autocommit=True) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    else:
        with tempfile.TemporaryDirectory() as directory:
            result = run(f"sqlite:///{directory}/bench.sqlite3", args.events)
    result["database"] = "postgresql" if args.postgres else "sqlite"
    result["verify_vs_decode"] = result["verify_per_s"] / result["decode_per_s"]
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
