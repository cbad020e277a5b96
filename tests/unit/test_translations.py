"""The citizen's pages and mail are translated in full: every string they pass through gettext
has a translation in every language's catalog, with the same placeholders, and the compiled
catalogs the app loads say the same as the .po files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po
from babel.support import Translations

from domain.i18n.languages import LANGUAGES, SOURCE

ROOT = Path(__file__).resolve().parents[2]
CATALOGS = ROOT / "web" / "translations"
TEMPLATES = ROOT / "web" / "templates"
# The citizen's pages: browse, a pilot and its partials (its pictures too), an area, pledging, my
# pledges and their yearly statements, the account, its profile and settings, and signing in,
# with the chrome around them; and the Python that writes their labels, flash messages, errors
# and the pledge mail; and the domain refusals those pages show.
CITIZEN_TEMPLATES = [
    "base.html",
    *(f"public/{name}.html" for name in (
        "home", "projects", "project", "area", "_conversation", "_delivery", "_forms",
        "_impact", "_macros", "_outcome")),
    "funds/_stack.html", "funds/index.html", "funds/fund.html",
    *(f"pictures/{name}.html" for name in (
        "_card_cover", "_fund_logo", "_og_fund", "_og_pilot", "_pilot_cover",
        "_pilot_gallery", "_proposer_logo", "_stack_logo")),
    *(str(path.relative_to(TEMPLATES)) for folder in ("pledges", "account", "auth")
      for path in sorted((TEMPLATES / folder).glob("*.html"))),
]
CITIZEN_PYTHON = [
    "web/filters.py", "web/crowdfunding/pledging.py", "web/crowdfunding/public.py",
    "web/accounts/auth.py", "web/accounts/account.py", "web/accounts/security_page.py",
    "web/accounts/settings_page.py", "web/crowdfunding/pledge_statements.py",
    "web/ledger/pages.py", "adapters/mail.py", "adapters/sandbox_payments.py",
    "adapters/ledger_explain.py", "web/accounts/account_mail.py",
    "web/matching/funds.py", "web/pictures/showing.py",
    # The domain's refusals a citizen's page shows (marked N_, translated by the page).
    "domain/crowdfunding/pledge.py", "domain/crowdfunding/project.py",
    "domain/accounts/display_name.py", "domain/conversation/comment.py",
    "domain/i18n/languages.py",
]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "N_": None}
PLACEHOLDER = re.compile(r"%\(\w+\)s")
TRANSLATED = sorted(set(LANGUAGES) - {SOURCE})


def citizen_messages() -> dict[str, str | tuple[str, str]]:
    """Every message id on the citizen's pages, by its singular form."""
    found: dict[str, str | tuple[str, str]] = {}
    sources = [("jinja2", TEMPLATES / name) for name in CITIZEN_TEMPLATES]
    sources += [("python", ROOT / name) for name in CITIZEN_PYTHON]
    for method, path in sources:
        for _line, message, _comments, _context in extract_from_file(
            method, str(path), keywords=KEYWORDS,
        ):
            found[message if isinstance(message, str) else message[0]] = message
    return found


MESSAGES = citizen_messages()


def catalog(language: str):
    with (CATALOGS / language / "LC_MESSAGES" / "messages.po").open("rb") as file:
        return read_po(file)


def test_the_citizen_pages_have_their_strings_marked_for_translation():
    # A sanity check on the extraction itself: the pages' main phrases are found.
    assert len(MESSAGES) > 400
    for phrase in ("How it works", "Your pledges, newest first", "Erase your account",
                   "Create an account", "Thank you! You pledged %(amount)s to %(title)s.",
                   "Profile and settings", "Cancel your pledge of %(amount)s to %(title)s?",
                   "Pledge statement %(year)s", "Open the full-size picture"):
        assert phrase in MESSAGES


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_citizen_string_is_translated_with_the_same_placeholders(language):
    po = catalog(language)
    missing, broken = [], []
    for key, message in MESSAGES.items():
        entry = po.get(key)
        forms = ([] if entry is None or entry.fuzzy else
                 [entry.string] if isinstance(entry.string, str) else list(entry.string))
        if not forms or not all(form.strip() for form in forms):
            missing.append(key)
            continue
        source = message if isinstance(message, str) else message[1]
        for form in forms:
            if sorted(PLACEHOLDER.findall(form)) != sorted(PLACEHOLDER.findall(source)):
                broken.append((key, form))
    assert not missing, f"{language}: untranslated: {missing[:10]}"
    assert not broken, f"{language}: placeholders differ: {broken[:5]}"


@pytest.mark.parametrize("language", TRANSLATED)
def test_the_compiled_catalog_the_app_loads_matches_the_po_file(language):
    po = catalog(language)
    compiled = Translations.load(str(CATALOGS), [language])
    for key in MESSAGES:
        entry = po.get(key)
        if isinstance(entry.string, str):
            assert compiled.gettext(key) == entry.string, (language, key)
        else:
            assert compiled.ngettext(key, entry.id[1], 5) in entry.string, (language, key)
