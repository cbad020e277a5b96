"""Read models follow the log exactly once on SQLite and PostgreSQL; rebuilds match live rows."""

from __future__ import annotations

import random
import threading
from datetime import timedelta
from uuid import UUID

import sqlalchemy as sa

from adapters import tables as t
from adapters.follower import ProjectionFollower
from domain.crowdfunding.project import MAX_BUDGET_LINE_MAJOR, MAX_BUDGET_LINES
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World


def read_model_rows(platform) -> dict[str, list[tuple]]:
    """Every row of every read-model table, in a stable order."""
    with platform.engine.connect() as conn:
        return {
            table.name: sorted((tuple(row) for row in conn.execute(sa.select(table))), key=repr)
            for table in t.READ_MODELS
        }


def pledge_quietly(platform, project_id: UUID, citizen_id: UUID, amount: str) -> UUID:
    """Make a pledge without bringing the read models up to date."""
    currency = platform.app.get_project(project_id).currency
    with acting_as(Actor(str(citizen_id), "citizen")):
        return platform.app.make_pledge(project_id=project_id, citizen_id=citizen_id,
                                        amount=Money.parse(amount, currency),
                                        payment_method="pm_card_visa")


def cancel_quietly(platform, pledge_id: UUID, citizen_id: UUID) -> None:
    with acting_as(Actor(str(citizen_id), "citizen")):
        platform.app.cancel_pledge(pledge_id, citizen_id=citizen_id)


def last_notification_id(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def test_raised_backers_and_pledge_count_follow_pledges_and_cancellations(any_platform, clock):
    world = World(any_platform, clock)
    city_id = world.city("Porto")
    project_id = world.project(city_id, world.officer(city_id))
    ana, ben = world.citizen(), world.citizen()

    def figures():
        view = any_platform.read.project(project_id)
        return view.raised.to_decimal_string(), view.backers, view.pledge_count

    assert figures() == ("0.00", 0, 0)
    first = world.pledge(project_id, ana, "25.00")
    assert figures() == ("25.00", 1, 1)
    second = world.pledge(project_id, ana, "10.50")
    assert figures() == ("35.50", 1, 2)  # two pledges by one citizen: one backer
    world.pledge(project_id, ben, "4.50")
    assert figures() == ("40.00", 2, 3)

    cancel_quietly(any_platform, first, ana)
    any_platform.projections.catch_up()
    assert figures() == ("15.00", 2, 2)  # Ana still backs it with her second pledge
    cancel_quietly(any_platform, second, ana)
    any_platform.projections.catch_up()
    assert figures() == ("4.50", 1, 1)
    assert [p.status for p in any_platform.read.pledges_of(ana)] == ["cancelled", "cancelled"]

    world.pledge(project_id, ana, "1.00")
    assert figures() == ("5.50", 2, 2)


def test_read_models_show_cities_projects_and_pledges_as_recorded(any_platform, clock):
    world = World(any_platform, clock)
    city_id = world.city("Stavanger", "NOK", "NO", "Europe/Oslo")
    officer = world.officer(city_id)
    draft = world.project(city_id, officer, title="Harbour sensors", open_campaign=False)
    project_id = world.project(city_id, officer, title="Ferry app",
                               lines=(("App", "9000.00", True), ("Kiosks", "1000.00", False)))
    citizen = world.citizen()
    pledge_id = world.pledge(project_id, citizen, "250.00")

    assert [c.name for c in any_platform.read.cities()] == ["Stavanger"]
    assert any_platform.read.project(draft).status == "draft"
    assert draft not in {p.id for p in any_platform.read.projects()}
    assert draft in {p.id for p in any_platform.read.projects(include_drafts=True)}
    view = any_platform.read.project(project_id)
    assert (view.status, view.city_name, view.currency) == ("open", "Stavanger", "NOK")
    assert view.minimum.display() == "NOK 9,000.00"
    assert view.optimum.display() == "NOK 10,000.00"
    pledge = any_platform.read.pledge(pledge_id)
    assert (pledge.amount.display(), pledge.status, pledge.project_title) == (
        "NOK 250.00", "authorised", "Ferry app")
    assert any_platform.read.totals() == {"open_projects": 1, "live_pledges": 1, "cities": 1}


def test_the_largest_budget_a_project_may_have_fits_the_read_models(any_platform, clock):
    world = World(any_platform, clock)
    city_id = world.city("Porto")
    biggest = f"{MAX_BUDGET_LINE_MAJOR}.00"
    project_id = world.project(
        city_id, world.officer(city_id),
        lines=tuple((f"Line {i}", biggest, True) for i in range(MAX_BUDGET_LINES)),
    )
    view = any_platform.read.project(project_id)
    assert view.optimum == Money.parse(f"{MAX_BUDGET_LINE_MAJOR * MAX_BUDGET_LINES}", "EUR")


def test_catching_up_again_applies_nothing_twice(any_platform, clock):
    world = World(any_platform, clock)
    city_id = world.city("Porto")
    project_id = world.project(city_id, world.officer(city_id))
    citizen = world.citizen()
    any_platform.projections.catch_up()
    for _ in range(5):
        pledge_quietly(any_platform, project_id, citizen, "2.00")

    assert any_platform.projections.catch_up() == 10  # 5 x (made, authorised)
    rows = read_model_rows(any_platform)
    for _ in range(3):
        assert any_platform.projections.catch_up() == 0
    assert read_model_rows(any_platform) == rows
    assert any_platform.read.project(project_id).raised.to_decimal_string() == "10.00"
    assert any_platform.projections.position() == last_notification_id(any_platform)


def test_two_followers_catching_up_at_once_never_double_count(any_platform, clock):
    world = World(any_platform, clock)
    city_id = world.city("Porto")
    project_id = world.project(city_id, world.officer(city_id))
    citizens = [world.citizen() for _ in range(4)]
    any_platform.projections.catch_up()
    followers = [ProjectionFollower(any_platform.app, any_platform.engine) for _ in range(2)]
    applied: list[int] = []
    errors: list[BaseException] = []

    def follow(follower: ProjectionFollower, rounds: int) -> None:
        try:
            for _ in range(rounds):
                applied.append(follower.catch_up())
        except BaseException as error:  # reported below
            errors.append(error)

    expected = 0
    for round_ in range(6):
        for citizen in citizens:
            pledge_quietly(any_platform, project_id, citizen, "3.00")
            expected += 300
        threads = [threading.Thread(target=follow, args=(f, 3)) for f in followers]
        threads += [threading.Thread(target=follow, args=(any_platform.projections, 2))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        view = any_platform.read.project(project_id)
        assert view.raised.minor == expected, f"round {round_}"
        assert view.pledge_count == expected // 300
        assert view.backers == len(citizens)

    assert sum(applied) == 6 * len(citizens) * 2  # each event applied by exactly one follower
    assert any_platform.projections.position() == last_notification_id(any_platform)


def test_a_rebuild_produces_exactly_the_live_rows(any_platform, clock):
    world = World(any_platform, clock)
    rng = random.Random(2026)
    cities = [world.city("Porto"), world.city("Stavanger", "NOK", "NO", "Europe/Oslo"),
              world.city("Miskolc", "HUF", "HU", "Europe/Budapest")]
    projects = []
    for number, city_id in enumerate(cities):
        officer = world.officer(city_id)
        for title in ("Sensors", "Benches", "Lighting"):
            projects.append(world.project(
                city_id, officer, title=f"{title} {number}",
                closes_in=timedelta(days=rng.choice([3, 20, 45])),
                funding_model=rng.choice(["all_or_nothing", "keep_what_you_raise"]),
            ))
        world.project(city_id, officer, title=f"Draft {number}", open_campaign=False)
    citizens = [world.citizen() for _ in range(8)]
    live: list[tuple[UUID, UUID]] = []
    made: dict[UUID, tuple[UUID, int]] = {}  # pledge -> (project, minor units)
    for _ in range(90):
        if live and rng.random() < 0.25:
            pledge_id, citizen = live.pop(rng.randrange(len(live)))
            cancel_quietly(any_platform, pledge_id, citizen)
        else:
            citizen, project_id = rng.choice(citizens), rng.choice(projects)
            amount = f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}"
            pledge_id = pledge_quietly(any_platform, project_id, citizen, amount)
            made[pledge_id] = (project_id, Money.parse(amount, "EUR").minor)
            live.append((pledge_id, citizen))
    any_platform.projections.catch_up()
    before = read_model_rows(any_platform)
    assert len(before["rm_pledges"]) == 90 - (90 - len(live)) // 2

    replayed = any_platform.projections.rebuild()

    assert replayed == len(any_platform.app.recorder.select_notifications(1, 100_000))
    assert read_model_rows(any_platform) == before
    assert any_platform.projections.catch_up() == 0
    # The rebuilt figures are the sums of the live pledges.
    for project_id in projects:
        view = any_platform.read.project(project_id)
        mine = [made[p][1] for p, _ in live if made[p][0] == project_id]
        assert (view.raised.minor, view.pledge_count) == (sum(mine), len(mine))


def test_a_rebuild_while_pledges_keep_arriving_finishes_and_loses_nothing(any_platform, clock):
    world = World(any_platform, clock)
    city = world.city()
    project = world.project(city, world.officer(city))
    citizens = [world.citizen() for _ in range(3)]
    for citizen in citizens:
        pledge_quietly(any_platform, project, citizen, "5.00")
    any_platform.projections.catch_up()

    errors: list[BaseException] = []

    def keep_pledging() -> None:
        try:
            for i in range(30):
                pledge_quietly(any_platform, project, citizens[i % 3], "1.00")
        except BaseException as error:  # reported below
            errors.append(error)

    pledger = threading.Thread(target=keep_pledging)
    pledger.start()
    for _ in range(3):
        any_platform.projections.rebuild()
    pledger.join(timeout=120)
    any_platform.projections.catch_up()

    assert errors == []
    assert any_platform.read.project(project).raised == Money.parse("45.00", "EUR")
    assert any_platform.read.project(project).pledge_count == 33


def test_figures_and_mail_do_not_depend_on_how_the_log_is_batched(any_platform, clock):
    """A batch holds pledge writes back and writes them together: caught up at random moments
    (pledges made, authorised and cancelled in one batch or across several), every figure and
    every confirmation is what a single rebuild gives, and what the live pledges add up to."""
    world = World(any_platform, clock)
    rng = random.Random(10)
    city_id = world.city("Porto")
    officer = world.officer(city_id)
    projects = [world.project(city_id, officer, title=f"Pilot {n}") for n in range(3)]
    citizens = [world.citizen() for _ in range(4)]
    live: list[tuple[UUID, UUID, UUID, int]] = []  # pledge, citizen, project, minor units
    made: list[UUID] = []
    for _ in range(60):
        if live and rng.random() < 0.3:
            pledge_id, citizen, _, _ = live.pop(rng.randrange(len(live)))
            cancel_quietly(any_platform, pledge_id, citizen)
        else:
            citizen, project_id = rng.choice(citizens), rng.choice(projects)
            minor = rng.randint(100, 9_999)
            pledge_id = pledge_quietly(any_platform, project_id, citizen,
                                       f"{minor // 100}.{minor % 100:02d}")
            made.append(pledge_id)
            live.append((pledge_id, citizen, project_id, minor))
        if rng.random() < 0.3:
            any_platform.projections.catch_up()
    any_platform.projections.catch_up()
    batched = read_model_rows(any_platform)

    for project_id in projects:
        view = any_platform.read.project(project_id)
        mine = [(citizen, minor) for _, citizen, project, minor in live if project == project_id]
        assert (view.raised.minor, view.pledge_count, view.backers) == (
            sum(minor for _, minor in mine), len(mine), len({citizen for citizen, _ in mine}))
    confirmations = [m for m in any_platform.outbox.messages(limit=1000)
                     if m.kind == "confirmation"]
    assert sorted(m.pledge_id for m in confirmations) == sorted(made)
    for pledge_id in made:
        pledge = any_platform.read.pledge(pledge_id)
        [message] = [m for m in confirmations if m.pledge_id == pledge_id]
        assert message.account_id == pledge.citizen_id
        assert pledge.amount.display() in message.subject

    any_platform.projections.rebuild()
    assert read_model_rows(any_platform) == batched
