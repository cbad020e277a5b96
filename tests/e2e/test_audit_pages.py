"""The auditor's pages and "explain this number": every money figure on the project, fund and
offer pages links to the postings behind it, whose running sum ends at the figure shown."""

from __future__ import annotations

import html
import re

import pytest

from tests.conftest import login
from web.demo import AUDITOR_PASSWORD, DOMAIN, load_demo

EXPLAIN_LINK = re.compile(r'href="(/explain/(project|fund|offer)/([0-9a-f-]{36})/([a-z]+))"')
FIGURE = re.compile(r'<strong id="figure" class="money">([^<]*)</strong>')
RUNNING = re.compile(r'<td class="num money running">([^<]*)</td>')
AMOUNT = re.compile(r'<td class="num money">([^<]*)</td><td class="num money running">')


@pytest.fixture
def demo(platform):
    assert load_demo(platform)
    return platform


def _shown(platform, owner: str, owner_id: str, figure: str):
    from uuid import UUID

    read = platform.read
    if owner == "project":
        return getattr(read.project(UUID(owner_id)), figure)
    if owner == "fund":
        return getattr(read.matching_fund(UUID(owner_id)), figure)
    return read.offer(UUID(owner_id)).held


def _minor(text: str) -> int:
    digits = re.sub(r"[^\d-]", "", html.unescape(text))
    return int(digits or 0)


def test_every_figure_on_project_fund_and_offer_pages_adds_up_to_what_is_shown(demo, client):
    pages = [f"/projects/{p.id}" for p in demo.read.projects(limit=1000)]
    pages += [f"/funds/{f.id}" for f in demo.read.matching_funds()]
    pages += [f"/invest/offers/{o.id}" for o in demo.read.offers()]
    explained = 0
    for page in pages:
        text = client.get(page).text
        links = set(EXPLAIN_LINK.findall(text))
        assert links, page
        for href, owner, owner_id, figure in links:
            answer = client.get(href)
            assert answer.status_code == 200, href
            shown = _shown(demo, owner, owner_id, figure)
            assert shown.display() in text, (page, figure)  # the figure is on the page
            [total] = FIGURE.findall(answer.text)
            amounts = [_minor(a) for a in AMOUNT.findall(answer.text)]
            running = [_minor(r) for r in RUNNING.findall(answer.text)]
            assert html.unescape(total) == shown.display() or (not amounts and shown.minor == 0)
            assert sum(amounts) == shown.minor, (href, amounts, shown)
            assert running == [sum(amounts[:n + 1]) for n in range(len(amounts))]
            explained += 1
    assert explained > 25


def test_explaining_an_unknown_figure_or_owner_is_a_404(demo, client):
    project = demo.read.projects(limit=1)[0]
    assert client.get(f"/explain/project/{project.id}/colour").status_code == 404
    assert client.get(f"/explain/fund/{project.id}/pool").status_code == 404
    assert client.get(f"/explain/planet/{project.id}/raised").status_code == 404


def test_the_auditor_browses_the_log_and_replays_a_pilot(demo, client):
    login(client, f"auditor@{DOMAIN}", AUDITOR_PASSWORD)
    project = next(p for p in demo.read.projects(limit=1000) if p.raised.minor)

    made = client.get("/audit", query_string={"topic": "Pledge.Made", "limit": "5"})
    assert made.status_code == 200
    assert made.text.count("<td>Pledge.Made</td>") == 5 and 'id="next-page"' in made.text
    history = client.get(f"/audit/aggregates/{project.id}", query_string={"position": "0"})
    assert history.status_code == 404
    first = client.get(f"/audit/aggregates/{project.id}")
    assert first.status_code == 200
    assert "<td>Project.Drafted</td>" in first.text and "<td>Project.CampaignOpened</td>" in (
        first.text)
    assert f'"title": "{project.title}"' in html.unescape(first.text)
    newest = demo.app.recorder.max_notification_id()
    figures = client.get("/audit/as-of", query_string={"project": str(project.id),
                                                        "position": str(newest)})
    assert figures.status_code == 200
    row = re.search(rf'data-project="{project.id}".*?</tr>', figures.text, re.S).group(0)
    assert f"{project.raised.to_decimal_string()} {project.currency}" in row


def test_the_auditor_replays_a_pilot_as_of_a_moment(demo, client):
    login(client, f"auditor@{DOMAIN}", AUDITOR_PASSWORD)
    project = next(p for p in demo.read.projects(limit=1000) if p.raised.minor)
    now = client.get(f"/audit/aggregates/{project.id}", query_string={"at": "2099-01-01T00:00:00Z"})
    assert now.status_code == 200
    assert "<td>Project.Drafted</td>" in now.text and 'id="at"' in now.text
    assert 'value="2099-01-01T00:00:00Z"' in now.text
    before = client.get(f"/audit/aggregates/{project.id}",
                        query_string={"at": "2000-01-01T00:00:00Z"})
    assert before.status_code == 404
    for query in ({"at": "yesterday"}, {"position": "1", "at": "2026-11-30T12:00:00Z"}):
        answer = client.get(f"/audit/aggregates/{project.id}", query_string=query)
        assert answer.status_code == 422, query


def test_bad_as_of_input_on_the_auditors_pages_is_explained_not_a_500(demo, client):
    login(client, f"auditor@{DOMAIN}", AUDITOR_PASSWORD)
    for query in ({"at": "yesterday"}, {"position": "-3"}, {"position": "99999999"},
                  {"position": "1", "at": "2026-11-30T12:00:00Z"}):
        answer = client.get("/audit/as-of", query_string=query)
        assert answer.status_code == 422, query
        assert 'role="alert"' in answer.text
    assert client.get("/audit", query_string={"since": "soon"}).status_code == 422
    fund = demo.read.matching_funds()[0]
    assert client.get(f"/audit/aggregates/{fund.id}?position=x").status_code == 422
    assert client.get(f"/audit/aggregates/{fund.id}?position=99999999").status_code == 404


def test_only_auditors_and_administrators_see_the_audit_console(demo, client, world):
    world.account("citizen", "someone@example.org")
    login(client, "someone@example.org")
    assert client.get("/audit").status_code == 403
    assert client.get("/audit/as-of").status_code == 403


def test_project_and_fund_pages_offer_auditors_an_as_of_control(demo, client):
    project = demo.read.projects(limit=1)[0]
    fund = demo.read.matching_funds()[0]
    assert 'aria-label="As of"' not in client.get(f"/projects/{project.id}").text
    login(client, f"auditor@{DOMAIN}", AUDITOR_PASSWORD)
    for page, field, owner in ((f"/projects/{project.id}", "project", project.id),
                               (f"/funds/{fund.id}", "fund", fund.id)):
        text = client.get(page).text
        control = text.split('aria-label="As of"')[1].split("</form>")[0]
        assert f'name="{field}" value="{owner}"' in control
        # Outside the disabled fieldset: the control works for an auditor.
        assert text.index('aria-label="As of"') < text.index('<fieldset disabled')
