"""Cities (name, country, currency, time zone) and accounts (a role; officers tied to a city)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import pytest

from domain.accounts.account import Account, InvalidCase, InvalidRole
from domain.cities.city import City, city_id_for
from domain.kernel.context import ROLES
from domain.kernel.errors import InvalidCity, UnknownCurrency


def test_a_city_is_added_with_tidy_name_upper_case_codes_and_its_time_zone():
    city = City.add(name="  Porto  ", country="pt", currency="eur", timezone="Europe/Lisbon")
    assert (city.name, city.country, city.currency, city.timezone) == (
        "Porto", "PT", "EUR", "Europe/Lisbon")


def test_a_citys_id_comes_from_its_name_ignoring_case_and_spacing():
    assert city_id_for("Porto") == city_id_for("porto") == city_id_for("  PORTO ")
    assert city_id_for("San  Sebastián") == city_id_for("san sebastián")
    assert city_id_for("Porto") != city_id_for("Dublin")
    city = City.add(name="Porto", country="PT", currency="EUR", timezone="Europe/Lisbon")
    assert city.id == city_id_for("PORTO")


@pytest.mark.parametrize("name", ["", "   ", "x" * 81, None])
def test_a_city_needs_a_name_of_1_to_80_characters(name):
    with pytest.raises(InvalidCity) as refused:
        City.add(name=name, country="PT", currency="EUR", timezone="Europe/Lisbon")
    assert refused.value.field == "name"


@pytest.mark.parametrize("country", ["", "P", "PRT", "P1", None])
def test_a_citys_country_is_a_two_letter_code(country):
    with pytest.raises(InvalidCity) as refused:
        City.add(name="Porto", country=country, currency="EUR", timezone="Europe/Lisbon")
    assert refused.value.field == "country"


@pytest.mark.parametrize("currency", ["", "XYZ", "EURO", None])
def test_a_citys_currency_must_be_one_civicfund_accepts(currency):
    with pytest.raises(UnknownCurrency):
        City.add(name="Porto", country="PT", currency=currency, timezone="Europe/Lisbon")


@pytest.mark.parametrize("timezone", ["", "Mars/Olympus", "Europe/../etc", None])
def test_a_citys_time_zone_must_be_known(timezone):
    with pytest.raises(InvalidCity) as refused:
        City.add(name="Porto", country="PT", currency="EUR", timezone=timezone)
    assert refused.value.field == "timezone"


@pytest.mark.parametrize("role", ["citizen", "investor", "auditor", "admin"])
def test_accounts_other_than_officers_are_tied_to_no_city(role):
    account = Account.register(role=role, city_id=uuid4())
    assert account.role == role
    assert account.city_id is None


def test_a_city_officer_is_tied_to_their_city():
    city_id = uuid4()
    account = Account.register(role="city", city_id=city_id)
    assert (account.role, account.city_id) == ("city", city_id)


def test_a_city_officer_without_a_city_is_refused():
    with pytest.raises(InvalidRole) as refused:
        Account.register(role="city")
    assert (refused.value.code, refused.value.field) == ("invalid_role", "city")


@pytest.mark.parametrize("role", ["", "superuser", "system", "Citizen"])
def test_an_unknown_role_is_refused(role):
    with pytest.raises(InvalidRole):
        Account.register(role=role)


def test_a_role_change_records_an_event_and_drops_the_city_when_leaving_the_city_role():
    city_id = uuid4()
    account = Account.register(role="city", city_id=city_id)
    account.change_role("auditor", city_id)
    assert (account.role, account.city_id) == ("auditor", None)
    assert [type(e).__name__ for e in account.collect_events()] == ["Registered", "RoleChanged"]


def test_the_roles_are_the_seven_the_platform_knows():
    assert set(ROLES) == {"citizen", "city", "proposer", "evaluator", "investor", "auditor",
                          "admin"}


NOW = datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_an_auditors_case_runs_until_it_expires_and_only_on_its_account():
    auditor, subject = Account.register(role="auditor"), uuid4()
    auditor.grant_case(subject, "  Complaint 2026-14  ", NOW + timedelta(days=7), NOW)
    assert auditor.cases_open(NOW) == {subject}
    assert auditor.cases_open(NOW + timedelta(days=7)) == set()
    [granted] = [e for e in auditor.collect_events() if type(e).__name__ == "CaseGranted"]
    assert (granted.subject_id, granted.reason) == (subject, "Complaint 2026-14")


@pytest.mark.parametrize(("role", "reason", "days", "message"), [
    ("citizen", "Complaint 14", 7, "Cases are granted to auditors only"),
    ("auditor", "   ", 7, "Give the reason"),
    ("auditor", "About ana@example.org", 7, "no email addresses"),
    ("auditor", "Complaint 14", 91, "within 90 days"),
    ("auditor", "Complaint 14", 0, "within 90 days"),
])
def test_a_case_needs_an_auditor_a_reason_without_personal_data_and_a_near_expiry(
        role, reason, days, message):
    account = Account.register(role=role)
    with pytest.raises(InvalidCase, match=message):
        account.grant_case(uuid4(), reason, NOW + timedelta(days=days), NOW)
    assert account.cases_open(NOW) == set()
