"""The initial schema: customers and companies, limits, credit, orders and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-03-01
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (tables.py may move on).


def _text(length: int | None = None) -> sa.String:
    if length is None:
        return sa.Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
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


def _company_ref(
    name: str, table: str, *, nullable: bool = False
) -> list[sa.Column[object] | sa.ForeignKeyConstraint]:
    return [
        sa.Column(name, _id(), nullable=nullable),
        sa.ForeignKeyConstraint([name], ["companies.id"], name=f"fk_{table}_{name}_companies"),
    ]


def upgrade() -> None:
    """Create every table, constraint and index."""
    op.create_table(
        "companies",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        sa.Column("name", _text(255), nullable=False),
        sa.Column("name_lower", _text(), nullable=False),
        *_company_ref("parent_id", "companies", nullable=True),
        *_company_ref("bill_to_id", "companies", nullable=True),
        *_company_ref("master_id", "companies", nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("account_number", _text(64), nullable=True),
        sa.Column("tax_registration_number", _text(64), nullable=True),
        sa.Column("country", sa.String(2), nullable=True),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_companies"),
        sa.UniqueConstraint("account_number", name="uq_companies_account_number"),
    )
    op.create_index("ix_companies_parent_id", "companies", ["parent_id"])
    op.create_index("ix_companies_name_id", "companies", ["name", "id"])
    op.create_index("ix_companies_name_lower", "companies", ["name_lower"])
    op.create_index("ix_companies_status", "companies", ["status"])
    op.create_index(
        "ix_companies_tax_registration_number", "companies", ["tax_registration_number"]
    )
    op.create_index("ix_companies_country", "companies", ["country"])
    op.create_index("ix_companies_created_at_id", "companies", ["created_at", "id"])

    op.create_table(
        "company_tags",
        *_company_ref("company_id", "company_tags"),
        sa.Column("tag", _text(64), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "tag", name="pk_company_tags"),
    )
    op.create_index("ix_company_tags_tag", "company_tags", ["tag"])

    op.create_table(
        "company_custom_fields",
        *_company_ref("company_id", "company_custom_fields"),
        sa.Column("key", _text(64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("value_hash", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "key", name="pk_company_custom_fields"),
    )
    op.create_index(
        "ix_company_custom_fields_key_value_hash", "company_custom_fields", ["key", "value_hash"]
    )

    op.create_table(
        "locations",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        *_company_ref("company_id", "locations"),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("is_default_billing", sa.Boolean(), nullable=False),
        sa.Column("is_default_shipping", sa.Boolean(), nullable=False),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_locations"),
    )
    op.create_index(
        "ix_locations_company_id_created_at_id", "locations", ["company_id", "created_at", "id"]
    )
    for flag, name in (
        ("is_primary", "uq_locations_primary"),
        ("is_default_billing", "uq_locations_default_billing"),
        ("is_default_shipping", "uq_locations_default_shipping"),
    ):
        op.create_index(
            name,
            "locations",
            ["company_id", flag],
            unique=True,
            sqlite_where=sa.text(flag),
            postgresql_where=sa.text(flag),
        )

    op.create_table(
        "customers",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        sa.Column("email", _text(254), nullable=False),
        sa.Column("last_name", _text(255), nullable=False),
        sa.Column("first_name_lower", _text(), nullable=False),
        sa.Column("last_name_lower", _text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.UniqueConstraint("email", name="uq_customers_email"),
    )
    op.create_index("ix_customers_last_name_id", "customers", ["last_name", "id"])
    op.create_index("ix_customers_status", "customers", ["status"])
    op.create_index("ix_customers_created_at_id", "customers", ["created_at", "id"])

    op.create_table(
        "customer_tags",
        sa.Column("customer_id", _id(), nullable=False),
        sa.Column("tag", _text(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_customer_tags_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("customer_id", "tag", name="pk_customer_tags"),
    )
    op.create_index("ix_customer_tags_tag", "customer_tags", ["tag"])

    op.create_table(
        "memberships",
        sa.Column("customer_id", _id(), nullable=False),
        *_company_ref("company_id", "memberships"),
        sa.Column("role", sa.String(16), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_memberships_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("customer_id", "company_id", "role", name="pk_memberships"),
    )
    op.create_index("ix_memberships_company_id_role", "memberships", ["company_id", "role"])

    op.create_table(
        "contact_assignments",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        *_company_ref("company_id", "contact_assignments"),
        sa.Column("customer_id", _id(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("is_primary", sa.Boolean(), nullable=False),
        sa.Column("data", _data(), nullable=False),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_contact_assignments_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_contact_assignments"),
        sa.UniqueConstraint(
            "company_id", "customer_id", name="uq_contact_assignments_company_id_customer_id"
        ),
    )
    op.create_index("ix_contact_assignments_customer_id", "contact_assignments", ["customer_id"])
    op.create_index(
        "uq_contact_assignments_primary",
        "contact_assignments",
        ["company_id", "type", "is_primary"],
        unique=True,
        sqlite_where=sa.text("is_primary"),
        postgresql_where=sa.text("is_primary"),
    )

    op.create_table(
        "customer_groups",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        sa.Column("kind", sa.String(16), nullable=False),
        *_company_ref("company_id", "customer_groups", nullable=True),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_customer_groups"),
        sa.UniqueConstraint("company_id", name="uq_customer_groups_company_id"),
    )

    op.create_table(
        "customer_group_members",
        sa.Column("group_id", _id(), nullable=False),
        sa.Column("customer_id", _id(), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["customer_groups.id"],
            name="fk_customer_group_members_group_id_customer_groups",
        ),
        sa.PrimaryKeyConstraint("group_id", "customer_id", name="pk_customer_group_members"),
    )
    op.create_index(
        "ix_customer_group_members_customer_id", "customer_group_members", ["customer_id"]
    )

    op.create_table(
        "purchasing_limits",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        *_company_ref("company_id", "purchasing_limits"),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_purchasing_limits"),
    )
    op.create_index("ix_purchasing_limits_company_id", "purchasing_limits", ["company_id"])

    op.create_table(
        "credit_accounts",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        *_company_ref("company_id", "credit_accounts"),
        sa.Column("last_sequence", sa.Integer(), nullable=False),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_credit_accounts"),
    )

    op.create_table(
        "credit_coverage",
        *_company_ref("company_id", "credit_coverage"),
        sa.Column("account_id", _id(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["credit_accounts.id"],
            name="fk_credit_coverage_account_id_credit_accounts",
        ),
        sa.PrimaryKeyConstraint("company_id", name="pk_credit_coverage"),
    )
    op.create_index("ix_credit_coverage_account_id", "credit_coverage", ["account_id"])

    op.create_table(
        "ledger_entries",
        sa.Column("id", _id(), nullable=False),
        sa.Column("account_id", _id(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("data", _data(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["credit_accounts.id"],
            name="fk_ledger_entries_account_id_credit_accounts",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_entries"),
        sa.UniqueConstraint("account_id", "sequence", name="uq_ledger_entries_account_id_sequence"),
    )
    op.create_index(
        "ix_ledger_entries_account_id_occurred_at", "ledger_entries", ["account_id", "occurred_at"]
    )

    op.create_table(
        "orders",
        sa.Column("id", _id(), nullable=False),
        *_bookkeeping(),
        *_company_ref("company_id", "orders"),
        sa.Column("buyer_id", _id(), nullable=False),
        sa.Column("location_id", _id(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("total_key", _text(), nullable=False),
        sa.Column("posting", _data(), nullable=False),
        sa.Column("data", _data(), nullable=False),
        sa.ForeignKeyConstraint(
            ["buyer_id"], ["customers.id"], name="fk_orders_buyer_id_customers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
    )
    op.create_index("ix_orders_company_id_placed_at", "orders", ["company_id", "placed_at"])
    op.create_index("ix_orders_buyer_id_placed_at", "orders", ["buyer_id", "placed_at"])
    op.create_index("ix_orders_location_id", "orders", ["location_id"])
    op.create_index("ix_orders_placed_at_id", "orders", ["placed_at", "id"])

    op.create_table(
        "spend_buckets",
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("company_id", _id(), nullable=False),
        sa.Column("other_id", _id(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("amount", sa.Numeric().with_variant(sa.Text(), "sqlite"), nullable=False),
        sa.PrimaryKeyConstraint(
            "kind", "company_id", "other_id", "day", "currency", "pending", name="pk_spend_buckets"
        ),
    )

    op.create_table(
        "outbox",
        sa.Column(
            "position",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_id", _id(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("aggregate_type", sa.String(64), nullable=False),
        sa.Column("aggregate_id", _id(), nullable=False),
        sa.Column("company_id", _id(), nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("position", name="pk_outbox"),
        sa.UniqueConstraint("event_id", name="uq_outbox_event_id"),
        sqlite_autoincrement=True,
    )
    op.create_index(
        "ix_outbox_pending",
        "outbox",
        ["position"],
        sqlite_where=sa.text("published_at IS NULL"),
        postgresql_where=sa.text("published_at IS NULL"),
    )


def downgrade() -> None:
    """Drop every table (and with them their indexes): all data is lost."""
    for table in (
        "outbox",
        "spend_buckets",
        "orders",
        "ledger_entries",
        "credit_coverage",
        "credit_accounts",
        "purchasing_limits",
        "customer_group_members",
        "customer_groups",
        "contact_assignments",
        "memberships",
        "customer_tags",
        "customers",
        "locations",
        "company_custom_fields",
        "company_tags",
        "companies",
    ):
        op.drop_table(table)
