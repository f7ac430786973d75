"""Approvals: requests, policies, approval groups and approver limits.

Revision ID: 0002
Revises: 0001
Create Date: 2026-03-09
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (tables.py may move on).


def _text(length: int) -> sa.String:
    return sa.String(length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")


def _id() -> sa.String:
    return _text(64)


def _data() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _bookkeeping() -> list[sa.Column[object]]:
    return [
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    ]


def _reference(
    name: str, table: str, target: str, *, nullable: bool = False
) -> list[sa.Column[object] | sa.ForeignKeyConstraint]:
    return [
        sa.Column(name, _id(), nullable=nullable),
        sa.ForeignKeyConstraint([name], [f"{target}.id"], name=f"fk_{table}_{name}_{target}"),
    ]


def upgrade() -> None:
    """Create the four approval tables, their constraints and indexes."""
    op.create_table(
        "approval_requests",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        *_reference("company_id", "approval_requests", "companies"),
        *_reference("requester_id", "approval_requests", "customers"),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("resource_type", sa.String(16), nullable=False),
        sa.Column("resource_id", _id(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approval_requests"),
    )
    op.create_index(
        "ix_approval_requests_company_id_status_submitted_at",
        "approval_requests",
        ["company_id", "status", "submitted_at"],
    )
    op.create_index(
        "ix_approval_requests_status_expires_at", "approval_requests", ["status", "expires_at"]
    )
    op.create_index(
        "ix_approval_requests_requester_id_submitted_at",
        "approval_requests",
        ["requester_id", "submitted_at"],
    )
    op.create_index("ix_approval_requests_resource_id", "approval_requests", ["resource_id"])
    op.create_index(
        "ix_approval_requests_submitted_at_id", "approval_requests", ["submitted_at", "id"]
    )

    op.create_table(
        "approval_policies",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        *_reference("company_id", "approval_policies", "companies", nullable=True),
        sa.Column("seller_wide", sa.Boolean(), nullable=False),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approval_policies"),
        sa.UniqueConstraint("company_id", name="uq_approval_policies_company_id"),
    )
    op.create_index(
        "uq_approval_policies_seller_wide",
        "approval_policies",
        ["seller_wide"],
        unique=True,
        sqlite_where=sa.text("seller_wide"),
        postgresql_where=sa.text("seller_wide"),
    )

    op.create_table(
        "approval_groups",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        *_reference("company_id", "approval_groups", "companies"),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approval_groups"),
        sa.UniqueConstraint("company_id", name="uq_approval_groups_company_id"),
    )

    op.create_table(
        "approver_limits",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        *_reference("company_id", "approver_limits", "companies"),
        *_reference("customer_id", "approver_limits", "customers", nullable=True),
        sa.Column("role", sa.String(16), nullable=True),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_approver_limits"),
        sa.UniqueConstraint(
            "company_id", "customer_id", name="uq_approver_limits_company_id_customer_id"
        ),
        sa.UniqueConstraint("company_id", "role", name="uq_approver_limits_company_id_role"),
    )


def downgrade() -> None:
    """Drop the four approval tables (and with them their indexes): their data is lost."""
    for table in ("approver_limits", "approval_groups", "approval_policies", "approval_requests"):
        op.drop_table(table)
