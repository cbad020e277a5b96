"""Admin pages: cities and account roles, for administrators only."""

from __future__ import annotations

import pytest

from tests.conftest import csrf_from, login


def recorded(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


@pytest.fixture
def admin_client(client, world):
    world.account("admin", "admin@example.org", name="Ada Admin")
    login(client, "admin@example.org")
    return client


def city_form(client, **fields) -> dict[str, str]:
    page = client.get("/admin/cities")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_from(page.text),
        "name": "Eindhoven",
        "currency": "EUR",
        "country": "NL",
        "timezone": "Europe/Amsterdam",
    }
    data.update(fields)
    return data


def test_the_dashboard_counts_cities_and_accounts(admin_client, world):
    world.city("Porto")
    world.citizen("ana@example.org")

    page = admin_client.get("/admin")

    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert 'id="count-cities">1<' in page.text
    assert 'id="count-accounts">2<' in page.text
    assert "/admin/cities" in page.text and "/admin/accounts" in page.text


def test_an_admin_adds_a_city_and_it_appears_in_the_list(admin_client, platform):
    response = admin_client.post("/admin/cities", data=city_form(admin_client),
                                 follow_redirects=True)

    assert response.status_code == 200
    assert "Eindhoven is added" in response.text
    assert "Europe/Amsterdam" in response.text
    city = platform.read.city_named("Eindhoven")
    assert (city.currency, city.country, city.timezone) == ("EUR", "NL", "Europe/Amsterdam")


def test_a_zero_decimal_currency_city_can_be_added(admin_client, platform):
    admin_client.post("/admin/cities", data=city_form(
        admin_client, name="Reykjavik", currency="ISK", country="is", timezone="Atlantic/Reykjavik"
    ))

    assert platform.read.city_named("Reykjavik").currency == "ISK"
    assert platform.read.city_named("Reykjavik").country == "IS"


BAD_CITIES = {
    "an unknown currency": (dict(currency="XYZ"), "not a currency civicfund accepts"),
    "a country that is not a code": (dict(country="Netherlands"), "two-letter ISO code"),
    "an unknown time zone": (dict(timezone="Mars/Olympus"), "is not a known time zone"),
    "no name": (dict(name="  "), "Enter the city&#39;s name"),
    "a control character": (dict(name="Eind\x00hoven"), "Remove the control characters"),
}


@pytest.mark.parametrize("case", BAD_CITIES, ids=list(BAD_CITIES))
def test_a_bad_city_is_refused_with_a_message_and_records_nothing(case, admin_client, platform):
    fields, message = BAD_CITIES[case]
    before = recorded(platform)

    page = admin_client.post("/admin/cities", data=city_form(admin_client, **fields))

    assert page.status_code == 422
    assert message in page.text
    assert 'role="alert"' in page.text and "field-error" in page.text
    assert recorded(platform) == before
    assert platform.read.cities() == []


def test_a_duplicate_city_is_refused(admin_client, platform, world):
    world.city("Porto")
    before = recorded(platform)

    page = admin_client.post("/admin/cities", data=city_form(
        admin_client, name=" porto ", country="PT", timezone="Europe/Lisbon"
    ))

    assert page.status_code == 422
    assert "already exists" in page.text
    assert recorded(platform) == before
    assert [city.name for city in platform.read.cities()] == ["Porto"]


def test_an_admin_makes_a_citizen_the_officer_of_a_city(admin_client, client, world, platform):
    porto = world.city("Porto")
    ana = world.citizen("ana@example.org")
    page = admin_client.get("/admin/accounts")
    assert "ana@example.org" in page.text

    response = admin_client.post(
        f"/admin/accounts/{ana}/role",
        data={"csrf_token": csrf_from(page.text), "role": "city", "city": str(porto)},
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "is now city officer of Porto" in response.text
    account = platform.accounts.get(ana)
    assert (account.role, account.city_id) == ("city", porto)
    assert platform.app.get_account(ana).role == "city"
    # Ana now reaches her city's console.
    admin_client.post("/logout", data={"csrf_token": csrf_from(response.text)})
    login(client, "ana@example.org")
    console = client.get("/console")
    assert console.status_code == 200 and "Porto" in console.text


def test_an_officer_without_a_city_is_refused(admin_client, world, platform):
    world.city("Porto")
    ana = world.citizen("ana@example.org")
    page = admin_client.get("/admin/accounts")
    before = recorded(platform)

    response = admin_client.post(
        f"/admin/accounts/{ana}/role",
        data={"csrf_token": csrf_from(page.text), "role": "city", "city": ""},
    )

    assert response.status_code == 422
    assert "A city officer must be tied to a city" in response.text
    assert 'role="alert"' in response.text
    assert recorded(platform) == before
    assert platform.accounts.get(ana).role == "citizen"


@pytest.mark.parametrize("fields", [
    {"role": "emperor", "city": ""},
    {"role": "city", "city": "not-a-city"},
    {"role": "city", "city": "00000000-0000-4000-8000-000000000000"},
])
def test_unknown_roles_and_cities_are_refused(fields, admin_client, world, platform):
    ana = world.citizen("ana@example.org")
    page = admin_client.get("/admin/accounts")
    before = recorded(platform)

    response = admin_client.post(
        f"/admin/accounts/{ana}/role", data={"csrf_token": csrf_from(page.text), **fields}
    )

    assert response.status_code == 422
    assert "field-error" in response.text
    assert recorded(platform) == before


def test_an_admin_cannot_change_their_own_role(admin_client, platform):
    me = platform.accounts.by_email("admin@example.org")
    page = admin_client.get("/admin/accounts")

    response = admin_client.post(
        f"/admin/accounts/{me.id}/role",
        data={"csrf_token": csrf_from(page.text), "role": "citizen", "city": ""},
    )

    assert response.status_code == 422
    assert "cannot change your own role" in response.text
    assert platform.accounts.get(me.id).role == "admin"


def test_changing_the_role_of_an_unknown_account_is_not_found(admin_client):
    page = admin_client.get("/admin/accounts")
    response = admin_client.post(
        "/admin/accounts/00000000-0000-4000-8000-000000000000/role",
        data={"csrf_token": csrf_from(page.text), "role": "citizen"},
    )
    assert response.status_code == 404


def test_admin_forms_without_the_csrf_token_are_refused(admin_client, world, platform):
    ana = world.citizen("ana@example.org")
    before = recorded(platform)

    city = admin_client.post("/admin/cities", data={
        "name": "Zagreb", "currency": "EUR", "country": "HR", "timezone": "Europe/Zagreb"
    })
    role = admin_client.post(f"/admin/accounts/{ana}/role", data={"role": "admin"})

    assert city.status_code == 400 and role.status_code == 400
    assert recorded(platform) == before
    assert platform.accounts.get(ana).role == "citizen"


@pytest.mark.parametrize("role", ["citizen", "city", "investor"])
def test_non_admins_get_403_on_every_admin_page(role, client, world, platform):
    porto = world.city("Porto")
    world.account(role, "someone@example.org", city_id=porto if role == "city" else None)
    victim = world.citizen("ana@example.org")
    login(client, "someone@example.org")
    token = csrf_from(client.get("/").text)
    before = recorded(platform)

    for path in ("/admin", "/admin/cities", "/admin/accounts"):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "For administrators only" in page.text
    added = client.post("/admin/cities", data={
        "csrf_token": token, "name": "Zagreb", "currency": "EUR", "country": "HR",
        "timezone": "Europe/Zagreb",
    })
    promoted = client.post(
        f"/admin/accounts/{victim}/role", data={"csrf_token": token, "role": "admin"}
    )

    assert added.status_code == 403 and promoted.status_code == 403
    assert recorded(platform) == before
    assert platform.accounts.get(victim).role == "citizen"


def test_visitors_who_are_not_logged_in_are_sent_to_log_in(client):
    response = client.get("/admin/accounts")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_admin_pages_have_one_heading_and_labelled_fields(admin_client, world):
    from tests.e2e.test_console_pages import audit

    world.city("Porto")
    world.citizen("ana@example.org")
    for path in ("/admin", "/admin/cities", "/admin/accounts"):
        found = audit(admin_client.get(path).text)
        assert found.h1 == 1, path
        assert set(found.fields) <= found.labelled, path


def test_an_auditor_reads_the_admin_pages_and_changes_nothing(client, world, platform):
    """What the README says of auditors: every page to read (tests/e2e/test_auditor_read_only.py
    walks them all), no change."""
    world.account("auditor", "auditor@example.org")
    victim = world.citizen("ana@example.org")
    login(client, "auditor@example.org")
    before = recorded(platform)

    home = client.get("/")
    assert 'href="/audit"' in home.text and 'href="/admin"' in home.text
    for path in ("/admin", "/admin/accounts", "/console/funds"):
        assert client.get(path).status_code == 200, path
    promoted = client.post(f"/admin/accounts/{victim}/role",
                           data={"csrf_token": csrf_from(home.text), "role": "admin"})

    assert promoted.status_code == 403 and "Read-only for auditors" in promoted.text
    assert recorded(platform) == before
    assert platform.accounts.get(victim).role == "citizen"
