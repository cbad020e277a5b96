"""Matching funds in the pages: the preview on the pledge form, the capital stack on the pilot's
page, the public fund pages, and the city console's fund forms."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest

from domain.kernel.context import Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from tests.conftest import csrf_from, login


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:td|dd|p|span|strong|div|section|table)>',
                      html, re.S)
    assert match, f"no element with id {element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def inside(html: str, element_id: str, tag: str) -> str:
    """The words inside the element with this id, up to the first closing `tag`."""
    match = re.search(rf'id="{element_id}"(.*?)</{tag}>', html, re.S)
    assert match, f"no element with id {element_id}"
    return words(match.group(1).split(">", 1)[1])


def words(html: str) -> str:
    """The page's text as a reader sees it: tags gone, entities of quotes undone."""
    text = re.sub(r"<[^>]+>", " ", html).replace("&#39;", "'").replace("&amp;", "&")
    return " ".join(text.split())


def recorded(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


RATIO = {"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00", "cap_per_project": "500.00",
         "one_per_backer": True}


@pytest.fixture
def porto(world):
    city_id = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    officer_id = world.officer(city_id, "officer@porto.example.org")
    project_id = world.project(city_id, officer_id, title="Smart bike lanes")
    return {"city": city_id, "officer": officer_id, "project": project_id}


def make_fund(world, city_id, officer_id, *, name="Green Streets Match", rules=None,
              pool="1000.00", themes=(), areas=()) -> uuid.UUID:
    now = world.clock.now()
    with acting_as(Actor(str(officer_id), "city"), "test-seed"):
        fund_id = world.app.create_matching_fund(
            city_id=city_id, name=name, sponsor="Porto Environment Department", currency="EUR",
            pool=Money.parse(pool, "EUR"), opens_at=now - timedelta(hours=1),
            closes_at=now + timedelta(days=60), themes=list(themes), areas=list(areas),
            rules=parse_rules(rules or RATIO, "EUR"),
        )
    world.platform.projections.catch_up()
    return fund_id


@pytest.fixture
def fund(world, porto):
    return make_fund(world, porto["city"], porto["officer"])


@pytest.fixture
def citizen(client, world):
    account_id = world.citizen()
    login(client, world.emails[account_id])
    return account_id


# -- the pledge form ------------------------------------------------------------------------------

def test_the_pledge_form_previews_what_each_fund_adds_and_why_recording_nothing(
    client, world, porto, fund, citizen
):
    second = make_fund(world, porto["city"], porto["officer"], name="Mobility Half Match",
                       rules={"kind": "ratio", "factor": "0.5"}, themes=["Mobility"])
    project_id = porto["project"]
    form = client.get(f"/projects/{project_id}/pledge")
    assert "Green Streets Match" in form.text and "Mobility Half Match" in form.text
    before = recorded(world.platform)

    page = client.post(f"/projects/{project_id}/pledge", data={
        "amount": "40.00", "payment_method": "pm_card_visa", "action": "preview",
        "csrf_token": csrf_from(form.text),
    })

    assert page.status_code == 200
    assert 'value="40.00"' in page.text  # the amount typed is kept
    rows = {
        fund_id: words(row)
        for fund_id, row in re.findall(r'<tr data-fund-id="([^"]+)">(.*?)</tr>', page.text, re.S)
    }
    assert "EUR 25.00" in rows[str(fund)] and "Capped at EUR 25.00 a pledge" in rows[str(fund)]
    assert "EUR 20.00" in rows[str(second)] and "0.5:1 match" in rows[str(second)]
    assert text_of(page.text, "preview-total") == "EUR 85.00"
    # The funds are listed in the order they apply, and nothing was pledged or reserved.
    assert page.text.index(str(fund)) < page.text.index(str(second))
    assert recorded(world.platform) == before
    assert world.platform.read.matching_fund(fund).reserved == Money(0, "EUR")


def test_a_bad_amount_in_the_preview_is_explained_and_records_nothing(
    client, world, porto, fund, citizen
):
    project_id = porto["project"]
    form = client.get(f"/projects/{project_id}/pledge")
    before = recorded(world.platform)
    for amount, message in (("", "Enter the amount you pledge"), ("-5", "more than zero"),
                            ("ten", "")):
        page = client.post(f"/projects/{project_id}/pledge", data={
            "amount": amount, "action": "preview", "csrf_token": csrf_from(form.text),
        })
        assert page.status_code == 422, amount
        assert 'class="field-error"' in page.text
        assert message in page.text
    assert recorded(world.platform) == before


def test_after_pledging_the_citizen_sees_what_the_funds_added(client, world, porto, fund, citizen):
    project_id = porto["project"]
    form = client.get(f"/projects/{project_id}/pledge")
    done = client.post(f"/projects/{project_id}/pledge", data={
        "amount": "40.00", "payment_method": "pm_card_visa", "action": "pledge",
        "csrf_token": csrf_from(form.text),
    }, follow_redirects=True)

    assert done.status_code == 200
    assert "The matching funds add EUR 25.00 to it." in words(done.text)
    assert text_of(done.text, "pledge-matched").startswith("EUR 25.00")
    mine = client.get("/me/pledges")
    assert "+ EUR 25.00 matched" in words(mine.text)
    # The next pledge form says where the pilot stands with the matches: what decides it.
    again = client.get(f"/projects/{project_id}/pledge")
    assert text_of(again.text, "side-matched") == "EUR 25.00"
    assert text_of(again.text, "side-total") == "EUR 65.00"


def test_the_live_preview_asks_the_address_the_page_names_and_gets_each_funds_amount(
    client, world, porto, fund, citizen
):
    page = client.get(f"/projects/{porto['project']}/pledge")
    assert re.search(r"/static/match-preview\.[0-9a-f]{8}\.js", page.text)
    url = re.search(r'data-preview-url="([^"]+)"', page.text).group(1)
    assert client.get("/static/match-preview.js").status_code == 200

    answer = client.get(f"{url}?amount=40.00")

    assert answer.status_code == 200
    [match] = answer.json["matches"]
    assert (match["fund_id"], match["amount"]) == (str(fund), "25.00")
    assert f'data-fund-id="{match["fund_id"]}"' in page.text  # the row the script fills in


def test_a_backer_pledging_again_is_told_the_fund_matched_them_already(
    client, world, porto, fund, citizen
):
    world.pledge(porto["project"], citizen, "10.00")
    form = client.get(f"/projects/{porto['project']}/pledge")
    # The live preview asks as the signed-in citizen, so it knows they are matched already.
    url = re.search(r'data-preview-url="([^"]+)"', form.text).group(1)
    [live] = client.get(f"{url}?amount=40.00").json["matches"]
    assert live["amount"] == "0.00" and "already matched" in live["reason"]

    page = client.post(f"/projects/{porto['project']}/pledge", data={
        "amount": "40.00", "action": "preview", "csrf_token": csrf_from(form.text),
    })

    assert page.status_code == 200
    row = words(re.search(rf'<tr data-fund-id="{fund}">(.*?)</tr>', page.text, re.S).group(1))
    assert "EUR 0.00" in row and "already matched" in row
    assert text_of(page.text, "preview-total") == "EUR 40.00"


def test_the_live_preview_explains_a_bad_amount_and_refuses_non_citizens(
    client, world, porto, fund, citizen
):
    url = f"/projects/{porto['project']}/pledge/preview"
    bad = client.get(f"{url}?amount=12.345")
    assert bad.status_code == 422 and "2 decimal places" in bad.json["error"]["message"]
    assert client.get(f"{url}?amount=0").json["error"]["code"] == "invalid_amount"
    client.get("/logout")
    login(client, world.emails[porto["officer"]])
    assert client.get(f"{url}?amount=10.00").status_code == 403


def test_a_pilot_no_fund_covers_has_no_preview(client, world, porto, citizen):
    make_fund(world, porto["city"], porto["officer"], themes=["Energy"])
    page = client.get(f"/projects/{porto['project']}/pledge")
    assert page.status_code == 200
    assert 'id="match-preview"' not in page.text
    assert "/static/match-preview." not in page.text


# -- the pilot's page -----------------------------------------------------------------------------

def test_the_project_page_draws_the_capital_stack_with_crowd_and_fund_amounts(
    client, world, porto, fund
):
    project_id = porto["project"]
    world.pledge(project_id, world.citizen(), "40.00")
    world.pledge(project_id, world.citizen(), "10.00")

    page = client.get(f"/projects/{project_id}")

    assert page.status_code == 200
    assert text_of(page.text, "total") == "EUR 85.00"  # 50 from the crowd, 25 + 10 matched
    assert text_of(page.text, "matched") == "EUR 35.00"
    legend = re.search(r'id="stack-bar-legend".*?</table>', page.text, re.S).group(0)
    assert "Crowd: citizens' pledges EUR 50.00" in words(legend)
    assert "Green Streets Match EUR 35.00" in words(legend)
    assert "Minimum EUR 8,000.00" in words(legend)
    assert f'href="/funds/{fund}"' in legend
    bar = re.search(r'<div class="stack-bar" id="stack-bar" role="img" aria-label="([^"]+)"',
                    page.text)
    assert bar and "Green Streets Match EUR 35.00" in bar.group(1)
    assert "total EUR 85.00" in bar.group(1)
    applying = text_of(page.text, "applying-funds")
    assert "Green Streets Match" in applying


def test_a_pilot_funded_by_crowd_and_match_together_says_so_and_the_match_is_committed(
    client, world, porto
):
    fund = make_fund(world, porto["city"], porto["officer"], pool="6000.00",
                     rules={"kind": "ratio", "factor": "1"})
    project_id = porto["project"]
    world.pledge(project_id, world.citizen(), "5000.00")  # half the optimum; the fund adds half
    with acting_as(Actor(str(porto["officer"]), "city"), "test"):
        world.app.close_campaign_early(project_id)
    world.platform.projections.catch_up()

    page = client.get(f"/projects/{project_id}")
    assert "Pledges with EUR 5,000.00 from matching funds reached the minimum" in inside(
        page.text, "outcome", "section")
    assert text_of(page.text, "total") == "EUR 10,000.00"
    fund_page = client.get(f"/funds/{fund}")
    assert text_of(fund_page.text, "committed") == "EUR 5,000.00"
    assert text_of(fund_page.text, "reserved") == "EUR 0.00"


def test_a_project_without_funds_shows_no_capital_stack(client, porto):
    page = client.get(f"/projects/{porto['project']}")
    assert page.status_code == 200
    assert 'id="capital-stack"' not in page.text


# -- public fund pages ----------------------------------------------------------------------------

def test_the_fund_list_groups_funds_per_city_and_the_navigation_links_to_it(
    client, world, porto, fund
):
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    make_fund(world, dublin, world.officer(dublin), name="Dublin Docklands Fund")

    page = client.get("/funds")
    assert page.status_code == 200
    assert '<a href="/funds">Matching funds</a>' in page.text
    text = words(page.text)
    assert text.index("Dublin") < text.index("Dublin Docklands Fund")
    assert text.index("Porto") < text.index("Green Streets Match")
    assert "Porto Environment Department" in text

    only_porto = client.get("/funds?city=Porto")
    assert "Green Streets Match" in only_porto.text
    assert "Dublin Docklands Fund" not in only_porto.text
    nowhere = client.get("/funds?city=Atlantis")
    assert "There is no city called “Atlantis”" in nowhere.text


def test_a_fund_page_shows_balances_rule_history_and_matches_per_pilot(
    client, world, porto, fund
):
    project_id = porto["project"]
    world.pledge(project_id, world.citizen(), "40.00")
    world.clock.advance(hours=2)
    with acting_as(Actor(str(porto["officer"]), "city"), "test"):
        world.app.amend_matching_rules(fund, parse_rules({**RATIO, "factor": "2"}, "EUR"))
    world.platform.projections.catch_up()

    page = client.get(f"/funds/{fund}")

    assert page.status_code == 200
    assert text_of(page.text, "sponsor") == "Porto Environment Department"
    assert text_of(page.text, "pool") == "EUR 1,000.00"
    assert text_of(page.text, "reserved") == "EUR 25.00"
    assert text_of(page.text, "committed") == "EUR 0.00"
    assert text_of(page.text, "available") == "EUR 975.00"
    assert text_of(page.text, "returned") == "EUR 0.00"
    assert "Adds 2 for every 1 pledged" in text_of(page.text, "rules-text")
    history = re.search(r'id="rule-history".*?</table>', page.text, re.S).group(0)
    assert "Adds 1 for every 1 pledged" in history and "Adds 2 for every 1 pledged" in history
    assert 'id="version-1"' in history and 'id="version-2"' in history
    assert "26 Nov 2026, 14:00" in words(history)  # version 2 starts when it was published
    matches = re.search(r'id="fund-projects".*?</table>', page.text, re.S).group(0)
    assert f'href="/projects/{project_id}"' in matches
    assert "Smart bike lanes 1 EUR 25.00 EUR 0.00" in words(matches)
    assert 'aria-label="The pool of EUR 1,000.00' in page.text


@pytest.mark.parametrize("address", ["/funds/not-a-fund", f"/funds/{uuid.uuid4()}", "/funds/12"])
def test_an_unknown_or_malformed_fund_address_is_a_clear_404(client, address):
    page = client.get(address)
    assert page.status_code == 404
    assert "There is no matching fund at this address." in page.text


# -- the city console -----------------------------------------------------------------------------

@pytest.fixture
def officer_client(client, porto):
    login(client, "officer@porto.example.org")
    return client


def new_fund_form(client, **fields) -> dict[str, str]:
    page = client.get("/console/funds/new")
    assert page.status_code == 200
    data = {
        "csrf_token": csrf_from(page.text), "name": "Clean Air Match", "sponsor": "Fundação Ar",
        "pool": "5000.00", "opens_at": "2026-11-26T12:00", "closes_at": "2027-02-26T12:00",
        "themes": "Mobility, Air quality", "areas": "", "kind": "ratio", "factor": "2",
        "cap_per_pledge": "50.00", "cap_per_project": "", "cap_per_project_percent": "10",
        "one_per_backer": "true",
        # A value left in another kind's field is not read.
        "grant": "999.00",
    }
    data.update(fields)
    return data


def test_an_officer_creates_a_fund_with_ratio_rules_from_the_console(
    officer_client, world, porto
):
    response = officer_client.post("/console/funds/new", data=new_fund_form(officer_client))

    assert response.status_code == 303
    [fund] = world.platform.read.matching_funds(porto["city"])
    assert response.headers["Location"].endswith(f"/console/funds/{fund.id}")
    assert (fund.name, fund.sponsor, fund.pool) == ("Clean Air Match", "Fundação Ar",
                                                    Money(500000, "EUR"))
    assert fund.themes == ("Mobility", "Air quality") and fund.areas == ()
    assert fund.rules["kind"] == "ratio" and fund.rules["factor"] == "2"
    assert fund.rules["cap_per_pledge"] == 5000 and fund.rules["cap_per_project_percent"] == 10
    assert fund.rules["one_per_backer"] is True and fund.rules["grant"] == 0

    page = officer_client.get(response.headers["Location"])
    assert "is set up with a pool of EUR 5,000.00" in words(page.text)
    assert "Adds 2 for every 1 pledged" in page.text
    listing = officer_client.get("/console/funds")
    assert "Clean Air Match" in listing.text
    assert "/console/funds" in officer_client.get("/console").text


def test_an_officer_creates_a_threshold_fund_and_a_fixed_grant(officer_client, world, porto):
    threshold = new_fund_form(officer_client, name="Unlock Match", kind="threshold", factor="1",
                              min_backers="3", min_percent="", match_earlier="true")
    grant = new_fund_form(officer_client, name="Starter Grant", kind="fixed_grant",
                          grant="750.00", min_backers="", min_percent="25", factor="")
    assert officer_client.post("/console/funds/new", data=threshold).status_code == 303
    assert officer_client.post("/console/funds/new", data=grant).status_code == 303

    funds = {f.name: f for f in world.platform.read.matching_funds(porto["city"])}
    assert funds["Unlock Match"].rules["min_backers"] == 3
    assert funds["Unlock Match"].rules["match_earlier"] is True
    assert funds["Starter Grant"].rules["grant"] == 75000
    assert funds["Starter Grant"].rules["min_percent"] == 25
    assert funds["Starter Grant"].rules["cap_per_pledge"] is None


@pytest.mark.parametrize(("fields", "message"), [
    ({"pool": "0"}, "Enter an amount above zero"),
    ({"pool": "-10.00"}, "Enter an amount above zero"),
    ({"factor": "20"}, "The match factor must be more than 0 and at most 10"),
    ({"cap_per_pledge": "0"}, "“Cap per pledge” must be more than zero"),
    ({"cap_per_pledge": "12.345"}, "“Cap per pledge”"),
    ({"name": "  "}, "Give the fund a name"),
    ({"closes_at": "2026-11-01T09:00"}, "The fund must close after it opens"),
    ({"closes_at": "whenever"}, "is not a date and time"),
    ({"opens_at": "2026-11-20T09:00"}, "The fund cannot open in the past"),
    ({"themes": " , ,, "}, "Write the themes separated by commas"),
    ({"areas": ",", "themes": ""}, "Write the areas separated by commas"),
    ({"kind": "lottery"}, "Choose how the fund matches pledges"),
    ({"kind": "threshold", "min_backers": "", "min_percent": ""}, "Give a number of backers"),
    ({"kind": "fixed_grant", "grant": "", "min_backers": "3"}, "A fixed grant needs its amount"),
])
def test_bad_input_on_the_new_fund_form_is_explained_keeps_what_was_typed_and_changes_nothing(
    officer_client, world, porto, fields, message
):
    before = recorded(world.platform)
    data = new_fund_form(officer_client, **fields)

    page = officer_client.post("/console/funds/new", data=data)

    assert page.status_code == 422
    assert message in page.text.replace("&#34;", '"')
    assert 'role="alert"' in page.text
    assert 'value="Fundação Ar"' in page.text  # what the officer typed is still there
    assert recorded(world.platform) == before
    assert world.platform.read.matching_funds(porto["city"]) == []


def manage(client, fund_id):
    page = client.get(f"/console/funds/{fund_id}")
    assert page.status_code == 200
    return page


def test_an_officer_tops_up_a_fund_and_a_bad_top_up_changes_nothing(
    officer_client, world, fund
):
    page = manage(officer_client, fund)
    done = officer_client.post(f"/console/funds/{fund}/top-ups", data={
        "top_up": "250.00", "csrf_token": csrf_from(page.text)}, follow_redirects=True)
    assert done.status_code == 200
    assert text_of(done.text, "pool") == "EUR 1,250.00"
    assert "EUR 250.00 added to “Green Streets Match”" in words(done.text)

    before = recorded(world.platform)
    for amount, status in (("0", 422), ("lots", 422), ("", 422)):
        refused = officer_client.post(f"/console/funds/{fund}/top-ups", data={
            "top_up": amount, "csrf_token": csrf_from(page.text)})
        assert refused.status_code == status
        assert 'id="top_up-error"' in refused.text
        assert text_of(refused.text, "pool") == "EUR 1,250.00"
    assert recorded(world.platform) == before


def test_an_officer_amends_the_rules_and_bad_versions_are_refused_without_change(
    officer_client, world, porto, fund
):
    page = manage(officer_client, fund)
    assert 'value="25.00"' in page.text  # the form starts from the current rules
    token = csrf_from(page.text)
    world.pledge(porto["project"], world.citizen(), "40.00")

    done = officer_client.post(f"/console/funds/{fund}/rules", data={
        "csrf_token": token, "factor": "1.5", "cap_per_pledge": "30.00",
        "cap_per_project": "500.00", "one_per_backer": "true",
        "effective_from": "2026-12-01T09:00",
    }, follow_redirects=True)
    assert done.status_code == 200
    assert "Version 2 of “Green Streets Match”'s rules is published" in words(done.text)
    history = re.search(r'id="rule-history".*?</table>', done.text, re.S).group(0)
    assert "Adds 1.5 for every 1 pledged" in history and "1 Dec 2026, 09:00" in history
    # The match made under version 1 keeps it.
    stored = world.app.get_matching_fund(fund)
    assert [m.rule_version for m in stored.matches.values()] == [1]

    before = recorded(world.platform)
    for fields, message in (
        ({"factor": "0", "effective_from": ""}, "The match factor must be more than 0"),
        ({"factor": "1", "effective_from": "2026-11-20T09:00"}, "cannot apply to the past"),
        ({"factor": "1", "effective_from": "2026-11-30T09:00"}, "versions cannot overlap"),
        ({"factor": "1", "effective_from": "2027-06-01T09:00"}, "before the fund closes"),
        ({"factor": "1", "effective_from": "soon"}, "is not a date and time"),
    ):
        refused = officer_client.post(f"/console/funds/{fund}/rules",
                                      data={"csrf_token": token, **fields})
        assert refused.status_code == 422, fields
        assert message in refused.text, fields
        assert f'value="{fields["factor"]}"' in refused.text  # kept as typed
    assert recorded(world.platform) == before
    assert world.platform.read.matching_fund(fund).rule_version == 2


def test_closing_asks_first_says_what_goes_back_then_closes(officer_client, world, porto, fund):
    world.pledge(porto["project"], world.citizen(), "40.00")
    confirm = officer_client.get(f"/console/funds/{fund}/close")
    assert confirm.status_code == 200
    said = inside(confirm.text, "close-consequences", "div")
    assert "EUR 975.00 goes back to Porto Environment Department now" in said
    assert "EUR 25.00 is reserved for pledges not charged yet" in said
    assert world.platform.read.matching_fund(fund).status == "open"

    done = officer_client.post(f"/console/funds/{fund}/close",
                               data={"csrf_token": csrf_from(confirm.text)},
                               follow_redirects=True)
    assert done.status_code == 200
    assert "is closed: EUR 975.00 goes back to Porto Environment Department." in words(done.text)
    closed = world.platform.read.matching_fund(fund)
    assert (closed.status, closed.returned, closed.reserved) == (
        "closed", Money(97500, "EUR"), Money(2500, "EUR"))

    # A closed fund takes no top-up, no new rules and no second close: refused, nothing changes.
    before = recorded(world.platform)
    token = csrf_from(done.text)
    for path, data in (("top-ups", {"top_up": "10.00"}), ("rules", {"factor": "1"}),
                       ("close", {})):
        refused = officer_client.post(f"/console/funds/{fund}/{path}",
                                      data={"csrf_token": token, **data})
        assert refused.status_code == 409, path
        assert "This fund is closed" in text_of(refused.text, "refusal")
    assert officer_client.get(f"/console/funds/{fund}/close").status_code == 409
    assert recorded(world.platform) == before


def test_an_officer_of_another_city_is_refused_and_changes_nothing(client, world, fund):
    dublin = world.city("Dublin", "EUR", "IE", "Europe/Dublin")
    world.officer(dublin, "officer@dublin.example.org")
    login(client, "officer@dublin.example.org")
    token = csrf_from(client.get("/console/funds").text)
    before = recorded(world.platform)

    assert client.get(f"/console/funds/{fund}").status_code == 403
    assert client.get(f"/console/funds/{fund}/close").status_code == 403
    for path, data in (("top-ups", {"top_up": "10.00"}), ("rules", {"factor": "3"}),
                       ("close", {})):
        refused = client.post(f"/console/funds/{fund}/{path}", data={"csrf_token": token, **data})
        assert refused.status_code == 403, path
        assert "another city" in refused.text
    assert "Green Streets Match" not in client.get("/console/funds").text
    assert recorded(world.platform) == before


def test_citizens_and_visitors_cannot_reach_the_fund_console(client, world, fund):
    assert client.get("/console/funds").status_code in (302, 401)
    citizen = world.citizen()
    login(client, world.emails[citizen])
    token = csrf_from(client.get("/funds").text)
    before = recorded(world.platform)
    for path in ("/console/funds", "/console/funds/new", f"/console/funds/{fund}"):
        assert client.get(path).status_code == 403, path
    for path in ("/console/funds/new", f"/console/funds/{fund}/top-ups",
                 f"/console/funds/{fund}/close"):
        assert client.post(path, data={"csrf_token": token, "top_up": "5.00"}).status_code == 403
    assert recorded(world.platform) == before


def test_an_admin_sets_up_a_fund_for_a_city_they_choose(client, world, porto):
    world.account("admin", "admin@example.org")
    login(client, "admin@example.org")
    assert "/console/funds" in client.get("/admin").text
    page = client.get("/console/funds/new")
    assert "Choose a city" in page.text
    data = new_fund_form(client, city="")
    missing = client.post("/console/funds/new", data=data)
    assert missing.status_code == 422 and "Choose the city" in missing.text

    done = client.post("/console/funds/new", data={**data, "city": str(porto["city"])})
    assert done.status_code == 303
    [fund] = world.platform.read.matching_funds(porto["city"])
    assert fund.name == "Clean Air Match"
    assert client.get(f"/console/funds/{fund.id}").status_code == 200
