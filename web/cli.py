"""The `civicfund` command: Flask's CLI plus the platform's own commands."""

from __future__ import annotations

import copy
import functools
import logging
import os
import signal
import sys
import threading
import time
from datetime import UTC, datetime
from uuid import UUID

import click
from flask import current_app
from flask.cli import FlaskGroup, run_command

from adapters import migrate
from adapters.conversation_mail import send_digests
from adapters.idempotency import KEPT_FOR
from adapters.investment_rounds import describe as describe_money
from adapters.investment_rounds import move_investment_money
from adapters.payment_sweep import sweep_orphaned_authorisations
from adapters.settings import Settings
from adapters.settlement_rounds import settle_due
from adapters.stripe_webhooks import process_pending_webhooks
from domain.kernel.context import ROLES, SYSTEM, acting_as, new_correlation_id
from domain.kernel.errors import DomainError
from web.transparency.commands import audit


def _create_app():
    from web.app import create_app

    return create_app()


def _platform():
    return current_app.extensions["civicfund"]


def as_cli(run):
    """Run a use case as the system actor under a fresh correlation id; report domain errors."""
    try:
        with acting_as(SYSTEM, new_correlation_id("cli")):
            result = run()
    except DomainError as error:
        raise click.ClickException(error.message) from None
    _platform().projections.catch_up()
    return result


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=True)
def cli() -> None:
    """civicfund: civic crowdfunding and co-investment on one event-sourced core."""


# -- database --------------------------------------------------------------------------------

@cli.group("db")
def db() -> None:
    """Database schema (Alembic)."""


@db.command("upgrade", with_appcontext=False)
@click.option("--revision", default="head", show_default=True)
def db_upgrade(revision: str) -> None:
    """Create or upgrade every table, the event store included."""
    url = Settings.from_env().database_url
    migrate.upgrade(url, revision)
    click.echo(f"Database is at revision {migrate.current(url)}.")


# -- cities ----------------------------------------------------------------------------------

@cli.group("cities")
def cities() -> None:
    """Cities that post pilots."""


@cities.command("add")
@click.argument("name")
@click.option("--currency", required=True, help="ISO 4217 code, e.g. EUR")
@click.option("--country", default="", help="ISO 3166 two-letter code, e.g. PT")
@click.option("--timezone", "timezone", default="UTC", show_default=True)
def cities_add(name: str, currency: str, country: str, timezone: str) -> None:
    """Add a city (admin)."""
    if not country:
        raise click.UsageError("--country is required (a two-letter code such as GB)")
    city_id = as_cli(lambda: _platform().app.add_city(
        name, currency=currency, country=country, timezone=timezone
    ))
    click.echo(f"Added {name} ({currency.upper()}): {city_id}")


@cities.command("list")
def cities_list() -> None:
    """List cities."""
    for city in _platform().read.cities():
        click.echo(f"{city.id}  {city.name:<20} {city.country}  {city.currency}  {city.timezone}")


# -- matching funds --------------------------------------------------------------------------

@cli.group("funds")
def funds() -> None:
    """Matching funds: list them, read one, set one up, close one."""


def _fund_line(fund) -> str:
    return (
        f"{fund.id}  {fund.city_name:<12} {fund.name:<28} {fund.status:<6} "
        f"pool {fund.pool.display()}  committed {fund.committed.display()}  "
        f"reserved {fund.reserved.display()}  available {fund.available.display()}"
    )


@funds.command("list")
@click.option("--city", default=None, help="Only this city's funds (by name)")
def funds_list(city: str | None) -> None:
    """Every fund, city by city in the order they apply, with its balances."""
    found = _platform().read.matching_funds(_city_id(city))
    for fund in found:
        click.echo(_fund_line(fund))
    if not found:
        click.echo("No matching funds yet.")


@funds.command("show")
@click.argument("fund_id", type=click.UUID)
def funds_show(fund_id: UUID) -> None:
    """One fund: balances, its rules now and before, and what it matched on each pilot."""
    read = _platform().read
    fund = read.matching_fund(fund_id)
    if fund is None:
        raise click.ClickException(f"No matching fund with id {fund_id}")
    click.echo(_fund_line(fund))
    click.echo(f"sponsor: {fund.sponsor}; returned to the sponsor: {fund.returned.display()}")
    click.echo(f"window: {fund.opens_at.isoformat()} to {fund.closes_at.isoformat()}")
    for version in read.fund_rule_versions(fund_id):
        click.echo(f"rules v{version.version} from {version.effective_from.isoformat()}: "
                   f"{version.rules_text}")
    for project in read.fund_projects(fund_id):
        click.echo(f"  {project.project_id}  {project.title}: {project.matches} matches, "
                   f"reserved {project.reserved.display()}, "
                   f"committed {project.committed.display()}")


@funds.command("create")
@click.option("--city", required=True, help="The city whose pilots it matches (by name)")
@click.option("--name", required=True)
@click.option("--sponsor", required=True)
@click.option("--pool", required=True, help="A decimal amount in the city's currency")
@click.option("--opens", "opens_at", type=click.DateTime(), default=None,
              help="When it starts matching (UTC; not in the past): now when left out")
@click.option("--closes", "closes_at", type=click.DateTime(), required=True,
              help="When it ends (UTC)")
@click.option("--rules", required=True,
              help='As in the API, e.g. \'{"kind": "ratio", "factor": "1", '
                   '"cap_per_pledge": "25.00"}\'')
@click.option("--theme", "themes", multiple=True, help="An eligible theme (repeat; none: any)")
@click.option("--area", "areas", multiple=True, help="An eligible area (repeat; none: any)")
def funds_create(city, name, sponsor, pool, opens_at, closes_at, rules, themes, areas) -> None:
    """Set up a matching fund (as the platform)."""
    import json

    from domain.kernel.money import Money
    from domain.matching.rules import parse_rules

    city_id = _city_id(city)
    currency = _platform().read.city(city_id).currency
    try:
        rules_data = json.loads(rules)
    except ValueError:
        raise click.UsageError("--rules is a JSON object, e.g. '{\"kind\": \"ratio\"}'") from None
    opens = opens_at.replace(tzinfo=UTC) if opens_at else _platform().clock.now()
    fund_id = as_cli(lambda: _platform().app.create_matching_fund(
        city_id=city_id, name=name, sponsor=sponsor, currency=currency,
        pool=Money.parse(pool, currency), opens_at=opens,
        closes_at=closes_at.replace(tzinfo=UTC), themes=list(themes), areas=list(areas),
        rules=parse_rules(rules_data, currency),
    ))
    click.echo(f"Set up {name} for {city}: {fund_id}")


@funds.command("close")
@click.argument("fund_id", type=click.UUID)
def funds_close(fund_id: UUID) -> None:
    """End a fund now: what is neither committed nor reserved goes back to the sponsor."""
    returned = as_cli(lambda: _platform().app.close_matching_fund(fund_id))
    click.echo(f"Closed {fund_id}: {returned.display()} goes back to the sponsor.")


@cli.group("ledger")
def ledger() -> None:
    """The ledger: every money movement as postings between accounts."""


@ledger.command("audit")
def ledger_audit() -> None:
    """Replay the whole log into postings with the domain's bookkeeping alone: check that every
    event's postings balance, that no account ever went to the wrong side of zero (a pool never
    over-committed), that no pledge was matched twice, and that every balance equals what the
    pages and the API show. Exits 1 if anything is wrong, saying what."""
    from adapters.ledger_audit import audit_ledger

    platform = _platform()
    platform.projections.catch_up()
    audit = audit_ledger(platform.app, platform.engine)
    names = {fund.id: fund.name for fund in platform.read.matching_funds()}
    for fund_id, figures in audit.fund_figures().items():
        line = ", ".join(f"{label} {money.display()}" for label, money in figures.items())
        click.echo(f"fund {names.get(fund_id, fund_id)}: {line}")
    click.echo(
        f"{audit.events} money events, {audit.postings} postings, "
        f"{len(audit.balances)} accounts"
    )
    for line in audit.problems:
        click.echo(f"PROBLEM  {line}")
    for line in audit.differences:
        click.echo(f"DIFFERS  {line}")
    if not audit.ok:
        raise SystemExit(1)
    click.echo("OK: every event balances, no account crossed zero, no pledge was matched twice, "
               "and every balance equals the read models.")


# -- departments -----------------------------------------------------------------------------

@cli.group("departments")
def departments() -> None:
    """Departments: their budget lines and what they committed to pilots."""


@departments.command("list")
@click.option("--city", default=None, help="Only this city's departments (by name)")
def departments_list(city: str | None) -> None:
    """Every department with each budget line's amount, committed, drawn and available money
    (ledger balances)."""
    found = _platform().read.departments(_city_id(city))
    for department in found:
        click.echo(f"{department.id}  {department.city_name:<12} {department.name}")
        for line in department.lines:
            click.echo(
                f"  {line.id}  {line.name} {line.fiscal_year}: amount {line.amount.display()}  "
                f"committed {line.committed.display()}  drawn {line.drawn.display()}  "
                f"available {line.available.display()}"
            )
    if not found:
        click.echo("No departments yet.")


# -- users -----------------------------------------------------------------------------------

@cli.group("users")
def users() -> None:
    """Accounts and API tokens."""


def _city_id(name: str | None) -> UUID | None:
    if not name:
        return None
    city = _platform().read.city_named(name)
    if city is None:
        raise click.ClickException(f"No city called {name!r}; add it with `civicfund cities add`")
    return city.id


@users.command("create")
@click.argument("email")
@click.option("--role", required=True,
              type=click.Choice(list(ROLES)))
@click.option("--password", required=True)
@click.option("--city", "city", default=None, help="The city a city officer works for")
@click.option("--name", default=None)
def users_create(email: str, role: str, password: str, city: str | None, name: str | None) -> None:
    """Create an account."""
    if role == "city" and not city:
        raise click.UsageError("A city officer needs --city")
    city_id = _city_id(city) if role == "city" else None
    account_id = as_cli(lambda: _platform().register(
        email=email, name=name or email.split("@")[0], password=password, role=role,
        city_id=city_id, verified=True,
    ))
    click.echo(f"Created {role} {email}: {account_id}")


@users.command("token")
@click.argument("email")
@click.option("--days", type=click.IntRange(1, 365), default=None,
              help="Days until it expires (default CIVICFUND_API_TOKEN_DAYS, 30)")
def users_token(email: str, days: int | None) -> None:
    """Print a new API bearer token for EMAIL (alone on the last line)."""
    account = _platform().accounts.by_email(email)
    if account is None:
        raise click.ClickException(f"No account with email {email}")
    issued = _platform().accounts.issue(account.id, days)
    click.echo(
        f"API token for {account.email} ({account.role}), expires "
        f"{issued.expires_at:%Y-%m-%d %H:%M} UTC; send it as 'Authorization: Bearer <token>':"
    )
    click.echo(issued.token)


# -- projections and worker ------------------------------------------------------------------

@cli.group("projections")
def projections() -> None:
    """Read models kept from the event log."""


@projections.command("rebuild")
def projections_rebuild() -> None:
    """Empty the read models and replay the whole event log into them."""
    count = _platform().projections.rebuild()
    click.echo(f"Rebuilt the read models from {count} events.")


@projections.command("catch-up")
def projections_catch_up() -> None:
    """Apply events not yet projected, once."""
    click.echo(f"Applied {_platform().projections.catch_up()} events.")


# Housekeeping runs at most this often, whatever the round interval.
SWEEP_EVERY = 60.0


# How often the worker signs a checkpoint of the transparency log (only when the log grew).
CHECKPOINT_EVERY = 60.0


def seal_and_sign(platform, signed_at: float) -> float:
    """Add new events to the transparency log's tree and, once a minute, sign a checkpoint if
    it grew. A failure here (a bad signing key, say) is logged and keeps no other work back."""
    try:
        platform.transparency.seal()
        if time.monotonic() - signed_at >= CHECKPOINT_EVERY:
            platform.checkpoints.sign()
            return time.monotonic()
    except Exception:
        logging.getLogger(__name__).exception("transparency log round failed; retrying")
    return signed_at


def work_rounds(platform, stop: threading.Event, interval: float, echo=click.echo,
                rounds: int | None = None) -> None:
    """Follow the log, settle due campaigns, pay investors in and bond payments out, drop expired
    failures, send mail, and now and then release authorisations no pledge stands on and forget
    old idempotency keys; until stopped (or after `rounds` rounds)."""
    swept_at = signed_at = 0.0
    # Most of a round's steps catch up first, and mostly find nothing new: ask the log first.
    platform.projections.looks_first = platform.transparency.looks_first = True
    while not stop.is_set():
        try:
            for report in settle_due(platform.app, platform.engine, platform.projections):
                if report.acted:
                    echo(describe(report))
            for money in move_investment_money(platform.app, platform.engine,
                                               platform.projections):
                if money.acted:
                    echo(describe_money(money))
            process_pending_webhooks(platform.webhooks)
            # Erasures that waited for their pledges' settlement are finished once they can be.
            if platform.erasures is not None:
                platform.erasures.carry_out_waiting()
            send_digests(platform.engine, datetime.now(UTC))
            platform.send_mail()
            signed_at = seal_and_sign(platform, signed_at)
            if time.monotonic() - swept_at >= SWEEP_EVERY:
                sweep_orphaned_authorisations(platform.app, platform.engine)
                platform.idempotency.forget_before(datetime.now(UTC) - KEPT_FOR)
                swept_at = time.monotonic()
        except Exception:  # keep working; the next round retries where this one stopped
            logging.getLogger(__name__).exception("worker round failed; retrying")
        if rounds is not None:
            rounds -= 1
            if rounds <= 0:
                return
        stop.wait(interval)


@cli.command("worker")
@click.option("--interval", default=1.0, show_default=True, help="Seconds between rounds")
def worker(interval: float) -> None:
    """Background work: keep read models following the log, close campaigns at their deadline
    and settle them, charge investors' called commitments and pay bond holders, drop payments
    whose fix window has passed, send mail (if SMTP is set)."""
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    click.echo("civicfund worker: following the log and settling due campaigns (Ctrl+C to stop)")
    work_rounds(_platform(), stop, interval)


@cli.command("settle")
@click.option("--project", "project_id", type=click.UUID, default=None,
              help="Settle this project only (it must be due)")
def settle(project_id: UUID | None) -> None:
    """Close due campaigns and settle them, once (for cron or by hand). Safe to re-run."""
    platform = _platform()
    if project_id is not None and platform.read.project(project_id) is None:
        raise click.ClickException(f"No project with id {project_id}")
    reports = settle_due(platform.app, platform.engine, platform.projections, project_id)
    acted = [report for report in reports if report.acted]
    for report in acted:
        click.echo(describe(report))
    if not acted:
        click.echo("Nothing was due.")


def describe(report) -> str:
    words = [f"{report.project_id}:"]
    if report.outcome:
        words.append(report.outcome)
    for label in ("charged", "failed", "released", "refunded"):
        if getattr(report, label):
            words.append(f"{getattr(report, label)} {label}")
    return " ".join(words)


@cli.command("demo", with_appcontext=False)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Load the demo data and exit")
def demo(host: str, port: int, no_serve: bool) -> None:
    """Load demo data (once) and serve the platform."""
    from web.app import create_app
    from web.demo import DEMO_PASSWORDS, load_demo

    local_development(host)
    settings = Settings.from_env()
    migrate.upgrade(settings.database_url)
    app = create_app()
    platform = app.extensions["civicfund"]
    added = load_demo(platform)
    click.echo("Demo data loaded." if added else "Demo data was already there; nothing added.")
    click.echo("Demo accounts (email / password / role):")
    for email, password, role in DEMO_PASSWORDS:
        click.echo(f"  {email:<32} {password:<16} {role}")
    if no_serve:
        return
    stop = threading.Event()
    # The demo runs the worker's rounds in the same process, so its campaigns close on time.
    threading.Thread(target=work_rounds, args=(platform, stop, 1.0), daemon=True).start()
    click.echo(f"Serving civicfund at http://{host}:{port}")
    # Not app.run(): Flask ignores it inside a `flask` CLI command (FLASK_RUN_FROM_CLI).
    from werkzeug.serving import run_simple

    run_simple(host, port, app, threaded=True, use_reloader=False)
    stop.set()


LOOPBACK = ("127.0.0.1", "localhost", "::1")


def local_development(host: str | None) -> None:
    """Serving on loopback is local development over plain HTTP: say so explicitly
    (CIVICFUND_INSECURE_COOKIES=1), or the browser would never send the Secure session cookie.
    Any other address keeps Secure cookies unless the operator sets the flag themselves."""
    if (host or "127.0.0.1") in LOOPBACK:
        os.environ.setdefault("CIVICFUND_INSECURE_COOKIES", "1")


def _local_run_command() -> click.Command:
    """Flask's `run`, marking local development first when it serves on loopback."""
    command = copy.copy(run_command)
    serve = run_command.callback

    @functools.wraps(serve)
    def callback(*args, **kwargs):
        local_development(kwargs.get("host"))
        return serve(*args, **kwargs)

    command.callback = callback
    return command


cli.add_command(_local_run_command(), "run")
cli.add_command(audit)


def main() -> None:
    try:
        Settings.from_env()  # a bad setting is a message, not a traceback
    except ValueError as problem:
        click.echo(f"civicfund: {problem}", err=True)
        sys.exit(2)
    sys.exit(cli())  # pragma: no cover
