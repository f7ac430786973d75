"""The audit log: every change, who made it, before and after.

Revision ID: 0003
Revises: 0002
Create Date: 2026-03-16
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (tables.py may move on).


def _id() -> sa.String:
    return sa.String(64).with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")


def _data() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    """Create the append-only ``audit_log`` table and the indexes of its two queries."""
    op.create_table(
        "audit_log",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("entry_id", _id(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("company_id", _id(), nullable=True),
        sa.Column("aggregate_type", sa.String(64), nullable=False),
        sa.Column("aggregate_id", _id(), nullable=False),
        sa.Column("action", sa.String(255), nullable=False),
        sa.Column("actor_id", _id(), nullable=True),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_audit_log"),
        sa.UniqueConstraint("entry_id", name="uq_audit_log_entry_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_audit_log_company_id_occurred_at_position",
        "audit_log",
        ["company_id", "occurred_at", "position"],
    )
    op.create_index(
        "ix_audit_log_aggregate_type_aggregate_id_occurred_at_position",
        "audit_log",
        ["aggregate_type", "aggregate_id", "occurred_at", "position"],
    )


def downgrade() -> None:
    """Drop the audit log (and its indexes): every entry is lost."""
    op.drop_table("audit_log")
