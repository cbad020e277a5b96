"""The pledge journey with the keyboard alone: log in, home page, a pilot, the pledge form, a
sandbox test card, the confirmation. Every element that takes focus on the way shows it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD
from tests.e2e.test_browser import CHROMIUM_ARGS, chromium_path, live_server  # noqa: F401

# What has the focus, whether a focus style is drawn around it, and the contrast of its ring
# against what is behind the element (WCAG's 3:1 for non-text contrast).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const rgb = (text) => (text.match(/[\\d.]+/g) || []).map(Number);
  const luminance = ([r, g, b]) => [r, g, b].map((c) => {
    c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }).reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  let behind = [255, 255, 255];
  for (let node = el.parentElement; node; node = node.parentElement) {
    const colour = rgb(getComputedStyle(node).backgroundColor);
    if (colour.length === 3 || colour[3] > 0) { behind = colour.slice(0, 3); break; }
  }
  const [light, dark] = [luminance(rgb(style.outlineColor)), luminance(behind)]
    .sort((a, b) => b - a);
  return {
    ringContrast: (light + 0.05) / (dark + 0.05),
    tag: el.tagName.toLowerCase(), href: el.getAttribute('href') || '',
    name: el.getAttribute('name') || '', type: el.getAttribute('type') || '',
    value: el.value || '', text: (el.innerText || '').trim(), checked: !!el.checked,
    focusVisible: el.matches(':focus-visible'),
    outlined: (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0)
              || style.boxShadow !== 'none',
    onScreen: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0
              && box.top < innerHeight && box.left < innerWidth,
  };
}"""


def tab_to(page, wanted, *, key: str = "Tab", limit: int = 80) -> dict:
    """Press Tab until the focused element is the wanted one, checking each stop shows focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press(key)
        focus = page.evaluate(FOCUSED)
        if focus is None:
            continue
        label = focus["href"] or focus["name"] or focus["text"][:30] or focus["tag"]
        seen.append(label)
        if focus["tag"] != "main":  # the skip link's target takes focus without a ring
            assert focus["focusVisible"] and focus["outlined"], f"no visible focus on {focus}"
            assert focus["ringContrast"] >= 3, f"the focus ring hardly shows: {focus}"
            assert focus["onScreen"], f"focus is off screen: {focus}"
        if wanted(focus):
            return focus
    raise AssertionError(f"never reached by {key}; focus went through {seen}")


@pytest.mark.browser
def test_a_citizen_logs_in_and_pledges_with_the_keyboard_alone(world, live_server):  # noqa: F811
    executable = chromium_path()
    from playwright.sync_api import expect, sync_playwright

    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    project = world.project(porto, world.officer(porto),
                            title="Air-quality sensors on Rua de Santa Catarina")
    citizen = world.citizen()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(15_000)
            page.goto(f"{live_server}/login")

            # The first Tab lands on the skip link, shown on screen.
            skip = tab_to(page, lambda f: True, limit=1)
            assert skip["text"] == "Skip to content" and skip["href"] == "#main"
            tab_to(page, lambda f: f["name"] == "email")
            page.keyboard.type(world.emails[citizen])
            tab_to(page, lambda f: f["name"] == "password")
            page.keyboard.type(PASSWORD)
            page.keyboard.press("Enter")
            page.wait_for_url(lambda url: "/login" not in url)

            # Home by the brand link, then the pilot's card.
            if page.url.rstrip("/") != live_server:
                tab_to(page, lambda f: f["href"] == "/")
                page.keyboard.press("Enter")
                page.wait_for_url(f"{live_server}/")
            tab_to(page, lambda f: f["href"].endswith(f"/projects/{project}"))
            page.keyboard.press("Enter")
            page.wait_for_url(f"**/projects/{project}")

            # Skip the header, then on to the pledge button.
            tab_to(page, lambda f: f["href"] == "#main")
            page.keyboard.press("Enter")
            assert page.evaluate("document.activeElement.id") == "main"
            tab_to(page, lambda f: f["href"].endswith(f"/projects/{project}/pledge"))
            page.keyboard.press("Enter")
            page.wait_for_url(f"**/projects/{project}/pledge")

            tab_to(page, lambda f: f["name"] == "amount")
            page.keyboard.type("12.50")
            # Tab enters the card choices; Space picks the focused test card.
            card = tab_to(page, lambda f: f["name"] == "payment_method")
            if not card["checked"]:
                page.keyboard.press("Space")
            assert page.evaluate("document.activeElement.checked")
            # Back with Shift+Tab to check the amount is kept, then forward to the button.
            back = tab_to(page, lambda f: f["name"] == "amount", key="Shift+Tab")
            assert back["value"] == "12.50"
            tab_to(page, lambda f: f["tag"] == "button" and f["text"] == "Pledge")
            page.keyboard.press("Enter")

            page.wait_for_url(re.compile(r"/pledges/[0-9a-f-]{36}$"))
            expect(page.locator("h1")).to_be_visible()
            assert "12.50" in page.locator("main").inner_text()
        finally:
            browser.close()

    [pledge] = world.platform.read.pledges_of(citizen)
    assert pledge.amount.to_decimal_string() == "12.50"
