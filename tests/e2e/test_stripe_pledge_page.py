"""The pledge page in Stripe mode collects the card with Stripe's Payment Element; in sandbox mode
with test-card radios. The browser's part (Stripe.js turning the card into a pm_... id) needs
js.stripe.com, so here the page's markup is checked and the id is posted as the script would."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
import stripe

from adapters import migrate
from adapters.bootstrap import Platform, build_platform
from adapters.settings import Settings
from adapters.settlement_rounds import settle_due
from adapters.stripe_payments import StripeGateway
from domain.kernel.money import Money
from tests.conftest import TEST_PASSWORD_METHOD, csrf_from, login
from tests.localstripe_server import LocalStripe, running_localstripe

pytestmark = pytest.mark.filterwarnings("ignore:Bare functions are deprecated:DeprecationWarning")

SECRET = "sk_test_civicfund"
PUBLISHABLE = "pk_test_civicfund_page"


@pytest.fixture(scope="module")
def localstripe_server() -> Iterator[LocalStripe]:
    with running_localstripe() as server:
        yield server


@pytest.fixture
def localstripe(localstripe_server) -> LocalStripe:
    localstripe_server.reset()
    return localstripe_server


@pytest.fixture
def mode() -> str:
    return "stripe"


@pytest.fixture
def publishable_key() -> str:
    return PUBLISHABLE


@pytest.fixture
def platform(mode, publishable_key, sqlite_url, clock, localstripe) -> Iterator[Platform]:
    migrate.upgrade(sqlite_url)
    settings = Settings(
        database_url=sqlite_url, password_method=TEST_PASSWORD_METHOD, payments=mode,
        stripe_secret_key=SECRET, stripe_publishable_key=publishable_key,
        stripe_api_base=localstripe.url,
    )
    p = build_platform(settings, clock=clock)
    yield p
    p.close()


@pytest.fixture
def stripe_view(localstripe) -> stripe.StripeClient:
    return stripe.StripeClient(SECRET, base_addresses={"api": localstripe.url},
                               max_network_retries=0)


def a_pilot(world, closes_in=timedelta(days=30)):
    city = world.city("Porto")
    return world.project(city, world.officer(city), title="Smart bike lanes", closes_in=closes_in)


@pytest.fixture
def signed_in(client, world):
    citizen = world.citizen()
    login(client, world.emails[citizen])
    return citizen


def text_of(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</', html, re.S)
    assert match, f"no element with id {element_id}"
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


CARD_RADIO = re.compile(r'<input type="radio"[^>]*name="payment_method"')


def test_in_stripe_mode_the_page_collects_the_card_with_the_payment_element(
    client, world, platform, signed_in
):
    project_id = a_pilot(world)

    page = client.get(f"/projects/{project_id}/pledge")

    assert page.status_code == 200
    assert 'id="payment-element"' in page.text
    assert f'data-stripe-key="{PUBLISHABLE}"' in page.text
    assert 'data-currency="eur"' in page.text
    assert '<script src="https://js.stripe.com/v3/"' in page.text
    assert re.search(r"/static/stripe-element\.[0-9a-f]{8}\.js", page.text)
    assert '<input type="hidden" name="payment_method" value="">' in page.text
    assert "A card can't be collected without JavaScript" in page.text
    assert not CARD_RADIO.search(page.text)
    assert "pm_card_visa" not in page.text and "sandbox" not in page.text.lower()
    assert SECRET not in page.text


def test_the_element_script_is_served_and_turns_the_card_into_a_payment_method(client):
    script = client.get("/static/stripe-element.js")

    assert script.status_code == 200
    assert "javascript" in script.content_type
    for step in ('mode: "setup"', 'elements.create("payment")', "stripe.createPaymentMethod",
                 "field.value = result.paymentMethod.id", "form.submit()"):
        assert step in script.text
    script.close()


@pytest.mark.parametrize("mode", ["sandbox"])
def test_in_sandbox_mode_the_page_offers_test_cards_and_no_stripe(
    client, world, platform, signed_in
):
    project_id = a_pilot(world)

    page = client.get(f"/projects/{project_id}/pledge")

    assert page.status_code == 200
    assert CARD_RADIO.search(page.text)
    assert 'value="pm_card_visa" checked' in page.text
    assert "This is a sandbox" in page.text
    assert "payment-element" not in page.text
    assert "js.stripe.com" not in page.text and "/static/stripe-element." not in page.text
    assert PUBLISHABLE not in page.text


@pytest.mark.parametrize("publishable_key", [""])
def test_without_a_publishable_key_the_page_says_cards_cannot_be_taken(
    client, world, platform, signed_in
):
    project_id = a_pilot(world)

    page = client.get(f"/projects/{project_id}/pledge")

    assert "Card payments are not set up on this site yet" in text_of(page.text,
                                                                      "card-not-configured")
    assert "js.stripe.com" not in page.text and 'id="payment-element"' not in page.text


def post_pledge(client, project_id, amount: str, payment_method: str | None):
    page = client.get(f"/projects/{project_id}/pledge")
    data = {"amount": amount, "csrf_token": csrf_from(page.text)}
    if payment_method is not None:
        data["payment_method"] = payment_method
    return client.post(f"/projects/{project_id}/pledge", data=data)


@pytest.mark.parametrize(("closes_in", "secured_by"), [
    (timedelta(days=30), "setup_intents"),   # a long campaign saves the card
    (timedelta(days=3), "payment_intents"),  # a short one places a hold
])
def test_a_payment_method_from_the_element_goes_through_stripe_and_records_the_pledge(
    client, world, platform, signed_in, stripe_view, closes_in, secured_by
):
    assert isinstance(platform.payments, StripeGateway)
    project_id = a_pilot(world, closes_in)

    answer = post_pledge(client, project_id, "40.00", "pm_card_visa")

    assert answer.status_code == 303
    confirmation = client.get(answer.headers["Location"])
    assert "Thank you! You pledged EUR 40.00 to Smart bike lanes" in confirmation.text
    project = client.get(f"/projects/{project_id}")
    assert text_of(project.text, "raised") == "EUR 40.00"
    [pledge] = platform.read.pledges_of(signed_in)
    [secured] = getattr(stripe_view.v1, secured_by).list().data
    assert secured.metadata["civicfund_pledge_id"] == str(pledge.id)
    assert secured.status in ("succeeded", "requires_capture")


@pytest.mark.parametrize(("payment_method", "message"), [
    (None, "Choose a payment method"),  # no JavaScript: the element never ran
    ("", "Choose a payment method"),
    ("tok_visa", "Enter your card details in the card form"),
    ("pm_<script>", "Enter your card details in the card form"),
    ("pm_card_visa_chargeDeclined", "Your card was declined."),
    ("pm_doesNotExist", "That card could not be used"),
])
def test_a_missing_or_refused_card_is_explained_and_records_nothing(
    client, world, platform, signed_in, payment_method, message
):
    project_id = a_pilot(world)
    log_before = platform.app.recorder.max_notification_id()

    answer = post_pledge(client, project_id, "40.00", payment_method)

    assert answer.status_code == 422
    assert message in answer.text
    assert 'id="payment-element"' in answer.text
    assert platform.app.recorder.max_notification_id() == log_before
    assert platform.read.pledges_of(signed_in) == []


# -- in a real browser, with Stripe.js stood in for (no internet for js.stripe.com) ------------

FAKE_STRIPE_JS = """
window.Stripe = function (key) {
  window.stripeSeen = {key: key};
  return {
    elements: function (options) {
      window.stripeSeen.options = options;
      return {
        create: function (type) {
          window.stripeSeen.element = type;
          return {mount: function (el) {
            el.textContent = "[card form]";
            window.stripeSeen.mounted = el.id;
          }};
        },
        submit: function () { return Promise.resolve({}); }
      };
    },
    createPaymentMethod: function (params) {
      window.stripeSeen.created = Boolean(params.elements);
      return Promise.resolve({paymentMethod: {id: "pm_card_visa"}});
    }
  };
};
"""


@pytest.fixture
def live_server(app) -> Iterator[str]:
    import threading

    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.mark.browser
@pytest.mark.parametrize("stripe_loads", [True, False])
def test_in_a_browser_the_element_hands_its_payment_method_to_the_form(
    world, live_server, stripe_view, stripe_loads
):
    from playwright.sync_api import sync_playwright

    from tests.e2e.test_browser import CHROMIUM_ARGS, chromium_path

    executable = chromium_path()
    project_id = a_pilot(world)
    citizen = world.citizen()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(locale="en-GB")
            page.set_default_timeout(15_000)
            if stripe_loads:
                page.route("https://js.stripe.com/v3/", lambda route: route.fulfill(
                    body=FAKE_STRIPE_JS, content_type="application/javascript"))
            else:
                page.route("https://js.stripe.com/v3/", lambda route: route.abort())
            page.goto(f"{live_server}/login")
            page.fill('input[name="email"]', world.emails[citizen])
            page.fill('input[name="password"]', "correct horse battery")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(lambda url: "/login" not in url)

            page.goto(f"{live_server}/projects/{project_id}/pledge")
            if not stripe_loads:
                assert "could not be loaded" in page.locator("#payment-element-error").inner_text()
                assert page.get_by_role("button", name="Pledge").is_disabled()
                return
            seen = page.evaluate("window.stripeSeen")
            assert seen["key"] == PUBLISHABLE and seen["mounted"] == "payment-element"
            assert seen["element"] == "payment"
            assert seen["options"]["mode"] == "setup" and seen["options"]["currency"] == "eur"
            page.fill('input[name="amount"]', "35.00")
            page.get_by_role("button", name="Pledge").click()
            page.wait_for_url(re.compile(r"/pledges/[0-9a-f-]{36}$"))
            assert "You pledged EUR 35.00" in page.content()
            assert page.evaluate("window.stripeSeen") is None  # a new page: the form was sent
        finally:
            browser.close()

    [pledge] = world.platform.read.pledges_of(citizen)
    [saved] = stripe_view.v1.setup_intents.list().data
    assert saved.metadata["civicfund_pledge_id"] == str(pledge.id)


def test_in_stripe_mode_a_card_declined_at_close_is_replaced_on_the_pledge_page(
    client, world, platform, signed_in, clock
):
    project_id = a_pilot(world, timedelta(days=10))
    backer = world.citizen()
    world.pledge(project_id, backer, "8000.00")
    made = post_pledge(client, project_id, "25.00", "pm_card_chargeCustomerFail")
    assert made.status_code == 303
    client.get(made.headers["Location"])  # as the browser does: that page shows the pledge
    [pledge] = platform.read.pledges_of(signed_in)
    clock.advance(days=11)
    settle_due(platform.app, platform.engine, platform.projections)
    assert platform.read.pledge(pledge.id).status == "payment_failed"

    page = client.get(f"/pledges/{pledge.id}")
    assert page.status_code == 200
    assert 'id="payment-element"' in page.text
    assert not CARD_RADIO.search(page.text), "sandbox test cards offered in stripe mode"
    assert "(sandbox)" not in page.text

    refused = client.post(f"/pledges/{pledge.id}/card",
                          data={"payment_method": "tok_visa", "csrf_token": csrf_from(page.text)})
    assert refused.status_code == 422
    assert "Enter your new card's details in the card form" in html.unescape(refused.text)

    fixed = client.post(f"/pledges/{pledge.id}/card",
                        data={"payment_method": "pm_card_visa", "csrf_token": csrf_from(page.text)})
    assert fixed.status_code == 303
    assert platform.read.pledge(pledge.id).status == "charged"
    assert platform.read.project(project_id).raised == Money.parse("8025.00", "EUR")
