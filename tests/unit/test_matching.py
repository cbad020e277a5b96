"""Matching funds, from worked examples: what each rule adds, and how matches follow pledges."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.crowdfunding.project import BudgetLine
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.errors import InvalidAmount, InvalidTransition, NotPermitted
from domain.matching.fund import InvalidFund
from domain.matching.rules import InvalidRules, parse_rules
from tests.unit.conftest import RATIO, START, Matched, eur

# -- ratio ---------------------------------------------------------------------------------------


def test_a_one_to_one_match_adds_the_pledge_again_up_to_the_cap_per_pledge():
    campaign = Matched()
    fund = campaign.fund(RATIO)
    small, large = campaign.pledge("10.00"), campaign.pledge("40.00")
    assert campaign.matched(fund, small) == 1000  # EUR 10.00 more
    assert campaign.matched(fund, large) == 2500  # capped at EUR 25.00
    assert "capped at EUR 25.00" in campaign.match(fund, large).reason
    assert campaign.balances(fund) == (100000, 3500, 0, 96500)


def test_a_two_to_one_match_doubles_and_half_match_rounds_down_to_the_cent():
    campaign = Matched()
    double = campaign.fund({"kind": "ratio", "factor": "2"}, name="Double")
    assert campaign.matched(double, campaign.pledge("10.00")) == 2000
    campaign2 = Matched()
    half = campaign2.fund({"kind": "ratio", "factor": "0.5"})
    assert campaign2.matched(half, campaign2.pledge("0.03")) == 1  # 1.5 cents → 1 cent


def test_the_cap_per_project_limits_the_last_match_then_stops_matching():
    campaign = Matched()
    fund = campaign.fund({"kind": "ratio", "factor": "1", "cap_per_project": "30.00"})
    first, second, third = (campaign.pledge("20.00") for _ in range(3))
    assert [campaign.matched(fund, p) for p in (first, second, third)] == [2000, 1000, 0]
    assert campaign.app.get_matching_fund(fund).matched_on(campaign.project) == 3000


def test_a_cap_per_project_in_percent_of_the_minimum():
    campaign = Matched()
    fund = campaign.fund({"kind": "ratio", "factor": "1", "cap_per_project_percent": 20})
    pledge = campaign.pledge("50.00")
    assert campaign.matched(fund, pledge) == 2000  # 20% of the EUR 100 minimum


def test_one_match_per_backer_per_project():
    campaign = Matched()
    fund = campaign.fund({**RATIO, "one_per_backer": True})
    backer = campaign.citizen()
    first = campaign.pledge("10.00", citizen=backer)
    second = campaign.pledge("10.00", citizen=backer)
    assert campaign.matched(fund, first) == 1000
    assert campaign.match(fund, second) is None
    # Once the matched pledge is cancelled, the backer's next pledge can be matched.
    campaign.cancel(first)
    assert campaign.matched(fund, campaign.pledge("5.00", citizen=backer)) == 500


def test_the_pool_is_never_over_committed_the_last_match_takes_what_is_left():
    campaign = Matched()
    fund = campaign.fund(RATIO, pool="30.00")
    pledges = [campaign.pledge("20.00") for _ in range(3)]
    assert [campaign.matched(fund, p) for p in pledges] == [2000, 1000, 0]
    assert campaign.balances(fund) == (3000, 3000, 0, 0)
    with campaign.as_officer():
        campaign.app.top_up_matching_fund(fund, eur("15.00"))
    assert campaign.matched(fund, campaign.pledge("20.00")) == 1500


def test_eligibility_by_theme_and_area():
    campaign = Matched()  # the campaign's theme is Mobility, its area Baixa
    elsewhere = campaign.fund(RATIO, areas=["Foz"], name="Foz only")
    energy = campaign.fund(RATIO, themes=["Energy"], name="Energy only")
    mobility = campaign.fund(RATIO, themes=["mobility"], areas=["Baixa"], name="Mobility")
    pledge = campaign.pledge("10.00")
    assert campaign.match(elsewhere, pledge) is None and campaign.match(energy, pledge) is None
    assert campaign.matched(mobility, pledge) == 1000


def test_a_fund_matches_only_inside_its_window():
    campaign = Matched()
    fund = campaign.fund(RATIO, opens_at=START + timedelta(days=2))
    early = campaign.pledge("10.00")
    campaign.clock.advance(days=3)
    later = campaign.pledge("10.00")
    assert campaign.match(fund, early) is None and campaign.matched(fund, later) == 1000


def test_several_funds_apply_in_the_order_they_were_set_up_each_on_the_crowd_pledge():
    campaign = Matched()
    first = campaign.fund(RATIO, name="First")
    second = campaign.fund({"kind": "ratio", "factor": "0.5"}, name="Second")
    with acting_as(Actor(str(campaign.citizen()), "citizen"), "preview"):
        preview = campaign.app.match_preview(campaign.project, eur("40.00"))
    assert [(p.fund_name, p.amount) for p in preview] == [
        ("First", eur("25.00")), ("Second", eur("20.00"))
    ]
    pledge = campaign.pledge("40.00")
    assert (campaign.matched(first, pledge), campaign.matched(second, pledge)) == (2500, 2000)
    assert campaign.app.matched_on(campaign.project_state) == eur("45.00")


# -- following the pledge ------------------------------------------------------------------------


def test_a_match_is_released_when_its_pledge_is_cancelled_and_committed_when_charged():
    campaign = Matched()
    fund = campaign.fund(RATIO)
    kept, cancelled = campaign.pledge("80.00"), campaign.pledge("10.00")
    campaign.cancel(cancelled)
    assert campaign.match(fund, cancelled).state == "released"
    assert campaign.balances(fund) == (100000, 2500, 0, 97500)
    campaign.after_deadline()
    campaign.settle()
    assert campaign.match(fund, kept).state == "committed"
    assert campaign.balances(fund) == (100000, 0, 2500, 97500)


def test_the_funding_decision_counts_the_matches_and_the_payout_includes_them():
    campaign = Matched()
    campaign.fund({"kind": "ratio", "factor": "1"})
    campaign.pledge("50.00")  # EUR 50 crowd + EUR 50 match = the EUR 100 minimum
    campaign.after_deadline()
    report = campaign.settle()
    project = campaign.project_state
    assert report.outcome == "funded"
    assert campaign.charged_total() == eur("50.00")  # the crowd pays only its own pledge
    assert project.payout == eur("100.00")


def test_an_unfunded_project_releases_its_matches_back_to_the_pool():
    campaign = Matched()
    fund = campaign.fund(RATIO)
    pledges = [campaign.pledge("10.00"), campaign.pledge("20.00")]
    campaign.after_deadline()
    assert campaign.settle().outcome == "unfunded"
    assert {campaign.match(fund, p).state for p in pledges} == {"released"}
    assert campaign.balances(fund) == (100000, 0, 0, 100000)


def test_a_failed_charge_keeps_its_match_reserved_until_it_is_dropped():
    campaign = Matched()
    fund = campaign.fund({"kind": "ratio", "factor": "1"})
    campaign.pledge("60.00")
    failing = campaign.pledge("10.00", card="pm_card_chargeCustomerFail")
    campaign.after_deadline()
    campaign.settle()
    assert campaign.match(fund, failing).state == "reserved"
    campaign.clock.advance(days=8)
    with acting_as(SYSTEM, "drop"):
        assert campaign.app.drop_unpaid(failing)
    assert campaign.match(fund, failing).state == "released"
    assert campaign.balances(fund) == (100000, 0, 6000, 94000)


def test_a_cancelled_project_refunds_the_crowd_and_returns_committed_matches():
    campaign = Matched()
    fund = campaign.fund({"kind": "ratio", "factor": "1"})
    campaign.pledge("60.00")
    campaign.after_deadline()
    campaign.settle()
    assert campaign.balances(fund)[2] == 6000
    with campaign.as_officer():
        campaign.app.start_delivery(campaign.project)
        campaign.app.cancel_project(campaign.project, reason="The supplier went bankrupt")
    assert campaign.balances(fund) == (100000, 0, 0, 100000)


def test_closing_a_fund_returns_the_uncommitted_remainder_and_later_releases_too():
    campaign = Matched()
    fund = campaign.fund(RATIO, pool="100.00")
    pledge = campaign.pledge("10.00")
    with campaign.as_officer():
        returned = campaign.app.close_matching_fund(fund)
    assert returned == eur("90.00")
    assert campaign.matched(fund, campaign.pledge("10.00")) == 0  # closed: no new matches
    campaign.cancel(pledge)
    closed = campaign.app.get_matching_fund(fund)
    assert (closed.returned, closed.reserved, closed.available) == (10000, 0, 0)


# -- rule versions -------------------------------------------------------------------------------


def test_amending_rules_makes_a_new_version_and_old_matches_keep_theirs():
    campaign = Matched()
    fund = campaign.fund(RATIO)
    before = campaign.pledge("40.00")
    with campaign.as_officer():
        version = campaign.app.amend_matching_rules(
            fund, parse_rules({"kind": "ratio", "factor": "2", "cap_per_pledge": "50.00"}, "EUR")
        )
    after = campaign.pledge("40.00")
    assert version == 2
    assert (campaign.match(fund, before).rule_version, campaign.matched(fund, before)) == (1, 2500)
    assert (campaign.match(fund, after).rule_version, campaign.matched(fund, after)) == (2, 5000)
    history = campaign.app.get_matching_fund(fund).rule_versions
    assert [v.version for v in history] == [1, 2]


def test_a_future_version_applies_from_its_date():
    campaign = Matched()
    fund = campaign.fund(RATIO)
    with campaign.as_officer():
        campaign.app.amend_matching_rules(
            fund, parse_rules({"kind": "ratio", "factor": "2"}, "EUR"),
            effective_from=START + timedelta(days=1),
        )
    assert campaign.match(fund, campaign.pledge("10.00")).rule_version == 1
    campaign.clock.advance(days=2)
    assert campaign.matched(fund, campaign.pledge("10.00")) == 2000


# -- unlock threshold ----------------------------------------------------------------------------


def test_a_threshold_fund_waits_for_enough_backers_then_matches_earlier_pledges_when_told():
    campaign = Matched()
    fund = campaign.fund({"kind": "threshold", "factor": "1", "min_backers": 3,
                          "match_earlier": True})
    first = campaign.pledge("10.00")
    waiting = campaign.app.match_preview(campaign.project, eur("5.00"))
    assert waiting[0].amount == eur("0.00")
    assert waiting[0].reason == "matching starts once the project has 3 backers (it has 2)"
    second = campaign.pledge("20.00")
    assert campaign.match(fund, first) is None
    unlocking = campaign.app.match_preview(campaign.project, eur("5.00"))
    assert unlocking[0].amount == eur("5.00")
    third = campaign.pledge("5.00")
    assert [campaign.matched(fund, p) for p in (first, second, third)] == [1000, 2000, 500]
    assert "unlocked" in campaign.match(fund, first).reason


def test_a_threshold_fund_without_match_earlier_matches_only_from_the_unlocking_pledge():
    campaign = Matched()
    fund = campaign.fund({"kind": "threshold", "factor": "1", "min_percent": 50})
    first = campaign.pledge("30.00")
    unlocking = campaign.pledge("20.00")  # EUR 50 of the EUR 100 minimum
    later = campaign.pledge("10.00")
    assert campaign.match(fund, first) is None
    assert [campaign.matched(fund, p) for p in (unlocking, later)] == [2000, 1000]


# -- fixed grant ---------------------------------------------------------------------------------


def test_a_fixed_grant_is_reserved_once_the_criteria_are_met_and_follows_the_outcome():
    campaign = Matched()
    fund = campaign.fund({"kind": "fixed_grant", "grant": "40.00", "min_backers": 2,
                          "min_percent": 50})
    campaign.pledge("30.00")
    assert campaign.project not in campaign.app.get_matching_fund(fund).grants
    campaign.pledge("30.00")  # 2 backers and 60% of the minimum
    campaign.pledge("10.00")
    grant = campaign.app.get_matching_fund(fund).grants[campaign.project]
    assert (grant.amount, grant.state) == (4000, "reserved")
    campaign.after_deadline()
    assert campaign.settle().outcome == "funded"  # 70 crowd + 40 grant >= 100
    assert campaign.app.get_matching_fund(fund).grants[campaign.project].state == "committed"
    assert campaign.project_state.payout == eur("110.00")


def test_a_fixed_grant_goes_back_to_the_pool_when_the_project_is_not_funded():
    campaign = Matched()
    fund = campaign.fund({"kind": "fixed_grant", "grant": "10.00", "min_backers": 1})
    campaign.pledge("20.00")
    campaign.after_deadline()
    assert campaign.settle().outcome == "unfunded"
    assert campaign.app.get_matching_fund(fund).grants[campaign.project].state == "released"
    assert campaign.balances(fund) == (100000, 0, 0, 100000)


# -- quadratic round -----------------------------------------------------------------------------


def test_a_quadratic_round_shares_its_pool_when_it_closes():
    campaign = Matched(closes_in=timedelta(days=30))
    with campaign.as_officer():
        other = campaign.app.draft_project(
            city_id=campaign.city, area="Foz", theme="Mobility", title="Bike racks",
            summary="Racks.", proposer="Porto Cycles",
            budget_lines=[BudgetLine("Racks", eur("100.00"), True)],
            funding_model="all_or_nothing", opens_at=START - timedelta(hours=1),
            closes_at=START + timedelta(days=30),
        )
        campaign.app.open_campaign(other)
    fund = campaign.fund({"kind": "quadratic"}, pool="100.00", closes_in=timedelta(days=10))
    for _ in range(4):  # four backers of EUR 1: ideal (4 x 1)^2 - 4 = EUR 12
        campaign.pledge("1.00")
    with acting_as(Actor(str(b := campaign.citizen()), "citizen"), "p"):
        # one backer of EUR 4 to the other project: ideal 0
        campaign.app.make_pledge(project_id=other, citizen_id=b, amount=eur("4.00"),
                                 payment_method="pm_card_visa")
    with campaign.as_officer():
        returned = campaign.app.close_matching_fund(fund)
    closed = campaign.app.get_matching_fund(fund)
    assert closed.grants[campaign.project].amount == 1200
    assert other not in closed.grants
    assert returned == eur("88.00")
    assert campaign.app.matched_on(campaign.project_state) == eur("12.00")


# -- bad input changes nothing -------------------------------------------------------------------


@pytest.mark.parametrize("rules, message", [
    ({"kind": "ratio", "factor": "0"}, "more than 0"),
    ({"kind": "ratio", "factor": "11"}, "at most 10"),
    ({"kind": "ratio", "factor": "x"}, "not a match factor"),
    ({"kind": "ratio", "cap_per_pledge": "0.00"}, "more than zero"),
    ({"kind": "ratio", "cap_per_project": "-5.00"}, "cap_per_project"),
    ({"kind": "ratio", "currency": "USD"}, "in EUR"),
    ({"kind": "threshold"}, "min_backers"),
    ({"kind": "fixed_grant", "min_backers": 1}, "grant"),
    ({"kind": "lottery"}, "kind"),
    ({"kind": "ratio", "grant": "5.00"}, "does not apply"),
])
def test_bad_rules_are_refused_with_a_reason(rules, message):
    with pytest.raises(InvalidRules, match=message):
        parse_rules(rules, "EUR")


def test_bad_funds_are_refused_and_nothing_is_recorded():
    campaign = Matched()
    before = campaign.app.recorder.max_notification_id()
    with pytest.raises(InvalidFund, match="more than zero"):
        campaign.fund(RATIO, pool="0.00")
    with pytest.raises(InvalidFund, match="close after it opens"):
        campaign.fund(RATIO, closes_in=timedelta(hours=-3))
    with pytest.raises(InvalidFund, match="cannot open in the past") as past:
        campaign.fund(RATIO, opens_at=START - timedelta(days=2))
    assert past.value.field == "opens_at"
    with pytest.raises(InvalidFund, match="Name the themes") as blank:
        campaign.fund(RATIO, themes=[" ", ""])
    assert blank.value.field == "eligibility.themes"
    with pytest.raises(InvalidFund, match="Name the areas"):
        campaign.fund(RATIO, areas=["   "])
    with acting_as(SYSTEM, "seed"):
        lisbon = campaign.app.add_city("Lisboa", currency="EUR", country="PT",
                                       timezone="Europe/Lisbon")
        stranger = campaign.app.register_account("city", lisbon)
    after_setup = campaign.app.recorder.max_notification_id()
    with pytest.raises(NotPermitted):
        campaign.fund(RATIO, officer=stranger)
    assert campaign.app.recorder.max_notification_id() == after_setup
    assert after_setup == before + 2  # only the second city and its officer


def test_amending_a_closed_fund_or_overlapping_versions_is_refused():
    campaign = Matched()
    fund = campaign.fund(RATIO)
    with campaign.as_officer():
        campaign.app.amend_matching_rules(
            fund, parse_rules(RATIO, "EUR"), effective_from=START + timedelta(days=5)
        )
        with pytest.raises(InvalidRules, match="cannot overlap"):
            campaign.app.amend_matching_rules(
                fund, parse_rules(RATIO, "EUR"), effective_from=START + timedelta(days=1)
            )
        with pytest.raises(InvalidRules, match="kind"):
            campaign.app.amend_matching_rules(fund, parse_rules({"kind": "quadratic"}, "EUR"))
        campaign.app.close_matching_fund(fund)
        version = campaign.app.get_matching_fund(fund).version
        with pytest.raises(InvalidTransition, match="closed"):
            campaign.app.amend_matching_rules(fund, parse_rules(RATIO, "EUR"))
        with pytest.raises(InvalidTransition, match="closed"):
            campaign.app.top_up_matching_fund(fund, eur("10.00"))
        with pytest.raises(InvalidTransition, match="closed"):
            campaign.app.close_matching_fund(fund)
    assert campaign.app.get_matching_fund(fund).version == version


def test_an_officer_of_another_city_cannot_touch_the_fund():
    campaign = Matched()
    fund = campaign.fund(RATIO)
    with acting_as(SYSTEM, "seed"):
        lisbon = campaign.app.add_city("Lisboa", currency="EUR", country="PT",
                                       timezone="Europe/Lisbon")
        stranger = campaign.app.register_account("city", lisbon)
    with acting_as(Actor(str(stranger), "city"), "x"):
        with pytest.raises(NotPermitted):
            campaign.app.top_up_matching_fund(fund, eur("10.00"))
        with pytest.raises(NotPermitted):
            campaign.app.close_matching_fund(fund)
    assert campaign.balances(fund)[0] == 100000


def test_a_quadratic_preview_estimates_the_pilots_share_with_and_without_the_pledge():
    campaign = Matched()
    campaign.fund({"kind": "quadratic"}, pool="100.00")
    for _ in range(3):  # three backers of EUR 1: (3 x 1)^2 - 3 = EUR 6 if the round ended now
        campaign.pledge("1.00")
    [preview] = campaign.app.match_preview(campaign.project, eur("1.00"))
    assert preview.amount == eur("0.00")  # nothing is reserved before the round ends
    # A fourth backer of EUR 1: (4 x 1)^2 - 4 = EUR 12.
    assert preview.reason.endswith(
        "this pilot's share would be EUR 6.00, or EUR 12.00 with this pledge"
    )


@pytest.mark.parametrize(("amount", "message"), [
    ("1000000.01", "at most EUR 1,000,000.00"),
    ("0.00", "more than zero"),
])
def test_the_preview_refuses_an_amount_a_pledge_would_refuse(amount, message):
    campaign = Matched()
    campaign.fund(RATIO)
    with pytest.raises(InvalidAmount, match=message):
        campaign.app.match_preview(campaign.project, eur(amount))
    with pytest.raises(InvalidAmount, match=message):
        campaign.pledge(amount)
