"""Pages and mail in the reader's language: the person's setting, then a language picked in the
footer, then the browser's, then the city's; money and dates in the language's formats; the API
keeps its decimal strings whatever the language."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from babel.numbers import format_currency

from adapters.picture_images import prepare
from domain.crowdfunding.pledge import pledge_limit
from domain.kernel.context import SYSTEM, Actor, acting_as
from domain.kernel.money import Money
from domain.matching.rules import parse_rules
from domain.pictures.pictures import COVER, GALLERY, PROJECT
from tests.conftest import World, bearer, csrf_from, login
from tests.pictures import png

# Phrases of the English citizen pages that a Portuguese reader must never see.
ENGLISH = ("How it works", "Log in", "Register", "Pilots taking pledges now", "About this pilot",
           "How the funding works", "Budget line", "Questions and comments", "Skip to content",
           "Search and filter pilots", "Your pledges, newest first", "Your account",
           "Download your data", "Enter the amount", "Show pilots", "All or nothing",
           "days left", "Welcome back", "Join civicfund",
           # profile and settings, cancelling a pledge, the yearly statement, a pilot's pictures
           "Profile and settings", "Your public name", "Save the display name", "Backer walls",
           "Delivery updates", "Password, sessions and API tokens", "this one included",
           "Cancel your pledge", "you will not be charged", "Yes, cancel my pledge",
           "No, keep my pledge", "You can pledge again", "Pledge statement", "Download as CSV",
           "Not charged", "What this record means", "Print this page", "Yearly statements",
           "Open the full-size picture",
           # the public fund pages
           "Matching funds", "Show funds", "Sponsored by", "Its rules now", "Rule history",
           "Matches per pilot", "The pool", "Committed", "Reserved", "Available", "put up by")


@pytest.fixture
def seeded(world):
    porto = world.city("Porto", "EUR", "PT", "Europe/Lisbon")
    miskolc = world.city("Miskolc", "HUF", "HU", "Europe/Budapest")
    lanes = world.project(porto, world.officer(porto), title="Smart bike lanes",
                          lines=(("Sensors", "1234.50", True), ("Signage", "2000.00", False)))
    lights = world.project(miskolc, world.officer(miskolc), title="Adaptive street lights",
                           lines=(("Lamps", "3000000.00", True), ("Dashboard", "516000.00", True)))
    citizen = world.citizen()
    pledge = world.pledge(lanes, citizen, "25.00")
    return {"porto": porto, "lanes": lanes, "lights": lights, "citizen": citizen,
            "pledge": pledge}


def add_picture(platform, pilot, kind: str, alt: str) -> None:
    """A picture on the pilot, stored and recorded as the console's upload does."""
    prepared = prepare(png((1200, 800)), kind)
    for rendition in prepared.renditions:
        platform.pictures.put(rendition.key(prepared.content_hash), rendition.data)
    with acting_as(SYSTEM, "test-picture"):
        picture_id, _ = platform.app.add_picture(PROJECT, pilot, kind=kind,
                                                 content_hash=prepared.content_hash,
                                                 sizes=prepared.sizes)
    platform.read.keep_alt(picture_id, alt)


def speaking(client, language: str | None):
    if language is None:
        client.environ_base.pop("HTTP_ACCEPT_LANGUAGE", None)
    else:
        client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def english_left(html: str) -> list[str]:
    return [phrase for phrase in ENGLISH if phrase in html]


def test_the_citizen_pages_read_in_portuguese_for_a_portuguese_browser(client, seeded, world):
    login(client, world.emails[seeded["citizen"]])
    speaking(client, "pt-PT,pt;q=0.9,en;q=0.5")
    lanes = seeded["lanes"]
    pages = ["/", "/projects", f"/projects/{lanes}", "/cities/Porto/areas/Centre",
             f"/projects/{lanes}/pledge", "/me/pledges", "/account", "/security"]
    for url in pages:
        page = client.get(url)
        assert page.status_code == 200, url
        assert '<html lang="pt">' in page.text, url
        assert not english_left(page.text), (url, english_left(page.text))
    assert "Como funciona" in client.get("/").text
    assert "Os seus compromissos" in client.get("/me/pledges").text


def test_settings_cancelling_statements_and_pictures_read_in_portuguese(client, seeded, world,
                                                                         platform):
    add_picture(platform, seeded["lanes"], COVER, "Bike lanes on Avenida da Boavista")
    add_picture(platform, seeded["lanes"], GALLERY, "A sensor on a lamp post")
    platform.projections.catch_up()
    login(client, world.emails[seeded["citizen"]])
    speaking(client, "pt-PT,pt;q=0.9")
    year = platform.clock.now().year
    pages = {"/account/settings": "Perfil e definições",
             f"/pledges/{seeded['pledge']}/cancel": "Sim, cancelar o meu compromisso",
             f"/pledges/statements/{year}": f"Extrato de compromissos {year}",
             f"/projects/{seeded['lanes']}": "Abrir a fotografia em tamanho real",
             "/me/pledges": f"Extrato {year}"}
    for url, portuguese in pages.items():
        page = client.get(url)
        assert page.status_code == 200, url
        assert '<html lang="pt">' in page.text, url
        assert not english_left(page.text), (url, english_left(page.text))
        assert portuguese in page.text, url
    # The pictures' alt text is what the officer wrote: it is not translated.
    assert 'alt="A sensor on a lamp post"' in client.get(f"/projects/{seeded['lanes']}").text
    statement = client.get(f"/pledges/statements/{year}.csv")
    # Its columns keep their names for spreadsheets and scripts; the total row speaks Portuguese.
    assert statement.status_code == 200 and statement.text.startswith("row,pilot,project_id,")
    assert f"total,Pago em {year}," in statement.text
    # A display name refused or saved is told in Portuguese too.
    settings = client.get("/account/settings")
    saved = client.post("/account/settings/display-name", data={
        "csrf_token": csrf_from(settings.text), "display_name": "Rita"}, follow_redirects=True)
    assert "O seu nome público é agora “Rita”." in saved.text
    missing = client.get("/pledges/statements/someday")
    assert missing.status_code == 404 and "Não há extrato para" in missing.text


def test_the_fund_pages_read_in_portuguese(client, seeded, world, platform):
    officer = world.officer(seeded["porto"])
    now = world.clock.now()
    with acting_as(Actor(str(officer), "city"), "test-seed"):
        fund = platform.app.create_matching_fund(
            city_id=seeded["porto"], name="Fundo Verde", sponsor="Câmara do Porto",
            currency="EUR", pool=Money.parse("1000.00", "EUR"),
            opens_at=now - timedelta(hours=1), closes_at=now + timedelta(days=60),
            themes=[], areas=[],
            rules=parse_rules({"kind": "ratio", "factor": "1", "cap_per_pledge": "25.00",
                               "cap_per_project": "500.00", "one_per_backer": True}, "EUR"))
    platform.projections.catch_up()
    speaking(client, "pt-PT,pt;q=0.9")
    pages = {"/funds": "Os fundos aplicam-se a um compromisso por esta ordem.",
             "/funds?city=Porto": "Patrocinado por <strong>Câmara do Porto</strong>",
             f"/funds/{fund}": "Histórico das regras"}
    for url, portuguese in pages.items():
        page = client.get(url)
        assert page.status_code == 200, url
        assert not english_left(page.text), (url, english_left(page.text))
        assert portuguese in page.text, url
    pool = format_currency(Decimal("1000"), "EUR", locale="pt_PT")
    assert f'aria-label="O montante de {pool}: ' in client.get(f"/funds/{fund}").text
    nowhere = client.get("/funds?city=Atlantis")
    assert "Não existe nenhuma cidade chamada “Atlantis” no civicfund." in nowhere.text


def test_login_and_register_read_in_portuguese(client, seeded):
    speaking(client, "pt")
    for url in ("/login", "/register"):
        page = client.get(url)
        assert page.status_code == 200
        assert not english_left(page.text), (url, english_left(page.text))
    assert "Palavra-passe" in client.get("/login").text


def test_money_is_written_as_each_language_writes_it(client, seeded):
    lanes, lights = seeded["lanes"], seeded["lights"]
    portuguese = speaking(client, "pt").get(f"/projects/{lanes}").text
    assert format_currency(Decimal("1234.50"), "EUR", locale="pt_PT") in portuguese
    hungarian = speaking(client, "hu").get(f"/projects/{lights}").text
    assert "3\xa0516\xa0000\xa0Ft" in hungarian  # Babel's Hungarian forints, no decimals
    english = speaking(client, "en").get(f"/projects/{lanes}").text
    assert "EUR 1,234.50" in english  # civicfund's own English format, as before


def test_a_citys_page_speaks_its_language_when_the_browser_asks_for_none(client, seeded):
    speaking(client, None)
    assert '<html lang="pt">' in client.get(f"/projects/{seeded['lanes']}").text
    assert '<html lang="hu">' in client.get(f"/projects/{seeded['lights']}").text
    # A page of no city is English.
    home = client.get("/")
    assert '<html lang="en">' in home.text
    assert "Accept-Language" in home.headers["Vary"]  # caches keep one copy per language
    # The browser's wish comes before the city's.
    assert '<html lang="nl">' in speaking(client, "nl").get(f"/projects/{seeded['lanes']}").text


def test_a_language_picked_in_the_footer_is_kept_and_unknown_ones_are_ignored(client, seeded):
    home = client.get("/")
    assert 'href="/?lang=hr"' in home.text and ">Hrvatski<" in home.text
    assert '<html lang="hr">' in client.get("/?lang=hr").text
    assert '<html lang="hr">' in client.get("/projects").text  # kept in a cookie
    page = client.get("/projects?lang=xx")
    assert page.status_code == 200 and '<html lang="hr">' in page.text


def test_a_persons_language_setting_wins_over_the_browser(client, seeded, world, platform):
    citizen = seeded["citizen"]
    login(client, world.emails[citizen])
    account = client.get("/account")
    answer = client.post("/account/language", data={
        "locale": "nb", "csrf_token": csrf_from(account.text)}, follow_redirects=True)
    assert answer.status_code == 200
    assert '<html lang="nb">' in answer.text and "Språket ditt er lagret." in answer.text
    assert platform.accounts.get(citizen).locale == "nb"
    assert '<html lang="nb">' in speaking(client, "pt").get("/").text
    # Back to following the browser.
    client.post("/account/language", data={"locale": "", "csrf_token": csrf_from(account.text)})
    assert platform.accounts.get(citizen).locale is None
    assert '<html lang="pt">' in client.get("/").text


def test_an_unknown_language_is_refused_with_a_clear_message(client, seeded, world, platform):
    citizen = seeded["citizen"]
    login(client, world.emails[citizen])
    token = csrf_from(client.get("/account").text)
    answer = client.post("/account/language", data={"locale": "klingon", "csrf_token": token})
    assert answer.status_code == 400
    assert "“klingon” is not a language civicfund is written in" in answer.text
    assert "Português (pt)" in answer.text
    assert platform.accounts.get(citizen).locale is None


def pledge_form(client, pilot, amount: str, card: str = "pm_card_visa"):
    page = client.get(f"/projects/{pilot}/pledge")
    return client.post(f"/projects/{pilot}/pledge", data={
        "amount": amount, "payment_method": card, "csrf_token": csrf_from(page.text)})


def test_a_refused_pledge_says_why_in_portuguese_and_the_api_keeps_its_english(
    client, seeded, world, platform,
):
    limit = pledge_limit("EUR")
    over = Money(limit.minor + 1, "EUR").to_decimal_string()
    login(client, world.emails[seeded["citizen"]])
    speaking(client, "pt-PT,pt;q=0.9")
    before = len(platform.outbox.messages(account_id=seeded["citizen"]))

    refused = pledge_form(client, seeded["lanes"], over)
    assert refused.status_code == 422
    shown = format_currency(Decimal(limit.to_decimal_string()), "EUR", locale="pt_PT")
    assert f"Um único compromisso é no máximo {shown}" in refused.text
    assert "A single pledge is at most" not in refused.text
    zero = pledge_form(client, seeded["lanes"], "0")
    assert zero.status_code == 422 and "Um compromisso tem de ser superior a zero" in zero.text
    declined = pledge_form(client, seeded["lanes"], "20.00", "pm_card_chargeDeclined")
    assert declined.status_code == 422 and "O seu cartão foi recusado." in declined.text
    assert len(platform.outbox.messages(account_id=seeded["citizen"])) == before

    # The API answers the same pledge in English with its stable code, whatever the language.
    token = world.token(seeded["citizen"])
    answer = client.post(f"/api/v1/projects/{seeded['lanes']}/pledges", json={"amount": over},
                         headers={**bearer(token), "Accept-Language": "pt"})
    assert answer.status_code == 422
    assert answer.get_json()["error"] == {
        "code": "invalid_amount", "message": f"A single pledge is at most {limit.display()}",
        "fields": {"amount": [f"A single pledge is at most {limit.display()}"]}}


def test_a_refused_display_name_or_language_says_why_in_portuguese(client, seeded, world):
    login(client, world.emails[seeded["citizen"]])
    speaking(client, "pt")
    settings = client.get("/account/settings")
    refused = client.post("/account/settings/display-name", data={
        "csrf_token": csrf_from(settings.text), "display_name": "x" * 61})
    assert refused.status_code == 422
    assert "Um nome público tem no máximo 60 caracteres; este tem 61" in refused.text
    marked = client.post("/account/settings/display-name", data={
        "csrf_token": csrf_from(settings.text), "display_name": "<b></b>"})
    assert "Um nome público não pode conter &lt; ou &gt;: escreva apenas o nome" in marked.text
    unknown = client.post("/account/language", data={
        "locale": "klingon", "csrf_token": csrf_from(client.get("/account").text)})
    assert unknown.status_code == 400
    assert "«klingon» não é um idioma em que o civicfund está escrito" in unknown.text


def test_the_api_keeps_its_decimal_strings_whatever_the_language(client, seeded):
    answer = speaking(client, "pt").get(f"/api/v1/projects/{seeded['lanes']}")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["minimum"] == "1234.50" and body["raised"] == "25.00"
    assert "1.234,50" not in answer.text and "1234,50" not in answer.text


def test_pledge_mail_is_written_in_the_persons_language(world, seeded, platform):
    citizen = world.citizen()
    platform.accounts.set_locale(citizen, "pt")
    pledge = world.pledge(seeded["lanes"], citizen, "1234.50")
    [mail] = platform.outbox.messages(pledge_id=pledge)
    amount = format_currency(Decimal("1234.50"), "EUR", locale="pt_PT")
    assert mail.subject == f"O seu compromisso de {amount} com Smart bike lanes"
    assert "Só será cobrado se o piloto atingir o mínimo" in mail.body
    # Someone who chose no language gets English, as before.
    [english] = platform.outbox.messages(account_id=seeded["citizen"])
    assert english.subject == "Your pledge of EUR 25.00 to Smart bike lanes"


def test_account_mail_is_written_in_the_persons_language_else_the_pages(client, world,
                                                                        platform):
    # Registering from a Portuguese page: the confirmation reads Portuguese.
    speaking(client, "pt-PT,pt;q=0.9")
    page = client.get("/register")
    assert client.post("/register", data={
        "name": "Rita Sousa", "email": "rita@example.org", "password": "a long passphrase 42",
        "csrf_token": csrf_from(page.text)}).status_code == 303
    rita = platform.accounts.by_email("rita@example.org")
    [confirm] = platform.outbox.messages(account_id=rita.id)
    assert confirm.subject == "Confirme o seu email no civicfund"
    assert confirm.body.startswith("Olá Rita Sousa,\n\nConfirme que este é o seu endereço")
    assert "/confirm-email/" in confirm.body and "Please confirm" not in confirm.body
    # Someone whose setting is Croatian asks for a new password from an English page.
    ivana = world.citizen("ivana@example.org")
    platform.accounts.set_locale(ivana, "hr")
    speaking(client, "en")
    page = client.get("/password/forgot")
    client.post("/password/forgot", data={"email": "ivana@example.org",
                                          "csrf_token": csrf_from(page.text)})
    [reset] = platform.outbox.messages(account_id=ivana)
    assert reset.subject == "Odaberite novu lozinku za civicfund"
    assert "otvorite ovu poveznicu u roku od sat vremena" in reset.body
    assert "/password/reset/" in reset.body


@pytest.mark.postgres
def test_a_language_setting_is_kept_and_writes_the_mail_on_postgresql(pg_platform, clock):
    world = World(pg_platform, clock)
    zagreb = world.city("Zagreb", "EUR", "HR", "Europe/Zagreb")
    pilot = world.project(zagreb, world.officer(zagreb), title="Pametna rasvjeta")
    citizen = world.citizen()
    pg_platform.accounts.set_locale(citizen, "hr")
    assert pg_platform.accounts.get(citizen).locale == "hr"
    pledge = world.pledge(pilot, citizen, "40.00")
    [mail] = pg_platform.outbox.messages(pledge_id=pledge)
    amount = format_currency(Decimal("40"), "EUR", locale="hr_HR")
    assert mail.subject == f"Vaše obećanje od {amount} za Pametna rasvjeta"
