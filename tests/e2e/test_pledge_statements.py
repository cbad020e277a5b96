"""A citizen's yearly pledge statement, as a printable page and as CSV (page and API v1): the
pledges of the year with when each was charged and refunded, and per currency what was paid in
the year, checked against pledges made with a fixed clock: one charged, one charged then
refunded the next year. Another citizen's pledges never appear."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from adapters.settlement_rounds import settle_due
from domain.kernel.context import Actor, acting_as
from tests.conftest import bearer, login
from tests.e2e.test_settlement_pages import text_of, words

LINES = (("Bike counters", "100.00", True), ("Public display", "50.00", False))


def at(clock, moment: datetime):
    """The platform's clock and the events' timestamps (the wall clock) both at the moment."""
    clock.set(moment)
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def year_of_pledges(world, platform, clock):
    return a_year_of_pledges(world, platform, clock)


def a_year_of_pledges(world, platform, clock) -> dict:
    """Rita pledges EUR 120.00 to the bike counters and EUR 110.00 to the tree sensors on
    26 Nov 2026; both are charged when the campaigns close on 7 Dec 2026; Porto cancels the
    tree sensors on 10 Jan 2027 and her EUR 110.00 is refunded. Marta pledges too."""
    with at(clock, datetime(2026, 11, 26, 12, 0, tzinfo=UTC)):
        city = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
        officer = world.officer(city)
        bikes = world.project(city, officer, title="Bike counters for Boavista", lines=LINES,
                              closes_in=timedelta(days=10))
        trees = world.project(city, officer, title="Tree sensors in Paranhos", lines=LINES,
                              closes_in=timedelta(days=10))
        rita, marta = world.citizen("rita@example.org"), world.citizen("marta@example.org")
        kept = world.pledge(bikes, rita, "120.00")
        refunded = world.pledge(trees, rita, "110.00")
        world.pledge(bikes, marta, "500.00")
        world.pledge(trees, marta, "77.00")
    with at(clock, datetime(2026, 12, 7, 12, 0, tzinfo=UTC)):
        settle_due(platform.app, platform.engine, platform.projections)
    with at(clock, datetime(2027, 1, 10, 12, 0, tzinfo=UTC)), acting_as(
            Actor(str(officer), "city"), "test-cancel"):
        platform.app.cancel_project(trees, reason="The supplier went bankrupt.")
    platform.projections.catch_up()
    assert platform.read.pledge(kept).status == "charged"
    assert platform.read.pledge(refunded).status == "refunded"
    return {"rita": rita, "marta": marta, "kept": kept, "refunded": refunded, "bikes": bikes}


def rows(answer) -> list[dict[str, str]]:
    assert answer.status_code == 200, answer.text
    assert answer.mimetype == "text/csv"
    assert answer.headers["Cache-Control"] == "no-store"
    return list(csv.DictReader(io.StringIO(answer.text)))


def test_the_statement_csv_lists_the_years_pledges_and_what_was_paid(year_of_pledges, world,
                                                                    client):
    token = world.token(year_of_pledges["rita"])
    first = rows(client.get("/api/v1/me/pledge-statements/2026.csv", headers=bearer(token)))
    pledges = {r["pilot"]: r for r in first if r["row"] == "pledge"}
    assert set(pledges) == {"Bike counters for Boavista", "Tree sensors in Paranhos"}
    bikes, trees = pledges["Bike counters for Boavista"], pledges["Tree sensors in Paranhos"]
    assert (bikes["pledged_on"], bikes["pledged"], bikes["currency"], bikes["charged_on"],
            bikes["refunded_on"], bikes["paid_in_year"]) == (
        "2026-11-26", "120.00", "EUR", "2026-12-07", "", "120.00")
    assert (trees["charged_on"], trees["refunded_on"], trees["paid_in_year"]) == (
        "2026-12-07", "2027-01-10", "110.00")
    assert bikes["pledge_id"] == str(year_of_pledges["kept"])
    [total] = [r for r in first if r["row"] == "total"]
    assert (total["currency"], total["paid_in_year"]) == ("EUR", "230.00")

    # 2027: only the refund, which takes the money back out.
    login(client, "rita@example.org")
    second = rows(client.get("/pledges/statements/2027.csv"))
    assert [(r["row"], r["pilot"], r["paid_in_year"]) for r in second] == [
        ("pledge", "Tree sensors in Paranhos", "-110.00"), ("total", "Paid in 2027", "-110.00")]
    assert [r["row"] for r in rows(client.get("/pledges/statements/2025.csv"))] == []


def test_another_citizens_pledges_never_appear(year_of_pledges, world, client):
    marta = rows(client.get("/api/v1/me/pledge-statements/2026.csv",
                            headers=bearer(world.token(year_of_pledges["marta"]))))
    assert {r["pledged"] for r in marta if r["row"] == "pledge"} == {"500.00", "77.00"}
    assert str(year_of_pledges["kept"]) not in str(marta)
    login(client, "rita@example.org")
    page = client.get("/pledges/statements/2026")
    assert "500.00" not in page.text and "77.00" not in page.text


def test_the_printable_statement_names_the_citizen_and_explains_itself(year_of_pledges,
                                                                       client):
    login(client, "rita@example.org")
    page = client.get("/pledges/statements/2026")
    assert page.status_code == 200
    assert text_of(page.text, "statement-name") == "Test Citizen"
    assert "EUR 230.00" in text_of(page.text, "totals")
    lines = text_of(page.text, "statement-lines")
    assert "Bike counters for Boavista 26 Nov 2026 EUR 120.00 7 Dec 2026 — EUR 120.00" in lines
    assert "Tree sensors in Paranhos 26 Nov 2026 EUR 110.00 7 Dec 2026 10 Jan 2027" in lines
    assert "only charges count as paid" in text_of(page.text, "statement-note")
    assert 'href="/pledges/statements/2026.csv"' in page.text
    later = client.get("/pledges/statements/2027")
    assert "EUR -110.00" in text_of(later.text, "totals")
    mine = client.get("/me/pledges")
    assert 'href="/pledges/statements/2026"' in mine.text
    assert 'href="/pledges/statements/2027"' in mine.text


@pytest.mark.parametrize("year", ["abcd", "1800", "99999", "20x6", "-2026"])
def test_a_bad_year_is_a_clear_404(year, world, client):
    rita = world.citizen("rita@example.org")
    login(client, "rita@example.org")
    for url in (f"/pledges/statements/{year}", f"/pledges/statements/{year}.csv"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert "statements are by calendar year" in words(answer.text)
    api = client.get(f"/api/v1/me/pledge-statements/{year}.csv",
                     headers=bearer(world.token(rita)))
    assert api.status_code == 404
    assert api.get_json()["error"]["code"] == "no_such_year"


def test_the_statement_needs_a_signed_in_person(client):
    assert client.get("/pledges/statements/2026").status_code in (302, 401)
    assert client.get("/api/v1/me/pledge-statements/2026.csv").status_code == 401
