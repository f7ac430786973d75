"""Approver limits in SQL: one per customer and company, one per role and company."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select

from b2b_customers.adapters.sql.mapping import bookkeeping, converter, load, stamped
from b2b_customers.adapters.sql.queries import chunked
from b2b_customers.adapters.sql.tables import approver_limits, companies, customers
from b2b_customers.adapters.sql.versioned import update_versioned
from b2b_customers.approvals.approver_limits import ApproverLimit
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import ApproverLimitId, CompanyId, CustomerId

__all__ = ["SqlApproverLimitRepository"]

_table = approver_limits


def _row(limit: ApproverLimit) -> dict[str, Any]:
    return {
        "id": limit.id,
        **bookkeeping(limit),
        "company_id": limit.company_id,
        "customer_id": limit.customer_id,
        "role": None if limit.role is None else limit.role.value,
        "data": converter().unstructure(limit),
    }


class SqlApproverLimitRepository:
    """Approver limits, in SQL.

    Implements [`ApproverLimitRepository`][b2b_customers.ports.ApproverLimitRepository].

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, limit: ApproverLimit) -> ApproverLimit:
        """Store a new limit; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the customer (or role) has a
                limit at the company already.
            ValidationError: The company, or the customer it is set on, does not exist.
        """
        _require_limit(limit)
        now = self._session.now()
        stored = stamped(limit, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, stored, new=True)

        with self._session.write(explain) as connection:
            connection.execute(_table.insert(), [_row(stored)])
        return stored

    def save(self, limit: ApproverLimit) -> ApproverLimit:
        """Store a changed limit; return the stored copy (version + 1).

        Raises:
            NotFound: No limit has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The customer (or role) has another limit at the company.
            ValidationError: The company, or the customer it is set on, does not exist.
        """
        _require_limit(limit)
        now = self._session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, limit, new=False)

        with self._session.write(explain) as connection:
            return update_versioned(
                connection, _table, limit, kind="ApproverLimit", row=_row, now=now
            )

    def remove(self, limit_id: ApproverLimitId) -> None:
        """Delete a limit.

        Raises:
            NotFound: No limit has this id.
        """
        with self._session.write() as connection:
            result = connection.execute(delete(_table).where(_table.c.id == limit_id))
            if result.rowcount != 1:
                raise NotFound("ApproverLimit", limit_id)

    def get(self, limit_id: ApproverLimitId) -> ApproverLimit:
        """Return the limit with ``limit_id``.

        Raises:
            NotFound: No limit has this id.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(_table.c.data).where(_table.c.id == limit_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("ApproverLimit", limit_id)
        return load(ApproverLimit, data, key=limit_id)

    def for_companies(self, company_ids: Iterable[CompanyId]) -> list[ApproverLimit]:
        """Return the limits set at any of these companies, sorted by id."""
        found: list[ApproverLimit] = []
        with self._session.read() as connection:
            for chunk in chunked(sorted(set(company_ids)), self._session.chunk_size):
                rows = connection.execute(
                    select(_table.c.data).where(_table.c.company_id.in_(chunk))
                ).scalars()
                found.extend(load(ApproverLimit, data) for data in rows)
        return sorted(found, key=lambda limit: limit.id)

    def hold_tally(self, approver_id: CustomerId) -> None:
        """Hold the approver's tally until the unit of work ends.

        PostgreSQL takes a transaction-scoped advisory lock named after the
        approver (within this schema), so approvals by other approvers go on;
        SQLite takes its write lock (``BEGIN IMMEDIATE``): one writer at a
        time. Either way what they approved, read after it, is the latest
        committed.
        """
        session = self._session
        with session.read() as connection:
            if session.postgres:
                session.lock_name(connection, f"approver-tally:{approver_id}")
            else:
                session.begin_write(connection)


def _require_limit(limit: object) -> None:
    if not isinstance(limit, ApproverLimit):
        raise ValidationError(f"expected an ApproverLimit, got {type(limit).__name__} {limit!r}")


def _explain(connection: Connection, limit: ApproverLimit, *, new: bool) -> B2BError | None:
    """Say which rule a write broke: the company, the customer, the id, then the subject."""
    if (
        connection.execute(select(companies.c.id).where(companies.c.id == limit.company_id)).first()
        is None
    ):
        return ValidationError(
            f"company {limit.company_id!r} of approver limit {limit.id!r} does not exist; "
            "store the company first",
            field="company_id",
        )
    if (
        limit.customer_id is not None
        and connection.execute(
            select(customers.c.id).where(customers.c.id == limit.customer_id)
        ).first()
        is None
    ):
        return ValidationError(
            f"customer {limit.customer_id!r} of approver limit {limit.id!r} does not exist; "
            "store the customer first",
            field="customer_id",
        )
    if new and connection.execute(select(_table.c.id).where(_table.c.id == limit.id)).first():
        return AlreadyExists(
            f"an ApproverLimit with id {limit.id!r} exists already; choose another id, "
            "or load and save the stored one"
        )
    subject = (
        _table.c.customer_id == limit.customer_id
        if limit.customer_id is not None
        else _table.c.role == (limit.role.value if limit.role is not None else None)
    )
    holder = connection.execute(
        select(_table.c.id).where(
            _table.c.company_id == limit.company_id, subject, _table.c.id != limit.id
        )
    ).scalar_one_or_none()
    if holder is not None:
        return AlreadyExists(
            f"{limit.subject} has an approver limit at company {limit.company_id!r} already "
            f"({holder!r}); change that one"
        )
    return None
