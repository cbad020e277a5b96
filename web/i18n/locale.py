"""Which language a request is answered in: the person's setting, then a language picked in the
footer (a cookie), then the browser's Accept-Language, then the default of the city the page
belongs to, else English. Catalogs are loaded once per process by Flask-Babel."""

from __future__ import annotations

from functools import cached_property
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from flask import Flask, g, has_request_context, request
from flask_babel import Babel, Domain, get_locale, refresh
from flask_login import current_user
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from domain.i18n.languages import LANGUAGES, SOURCE, city_language, is_language
from web.services import platform

COOKIE = "civicfund_lang"
ONE_YEAR = 365 * 24 * 3600
# Browsers say "no" (Norwegian) as often as "nb" (Bokmål): both get the Bokmål pages.
_ASKED = [*LANGUAGES, "no"]
_ALIASES = {"no": "nb"}

class _RequestDomain(Domain):
    """Flask-Babel's domain with the request's catalog looked up once per request (it would
    look up the locale and its catalog again for every string; a page has a few hundred)."""

    def get_translations(self):
        if not has_request_context():
            return super().get_translations()
        found = g.get("translations")
        if found is None:
            found = g.translations = super().get_translations()
        return found


class _Babel(Babel):
    @cached_property
    def domain_instance(self) -> Domain:
        return _RequestDomain(domain=self.domain)


babel = _Babel()


def _picked() -> str | None:
    """A language picked with ?lang=xx (kept in a cookie afterwards); unknown codes are
    ignored."""
    asked = request.args.get("lang")
    if is_language(asked):
        g.picked_language = asked
        return asked
    cookie = request.cookies.get(COOKIE)
    return cookie if is_language(cookie) else None


def select_locale() -> str:
    if not request:
        return SOURCE
    record = getattr(current_user, "record", None)
    if record is not None and is_language(record.locale):
        return record.locale
    picked = _picked()
    if picked:
        return picked
    best = request.accept_languages.best_match(_ASKED)
    if best:
        return _ALIASES.get(best, best)
    return _city_default() or SOURCE


def _city_default() -> str | None:
    country = g.get("page_country")
    if country is None and g.get("page_city_id") is not None:
        city = platform().read.city(g.page_city_id)
        country = city.country if city else ""
    return city_language(country) if country else None


def belongs_to_city(city_id: UUID | None = None, country: str | None = None) -> None:
    """Mark the page as one city's (a pilot's, a fund's, the city's own): with no setting and no
    browser preference it speaks the city's language. The city is only read if it decides."""
    g.page_city_id, g.page_country = city_id, country
    relocalise()


def relocalise() -> None:
    """Choose the request's language again (the page's city or the person's setting changed)."""
    refresh()
    g.pop("translations", None)
    g.pop("language", None)


def request_translations():
    """The request's catalog, looked up once per request rather than once per string (a page
    has a few hundred)."""
    return babel.domain_instance.get_translations()


# Templates call these a few hundred times a page: they are Jinja's "newstyle" gettext (escaped,
# always %-formatted with the keyword arguments) without its extra indirections per call, and
# taking the evaluation context rather than the whole context (for which Jinja copies the
# context at every call inside a loop or block). As in Jinja, a catalog's text is trusted
# markup; the values formatted into it are escaped.
@pass_eval_context
def template_gettext(eval_context: EvalContext, string: str, **variables: Any) -> str:
    text = request_translations().ugettext(string)
    if eval_context.autoescape:
        text = Markup(text)  # noqa: S704 (our catalogs' text, as Jinja's own gettext)
    return text % variables if variables or "%" in text else text


@pass_eval_context
def template_ngettext(eval_context: EvalContext, singular: str, plural: str, number: int,
                      **variables: Any) -> str:
    variables.setdefault("num", number)
    text = request_translations().ungettext(singular, plural, number)
    if eval_context.autoescape:
        text = Markup(text)  # noqa: S704 (our catalogs' text, as Jinja's own gettext)
    return text % variables


def current_language() -> str:
    """The request's language code (looked up once per request: pages format a few dozen
    amounts and dates with it)."""
    if not has_request_context():
        return str(get_locale() or SOURCE)
    found = g.get("language")
    if found is None:
        found = g.language = str(get_locale() or SOURCE)
    return found


def language_url(code: str) -> str:
    """This page's address in another language (the footer's switcher)."""
    args: dict[str, Any] = {key: value for key, value in request.args.items() if key != "lang"}
    if not args:  # the usual case, six times a page: codes are plain letters
        return f"{request.path}?lang={code}"
    return f"{request.path}?{urlencode({**args, 'lang': code})}"


def _remember_pick(response):
    if response.mimetype == "text/html":
        # The same address reads differently per browser language and footer pick.
        response.vary.update(("Accept-Language", "Cookie"))
    picked = g.get("picked_language")
    if picked and request.cookies.get(COOKIE) != picked:
        response.set_cookie(COOKIE, picked, max_age=ONE_YEAR, samesite="Lax", httponly=True,
                            secure=request.is_secure)
    return response


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale=SOURCE)
    app.jinja_env.newstyle_gettext = True
    app.jinja_env.globals.update(gettext=template_gettext, _=template_gettext,
                                 ngettext=template_ngettext)
    app.after_request(_remember_pick)

    @app.context_processor
    def _languages() -> dict[str, Any]:
        return {"languages": LANGUAGES, "language_url": language_url,
                "current_language": current_language}
