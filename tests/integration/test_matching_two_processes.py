"""Two platforms on one database (as two web workers are): a fund one of them holds in memory
goes stale when the other matches a pledge, and the next match is decided again, not lost or
doubled."""

from __future__ import annotations

from datetime import timedelta

from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.conftest import World, make_platform


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def porto_with_fund(world: World, *, pool: str, rules: dict):
    """Porto, one open pilot and a fund on it; returns (project id, fund id)."""
    city_id = world.city("Porto")
    officer = world.officer(city_id)
    project_id = world.project(city_id, officer)
    with acting_as(Actor(str(officer), "city"), "fund"):
        fund_id = world.app.create_matching_fund(
            city_id=city_id, name="Porto Match", sponsor="Porto City Council", currency="EUR",
            pool=eur(pool), opens_at=world.clock.now() - timedelta(hours=1),
            closes_at=world.clock.now() + timedelta(days=20), themes=[], areas=[],
            rules=parse_rules(rules, "EUR"),
        )
    return project_id, fund_id


def test_a_stale_fund_in_one_process_is_read_again_not_over_committed(any_platform, clock):
    world = World(any_platform, clock)
    project_id, fund_id = porto_with_fund(world, pool="30.00",
                                          rules={"kind": "ratio", "factor": "1"})
    other = make_platform(any_platform.settings.database_url, clock)
    try:
        second = World(other, clock)
        first_pledge = world.pledge(project_id, world.citizen(), "20.00")  # app 1 caches the fund
        second_pledge = second.pledge(project_id, world.citizen(), "5.00")  # app 2 moves it on
        third_pledge = world.pledge(project_id, world.citizen(), "20.00")  # app 1 is stale
        fund = other.app.get_matching_fund(fund_id)
        amounts = [fund.matches[p].amount for p in (first_pledge, second_pledge)]
        assert amounts == [2000, 500]
        assert fund.matches[third_pledge].amount == 500  # what was left, not another 20.00
        assert (fund.reserved, fund.available) == (3000, 0)
        assert any_platform.app.get_matching_fund(fund_id).reserved == 3000
    finally:
        other.close()


def test_pledges_racing_to_unlock_a_threshold_are_all_matched_when_told_to_match_earlier(
    any_platform, clock
):
    """Threads pledging at once are recorded in batches; a batch's earlier pledges count towards
    the threshold and are matched when a later one in the same batch unlocks it."""
    import threading

    world = World(any_platform, clock)
    project_id, fund_id = porto_with_fund(world, pool="10000.00", rules={
        "kind": "threshold", "factor": "1", "min_backers": 6, "match_earlier": True,
    })
    citizens = [world.citizen() for _ in range(8)]
    made, errors = [], []
    start = threading.Barrier(len(citizens))

    def pledge(citizen_id):
        start.wait()
        try:
            with acting_as(Actor(str(citizen_id), "citizen"), "race"):
                for _ in range(3):
                    made.append(any_platform.app.make_pledge(
                        project_id=project_id, citizen_id=citizen_id, amount=eur("10.00"),
                        payment_method="pm_card_visa",
                    ))
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=pledge, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    fund = any_platform.app.get_matching_fund(fund_id)
    assert len(made) == 24 and set(fund.matches) == set(made)
    assert fund.reserved == 24 * 1000
