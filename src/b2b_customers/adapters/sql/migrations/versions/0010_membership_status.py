"""Each ``memberships`` row carries the membership's status, so searches can filter on it.

A customer's standing at each company (invited, active, inactive) lives in
the customer's ``data``; the ``memberships`` rows are its search index. This
revision adds ``memberships.status`` and fills it from ``data`` (a
membership stored without a status reads as the converter reads it:
invited for an invited customer, else active).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

from b2b_customers.adapters.sql.migrations.batches import rows_in_batches

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ACTIVE = "active"

# Frozen copies of the column types of this revision (tables.py may move on).


def _id() -> sa.String:
    return sa.String(64).with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")


def _data() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _schema() -> str | None:
    """The tenant's schema, as revision 0004 reads it."""
    schema: str | None = context.config.attributes.get("schema")
    return schema


def _standings(customer_id: str, data: dict[str, Any]) -> Iterator[dict[str, str]]:
    """The customer's memberships that are not active, as ``(customer, company, status)``."""
    unset = "invited" if data.get("status") == "invited" else _ACTIVE
    for membership in data.get("memberships") or ():
        status = membership.get("status", unset)
        if status != _ACTIVE:
            yield {"customer": customer_id, "company": membership["company_id"], "to": status}


def upgrade() -> None:
    """Add ``memberships.status`` (active), then set every other membership's from ``data``."""
    schema = _schema()
    op.add_column(
        "memberships",
        sa.Column("status", sa.String(16), nullable=False, server_default=_ACTIVE),
        schema=schema,
    )
    customers = sa.table(
        "customers", sa.column("id", _id()), sa.column("data", _data()), schema=schema
    )
    memberships = sa.table(
        "memberships",
        sa.column("customer_id", _id()),
        sa.column("company_id", _id()),
        sa.column("status", sa.String(16)),
        schema=schema,
    )
    change = (
        sa.update(memberships)
        .where(
            memberships.c.customer_id == sa.bindparam("customer"),
            memberships.c.company_id == sa.bindparam("company"),
        )
        .values(status=sa.bindparam("to"))
    )
    bind = op.get_bind()
    for batch in rows_in_batches(bind, customers):
        rows = [row for customer_id, data in batch for row in _standings(customer_id, data)]
        if rows:
            bind.execute(change, rows)
    if bind.dialect.name != "sqlite":
        op.alter_column("memberships", "status", server_default=None, schema=schema)


def downgrade() -> None:
    """Drop ``memberships.status`` (the statuses stay in each customer's ``data``)."""
    with op.batch_alter_table("memberships", schema=_schema()) as batch:
        batch.drop_column("status")
