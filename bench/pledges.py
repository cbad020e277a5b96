"""Benchmarks for issue 2, each printed beside a baseline measured in the same run.

    .venv/bin/python bench/pledges.py [--pledges N] [--postgres-url URL] [--page-on sqlite,postgres]
                                      [--without-sealer] [--seal-every SECONDS]

(a) Pledge commands per second through the application on PostgreSQL (`Civicfund.make_pledge`
    as a citizen, sandbox payments, one open project; one thread, sequential, after a warm-up),
    beside the commit rate of a plain psycopg transaction inserting the same rows into a table of
    the same shape. Target: app / raw >= 0.5 in every round. Each round runs twice, without
    and with the transparency log's sealer (issue 13) following the log in a separate process,
    as the worker does; the sealer's lag is printed at the end of each round.
(b) The project page's server time with 1,000 projects and 100,000 pledges in the read models,
    p50/p95 over random projects, beside a trivial request served by the same app.
    Targets: page p95 <= 5 ms, API p95 <= 2 ms (issue 10).

Machines are noisy: the two sides of each comparison are interleaved in rounds and the medians
compared. The figures are not assertions; nothing here runs in the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import os
import platform as host
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from adapters import migrate
from adapters import tables as t
from adapters.bootstrap import Platform, build_platform
from adapters.sandbox_payments import SandboxGateway
from adapters.settings import Settings
from adapters.transparency_log import POSITION as SEALER_POSITION
from domain.crowdfunding.project import BudgetLine
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money

DEFAULT_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PLEDGE_RATIO_TARGET = 0.5
PAGE_P95_TARGET_MS = 5.0
API_P95_TARGET_MS = 2.0
EVENTS_PER_PLEDGE = 2  # Pledge.Made + Pledge.Authorised, saved together
CHUNK = 25  # pledges per turn when the two sides of (a) alternate


# -- databases ---------------------------------------------------------------------------------

def psycopg_dsn(url: str) -> str:
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@contextlib.contextmanager
def bench_database(admin_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database `civicfund_bench_<random>`, migrated, dropped afterwards."""
    name = f"civicfund_bench_{uuid.uuid4().hex[:12]}"
    admin = psycopg_dsn(admin_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = sa.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="civicfund_bench_") as folder:
        url = f"sqlite:///{Path(folder) / 'civicfund.sqlite3'}"
        migrate.upgrade(url)
        yield url


@contextlib.contextmanager
def running_platform(url: str) -> Iterator[Platform]:
    platform = build_platform(Settings(database_url=url), payments=SandboxGateway())
    try:
        yield platform
    finally:
        platform.close()


def median_rate(counts_and_seconds: list[tuple[int, float]]) -> float:
    return statistics.median(count / seconds for count, seconds in counts_and_seconds)


def timed(run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


# -- (a) pledge commands per second ------------------------------------------------------------

class PledgeCommands:
    """One open project in one city, and a citizen pledging to it again and again."""

    def __init__(self, platform: Platform, *, citizens: int = 20,
                 departments: bool = True) -> None:
        self.platform = platform
        app = platform.app
        now = platform.clock.now()
        with acting_as(SYSTEM, "bench-seed"):
            city_id = app.add_city("Porto", currency="EUR", country="PT",
                                   timezone="Europe/Lisbon")
            officer = platform.register(email="officer@bench.example", name="Bench Officer",
                                        password="bench password", role="city", city_id=city_id)
        with acting_as(Actor(str(officer), "city"), "bench-seed"):
            self.project_id = app.draft_project(
                city_id=city_id, area="Baixa", theme="Mobility", title="Smart bike lanes",
                summary="Sensors count bikes on the new lanes.", proposer="Friends of the Park",
                budget_lines=[BudgetLine("Sensors", Money.parse("8000.00", "EUR"), True),
                              BudgetLine("Signage", Money.parse("2000.00", "EUR"), False)],
                funding_model="all_or_nothing", opens_at=now,
                closes_at=now + timedelta(days=30),
            )
            app.open_campaign(self.project_id)
            # Two departments co-fund the pilot, as a pilot awarded from a call is (issue 11).
            for name, line, amount in (("Transport", "Active travel", "1500.00"),
                                       ("Environment", "Clean air", "1000.00"))[:2 * departments]:
                department = app.create_department(city_id=city_id, name=name)
                line_id = app.add_budget_line(department, name=line, fiscal_year=2027,
                                              amount=Money.parse("50000.00", "EUR"))
                app.commit_to_project(self.project_id, budget_line_id=line_id,
                                      amount=Money.parse(amount, "EUR"), conditional=True)
        # Accounts in the log only: the command needs a citizen id and a citizen actor.
        with acting_as(SYSTEM, "bench-seed"):
            self.citizens = [app.register_account("citizen") for _ in range(citizens)]
        self.amount = Money.parse("25.00", "EUR")

    def pledge(self, index: int) -> None:
        citizen = self.citizens[index % len(self.citizens)]
        with acting_as(Actor(str(citizen), "citizen")):
            self.platform.app.make_pledge(
                project_id=self.project_id, citizen_id=citizen, amount=self.amount,
                payment_method="pm_card_visa",
            )

    def run(self, count: int) -> None:
        for index in range(count):
            self.pledge(index)

    def run_with_read_models(self, count: int) -> None:
        """What a web request does: the command, then the read models catch up."""
        for index in range(count):
            self.pledge(index)
            self.platform.projections.catch_up()


RAW_TABLE_DDL = (
    "CREATE TABLE bench_raw_events ("
    "originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, "
    "state bytea, notification_id bigserial, "
    "PRIMARY KEY (originator_id, originator_version))",
    "CREATE UNIQUE INDEX bench_raw_events_notification_id_idx "
    "ON bench_raw_events (notification_id ASC)",
)
RAW_INSERT = (
    "INSERT INTO bench_raw_events (originator_id, originator_version, topic, state) "
    "VALUES (%s, %s, %s, %s), (%s, %s, %s, %s) RETURNING notification_id"
)


class RawInserts:
    """The same rows written with plain psycopg: one connection, one transaction per pledge."""

    def __init__(self, url: str, samples: list[tuple[str, bytes]]) -> None:
        assert len(samples) == EVENTS_PER_PLEDGE
        self.samples = samples
        self.conn = psycopg.connect(psycopg_dsn(url))
        for statement in RAW_TABLE_DDL:
            self.conn.execute(statement)
        self.conn.commit()

    def run(self, count: int) -> None:
        (made_topic, made_state), (auth_topic, auth_state) = self.samples
        conn = self.conn
        for _ in range(count):
            pledge_id = uuid.uuid4()
            with conn.cursor() as cursor:
                cursor.execute(RAW_INSERT, (pledge_id, 1, made_topic, made_state,
                                            pledge_id, 2, auth_topic, auth_state))
                cursor.fetchall()
            conn.commit()

    def close(self) -> None:
        self.conn.close()


def stored_pledge_events(url: str) -> list[tuple[str, bytes]]:
    """A real Made and Authorised event as stored, so the raw rows carry the same bytes."""
    with psycopg.connect(psycopg_dsn(url)) as conn:
        rows = conn.execute(
            "SELECT topic, state FROM civicfund_events WHERE topic LIKE %s "
            "ORDER BY notification_id DESC LIMIT 2", ("%Pledge.%",)
        ).fetchall()
    return [(topic, bytes(state)) for topic, state in sorted(rows, key=lambda r: "Authorised"
                                                              in r[0])]


# -- the sealer, as the worker runs it --------------------------------------------------------

def sealer_process(url: str, key_text: str, interval: float, running: Any, busy: Any,
                   stop: Any) -> None:
    """The worker's transparency round (web/cli.py `seal_and_sign`: seal, and sign a checkpoint
    once a minute while the log grows) every `interval` seconds, in its own process with its own
    platform, as `civicfund worker` runs beside the web processes. Paused while `running` is
    clear; `busy` is held for the length of each round so the bench can wait one out."""
    from web.cli import seal_and_sign

    platform = build_platform(Settings(database_url=url, log_signing_key=key_text),
                              payments=SandboxGateway())
    signed_at = 0.0
    try:
        while not stop.is_set():
            with busy:
                if running.is_set():
                    signed_at = seal_and_sign(platform, signed_at)
            stop.wait(interval)
    finally:
        platform.close()


class Sealer:
    """Starts, pauses and resumes the sealer process, and reads how far behind the log it is."""

    def __init__(self, platform: Platform, url: str, interval: float) -> None:
        from adapters.transparency_keys import LogKey

        context = multiprocessing.get_context("spawn")
        self.platform = platform
        self.running, self.stop = context.Event(), context.Event()
        self.busy = context.Lock()
        key = LogKey.generate("bench.civicfund.example/log").text()
        self.process = context.Process(
            target=sealer_process, name="civicfund-bench-sealer", daemon=True,
            args=(url, key, interval, self.running, self.busy, self.stop))
        self.process.start()

    def resume(self) -> None:
        self.running.set()

    def pause(self) -> None:
        self.running.clear()
        with self.busy:  # a round under way finishes; the next ones see the pause
            pass

    def lag(self) -> int:
        """Events in the log that are not yet leaves of the tree."""
        with self.platform.engine.connect() as conn:
            return int(conn.execute(sa.text(
                "SELECT count(*) FROM civicfund_events WHERE notification_id > coalesce("
                "(SELECT position FROM projection_positions WHERE name = :name), 0)"
            ), {"name": SEALER_POSITION}).scalar())

    def drain(self, timeout: float = 60.0) -> float:
        """Let the sealer run until the tree holds the whole log; the seconds it took."""
        self.resume()
        start = time.perf_counter()
        while self.lag() and time.perf_counter() - start < timeout:
            if not self.process.is_alive():
                raise SystemExit("the sealer process died")
            time.sleep(0.02)
        return time.perf_counter() - start

    def checkpoints(self) -> int:
        from adapters.transparency_tables import tlog_checkpoints

        with self.platform.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(tlog_checkpoints))
                       .scalar())

    def close(self) -> None:
        self.stop.set()
        self.running.clear()
        self.process.join(30)
        if self.process.is_alive():
            self.process.terminate()


def timed_round(sides: dict[str, Callable[[int], None]], count: int,
                cpu: dict[str, float] | None = None) -> dict[str, float]:
    """Alternate small chunks so every side sees the same moments of a noisy machine. Adds each
    side's CPU time in this process to `cpu`, if given."""
    seconds = dict.fromkeys(sides, 0.0)
    done = 0
    while done < count:
        chunk = min(CHUNK, count - done)
        order = list(sides) if (done // CHUNK) % 2 == 0 else list(reversed(sides))
        for name in order:
            started = time.process_time()
            seconds[name] += timed(lambda run=sides[name], n=chunk: run(n))
            if cpu is not None:
                cpu[name] = cpu.get(name, 0.0) + time.process_time() - started
        done += chunk
    return seconds


def load_average() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "n/a"


def bench_pledges(admin_url: str, count: int, rounds: int, warmup: int,
                  with_read_models: bool, departments: bool = True,
                  with_sealer: bool = True, seal_every: float = 0.2) -> bool:
    print(f"(a) Pledge commands on PostgreSQL: {rounds} rounds x {count} pledges, "
          f"warm-up {warmup}, one thread, app and raw alternating every {CHUNK}; the pilot is "
          + ("co-funded by two departments" if departments else "funded by the crowd alone"))
    if with_sealer:
        print(f"    each round twice, without and with the sealer (a separate process sealing "
              f"every {seal_every:g} s and signing a checkpoint once a minute, as the worker "
              f"does), in alternating order; load average at the start {load_average()}")
    phases = ["without", "with"] if with_sealer else ["without"]
    with bench_database(admin_url) as url, running_platform(url) as platform:
        sealer = Sealer(platform, url, seal_every) if with_sealer else None
        commands = PledgeCommands(platform, departments=departments)
        commands.run(warmup)
        samples = stored_pledge_events(url)
        raw = RawInserts(url, samples)
        raw.run(warmup)
        runs: dict[str, dict[str, list[tuple[int, float]]]] = {
            phase: {"app": [], "raw": [], "full": []} for phase in phases}
        cpu: dict[str, float] = {}  # CPU seconds of this process per side, every round
        lags: list[tuple[int, float]] = []
        try:
            if sealer:
                sealer.drain()  # the warm-up's events, and the process's own start-up
            for round_number in range(rounds):
                order = phases if round_number % 2 == 0 else list(reversed(phases))
                line = [f"    round {round_number + 1}:"]
                for phase in order:
                    if sealer and phase == "with":
                        sealer.drain()  # start level, so the round seals only its own events
                    elif sealer:
                        sealer.pause()
                    if with_read_models:
                        # Bring the read models level first so this round times only its own work.
                        platform.projections.catch_up()
                    sides = {"app": commands.run, "raw": raw.run}
                    if with_read_models:
                        sides["full"] = commands.run_with_read_models
                    seconds = timed_round(sides, count, cpu)
                    for name, spent in seconds.items():
                        runs[phase][name].append((count, spent))
                    text = (f"{phase} sealer: " if sealer else "") + (
                        f"app {count / seconds['app']:5.0f}/s raw {count / seconds['raw']:5.0f}/s "
                        f"ratio {seconds['raw'] / seconds['app']:.2f}")
                    if with_read_models:
                        text += f" app+read models {count / seconds['full']:5.0f}/s"
                    if sealer and phase == "with":
                        behind = sealer.lag()
                        drained = sealer.drain()
                        lags.append((behind, drained))
                        text += f" lag {behind} events (sealed in {drained:.2f} s)"
                    line.append(text)
                print("  ".join(line) + (f"  load {load_average()}" if sealer else ""))
            if sealer:
                signed = sealer.checkpoints()
                size = platform.transparency.size()
        finally:
            raw.close()
            if sealer:
                sealer.close()
        sizes = ", ".join(f"{topic.rsplit('.', 1)[-1]} {len(state)} B" for topic, state in samples)

    met = True
    for phase in phases:
        app_runs, raw_runs, full_runs = (runs[phase][name] for name in ("app", "raw", "full"))
        app_rate, raw_rate = median_rate(app_runs), median_rate(raw_runs)
        ratios = [raw[1] / app[1] for app, raw in zip(app_runs, raw_runs, strict=True)]
        # Each round's ratio compares moments with the same noise; report the median of those,
        # and the target is met only if every round meets it.
        ratio = statistics.median(ratios)
        ok = min(ratios) >= PLEDGE_RATIO_TARGET
        met = met and ok
        heading = f"{phase} the sealer" if with_sealer else "sealer not running"
        print(f"  -- {heading}")
        print(f"  app  make_pledge (authorise in sandbox + save {EVENTS_PER_PLEDGE} events):"
              f" {app_rate:8.0f} pledges/s  (median)")
        print(f"  raw  psycopg INSERT {EVENTS_PER_PLEDGE} rows + COMMIT per pledge:"
              f"          {raw_rate:8.0f} commits/s  (median)")
        if full_runs:
            print(f"  info make_pledge + projections.catch_up() (what a web request does):"
                  f" {median_rate(full_runs):.0f}/s")
            catch_up = statistics.median(
                (full[1] - app[1]) / full[0] * 1000 for app, full in zip(app_runs, full_runs,
                                                                         strict=True)
            )
            print(f"  info read-model catch-up (ledger included) per pledge: {catch_up:.2f} ms "
                  f"(median of the rounds' app+read models - app)")
        print(f"  ratio app/raw = {ratio:.2f} (median of the rounds' ratios; lowest "
              f"{min(ratios):.2f})   target >= {PLEDGE_RATIO_TARGET} in every round   "
              f"{'PASS' if ok else 'FAIL'}")
    pledged = count * rounds * len(phases)
    walls = {side: 1000 / median_rate([run for phase in phases for run in runs[phase][side]])
             for side in ("app", "raw")}
    print(f"  info per pledge, CPU of this process (the disk's waits left out): app "
          f"{cpu['app'] * 1000 / pledged:.3f} ms, raw {cpu['raw'] * 1000 / pledged:.3f} ms; "
          f"time: app {walls['app']:.3f} ms, raw {walls['raw']:.3f} ms (medians of the rounds)")
    if lags:
        print(f"  sealer lag at the end of the rounds: {', '.join(str(n) for n, _ in lags)} "
              f"events not yet sealed (of {count * EVENTS_PER_PLEDGE * (1 + with_read_models)} "
              f"the app logged in each "
              f"round), each sealed within "
              f"{max(s for _, s in lags):.2f} s; tree size {size}, {signed} checkpoint(s) signed")
    print("  'Equivalent' means: same table shape (uuid, bigint, text, bytea, bigserial, same "
          "primary key and notification_id index),")
    print(f"  the same rows per transaction ({EVENTS_PER_PLEDGE}) with the same topics and "
          f"state bytes ({sizes}), one commit each.")
    print("  The raw side does nothing else: no rule checks, no payment call, no serialisation,")
    print("  no LOCK TABLE, one dedicated connection (no pool checkout): the one-thread ceiling.")
    print("  The app side checks the pledge against the project (read once, then re-checked by "
          "version inside the save's")
    print("  transaction), authorises in the sandbox, encodes both events and writes them under "
          "LOCK TABLE in one round trip.")
    return met


# -- (b) the project page ----------------------------------------------------------------------

CITIES = (("Manchester", "GB", "GBP", "Europe/London"), ("Dublin", "IE", "EUR", "Europe/Dublin"),
          ("Porto", "PT", "EUR", "Europe/Lisbon"), ("Eindhoven", "NL", "EUR", "Europe/Amsterdam"),
          ("Stavanger", "NO", "NOK", "Europe/Oslo"), ("Zagreb", "HR", "EUR", "Europe/Zagreb"),
          ("Miskolc", "HU", "HUF", "Europe/Budapest"))
THEMES = ("Mobility", "Energy", "Air quality", "Water", "Public space", "Waste", "Lighting",
          "Digital services", "Green roofs", "Safety")
AREAS = ("Centre", "Old Town", "Harbour", "North", "South", "University quarter", "Riverside",
         "Station district", "East End", "Garden suburb")
PILOTS = ("smart bike lanes", "LED street lights with presence sensors", "air-quality sensor "
          "network", "solar benches", "rain gardens", "community battery", "noise monitors",
          "school street cameras", "smart bins", "EV charging hub", "heat-map of tree canopy",
          "flood early warning", "open data portal", "bus stop displays", "shared cargo bikes")
LINE_LABELS = ("Sensors and installation", "Data platform (first year)", "Signage",
               "Community workshops", "Maintenance contract", "Evaluation by the university",
               "Accessibility audit", "Contingency", "Hardware", "Permits and surveys")
STATUSES = ("open",) * 14 + ("funded", "funded", "unfunded", "delivering", "completed",
                             "cancelled")
PLEDGE_STATUSES = ("authorised",) * 18 + ("cancelled", "released")
EXPONENT = {"HUF": 2, "NOK": 2, "GBP": 2, "EUR": 2}


def seed_read_models(
    engine: sa.Engine, projects: int, pledges: int, seed: int = 7
) -> list[uuid.UUID]:
    """Rows as the projections would leave them, bulk-inserted with executemany."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    city_rows = [
        {"id": uuid.uuid4(), "name": name, "country": country, "currency": currency,
         "timezone": tz, "added_at": now - timedelta(days=400)}
        for name, country, currency, tz in CITIES
    ]
    project_rows = []
    for number in range(projects):
        city = rng.choice(city_rows)
        scale = 100 if city["currency"] != "NOK" else 1000
        lines = [
            {"label": label, "amount": rng.randrange(500, 60_000) * scale,
             "required": index < 2 or rng.random() < 0.5}
            for index, label in enumerate(rng.sample(LINE_LABELS, rng.randint(3, 7)))
        ]
        pilot = rng.choice(PILOTS)
        opens = now - timedelta(days=rng.randint(1, 60))
        project_rows.append({
            "id": uuid.uuid4(), "city_id": city["id"], "city_name": city["name"],
            "area": rng.choice(AREAS), "theme": rng.choice(THEMES),
            "title": f"{pilot.capitalize()} #{number + 1}",
            "summary": (f"A twelve-month pilot of {pilot} in {city['name']}. " * 6
                        + "Residents chose it in the participatory budget; the city matches "
                          "every euro raised above the minimum.\n\n") * 2,
            "proposer": f"{rng.choice(AREAS)} residents' association",
            "currency": city["currency"],
            "minimum": sum(line["amount"] for line in lines if line["required"]),
            "optimum": sum(line["amount"] for line in lines),
            "budget_lines": lines, "funding_model": rng.choice(
                ("all_or_nothing", "keep_what_you_raise")),
            "status": rng.choice(STATUSES), "opens_at": opens,
            "closes_at": opens + timedelta(days=rng.choice((30, 45, 60, 90))),
            "backers": 0, "pledge_count": 0, "drafted_at": opens - timedelta(days=7),
            "updated_at": now,
        })

    # A few popular projects take most pledges, as in real campaigns.
    weights = [rng.paretovariate(1.2) for _ in project_rows]
    citizens = [uuid.uuid4() for _ in range(max(1, pledges // 4))]
    live: Counter[tuple[uuid.UUID, uuid.UUID]] = Counter()
    seen: set[tuple[uuid.UUID, uuid.UUID]] = set()
    raised: Counter[uuid.UUID] = Counter()
    counted: Counter[uuid.UUID] = Counter()
    pledge_rows, posting_rows = [], []
    promised: Counter[tuple[uuid.UUID, str]] = Counter()
    for position, project in enumerate(rng.choices(project_rows, weights=weights, k=pledges)):
        citizen = rng.choice(citizens)
        status = rng.choice(PLEDGE_STATUSES)
        amount = rng.choice((5, 10, 20, 25, 50, 100, 250)) * 10 ** EXPONENT[project["currency"]]
        made = project["opens_at"] + timedelta(minutes=rng.randint(1, 40_000))
        key = (project["id"], citizen)
        seen.add(key)
        pledge_id = uuid.uuid4()
        if status == "authorised":
            live[key] += 1
            raised[project["id"]] += amount
            counted[project["id"]] += 1
            promised[(citizen, project["currency"])] += amount
            # The ledger's legs of the authorisation (domain/ledger/bookkeeping.py).
            for leg, (owner, owner_id, bucket, signed) in enumerate((
                ("citizen", citizen, "promised", -amount),
                ("project", project["id"], "pledged", amount),
            )):
                name = f"{owner}/{owner_id}/{bucket}" + (
                    f"/{project['currency']}" if owner == "citizen" else "")
                posting_rows.append({
                    "position": position + 1, "leg": leg, "event": "Pledge.Authorised",
                    "account": name, "owner": owner, "owner_id": owner_id, "bucket": bucket,
                    "project_id": None, "amount": signed, "currency": project["currency"],
                    "pledge_id": pledge_id, "recorded_at": made,
                })
        pledge_rows.append({
            "id": pledge_id, "project_id": project["id"], "citizen_id": citizen,
            "amount": amount, "currency": project["currency"], "status": status,
            "payment_method": "pm_card_visa",
            "payment_reference": f"seti_sandbox_{uuid.uuid4().hex[:24]}",
            "made_at": made, "updated_at": made,
        })
    backers: defaultdict[uuid.UUID, int] = defaultdict(int)
    backer_rows = []
    for project_id, citizen in seen:
        backer_rows.append({"project_id": project_id, "citizen_id": citizen,
                            "live_pledges": live[(project_id, citizen)]})
        if live[(project_id, citizen)]:
            backers[project_id] += 1
    balance_rows = []
    for row in project_rows:
        row.update(backers=backers[row["id"]], pledge_count=counted[row["id"]])
        if raised[row["id"]]:
            balance_rows.append({
                "account": f"project/{row['id']}/pledged", "owner": "project",
                "owner_id": row["id"], "bucket": "pledged", "project_id": None,
                "currency": row["currency"], "balance": raised[row["id"]],
                "postings": counted[row["id"]], "position": 0,
            })
    for (citizen, currency), amount in promised.items():
        balance_rows.append({
            "account": f"citizen/{citizen}/promised/{currency}", "owner": "citizen",
            "owner_id": citizen, "bucket": "promised", "project_id": None, "currency": currency,
            "balance": -amount, "postings": 0, "position": 0,
        })

    with engine.begin() as conn:
        conn.execute(t.cities.insert(), city_rows)
        conn.execute(t.projects.insert(), project_rows)
        for start in range(0, len(pledge_rows), 10_000):
            conn.execute(t.pledges.insert(), pledge_rows[start:start + 10_000])
        for start in range(0, len(backer_rows), 10_000):
            conn.execute(t.project_backers.insert(), backer_rows[start:start + 10_000])
        for start in range(0, len(posting_rows), 10_000):
            conn.execute(t.ledger_postings.insert(), posting_rows[start:start + 10_000])
        for start in range(0, len(balance_rows), 10_000):
            conn.execute(t.ledger_balances.insert(), balance_rows[start:start + 10_000])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(sa.text("ANALYZE"))
    return [row["id"] for row in project_rows if row["status"] != "draft"]


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def seed_pictures(engine: sa.Engine, project_ids: list[uuid.UUID]) -> None:
    """A cover, six gallery pictures and a logo on every project, as rows only (the page reads
    rows; the files are not needed to render it)."""
    now = datetime.now(UTC)
    rows, texts = [], []
    for project_id in project_ids:
        for number, kind in enumerate(["cover"] + ["gallery"] * 6 + ["logo"]):
            picture_id = uuid.uuid4()
            rows.append({"picture_id": picture_id, "owner_kind": "project",
                         "owner_id": project_id, "kind": kind,
                         "content_hash": f"{number:02d}" * 32,
                         "sizes": [[320, 180], [640, 360], [1280, 720]],
                         "uploaded_by": "bench", "added_at": now})
            texts.append({"picture_id": picture_id, "alt": f"Picture {number} of the pilot"})
    with engine.begin() as conn:
        conn.execute(t.pictures.insert(), rows)
        conn.execute(t.picture_texts.insert(), texts)


def bench_page(backend: str, url: str, projects: int, pledges: int, requests: int,
               warmup: int, pictures: bool = False) -> bool:
    from web.app import create_app

    with running_platform(url) as platform:
        start = time.perf_counter()
        project_ids = seed_read_models(platform.engine, projects, pledges)
        if pictures:
            seed_pictures(platform.engine, project_ids)
        seeded = time.perf_counter() - start
        # Every page rendered: pages kept for visitors (web/page_cache.py) would hide the cost.
        app = create_app({"SECRET_KEY": "bench-only", "KEPT_PAGES": False}, platform=platform)
        client = app.test_client()
        rules = {rule.rule for rule in app.url_map.iter_rules()}
        targets = [("page", "/projects/{}")]
        if "/api/v1/projects/<uuid:project_id>" in rules:
            targets.append(("api", "/api/v1/projects/{}"))
        targets += [("static", "/static/style.css"), ("404", "/no-such-page")]
        print(f"(b) Project page on {backend}: {projects} projects, {pledges} pledges"
              f"{', 8 pictures each' if pictures else ''} in the "
              f"read models (seeded in {seeded:.1f} s), {requests} requests after {warmup} "
              f"warm-up")
        rng = random.Random(11)
        times: dict[str, list[float]] = {name: [] for name, _ in targets}
        cpu: dict[str, list[float]] = {name: [] for name, _ in targets}
        for number in range(warmup + requests):
            project_id = rng.choice(project_ids)
            for name, pattern in targets:
                path = pattern.format(project_id)
                began, began_cpu = time.perf_counter(), time.thread_time()
                response = client.get(path)
                elapsed = (time.perf_counter() - began) * 1000
                spent = (time.thread_time() - began_cpu) * 1000
                response.close()
                expected = 404 if name == "404" else 200
                if response.status_code != expected:
                    raise SystemExit(f"GET {path} answered {response.status_code}")
                if name == "page" and b'id="raised"' not in response.data:
                    raise SystemExit(f"GET {path} has no raised total: not the project page")
                if name == "page" and pictures and b"gallery-img" not in response.data:
                    raise SystemExit(f"GET {path} shows no gallery: pictures not seeded")
                if number >= warmup:
                    times[name].append(elapsed)
                    cpu[name].append(spent)

    describe = {"page": "GET /projects/<id>        ", "api": "GET /api/v1/projects/<id> ",
                "static": "GET /static/style.css    ", "404": "GET /no-such-page (404)  "}
    for name, _ in targets:
        samples = times[name]
        print(f"  {describe[name]} p50 {percentile(samples, 0.5):6.2f} ms   "
              f"p95 {percentile(samples, 0.95):6.2f} ms   (this process's CPU: p50 "
              f"{percentile(cpu[name], 0.5):5.2f} ms, p95 {percentile(cpu[name], 0.95):5.2f} ms)")
    base_p50 = percentile(times["static"], 0.5)
    met = True
    for name, target in (("page", PAGE_P95_TARGET_MS), ("api", API_P95_TARGET_MS)):
        if name not in times:
            continue
        p95 = percentile(times[name], 0.95)
        ok = p95 <= target
        met = met and ok
        print(f"  {name} p50 / static p50 = {percentile(times[name], 0.5) / base_p50:.1f}x   "
              f"{name} p95 {p95:.2f} ms   target <= {target:g} ms   {'PASS' if ok else 'FAIL'}")
    print("  Server time = the Flask test client's full request (routing, query, template), "
          "no network or browser; every page rendered (no kept pages).")
    return met


# -- main ----------------------------------------------------------------------------------------

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pledges", type=int, default=500, help="pledges per round (a)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--postgres-url", default=os.environ.get("CIVICFUND_BENCH_POSTGRES_URL",
                                                                 DEFAULT_ADMIN_URL),
                        help="admin URL; a database civicfund_bench_<random> is made and dropped")
    parser.add_argument("--read-models", action="store_true",
                        help="(a) also time make_pledge + projections.catch_up() (info only)")
    parser.add_argument("--page-on", default="sqlite",
                        help="(b) comma-separated: sqlite, postgres (default sqlite)")
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--page-pledges", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--without-departments", action="store_true",
                        help="(a) no departments' commitments on the pledged pilot")
    parser.add_argument("--without-sealer", action="store_true",
                        help="(a) do not run the transparency log's sealer beside the pledges")
    parser.add_argument("--seal-every", type=float, default=0.2,
                        help="(a) seconds between the sealer's rounds (default 0.2)")
    parser.add_argument("--skip-pledges", action="store_true")
    parser.add_argument("--with-pictures", action="store_true",
                        help="(b) a cover, six gallery pictures and a logo on every project")
    parser.add_argument("--skip-page", action="store_true")
    args = parser.parse_args(argv)

    print(f"civicfund bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
          f"{host.python_version()}, {os.cpu_count()} CPUs, {host.machine()}")
    with psycopg.connect(psycopg_dsn(args.postgres_url)) as conn:
        print(f"PostgreSQL: {conn.execute('SHOW server_version').fetchone()[0]}, "
              f"synchronous_commit={conn.execute('SHOW synchronous_commit').fetchone()[0]}, "
              f"fsync={conn.execute('SHOW fsync').fetchone()[0]}")
    results = []
    if not args.skip_pledges:
        results.append(bench_pledges(args.postgres_url, args.pledges, args.rounds, args.warmup,
                                     args.read_models, not args.without_departments,
                                     not args.without_sealer, args.seal_every))
    if not args.skip_page:
        for backend in [b.strip() for b in args.page_on.split(",") if b.strip()]:
            if backend == "sqlite":
                database = sqlite_database()
            elif backend == "postgres":
                database = bench_database(args.postgres_url)
            else:
                parser.error(f"--page-on takes sqlite and/or postgres, not {backend!r}")
            with database as url:
                results.append(bench_page(backend, url, args.projects, args.page_pledges,
                                          args.requests, warmup=50,
                                          pictures=args.with_pictures))
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
