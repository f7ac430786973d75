"""One open approval request per company and resource, kept by the database.

The services refuse to submit a cart (order, quote) for approval while it
has an open (pending or approved) request, but two placements racing each
other in separate transactions could both pass that check. This revision
adds a partial unique index on ``approval_requests (company_id,
resource_type, resource_id)`` over the open statuses, so the later insert
fails (and the adapter explains it as ``OpenRequestExists``).

A database that already holds two open requests for one resource cannot
take the index: the upgrade then stops, changing nothing, and names them,
so someone decides which to cancel (``app.approvals.cancel``) before
upgrading again. The downgrade drops the index.

Revision ID: 0006
Revises: 0004
Create Date: 2026-12-04
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic import context, op

from b2b_customers.errors import StorageError

if TYPE_CHECKING:
    from collections.abc import Sequence

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_INDEX = "uq_approval_requests_open_resource"
_OPEN = "status IN ('pending', 'approved')"
_SHOWN = 10


def _schema() -> str | None:
    """The tenant's schema, for the statements ``schema_translate_map`` does not map."""
    schema: str | None = context.config.attributes.get("schema")
    return schema


def _requests() -> sa.TableClause:
    return sa.table(
        "approval_requests",
        sa.column("id", sa.String()),
        sa.column("company_id", sa.String()),
        sa.column("resource_type", sa.String()),
        sa.column("resource_id", sa.String()),
        sa.column("status", sa.String()),
        schema=_schema(),
    )


def _refuse_duplicates() -> None:
    """Stop before the index when some resource has two open requests already."""
    table = _requests()
    key = (table.c.company_id, table.c.resource_type, table.c.resource_id)
    duplicated = (
        sa.select(*key, sa.func.count().label("open_requests"))
        .where(table.c.status.in_(("pending", "approved")))
        .group_by(*key)
        .having(sa.func.count() > 1)
        .order_by(*key)
        .limit(_SHOWN)
    )
    rows = op.get_bind().execute(duplicated).all()
    if rows:
        listed = "; ".join(
            f"company {company!r}, {kind} {resource!r}: {count} open requests"
            for company, kind, resource, count in rows
        )
        raise StorageError(
            "cannot migrate: approval_requests holds more than one open (pending or approved) "
            f"request for one resource ({listed}); cancel all but one of each "
            "(app.approvals.cancel) and run the upgrade again"
        )


def upgrade() -> None:
    """Add the partial unique index (after checking no resource has two open requests)."""
    _refuse_duplicates()
    op.create_index(
        _INDEX,
        "approval_requests",
        ["company_id", "resource_type", "resource_id"],
        unique=True,
        sqlite_where=sa.text(_OPEN),
        postgresql_where=sa.text(_OPEN),
    )


def downgrade() -> None:
    """Drop the index."""
    op.drop_index(_INDEX, table_name="approval_requests")
