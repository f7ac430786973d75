"""The seller's payment terms: one row per code, keyed by the code as codes are compared.

Before this revision the terms an account could name were the presets, or a
catalogue the host application built in memory on every start. Now a seller's
own terms are rows of ``payment_terms`` (the converter's JSON form in
``data``), shared by every process on the database.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (tables.py may move on).


def _text(length: int) -> sa.String:
    return sa.String(length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")


def _data() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _schema() -> str | None:
    """The tenant's schema, as revision 0004 reads it."""
    schema: str | None = context.config.attributes.get("schema")
    return schema


def upgrade() -> None:
    """Create the ``payment_terms`` table, empty: accounts name presets until terms are saved."""
    op.create_table(
        "payment_terms",
        sa.Column("code_key", _text(255), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("code", _text(64), nullable=False),
        sa.Column("data", _data(), nullable=False),
        sa.PrimaryKeyConstraint("code_key", name="pk_payment_terms"),
        schema=_schema(),
    )


def downgrade() -> None:
    """Drop the payment terms: every stored terms is lost (accounts naming them cannot invoice)."""
    op.drop_table("payment_terms", schema=_schema())
