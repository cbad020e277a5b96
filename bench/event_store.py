"""The event store's write path on PostgreSQL: eventsourcing's recorder, ours, and a raw insert.

    .venv/bin/python bench/event_store.py [--saves N] [--rounds R] [--postgres-url ADMIN_URL]

Each "save" writes two events of one new aggregate (like a pledge). The three sides alternate in
rounds on one database made for the run (and dropped after); the medians are printed with each
side's ratio to the raw transaction.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import uuid

import psycopg
import sqlalchemy as sa
from eventsourcing.persistence import InfrastructureFactory, StoredEvent
from eventsourcing.utils import Environment

from adapters import migrate
from adapters.storage import event_store_env

ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
INSERT = ("INSERT INTO civicfund_events (originator_id, originator_version, topic, state) "
          "VALUES (%s, %s, %s, %s)")


def dsn(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def recorder(url: str, ours: bool):
    env = event_store_env(url)
    if not ours:
        env.pop("APPLICATION_RECORDER_TOPIC")
    return InfrastructureFactory.construct(Environment("civicfund", env)).application_recorder()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--postgres-url", default=os.environ.get("CIVICFUND_BENCH_POSTGRES_URL",
                                                                 ADMIN_URL))
    args = parser.parse_args()
    name = f"civicfund_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(dsn(args.postgres_url), autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = sa.make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        library, ours = recorder(url, ours=False), recorder(url, ours=True)
        raw = psycopg.connect(dsn(url))
        state = os.urandom(400)

        def events() -> list[StoredEvent]:
            oid = uuid.uuid4()
            return [StoredEvent(oid, 1, "domain.crowdfunding.pledge:Pledge.Made", state),
                    StoredEvent(oid, 2, "domain.crowdfunding.pledge:Pledge.Authorised", state)]

        def raw_save() -> None:
            rows = [(e.originator_id, e.originator_version, e.topic, e.state) for e in events()]
            with raw.transaction(), raw.cursor() as cursor:
                cursor.executemany(INSERT, rows)

        sides = {
            "raw psycopg transaction (2 inserts, commit)": raw_save,
            "eventsourcing PostgresApplicationRecorder": lambda: library.insert_events(events()),
            "civicfund OrderedPostgresRecorder": lambda: ours.insert_events(events()),
        }
        rates: dict[str, list[float]] = {side: [] for side in sides}
        for _ in range(args.rounds):
            for side, save in sides.items():
                started = time.perf_counter()
                for _ in range(args.saves):
                    save()
                rates[side].append(args.saves / (time.perf_counter() - started))
        raw.close()
        baseline = statistics.median(rates[next(iter(sides))])
        print(f"Event-store saves on PostgreSQL, {args.rounds} rounds x {args.saves}, "
              "2 events each")
        for side, values in rates.items():
            rate = statistics.median(values)
            print(f"  {side:<46} {rate:7.0f} saves/s   {rate / baseline:4.2f} x raw")
    finally:
        with psycopg.connect(dsn(args.postgres_url), autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return 0


if __name__ == "__main__":
    sys.exit(main())
