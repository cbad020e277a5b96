"""The languages civicfund's pages and mail are written in, and a city's default language."""

from __future__ import annotations

from domain.kernel.errors import N_, DomainError

SOURCE = "en"
# Code → the language's own name (what a switcher shows: people look for their own word).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "pt": "Português",
    "hr": "Hrvatski",
    "hu": "Magyar",
    "nl": "Nederlands",
    "nb": "Norsk bokmål",
}
# A city's two-letter country → the language its pages default to (English elsewhere).
COUNTRY_LANGUAGES: dict[str, str] = {
    "PT": "pt", "HR": "hr", "HU": "hu", "NL": "nl", "NO": "nb",
}


class UnknownLanguage(DomainError):
    code = "unknown_language"
    field = "locale"


def is_language(code: str | None) -> bool:
    return code in LANGUAGES


def checked_language(code: str | None) -> str:
    """The code when civicfund speaks that language, else UnknownLanguage."""
    if not is_language(code):
        shown = (code or "")[:20]
        raise UnknownLanguage(
            N_("“%(code)s” is not a language civicfund is written in: choose one of %(choices)s"),
            code=shown,
            choices=", ".join(f"{name} ({key})" for key, name in LANGUAGES.items()),
        )
    return code  # type: ignore[return-value]


def city_language(country: str | None) -> str:
    return COUNTRY_LANGUAGES.get((country or "").upper(), SOURCE)
