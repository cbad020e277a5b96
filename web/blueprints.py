"""Every blueprint the app serves, area by area. An area's API routes join the one API blueprint
(web/api) when their module is imported here."""

from __future__ import annotations

from flask import Blueprint

from web import api
from web.accounts import (
    account,
    admin,
    api_privacy,
    api_tokens,
    auth,
    email_confirmation,
    password_reset,
    security_page,
    settings_page,
)
from web.api import openapi
from web.audit import api as audit_api
from web.audit import pages as audit_pages
from web.conversation import api as conversation_api
from web.conversation import pages as conversation_pages
from web.crowdfunding import console, delivery, impact, pledging, public, webhooks
from web.crowdfunding import pledge_statements as pledge_statement_pages
from web.crowdfunding.api import delivery as delivery_api
from web.crowdfunding.api import impact as impact_api
from web.crowdfunding.api import pledge_statements as pledge_statements_api
from web.crowdfunding.api import pledges as pledges_api
from web.crowdfunding.api import projects as projects_api
from web.crowdfunding.api import settlement as settlement_api
from web.investment import api as investment_api
from web.investment import (
    api_agreements,
    api_liabilities,
    api_portfolio,
    officer_pages,
    sharing_pages,
)
from web.investment import pages as invest_pages
from web.ledger import api as ledger_api
from web.ledger import pages as explain_pages
from web.matching import api as matching_api
from web.matching import fund_console, funds
from web.pictures import api as picture_api
from web.pictures import pages as picture_pages
from web.procurement import api as procurement_api
from web.procurement import api_departments, department_console
from web.procurement import pages as call_pages
from web.transparency import api as transparency_api
from web.transparency import pages as transparency_pages

# Imported for the routes they add to the API blueprint.
API_ROUTES = (projects_api, pledges_api, settlement_api, delivery_api, matching_api, ledger_api,
              api_tokens, api_privacy, api_departments, procurement_api, openapi,
              investment_api, api_agreements, api_liabilities, api_portfolio, audit_api,
              transparency_api, conversation_api, impact_api, picture_api,
              pledge_statements_api)

PAGES = (public, auth, password_reset, email_confirmation, security_page, account, pledging,
         console, funds, fund_console, department_console, delivery, admin, webhooks, call_pages,
         invest_pages, sharing_pages, officer_pages, audit_pages, explain_pages,
         transparency_pages, conversation_pages, impact, picture_pages, pledge_statement_pages,
         settings_page)


def BLUEPRINTS() -> list[Blueprint]:
    return [*(module.bp for module in PAGES), api.bp]
