"""The investor's portfolio on /invest/mine: per holding the figures the API gives, the next
payments due, a failed pay-in explained, the cash flows with their reasons and a server-rendered
SVG chart of them."""

from __future__ import annotations

from uuid import UUID

from adapters.investment_rounds import move_investment_money
from adapters.settlement_rounds import settle_due
from domain.investment.bonds import add_months
from tests.conftest import login
from tests.e2e.test_api_offers import Offering
from tests.e2e.test_api_portfolio import Bonded


def work(on):
    move_investment_money(on.platform.app, on.platform.engine, on.platform.projections)


def test_the_page_shows_each_holding_its_next_payments_and_a_chart(world, client):
    on = Bonded(world, client)
    work(on)
    due = add_months(on.issued_on, 6)
    world.clock.set(world.clock.now().replace(year=due.year, month=due.month, day=due.day))
    work(on)
    login(client, world.emails[on.citizen_id])
    page = client.get("/invest/mine")
    assert page.status_code == 200
    text = page.text
    assert 'data-figure="paid_in">EUR 1,500.00' in text
    assert 'data-figure="received">EUR 183.75' in text
    assert 'data-figure="interest">EUR 33.75' in text
    assert 'data-figure="outstanding">EUR 1,350.00' in text
    assert 'data-figure="multiple">0.12 x' in text
    assert "100.0 % of the EUR 183.75 due to date" in text
    # Line 2: 3,600.00 x 2.25 % = 81.00 interest, the citizen's 37.5 % is 30.375 -> 30.38.
    assert f"<td>{add_months(on.issued_on, 12).isoformat()}</td><td>2</td>" in text
    assert "EUR 30.38" in text
    assert f"Schedule line 1 due {due.isoformat()}: capital" in text
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="cash-flow-chart" role="img"' in text
    assert f"{due.isoformat()}: received EUR 183.75" in text  # each bar says what it is
    # One bar a day: the payment of line 1 (interest and capital) is one bar.
    assert text.count('class="flow"') == 2 and text.count('class="planned"') == 3
    assert "<script" not in text.split('class="cash-flow-chart"')[1].split("</svg>")[0]


def test_a_failed_pay_in_is_shown_to_the_investor(world, client):
    on = Offering(world, client)
    headers = on.investor()
    made = on.invest(headers, "2000.00", payment_method="pm_card_chargeCustomerFail")
    assert made.status_code == 201, made.text
    world.pledge(on.project, world.citizen(), "6000.00")
    world.clock.advance(days=11)
    settle_due(on.platform.app, on.platform.engine, on.platform.projections)
    work(on)
    investor = on.platform.read.investment(UUID(made.json["id"])).investor_id
    login(client, world.emails[investor])
    page = client.get("/invest/mine")
    assert "Paying in EUR 2,000.00 failed: Your card was declined. It is tried again" in page.text
    assert 'data-figure="paid_in">EUR 0.00' in page.text


def failing_pay_in(world, client):
    """An investor whose 2,000.00 pay-in was declined at the first attempt."""
    on = Offering(world, client)
    headers = on.investor()
    made = on.invest(headers, "2000.00", payment_method="pm_card_chargeCustomerFail")
    world.pledge(on.project, world.citizen(), "6000.00")
    world.clock.advance(days=11)
    settle_due(on.platform.app, on.platform.engine, on.platform.projections)
    work(on)
    return on, headers, made.json["id"]


def test_after_a_failed_pay_in_the_investor_pays_in_with_another_card(world, client):
    on, _headers, commitment = failing_pay_in(world, client)
    investor = on.platform.read.investment(UUID(commitment)).investor_id
    login(client, world.emails[investor])
    page = client.get("/invest/mine")
    action = f"/invest/commitments/{commitment}/card"
    assert f'action="{action}"' in page.text
    token = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    paid = client.post(action, data={"payment_method": "pm_card_visa", "csrf_token": token},
                       follow_redirects=True)
    assert "is paid in to" in paid.text
    assert 'data-figure="paid_in">EUR 2,000.00' in paid.text
    assert "failed" not in paid.text.split('id="holding-')[1].split("</section>")[0]


def test_the_api_takes_another_card_and_refuses_it_when_nothing_failed(world, client):
    on, headers, commitment = failing_pay_in(world, client)
    path = f"/api/v1/investment-commitments/{commitment}/payment-method"
    stranger = on.investor()
    assert client.post(path, headers=stranger,
                       json={"payment_method": "pm_card_visa"}).status_code == 404
    before = on.platform.app.recorder.max_notification_id()
    bad = client.post(path, headers=headers, json={"payment_method": "no spaces allowed"})
    assert bad.status_code == 422 and bad.json["error"]["code"] == "payment_declined"
    assert on.platform.app.recorder.max_notification_id() == before
    again = client.post(path, headers=headers,
                        json={"payment_method": "pm_card_chargeCustomerFail"})
    assert again.status_code == 200 and again.json["state"] == "to_pay_in"
    paid = client.post(path, headers=headers, json={"payment_method": "pm_card_visa"})
    assert paid.status_code == 200 and paid.json["state"] == "paid_in"
    done = client.post(path, headers=headers, json={"payment_method": "pm_card_visa"})
    assert done.status_code == 409 and done.json["error"]["code"] == "invalid_state"
