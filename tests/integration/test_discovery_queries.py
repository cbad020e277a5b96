"""Search, sorting and area totals over the read models, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters.queries import SORTS
from domain.crowdfunding.project import BudgetLine
from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import World


def draft(world: World, city_id, officer_id, *, title: str, summary: str = "A pilot.",
          area: str = "Centre", proposer: str = "Friends of the Park",
          minimum: str = "1000.00", closes_in_days: int = 30, opens: bool = True):
    with acting_as(Actor(str(officer_id), "city"), "test-seed"):
        project_id = world.app.draft_project(
            city_id=city_id, area=area, theme="Mobility", title=title, summary=summary,
            proposer=proposer, budget_lines=[BudgetLine("Kit", Money.parse(minimum, "EUR"))],
            funding_model="all_or_nothing", opens_at=world.clock.now() - timedelta(hours=1),
            closes_at=world.clock.now() + timedelta(days=closes_in_days),
        )
        if opens:
            world.app.open_campaign(project_id)
    world.platform.projections.catch_up()
    return project_id


@pytest.fixture
def seeded(any_platform, clock):
    world = World(any_platform, clock)
    porto = world.city("Porto")
    officer = world.officer(porto)
    ids = {
        "air": draft(world, porto, officer, title="Air quality sensors",
                     summary="PM2.5 readings published every minute.", area="Bonfim",
                     proposer="Ar Limpo Associação", closes_in_days=10),
        "bikes": draft(world, porto, officer, title="Smart bike lanes",
                       summary="Counting cyclists on the Praça da República.", area="Cedofeita",
                       closes_in_days=20),
        "lights": draft(world, porto, officer, title="Street lights that dim",
                        summary="Lights dim when nobody walks past.", area="Bonfim",
                        minimum="500.00", closes_in_days=5),
    }
    return world, porto, ids


def titles(projects) -> list[str]:
    return [p.title for p in projects]


def test_search_finds_words_in_titles_summaries_areas_and_proposers(seeded):
    world, _, _ = seeded
    read = world.platform.read
    assert titles(read.projects(search="sensors")) == ["Air quality sensors"]
    assert titles(read.projects(search="cyclists")) == ["Smart bike lanes"]
    assert set(titles(read.projects(search="bonfim"))) == {"Air quality sensors",
                                                           "Street lights that dim"}
    assert titles(read.projects(search="Limpo")) == ["Air quality sensors"]
    # Word starts, any case, accents or not, every word required.
    assert titles(read.projects(search="sens")) == ["Air quality sensors"]
    assert titles(read.projects(search="praca")) == ["Smart bike lanes"]
    assert titles(read.projects(search="ASSOCIACAO air")) == ["Air quality sensors"]
    assert read.projects(search="sensors cyclists") == []


ALL = {"Air quality sensors", "Smart bike lanes", "Street lights that dim"}


@pytest.mark.parametrize(("text", "expected"), [
    ('sensors" OR "bike', set()), ("sensors OR bike", set()), ("sensors AND NOT bike", set()),
    ("sens* NEAR(bike)", set()), ("' OR 1=1 --", set()),
    ("'); DROP TABLE rm_projects; --", set()), ("sensors & !bike", set()),
    ("sensors:*", {"Air quality sensors"}), ("^sensors", {"Air quality sensors"}),
    ("title:sensors", set()), ("sensors -bike", set()), ("NULL", set()),
    # No words at all: no search, every pilot.
    ("(((", ALL), ('"', ALL), ("%", ALL), ("_", ALL), ("*", ALL),
])
def test_operators_quotes_and_sql_are_plain_words(seeded, text, expected):
    world, _, _ = seeded
    assert set(titles(world.platform.read.projects(search=text))) == expected
    # Nothing was broken: every pilot is still listed.
    assert set(titles(world.platform.read.projects())) == ALL


def test_a_quoted_phrase_searches_its_words(seeded):
    world, _, _ = seeded
    assert titles(world.platform.read.projects(search='"air quality"')) == [
        "Air quality sensors"]


def test_search_combines_with_filters_sorting_and_paging(seeded):
    world, porto, _ = seeded
    read = world.platform.read
    assert titles(read.projects(search="bonfim", sort="ending_soon")) == [
        "Street lights that dim", "Air quality sensors"]
    assert titles(read.projects(search="bonfim", sort="ending_soon", limit=1, offset=1)) == [
        "Air quality sensors"]
    assert read.projects(search="bonfim", status="funded") == []
    lisbon = world.city("Lisbon")
    assert read.projects(search="bonfim", city_id=lisbon) == []
    assert len(read.projects(search="bonfim", city_id=porto)) == 2


def test_sorts(seeded):
    world, porto, ids = seeded
    read = world.platform.read
    citizens = [world.citizen() for _ in range(3)]
    for citizen in citizens:
        world.pledge(ids["bikes"], citizen, "100.00")        # 300 of 1000: 30%
    world.pledge(ids["lights"], citizens[0], "400.00")      # 400 of 500: 80%
    world.pledge(ids["air"], citizens[1], "50.00")          # 50 of 1000: 5%
    assert titles(read.projects(sort="ending_soon")) == [
        "Street lights that dim", "Air quality sensors", "Smart bike lanes"]
    assert titles(read.projects(sort="most_backed"))[0] == "Smart bike lanes"
    assert titles(read.projects(sort="closest_to_minimum")) == [
        "Street lights that dim", "Smart bike lanes", "Air quality sensors"]
    world.clock.advance(minutes=5)
    newest = draft(world, porto, world.officer(porto), title="Newest pilot")
    assert read.projects(sort="newest")[0].id == newest
    # Past its minimum, a pilot goes after those still short of theirs.
    world.pledge(ids["lights"], citizens[1], "200.00")
    assert titles(read.projects(sort="closest_to_minimum"))[:2] == [
        "Smart bike lanes", "Air quality sensors"]
    assert set(SORTS) == {"ending_soon", "most_backed", "newest", "closest_to_minimum"}


def test_area_totals_sum_the_neighbourhoods_pilots(seeded):
    world, porto, ids = seeded
    read = world.platform.read
    citizen = world.citizen()
    world.pledge(ids["air"], citizen, "120.00")
    world.pledge(ids["lights"], citizen, "30.50")
    world.pledge(ids["bikes"], citizen, "999.00")
    totals = read.area_totals(porto, "bonfim")
    assert totals.pilots == 2
    assert totals.backers == 2
    assert [m.to_decimal_string() for m in totals.raised] == ["150.50"]
    assert read.area_named(porto, "BONFIM") == "Bonfim"
    assert read.area_named(porto, "Nowhere") is None
    assert titles(read.projects(city_id=porto, area="bonfim")) == [
        "Street lights that dim", "Air quality sensors"]


def test_the_index_is_rebuilt_with_the_read_models(seeded):
    world, _, _ = seeded
    world.platform.projections.rebuild()
    assert titles(world.platform.read.projects(search="cyclists")) == ["Smart bike lanes"]


def test_migration_0018_indexes_the_pilots_already_there(seeded):
    from alembic import command

    from adapters import migrate

    world, _, _ = seeded
    url = world.platform.settings.database_url
    command.downgrade(migrate.alembic_config(url), "0015")
    migrate.upgrade(url)
    read = world.platform.read
    assert titles(read.projects(search="praca cyclists")) == ["Smart bike lanes"]
    assert titles(read.projects(search="associacao")) == ["Air quality sensors"]
