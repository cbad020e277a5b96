"""Foundation: the event store, accounts, API tokens and the first read models.

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

# The event store's DDL, as eventsourcing 9.5 writes it for each database.
SQLITE_EVENTS = (
    "CREATE TABLE IF NOT EXISTS stored_events ("
    "originator_id TEXT, originator_version INTEGER, topic TEXT, state BLOB, "
    "PRIMARY KEY (originator_id, originator_version))"
)
POSTGRES_EVENTS = (
    "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'stored_event_uuid') "
    "THEN CREATE TYPE stored_event_uuid AS (originator_id uuid, originator_version bigint, "
    "topic text, state bytea); END IF; END $$",
    "CREATE TABLE IF NOT EXISTS civicfund_events ("
    "originator_id uuid NOT NULL, originator_version bigint NOT NULL, topic text, "
    "state bytea, notification_id bigserial, "
    "PRIMARY KEY (originator_id, originator_version)) WITH ("
    "autovacuum_enabled = true, autovacuum_vacuum_threshold = 100000000, "
    "autovacuum_vacuum_scale_factor = 0.5, autovacuum_analyze_threshold = 1000, "
    "autovacuum_analyze_scale_factor = 0.01)",
    "CREATE UNIQUE INDEX IF NOT EXISTS civicfund_events_notification_id_idx "
    "ON civicfund_events (notification_id ASC)",
)


def when() -> sa.Column:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(SQLITE_EVENTS)
    else:
        for statement in POSTGRES_EVENTS:
            op.execute(statement)

    op.create_table(
        "accounts",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("email", sa.String(254), nullable=False, unique=True),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("city_id", sa.Uuid, nullable=True),
        sa.Column("created_at", when(), nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column("account_id", sa.Uuid, sa.ForeignKey("accounts.id", ondelete="CASCADE"),
                  nullable=False, index=True),
        sa.Column("created_at", when(), nullable=False),
    )
    op.create_table(
        "projection_positions",
        sa.Column("name", sa.String(60), primary_key=True),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "rm_cities",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("timezone", sa.String(64), nullable=False),
        sa.Column("added_at", when(), nullable=False),
    )
    op.create_table(
        "rm_projects",
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
        sa.Column("opens_at", when(), nullable=False),
        sa.Column("closes_at", when(), nullable=False),
        sa.Column("raised", sa.BigInteger, nullable=False),
        sa.Column("backers", sa.Integer, nullable=False),
        sa.Column("pledge_count", sa.Integer, nullable=False),
        sa.Column("drafted_at", when(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
    )
    op.create_table(
        "rm_pledges",
        sa.Column("id", sa.Uuid, primary_key=True),
        sa.Column("project_id", sa.Uuid, nullable=False, index=True),
        sa.Column("citizen_id", sa.Uuid, nullable=False, index=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("payment_method", sa.String(80), nullable=False),
        sa.Column("payment_reference", sa.String(120), nullable=True),
        sa.Column("made_at", when(), nullable=False),
        sa.Column("updated_at", when(), nullable=False),
    )
    op.create_table(
        "rm_project_backers",
        sa.Column("project_id", sa.Uuid, primary_key=True),
        sa.Column("citizen_id", sa.Uuid, primary_key=True),
        sa.Column("live_pledges", sa.Integer, nullable=False),
    )


def downgrade() -> None:
    for table in ("rm_project_backers", "rm_pledges", "rm_projects", "rm_cities",
                  "projection_positions", "api_tokens", "accounts"):
        op.drop_table(table)
    # The event log is never dropped by a migration: it is the record.
