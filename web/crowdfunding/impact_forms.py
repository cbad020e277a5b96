"""The forms a pilot's delivery owner and its city's officers fill in to define an impact
indicator and to report a value measured on one (the domain checks units, signs and dates)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from domain.crowdfunding.impact import MAX_EVIDENCE, MAX_NAME, MAX_UNIT


class IndicatorForm(FlaskForm):
    indicator_name = StringField("Indicator", validators=[
        DataRequired("Name the indicator, for example “Sensors online”"),
        Length(max=MAX_NAME)])
    unit = StringField("Unit", validators=[Optional(), Length(max=MAX_UNIT)])
    target = StringField("Target", validators=[DataRequired("Give the target, for example 20")])
    direction = SelectField("Better when", choices=["higher", "lower"])
    negatives_allowed = BooleanField("Values may be negative")
    money_benefit = BooleanField("A money benefit (measured in the pilot's currency)")


class MeasurementForm(FlaskForm):
    indicator = IntegerField("Indicator", validators=[DataRequired("Choose the indicator")])
    measured_on = StringField("Measured on", validators=[DataRequired("Enter the date")])
    value = StringField("Value", validators=[DataRequired("Enter the value measured")])
    evidence = TextAreaField("Evidence", validators=[
        DataRequired("Describe the evidence: how and where it was measured"),
        Length(max=MAX_EVIDENCE)])
    links = TextAreaField("Evidence links (one per line)", validators=[Optional()])

    def link_list(self) -> list[str]:
        return [line.strip() for line in (self.links.data or "").splitlines() if line.strip()]
