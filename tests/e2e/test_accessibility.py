"""axe-core over every page type, for every role, on the demo data: zero violations.

The page types are the app's GET routes (its URL map), their ids filled from the demo. Each role
signs in once (one browser, one context per account) and opens every page it is allowed to open;
each endpoint is checked once per role. A second test checks a citizen's pages (signed out and
in) at a phone's width, where wide tables scroll.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import pytest

from tests.conftest import login
from tests.e2e.test_auditor_read_only import QUERIES, _ids, _url
from tests.e2e.test_browser import CHROMIUM_ARGS, chromium_path, live_server  # noqa: F401
from web.demo import (
    ADMIN_PASSWORD,
    AUDITOR_PASSWORD,
    CITIZEN_PASSWORD,
    DOMAIN,
    EVALUATOR_PASSWORD,
    INVESTOR_PASSWORD,
    OFFICER_PASSWORD,
    PROPOSER_PASSWORD,
    load_demo,
)

# Files, JSON and the plain-text log heads are not pages; the favicon is an icon.
NOT_PAGES = {"static", "favicon"}


@dataclass(frozen=True)
class Visitor:
    role: str
    email: str | None = None
    password: str | None = None


# A role may need a second account for pages of another city (Porto has the matching fund and
# the benefit-sharing agreement; Manchester the departments and the delivered pilot).
VISITORS = (
    Visitor("anonymous"),
    Visitor("citizen", f"citizen@{DOMAIN}", CITIZEN_PASSWORD),
    Visitor("city officer", f"manchester@{DOMAIN}", OFFICER_PASSWORD),
    Visitor("city officer", f"porto@{DOMAIN}", OFFICER_PASSWORD),
    Visitor("proposer and delivery owner", f"proposer@{DOMAIN}", PROPOSER_PASSWORD),
    Visitor("evaluator", f"evaluator@{DOMAIN}", EVALUATOR_PASSWORD),
    Visitor("investor", f"investor@{DOMAIN}", INVESTOR_PASSWORD),
    Visitor("auditor", f"auditor@{DOMAIN}", AUDITOR_PASSWORD),
    Visitor("admin", f"admin@{DOMAIN}", ADMIN_PASSWORD),
)


def _ids_for(platform, visitor: Visitor) -> dict[str, str]:
    """The demo's ids, with the visitor's own pledge, proposal to score and city's pilot."""
    read = platform.read
    ids = {**_ids(platform), "year": str(platform.clock.now().year)}
    account = platform.accounts.by_email(visitor.email) if visitor.email else None
    if account is None:
        return ids
    if visitor.role == "citizen":
        ids["pledge_id"] = str(read.pledges_of(account.id)[0].id)
    if visitor.role == "evaluator":
        ids["proposal_id"] = str(next(proposal.id for call in read.calls_evaluated_by(account.id)
                                      for proposal in read.proposals_of_call(call.id)))
    if account.city_id is not None and str(account.city_id) != ids["city_id"]:
        ids["project_id"] = ids["shared_project_id"]
    return ids


def _pages(app, platform, visitor: Visitor, done: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """(page type, url) of the HTML pages this visitor can open and their role has not had
    checked yet; asked of the app directly, which is quick, before the browser goes there.

    A page type is an endpoint that answers 200, or a refusal or error page (a 4xx answer) told
    apart by its title: "not found", "only citizens pledge", an expired link and so on. Those are
    checked once, for the first role that meets them: their header is the role's, which its own
    pages already had checked."""
    client = app.test_client()
    if visitor.email:
        login(client, visitor.email, visitor.password)
    ids = _ids_for(platform, visitor)
    urls = [(rule.endpoint, _url(rule, ids) + QUERIES.get(rule.endpoint, ""))
            for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint not in NOT_PAGES
            and not rule.rule.startswith("/api/")]
    pages = []
    for endpoint, url in [*urls, ("not found", "/no-such-page")]:
        if (visitor.role, endpoint) in done:
            continue
        answer = client.get(url)
        assert answer.status_code < 500, (visitor, url, answer.status_code)
        if answer.mimetype != "text/html" or answer.status_code not in (200, *range(400, 500)):
            continue  # files, JSON, and redirects (to the login page)
        if answer.status_code != 200:
            title = re.search(r"<title>(.*?)</title>", answer.text, re.S)
            endpoint = f"{answer.status_code} {title.group(1).strip() if title else url}"
            if ("any role", endpoint) in done:
                continue
            done.add(("any role", endpoint))
        pages.append((endpoint, url))
        done.add((visitor.role, endpoint))
    return pages


def _described(violation: dict) -> str:
    nodes = "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
    return (f"{violation['id']} ({violation['impact']}): {violation['help']} "
            f"[{len(violation['nodes'])} x: {nodes}]")


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(f"{base}/login")
    page.fill('input[name="email"]', email)
    page.fill('input[name="password"]', password)
    page.locator('form[action="/login"] button[type="submit"]').click()
    page.wait_for_url(lambda url: "/login" not in url)


def check_with_axe(platform, app, base: str, visitors, viewport: dict | None = None):
    """axe over each visitor's pages: (violations found, pages checked per role, page types)."""
    executable = chromium_path()
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    axe = Axe()
    done: set[tuple[str, str]] = set()
    found: list[str] = []
    checked: dict[str, int] = {}
    started = time.monotonic()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            for visitor in visitors:
                pages = _pages(app, platform, visitor, done)
                context = browser.new_context(viewport=viewport) if viewport else \
                    browser.new_context()
                page = context.new_page()
                page.set_default_timeout(15_000)
                if visitor.email:
                    sign_in(page, base, visitor.email, visitor.password)
                for endpoint, url in pages:
                    page.goto(f"{base}{url}")
                    results = axe.run(page).response
                    found += [f"{visitor.role} {endpoint} {url}: {_described(v)}"
                              for v in results["violations"]]
                checked[visitor.role] = checked.get(visitor.role, 0) + len(pages)
                context.close()
        finally:
            browser.close()
    types = {endpoint for _, endpoint in done}
    print(f"axe: {sum(checked.values())} pages ({len(types)} page types) over {len(checked)} "
          f"roles in {time.monotonic() - started:.0f} s: {checked}")
    return found, checked, types


@pytest.mark.browser
def test_every_page_type_for_every_role_has_no_axe_violations(platform, app, live_server):  # noqa: F811
    assert load_demo(platform)

    found, checked, types = check_with_axe(platform, app, live_server, VISITORS)

    assert not found, f"{len(found)} axe violations:\n" + "\n".join(found)
    # Every role opened its own pages, not just the error pages.
    assert all(count > 5 for count in checked.values()), checked
    assert len(types) > 55


@pytest.mark.browser
def test_a_citizens_pages_on_a_phone_have_no_axe_violations(platform, app, live_server):  # noqa: F811
    # Most citizens come by phone, where wide tables scroll sideways and must take focus.
    assert load_demo(platform)
    citizens = [v for v in VISITORS if v.role in ("anonymous", "citizen")]

    found, checked, types = check_with_axe(platform, app, live_server, citizens,
                                           viewport={"width": 390, "height": 844})

    assert not found, f"{len(found)} axe violations:\n" + "\n".join(found)
    assert checked["citizen"] > 20 and len(types) > 25
