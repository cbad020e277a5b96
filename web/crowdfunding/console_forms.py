"""The forms an officer fills in on a pilot's console page: cancelling it, planning milestones,
posting delivery updates and naming its delivery owner. A delivery owner's pages reuse the milestone
and update forms. Buttons that only confirm an action use `ActionForm` (the CSRF token)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from domain.crowdfunding.project import DUE_IN_THE_PAST
from domain.kernel.clock import in_the_past
from domain.kernel.errors import InvalidAmount
from domain.kernel.money import Money
from domain.kernel.text import has_control_characters

# A milestone due more than this far from today is almost surely a typing slip (2207 for 2027).
MILESTONE_HORIZON = timedelta(days=3660)


def _plain_text(form, field) -> None:
    if field.data and has_control_characters(field.data):
        raise ValidationError("Remove the control characters from this text")


class ActionForm(FlaskForm):
    """A button that changes something: only the CSRF token travels with it."""


class CancelForm(FlaskForm):
    reason = TextAreaField(
        "Why is the project cancelled?",
        validators=[
            DataRequired("Say why the project is cancelled: its backers will read it"),
            Length(max=500, message="Keep the reason under 500 characters"),
            _plain_text,
        ],
    )


class MilestoneForm(FlaskForm):
    milestone_title = StringField(
        "Milestone",
        validators=[
            DataRequired("Name the milestone, for example “Sensors installed”"),
            Length(max=140, message="Keep the milestone under 140 characters"),
            _plain_text,
        ],
    )
    due = StringField("Due date", validators=[DataRequired("Enter the date it is due")])

    def due_moment(self, timezone: str, now: datetime) -> datetime | None:
        """The end of the due day in the city's time zone, as a UTC moment; None with an error
        on the field when the text is not a usable date."""
        text = (self.due.data or "").strip()
        try:
            day = date.fromisoformat(text)
        except ValueError:
            message = f"“{text}” is not a date: write it like 2027-03-31"
            self.due.errors = [*self.due.errors, message]
            return None
        local = datetime.combine(day, time(23, 59), tzinfo=ZoneInfo(timezone))
        if abs(local - now) > MILESTONE_HORIZON:
            self.due.errors = [*self.due.errors, "Choose a date within ten years from today"]
            return None
        if in_the_past(local, now):
            self.due.errors = [*self.due.errors, DUE_IN_THE_PAST]
            return None
        return local.astimezone(UTC)


class UpdateForm(FlaskForm):
    update_title = StringField(
        "Title",
        validators=[
            DataRequired("Give the update a title"),
            Length(max=140, message="Keep the title under 140 characters"),
            _plain_text,
        ],
    )
    body = TextAreaField(
        "What happened",
        validators=[
            DataRequired("Write what happened: backers read this on the pilot's page"),
            Length(max=4000, message="Keep the update under 4,000 characters"),
            _plain_text,
        ],
    )


class DeliveryOwnerForm(FlaskForm):
    owner_email = StringField(
        "Email of the proposer's account",
        validators=[
            DataRequired("Enter the email of the proposer's account"),
            Length(max=254, message="An email is at most 254 characters"),
            _plain_text,
        ],
    )


class SuggestedAmountsForm(FlaskForm):
    """The amounts the pilot's pledge form offers, written as "10, 25, 50" (empty: none)."""

    suggested_amounts = StringField(
        "Suggested amounts",
        validators=[Length(max=200, message="Keep the list under 200 characters"), _plain_text],
    )

    def amounts(self, currency: str) -> list[Money] | None:
        """The amounts, or None with an error on the field when one is not an amount."""
        parsed = []
        for text in (self.suggested_amounts.data or "").replace(",", " ").split():
            try:
                parsed.append(Money.parse(text, currency))
            except InvalidAmount as problem:
                self.suggested_amounts.errors = [
                    *self.suggested_amounts.errors, f"“{text[:20]}”: {problem.message}"]
                return None
        return parsed

