"""Figures as of a position come from the ledger's postings summed up to there: on a rich world
(the demo) they equal the log replayed by the domain's bookkeeping at every kind of position,
and a position the projection has not reached yet is replayed."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from adapters import tables as t
from adapters.event_log_queries import EventLog
from adapters.ledger_audit import replay_ledger
from adapters.time_travel import figures_as_of, ledger_as_of
from tests.conftest import make_platform
from web.demo import load_demo

TOPPED_UP_BY_BENEFITS = "MatchingFund.ToppedUpByBenefits"


def positions_worth_checking(platform) -> list[int]:
    """Every twentieth position, and the ones just before and at each benefit top-up."""
    newest = platform.app.recorder.max_notification_id()
    with platform.engine.connect() as conn:
        top_ups = [row[0] for row in conn.execute(
            sa.select(t.ledger_postings.c.position)
            .where(t.ledger_postings.c.event == TOPPED_UP_BY_BENEFITS).distinct())]
    assert top_ups, "the demo should pass a pilot's benefits on into a fund"
    return sorted({0, newest, *range(1, newest, 20), *top_ups,
                   *(position - 1 for position in top_ups)})


def assert_ledger_as_of_is_the_replay(platform) -> None:
    for position in positions_worth_checking(platform):
        replayed = replay_ledger(platform.app, up_to=position)
        with platform.engine.connect() as conn:
            summed = ledger_as_of(conn, position)
        assert summed is not None
        nonzero = {name: b for name, b in summed.balances.items() if b}
        assert nonzero == {name: b for name, b in replayed.balances.items() if b}, position
        assert summed.fund_figures() == replayed.fund_figures(), position
        assert summed.postings == replayed.postings, position


def test_the_ledger_as_of_a_position_equals_the_log_replayed_up_to_there(platform):
    load_demo(platform)

    assert_ledger_as_of_is_the_replay(platform)


@pytest.mark.postgres
def test_the_ledger_as_of_a_position_equals_the_replay_on_postgresql(postgres_url, clock):
    platform = make_platform(postgres_url, clock)
    try:
        load_demo(platform)
        assert_ledger_as_of_is_the_replay(platform)
    finally:
        platform.close()


def test_positions_the_projection_has_not_reached_are_replayed_from_the_log(platform):
    load_demo(platform)
    log = EventLog(platform.app, platform.engine)
    newest = log.newest()
    middle = newest // 2
    expected = figures_as_of(platform.app, platform.engine, log, middle)
    with platform.engine.begin() as conn:
        # As if the projection were still catching up from the middle of the log.
        conn.execute(t.ledger_postings.delete().where(t.ledger_postings.c.position > middle))
        conn.execute(t.projection_positions.update()
                     .where(t.projection_positions.c.name == "read_models")
                     .values(position=middle - 1))
        assert ledger_as_of(conn, middle) is None

    replayed = figures_as_of(platform.app, platform.engine, log, middle)

    assert replayed == expected
    assert any(figures["raised"].minor for figures in replayed.projects.values())
