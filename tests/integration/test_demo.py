"""The demo data: loaded once through the real use cases, and usable with its printed passwords."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID, uuid4

import pytest
from click.testing import CliRunner

from domain.kernel.clock import FixedClock
from domain.kernel.context import ROLES, SYSTEM, acting_as
from tests.conftest import START, csrf_from, make_platform
from web.demo import (
    CITIES,
    DEMO_PASSWORDS,
    DOMAIN,
    DUBLIN_CALL,
    EVALUATOR_PASSWORD,
    MANCHESTER_CALL,
    OFFICER_PASSWORD,
    PORTO_BENEFIT_SHARE,
    PORTO_FUNDED_SHARE,
    STAVANGER_BOND,
    STAVANGER_FUNDED_BOND,
    load_demo,
)


@pytest.fixture(scope="module")
def demo_platform(tmp_path_factory):
    """One platform with the demo loaded, shared by the tests that only read it."""
    url = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'civicfund.sqlite3'}"
    platform = make_platform(url, FixedClock(START))
    assert load_demo(platform) is True
    yield platform
    platform.close()


def event_count(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def test_loading_the_demo_twice_adds_nothing_the_second_time(any_platform):
    assert load_demo(any_platform) is True
    events = event_count(any_platform)
    accounts = len(any_platform.accounts.all())

    assert load_demo(any_platform) is False

    assert event_count(any_platform) == events
    assert len(any_platform.accounts.all()) == accounts


def test_the_demo_has_cities_pilots_and_pledges_in_progress(demo_platform):
    cities = demo_platform.read.cities()
    projects = demo_platform.read.projects(include_drafts=True)
    open_projects = [p for p in projects if p.status == "open"]
    assert len(cities) >= 7
    assert {c.name for c in cities} >= {"Manchester", "Dublin", "Porto", "Eindhoven",
                                        "Stavanger", "Zagreb", "Miskolc"}
    assert len(projects) >= 10
    assert any(p.status == "draft" for p in projects)
    assert demo_platform.read.totals()["live_pledges"] > 0
    now = demo_platform.clock.now()
    assert all(p.is_taking_pledges(now) for p in open_projects)
    partly_filled = [p for p in open_projects if 0 < p.percent_of_minimum < 100]
    assert len(partly_filled) >= 5
    assert all(p.optimum >= p.minimum for p in projects)


def test_every_pilot_is_in_its_citys_currency(demo_platform):
    currency_of = {c.id: c.currency for c in demo_platform.read.cities()}
    for project in demo_platform.read.projects(include_drafts=True):
        assert project.currency == currency_of[project.city_id], project.title
        assert all(line.amount.currency == project.currency for line in project.budget_lines)
    expected = {c.name: (c.currency, c.timezone) for c in CITIES}
    for city in demo_platform.read.cities():
        assert (city.currency, city.timezone) == expected[city.name]


def test_one_demo_account_per_role_signs_in_with_its_printed_password(demo_platform):
    signed_in_roles = set()
    for email, password, role in DEMO_PASSWORDS:
        account = demo_platform.accounts.authenticate(email, password)
        assert account is not None, email
        assert account.role == role
        assert len(password) >= 8
        signed_in_roles.add(role)
    assert signed_in_roles == set(ROLES)
    for email, _, role in DEMO_PASSWORDS:
        if role == "city":
            assert demo_platform.accounts.by_email(email).city_id is not None, email


def test_the_demo_proposer_delivers_a_pilot_and_has_reported_on_it(demo_platform):
    # The first proposer printed (one account per role comes first); the second one is
    # Manchester call's winner, whose pilot is in tests below.
    proposers = [email for email, _, role in DEMO_PASSWORDS if role == "proposer"]
    assert len(proposers) == 2
    proposer = demo_platform.accounts.by_email(proposers[0])

    delivered = demo_platform.read.projects_delivered_by(proposer.id)

    assert len(delivered) == 1
    assert delivered[0].status == "open"
    assert demo_platform.read.updates(delivered[0].id)


def test_civicfund_demo_without_serving_loads_once_and_prints_the_accounts(tmp_path, monkeypatch):
    from web.cli import cli

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CIVICFUND_DATABASE_URL", f"sqlite:///{tmp_path / 'demo.sqlite3'}")
    monkeypatch.setenv("CIVICFUND_SECRET_KEY", "demo-test-secret")
    runner = CliRunner()

    first = runner.invoke(cli, ["demo", "--no-serve"])
    second = runner.invoke(cli, ["demo", "--no-serve"])

    assert first.exit_code == 0, first.output
    assert "Demo data loaded." in first.output
    assert second.exit_code == 0, second.output
    assert "nothing added" in second.output
    for email, password, _ in DEMO_PASSWORDS:
        assert email in first.output and password in first.output


def test_the_demo_has_a_ratio_matching_fund_in_porto_that_matched_its_pledges(demo_platform):
    porto = demo_platform.read.city_named("Porto")
    [fund] = demo_platform.read.matching_funds(porto.id)
    assert fund.kind == "ratio" and fund.status == "open"
    assert fund.reserved.is_positive()
    assert fund.pool == fund.committed + fund.reserved + fund.returned + fund.available
    matched = [p for p in demo_platform.read.projects(city_id=porto.id) if p.matched.is_positive()]
    assert matched, "no Porto pilot shows a match"
    # The Bonfim pilot also has investors (issue 12): what they committed counts too.
    assert all(p.total == p.raised + p.matched + p.invested for p in matched)
    assert {p.id for p in matched} == {row.project_id for row in
                                       demo_platform.read.fund_projects(fund.id)}


def test_a_pilot_page_reads_its_milestones_updates_and_funds_in_one_statement(any_platform):
    """The page's single query gives the same lists, in the same order, as the lists read one by
    one, on both databases (dates, and what each fund holds, included)."""
    load_demo(any_platform)
    read = any_platform.read
    updated = next(p for p in read.projects(include_drafts=True) if read.updates(p.id))
    now = any_platform.clock.now()
    with acting_as(SYSTEM, "test"):
        for days, title in ((30, "Sensors installed"), (10, "Sites surveyed")):
            any_platform.app.plan_milestone(updated.id, title=title, due=now + timedelta(days))
    any_platform.projections.catch_up()
    seen_milestones = seen_updates = seen_held = 0
    for project in read.projects(include_drafts=True):
        page = read.project_page(project.id)
        assert page.project == read.project(project.id)
        assert page.milestones == read.milestones(project.id)
        assert page.updates == read.updates(project.id)
        assert page.funds == read.project_funds(project.id, project.city_id)
        seen_milestones += len(page.milestones)
        seen_updates += len(page.updates)
        seen_held += sum(fund.held.minor for fund in page.funds)
    # The two planned here and the two the Manchester call's awarded proposal planned.
    assert seen_milestones == 4 and seen_updates and seen_held
    assert read.project_page(uuid4()) is None


# -- issue 11: departments and co-investment calls ---------------------------------------------

@pytest.fixture(scope="module")
def demo_client(demo_platform):
    from web.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=demo_platform)
    return app.test_client()


def sign_in(client, email: str, password: str):
    page = client.get("/login")
    return client.post("/login", data={"email": email, "password": password,
                                       "csrf_token": csrf_from(page.text)},
                       follow_redirects=True)


def manchester_call(client) -> dict:
    [call] = client.get("/api/v1/calls?city=Manchester").json["calls"]
    return call


def test_every_demo_account_signs_in_on_the_login_page(demo_platform):
    from web.app import create_app

    app = create_app({"TESTING": True, "SECRET_KEY": "test-secret"}, platform=demo_platform)
    for email, password, _ in DEMO_PASSWORDS:
        client = app.test_client()
        page = sign_in(client, email, password)
        assert page.status_code == 200, email
        assert "Sign out" in page.text or "Log out" in page.text, email


def test_the_demo_has_a_manchester_pcp_call_in_three_phases_evaluated_and_awarded(demo_client):
    call = manchester_call(demo_client)

    assert call["title"] == MANCHESTER_CALL and call["route"] == "pcp"
    assert call["status"] == "awarded" and call["current_phase"] == 3
    assert (call["budget"], call["currency"]) == ("300000.00", "GBP")
    assert [(p["name"], p["budget_percent"], p["max_suppliers"], p["share"], p["awarded"])
            for p in call["phases"]] == [
        ("Solution design", 20, 3, "60000.00", "0.00"),
        ("Prototype", 30, 2, "90000.00", "0.00"),
        ("Field test", 50, 1, "150000.00", "120000.00"),
    ]
    assert [c["weight"] for c in call["criteria"]] == [40, 25, 20, 15]
    assert call["evaluators"] == 2
    [award] = call["awards"]
    assert (award["phase"], award["amount"]) == (3, "120000.00")
    assert award["title"] == "School Streets with adaptive signals and clean-air routing"


def test_the_manchester_call_ranks_two_proposers_scored_by_two_evaluators(demo_client,
                                                                          demo_platform):
    call = manchester_call(demo_client)
    rankings = {
        phase: demo_client.get(f"/api/v1/calls/{call['id']}/ranking?phase={phase}").json
        for phase in (1, 2, 3)
    }
    # Weighted score = sum of criterion means x weight / 10, e.g. phase 1, the signals:
    # means 7.5, 7.5, 7, 8.5 -> (300 + 187.5 + 140 + 127.5) / 10 = 75.50.
    assert [(r["title"], r["weighted_score"], r["rank"], r["bcr"]) for r in rankings[1]] == [
        ("School Streets with adaptive signals and clean-air routing", "75.50", 1, "1.15"),
        ("Clean-air walking routes for parents", "73.75", 2, "1.03"),
    ]
    assert [r["weighted_score"] for r in rankings[2]] == ["77.75", "66.25"]
    [field_test] = rankings[3]
    assert (field_test["weighted_score"], field_test["status"], field_test["awarded"]) == (
        "82.75", "awarded", "120000.00")
    assert rankings[2][1]["status"] == "rejected"
    assert rankings[2][1]["reason"] == "Not kept for Field test"
    # Each phase's ranking tells that phase's outcome, not what happened later.
    assert [(r["status"], r["reason"]) for r in rankings[1]] == [
        ("kept", "went on to Prototype"), ("kept", "went on to Prototype")]
    assert (rankings[2][0]["status"], rankings[2][0]["reason"]) == ("kept", "went on to Field test")
    page = demo_client.get(f"/calls/{call['id']}")
    assert page.status_code == 200
    for figure in ("75.50", "73.75", "77.75", "66.25", "82.75", "120,000.00"):
        assert figure in page.text, figure

    read = demo_platform.read
    proposals = read.proposals_of_call(UUID(call["id"]))
    assert len(proposals) == 2
    assert len({p.proposer_id for p in proposals}) == 2
    assert all(p.submitted_content["cba"] for p in proposals)
    evaluators = {demo_platform.accounts.by_email(f"evaluator@{DOMAIN}").id,
                  demo_platform.accounts.by_email(f"mcr.digital@{DOMAIN}").id}
    for phase, kept in ((1, 2), (2, 2), (3, 1)):
        sheets = {p: by for p, by in read.scores([p.id for p in proposals], phase).items() if by}
        assert len(sheets) == kept
        for by_evaluator in sheets.values():
            assert {str(e) for e in evaluators} == {str(e) for e in by_evaluator}
    sheet = read.score_sheet(proposals[0].id, 1,
                             demo_platform.accounts.by_email(f"evaluator@{DOMAIN}").id)
    assert all(justification for _, justification in sheet.values())


def test_the_awarded_pilot_is_co_funded_by_transport_and_environment(demo_client):
    call = manchester_call(demo_client)
    project_id = call["awards"][0]["project_id"]

    pilot = demo_client.get(f"/api/v1/projects/{project_id}").json
    commitments = demo_client.get(f"/api/v1/projects/{project_id}/commitments").json

    assert pilot["status"] == "open" and pilot["proposer"] == "Northern Mobility Labs"
    assert (pilot["minimum"], pilot["optimum"]) == ("108000.00", "120000.00")
    assert [(c["department"], c["budget_line"], c["amount"], c["conditional"], c["state"])
            for c in commitments["commitments"]] == [
        ("Transport", "Active travel", "40000.00", False, "committed"),
        ("Environment", "Clean Air Plan", "25000.00", True, "committed"),
    ]
    assert pilot["committed"] == "65000.00"
    assert pilot["total"] == "65000.00"


def test_manchesters_departments_show_their_budget_lines_in_the_console(demo_platform):
    from web.app import create_app

    client = create_app({"TESTING": True, "SECRET_KEY": "test-secret"},
                        platform=demo_platform).test_client()
    listed = client.get("/api/v1/departments?city=Manchester").json["departments"]
    assert {(d["name"], d["amount"], d["available"]) for d in listed} == {
        ("Transport", "430000.00", "390000.00"),
        ("Environment", "180000.00", "155000.00"),
    }
    sign_in(client, f"manchester@{DOMAIN}", OFFICER_PASSWORD)
    page = client.get("/console/departments")
    assert page.status_code == 200
    for text in ("Transport", "Environment"):
        assert text in page.text
    transport = next(d for d in listed if d["name"] == "Transport")
    detail = client.get(f"/console/departments/{transport['id']}")
    assert detail.status_code == 200
    assert "Active travel" in detail.text and "Traffic signal renewal" in detail.text


def test_the_demo_has_a_dublin_ppi_call_open_for_proposals(demo_client, demo_platform):
    [call] = demo_client.get("/api/v1/calls?city=Dublin").json["calls"]

    assert (call["title"], call["route"], call["status"]) == (DUBLIN_CALL, "ppi", "open")
    assert call["currency"] == "EUR" and call["evaluators"] == 1
    view = demo_platform.read.call(UUID(call["id"]))
    assert view.takes_proposals(demo_platform.clock.now())


def test_the_demo_evaluator_sees_the_calls_appointed_to(demo_platform):
    evaluator = demo_platform.accounts.authenticate(f"evaluator@{DOMAIN}", EVALUATOR_PASSWORD)
    assert evaluator.role == "evaluator"
    assert {c.title for c in demo_platform.read.calls_evaluated_by(evaluator.id)} == {
        MANCHESTER_CALL, DUBLIN_CALL}
    from web.app import create_app

    client = create_app({"TESTING": True, "SECRET_KEY": "test-secret"},
                        platform=demo_platform).test_client()
    sign_in(client, f"evaluator@{DOMAIN}", EVALUATOR_PASSWORD)
    page = client.get("/evaluate")
    assert page.status_code == 200
    assert MANCHESTER_CALL in page.text and DUBLIN_CALL in page.text


def test_a_demo_load_interrupted_at_the_award_is_completed_by_the_next_run(tmp_path,
                                                                           monkeypatch):
    platform = make_platform(f"sqlite:///{tmp_path / 'demo.sqlite3'}", FixedClock(START))
    try:
        def power_cut(*args, **kwargs):
            raise RuntimeError("power cut")

        monkeypatch.setattr(platform.app, "award", power_cut)
        with pytest.raises(RuntimeError):
            load_demo(platform)
        monkeypatch.undo()

        assert load_demo(platform) is True

        read = platform.read
        [call] = read.calls(city_id=read.city_named("Manchester").id)
        assert call.status == "awarded" and call.phase == 3
        proposals = read.proposals_of_call(call.id)
        assert len(proposals) == 2
        assert all(len(by) == 2 for by in read.scores([p.id for p in proposals], 1).values())
        [award] = read.awards(call.id)
        assert [(c.department_name, c.amount.to_decimal_string())
                for c in read.commitments_to(award.project_id)] == [
            ("Transport", "40000.00"), ("Environment", "25000.00")]
        [dublin] = read.calls(city_id=read.city_named("Dublin").id)
        assert dublin.status == "open" and len(dublin.evaluators) == 1
    finally:
        platform.close()


# -- issue 12: investment offers ---------------------------------------------------------------

def demo_offers(client) -> dict[str, dict]:
    listed = client.get("/api/v1/offers")
    assert listed.status_code == 200
    return {o["project"]: o for o in listed.json["offers"]}


def test_the_demo_has_a_stavanger_community_bond_with_citizen_commitments(demo_client,
                                                                          demo_platform):
    bond = demo_offers(demo_client)[STAVANGER_BOND]
    assert bond["kind"] == "community_bond" and bond["currency"] == "NOK"
    assert bond["terms"] == {"rate": "0.045", "term_years": 5, "payments_per_year": 2,
                             "repayment": "amortising"}
    assert (bond["target"], bond["minimum"], bond["maximum"]) == (
        "250000.00", "100000.00", "300000.00")
    # Ingrid 50,000 + Sam 20,000 + Tom 15,000 + Priya 25,000, all citizens who passed the check.
    assert bond["committed"] == "110000.00" and bond["left"] == "190000.00"
    assert bond["reached_minimum"] is True and bond["open"] is True
    offer = demo_platform.app.get_offer(UUID(bond["id"]))
    holders = {c.investor_id for c in offer.commitments.values()}
    citizens = {demo_platform.accounts.by_email(f"{local}@{DOMAIN}").id
                for local in ("ingrid", "citizen", "tom", "priya")}
    assert holders == citizens
    assert all(demo_platform.app.has_passed_appropriateness(c) for c in citizens)
    pilot = demo_client.get(f"/api/v1/projects/{bond['project_id']}").json
    assert pilot["invested"] == "110000.00"


def test_the_demo_has_a_porto_benefit_share_the_demo_investor_committed_to(demo_client,
                                                                           demo_platform):
    share = demo_offers(demo_client)[PORTO_BENEFIT_SHARE]
    assert share["kind"] == "benefit_share" and share["currency"] == "EUR"
    agreement = share["terms"]["agreement"]
    assert agreement["preferred_rate"] == "0.05"
    assert agreement["residual"] == {"city": "40", "investors": "35", "community_fund": "15",
                                     "proposer": "10"}
    porto = demo_platform.read.city_named("Porto")
    assert agreement["community_fund_id"] == str(
        demo_platform.app.matching_funds_of(porto.id)[0])
    # João 1,500 + Maria 750 + the investor 12,000.
    assert share["committed"] == "14250.00" and share["reached_minimum"] is True
    investor = demo_platform.accounts.by_email(f"investor@{DOMAIN}")
    assert investor.role == "investor"
    login_as_investor = demo_client.application.test_client()
    sign_in(login_as_investor, f"investor@{DOMAIN}", "civic-investor")
    mine = login_as_investor.get("/invest/mine")
    assert mine.status_code == 200
    assert PORTO_BENEFIT_SHARE in mine.text and "12,000.00" in mine.text


def test_invest_shows_the_demo_offers_with_their_figures(demo_client):
    page = demo_client.get("/invest")
    assert page.status_code == 200
    assert STAVANGER_BOND in page.text and PORTO_BENEFIT_SHARE in page.text
    assert "4.5 % a year, paid every 6 months" in page.text
    assert "NOK 110,000.00" in page.text and "EUR 14,250.00" in page.text
    assert "city 40 %, investors 35 %, community fund 15 %, proposer 10 %" in page.text


def test_a_demo_load_interrupted_among_the_commitments_is_completed_once(tmp_path, monkeypatch):
    platform = make_platform(f"sqlite:///{tmp_path / 'demo.sqlite3'}", FixedClock(START))
    try:
        commit = platform.app.commit_to_offer
        calls = []

        def power_cut_on_the_third(*args, **kwargs):
            calls.append(args)
            if len(calls) == 3:
                raise RuntimeError("power cut")
            return commit(*args, **kwargs)

        monkeypatch.setattr(platform.app, "commit_to_offer", power_cut_on_the_third)
        with pytest.raises(RuntimeError):
            load_demo(platform)
        monkeypatch.undo()

        assert load_demo(platform) is True
        offers = {o.project_title: o for o in platform.read.offers()}
        assert len(offers) == 4  # two open, two on pilots funded with investment
        assert offers[STAVANGER_BOND].held.to_decimal_string() == "110000.00"
        assert offers[PORTO_BENEFIT_SHARE].held.to_decimal_string() == "14250.00"
        assert sorted(len(platform.app.get_offer(offers[title].id).commitments)
                      for title in (STAVANGER_BOND, PORTO_BENEFIT_SHARE)) == [3, 4]
        assert offers[STAVANGER_FUNDED_BOND].held.to_decimal_string() == "300000.00"
    finally:
        platform.close()


def test_the_demo_has_a_stavanger_bond_funded_by_five_citizens(demo_client, demo_platform):
    bond = demo_offers(demo_client)[STAVANGER_FUNDED_BOND]
    assert bond["kind"] == "community_bond" and bond["committed"] == "300000.00"
    pilot = demo_client.get(f"/api/v1/projects/{bond['project_id']}").json
    assert pilot["status"] == "funded" and pilot["invested"] == "300000.00"
    offer = demo_platform.app.get_offer(UUID(bond["id"]))
    assert {c.state for c in offer.commitments.values()} == {"to_pay_in"}
    assert len({c.investor_id for c in offer.commitments.values()}) == 5
    stavanger = demo_platform.read.city_named("Stavanger")
    owed = demo_platform.read.city_liabilities(stavanger.id, demo_platform.clock.now().date())
    [total] = owed.totals
    # 300,000 at 4.5 % half-yearly, amortising: the first payment, 30,000 + 6,750, falls due
    # within the year (the second six months after it, beyond).
    assert (total.currency, total.outstanding.to_decimal_string(),
            total.due_total.to_decimal_string()) == ("NOK", "300000.00", "36750.00")


def test_the_demo_has_a_porto_benefit_share_signed_reported_and_distributed(demo_client,
                                                                          demo_platform):
    share = demo_offers(demo_client)[PORTO_FUNDED_SHARE]
    project_id = share["project_id"]
    agreement = demo_client.get(f"/api/v1/projects/{project_id}/agreement").json
    assert agreement["in_effect"] == 1
    assert agreement["versions"][0]["missing"] == []
    assert {s["party"] for s in agreement["versions"][0]["signatures"]} == {
        "city", "proposer", "community_fund"}
    [report] = demo_client.get(f"/api/v1/projects/{project_id}/benefit-reports").json["reports"]
    assert report["status"] == "approved" and report["amount"] == "41500.00"
    paid = sum(int(p["amount"].replace(".", "")) for p in report["payments"])
    assert paid == 4150000
    # Capital back first (35,000), then the residual 6,500 split 40/35/15/10.
    residual = {p["party"]: p["amount"] for p in report["payments"] if p["tier"] == 3
                and p["party"] != "investors"}
    assert residual == {"city": "2600.00", "community_fund": "975.00", "proposer": "650.00"}
    found = demo_platform.app.get_benefit_report(UUID(report["id"]))
    reporter = demo_platform.accounts.record(found.reporter_id)
    approver = demo_platform.accounts.record(found.decided_by)
    assert reporter.email == f"porto@{DOMAIN}" and approver.email == f"porto.energia@{DOMAIN}"
    porto = demo_platform.read.city_named("Porto")
    [fund] = demo_platform.read.matching_funds(porto.id)
    [top_up] = demo_platform.read.fund_benefit_top_ups(fund.id)
    assert top_up.project_title == PORTO_FUNDED_SHARE
    assert top_up.amount.to_decimal_string() == "975.00"
    page = demo_client.get(f"/funds/{fund.id}")
    assert "Topped up by" in page.text and PORTO_FUNDED_SHARE in page.text


def test_the_demo_investor_sees_the_porto_share_performance_against_its_projection(
        demo_client, demo_platform):
    # The projection (40,000 a year) over the reported trial year would have paid the
    # investor (25,000 of 35,000) all 25,000 of capital, 5/7 of the 1,750 preferred return and
    # 5/7 of 35 % of the 3,250 residual: 27,062.50. The trial year's 41,500 paid them 25,000 and
    # 5/7 of 35 % of 6,500 (26,625.00), owed until the worker pays it out: none received yet.
    investor = demo_platform.accounts.by_email(f"investor@{DOMAIN}").id
    holdings = demo_platform.read.portfolio(investor, demo_platform.clock.now().date())
    [share] = [h for h in holdings if h.project_title == PORTO_FUNDED_SHARE]
    assert share.expected.to_decimal_string() == "27062.50"
    assert str(share.performance) == "0.0000"
    login_as_investor = demo_client.application.test_client()
    sign_in(login_as_investor, f"investor@{DOMAIN}", "civic-investor")
    mine = login_as_investor.get("/invest/mine").text
    assert "0.0 % of the" in mine and "27,062.50 projected to date" in mine
