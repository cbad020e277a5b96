"""Domain errors. Each carries a stable code the web layer shows to API clients.

An error's `.message` is English, formatted: the API answers with it. Errors a citizen's page can
show are raised with a message template marked with `N_` and named placeholders
(`DomainError(N_("A single pledge is at most %(limit)s"), limit=limit)`): the pages translate
`.template` and format `.params` in the reader's language."""

from typing import Any


def N_(template: str) -> str:
    """Marks a message template for the catalogs (pybabel extract -k N_); the web layer
    translates it. The domain itself stays in English."""
    return template


def _english(value: Any) -> Any:
    # Money (and anything else that has its own English form) reads as civicfund writes it.
    display = getattr(value, "display", None)
    return display() if callable(display) else value


class DomainError(Exception):
    code = "domain_error"
    field: str | None = None

    def __init__(self, template: str, *, field: str | None = None, **params: Any):
        message = template % {k: _english(v) for k, v in params.items()} if params else template
        super().__init__(message)
        self.message = message
        self.template = template
        self.params = params
        if field is not None:
            self.field = field


class InvalidAmount(DomainError):
    code = "invalid_amount"
    field = "amount"


class CurrencyMismatch(DomainError):
    code = "currency_mismatch"
    field = "currency"


class UnknownCurrency(DomainError):
    code = "unknown_currency"
    field = "currency"


class InvalidProject(DomainError):
    code = "invalid_project"


class InvalidCity(DomainError):
    code = "invalid_city"


class CityAlreadyExists(DomainError):
    code = "city_exists"
    field = "name"


class NotFound(DomainError):
    code = "not_found"


class CampaignNotOpen(DomainError):
    code = "campaign_not_open"


class InvalidTransition(DomainError):
    code = "invalid_state"


class OptimumNotReached(InvalidTransition):
    """An early close asked for before the campaign reached its optimum."""

    code = "optimum_not_reached"


class NotPermitted(DomainError):
    code = "forbidden"


class PaymentDeclined(DomainError):
    code = "payment_declined"
    field = "payment_method"


# How often a decision that lost a race (another change recorded first) is decided again.
DECIDE_AGAIN = 30


class ConcurrentChange(DomainError):
    """What a decision was based on changed before it could be recorded; nothing was saved."""

    code = "conflict"


class Unavailable(DomainError):
    """The platform could not reach its storage; nothing was recorded. Safe to try again."""

    code = "unavailable"


class OutcomeUnknown(Unavailable):
    """Storage failed while the change was being recorded and could not be asked afterwards
    whether it went in. Trying again with the same idempotency key is safe: it either finds the
    change recorded or records it once."""

    code = "outcome_unknown"
