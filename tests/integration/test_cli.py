"""The `civicfund` command: schema, cities, users, tokens and projections."""

from __future__ import annotations

from uuid import UUID

import pytest
from click.testing import CliRunner

from adapters import migrate
from adapters.bootstrap import build_platform
from adapters.settings import Settings
from tests.conftest import TEST_PASSWORD_METHOD
from web.cli import cli


@pytest.fixture
def civicfund(sqlite_url, monkeypatch, tmp_path):
    """Runs `civicfund ARGS...` against a fresh SQLite file; returns the click Result."""
    monkeypatch.setenv("CIVICFUND_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("CIVICFUND_SECRET_KEY", "cli-test-secret")
    monkeypatch.setenv("CIVICFUND_PASSWORD_HASH", TEST_PASSWORD_METHOD)
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(cli, list(args), catch_exceptions=False)

    return run


@pytest.fixture
def upgraded(civicfund):
    assert civicfund("db", "upgrade").exit_code == 0
    return civicfund


@pytest.fixture
def inspect(sqlite_url):
    """A platform on the same database, to see what the commands did."""
    platforms = []

    def open_platform():
        platforms.append(build_platform(
            Settings(database_url=sqlite_url, password_method=TEST_PASSWORD_METHOD)
        ))
        return platforms[-1]

    yield open_platform
    for platform in platforms:
        platform.close()


def test_db_upgrade_creates_the_schema_and_can_run_again(civicfund):
    first = civicfund("db", "upgrade")
    assert first.exit_code == 0, first.output
    assert migrate.head() in first.output
    again = civicfund("db", "upgrade")
    assert again.exit_code == 0, again.output
    assert migrate.head() in again.output


def test_cities_add_adds_a_city_that_lists_and_reads(upgraded, inspect):
    added = upgraded("cities", "add", "Stavanger", "--currency", "nok", "--country", "NO",
                     "--timezone", "Europe/Oslo")
    assert added.exit_code == 0, added.output
    assert "Added Stavanger (NOK)" in added.output
    city = inspect().read.city_named("stavanger")
    assert (city.name, city.currency, city.country, city.timezone) == (
        "Stavanger", "NOK", "NO", "Europe/Oslo")
    listed = upgraded("cities", "list")
    assert "Stavanger" in listed.output and "NOK" in listed.output


def test_adding_a_city_twice_fails_with_a_clear_message_whatever_the_case(upgraded, inspect):
    assert upgraded("cities", "add", "Porto", "--currency", "EUR", "--country", "PT").exit_code == 0
    again = upgraded("cities", "add", "PORTO", "--currency", "EUR", "--country", "PT")
    assert again.exit_code != 0
    assert "already exists" in again.output
    assert len(inspect().read.cities()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--currency", "XYZ", "--country", "PT"), "not a currency"),
        (("--currency", "EUR", "--country", "Portugal"), "two-letter"),
        (("--currency", "EUR", "--country", "PT", "--timezone", "Mars/Base"), "time zone"),
        (("--currency", "EUR"), "--country"),
    ],
)
def test_a_city_with_bad_details_is_refused_with_a_message(upgraded, inspect, args, message):
    refused = upgraded("cities", "add", "Porto", *args)
    assert refused.exit_code != 0
    assert message in refused.output
    assert inspect().read.cities() == []


def test_users_create_makes_an_account_that_can_log_in(upgraded, inspect):
    created = upgraded("users", "create", "Ana@Example.org", "--role", "citizen",
                       "--password", "long enough pw", "--name", "Ana Lima")
    assert created.exit_code == 0, created.output
    platform = inspect()
    account = platform.accounts.authenticate("ana@example.org", "long enough pw")
    assert (account.name, account.role) == ("Ana Lima", "citizen")
    assert platform.app.get_account(account.id).role == "citizen"


def test_a_city_officer_is_created_for_their_city(upgraded, inspect):
    upgraded("cities", "add", "Dublin", "--currency", "EUR", "--country", "IE")
    created = upgraded("users", "create", "officer@dublin.ie", "--role", "city",
                       "--password", "long enough pw", "--city", "dublin")
    assert created.exit_code == 0, created.output
    platform = inspect()
    account = platform.accounts.by_email("officer@dublin.ie")
    assert account.city_id == platform.read.city_named("Dublin").id
    assert platform.app.get_account(account.id).city_id == account.city_id


def test_a_city_officer_needs_a_city(upgraded, inspect):
    refused = upgraded("users", "create", "officer@example.org", "--role", "city",
                       "--password", "long enough pw")
    assert refused.exit_code != 0
    assert "--city" in refused.output
    assert inspect().accounts.by_email("officer@example.org") is None


def test_a_city_officer_for_an_unknown_city_is_refused(upgraded, inspect):
    refused = upgraded("users", "create", "officer@example.org", "--role", "city",
                       "--password", "long enough pw", "--city", "Atlantis")
    assert refused.exit_code != 0
    assert "No city called 'Atlantis'" in refused.output
    assert inspect().accounts.by_email("officer@example.org") is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("not-an-email", "--role", "citizen", "--password", "long enough pw"), "valid email"),
        (("a@example.org", "--role", "citizen", "--password", "short"), "at least"),
        (("a@example.org", "--role", "wizard", "--password", "long enough pw"), "wizard"),
    ],
)
def test_bad_account_details_are_refused_with_a_message(upgraded, args, message):
    refused = upgraded("users", "create", *args)
    assert refused.exit_code != 0
    assert message in refused.output


def test_creating_the_same_email_twice_is_refused(upgraded, inspect):
    args = ("--role", "citizen", "--password", "long enough pw")
    assert upgraded("users", "create", "ana@example.org", *args).exit_code == 0
    again = upgraded("users", "create", "ANA@example.org", *args)
    assert again.exit_code != 0
    assert "already exists" in again.output
    assert len(inspect().accounts.all()) == 1


def test_users_token_prints_a_token_alone_on_its_last_line_that_authenticates(upgraded, inspect):
    upgraded("users", "create", "ana@example.org", "--role", "auditor",
             "--password", "long enough pw")
    printed = upgraded("users", "token", "ana@example.org")
    assert printed.exit_code == 0, printed.output
    token = printed.output.rstrip("\n").splitlines()[-1]
    assert token == token.strip() and " " not in token and len(token) >= 32
    account = inspect().accounts.by_token(token)
    assert (account.email, account.role) == ("ana@example.org", "auditor")
    # A second token works too, and differs.
    other = upgraded("users", "token", "ana@example.org").output.rstrip("\n").splitlines()[-1]
    assert other != token and inspect().accounts.by_token(other).email == "ana@example.org"


def test_a_token_for_an_unknown_email_is_refused(upgraded):
    refused = upgraded("users", "token", "nobody@example.org")
    assert refused.exit_code != 0
    assert "No account" in refused.output


def test_projections_rebuild_replays_the_log_into_the_same_read_models(upgraded, inspect):
    upgraded("cities", "add", "Porto", "--currency", "EUR", "--country", "PT")
    upgraded("cities", "add", "Miskolc", "--currency", "HUF", "--country", "HU",
             "--timezone", "Europe/Budapest")
    before = inspect().read.cities()

    rebuilt = upgraded("projections", "rebuild")

    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Rebuilt the read models from 2 events" in rebuilt.output
    assert inspect().read.cities() == before
    assert upgraded("projections", "catch-up").output.strip() == "Applied 0 events."


def test_funds_are_set_up_listed_shown_and_closed_from_the_command_line(upgraded, inspect):
    upgraded("cities", "add", "Porto", "--currency", "EUR", "--country", "PT",
             "--timezone", "Europe/Lisbon")
    assert "No matching funds yet." in upgraded("funds", "list").output
    created = upgraded(
        "funds", "create", "--city", "Porto", "--name", "Porto Match",
        "--sponsor", "Porto City Council", "--pool", "5000.00",
        "--closes", "2099-01-01T00:00:00",
        "--rules", '{"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00"}',
        "--theme", "Energy",
    )
    assert created.exit_code == 0, created.output
    fund_id = UUID(created.output.strip().rsplit(" ", 1)[-1])
    fund = inspect().read.matching_fund(fund_id)
    assert (fund.name, fund.pool.display(), fund.themes) == ("Porto Match", "EUR 5,000.00",
                                                             ("Energy",))
    listed = upgraded("funds", "list", "--city", "Porto").output
    assert "Porto Match" in listed and "available EUR 5,000.00" in listed
    shown = upgraded("funds", "show", str(fund_id)).output
    assert "rules v1" in shown and "at most EUR 25.00 per pledge" in shown

    closed = upgraded("funds", "close", str(fund_id))
    assert closed.exit_code == 0, closed.output
    assert "EUR 5,000.00 goes back to the sponsor" in closed.output
    assert inspect().read.matching_fund(fund_id).status == "closed"
    again = upgraded("funds", "close", str(fund_id))
    assert again.exit_code != 0 and "closed" in again.output


@pytest.mark.parametrize("args, message", [
    (("--pool", "0.00", "--rules", '{"kind": "ratio"}'), "more than zero"),
    (("--pool", "10.00", "--rules", '{"kind": "ratio", "factor": "20"}'), "at most 10"),
    (("--pool", "10.00", "--rules", "ratio"), "JSON object"),
    (("--pool", "10.00", "--rules", '{"kind": "ratio", "factor": "1"}', "--opens", "2026-01-01"),
     "cannot open in the past"),
])
def test_a_bad_fund_from_the_command_line_is_refused_and_nothing_is_set_up(
    upgraded, inspect, args, message
):
    upgraded("cities", "add", "Porto", "--currency", "EUR", "--country", "PT")
    refused = upgraded("funds", "create", "--city", "Porto", "--name", "X", "--sponsor", "Y",
                       "--closes", "2099-01-01", *args)
    assert refused.exit_code != 0 and message in refused.output
    assert inspect().read.matching_funds() == []
    assert "No matching fund with id" in upgraded(
        "funds", "show", "00000000-0000-0000-0000-000000000000").output


def test_ledger_audit_replays_the_log_and_agrees_with_the_pages_or_says_what_differs(
    upgraded, inspect
):
    import sqlalchemy as sa

    from adapters import tables as t
    from domain.crowdfunding.project import BudgetLine
    from domain.kernel.context import SYSTEM, Actor, acting_as
    from domain.kernel.money import Money

    upgraded("cities", "add", "Porto", "--currency", "EUR", "--country", "PT")
    created = upgraded(
        "funds", "create", "--city", "Porto", "--name", "Porto Match", "--sponsor", "Council",
        "--pool", "100.00", "--closes", "2099-01-01",
        "--rules", '{"kind": "ratio", "factor": "1"}',
    )
    assert created.exit_code == 0, created.output
    platform = inspect()
    app = platform.app
    city = platform.read.city_named("Porto")
    with acting_as(SYSTEM, "seed"):
        officer = app.register_account("city", city.id)
        citizen = app.register_account("citizen")
    now = app.clock.now()
    with acting_as(Actor(str(officer), "city"), "seed"):
        project = app.draft_project(
            city_id=city.id, area="Baixa", theme="Mobility", title="Counters", summary="Count.",
            proposer="Porto Cycles", budget_lines=[BudgetLine("Counters", Money(10000, "EUR"),
                                                              True)],
            funding_model="all_or_nothing", opens_at=now, closes_at=now.replace(year=2098),
        )
        app.open_campaign(project)
    with acting_as(Actor(str(citizen), "citizen"), "seed"):
        app.make_pledge(project_id=project, citizen_id=citizen, amount=Money(3000, "EUR"),
                        payment_method="pm_card_visa")
    platform.projections.catch_up()

    audited = upgraded("ledger", "audit")
    assert audited.exit_code == 0, audited.output
    assert ("fund Porto Match: pool EUR 100.00, committed EUR 0.00, reserved EUR 30.00, "
            "returned EUR 0.00, available EUR 70.00") in audited.output
    assert "OK: every event balances" in audited.output

    reserved = f"fund/{platform.read.matching_funds()[0].id}/reserved/{project}"
    with platform.engine.begin() as conn:  # a read model that no longer tells the truth
        conn.execute(sa.update(t.ledger_balances)
                     .where(t.ledger_balances.c.account == reserved).values(balance=0))
    tampered = upgraded("ledger", "audit")
    assert tampered.exit_code == 1
    assert (f"DIFFERS  {reserved}: the log says EUR 30.00, the read models EUR 0.00"
            in tampered.output)


def test_departments_are_listed_with_their_lines_figures(upgraded, inspect):
    from domain.kernel.context import SYSTEM, acting_as
    from domain.kernel.money import Money

    upgraded("cities", "add", "Porto", "--currency", "EUR", "--country", "PT",
             "--timezone", "Europe/Lisbon")
    assert "No departments yet." in upgraded("departments", "list").output
    platform = inspect()
    city = platform.read.city_named("Porto")
    with acting_as(SYSTEM, "cli-test"):
        department = platform.app.create_department(city_id=city.id, name="Transport")
        platform.app.add_budget_line(department, name="Active travel", fiscal_year=2026,
                                     amount=Money.parse("5000.00", "EUR"))
    platform.projections.catch_up()
    listed = upgraded("departments", "list", "--city", "Porto").output
    assert "Transport" in listed
    assert "Active travel 2026: amount EUR 5,000.00" in listed
    assert "available EUR 5,000.00" in listed
    audit = upgraded("ledger", "audit")
    assert audit.exit_code == 0, audit.output


def test_users_create_makes_an_evaluator(upgraded, inspect):
    created = upgraded("users", "create", "eva@example.org", "--role", "evaluator",
                       "--password", "long enough pw")
    assert created.exit_code == 0, created.output
    account = inspect().accounts.authenticate("eva@example.org", "long enough pw")
    assert account.role == "evaluator"
