"""What the API accepts and answers, as marshmallow schemas (they also make the OpenAPI document).

Requests refuse unknown fields. Amounts travel as decimal strings ("25.00"): a JSON number is
refused because a float cannot hold cents exactly. The currency-specific checks (decimal places,
pledge limits) stay in the domain, which answers with its own stable codes.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime
from typing import Any, TypeVar

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from adapters.queries import ENDING_SOON, SORTS
from domain.crowdfunding.pledge import STATUSES as PLEDGE_STATUSES
from domain.crowdfunding.project import FUNDING_MODELS, MAX_BUDGET_LINES, MAX_SUGGESTED_AMOUNTS
from domain.crowdfunding.project import STATUSES as PROJECT_STATUSES
from domain.kernel.money import Money

T = TypeVar("T")


@functools.cache
def one(schema_class: type[T]) -> T:
    """The one instance of a schema: building a marshmallow schema costs more than using it,
    and loading and dumping leave it unchanged, so every request shares it."""
    return schema_class()


AMOUNT_PATTERN = r"^[0-9]{1,13}(\.[0-9]{1,9})?$"
_AMOUNT = re.compile(AMOUNT_PATTERN)
# What a request's amount may be, as the document declares it: more than zero, up to 13 digits
# before the point (no leading zeros) and 9 after. The server also takes leading zeros.
POSITIVE_AMOUNT_PATTERN = (
    r"^(?:[1-9][0-9]{0,12}(?:\.[0-9]{1,9})?|0\.(?:"
    + "|".join(f"0{{{zeros}}}[1-9][0-9]{{0,{8 - zeros}}}" for zeros in range(9))
    + "))$"
)
# A card as the API takes it (the domain checks the same before any payment call).
PAYMENT_METHOD_PATTERN = r"^[A-Za-z0-9_]{1,80}$"
_MAX_INTEGER_DIGITS = 13  # keeps any sum of budget lines inside a 64-bit column
# What a pledge sent without a payment method is made with.
DEFAULT_PAYMENT_METHOD = "pm_card_visa"


class AmountField(fields.String):
    """A positive amount written as a JSON string decimal, e.g. "25.00"; never a JSON number."""

    default_error_messages = {
        "not_text": (
            'Write the amount as a string decimal such as "25.00": a JSON number loses cents'
        ),
        "not_amount": '{text!r} is not an amount: use digits and a decimal point, e.g. "25.00"',
        "not_positive": "The amount must be more than zero",
        "too_large": "That amount is too large",
    }

    def __init__(self, *, positive: bool = False, **kwargs: Any) -> None:
        """`positive` for what requests send (more than zero); answers may be zero."""
        metadata = {
            "pattern": POSITIVE_AMOUNT_PATTERN if positive else AMOUNT_PATTERN,
            "example": "25.00",
            "description": "A decimal string in the currency's major unit, e.g. \"25.00\"" + (
                ", more than zero." if positive else "."),
            **kwargs.pop("metadata", {}),
        }
        super().__init__(metadata=metadata, **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str | None:
        if isinstance(value, Money):
            return value.to_decimal_string()
        return super()._serialize(value, attr, obj, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("not_text")
        text = value
        if text.startswith("-") and _AMOUNT.match(text[1:]):
            raise self.make_error("not_positive")
        if not _AMOUNT.match(text):
            whole = text.partition(".")[0]
            if whole.isdigit() and whole.isascii() and len(whole) > _MAX_INTEGER_DIGITS:
                raise self.make_error("too_large")
            raise self.make_error("not_amount", text=text[:40])
        if not any(ch in "123456789" for ch in text):
            raise self.make_error("not_positive")
        return text


class StrictBoolean(fields.Boolean):
    """true or false only: not 1, "yes" or "true" as text."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


# A date and time as the document declares it: RFC 3339 with seconds and an offset, in the years
# 2000 to 2100, days that exist in their month (29 February is left to the date-time format). The
# server also takes fractions of a second and times without seconds.
MOMENT_PATTERN = (
    r"^(?:20[0-9]{2}|2100)-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-9]))"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])$"
)


class Moment(fields.AwareDateTime):
    """An ISO 8601 date and time with its time zone, stored in UTC."""

    default_error_messages = {
        "invalid_awareness": "Give a date and time with a time zone, e.g. 2027-03-01T09:00:00Z",
        "out_of_range": "Use a date between the years 2000 and 2100",
    }

    def __init__(self, **kwargs: Any) -> None:
        # The year range is declared in the OpenAPI document too.
        kwargs["metadata"] = {"pattern": MOMENT_PATTERN, **kwargs.get("metadata", {})}
        super().__init__(format="iso", **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> datetime:
        moment = super()._deserialize(value, attr, data, **kwargs)
        # The year as written, as the document's pattern reads it (2000-01-01T00:00+01:00 is
        # in 2000 though it is 1999 in UTC).
        if not 2000 <= moment.year <= 2100:
            raise self.make_error("out_of_range")
        try:
            return moment.astimezone(UTC)
        except (OverflowError, ValueError):
            raise self.make_error("out_of_range") from None


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Text(fields.String):
    """Text without NUL or other control characters (PostgreSQL refuses NUL in text columns)."""

    default_error_messages = {"control": "Remove the control characters from this text"}

    def __init__(self, **kwargs: Any) -> None:
        # Declared in the OpenAPI document too, so clients know what is refused.
        kwargs["metadata"] = {"pattern": r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$",
                              **kwargs.get("metadata", {})}
        super().__init__(**kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        if _CONTROL.search(text):
            raise self.make_error("control")
        return text


def _text(limit: int, **kwargs: Any) -> Text:
    return Text(validate=validate.Length(min=1, max=limit), **kwargs)


class RequestSchema(Schema):
    class Meta:
        unknown = RAISE


# -- requests ----------------------------------------------------------------------------------

class TokenRequestSchema(RequestSchema):
    email = _text(254, required=True, metadata={"example": "citizen@example.org"})
    password = _text(1000, required=True, load_only=True)


class BudgetLineInSchema(RequestSchema):
    label = _text(140, required=True, metadata={"example": "Air-quality sensors"})
    amount = AmountField(required=True, positive=True)
    required = StrictBoolean(
        load_default=True,
        metadata={"description": "Required lines make the minimum; all lines the optimum."},
    )


def _suggested_amounts(**kwargs: Any) -> fields.List:
    return fields.List(
        AmountField(positive=True), validate=validate.Length(max=MAX_SUGGESTED_AMOUNTS),
        metadata={"description": (
            f"Up to {MAX_SUGGESTED_AMOUNTS} amounts the pledge form offers as one-click choices, "
            "in the pilot's currency, each once and at most its optimum (empty: none)"),
            "example": ["10.00", "25.00", "50.00"]},
        **kwargs,
    )


class ProjectCreateSchema(RequestSchema):
    title = _text(140, required=True)
    summary = _text(4000, required=True)
    city = _text(80, required=True, metadata={"description": "The city's name", "example": "Porto"})
    area = _text(80, required=True, metadata={"example": "Bonfim"})
    theme = _text(80, required=True, metadata={"example": "Mobility"})
    currency = Text(
        required=True, validate=validate.Length(equal=3),
        metadata={"description": "ISO 4217 code; must be the city's currency", "example": "EUR"},
    )
    budget_lines = fields.List(
        fields.Nested(BudgetLineInSchema), required=True,
        validate=validate.Length(min=1, max=MAX_BUDGET_LINES),
    )
    funding_model = Text(required=True, validate=validate.OneOf(FUNDING_MODELS))
    opens_at = Moment(required=True, metadata={"description": (
        "When the campaign starts taking pledges: now or later (up to an hour ago counts as "
        "now); earlier is refused with invalid_project")})
    closes_at = Moment(required=True, metadata={"description": "After opens_at (refused with "
                                                              "invalid_project otherwise)"})
    proposer = _text(
        140, metadata={"description": (
            "The display name of the organisation that proposes the pilot (a community group, "
            "company or department), never a person's name: it is public and stays in the "
            "audit log for good. Defaults to the city's name"),
            "example": "Friends of the Park"},
    )
    suggested_amounts = _suggested_amounts()


class SuggestedAmountsSchema(RequestSchema):
    suggested_amounts = _suggested_amounts(required=True)


def _payment_method(**kwargs: Any) -> Text:
    metadata = kwargs.pop("metadata")
    return Text(
        validate=validate.Regexp(
            PAYMENT_METHOD_PATTERN,
            error="A payment method is an id of letters, digits and underscores, e.g. "
                  "pm_card_visa",
        ),
        metadata={**metadata, "pattern": PAYMENT_METHOD_PATTERN}, **kwargs,
    )


class PledgeCreateSchema(RequestSchema):
    amount = AmountField(required=True, positive=True)
    currency = Text(
        validate=validate.Length(equal=3),
        metadata={"description": "If given, must be the project's currency", "example": "EUR"},
    )
    payment_method = _payment_method(
        load_default=DEFAULT_PAYMENT_METHOD,
        metadata={"description": (
            "The card to pledge with: a sandbox test card such as pm_card_mastercard, or in "
            "stripe mode a PaymentMethod id. Left out, it is pm_card_visa (the sandbox's test "
            "Visa); the answer's payment_method says which was used"),
            "default": DEFAULT_PAYMENT_METHOD, "example": "pm_card_visa"},
    )


class EmptySchema(RequestSchema):
    """A body that carries nothing (optional; `{}` if sent)."""


class ProjectCancelSchema(RequestSchema):
    reason = _text(
        500, required=True,
        metadata={"description": "Why the city cancels; shown to backers",
                  "example": "The site is no longer available"},
    )


class PaymentMethodSchema(RequestSchema):
    payment_method = _payment_method(
        required=True,
        metadata={"description": "A new card, e.g. the sandbox test card pm_card_visa",
                  "example": "pm_card_visa"},
    )


class DeliveryOwnerSchema(RequestSchema):
    email = _text(
        254, required=True,
        metadata={"description": "The email of an account with the proposer role",
                  "example": "proposer@example.org"},
    )


class UpdateCreateSchema(RequestSchema):
    title = _text(140, required=True, metadata={"example": "Sensors installed"})
    body = _text(4000, required=True)


class MilestoneCreateSchema(RequestSchema):
    title = _text(140, required=True, metadata={"example": "Install the sensors"})
    due = Moment(required=True, metadata={"description": (
        "When it is due: now or later (up to an hour ago counts as now); earlier is refused "
        "with invalid_project")})


class ProjectFilterSchema(RequestSchema):
    q = _text(200, metadata={"description": (
        "Words to search for in the pilots' titles, summaries, areas and proposers: each must "
        "start a word of the pilot (any case, accents or not). Quotes, operators and SQL are "
        "read as plain words"), "example": "air sensors"})
    city = _text(80, metadata={"description": "A city's name"})
    theme = _text(80)
    area = _text(80, metadata={"description": "A neighbourhood of the city (any case)",
                               "example": "Bonfim"})
    sort = Text(validate=validate.OneOf(SORTS), load_default=ENDING_SOON, metadata={
        "description": "ending_soon (the default: campaigns taking pledges first, closing "
                       "soonest), most_backed, newest (latest campaign start first) or "
                       "closest_to_minimum (open campaigns still short of their minimum, "
                       "nearest to it first)"})
    status = Text(validate=validate.OneOf(PROJECT_STATUSES))
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=100))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


# -- responses ---------------------------------------------------------------------------------

class TokenSchema(Schema):
    id = fields.UUID(required=True, metadata={"description": "Names the token to revoke it"})
    token = fields.String(required=True, metadata={"description": "Shown this once"})
    account_id = fields.UUID(required=True)
    role = fields.String(required=True)
    expires_at = fields.DateTime(required=True)


class TokenInfoSchema(Schema):
    id = fields.UUID(required=True)
    created_at = fields.DateTime(required=True)
    expires_at = fields.DateTime(required=True)
    last_used_at = fields.DateTime(
        required=True, allow_none=True,
        metadata={"description": "Within a minute; null if never used"},
    )


class TokenListSchema(Schema):
    tokens = fields.List(fields.Nested(TokenInfoSchema), required=True)


class BudgetLineSchema(Schema):
    label = fields.String(required=True)
    amount = AmountField(required=True)
    required = fields.Boolean(required=True)


class DepartmentShareSchema(Schema):
    department_id = fields.UUID(required=True)
    name = fields.String(required=True)
    amount = AmountField(required=True)


class CapitalStackSchema(Schema):
    """Who funds the pilot so far: the crowd, the matching funds and each department."""

    crowd = AmountField(required=True)
    matched = AmountField(required=True)
    committed = AmountField(required=True)
    departments = fields.List(
        fields.Nested(DepartmentShareSchema), required=True,
        metadata={"description": "Each department's commitments to the pilot, largest first"},
    )
    investors = AmountField(
        required=True,
        metadata={"description": "What investors committed to the pilot's offers that reached "
                                 "their minimum (held, or called to pay in)"},
    )


class ProjectSchema(Schema):
    id = fields.UUID(required=True)
    title = fields.String(required=True)
    summary = fields.String(required=True)
    proposer = fields.String(
        required=True,
        metadata={"description": "The display name of the organisation that proposes the pilot"},
    )
    city = fields.String(attribute="city_name", required=True)
    area = fields.String(required=True)
    theme = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(PROJECT_STATUSES))
    currency = fields.String(required=True)
    minimum = AmountField(required=True)
    optimum = AmountField(required=True)
    raised = AmountField(
        required=True,
        metadata={"description": "Authorised and charged pledges; once settled, charged only"},
    )
    pending = AmountField(
        required=True,
        metadata={"description": "Failed payments the citizens may still fix", "example": "0.00"},
    )
    matched = AmountField(
        required=True,
        metadata={"description": "What matching funds hold for it: reserved and committed "
                                 "matches and grants", "example": "0.00"},
    )
    committed = AmountField(
        required=True,
        metadata={"description": "What the city's departments committed to it from their budget "
                                 "lines (held and drawn)", "example": "0.00"},
    )
    invested = AmountField(
        required=True,
        metadata={"description": "What investors committed to its investment offers that "
                                 "reached their minimum (held, or called to pay in)",
                  "example": "0.00"},
    )
    total = AmountField(
        required=True,
        metadata={"description": "raised + matched + committed + invested: what the funding "
                                 "decision counts"},
    )
    capital_stack = fields.Nested(CapitalStackSchema, required=True)
    settled = fields.Boolean(
        required=True, metadata={"description": "Every counted pledge has been settled"},
    )
    backers = fields.Integer(required=True)
    opens_at = fields.AwareDateTime(format="iso", required=True)
    closes_at = fields.AwareDateTime(format="iso", required=True)
    funding_model = fields.String(required=True, validate=validate.OneOf(FUNDING_MODELS))
    budget_lines = fields.List(fields.Nested(BudgetLineSchema), required=True)
    delivery_owner_id = fields.UUID(
        required=True, allow_none=True,
        metadata={"description": "The proposer account that reports on the delivery, if any"},
    )
    suggested_amounts = fields.List(
        AmountField(), attribute="suggested", required=True,
        metadata={"description": "The amounts its city suggests on the pledge form, smallest "
                                 "first (empty: none)", "example": ["10.00", "25.00"]},
    )


class ProjectListSchema(Schema):
    projects = fields.List(fields.Nested(ProjectSchema), required=True)


class PledgeSchema(Schema):
    id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    amount = AmountField(required=True)
    currency = fields.String(attribute="amount.currency", required=True)
    status = fields.String(required=True, validate=validate.OneOf(PLEDGE_STATUSES))
    payment_method = fields.String(
        required=True,
        metadata={"description": "The card the pledge is secured with (the one given last, "
                                 "after a failed charge)", "example": "pm_card_visa"},
    )
    created_at = fields.AwareDateTime(format="iso", attribute="made_at", required=True)
    fix_by = fields.AwareDateTime(
        format="iso", required=True, allow_none=True,
        metadata={"description": "A failed payment can be fixed until then; else null"},
    )
    failure = fields.String(
        required=True, allow_none=True,
        metadata={"description": "Why the last charge failed; null unless payment_failed"},
    )
    matched = AmountField(
        required=True,
        metadata={"description": "What matching funds add to it (reserved, or committed once "
                                 "charged); 0.00 when none", "example": "0.00"},
    )


class PledgeListSchema(Schema):
    pledges = fields.List(fields.Nested(PledgeSchema), required=True)


class ReceiptSchema(Schema):
    kind = fields.String(
        required=True,
        metadata={"description": "confirmation, receipt, refund, payment_failed, released or "
                                 "dropped"},
    )
    subject = fields.String(required=True)
    body = fields.String(required=True)
    created_at = fields.AwareDateTime(format="iso", required=True)


class ReceiptListSchema(Schema):
    receipts = fields.List(fields.Nested(ReceiptSchema), required=True)


class UpdateSchema(Schema):
    title = fields.String(required=True)
    body = fields.String(required=True)
    posted_at = fields.AwareDateTime(format="iso", required=True)


class UpdateListSchema(Schema):
    updates = fields.List(fields.Nested(UpdateSchema), required=True)


class MilestoneSchema(Schema):
    number = fields.Integer(required=True, metadata={"description": "1 for the first planned"})
    title = fields.String(required=True)
    due = fields.AwareDateTime(format="iso", required=True)
    completed_at = fields.AwareDateTime(format="iso", required=True, allow_none=True)


class MilestoneListSchema(Schema):
    milestones = fields.List(fields.Nested(MilestoneSchema), required=True)


class ErrorDetailSchema(Schema):
    code = fields.String(required=True, metadata={"example": "invalid"})
    message = fields.String(required=True)
    fields_ = fields.Dict(
        data_key="fields", keys=fields.String(), values=fields.List(fields.String()),
        required=True,
        metadata={"description": "Messages per field; nested fields are dotted, "
                                 "e.g. budget_lines.0.amount"},
    )


class ErrorSchema(Schema):
    error = fields.Nested(ErrorDetailSchema, required=True)


def field_messages(error: ValidationError) -> dict[str, list[str]]:
    """marshmallow's nested messages as {"budget_lines.0.amount": ["..."]}."""
    flat: dict[str, list[str]] = {}

    def walk(messages: Any, path: str) -> None:
        if isinstance(messages, dict):
            for key, inner in messages.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(messages, list | tuple):
            for item in messages:
                if isinstance(item, dict | list | tuple):
                    walk(item, path)
                else:
                    flat.setdefault(path or "_body", []).append(str(item))
        else:
            flat.setdefault(path or "_body", []).append(str(messages))

    walk(error.messages, "")
    return flat
