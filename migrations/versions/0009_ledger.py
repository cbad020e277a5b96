"""The ledger: postings and balances derived from the log replace the money counters kept in
the read models. Upgrading empties the read models so the next catch-up (run by `civicfund db
upgrade`) replays the whole log into them, ledger included: every figure then comes from it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

READ_MODELS = (
    "rm_matches", "rm_fund_rule_versions", "rm_matching_funds", "rm_updates", "rm_milestones",
    "rm_project_backers", "rm_pledges", "rm_projects", "rm_cities",
)


def upgrade() -> None:
    op.create_table(
        "ledger_postings",
        sa.Column("position", sa.BigInteger, primary_key=True),
        sa.Column("leg", sa.Integer, primary_key=True),
        sa.Column("event", sa.String(80), nullable=False),
        sa.Column("account", sa.String(160), nullable=False),
        sa.Column("owner", sa.String(20), nullable=False),
        sa.Column("owner_id", sa.Uuid, nullable=False),
        sa.Column("bucket", sa.String(20), nullable=False),
        sa.Column("project_id", sa.Uuid, nullable=True),
        sa.Column("amount", sa.BigInteger, nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("pledge_id", sa.Uuid, nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_ledger_postings_pledge_id", "ledger_postings", ["pledge_id"])
    op.create_index("ix_ledger_postings_account_position", "ledger_postings",
                    ["account", "position"])
    op.create_table(
        "ledger_balances",
        sa.Column("account", sa.String(160), primary_key=True),
        sa.Column("owner", sa.String(20), nullable=False),
        sa.Column("owner_id", sa.Uuid, nullable=False),
        sa.Column("bucket", sa.String(20), nullable=False),
        sa.Column("project_id", sa.Uuid, nullable=True),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("balance", sa.BigInteger, nullable=False),
        sa.Column("postings", sa.Integer, nullable=False),
        sa.Column("position", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_ledger_balances_owner_id", "ledger_balances", ["owner_id"])
    op.create_index("ix_ledger_balances_project_id", "ledger_balances", ["project_id"])
    op.create_table(
        "ledger_facts",
        sa.Column("key", sa.String(120), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
    )
    # The figures are the ledger's from now on: replay the log into the read models afresh.
    for table in READ_MODELS:
        op.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    op.execute("UPDATE projection_positions SET position = 0")
    with op.batch_alter_table("rm_projects") as batch:
        for column in ("raised", "pending", "payout", "matched"):
            batch.drop_column(column)
    with op.batch_alter_table("rm_pledges") as batch:
        batch.drop_column("matched")
    with op.batch_alter_table("rm_matching_funds") as batch:
        for column in ("pool", "committed", "reserved", "returned"):
            batch.drop_column(column)


def downgrade() -> None:
    with op.batch_alter_table("rm_matching_funds") as batch:
        for column in ("pool", "committed", "reserved", "returned"):
            batch.add_column(sa.Column(column, sa.BigInteger, nullable=False, server_default="0"))
    with op.batch_alter_table("rm_pledges") as batch:
        batch.add_column(sa.Column("matched", sa.BigInteger, nullable=False, server_default="0"))
    with op.batch_alter_table("rm_projects") as batch:
        for column in ("raised", "pending", "matched"):
            batch.add_column(sa.Column(column, sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("payout", sa.BigInteger, nullable=True))
    for table in READ_MODELS:
        op.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
    op.execute("UPDATE projection_positions SET position = 0")
    op.drop_table("ledger_facts")
    op.drop_table("ledger_balances")
    op.drop_table("ledger_postings")
