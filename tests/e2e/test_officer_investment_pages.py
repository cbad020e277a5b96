"""The officers' side of investment on the pages and the API: adding an offer on the console
(errors beside the fields, nothing recorded), proposing an amendment to a pilot's agreement
(the page then says every party signs again), the city's liabilities on the console and as
JSON, and a matching fund's page naming the pilot whose benefits topped it up."""

from __future__ import annotations

from adapters.settlement_rounds import settle_due
from tests.conftest import bearer, csrf_from, login
from tests.e2e.test_api_agreements import Sharing
from tests.e2e.test_api_offers import Offering

BOND_FORM = {"kind": "community_bond", "target": "20000.00", "minimum": "10000.00",
             "maximum": "30000.00", "min_ticket": "5.00", "rate": "4.5", "term_years": "5",
             "payments_per_year": "2", "repayment": "amortising"}


def _offer_form(client, project, **values):
    page = client.get(f"/console/projects/{project}/offers/new")
    assert page.status_code == 200, page.text
    data = {"csrf_token": csrf_from(page.text), "opens_at": "", "closes_at": "",
            **BOND_FORM, **values}
    if not data["opens_at"]:
        data["opens_at"] = _value(page.text, "opens_at")
    if not data["closes_at"]:
        data["closes_at"] = _value(page.text, "closes_at")
    return client.post(f"/console/projects/{project}/offers/new", data=data)


def _value(html: str, name: str) -> str:
    marker = f'id="{name}" name="{name}" value="'
    start = html.index(marker) + len(marker)
    return html[start:html.index('"', start)]


def test_an_officer_adds_a_bond_offer_on_the_console(world, client):
    on = Offering(world, client)
    login(client, world.emails[on.officer])
    console = client.get(f"/console/projects/{on.project}")
    assert "Add an investment offer" in console.text
    sent = _offer_form(client, on.project)
    assert sent.status_code == 303, sent.text
    offers = on.platform.read.offers_on(on.project)
    added = [o for o in offers if str(o.id) != on.offer]
    assert len(added) == 1
    assert added[0].kind == "community_bond" and added[0].terms["rate"] == "0.045"
    assert added[0].target.to_decimal_string() == "20000.00"
    assert "20,000.00" in client.get(f"/console/projects/{on.project}").text


def test_a_benefit_share_offer_with_its_agreement_terms(world, client):
    on = Offering(world, client)
    login(client, world.emails[on.officer])
    sent = _offer_form(client, on.project, kind="benefit_share", rate="",
                       preferred_rate="5", residual_city="50", residual_investors="30",
                       residual_community_fund="0", residual_proposer="20",
                       projected_annual="12,000")
    assert sent.status_code == 303, sent.text
    [share] = [o for o in on.platform.read.offers_on(on.project) if o.kind == "benefit_share"]
    assert share.terms["agreement"]["preferred_rate"] == "0.05"
    assert share.terms["agreement"]["residual"]["proposer"] == "20"
    assert share.terms["agreement"]["projected_benefits"] == {"annual": "12000.00"}
    page = client.get(f"/invest/offers/{share.id}")
    assert "Projected benefits" in page.text and "12,000.00" in page.text


def test_bad_offers_show_their_errors_on_the_form_and_record_nothing(world, client):
    on = Offering(world, client)
    login(client, world.emails[on.officer])
    before = len(on.platform.read.offers_on(on.project))
    residual = _offer_form(client, on.project, kind="benefit_share", preferred_rate="5",
                           residual_city="50", residual_investors="30",
                           residual_community_fund="10", residual_proposer="20")
    assert residual.status_code == 422
    assert "100" in residual.text and 'id="residual_city-error"' in residual.text
    projection = _offer_form(client, on.project, kind="benefit_share", rate="",
                             preferred_rate="5", residual_city="50", residual_investors="30",
                             residual_community_fund="0", residual_proposer="20",
                             projected_annual="-3")
    assert projection.status_code == 422
    assert 'id="projected_annual-error"' in projection.text
    order = _offer_form(client, on.project, minimum="25000.00")
    assert order.status_code == 422 and "minimum to proceed is at most the target" in order.text
    rate = _offer_form(client, on.project, rate="lots")
    assert rate.status_code == 422 and 'id="rate-error"' in rate.text
    late = _offer_form(client, on.project, closes_at="2099-01-01T10:00")
    assert late.status_code == 422 and "campaign closes" in late.text
    amount = _offer_form(client, on.project, target="twenty")
    assert amount.status_code == 422 and 'id="target-error"' in amount.text
    no_csrf = client.post(f"/console/projects/{on.project}/offers/new", data=BOND_FORM)
    assert no_csrf.status_code == 400
    assert len(on.platform.read.offers_on(on.project)) == before


def test_only_the_citys_officers_reach_the_offer_form(world, client):
    on = Offering(world, client)
    login(client, world.emails[world.citizen()])
    assert client.get(f"/console/projects/{on.project}/offers/new").status_code == 403
    other = world.officer(world.city("Stavanger", "NOK", "NO", "Europe/Oslo"))
    login(client, world.emails[other])
    assert client.get(f"/console/projects/{on.project}/offers/new").status_code == 403


def test_an_amendment_from_the_agreement_page_needs_every_signature_again(world, client):
    on = Sharing(world, client)
    assert on.sign(on.headers, "city").status_code == 201
    assert on.sign(on.owner, "proposer").status_code == 201
    login(client, world.emails[on.officer])
    page = client.get(f"/projects/{on.project}")
    assert "Propose an amendment" in page.text
    form = client.get(f"/console/projects/{on.project}/agreement/amend")
    assert form.status_code == 200 and "Propose version 2" in form.text
    token = csrf_from(form.text)
    bad = client.post(f"/console/projects/{on.project}/agreement/amend", data={
        "csrf_token": token, "preferred_rate": "5", "residual_city": "60",
        "residual_investors": "30", "residual_proposer": "20"})
    assert bad.status_code == 422 and "100" in bad.text
    same = client.post(f"/console/projects/{on.project}/agreement/amend", data={
        "csrf_token": token, "preferred_rate": "5", "residual_city": "40",
        "residual_investors": "30", "residual_community_fund": "20",
        "residual_proposer": "10"})
    assert same.status_code == 422 and "changes nothing" in same.text
    assert len(on.platform.read.agreement(on.project).versions) == 1
    done = client.post(f"/console/projects/{on.project}/agreement/amend", data={
        "csrf_token": token, "preferred_rate": "4", "residual_city": "50",
        "residual_investors": "30", "residual_community_fund": "10",
        "residual_proposer": "10"})
    assert done.status_code == 303, done.text
    public = client.get(f"/projects/{on.project}").text
    assert "Version 2 is a proposed amendment: every party must sign it again" in public
    assert "until then version 1 applies" in public
    assert "Sign version 2 for the city" in public
    agreement = on.platform.read.agreement(on.project)
    assert agreement.in_effect.number == 1 and agreement.latest.terms["preferred_rate"] == "0.04"


def _funded_bond(world, client):
    on = Offering(world, client)
    first, second = on.investor(), on.investor("investor")
    assert on.invest(first, "2000.00").status_code == 201
    assert on.invest(second, "1000.00").status_code == 201
    world.pledge(on.project, world.citizen(), "8000.00")
    world.clock.advance(days=11)
    settle_due(on.platform.app, on.platform.engine, on.platform.projections)
    return on


def test_the_citys_liabilities_on_the_console_and_as_json(world, client):
    on = _funded_bond(world, client)
    # 3,000.00 at 4.5 % over 5 years, half-yearly, amortising: 300.00 capital a payment;
    # interest 3,000.00 x 2.25 % = 67.50, then 2,700.00 x 2.25 % = 60.75.
    answer = client.get(f"/api/v1/cities/{on.city}/liabilities", headers=on.headers)
    assert answer.status_code == 200, answer.text
    [bond] = answer.json["bonds"]
    assert bond["principal"] == "3000.00" and bond["outstanding"] == "3000.00"
    assert [(d["interest"], d["capital"]) for d in bond["due"]] == [
        ("67.50", "300.00"), ("60.75", "300.00")]
    assert bond["due_next_12_months"] == "728.25"
    assert answer.json["totals"] == [{"currency": "EUR", "outstanding": "3000.00",
                                      "due_interest": "128.25", "due_capital": "600.00",
                                      "due_total": "728.25"}]
    login(client, world.emails[on.officer])
    home = client.get("/console").text
    assert "Liabilities" in home and 'id="bonds-EUR"' in home and "728.25" in home
    page = client.get("/console/liabilities")
    assert page.status_code == 200
    assert "728.25" in page.text and "3,000.00" in page.text


def test_liabilities_are_for_the_citys_officers(world, client):
    on = Offering(world, client)
    other = world.officer(world.city("Stavanger", "NOK", "NO", "Europe/Oslo"))
    refused = client.get(f"/api/v1/cities/{on.city}/liabilities",
                         headers=bearer(world.token(other)))
    assert refused.status_code == 403 and refused.json["error"]["code"] == "forbidden"
    citizen = client.get(f"/api/v1/cities/{on.city}/liabilities",
                         headers=bearer(world.token(world.citizen())))
    assert citizen.status_code == 403
    none_yet = client.get(f"/api/v1/cities/{on.city}/liabilities", headers=on.headers)
    assert none_yet.json["bonds"] == [] and none_yet.json["totals"] == []
    login(client, world.emails[on.officer])
    assert "owes no community bonds" in client.get("/console/liabilities").text
