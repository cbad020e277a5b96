"""The city officer console: drafting pilots through the form and opening their campaigns."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from uuid import UUID

import pytest

from tests.conftest import csrf_from, login


def recorded(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


@pytest.fixture
def porto(world):
    city_id = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer_id = world.officer(city_id, "officer@porto.example.org")
    return city_id, officer_id


@pytest.fixture
def officer_client(client, world, porto):
    login(client, "officer@porto.example.org")
    return client


LINES = [
    ("Air-quality sensors", "8000.00", True),
    ("Installation", "1500.50", True),
    ("Public dashboard", "2000.00", False),
]


def pilot_form(client, *, lines=LINES, rows: int = 6, **fields) -> dict[str, str]:
    """What an officer types into the new-pilot form (Porto is UTC in November)."""
    page = client.get("/console/projects/new")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_from(page.text),
        "title": "Clean air around schools",
        "summary": "Sensors outside ten primary schools, with a public dashboard.",
        "area": "Bonfim",
        "theme": "Air quality",
        "proposer": "Parents of Bonfim",
        "funding_model": "all_or_nothing",
        "opens_at": "2026-11-27T09:00",
        "closes_at": "2026-12-27T18:00",
        "line_count": str(rows),
    }
    for i, (label, amount, required) in enumerate(lines):
        data[f"line-{i}-label"] = label
        data[f"line-{i}-amount"] = amount
        if required:
            data[f"line-{i}-required"] = "1"
    data.update(fields)
    return data


def project_id_from(response) -> UUID:
    match = re.search(r"/console/projects/([0-9a-f-]{36})$", response.headers["Location"])
    assert match, response.headers["Location"]
    return UUID(match.group(1))


# -- what an officer sees --------------------------------------------------------------------

def test_the_console_shows_the_officers_city_and_all_its_pilots_including_drafts(
    officer_client, world, porto
):
    city_id, officer_id = porto
    world.project(city_id, officer_id, title="Smart bike lanes", open_campaign=True)
    world.project(city_id, officer_id, title="Solar benches", open_campaign=False)
    elsewhere = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    world.project(elsewhere, world.officer(elsewhere), title="Dublin flood sensors")

    page = officer_client.get("/console")

    assert page.status_code == 200
    assert page.text.count("<h1") == 1
    assert "Porto" in page.text and "EUR" in page.text and "Europe/Lisbon" in page.text
    assert "Smart bike lanes" in page.text and "Solar benches" in page.text
    assert "Dublin flood sensors" not in page.text
    assert "Draft" in page.text and "Campaign open" in page.text
    assert page.text.count(">Open campaign<") == 1  # only the draft can be opened


def test_an_officer_drafts_a_pilot_with_required_and_optional_lines_and_opens_it(
    officer_client, platform
):
    before = recorded(platform)
    response = officer_client.post("/console/projects/new", data=pilot_form(officer_client))

    assert response.status_code == 303
    project_id = project_id_from(response)
    assert recorded(platform) > before
    detail = officer_client.get(response.headers["Location"])
    assert "is saved as a draft" in detail.text
    assert re.search(r'id="minimum">EUR 9,500.50<', detail.text)
    assert re.search(r'id="optimum">EUR 11,500.50<', detail.text)
    assert "Public dashboard" in detail.text and "Optional" in detail.text

    console = officer_client.get("/console")
    row = console.text[console.text.index("Clean air around schools"):]
    assert "Draft" in row[:2000]
    assert "EUR 9,500.50" in row and "EUR 11,500.50" in row
    view = platform.read.project(project_id)
    assert view.status == "draft"
    assert [(line.label, line.amount.display(), line.required) for line in view.budget_lines] == [
        ("Air-quality sensors", "EUR 8,000.00", True),
        ("Installation", "EUR 1,500.50", True),
        ("Public dashboard", "EUR 2,000.00", False),
    ]
    opened = officer_client.post(
        f"/console/projects/{project_id}/open",
        data={"csrf_token": csrf_from(console.text)},
        follow_redirects=True,
    )

    assert opened.status_code == 200
    assert "campaign for “Clean air around schools” is open" in opened.text
    assert platform.read.project(project_id).status == "open"
    public = officer_client.get(f"/projects/{project_id}")
    assert public.status_code == 200
    assert "Clean air around schools" in public.text
    assert re.search(r'id="raised"[^>]*>\s*EUR 0.00', public.text)


def test_campaign_times_are_read_in_the_city_time_zone(client, world):
    stavanger = world.city("Stavanger", "NOK", "NO", "Europe/Oslo")
    world.officer(stavanger, "officer@stavanger.example.org")
    login(client, "officer@stavanger.example.org")
    form = client.get("/console/projects/new")
    assert "Europe/Oslo" in form.text and "NOK" in form.text

    response = client.post("/console/projects/new", data=pilot_form(client))

    view = client.application.extensions["civicfund"].read.project(project_id_from(response))
    assert view.currency == "NOK"
    assert view.opens_at == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)  # 09:00 in Oslo (UTC+1)
    assert view.closes_at == datetime(2026, 12, 27, 17, 0, tzinfo=UTC)


def test_ticking_open_now_opens_the_campaign_with_the_draft(officer_client, platform):
    response = officer_client.post(
        "/console/projects/new", data=pilot_form(officer_client, open_now="1")
    )

    assert response.status_code == 303
    assert platform.read.project(project_id_from(response)).status == "open"
    page = officer_client.get(response.headers["Location"])
    assert "is saved and its campaign is open" in page.text


def test_add_more_lines_keeps_what_was_typed_and_records_nothing(officer_client, platform):
    before = recorded(platform)
    data = pilot_form(officer_client, action="add_lines")

    page = officer_client.post("/console/projects/new", data=data)

    assert page.status_code == 200
    assert recorded(platform) == before
    assert 'name="line-8-label"' in page.text and 'name="line-9-label"' not in page.text
    assert 'value="Installation"' in page.text and 'value="1500.50"' in page.text
    assert 'value="Clean air around schools"' in page.text
    assert re.search(r'name="line-2-required"[^>]*>', page.text).group(0).find("checked") == -1


# -- bad input records nothing and says what is wrong -------------------------------------

BAD_INPUT = {
    "no budget lines": (dict(lines=[]), "Add at least one budget line"),
    "only optional lines": (
        dict(lines=[("Sensors", "100.00", False), ("Signs", "50.00", False)]),
        "Mark at least one line as required",
    ),
    "a zero amount": (dict(lines=[("Sensors", "0", True)]), "enter an amount above zero"),
    "a negative amount": (dict(lines=[("Sensors", "-5.00", True)]), "enter an amount above zero"),
    "an amount that is not a number": (dict(lines=[("Sensors", "abc", True)]), "is not an amount"),
    "too many decimals": (
        dict(lines=[("Sensors", "12.345", True)]), "at most 2 decimal places"
    ),
    "a huge amount": (
        dict(lines=[("Sensors", "99999999999999999999", True)]), "per line"
    ),
    "an amount without a label": (dict(lines=[("", "100.00", True)]), "give this line a label"),
    "a label without an amount": (dict(lines=[("Sensors", "", True)]), "enter an amount"),
    "closing before opening": (
        dict(opens_at="2026-12-10T09:00", closes_at="2026-12-01T09:00"),
        "The campaign must close after it opens",
    ),
    "closing in the past": (
        dict(opens_at="2026-10-01T09:00", closes_at="2026-11-01T09:00"),
        "That closing time has already passed",
    ),
    "opening in the past": (
        dict(opens_at="2026-11-20T09:00"), "The campaign cannot open in the past"
    ),
    "closing years from now": (
        dict(closes_at="9999-12-31T23:59"), "A campaign closes within a year from today"
    ),
    "a date that is not a date": (dict(closes_at="next Tuesday"), "is not a date and time"),
    "no title": (dict(title="   "), "Enter a title for the pilot"),
    "a control character in the title": (
        dict(title="Clean\x00air"), "Remove the control characters"
    ),
    "no funding model": (dict(funding_model="whatever"), "Choose how the pilot is funded"),
}


@pytest.mark.parametrize("case", BAD_INPUT, ids=list(BAD_INPUT))
def test_bad_input_is_refused_with_a_clear_message_and_records_nothing(
    case, officer_client, platform
):
    fields, message = BAD_INPUT[case]
    before = recorded(platform)

    page = officer_client.post("/console/projects/new", data=pilot_form(officer_client, **fields))

    assert page.status_code == 422
    assert message in page.text
    assert 'role="alert"' in page.text
    assert "field-error" in page.text
    assert recorded(platform) == before
    assert platform.read.projects(include_drafts=True) == []
    typed = fields.get("title", "Clean air around schools").strip()
    if typed:
        assert f'value="{typed}"' in page.text


def test_a_pilot_is_always_in_the_officers_city_currency(officer_client, platform, world):
    world.city("Manchester", "GBP", "GB", "Europe/London")
    data = pilot_form(officer_client, currency="GBP")  # there is no such field: it is ignored
    data["city"] = str(platform.read.city_named("Manchester").id)

    response = officer_client.post("/console/projects/new", data=data)

    view = platform.read.project(project_id_from(response))
    assert view.currency == "EUR" and view.city_name == "Porto"
    refused = officer_client.post(
        "/console/projects/new",
        data=pilot_form(officer_client, lines=[("Sensors", "GBP 100.00", True)]),
    )
    assert refused.status_code == 422
    assert "is not an amount" in refused.text


# -- who may do what -----------------------------------------------------------------------

def test_a_visitor_who_is_not_logged_in_is_sent_to_log_in(client):
    response = client.get("/console")
    assert response.status_code in (302, 303)
    assert "/login" in response.headers["Location"]


def test_a_citizen_cannot_use_the_console(client, world, platform, porto):
    world.citizen("ana@example.org")
    login(client, "ana@example.org")
    draft = world.project(*porto, open_campaign=False)
    home = client.get("/")
    token = csrf_from(home.text)
    before = recorded(platform)

    page = client.get("/console")
    refused_new = client.post("/console/projects/new", data={"csrf_token": token, "title": "X"})
    refused_open = client.post(f"/console/projects/{draft}/open", data={"csrf_token": token})

    assert page.status_code == 403
    assert "For city officers only" in page.text
    assert refused_new.status_code == 403 and refused_open.status_code == 403
    assert recorded(platform) == before
    assert platform.read.project(draft).status == "draft"


def test_an_officer_of_another_city_cannot_see_or_open_a_pilot(client, world, platform, porto):
    draft = world.project(*porto, title="Porto tram sensors", open_campaign=False)
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    world.officer(dublin, "officer@dublin.example.org")
    login(client, "officer@dublin.example.org")
    console = client.get("/console")
    before = recorded(platform)

    assert "Porto tram sensors" not in console.text
    assert client.get(f"/console/projects/{draft}").status_code == 403
    refused = client.post(
        f"/console/projects/{draft}/open", data={"csrf_token": csrf_from(console.text)}
    )

    assert refused.status_code == 403
    assert "another city" in refused.text
    assert recorded(platform) == before
    assert platform.read.project(draft).status == "draft"


def test_opening_a_campaign_twice_is_refused_clearly(officer_client, world, platform, porto):
    project_id = world.project(*porto, title="Already live", open_campaign=True)
    console = officer_client.get("/console")
    before = recorded(platform)

    page = officer_client.post(
        f"/console/projects/{project_id}/open",
        data={"csrf_token": csrf_from(console.text)},
        follow_redirects=True,
    )

    assert "Only a draft can open its campaign" in page.text
    assert 'role="alert"' in page.text
    assert recorded(platform) == before


def test_opening_an_unknown_pilot_is_not_found(officer_client):
    console = officer_client.get("/console")
    response = officer_client.post(
        "/console/projects/00000000-0000-4000-8000-000000000000/open",
        data={"csrf_token": csrf_from(console.text)},
    )
    assert response.status_code == 404
    assert officer_client.get("/console/projects/not-a-uuid").status_code == 404


def test_forms_without_the_csrf_token_are_refused_and_record_nothing(
    officer_client, world, platform, porto
):
    draft = world.project(*porto, open_campaign=False)
    data = pilot_form(officer_client)
    del data["csrf_token"]
    before = recorded(platform)

    created = officer_client.post("/console/projects/new", data=data)
    opened = officer_client.post(f"/console/projects/{draft}/open", data={})

    assert created.status_code == 400 and opened.status_code == 400
    assert "Form expired" in created.text
    assert recorded(platform) == before
    assert platform.read.project(draft).status == "draft"


# -- accessible without JavaScript ---------------------------------------------------------

class FormAudit(HTMLParser):
    """Collects the page's h1s, labels and the ids of fields a person fills in."""

    def __init__(self):
        super().__init__()
        self.h1 = 0
        self.labelled: set[str] = set()
        self.fields: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "h1":
            self.h1 += 1
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        if tag in ("input", "select", "textarea") and attrs.get("type") not in ("hidden",):
            self.fields.append(attrs.get("id") or f"<{tag} name={attrs.get('name')}>")


def audit(html: str) -> FormAudit:
    parser = FormAudit()
    parser.feed(html)
    return parser


def test_the_form_has_one_heading_and_a_label_for_every_field(officer_client):
    page = officer_client.get("/console/projects/new")
    wrong = officer_client.post(
        "/console/projects/new", data=pilot_form(officer_client, lines=[("", "abc", True)])
    )

    for html in (page.text, wrong.text):
        found = audit(html)
        assert found.h1 == 1
        assert found.fields and set(found.fields) <= found.labelled
    assert 'aria-invalid="true"' in wrong.text
    assert 'href="#line-0-amount"' in wrong.text and 'href="#line-0-label"' in wrong.text


def test_opening_a_campaign_another_officer_just_opened_says_so_and_records_nothing(
    monkeypatch, officer_client, world, porto, platform, sqlite_url, clock
):
    from domain.kernel.context import Actor, acting_as
    from tests.conftest import make_platform

    city_id, officer_id = porto
    draft = world.project(city_id, officer_id, title="Solar benches", open_campaign=False)
    console = officer_client.get("/console")
    rival = make_platform(sqlite_url, clock)  # a second server process on the same database
    read = platform.app.get_project

    def read_then_a_colleague_opens_it(project_id):
        project = read(project_id)
        monkeypatch.setattr(platform.app, "get_project", read)
        with acting_as(Actor(str(officer_id), "city"), "colleague"):
            rival.app.open_campaign(project_id)
        return project

    monkeypatch.setattr(platform.app, "get_project", read_then_a_colleague_opens_it)
    try:
        response = officer_client.post(f"/console/projects/{draft}/open",
                                       data={"csrf_token": csrf_from(console.text)})
        after_the_colleague = rival.app.recorder.max_notification_id()
    finally:
        rival.close()

    assert response.status_code == 409
    assert "changed at the same time" in response.text and "try again" in response.text
    assert recorded(platform) == after_the_colleague


def test_the_proposer_field_asks_for_an_organisation_not_a_person(officer_client):
    """The proposer is public and stays in the log for good: no person's name belongs there."""
    page = officer_client.get("/console/projects/new")

    hint = re.search(r'id="proposer-hint"[^>]*>(.*?)</p>', page.text, re.S).group(1)
    assert "organisation" in hint and "not a person&#39;s name" in hint
    assert 'aria-describedby="proposer-hint"' in page.text
