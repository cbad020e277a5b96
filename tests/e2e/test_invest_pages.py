"""Investing through the pages (no JavaScript): /invest lists the open offer with its terms and
the risk warning; a citizen passes the appropriateness check on the offer's page (a wrong answer
is shown and nothing recorded), commits (a ticket under the minimum is refused on the page),
sees the commitment in "My investments" and withdraws it; every form carries its CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from tests.conftest import START, csrf_from, login

BOND = {"rate": "0.045", "term_years": 5, "payments_per_year": 2, "repayment": "amortising"}
RIGHT = {"answer_capital_at_risk": "yes", "answer_deposit_guarantee": "no",
         "answer_unfunded_pilot": "released", "risk_warning": "yes"}


def offered(world):
    city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer = world.officer(city)
    project = world.project(city, officer, title="Stavanger-style bike lanes",
                            closes_in=timedelta(days=10))
    with acting_as(Actor(str(officer), "city"), "test-seed"):
        offer = world.app.add_offer(
            project, kind="community_bond", currency="EUR",
            target=Money.parse("3000.00", "EUR"), minimum=Money.parse("2000.00", "EUR"),
            maximum=Money.parse("4000.00", "EUR"), min_ticket=Money.parse("5.00", "EUR"),
            opens_at=START - timedelta(minutes=1), closes_at=START + timedelta(days=9),
            terms=BOND)
    world.platform.projections.catch_up()
    return offer


def test_invest_lists_open_offers_with_terms_and_the_risk_warning(world, client):
    offer = offered(world)
    assert '<a href="/invest">Invest</a>' in client.get("/projects").text
    page = client.get("/invest")
    assert page.status_code == 200
    assert "Stavanger-style bike lanes" in page.text
    assert "4.5 % a year, paid every 6 months" in page.text
    assert "repaid in equal instalments" in page.text
    assert "capital at risk" in page.text
    assert f'href="/invest/offers/{offer}"' in page.text
    detail = client.get(f"/invest/offers/{offer}")
    assert "Log in to invest" in detail.text and "csrf_token" not in detail.text


def test_a_citizen_passes_the_check_commits_and_withdraws(world, client):
    offer = offered(world)
    citizen = world.citizen()
    login(client, world.emails[citizen])
    page = client.get(f"/invest/offers/{offer}")
    assert 'id="appropriateness-form"' in page.text and 'id="commit-form"' not in page.text
    before = world.app.recorder.max_notification_id()
    wrong = client.post(f"/invest/offers/{offer}/appropriateness",
                        data={**RIGHT, "answer_deposit_guarantee": "yes",
                              "csrf_token": csrf_from(page.text)})
    assert wrong.status_code == 422
    assert "That answer is not right" in wrong.text
    no_csrf = client.post(f"/invest/offers/{offer}/appropriateness", data=RIGHT)
    assert no_csrf.status_code == 400
    assert world.app.recorder.max_notification_id() == before
    passed = client.post(f"/invest/offers/{offer}/appropriateness",
                         data={**RIGHT, "csrf_token": csrf_from(page.text)},
                         follow_redirects=True)
    assert "passed the appropriateness check" in passed.text
    assert 'id="commit-form"' in passed.text
    small = client.post(f"/invest/offers/{offer}/commit",
                        data={"amount": "4.00", "csrf_token": csrf_from(passed.text)})
    assert small.status_code == 422 and "The minimum ticket is" in small.text
    made = client.post(f"/invest/offers/{offer}/commit",
                       data={"amount": "250.00", "csrf_token": csrf_from(passed.text)},
                       follow_redirects=True)
    assert "You committed" in made.text and "250.00" in made.text
    assert 'data-state="committed"' in made.text and "Withdraw" in made.text
    listed = client.get("/invest")
    assert "250.00" in listed.text  # committed so far
    [withdraw] = re.findall(r'action="(/invest/commitments/[^"]+/withdraw)"', made.text)
    gone = client.post(withdraw, data={"csrf_token": csrf_from(made.text)},
                       follow_redirects=True)
    assert 'data-state="withdrawn"' in gone.text and "is withdrawn" in gone.text


def test_an_officer_cannot_invest(world, client):
    offer = offered(world)
    city = world.city("Porto")
    officer = world.officer(city)
    login(client, world.emails[officer])
    page = client.get(f"/invest/offers/{offer}")
    assert "open to citizen and investor accounts" in page.text
    assert 'id="commit-form"' not in page.text
    token = csrf_from(client.get("/login").text)
    refused = client.post(f"/invest/offers/{offer}/commit",
                          data={"amount": "10.00", "csrf_token": token})
    assert refused.status_code == 403
    assert world.app.get_offer(offer).held() == 0


def test_the_pilots_page_shows_what_investors_committed_and_links_the_offer(world, client):
    offer = offered(world)
    investor = world.account("investor")
    with acting_as(Actor(str(investor), "investor"), "test-seed"):
        world.app.pass_appropriateness(
            answers={"capital_at_risk": "yes", "deposit_guarantee": "no",
                     "unfunded_pilot": "released"}, risk_warning_accepted=True)
        world.app.commit_to_offer(offer, amount=Money.parse("2500.00", "EUR"),
                                  payment_method="pm_card_visa")
    world.platform.projections.catch_up()
    project = world.app.get_offer(offer).project_id
    page = client.get(f"/projects/{project}")
    assert f'id="invested">{Money.parse("2500.00", "EUR").display()}<' in page.text
    assert 'id="total">' in page.text
    assert f'href="/invest/offers/{offer}"' in page.text
