"""Every SQL table civicfund owns besides the event store. Alembic revisions create them."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR

metadata = sa.MetaData()

# Personal data lives here and only here; events carry the opaque account id.
accounts = sa.Table(
    "accounts",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("email", sa.String(254), nullable=False, unique=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("city_id", sa.Uuid, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Empty until the owner follows the link mailed at registration (or an admin, the CLI or the
    # demo made the account). A citizen pledges only with a confirmed email.
    sa.Column("email_verified_at", sa.DateTime(timezone=True), nullable=True),
    # Set when the person is erased: the row stays as a tombstone (its id still resolves) with
    # the name, email and password hash gone.
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True),
    # The language chosen for pages and mail; empty means the browser's, then the city's.
    sa.Column("locale", sa.String(8), nullable=True),
)

# What a person chose to show publicly instead of their account name (backer walls, beside
# their questions). Personal data: erased with the account, never in the log.
profiles = sa.Table(
    "profiles",
    metadata,
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("display_name", sa.String(60), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Erasure requests: who asked, why (a category, as in the log's Account.Erased event, and the
# administrator's free-text note, which stays here), and when it was carried out. A request
# waits while the person's pledges are being settled; the worker finishes it afterwards.
account_erasures = sa.Table(
    "account_erasures",
    metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("requested_by", sa.String(40), nullable=False),
    sa.Column("requested_by_role", sa.String(20), nullable=False),
    sa.Column("reason", sa.String(30), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=True, index=True),
)

# Bearer tokens, kept as SHA-256 hashes; `id` names one for listing and revoking.
api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("id", sa.Uuid, nullable=False, unique=True),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
)

# Signed-in browsers. The session cookie carries a random id; only its SHA-256 hash is kept, so
# deleting the row ends the session wherever the cookie was saved.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
)

# Single-use links mailed to an account (email confirmation, password reset), kept as hashes.
account_links = sa.Table(
    "account_links",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("purpose", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
)

# -- read models, maintained by projections from the event log ------------------------------

projection_positions = sa.Table(
    "projection_positions",
    metadata,
    sa.Column("name", sa.String(60), primary_key=True),
    sa.Column("position", sa.BigInteger, nullable=False),
)

cities = sa.Table(
    "rm_cities",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("name", sa.String(80), nullable=False, unique=True),
    sa.Column("country", sa.String(2), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)

projects = sa.Table(
    "rm_projects",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("city_id", sa.Uuid, nullable=False, index=True),
    sa.Column("city_name", sa.String(80), nullable=False),
    sa.Column("area", sa.String(80), nullable=False),
    sa.Column("theme", sa.String(80), nullable=False, index=True),
    sa.Column("title", sa.String(140), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("proposer", sa.String(140), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("minimum", sa.BigInteger, nullable=False),
    sa.Column("optimum", sa.BigInteger, nullable=False),
    sa.Column("budget_lines", sa.JSON, nullable=False),
    sa.Column("funding_model", sa.String(30), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("backers", sa.Integer, nullable=False, default=0),
    sa.Column("pledge_count", sa.Integer, nullable=False, default=0),
    sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("settled", sa.Boolean, nullable=False, default=False),
    sa.Column("delivery_owner_id", sa.Uuid, nullable=True, index=True),
    # The amounts (minor units, in its currency) its city suggests on the pledge form.
    sa.Column("suggested_amounts", sa.JSON, nullable=True),
)

# The search index over pilots' words (adapters/search.py): on SQLite an FTS5 table, on
# PostgreSQL a tsvector with a GIN index (migration 0018 creates either).
project_search = sa.Table(
    "rm_project_search",
    metadata,
    sa.Column("project_id", sa.Uuid, primary_key=True),
    sa.Column("document", sa.Text().with_variant(TSVECTOR(), "postgresql"), nullable=False),
)

pledges = sa.Table(
    "rm_pledges",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("citizen_id", sa.Uuid, nullable=False, index=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("payment_method", sa.String(80), nullable=False),
    sa.Column("payment_reference", sa.String(120), nullable=True),
    sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("fix_by", sa.DateTime(timezone=True), nullable=True),
    sa.Column("failure", sa.String(300), nullable=True),
)

# One row per (project, citizen) with live pledges, so "backers" is counted incrementally.
project_backers = sa.Table(
    "rm_project_backers",
    metadata,
    sa.Column("project_id", sa.Uuid, primary_key=True),
    sa.Column("citizen_id", sa.Uuid, primary_key=True),
    sa.Column("live_pledges", sa.Integer, nullable=False),
)

milestones = sa.Table(
    "rm_milestones",
    metadata,
    sa.Column("project_id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("title", sa.String(140), nullable=False),
    sa.Column("due", sa.DateTime(timezone=True), nullable=False),
    sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
)

updates = sa.Table(
    "rm_updates",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("title", sa.String(140), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
)

matching_funds = sa.Table(
    "rm_matching_funds",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("city_id", sa.Uuid, nullable=False, index=True),
    # Where the fund stands in its city's list: funds on one project apply in this order.
    sa.Column("position", sa.Integer, nullable=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("sponsor", sa.String(120), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("areas", sa.JSON, nullable=False),
    sa.Column("calls", sa.JSON, nullable=True),  # call ids; empty or null: any pilot
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("rule_version", sa.Integer, nullable=False),  # the latest published version
    sa.Column("rules", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

fund_rule_versions = sa.Table(
    "rm_fund_rule_versions",
    metadata,
    sa.Column("fund_id", sa.Uuid, primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("rules", sa.JSON, nullable=False),
    sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
    sa.Column("amended_at", sa.DateTime(timezone=True), nullable=False),
)

# One row per match (on a pledge) or grant (to a whole project) a fund ever reserved. The id is
# derived from what it matches, so a rebuild writes the very same rows.
matches = sa.Table(
    "rm_matches",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("fund_id", sa.Uuid, nullable=False, index=True),
    sa.Column("pledge_id", sa.Uuid, nullable=True, index=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("backer_id", sa.Uuid, nullable=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("rule_version", sa.Integer, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),  # reserved, committed, released
    sa.Column("kind", sa.String(20), nullable=False),  # match, grant, quadratic
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
)

# -- departments, their budget lines and commitments (the money is the ledger's) -------------

departments = sa.Table(
    "rm_departments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("city_id", sa.Uuid, nullable=False, index=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

department_budget_lines = sa.Table(
    "rm_department_budget_lines",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("department_id", sa.Uuid, nullable=False, index=True),
    sa.Column("name", sa.String(140), nullable=False),
    sa.Column("fiscal_year", sa.Integer, nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)

commitments = sa.Table(
    "rm_commitments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("department_id", sa.Uuid, nullable=False, index=True),
    sa.Column("line_id", sa.Uuid, nullable=False, index=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("amount", sa.BigInteger, nullable=False),  # what was committed
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("conditional", sa.Boolean, nullable=False),
    sa.Column("state", sa.String(20), nullable=False),  # committed, drawn, released, withdrawn
    sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# -- investment offers, their commitments and passed appropriateness checks (issue 12) -------

offers = sa.Table(
    "rm_offers",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("city_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # community_bond, benefit_share
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("target", sa.BigInteger, nullable=False),
    sa.Column("minimum", sa.BigInteger, nullable=False),
    sa.Column("maximum", sa.BigInteger, nullable=False),
    sa.Column("min_ticket", sa.BigInteger, nullable=False),
    sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("terms", sa.JSON, nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)

investment_commitments = sa.Table(
    "rm_investment_commitments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("offer_id", sa.Uuid, nullable=False, index=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("investor_id", sa.Uuid, nullable=False, index=True),
    sa.Column("amount", sa.BigInteger, nullable=False),  # what was committed
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),  # committed, to_pay_in, paid_in, ...
    sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),  # failed pay-ins
    sa.Column("failure", sa.Text, nullable=False, server_default=""),  # the last failure's words
    sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("paid_on", sa.Date, nullable=True),
)

appropriateness = sa.Table(
    "rm_appropriateness",
    metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("passed_at", sa.DateTime(timezone=True), nullable=False),
)

# -- the ledger: every money movement as postings that sum to zero (domain/ledger) ---------

ledger_postings = sa.Table(
    "ledger_postings",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True),  # the event's place in the log
    sa.Column("leg", sa.Integer, primary_key=True),  # the posting's place among the event's
    sa.Column("event", sa.String(80), nullable=False),  # e.g. Pledge.Charged
    sa.Column("account", sa.String(160), nullable=False),
    sa.Column("owner", sa.String(20), nullable=False),
    sa.Column("owner_id", sa.Uuid, nullable=False),
    sa.Column("bucket", sa.String(20), nullable=False),
    sa.Column("project_id", sa.Uuid, nullable=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("pledge_id", sa.Uuid, nullable=True, index=True),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.Index("ix_ledger_postings_account_position", "account", "position"),
)

ledger_balances = sa.Table(
    "ledger_balances",
    metadata,
    sa.Column("account", sa.String(160), primary_key=True),
    sa.Column("owner", sa.String(20), nullable=False),
    sa.Column("owner_id", sa.Uuid, nullable=False, index=True),
    sa.Column("bucket", sa.String(20), nullable=False),
    sa.Column("project_id", sa.Uuid, nullable=True, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("balance", sa.BigInteger, nullable=False),
    sa.Column("postings", sa.Integer, nullable=False),
    sa.Column("position", sa.BigInteger, nullable=False),  # of its latest posting
)

# What the bookkeeper remembers between events (domain/ledger/bookkeeping.py `Facts`).
ledger_facts = sa.Table(
    "ledger_facts",
    metadata,
    sa.Column("key", sa.String(120), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
)

# -- procurement: calls, proposals, scores and awards ------------------------------------------

calls = sa.Table(
    "rm_calls",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("city_id", sa.Uuid, nullable=False, index=True),
    sa.Column("title", sa.String(140), nullable=False),
    sa.Column("challenge", sa.Text, nullable=False),
    sa.Column("route", sa.String(3), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("budget", sa.BigInteger, nullable=False),
    sa.Column("capital_stack", sa.JSON, nullable=False),
    sa.Column("opens_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("areas", sa.JSON, nullable=False),
    sa.Column("themes", sa.JSON, nullable=False),
    sa.Column("criteria", sa.JSON, nullable=False),
    sa.Column("phases", sa.JSON, nullable=False),
    sa.Column("phase", sa.Integer, nullable=False),
    sa.Column("evaluators", sa.JSON, nullable=False),  # account ids
    sa.Column("evaluation_closed", sa.JSON, nullable=False),  # phases an officer unsealed
    sa.Column("advanced", sa.JSON, nullable=False),  # {phase: [proposal ids kept]}
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

proposals = sa.Table(
    "rm_proposals",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("call_id", sa.Uuid, nullable=False, index=True),
    sa.Column("proposer_id", sa.Uuid, nullable=False, index=True),
    sa.Column("title", sa.String(140), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("content", sa.JSON, nullable=False),  # amounts as decimal strings
    # What the evaluators read: the content as last submitted.
    sa.Column("submitted_content", sa.JSON, nullable=True),
    sa.Column("versions", sa.JSON, nullable=False),  # [{"version", "submitted_at"}]
    sa.Column("version", sa.Integer, nullable=False),  # submissions so far
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),  # the latest
    sa.Column("conflicts", sa.JSON, nullable=False),  # evaluator account ids
    sa.Column("reason", sa.Text, nullable=False),  # the outcome's reason
    sa.Column("project_id", sa.Uuid, nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

proposal_scores = sa.Table(
    "rm_proposal_scores",
    metadata,
    sa.Column("proposal_id", sa.Uuid, primary_key=True),
    sa.Column("phase", sa.Integer, primary_key=True),
    sa.Column("evaluator_id", sa.Uuid, primary_key=True),
    sa.Column("criterion", sa.String(80), primary_key=True),
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("justification", sa.Text, nullable=False),
)

call_awards = sa.Table(
    "rm_call_awards",
    metadata,
    sa.Column("call_id", sa.Uuid, primary_key=True),
    sa.Column("phase", sa.Integer, primary_key=True),
    sa.Column("proposal_id", sa.Uuid, primary_key=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("awarded_at", sa.DateTime(timezone=True), nullable=False),
)

# The pilots an award made: the call, and the proposal's cost-benefit analysis (plain data).
project_cost_benefits = sa.Table(
    "rm_project_cost_benefits",
    metadata,
    sa.Column("project_id", sa.Uuid, primary_key=True),
    sa.Column("call_id", sa.Uuid, nullable=False, index=True),
    sa.Column("cba", sa.JSON, nullable=True),
)

# -- benefit-sharing agreements, their signatures, benefit reports and distributions (issue 12) --

agreements = sa.Table(
    "rm_agreements",
    metadata,
    sa.Column("project_id", sa.Uuid, primary_key=True),
    sa.Column("agreement_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("city_id", sa.Uuid, nullable=False, index=True),
    sa.Column("offer_id", sa.Uuid, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("community_fund_id", sa.Uuid, nullable=True),
    sa.Column("parties", sa.JSON, nullable=False),  # the signing parties, in order
    sa.Column("drawn_up_at", sa.DateTime(timezone=True), nullable=False),
)

agreement_versions = sa.Table(
    "rm_agreement_versions",
    metadata,
    sa.Column("project_id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("terms", sa.JSON, nullable=False),
    sa.Column("effective_on", sa.Date, nullable=True),  # when every party had signed
    sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
)

agreement_signatures = sa.Table(
    "rm_agreement_signatures",
    metadata,
    sa.Column("project_id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("party", sa.String(20), primary_key=True),
    sa.Column("account_id", sa.Uuid, nullable=False),
    sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
)

benefit_reports = sa.Table(
    "rm_benefit_reports",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("city_id", sa.Uuid, nullable=False, index=True),
    sa.Column("reporter_id", sa.Uuid, nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("category", sa.String(80), nullable=False),
    sa.Column("evidence", sa.Text, nullable=False),
    sa.Column("links", sa.JSON, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # pending, approved, rejected
    sa.Column("decided_by", sa.Uuid, nullable=True),
    sa.Column("reason", sa.Text, nullable=False, default=""),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
)

distribution_payments = sa.Table(
    "rm_distribution_payments",
    metadata,
    sa.Column("report_id", sa.Uuid, primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True),  # the payment's place in the distribution
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("tier", sa.Integer, nullable=False),
    sa.Column("party", sa.String(20), nullable=False),
    sa.Column("investor_id", sa.Uuid, nullable=True, index=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("distributed_at", sa.DateTime(timezone=True), nullable=False),
)

# -- investment money: issued bonds, their payouts, investors' cash flows (issue 12) -----------

issued_bonds = sa.Table(
    "rm_issued_bonds",
    metadata,
    sa.Column("offer_id", sa.Uuid, primary_key=True),
    sa.Column("bond_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("city_id", sa.Uuid, nullable=False, index=True),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("issue_date", sa.Date, nullable=False),
    sa.Column("terms", sa.JSON, nullable=False),
    sa.Column("holdings", sa.JSON, nullable=False),  # [[investor id, paid-in minor], ...]
)

bond_payouts = sa.Table(
    "rm_bond_payouts",
    metadata,
    sa.Column("offer_id", sa.Uuid, primary_key=True),
    sa.Column("line", sa.Integer, primary_key=True),  # the schedule line's number
    sa.Column("investor_id", sa.Uuid, primary_key=True, index=True),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("interest", sa.BigInteger, nullable=False),
    sa.Column("capital", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # owed, paid, failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("failure", sa.Text, nullable=False),
    sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reference", sa.String(80), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Each investor's part of an approved report's distribution (every tier), paid out through the
# payments port; its tiers become cash flows when it is paid.
distribution_payouts = sa.Table(
    "rm_distribution_payouts",
    metadata,
    sa.Column("report_id", sa.Uuid, primary_key=True),
    sa.Column("investor_id", sa.Uuid, primary_key=True, index=True),
    sa.Column("offer_id", sa.Uuid, nullable=False, index=True),
    sa.Column("project_id", sa.Uuid, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),  # the agreement's version
    sa.Column("tiers", sa.JSON, nullable=False),  # [[tier, minor], ...]
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("distributed_on", sa.Date, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # owed, paid, failed
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("failure", sa.Text, nullable=False),
    sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("reference", sa.String(80), nullable=True),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
)

# Every investor's cash flows per holding: paid in (negative), interest, capital, distributions.
investment_cash_flows = sa.Table(
    "rm_investment_cash_flows",
    metadata,
    sa.Column("position", sa.BigInteger, primary_key=True),  # the event's place in the log
    sa.Column("seq", sa.Integer, primary_key=True),  # the flow's place among the event's
    sa.Column("investor_id", sa.Uuid, nullable=False, index=True),
    sa.Column("offer_id", sa.Uuid, nullable=False, index=True),
    sa.Column("project_id", sa.Uuid, nullable=False),
    sa.Column("on", sa.Date, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),  # signed: paid in is negative
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # paid_in, interest, capital, distribution
    sa.Column("tier", sa.Integer, nullable=True),  # a distribution's waterfall tier
    sa.Column("reason", sa.String(300), nullable=False),
)

# Conversation on pilots (the words are in conversation_texts, outside the read models).
comments = sa.Table(
    "rm_comments",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("author_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),  # question, comment, answer
    sa.Column("answer_to", sa.Uuid, nullable=True, index=True),
    sa.Column("answered_as", sa.String(20), nullable=True),  # proposer, city
    sa.Column("posted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reports", sa.Integer, nullable=False),
    sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
)

# Explicit choices to follow a pilot or not (a pilot's backers follow it unless they chose not to).
follows = sa.Table(
    "rm_follows",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # the Following's id
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("following", sa.Boolean, nullable=False),
)

conversation_preferences = sa.Table(
    "rm_conversation_preferences",
    metadata,
    sa.Column("id", sa.Uuid, primary_key=True),  # the ConversationPreferences' id
    sa.Column("account_id", sa.Uuid, nullable=False, unique=True),
    sa.Column("digest", sa.String(10), nullable=False),  # each, weekly
    sa.Column("on_backer_wall", sa.Boolean, nullable=False),
)

# A pilot's impact indicators and the values measured on them (domain/crowdfunding/impact.py);
# values and targets are Decimal strings in the indicator's unit.
impact_indicators = sa.Table(
    "rm_impact_indicators",
    metadata,
    sa.Column("project_id", sa.Uuid, primary_key=True),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("city_id", sa.Uuid, nullable=False, index=True),
    sa.Column("name", sa.String(80), nullable=False),
    sa.Column("unit", sa.String(24), nullable=False),
    sa.Column("target", sa.String(40), nullable=False),
    sa.Column("direction", sa.String(6), nullable=False),
    sa.Column("negatives_allowed", sa.Boolean, nullable=False),
    sa.Column("money_benefit", sa.Boolean, nullable=False),
    sa.Column("defined_at", sa.DateTime(timezone=True), nullable=False),
)

impact_values = sa.Table(
    "rm_impact_values",
    metadata,
    sa.Column("report_id", sa.Uuid, primary_key=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("indicator", sa.Integer, nullable=False),
    sa.Column("measured_on", sa.Date, nullable=False),
    sa.Column("value", sa.String(40), nullable=False),
    sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
)

# Pictures shown for a pilot (its cover, gallery and proposer's logo) or a fund (its sponsor's
# logo): from the log's PictureSet events, which name the picture, its content hash and its sizes
# ([[width, height], ...]); the files are in the picture store under content-hashed keys.
pictures = sa.Table(
    "rm_pictures",
    metadata,
    sa.Column("picture_id", sa.Uuid, primary_key=True),
    sa.Column("owner_kind", sa.String(10), nullable=False),
    sa.Column("owner_id", sa.Uuid, nullable=False, index=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("content_hash", sa.String(64), nullable=False, index=True),
    sa.Column("sizes", sa.JSON, nullable=False),
    sa.Column("uploaded_by", sa.String(40), nullable=False),
    sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
)

# Each picture's alt text, written by the person who uploaded it: kept out of the log. Not a
# read model: a rebuild leaves it alone.
picture_texts = sa.Table(
    "picture_texts",
    metadata,
    sa.Column("picture_id", sa.Uuid, primary_key=True),
    sa.Column("alt", sa.String(250), nullable=False),
)

READ_MODELS = (
    cities, projects, project_search, pledges, project_backers, milestones, updates,
    matching_funds, fund_rule_versions, matches, ledger_postings, ledger_balances, ledger_facts,
    departments, department_budget_lines, commitments,
    calls, proposals, proposal_scores, call_awards, project_cost_benefits,
    offers, investment_commitments, appropriateness,
    agreements, agreement_versions, agreement_signatures, benefit_reports, distribution_payments,
    issued_bonds, bond_payouts, investment_cash_flows, distribution_payouts,
    comments, follows, conversation_preferences, impact_indicators, impact_values,
    pictures,
)

# What people wrote on pilots (questions, comments, answers) and why an officer hid an item: the
# log's Comment events name the item by id only. Not a read model: a rebuild leaves it alone.
conversation_texts = sa.Table(
    "conversation_texts",
    metadata,
    sa.Column("comment_id", sa.Uuid, primary_key=True),
    sa.Column("project_id", sa.Uuid, nullable=False, index=True),
    sa.Column("author_id", sa.Uuid, nullable=False, index=True),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("hidden_reason", sa.String(300), nullable=True),
)

# Delivery updates waiting for a follower's weekly digest (written once per event and follower,
# like the outbox), and when each person's last digest went out.
mail_digest_items = sa.Table(
    "mail_digest_items",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_key", sa.String(80), nullable=False, unique=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("project_id", sa.Uuid, nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("digested_at", sa.DateTime(timezone=True), nullable=True),
)

mail_digests = sa.Table(
    "mail_digests",
    metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=False),
)

# Mail to people, written from events exactly once (keyed by the event) and sent by the worker.
# Not a read model: a rebuild leaves it alone and replays add nothing to it.
mail_outbox = sa.Table(
    "mail_outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_key", sa.String(80), nullable=False, unique=True),
    sa.Column("account_id", sa.Uuid, nullable=False, index=True),
    sa.Column("pledge_id", sa.Uuid, nullable=True, index=True),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
)

# The evidence of a measured impact value (free text people wrote, and links), keyed by the
# report id its ValueReported event names: kept out of the log, so not a read model either.
impact_evidence = sa.Table(
    "impact_evidence",
    metadata,
    sa.Column("report_id", sa.Uuid, primary_key=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("links", sa.JSON, nullable=False),
)

# Stripe's webhook events, each recorded once by its id; processed_at stays empty until the event
# has been acted on (or found to need nothing), so the worker retries the rest.
stripe_webhook_events = sa.Table(
    "stripe_webhook_events",
    metadata,
    sa.Column("event_id", sa.String(255), primary_key=True),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True, index=True),
    sa.Column("pledge_id", sa.Uuid, nullable=True, index=True),
    sa.Column("outcome", sa.String(300), nullable=True),
    sa.Column("retry_at", sa.DateTime(timezone=True), nullable=True),
    sa.Column("payload", sa.Text, nullable=False),
)

# The first answer given to each (account, Idempotency-Key): a retry gets it again instead of
# acting twice. A row without a status is a request still running (or lost: after
# locked_until another attempt may take it over and run it again).
idempotent_requests = sa.Table(
    "idempotent_requests",
    metadata,
    sa.Column("account_id", sa.Uuid, primary_key=True),
    sa.Column("key", sa.String(255), primary_key=True),
    sa.Column("operation", sa.String(120), nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("executions", sa.Integer, nullable=False),
    sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
    sa.Column("status", sa.Integer, nullable=True),
    sa.Column("body", sa.Text, nullable=True),
    sa.Column("location", sa.String(300), nullable=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
)

# How far the worker's sweeps have looked (e.g. for authorisations no pledge stands on).
sweep_positions = sa.Table(
    "sweep_positions",
    metadata,
    sa.Column("name", sa.String(60), primary_key=True),
    sa.Column("swept_to", sa.DateTime(timezone=True), nullable=False),
)

# -- the offline sandbox's ledger (payments that never leave this database) --------------------

sandbox_requests = sa.Table(
    "sandbox_requests",
    metadata,
    sa.Column("idempotency_key", sa.String(255), primary_key=True),
    sa.Column("answer", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

sandbox_intents = sa.Table(
    "sandbox_intents",
    metadata,
    sa.Column("reference", sa.String(80), primary_key=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("pledge_id", sa.String(36), nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("payment_method", sa.String(80), nullable=False),
    sa.Column("status", sa.String(30), nullable=False),
    sa.Column("refunded", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=True, index=True),
)

sandbox_charges = sa.Table(
    "sandbox_charges",
    metadata,
    sa.Column("reference", sa.String(80), primary_key=True),
    sa.Column("intent", sa.String(80), nullable=False),
    sa.Column("pledge_id", sa.String(36), nullable=False, index=True),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
