"""The demo data: loaded once through the real use cases, and usable with its printed passwords."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from click.testing import CliRunner

from domain.kernel.clock import FixedClock
from domain.kernel.context import ROLES, SYSTEM, acting_as
from tests.conftest import START, make_platform
from web.demo import CITIES, DEMO_PASSWORDS, load_demo


@pytest.fixture(scope="module")
def demo_platform(tmp_path_factory):
    """One platform with the demo loaded, shared by the tests that only read it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'civicfund.sqlite3'}"
    platform = make_platform(url, FixedClock(START))
    assert load_demo(platform) is True
    yield platform
    platform.close()


def event_count(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def test_loading_the_demo_twice_adds_nothing_the_second_time(any_platform):
    assert load_demo(any_platform) is True
    events = event_count(any_platform)
    accounts = len(any_platform.accounts.all())

    assert load_demo(any_platform) is False

    assert event_count(any_platform) == events
    assert len(any_platform.accounts.all()) == accounts


def test_the_demo_has_cities_pilots_and_pledges_in_progress(demo_platform):
    cities = demo_platform.read.cities()
    projects = demo_platform.read.projects(include_drafts=True)
    open_projects = [p for p in projects if p.status == "open"]
    assert len(cities) >= 7
    assert {c.name for c in cities} >= {"Manchester", "Dublin", "Porto", "Eindhoven",
                                        "Stavanger", "Zagreb", "Miskolc"}
    assert len(projects) >= 10
    assert any(p.status == "draft" for p in projects)
    assert demo_platform.read.totals()["live_pledges"] > 0
    now = demo_platform.clock.now()
    assert all(p.is_taking_pledges(now) for p in open_projects)
    partly_filled = [p for p in open_projects if 0 < p.percent_of_minimum < 100]
    assert len(partly_filled) >= 5
    assert all(p.optimum >= p.minimum for p in projects)


def test_every_pilot_is_in_its_citys_currency(demo_platform):
    currency_of = {c.id: c.currency for c in demo_platform.read.cities()}
    for project in demo_platform.read.projects(include_drafts=True):
        assert project.currency == currency_of[project.city_id], project.title
        assert all(line.amount.currency == project.currency for line in project.budget_lines)
    expected = {c.name: (c.currency, c.timezone) for c in CITIES}
    for city in demo_platform.read.cities():
        assert (city.currency, city.timezone) == expected[city.name]


def test_one_demo_account_per_role_signs_in_with_its_printed_password(demo_platform):
    signed_in_roles = set()
    for email, password, role in DEMO_PASSWORDS:
        account = demo_platform.accounts.authenticate(email, password)
        assert account is not None, email
        assert account.role == role
        assert len(password) >= 8
        signed_in_roles.add(role)
    assert signed_in_roles == set(ROLES)
    for email, _, role in DEMO_PASSWORDS:
        if role == "city":
            assert demo_platform.accounts.by_email(email).city_id is not None, email


def test_the_demo_proposer_delivers_a_pilot_and_has_reported_on_it(demo_platform):
    # The first proposer printed (one account per role comes first); the second one is
    # Manchester call's winner, whose pilot is in tests below.
    proposers = [email for email, _, role in DEMO_PASSWORDS if role == "proposer"]
    assert len(proposers) == 2
    proposer = demo_platform.accounts.by_email(proposers[0])

    delivered = demo_platform.read.projects_delivered_by(proposer.id)

    assert len(delivered) == 1
    assert delivered[0].status == "open"
    assert demo_platform.read.updates(delivered[0].id)


def test_civicfund_demo_without_serving_loads_once_and_prints_the_accounts(tmp_path, monkeypatch):
    from web.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIVICFUND_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    monkeypatch.setenv("CIVICFUND_SECRET_KEY", "demo-test-secret")
    runner = CliRunner()

    first = runner.invoke(cli, ["demo", "--no-serve"])
    second = runner.invoke(cli, ["demo", "--no-serve"])

    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    assert second.exit_code == 0, second.output
    assert "nothing added" in second.output
    for email, password, _ in DEMO_PASSWORDS:
        assert email in first.output and password in first.output


def test_the_demo_has_a_ratio_matching_fund_in_porto_that_matched_its_pledges(demo_platform):
    porto = demo_platform.read.city_named("Porto")
    [fund] = demo_platform.read.matching_funds(porto.id)
    assert fund.kind == "ratio" and fund.status == "open"
    assert fund.reserved.is_positive()
    assert fund.pool == fund.committed + fund.reserved + fund.returned + fund.available
    matched = [p for p in demo_platform.read.projects(city_id=porto.id) if p.matched.is_positive()]
    assert matched, "no Porto pilot shows a match"
    assert all(p.total == p.raised + p.matched for p in matched)
    assert {p.id for p in matched} == {row.project_id for row in
                                       demo_platform.read.fund_projects(fund.id)}


def test_a_pilot_page_reads_its_milestones_updates_and_funds_in_one_statement(any_platform):
    """The page's single query gives the same lists, in the same order, as the lists read one by
    one, on both databases (dates, and what each fund holds, included)."""
    load_demo(any_platform)
    read = any_platform.read
    updated = next(p for p in read.projects(include_drafts=True) if read.updates(p.id))
    now = any_platform.clock.now()
    with acting_as(SYSTEM, "test"):
        for days, title in ((30, "Sensors installed"), (10, "Sites surveyed")):
            any_platform.app.plan_milestone(updated.id, title=title, due=now + timedelta(days))
    any_platform.projections.catch_up()
    seen_milestones = seen_updates = seen_held = 0
    for project in read.projects(include_drafts=True):
        page = read.project_page(project.id)
        assert page.project == read.project(project.id)
        assert page.milestones == read.milestones(project.id)
        assert page.updates == read.updates(project.id)
        assert page.funds == read.project_funds(project.id, project.city_id)
        seen_milestones += len(page.milestones)
        seen_updates += len(page.updates)
        seen_held += sum(fund.held.minor for fund in page.funds)
    assert seen_milestones == 2 and seen_updates and seen_held
    assert read.project_page(uuid4()) is None
