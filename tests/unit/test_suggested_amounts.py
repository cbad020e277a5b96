"""The amounts a city suggests on a pilot's pledge form: the domain rule and its event."""

from __future__ import annotations

import dataclasses

import pytest

from domain.kernel.errors import InvalidProject, InvalidTransition
from domain.kernel.money import Money
from tests.unit.test_project import draft, eur


def test_suggested_amounts_are_kept_smallest_first_in_one_event_of_amounts_only():
    project = draft()
    project.suggest_amounts([eur("50.00"), eur("10.00"), eur("25.00")])
    assert project.suggested_amounts == [eur("10.00"), eur("25.00"), eur("50.00")]
    event = project.collect_events()[-1]
    assert type(event).__name__ == "SuggestedAmountsSet"
    # Nothing about any person: the amounts, and the stamp every event carries (who acted, by
    # account id and role, under which correlation id).
    own = {f.name for f in dataclasses.fields(event)} - {
        "originator_id", "originator_version", "timestamp", "actor_id", "actor_role",
        "correlation_id"}
    assert own == {"amounts"}


def test_the_same_amounts_again_record_nothing_and_an_empty_list_clears_them():
    project = draft()
    project.suggest_amounts([eur("10.00")])
    project.collect_events()
    project.suggest_amounts([eur("10.00")])
    assert project.collect_events() == []
    project.suggest_amounts([])
    assert project.suggested_amounts == []


@pytest.mark.parametrize(("amounts", "said"), [
    ([eur(f"{n}.00") for n in range(1, 8)], "At most 6"),
    ([Money.parse("10.00", "HUF")], "in EUR"),
    ([eur("0.00")], "more than zero"),
    ([eur("10000.01")], "optimum"),
    ([eur("10.00"), eur("10.00")], "once"),
])
def test_bad_amounts_are_refused(amounts, said):
    project = draft()
    with pytest.raises(InvalidProject, match=said) as refused:
        project.suggest_amounts(amounts)
    assert refused.value.field == "suggested_amounts"
    assert project.collect_events()[-1].__class__.__name__ == "Drafted"


def test_a_cancelled_pilot_takes_no_suggested_amounts():
    project = draft()
    project.cancel(reason="No longer needed")
    with pytest.raises(InvalidTransition):
        project.suggest_amounts([eur("5.00")])
