"""Benchmark for issue 8: what password guessing does to everyone else's pages, with the rate
limits off and on.

    .venv/bin/python bench/brute_force.py [--attackers 8] [--seconds 15] [--workers 2]

The app runs under gunicorn on 127.0.0.1 (platform/gunicorn.conf.py, sync workers) on a SQLite
database made for the run, with the production password hash (scrypt). One ordinary visitor
loads a pilot's page over and over and times each answer; for the second half of each run,
N clients guess the password of one citizen's account as fast as they can through the login
form (each with its own session and CSRF token). Printed: the visitor's median and p95 without
and with the attack, how many guesses the server checked (401) and refused unchecked (429), and
whether the right password was found. The whole thing runs twice: CIVICFUND_RATE_LIMITS=off,
then on.

Figures are not assertions; nothing here runs in the tests.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import platform as host
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from adapters import migrate
from adapters.bootstrap import build_platform
from adapters.settings import Settings
from domain.crowdfunding.project import BudgetLine
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money

ROOT = Path(__file__).resolve().parent.parent
VICTIM = "victim@bench.example"
VICTIM_PASSWORD = "the victim's long password"
RIGHT_ON = 5  # client 0 tries the right password as its fifth guess
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def seed(url: str) -> str:
    """A city, an open pilot with a few pledges, and the citizen whose password is guessed."""
    migrate.upgrade(url)
    platform = build_platform(Settings(database_url=url))  # scrypt, as in production
    try:
        now = platform.clock.now()
        with acting_as(SYSTEM, "bench-seed"):
            city = platform.app.add_city("Porto", currency="EUR", country="PT",
                                         timezone="Europe/Lisbon")
            officer = platform.register(email="officer@bench.example", name="Officer",
                                        password="officer long password", role="city",
                                        city_id=city, verified=True)
            citizen = platform.register(email=VICTIM, name="Victim", password=VICTIM_PASSWORD,
                                        verified=True)
        with acting_as(Actor(str(officer), "city"), "bench-seed"):
            project = platform.app.draft_project(
                city_id=city, area="Baixa", theme="Environment", title="Air-quality sensors",
                summary="Sensors on every tram stop.", proposer="Porto Clean Air",
                budget_lines=[BudgetLine("Sensors", Money.parse("8000.00", "EUR"), True)],
                funding_model="all_or_nothing", opens_at=now,
                closes_at=now + timedelta(days=30),
            )
            platform.app.open_campaign(project)
        with acting_as(Actor(str(citizen), "citizen"), "bench-seed"):
            for _ in range(5):
                platform.app.make_pledge(project_id=project, citizen_id=citizen,
                                         amount=Money.parse("20.00", "EUR"),
                                         payment_method="pm_card_visa")
        platform.projections.catch_up()
        return str(project)
    finally:
        platform.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def served(url: str, folder: Path, limits: str, workers: int):
    port = free_port()
    env = {
        **os.environ,
        "CIVICFUND_DATABASE_URL": url,
        "CIVICFUND_SECRET_KEY": "bench-secret-key",
        "CIVICFUND_RATE_LIMITS": limits,
        "CIVICFUND_INSECURE_COOKIES": "1",  # plain HTTP on loopback
        "CIVICFUND_BIND": f"127.0.0.1:{port}",
        "CIVICFUND_WEB_WORKERS": str(workers),
        "CIVICFUND_LOG_LEVEL": "warning",
    }
    log = (folder / f"gunicorn-{limits}.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "platform/gunicorn.conf.py", "--access-logfile",
         "/dev/null", "web.wsgi:app"], cwd=ROOT, env=env, stdout=log, stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/", timeout=2).read()  # noqa: S310
                break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError(f"gunicorn did not start; see {log.name}")
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


class Browser:
    """One client with its own cookies, like a browser."""

    def __init__(self, base: str):
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            NoRedirects(),
        )

    def get(self, path: str) -> tuple[int, str]:
        return self._send(urllib.request.Request(self.base + path))  # noqa: S310 - http only

    def post(self, path: str, form: dict[str, str]) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode()
        return self._send(
            urllib.request.Request(self.base + path, data=data)  # noqa: S310 - http only
        )

    def _send(self, request) -> tuple[int, str]:
        try:
            with self.opener.open(request, timeout=60) as answer:
                return answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def visit(base: str, path: str, stop: threading.Event, samples: list[float]) -> None:
    browser = Browser(base)
    while not stop.is_set():
        started = time.perf_counter()
        status, _ = browser.get(path)
        samples.append(time.perf_counter() - started)
        assert status == 200, status


def guess(base: str, stop: threading.Event, answers: Counter, number: int) -> None:
    browser = Browser(base)
    token = CSRF.search(browser.get("/login")[1]).group(1)
    attempt = 0
    while not stop.is_set():
        attempt += 1
        right = number == 0 and attempt == RIGHT_ON  # the attacker hits on it once
        password = VICTIM_PASSWORD if right else f"guess {number}-{attempt}"
        status, _ = browser.post("/login", {"email": VICTIM, "password": password,
                                            "csrf_token": token})
        answers[status] += 1
        if right:
            answers["right password"] = status


def ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f} ms"


def run(base: str, project: str, attackers: int, seconds: float) -> dict:
    path = f"/projects/{project}"
    quiet: list[float] = []
    stop = threading.Event()
    visitor = threading.Thread(target=visit, args=(base, path, stop, quiet))
    visitor.start()
    time.sleep(seconds / 2)
    stop.set()
    visitor.join()

    loud: list[float] = []
    answers: Counter = Counter()
    stop = threading.Event()
    threads = [threading.Thread(target=guess, args=(base, stop, answers, n))
               for n in range(attackers)]
    for thread in threads:
        thread.start()
    time.sleep(1)  # the attack is under way before timing starts
    visitor = threading.Thread(target=visit, args=(base, path, stop, loud))
    visitor.start()
    time.sleep(seconds / 2)
    stop.set()
    for thread in [*threads, visitor]:
        thread.join()
    return {"quiet": quiet, "loud": loud, "answers": answers}


def p95(samples: list[float]) -> float:
    return statistics.quantiles(samples, n=20)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--attackers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=15.0,
                        help="seconds per run: half quiet, half under attack")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args(argv)
    print(f"civicfund brute-force bench, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, Python "
          f"{host.python_version()}, {os.cpu_count()} CPUs, gunicorn with {args.workers} sync "
          f"workers, {args.attackers} guessing clients, scrypt password hashes")
    with tempfile.TemporaryDirectory(prefix="civicfund-bench-") as folder:
        url = f"sqlite:///{Path(folder) / 'civicfund.sqlite3'}"
        project = seed(url)
        for limits in ("off", "on"):
            with served(url, Path(folder), limits, args.workers) as base:
                result = run(base, project, args.attackers, args.seconds)
            quiet, loud, answers = result["quiet"], result["loud"], result["answers"]
            print(f"  CIVICFUND_RATE_LIMITS={limits}:")
            print(f"    visitor's page, no attack:    median {ms(statistics.median(quiet))}  "
                  f"p95 {ms(p95(quiet))}  ({len(quiet)} pages)")
            print(f"    visitor's page, under attack: median {ms(statistics.median(loud))}  "
                  f"p95 {ms(p95(loud))}  ({len(loud)} pages)")
            outcome = {303: "let the attacker in", 429: "was refused unchecked (429)"}.get(
                answers.get("right password"), "was not reached")
            print(f"    guesses: {answers[401]} checked (401), {answers[429]} refused unchecked "
                  f"(429); the right password, client 0's guess {RIGHT_ON}, {outcome}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
