"""Yearly statements, as CSV through API v1 and as a printable page: every cash flow of the year
per holding with its reason and log position, and the year's totals, checked against figures
worked out by hand from the bond's schedule and the benefit report's waterfall."""

from __future__ import annotations

import csv
import io
from datetime import date
from uuid import uuid4

from adapters.investment_rounds import move_investment_money
from adapters.statement_queries import Statement, StatementHolding, StatementLine
from domain.investment.bonds import add_months
from domain.kernel.money import Money
from tests.conftest import bearer, login
from tests.e2e.test_api_agreements import Sharing
from tests.e2e.test_api_portfolio import Bonded
from web.investment.statement_csv import statement_csv

HEADER = ["date", "pilot", "project_id", "offer_id", "kind", "amount", "currency", "reason",
          "position"]


def rows(answer):
    assert answer.status_code == 200, answer.text
    assert answer.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(answer.text)))


def statement(on, headers, year):
    return on.client.get(f"/api/v1/me/statements/{year}.csv", headers=headers)


def bond_paid_through(world, client, lines):
    on = Bonded(world, client)
    on.work()
    for n in range(1, lines + 1):
        due = add_months(on.issued_on, 6 * n)
        world.clock.set(world.clock.now().replace(year=due.year, month=due.month, day=due.day))
        on.work()
    return on


def totals(found):
    return {(r["kind"], r["currency"]): r["amount"] for r in found if not r["date"]}


def test_a_bond_holders_statements_year_by_year(world, client):
    # Issued 2026-12-05 for 4,000.00 (citizen 1,500.00), paid in 2026-12-07; lines every
    # 5 June and 5 December: interest 90.00, 81.00, 72.00, 63.00 on the bond, 400.00 capital
    # each; the citizen's 37.5 % is 33.75, 30.38 (the half cent's tie goes to the earlier
    # holder), 27.00, 23.63 and 150.00 capital a line.
    on = bond_paid_through(world, client, 4)
    assert on.paid_on.year == 2026 and add_months(on.issued_on, 24).year == 2028

    first = rows(statement(on, on.citizen, 2026))
    [paid] = [r for r in first if r["date"]]
    assert (paid["date"], paid["kind"], paid["amount"], paid["currency"]) == (
        on.paid_on.isoformat(), "paid_in", "-1500.00", "EUR")
    assert paid["offer_id"] == on.offer and paid["project_id"] == str(on.project)
    assert paid["reason"].startswith("Paid in commitment ") and int(paid["position"]) > 0
    assert totals(first) == {("total_paid_in", "EUR"): "1500.00",
                             ("total_interest", "EUR"): "0.00",
                             ("total_capital", "EUR"): "0.00",
                             ("total_distribution", "EUR"): "0.00"}

    second = rows(statement(on, on.citizen, 2027))
    flows = [(r["date"], r["kind"], r["amount"], r["reason"]) for r in second if r["date"]]
    assert flows == [
        ("2027-06-05", "interest", "33.75", "Schedule line 1 due 2027-06-05: interest"),
        ("2027-06-05", "capital", "150.00", "Schedule line 1 due 2027-06-05: capital"),
        ("2027-12-05", "interest", "30.38", "Schedule line 2 due 2027-12-05: interest"),
        ("2027-12-05", "capital", "150.00", "Schedule line 2 due 2027-12-05: capital")]
    positions = [int(r["position"]) for r in second if r["date"]]
    assert positions == sorted(positions)
    assert totals(second) == {("total_paid_in", "EUR"): "0.00",
                              ("total_interest", "EUR"): "64.13",
                              ("total_capital", "EUR"): "300.00",
                              ("total_distribution", "EUR"): "0.00"}
    assert totals(rows(statement(on, on.citizen, 2028)))[("total_interest", "EUR")] == "50.63"
    # The institution holds the other 62.5 %: 56.25 + 50.62 interest, 250.00 capital a line.
    institution = totals(rows(statement(on, on.institution, 2027)))
    assert institution[("total_interest", "EUR")] == "106.87"
    assert institution[("total_capital", "EUR")] == "500.00"


def test_a_year_without_flows_is_the_header_alone(world, client):
    on = bond_paid_through(world, client, 0)
    answer = statement(on, on.citizen, 2025)
    assert rows(answer) == []
    assert answer.text.splitlines() == [",".join(HEADER)]
    assert "civicfund-statement-2025.csv" in answer.headers["Content-Disposition"]


def test_a_benefit_share_distribution_names_its_report_tier_and_version(world, client):
    on = Sharing(world, client)
    move_investment_money(on.platform.app, on.platform.engine, on.platform.projections)
    on.sign(on.headers, "city")
    on.sign(on.owner, "proposer")
    made = on.report()
    approved = client.post(f"/api/v1/benefit-reports/{made.json['id']}/approve",
                           headers=on.second)
    assert approved.status_code == 200, approved.text
    year = world.clock.now().year
    owed = rows(statement(on, on.alice, year))
    assert [r["kind"] for r in owed if r["date"]] == ["paid_in"]  # not yet paid out
    move_investment_money(on.platform.app, on.platform.engine, on.platform.projections)
    found = rows(statement(on, on.alice, year))
    # 1,000.00 of benefits against 4,000.00 of capital all returns capital, 3,000:1,000.
    assert [(r["kind"], r["amount"]) for r in found if r["date"]] == [
        ("paid_in", "-3000.00"), ("distribution", "750.00")]
    assert found[1]["reason"] == (
        f"Benefit report {made.json['id']}, tier 1, agreement version 1")
    assert totals(found)[("total_paid_in", "EUR")] == "3000.00"
    assert totals(found)[("total_distribution", "EUR")] == "750.00"
    bob = totals(rows(statement(on, on.bob, year)))
    assert bob[("total_distribution", "EUR")] == "250.00"


def test_a_malformed_year_is_refused_with_a_stable_code(world, client):
    on = bond_paid_through(world, client, 0)
    for year in ("20x7", "27", "1999", "12345", "\uff12\uff10\uff12\uff17"):
        answer = statement(on, on.citizen, year)
        assert answer.status_code == 404, (year, answer.text)
        assert answer.json["error"]["code"] == "no_such_year"
    assert client.get("/api/v1/me/statements/2027.csv").status_code == 401
    officer = bearer(world.token(world.officer(world.city("Porto"))))
    assert client.get("/api/v1/me/statements/2027.csv", headers=officer).status_code == 403


def test_the_printable_page_and_its_link_from_my_investments(world, client):
    on = bond_paid_through(world, client, 2)
    login(client, world.emails[on.citizen_id])
    mine = client.get("/invest/mine").text
    assert 'href="/invest/statements/2027">Statement 2027</a>' in mine
    assert 'href="/invest/statements/2026">Statement 2026</a>' in mine
    assert "/invest/statements/2028" not in mine
    page = client.get("/invest/statements/2027")
    assert page.status_code == 200
    text = page.text
    assert "Investment statement 2027" in text
    assert 'data-total="interest">EUR 64.13' in text
    assert 'data-total="capital">EUR 300.00' in text
    assert 'data-total="paid_in">EUR 0.00' in text
    assert "Schedule line 2 due 2027-12-05: interest" in text
    assert text.count('<tr data-kind="') == 4
    assert "@media print" in client.get("/static/citizen.css").text
    nothing = client.get("/invest/statements/2030")
    assert nothing.status_code == 200 and "Nothing this year" in nothing.text
    assert 'data-total=' not in nothing.text
    download = client.get("/invest/statements/2027.csv")
    assert download.status_code == 200 and download.mimetype == "text/csv"
    assert download.text == statement(on, on.citizen, 2027).text
    missing = client.get("/invest/statements/next-year")
    assert missing.status_code == 404 and "There is no statement for" in missing.text
    assert client.get("/invest/statements/20x7.csv").status_code == 404


def test_a_pilot_title_cannot_become_a_spreadsheet_formula():
    offer, project = uuid4(), uuid4()
    line = StatementLine(date(2027, 1, 2), project, "=HYPERLINK(\"x\")", offer, "interest",
                         Money(1234, "EUR"), "Schedule line 1 due 2027-01-02: interest", 7)
    holding = StatementHolding(offer, project, line.project_title, "community_bond", "EUR",
                               [line])
    [row, *_] = list(csv.DictReader(io.StringIO(statement_csv(Statement(2027, [holding])))))
    assert row["pilot"] == "'=HYPERLINK(\"x\")" and row["amount"] == "12.34"
