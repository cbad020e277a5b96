"""One match per backer per project counts every live match of the backer there, including
those made under an earlier version of the rules that allowed several (found by the property
tests in test_matching_properties.py)."""

from __future__ import annotations

from domain.matching.rules import parse_rules
from tests.unit.conftest import Matched, eur

ONE = {"kind": "ratio", "factor": "1", "cap_per_pledge": "10.00", "one_per_backer": True}
MANY = {"kind": "ratio", "factor": "1", "cap_per_pledge": "10.00"}


def test_a_backer_with_a_live_match_is_not_matched_again_after_another_of_theirs_is_released():
    campaign = Matched()
    fund = campaign.fund(ONE)
    ana = campaign.citizen()
    first = campaign.pledge("10.00", citizen=ana)
    with campaign.as_officer():
        campaign.app.amend_matching_rules(fund, parse_rules(MANY, "EUR"))
    second = campaign.pledge("10.00", citizen=ana)  # version 2 allows a second match
    assert campaign.matched(fund, first) == campaign.matched(fund, second) == 1000
    campaign.cancel(first)  # her first match goes back to the pool; her second is still live
    campaign.clock.advance(minutes=1)
    with campaign.as_officer():
        campaign.app.amend_matching_rules(fund, parse_rules(ONE, "EUR"))

    preview = campaign.app.match_preview(campaign.project, eur("10.00"),
                                         citizen_id=ana)
    third = campaign.pledge("10.00", citizen=ana)

    assert preview[0].amount.minor == 0 and "already matched" in preview[0].reason
    assert campaign.matched(fund, third) == 0
    fund_now = campaign.app.get_matching_fund(fund)
    assert [p for p, m in fund_now.matches.items() if m.state != "released"] == [second]
    assert fund_now.reserved == 1000
