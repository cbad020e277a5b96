"""A city's liabilities through API v1: its community bonds outstanding and the payments due in
the next 12 months, with totals per currency (officers of the city, auditors and
administrators)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import jsonify
from marshmallow import Schema, fields

from adapters.offer_queries import LiabilitiesView
from web.api import bp
from web.api.http import forbidden, not_found, require_caller
from web.api.schemas import AmountField, one
from web.services import platform

READERS = ("city", "auditor", "admin")


class DueLineSchema(Schema):
    number = fields.Integer(required=True, metadata={"description": "The schedule line"})
    due_date = fields.Date(required=True)
    interest = AmountField(required=True)
    capital = AmountField(required=True)
    total = AmountField(required=True)


class BondLiabilitySchema(Schema):
    offer_id = fields.UUID(required=True)
    project_id = fields.UUID(required=True)
    project = fields.String(attribute="project_title", required=True)
    currency = fields.String(required=True)
    principal = AmountField(required=True, metadata={
        "description": "The capital raised (called to pay in)"})
    issue_date = fields.Date(required=True, metadata={
        "description": "The day the offer closed: interest runs from it"})
    maturity = fields.Date(required=True)
    outstanding = AmountField(required=True, metadata={
        "description": "Capital the schedule leaves unpaid at the end of today"})
    due_next_12_months = AmountField(attribute="due_total", required=True)
    due = fields.List(fields.Nested(DueLineSchema), required=True, metadata={
        "description": "The lines due after today and within 12 months"})


class CurrencyTotalSchema(Schema):
    currency = fields.String(required=True)
    outstanding = AmountField(required=True)
    due_interest = AmountField(required=True)
    due_capital = AmountField(required=True)
    due_total = AmountField(required=True)


class LiabilitiesSchema(Schema):
    city_id = fields.UUID(required=True)
    as_of = fields.Date(required=True)
    bonds = fields.List(fields.Nested(BondLiabilitySchema), required=True)
    totals = fields.List(fields.Nested(CurrencyTotalSchema), required=True, metadata={
        "description": "Per currency: outstanding and due in the next 12 months"})


def liabilities_json(city_id: UUID, as_of: Any, found: LiabilitiesView) -> dict[str, Any]:
    return one(LiabilitiesSchema).dump({"city_id": city_id, "as_of": as_of,
                                        "bonds": found.bonds, "totals": found.totals})


@bp.get("/cities/<uuid:city_id>/liabilities")
def city_liabilities(city_id: UUID):
    user = require_caller(*READERS)
    if platform().read.city(city_id) is None:
        raise not_found("city")
    if user.role == "city" and user.city_id != city_id:
        raise forbidden("Only this city's officers (or auditors and administrators) see its "
                        "liabilities")
    today = platform().clock.now().date()
    return jsonify(liabilities_json(city_id, today, platform().read.city_liabilities(city_id,
                                                                                     today)))
