"""Matching funds' read models equal what the fund aggregates say, live and after a rebuild, on
SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import timedelta
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.ledger_audit import audit_ledger
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.conftest import World


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def read_model_rows(platform) -> dict[str, list[tuple]]:
    with platform.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            for table in t.READ_MODELS
        }


class Funded(World):
    """A world with a fund-making officer."""

    def fund(self, city_id: UUID, officer: UUID, rules: dict, *, pool: str = "1000.00",
             name: str = "Porto Match", themes=(), areas=(),
             closes_in: timedelta = timedelta(days=20)) -> UUID:
        with acting_as(Actor(str(officer), "city"), "test-fund"):
            fund_id = self.app.create_matching_fund(
                city_id=city_id, name=name, sponsor="Porto City Council", currency="EUR",
                pool=eur(pool), opens_at=self.clock.now() - timedelta(hours=1),
                closes_at=self.clock.now() + closes_in, themes=list(themes),
                areas=list(areas), rules=parse_rules(rules, "EUR"),
            )
        self.platform.projections.catch_up()
        return fund_id

    def as_officer(self, officer: UUID):
        return acting_as(Actor(str(officer), "city"), "test-officer")

    def cancel(self, pledge_id: UUID) -> None:
        citizen = self.app.get_pledge(pledge_id).citizen_id
        with acting_as(Actor(str(citizen), "citizen"), "test-cancel"):
            self.app.cancel_pledge(pledge_id, citizen_id=citizen)
        self.platform.projections.catch_up()

    def settle(self, project_id: UUID) -> None:
        with acting_as(SYSTEM, "test-settle"):
            self.app.settle(project_id)
        self.platform.projections.catch_up()


def assert_read_models_equal_the_funds(platform, fund_ids: list[UUID],
                                       project_ids: list[UUID]) -> None:
    """Every figure a page shows of a fund, its matches, its projects and its pledges is what
    the fund aggregates hold."""
    read, app = platform.read, platform.app
    # The auditor's replay of the log into the ledger agrees with the read models.
    audit = audit_ledger(app, platform.engine)
    assert audit.ok, (audit.problems, audit.differences)
    for fund_id in fund_ids:
        fund = app.get_matching_fund(fund_id)
        view = read.matching_fund(fund_id)
        assert (view.pool, view.committed, view.reserved, view.returned, view.available) == (
            fund.money(fund.pool), fund.money(fund.committed), fund.money(fund.reserved),
            fund.money(fund.returned), fund.money(fund.available),
        ), fund.name
        assert (view.status, view.rule_version, view.kind) == (
            fund.status, fund.current.version, fund.current.rules.kind)
        assert view.rules == fund.current.rules.as_dict()
        assert view.rules_text == fund.current.rules.describe("EUR")
        assert [(v.version, v.rules, v.effective_from) for v in read.fund_rule_versions(fund_id)] \
            == [(v.version, v.rules.as_dict(), v.effective_from) for v in fund.rule_versions]
        live = [m for m in [*fund.matches.values(), *fund.grants.values()]
                if m.state != "released"]
        expected = {}
        for match in live:
            reserved, committed, count = expected.get(match.project_id, (0, 0, 0))
            if match.state == "reserved":
                reserved += match.amount
            else:
                committed += match.amount
            expected[match.project_id] = (reserved, committed, count + 1)
        assert {
            p.project_id: (p.reserved.minor, p.committed.minor, p.matches)
            for p in read.fund_projects(fund_id)
        } == expected
        with platform.engine.connect() as conn:
            rows = {
                (r.pledge_id, r.project_id): (r.amount, r.state, r.rule_version, r.reason)
                for r in conn.execute(sa.select(t.matches).where(t.matches.c.fund_id == fund_id))
            }
        assert rows == {
            (m.pledge_id, m.project_id): (m.amount, m.state, m.rule_version, m.reason)
            for m in [*fund.matches.values(), *fund.grants.values()]
        }
    for project_id in project_ids:
        project = app.get_project(project_id)
        view = read.project(project_id)
        assert view.matched == app.matched_on(project)
        assert view.total == view.raised + view.matched
        stack = {part.fund_id: part.amount.minor for part in read.capital_stack(project_id)}
        assert stack == {
            fund_id: app.get_matching_fund(fund_id).matched_on(project_id)
            for fund_id in fund_ids if app.get_matching_fund(fund_id).matched_on(project_id)
        }
        for pledge in read.pledges_of_project(project_id):
            held = 0
            for fund_id in fund_ids:
                match = app.get_matching_fund(fund_id).matches.get(pledge.id)
                held += match.amount if match and match.state != "released" else 0
            assert pledge.matched.minor == held


def assert_a_rebuild_changes_nothing(platform) -> None:
    before = read_model_rows(platform)
    platform.projections.rebuild()
    assert read_model_rows(platform) == before


def test_a_ratio_fund_follows_pledges_cancellations_and_a_funded_settlement(any_platform, clock):
    world = Funded(any_platform, clock)
    city = world.city("Porto")
    officer = world.officer(city)
    project = world.project(city, officer, lines=(("Sensors", "80.00", True),),
                            closes_in=timedelta(days=2))
    fund = world.fund(city, officer, {"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00"})
    ana, ben = world.citizen(), world.citizen()

    small = world.pledge(project, ana, "10.00")
    large = world.pledge(project, ben, "40.00")
    cancelled = world.pledge(project, ana, "5.00")

    view = any_platform.read.matching_fund(fund)
    assert (view.reserved, view.available) == (eur("40.00"), eur("960.00"))
    assert any_platform.read.pledge(small).matched == eur("10.00")
    assert any_platform.read.pledge(large).matched == eur("25.00")
    assert any_platform.read.project(project).total == eur("95.00")
    world.cancel(cancelled)
    assert any_platform.read.pledge(cancelled).matched == eur("0.00")
    assert any_platform.read.project(project).matched == eur("35.00")
    assert_read_models_equal_the_funds(any_platform, [fund], [project])

    clock.advance(days=3)
    world.settle(project)

    view = any_platform.read.matching_fund(fund)
    assert (view.committed, view.reserved) == (eur("35.00"), eur("0.00"))
    assert any_platform.read.project(project).status == "funded"  # 50 + 35 >= 80
    assert [p.committed for p in any_platform.read.fund_projects(fund)] == [eur("35.00")]
    assert_read_models_equal_the_funds(any_platform, [fund], [project])
    assert_a_rebuild_changes_nothing(any_platform)
    assert_read_models_equal_the_funds(any_platform, [fund], [project])


def test_an_unfunded_project_releases_its_matches_and_closing_returns_the_rest(any_platform,
                                                                              clock):
    world = Funded(any_platform, clock)
    city = world.city("Porto")
    officer = world.officer(city)
    doomed = world.project(city, officer, title="Doomed", closes_in=timedelta(days=2))
    other = world.project(city, officer, title="Other", closes_in=timedelta(days=30))
    first = world.fund(city, officer, {"kind": "ratio", "factor": "2", "cap_per_pledge": "30.00"},
                       pool="100.00", name="First")
    second = world.fund(city, officer, {"kind": "ratio", "factor": "1"}, pool="50.00",
                        name="Second")
    citizens = [world.citizen() for _ in range(3)]
    world.pledge(doomed, citizens[0], "20.00")
    world.pledge(other, citizens[1], "10.00")
    world.pledge(other, citizens[2], "45.00")

    assert [p.fund_name for p in any_platform.read.capital_stack(other)] == ["First", "Second"]
    assert [f.name for f in any_platform.read.matching_funds(city)] == ["First", "Second"]
    assert [f.position for f in any_platform.read.matching_funds(city)] == [1, 2]
    assert_read_models_equal_the_funds(any_platform, [first, second], [doomed, other])

    clock.advance(days=3)
    world.settle(doomed)
    assert any_platform.read.project(doomed).status == "unfunded"
    assert any_platform.read.project(doomed).matched == eur("0.00")
    assert_read_models_equal_the_funds(any_platform, [first, second], [doomed, other])

    with world.as_officer(officer):
        world.app.top_up_matching_fund(second, eur("25.00"))
        world.app.amend_matching_rules(second, parse_rules({"kind": "ratio", "factor": "0.5"},
                                                           "EUR"))
        returned = world.app.close_matching_fund(first)
    any_platform.projections.catch_up()

    view = any_platform.read.matching_fund(first)
    assert (view.status, view.returned) == ("closed", returned)
    assert view.available == eur("0.00")
    versions = any_platform.read.fund_rule_versions(second)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].rules_text == "Adds 0.5 for every 1 pledged."
    assert any_platform.read.matching_fund(second).pool == eur("75.00")
    # A match released after the close goes back to the sponsor.
    with world.as_officer(officer):
        world.app.cancel_project(other, reason="The site is gone")
    any_platform.projections.catch_up()
    assert any_platform.read.matching_fund(first).returned == eur("100.00")
    assert_read_models_equal_the_funds(any_platform, [first, second], [doomed, other])
    assert_a_rebuild_changes_nothing(any_platform)
    assert_read_models_equal_the_funds(any_platform, [first, second], [doomed, other])


def test_a_threshold_fund_and_a_fixed_grant_follow_the_outcome(any_platform, clock):
    world = Funded(any_platform, clock)
    city = world.city("Porto")
    officer = world.officer(city)
    project = world.project(city, officer, lines=(("Sensors", "100.00", True),),
                            closes_in=timedelta(days=2))
    threshold = world.fund(city, officer, {"kind": "threshold", "factor": "1", "min_backers": 3,
                                           "match_earlier": True}, name="Threshold")
    grant = world.fund(city, officer, {"kind": "fixed_grant", "grant": "40.00",
                                       "min_backers": 2}, name="Grant")
    pledges = [world.pledge(project, world.citizen(), "10.00") for _ in range(2)]
    assert [any_platform.read.pledge(p).matched for p in pledges] == [eur("0.00")] * 2
    assert any_platform.read.matching_fund(grant).reserved == eur("40.00")

    pledges.append(world.pledge(project, world.citizen(), "10.00"))  # unlocks: all three matched
    assert [any_platform.read.pledge(p).matched for p in pledges] == [eur("10.00")] * 3
    assert [(p.fund_name, p.amount) for p in any_platform.read.capital_stack(project)] == [
        ("Threshold", eur("30.00")), ("Grant", eur("40.00"))]
    assert any_platform.read.project(project).total == eur("100.00")
    assert_read_models_equal_the_funds(any_platform, [threshold, grant], [project])

    clock.advance(days=3)
    world.settle(project)  # 30 + 30 + 40 reach the minimum of 100
    assert any_platform.read.project(project).status == "funded"
    view = any_platform.read.matching_fund(grant)
    assert (view.reserved, view.committed) == (eur("0.00"), eur("40.00"))
    assert_read_models_equal_the_funds(any_platform, [threshold, grant], [project])

    # Cancelled after it was funded: the crowd is refunded and the committed matches go back.
    with world.as_officer(officer):
        world.app.cancel_project(project, reason="The site is gone")
    any_platform.projections.catch_up()
    assert any_platform.read.matching_fund(threshold).committed == eur("0.00")
    assert any_platform.read.matching_fund(threshold).available == eur("1000.00")
    assert any_platform.read.matching_fund(grant).available == eur("1000.00")
    assert any_platform.read.project(project).matched == eur("0.00")
    assert any_platform.read.project(project).matched.minor == \
        any_platform.app.matched_on(any_platform.app.get_project(project)).minor
    assert_read_models_equal_the_funds(any_platform, [threshold, grant], [project])
    assert_a_rebuild_changes_nothing(any_platform)
    assert_read_models_equal_the_funds(any_platform, [threshold, grant], [project])


def test_the_worker_closes_a_quadratic_round_and_its_shares_become_grants(any_platform, clock):
    from adapters.settlement_rounds import settle_due

    world = Funded(any_platform, clock)
    city = world.city("Porto")
    officer = world.officer(city)
    popular = world.project(city, officer, title="Popular", closes_in=timedelta(days=30))
    single = world.project(city, officer, title="Single", closes_in=timedelta(days=30))
    fund = world.fund(city, officer, {"kind": "quadratic"}, pool="100.00",
                      closes_in=timedelta(days=10))
    for _ in range(4):  # four backers of EUR 1: ideal (4 x 1)^2 - 4 = EUR 12
        world.pledge(popular, world.citizen(), "1.00")
    world.pledge(single, world.citizen(), "4.00")  # one backer: ideal 0

    settle_due(any_platform.app, any_platform.engine, any_platform.projections)
    assert any_platform.read.matching_fund(fund).status == "open"  # not due yet

    clock.advance(days=11)
    settle_due(any_platform.app, any_platform.engine, any_platform.projections)

    view = any_platform.read.matching_fund(fund)
    assert (view.status, view.reserved, view.returned, view.available) == (
        "closed", eur("12.00"), eur("88.00"), eur("0.00"))
    assert [(p.title, p.reserved, p.matches) for p in any_platform.read.fund_projects(fund)] == [
        ("Popular", eur("12.00"), 1)]
    assert any_platform.read.project(popular).matched == eur("12.00")
    with any_platform.engine.connect() as conn:
        kinds = conn.execute(sa.select(t.matches.c.kind)).scalars().all()
    assert kinds == ["quadratic"]
    assert_read_models_equal_the_funds(any_platform, [fund], [popular, single])
    assert_a_rebuild_changes_nothing(any_platform)


def test_random_pledges_cancellations_failures_and_closes_keep_the_read_models_exact(
    any_platform, clock,
):
    world = Funded(any_platform, clock)
    rng = random.Random(4)
    city = world.city("Porto")
    officer = world.officer(city)
    projects = [
        world.project(city, officer, title=f"Pilot {n}", lines=(("Kit", f"{m}.00", True),),
                      closes_in=timedelta(days=days))
        for n, (m, days) in enumerate([(60, 2), (400, 2), (90, 30)])
    ]
    funds = [
        world.fund(city, officer, {"kind": "ratio", "factor": "1", "cap_per_pledge": "15.00",
                                   "one_per_backer": True}, pool="80.00", name="Small"),
        world.fund(city, officer, {"kind": "threshold", "factor": "0.5", "min_backers": 2,
                                   "match_earlier": True, "cap_per_project": "40.00"},
                   pool="100.00", name="Threshold"),
        world.fund(city, officer, {"kind": "fixed_grant", "grant": "25.00", "min_percent": 30},
                   pool="60.00", name="Grant"),
    ]
    citizens = [world.citizen() for _ in range(5)]
    live: list[UUID] = []
    for _ in range(40):
        if live and rng.random() < 0.25:
            world.cancel(live.pop(rng.randrange(len(live))))
        else:
            card = "pm_card_chargeCustomerFail" if rng.random() < 0.2 else "pm_card_visa"
            live.append(world.pledge(rng.choice(projects), rng.choice(citizens),
                                     f"{rng.randint(1, 30)}.{rng.randint(0, 99):02d}", card))
        if rng.random() < 0.1:
            with world.as_officer(officer):
                world.app.top_up_matching_fund(rng.choice(funds), eur("5.00"))
    any_platform.projections.catch_up()
    assert_read_models_equal_the_funds(any_platform, funds, projects)

    clock.advance(days=3)
    for project in projects[:2]:
        world.settle(project)
    with world.as_officer(officer):
        world.app.close_matching_fund(funds[0])
    any_platform.projections.catch_up()
    assert_read_models_equal_the_funds(any_platform, funds, projects)

    clock.advance(days=8)  # failed cards' fix windows end: their pledges are dropped
    for project in projects[:2]:
        world.settle(project)
    for pledge_id in [p.id for p in any_platform.read.pledges_of_project(projects[0])]:
        with acting_as(SYSTEM, "test-drop"):
            world.app.drop_unpaid(pledge_id)
    any_platform.projections.catch_up()
    assert_read_models_equal_the_funds(any_platform, funds, projects)
    assert_a_rebuild_changes_nothing(any_platform)
    assert_read_models_equal_the_funds(any_platform, funds, projects)
