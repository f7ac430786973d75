"""Each order keeps what it was decided on: a nullable ``orders.decision`` JSON column.

The order service stores a
[DecisionRecord][b2b_customers.limits.decision_record.DecisionRecord] with every order it
places or submits for approval, in the ``INSERT`` it already sends; orders
recorded before this revision (and imported history) have none. It is a
column of its own rather than part of ``data`` so that reading the order
history never decodes decisions.

Revision ID: 0008
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

revision: str = "0008"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _data() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _schema() -> str | None:
    """The tenant's schema: ``ALTER TABLE`` is not mapped by ``schema_translate_map``."""
    schema: str | None = context.config.attributes.get("schema")
    return schema


def upgrade() -> None:
    """Add ``orders.decision``, empty for the orders already recorded."""
    op.add_column("orders", sa.Column("decision", _data(), nullable=True), schema=_schema())


def downgrade() -> None:
    """Drop ``orders.decision`` and the decisions it holds."""
    with op.batch_alter_table("orders", schema=_schema()) as batch:
        batch.drop_column("decision")
