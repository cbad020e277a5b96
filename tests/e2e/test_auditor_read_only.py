"""Auditors read everything and change nothing: every state-changing route (pages and API, from
the app's URL map) refuses an auditor and records nothing; every page opens for them, read-only,
with personal data masked."""

from __future__ import annotations

import re
import uuid

import pytest

from domain.kernel.context import SYSTEM, acting_as
from tests.conftest import bearer, login
from web.audit.read_only import OWN_CREDENTIALS, SAFE_METHODS
from web.demo import AUDITOR_PASSWORD, DOMAIN, load_demo

AUDITOR = f"auditor@{DOMAIN}"
CHANGES = {"POST", "PUT", "PATCH", "DELETE"}
# Pages for someone signed out (sign-in, sign-up, password and email links), the files, and
# pages about one's own pledges, investments, proposals or erasure, which an auditor has none of:
# they read others' through the consoles, the admin pages and the audit pages instead.
NOT_AN_AUDITORS = {
    "static", "favicon", "auth.login", "auth.register", "auth.check_email", "auth.logout_page",
    "password_reset.forgot", "password_reset.reset", "email_confirmation.confirm",
    "account.erase", "pledges.pledge", "pledges.live_preview", "calls.propose", "calls.score",
    "invest.mine", "pledges.mine", "calls.workspace", "sharing.report_form",
    "console.new_project", "calls.console_new", "api.my_pledges", "api.export_my_data",
    "api.my_investments", "invest.commitment_receipt", "api.my_statement", "invest.statement",
    "invest.statement_csv", "pledge_statements.page", "pledge_statements.csv",
    "api.my_pledge_statement",
    # Reached from a link in update mail, by its addressee, signed in or not.
    "conversation.unsubscribe_form",
}

# Routes about a benefit-sharing agreement read the demo's pilot that has one.
ON_THE_AGREEMENT = {"api.get_agreement", "api.get_benefit_report", "api.list_benefit_reports",
                    "invest_console.amend_agreement"}
NONE_IN_THE_DEMO: set[str] = set()

QUERIES = {"api.match_preview": "?amount=10.00", "api.audit_aggregate": "?position=300",
           "api.audit_as_of": "?position=300",
           "api.inclusion_proof": "?position=3&tree_size=10",
           "api.consistency_proof": "?from=5&to=10"}


@pytest.fixture
def demo(platform):
    assert load_demo(platform)
    return platform


def recorded(platform) -> int:
    return platform.app.recorder.max_notification_id() or 0


def _ids(platform) -> dict[str, str]:
    read = platform.read
    project = next(p for p in read.projects(limit=1000) if p.delivery_owner_id)
    call = next(c for c in read.calls(public_only=False) if read.proposals_of_call(c.id))
    proposal = read.proposals_of_call(call.id)[0]
    offer = read.offers()[0]
    pledge = read.pledges_of_project(project.id)[0]
    fund = read.matching_funds()[0]
    account = next(a for a in platform.accounts.all() if a.role == "citizen")
    shared = next(p for p in read.projects(limit=1000) if read.agreement(p.id))
    report = read.benefit_reports_of(shared.id)[0]
    picture = read.pictures_of("project", project.id).pictures[0]  # the demo draws them
    return {
        "shared_project_id": str(shared.id), "report_id": str(report.id),
        "project_id": str(project.id), "fund_id": str(fund.id), "raw_id": str(fund.id),
        "call_id": str(call.id), "proposal_id": str(proposal.id),
        "department_id": str(read.departments()[0].id), "offer_id": str(offer.id),
        "account_id": str(account.id), "pledge_id": str(pledge.id),
        "commitment_id": str(uuid.uuid4()), "comment_id": str(uuid.uuid4()),
        "city_id": str(project.city_id),
        "token_id": str(uuid.uuid4()), "number": "1", "token": "x", "decision": "approve",
        "name": f"project/{project.id}/pledged", "aggregate_id": str(project.id),
        "owner": "project", "owner_id": str(project.id), "figure": "raised", "position": "3",
        "city_name": project.city_name, "area": project.area,
        "picture_id": str(picture.picture_id), "key": picture.keys[0],
    }


def _url(rule, ids: dict[str, str]) -> str:
    if rule.endpoint in ON_THE_AGREEMENT:
        ids = {**ids, "project_id": ids["shared_project_id"]}
    return re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: ids[m.group(1)], rule.rule)


def _rules(app, methods: set[str]):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & methods):
            yield rule, method


def test_every_change_is_refused_to_an_auditor_and_nothing_is_recorded(demo, app, client):
    login(client, AUDITOR, AUDITOR_PASSWORD)
    token = demo.accounts.issue_token(demo.accounts.by_email(AUDITOR).id)
    ids = _ids(demo)
    before = recorded(demo)
    tried = 0
    for rule, method in _rules(app, CHANGES):
        if rule.endpoint in OWN_CREDENTIALS or rule.endpoint == "webhooks.stripe_event":
            continue
        url = _url(rule, ids)
        if url.startswith("/api/"):
            answer = client.open(url, method=method, json={}, headers=bearer(token))
            assert answer.status_code == 403, (method, url, answer.status_code)
            assert answer.get_json()["error"]["code"] == "read_only", url
        else:
            answer = client.open(url, method=method, data={"title": "x", "amount": "10"})
            assert answer.status_code == 403, (method, url, answer.status_code)
            assert "Read-only for auditors" in answer.text, url
        tried += 1
    assert tried > 80
    assert recorded(demo) == before


def test_every_page_opens_for_an_auditor_read_only(demo, app, client):
    login(client, AUDITOR, AUDITOR_PASSWORD)
    token = demo.accounts.issue_token(demo.accounts.by_email(AUDITOR).id)
    ids = _ids(demo)
    opened = 0
    for rule, _method in _rules(app, {"GET"}):
        if rule.endpoint in NOT_AN_AUDITORS | NONE_IN_THE_DEMO:
            continue
        url = _url(rule, ids) + QUERIES.get(rule.endpoint, "")
        headers = bearer(token) if url.startswith("/api/") else {}
        answer = client.get(url, headers=headers)
        assert answer.status_code == 200, (url, answer.status_code)
        if "text/html" in answer.content_type:
            # Their own security page (password, sessions, tokens) and the audit pages work.
            assert ('<fieldset disabled class="read-only">' in answer.text) != (
                rule.endpoint.startswith(("audit.", "security."))), url
        opened += 1
    assert opened > 40
    assert set(SAFE_METHODS) >= {"GET", "HEAD"}


def test_an_auditor_sees_accounts_with_names_and_emails_masked(demo, client):
    login(client, AUDITOR, AUDITOR_PASSWORD)
    page = client.get("/admin/accounts")
    assert page.status_code == 200
    admin = demo.accounts.by_email(f"admin@{DOMAIN}")
    assert admin.email not in page.text and admin.name not in page.text
    assert "a…@…" in page.text  # the administrator's, masked
    assert " ".join(f"{word[0]}." for word in admin.name.split()) in page.text
    assert "<button" in page.text and '<fieldset disabled class="read-only">' in page.text


def test_an_auditor_cancels_a_pledge_of_their_own_but_nobody_elses(world, platform, client):
    porto = world.city("Porto")
    project = world.project(porto, world.officer(porto))
    former = world.citizen("former@example.org")
    theirs = world.pledge(project, former, "20.00")
    others = world.pledge(project, world.citizen(), "30.00")
    with acting_as(SYSTEM):
        platform.change_role(former, "auditor", None)
    token = bearer(world.token(former))

    refused = client.delete(f"/api/v1/pledges/{others}", headers=token)
    cancelled = client.delete(f"/api/v1/pledges/{theirs}", headers=token)

    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "read_only"
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"
    assert platform.read.pledge(others).status != "cancelled"


def test_an_auditors_own_sign_out_still_works(demo, client):
    login(client, AUDITOR, AUDITOR_PASSWORD)
    from tests.conftest import csrf_from

    out = client.post("/logout", data={"csrf_token": csrf_from(client.get("/").text)})
    assert out.status_code in (302, 303)
    assert client.get("/admin").status_code in (302, 303)
