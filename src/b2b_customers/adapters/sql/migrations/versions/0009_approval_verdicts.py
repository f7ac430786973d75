"""Who approved which request when: ``approval_verdicts``, one row per approval given.

Before this revision "what did this approver approve this month" (a cap per
period) searched every request's JSON. Now each approval is also a row
(request, approver, instant) with an index on ``(approver_id,
approved_at)``, written with the request. The upgrade fills it from the
approvals stored in each request's ``data``.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.dialects import postgresql

from b2b_customers.adapters.sql.migrations.batches import rows_in_batches

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of the column types of this revision (tables.py may move on).


def _id() -> sa.String:
    return sa.String(64).with_variant(postgresql.VARCHAR(64, collation="C"), "postgresql")


def _data() -> sa.JSON:
    return sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _schema() -> str | None:
    """The tenant's schema, as revision 0004 reads it."""
    schema: str | None = context.config.attributes.get("schema")
    return schema


def _verdict_rows(request_id: str, data: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The request's approvals as rows, once each (as the repository writes them)."""
    seen: set[tuple[str, datetime]] = set()
    for tier in data.get("tiers") or ():
        for verdict in tier.get("approvals") or ():
            key = (verdict["approver_id"], datetime.fromisoformat(verdict["at"]).astimezone(UTC))
            if key not in seen:
                seen.add(key)
                yield {"request_id": request_id, "approver_id": key[0], "approved_at": key[1]}


def upgrade() -> None:
    """Create ``approval_verdicts`` and fill it from every stored request's approvals."""
    schema = _schema()
    op.create_table(
        "approval_verdicts",
        sa.Column("request_id", _id(), nullable=False),
        sa.Column("approver_id", _id(), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["approval_requests.id"],
            name="fk_approval_verdicts_request_id_approval_requests",
        ),
        sa.PrimaryKeyConstraint(
            "request_id", "approver_id", "approved_at", name="pk_approval_verdicts"
        ),
        schema=schema,
    )
    op.create_index(
        "ix_approval_verdicts_approver_id_approved_at",
        "approval_verdicts",
        ["approver_id", "approved_at"],
        schema=schema,
    )
    requests = sa.table(
        "approval_requests", sa.column("id", _id()), sa.column("data", _data()), schema=schema
    )
    verdicts = sa.table(
        "approval_verdicts",
        sa.column("request_id", _id()),
        sa.column("approver_id", _id()),
        sa.column("approved_at", sa.DateTime(timezone=True)),
        schema=schema,
    )
    bind = op.get_bind()
    for batch in rows_in_batches(bind, requests):
        rows = [row for request_id, data in batch for row in _verdict_rows(request_id, data)]
        if rows:
            bind.execute(sa.insert(verdicts), rows)


def downgrade() -> None:
    """Drop ``approval_verdicts`` (the approvals stay in each request's ``data``)."""
    op.drop_index(
        "ix_approval_verdicts_approver_id_approved_at", "approval_verdicts", schema=_schema()
    )
    op.drop_table("approval_verdicts", schema=_schema())
