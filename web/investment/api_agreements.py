"""Benefit-sharing agreements through API v1: anyone reads a public pilot's agreement (its
versions and signatures) and its benefit reports with their distributions; the parties sign;
the city's officers amend; the delivery owner or an officer reports benefits; a different
officer of the city approves or rejects them."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import jsonify, url_for

from adapters.agreement_queries import AgreementView, BenefitReportView
from domain.kernel.errors import CurrencyMismatch
from domain.kernel.money import Money
from web.api import bp
from web.api.http import caller, json_body, not_found, require_caller
from web.api.schemas import one
from web.crowdfunding.api.projects import visible_project
from web.investment.api_agreement_schemas import (
    AgreementSchema,
    AmendmentCreateSchema,
    BenefitReportCreateSchema,
    BenefitReportListSchema,
    BenefitReportSchema,
    ReportDecisionSchema,
    SignatureCreateSchema,
)
from web.services import command, platform

SEES_INVESTORS = ("city", "auditor", "admin")


def agreement_data(agreement: AgreementView) -> dict[str, Any]:
    in_effect = agreement.in_effect
    return {**agreement.__dict__,
            "in_effect": in_effect.number if in_effect else None,
            "versions": [{**v.__dict__, "signatures": [s.__dict__ for s in v.signatures],
                          "missing": agreement.missing(v)} for v in agreement.versions]}


def report_data(report: BenefitReportView) -> dict[str, Any]:
    user = caller()
    sees_all = user is not None and user.has_role(*SEES_INVESTORS)
    own = user.account_id if user is not None else None

    def investor(found: UUID | None) -> UUID | None:
        return found if found is not None and (sees_all or found == own) else None

    return {**report.__dict__, "currency": report.amount.currency,
            "payments": [{**p.__dict__, "investor_id": investor(p.investor_id)}
                         for p in report.payments]}


def _agreement_of(project_id: UUID) -> AgreementView:
    visible_project(project_id, caller())
    found = platform().read.agreement(project_id)
    if found is None:
        raise not_found("agreement")
    return found


def _report(report_id: UUID) -> BenefitReportView:
    found = platform().read.benefit_report(report_id)
    if found is None:
        raise not_found("benefit report")
    visible_project(found.project_id, caller())
    return found


@bp.get("/projects/<uuid:project_id>/agreement")
def get_agreement(project_id: UUID):
    return jsonify(one(AgreementSchema).dump(agreement_data(_agreement_of(project_id))))


@bp.post("/projects/<uuid:project_id>/agreement/signatures")
def sign_agreement(project_id: UUID):
    user = require_caller()
    wanted = json_body(one(SignatureCreateSchema))
    visible_project(project_id, user)
    command(lambda: platform().app.sign_agreement(project_id, party=wanted["party"],
                                                  version=wanted["version"]),
            actor=user.actor)
    found = platform().read.agreement(project_id)
    return jsonify(one(AgreementSchema).dump(agreement_data(found))), 201


@bp.post("/projects/<uuid:project_id>/agreement/amendments")
def amend_agreement(project_id: UUID):
    user = require_caller()
    wanted = json_body(one(AmendmentCreateSchema))
    _agreement_of(project_id)
    command(lambda: platform().app.amend_agreement(project_id, terms=wanted), actor=user.actor)
    found = platform().read.agreement(project_id)
    return jsonify(one(AgreementSchema).dump(agreement_data(found))), 201


@bp.get("/projects/<uuid:project_id>/benefit-reports")
def list_benefit_reports(project_id: UUID):
    visible_project(project_id, caller())
    reports = platform().read.benefit_reports_of(project_id)
    return jsonify(one(BenefitReportListSchema).dump(
        {"reports": [report_data(r) for r in reports]}))


@bp.post("/projects/<uuid:project_id>/benefit-reports")
def report_benefit(project_id: UUID):
    user = require_caller()
    wanted = json_body(one(BenefitReportCreateSchema))
    agreement = _agreement_of(project_id)
    named = wanted.get("currency")
    if named is not None and named != agreement.currency:
        raise CurrencyMismatch(f"This pilot's benefits are in {agreement.currency}, not "
                               f"{named!r}")
    amount = Money.parse(wanted["amount"], agreement.currency)
    report_id = command(
        lambda: platform().app.report_benefit(
            project_id, period_start=wanted["period_start"], period_end=wanted["period_end"],
            amount=amount, category=wanted["category"], evidence=wanted["evidence"],
            links=wanted.get("links", [])),
        actor=user.actor)
    location = url_for("api.get_benefit_report", report_id=report_id)
    found = platform().read.benefit_report(report_id)
    return (jsonify(one(BenefitReportSchema).dump(report_data(found))), 201,
            {"Location": location})


@bp.get("/benefit-reports/<uuid:report_id>")
def get_benefit_report(report_id: UUID):
    return jsonify(one(BenefitReportSchema).dump(report_data(_report(report_id))))


@bp.post("/benefit-reports/<uuid:report_id>/approve")
def approve_benefit_report(report_id: UUID):
    user = require_caller()
    json_body(one(ReportDecisionSchema), optional=True)
    _report(report_id)
    command(lambda: platform().app.approve_benefit_report(report_id), actor=user.actor)
    return jsonify(one(BenefitReportSchema).dump(report_data(_report(report_id))))


@bp.post("/benefit-reports/<uuid:report_id>/reject")
def reject_benefit_report(report_id: UUID):
    user = require_caller()
    wanted = json_body(one(ReportDecisionSchema), optional=True)
    _report(report_id)
    command(lambda: platform().app.reject_benefit_report(
        report_id, reason=wanted.get("reason", "")), actor=user.actor)
    return jsonify(one(BenefitReportSchema).dump(report_data(_report(report_id))))
