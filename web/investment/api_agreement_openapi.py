"""The benefit-sharing agreements routes' entries in the OpenAPI document (web/api/openapi.py
adds them)."""

from __future__ import annotations

from web.investment.api_agreement_schemas import (
    AgreementSchema,
    AmendmentCreateSchema,
    BenefitReportCreateSchema,
    BenefitReportListSchema,
    BenefitReportSchema,
    ReportDecisionSchema,
    SignatureCreateSchema,
)
from web.investment.api_openapi import MANAGE, SECURED, TAG, _body, _request, _uuid

READ = {"401": "Unauthorised", "404": "NotFound"}
PROJECT = [_uuid("project_id", "project")]
REPORT = [_uuid("report_id", "benefit report")]
OPTIONAL_REASON = {"required": False,
                   "content": {"application/json": {"schema": ReportDecisionSchema}}}

OPERATIONS: dict[str, dict[str, dict]] = {
    "api.get_agreement": {"get": {
        "summary": "A funded pilot's benefit-sharing agreement: its parties, every version "
                   "(terms, signatures, the parties yet to sign, when it took effect) and the "
                   "version in effect; public",
        "tags": TAG, "parameters": PROJECT,
        "responses": {"200": _body(AgreementSchema, "The agreement"), **READ},
    }},
    "api.sign_agreement": {"post": {
        "summary": "A party signs the agreement's newest version (drawn up from the pilot's "
                   "benefit-share offer at the first signature). Signing for a party you do "
                   "not represent is refused (not_a_party); so is an older version "
                   "(invalid_agreement) or signing twice (409)",
        "tags": TAG, "security": SECURED, "parameters": PROJECT,
        "requestBody": _request(SignatureCreateSchema),
        "responses": {"201": _body(AgreementSchema, "The agreement"), **MANAGE},
    }},
    "api.amend_agreement": {"post": {
        "summary": "An officer of the pilot's city amends the terms: a new version that every "
                   "party signs again; the signed version stays in effect until then",
        "tags": TAG, "security": SECURED, "parameters": PROJECT,
        "requestBody": _request(AmendmentCreateSchema),
        "responses": {"201": _body(AgreementSchema, "The agreement"), **MANAGE},
    }},
    "api.list_benefit_reports": {"get": {
        "summary": "A pilot's benefit reports, with the payments of each approved one's "
                   "distribution (tier, party, investor, amount, agreement version)",
        "tags": TAG, "parameters": PROJECT,
        "responses": {"200": _body(BenefitReportListSchema, "The reports"), **READ},
    }},
    "api.report_benefit": {"post": {
        "summary": "The delivery owner or an officer of the pilot's city reports a realised "
                   "benefit for a period; overlapping another report's period "
                   "(overlapping_period) or in another currency (currency_mismatch) is refused",
        "tags": TAG, "security": SECURED, "parameters": PROJECT,
        "requestBody": _request(BenefitReportCreateSchema),
        "responses": {"201": _body(BenefitReportSchema, "The report (see Location)"),
                      **MANAGE},
    }},
    "api.get_benefit_report": {"get": {
        "summary": "One benefit report and its distribution",
        "tags": TAG, "parameters": REPORT,
        "responses": {"200": _body(BenefitReportSchema, "The report"), **READ},
    }},
    "api.approve_benefit_report": {"post": {
        "summary": "A different officer of the pilot's city approves a report (four eyes: "
                   "approving your own is refused, four_eyes); the benefit is distributed at "
                   "once through the agreement's waterfall (the version in effect)",
        "tags": TAG, "security": SECURED, "parameters": REPORT,
        "requestBody": OPTIONAL_REASON,
        "responses": {"200": _body(BenefitReportSchema, "The report"), **MANAGE},
    }},
    "api.reject_benefit_report": {"post": {
        "summary": "A different officer of the pilot's city rejects a report, with a reason; "
                   "its period can be reported again",
        "tags": TAG, "security": SECURED, "parameters": REPORT,
        "requestBody": OPTIONAL_REASON,
        "responses": {"200": _body(BenefitReportSchema, "The report"), **MANAGE},
    }},
}
