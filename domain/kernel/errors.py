"""Domain errors. Each carries a stable code the web layer shows to API clients."""


class DomainError(Exception):
    code = "domain_error"
    field: str | None = None

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
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
