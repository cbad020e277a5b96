"""Project rules: budget lines, currency, campaign window and lifecycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.crowdfunding.project import (
    ALL_OR_NOTHING,
    DRAFT,
    FUNDING_MODELS,
    KEEP_WHAT_YOU_RAISE,
    OPEN,
    STATUSES,
    BudgetLine,
    Project,
)
from domain.kernel.clock import PAST_GRACE
from domain.kernel.errors import CampaignNotOpen, InvalidProject, InvalidTransition
from domain.kernel.money import Money

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def eur(text: str) -> Money:
    return Money.parse(text, "EUR")


def draft(**changes) -> Project:
    fields = dict(
        city_id=uuid4(), city_currency="EUR", currency="EUR", area="Ribeira",
        theme="Mobility", title="Smart bike lanes", summary="Counters on every lane.",
        proposer="Friends of the Park",
        budget_lines=[BudgetLine("Sensors", eur("8000.00"), True),
                      BudgetLine("Signage", eur("2000.00"), False)],
        funding_model=ALL_OR_NOTHING, opens_at=NOW - timedelta(hours=1),
        closes_at=NOW + timedelta(days=30), now=NOW,
    )
    fields.update(changes)
    return Project.draft(**fields)


def test_a_new_project_is_a_draft_with_its_lines():
    project = draft()
    assert project.status == DRAFT
    assert [line.label for line in project.budget_lines] == ["Sensors", "Signage"]
    assert project.currency == "EUR"


def test_required_lines_make_the_minimum_and_all_lines_the_optimum():
    project = draft(budget_lines=[
        BudgetLine("Sensors", eur("8000.00"), True),
        BudgetLine("Installation", eur("1500.50"), True),
        BudgetLine("Signage", eur("2000.00"), False),
        BudgetLine("Outreach", eur("499.49"), False),
    ])
    assert project.minimum == eur("9500.50")
    assert project.optimum == eur("11999.99")


def test_when_every_line_is_required_the_minimum_is_the_optimum():
    project = draft(budget_lines=[BudgetLine("Sensors", eur("100.00"), True)])
    assert project.minimum == project.optimum == eur("100.00")


def test_a_project_is_in_its_citys_currency():
    with pytest.raises(InvalidProject) as refused:
        draft(currency="GBP", budget_lines=[BudgetLine("Sensors", Money(100, "GBP"), True)])
    assert refused.value.field == "currency"


def test_budget_lines_must_be_in_the_projects_currency():
    with pytest.raises(InvalidProject, match="Budget lines are in EUR"):
        draft(budget_lines=[BudgetLine("Sensors", Money(100, "GBP"), True)])


@pytest.mark.parametrize("amount", ["0.00", "-1.00"])
def test_budget_line_amounts_must_be_positive(amount):
    with pytest.raises(InvalidProject, match="positive"):
        draft(budget_lines=[BudgetLine("Sensors", eur(amount), True)])


def test_a_budget_line_larger_than_the_read_models_can_hold_is_refused():
    with pytest.raises(InvalidProject) as refused:
        draft(budget_lines=[BudgetLine("Sensors", eur("1" + "0" * 20), True)])
    assert refused.value.field == "budget_lines"


def test_a_project_needs_at_least_one_budget_line():
    with pytest.raises(InvalidProject, match="at least one budget line"):
        draft(budget_lines=[])


def test_a_project_needs_at_least_one_required_line():
    with pytest.raises(InvalidProject, match="must be required"):
        draft(budget_lines=[BudgetLine("Signage", eur("10.00"), False)])


def test_every_budget_line_needs_a_label():
    with pytest.raises(InvalidProject, match="label"):
        draft(budget_lines=[BudgetLine("   ", eur("10.00"), True)])


def test_too_many_budget_lines_are_refused():
    with pytest.raises(InvalidProject, match="At most"):
        draft(budget_lines=[BudgetLine(f"Line {i}", eur("1.00"), True) for i in range(51)])


def test_the_funding_model_is_one_of_the_two_known():
    assert set(FUNDING_MODELS) == {ALL_OR_NOTHING, KEEP_WHAT_YOU_RAISE}
    assert draft(funding_model=KEEP_WHAT_YOU_RAISE).funding_model == KEEP_WHAT_YOU_RAISE
    with pytest.raises(InvalidProject) as refused:
        draft(funding_model="whatever")
    assert refused.value.field == "funding_model"


@pytest.mark.parametrize("closes_in", [timedelta(0), timedelta(hours=-1)])
def test_the_campaign_closes_after_it_opens(closes_in):
    with pytest.raises(InvalidProject, match="close after it opens") as refused:
        draft(opens_at=NOW, closes_at=NOW + closes_in)
    assert refused.value.field == "closes_at"


def test_campaign_dates_need_a_time_zone():
    with pytest.raises(InvalidProject, match="time zone"):
        draft(opens_at=datetime(2026, 12, 1), closes_at=datetime(2026, 12, 31))


@pytest.mark.parametrize("field", ["title", "area", "theme", "summary", "proposer"])
def test_text_fields_are_required(field):
    with pytest.raises(InvalidProject) as refused:
        draft(**{field: "   "})
    assert refused.value.field == field


def test_over_long_text_is_refused_and_spacing_is_tidied():
    with pytest.raises(InvalidProject) as refused:
        draft(title="x" * 141)
    assert refused.value.field == "title"
    assert draft(title="  Smart   bike\tlanes ").title == "Smart bike lanes"


def test_opening_a_draft_opens_its_campaign():
    project = draft()
    project.open_campaign(NOW)
    assert project.status == OPEN
    assert project.is_taking_pledges(NOW)


def test_only_a_draft_can_open_its_campaign():
    project = draft()
    project.open_campaign(NOW)
    with pytest.raises(InvalidTransition, match="Only a draft"):
        project.open_campaign(NOW)


def test_a_campaign_whose_window_has_passed_cannot_open():
    project = draft(closes_at=NOW + timedelta(days=1))
    with pytest.raises(InvalidTransition, match="already passed"):
        project.open_campaign(NOW + timedelta(days=1))
    assert project.status == DRAFT


def test_a_campaign_may_open_before_its_window_starts_but_takes_pledges_only_inside_it():
    project = draft(opens_at=NOW + timedelta(days=2), closes_at=NOW + timedelta(days=9))
    project.open_campaign(NOW)
    assert not project.is_taking_pledges(NOW)
    with pytest.raises(CampaignNotOpen, match="not opened yet"):
        project.check_taking_pledges(NOW)
    assert project.is_taking_pledges(NOW + timedelta(days=2))
    assert not project.is_taking_pledges(NOW + timedelta(days=9))
    with pytest.raises(CampaignNotOpen, match="closed"):
        project.check_taking_pledges(NOW + timedelta(days=9))


def test_a_draft_takes_no_pledges():
    project = draft()
    assert not project.is_taking_pledges(NOW)
    with pytest.raises(CampaignNotOpen, match="draft"):
        project.check_taking_pledges(NOW)


def test_the_statuses_are_the_lifecycle_the_platform_shows():
    assert STATUSES == ("draft", "open", "funded", "unfunded", "delivering", "completed",
                        "cancelled")


def test_opening_a_campaign_records_an_event():
    project = draft()
    project.open_campaign(NOW)
    events = project.collect_events()
    assert [type(e).__name__ for e in events] == ["Drafted", "CampaignOpened"]


def test_a_campaign_cannot_open_in_the_past():
    with pytest.raises(InvalidProject, match="cannot open in the past") as refused:
        draft(opens_at=NOW - timedelta(days=3), closes_at=NOW + timedelta(days=30))
    assert refused.value.field == "opens_at"
    with pytest.raises(InvalidProject, match="cannot open in the past"):
        draft(opens_at=NOW - timedelta(hours=1, minutes=1))


def test_a_time_typed_a_moment_ago_still_counts_as_now():
    """An officer who types this hour's start, or leaves the form open a while, is not refused:
    an hour's grace."""
    assert draft(opens_at=NOW - PAST_GRACE).opens_at == NOW - PAST_GRACE
    assert draft(opens_at=NOW - timedelta(minutes=7)).opens_at == NOW - timedelta(minutes=7)


def delivering_project() -> Project:
    project = draft()
    project.open_campaign(NOW)
    return project


def test_a_milestone_cannot_be_due_in_the_past():
    project = delivering_project()
    with pytest.raises(InvalidProject, match="cannot be due in the past") as refused:
        project.plan_milestone(title="Sensors installed", due=NOW - timedelta(days=1), now=NOW)
    assert refused.value.field == "due"
    assert project.milestones == []

    project.plan_milestone(title="Sensors installed", due=NOW + timedelta(days=40), now=NOW)
    project.plan_milestone(title="Report", due=NOW - timedelta(minutes=30), now=NOW)
    assert [m.title for m in project.milestones] == ["Sensors installed", "Report"]
