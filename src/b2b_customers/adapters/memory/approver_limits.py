"""Approver limits, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Unique
from b2b_customers.approvals.approver_limits import ApproverLimit
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import ApproverLimitId, CompanyId, CustomerId

__all__ = ["MemoryApproverLimitRepository"]


_APPROVER_LIMITS: _Schema[ApproverLimit] = _Schema(
    entity="ApproverLimit",
    ident=lambda limit: limit.id,
    indexes={
        "company": lambda limit: [limit.company_id],
        "subject": lambda limit: [(limit.company_id, limit.customer_id, limit.role)],
    },
    unique=[
        _Unique(
            "subject",
            lambda limit, holder: (
                f"{limit.subject} has an approver limit at company {limit.company_id!r} "
                f"already ({holder!r}); change that one"
            ),
        )
    ],
)


class MemoryApproverLimitRepository(_Repository[ApproverLimit]):
    """Approver limits, in memory: one per customer or role and company.

    Implements [`ApproverLimitRepository`][b2b_customers.ports.ApproverLimitRepository].
    """

    def add(self, limit: ApproverLimit) -> ApproverLimit:
        """Store a new limit; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the customer (or role) has a
                limit at the company already.
            ValidationError: The company, or the customer it is set on, does not exist.
        """
        _require_limit(limit)
        return self._insert(limit)

    def save(self, limit: ApproverLimit) -> ApproverLimit:
        """Store a changed limit; return the stored copy (version + 1).

        Raises:
            NotFound: No limit has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The customer (or role) has another limit at the company.
            ValidationError: The company, or the customer it is set on, does not exist.
        """
        _require_limit(limit)
        return self._update(limit)

    def remove(self, limit_id: ApproverLimitId) -> None:
        """Delete a limit.

        Raises:
            NotFound: No limit has this id.
        """
        self._delete(limit_id)

    def get(self, limit_id: ApproverLimitId) -> ApproverLimit:
        """Return the limit with ``limit_id``.

        Raises:
            NotFound: No limit has this id.
        """
        with self._lock:
            return self._find(limit_id)

    def for_companies(self, company_ids: Iterable[CompanyId]) -> list[ApproverLimit]:
        """Return the limits set at any of these companies, sorted by id."""
        with self._lock:
            found = {
                row.id: row
                for company_id in set(company_ids)
                for row in self._buffer.rows("company", company_id)
            }
        return sorted(found.values(), key=lambda row: row.id)

    def hold_tally(self, approver_id: CustomerId) -> None:  # noqa: ARG002  (one lock for all)
        """Hold the approver's tally until the unit of work ends: take the store's write lock.

        One writer at a time, as on SQLite: no other unit of work records an
        approval until this one commits or rolls back.
        """
        self._work.hold_writer()

    def _check_references(self, row: ApproverLimit) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of approver limit {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        if row.customer_id is not None and self._work.customers.get(row.customer_id) is None:
            raise ValidationError(
                f"customer {row.customer_id!r} of approver limit {row.id!r} does not exist; "
                "store the customer first",
                field="customer_id",
            )


def _require_limit(limit: object) -> None:
    if not isinstance(limit, ApproverLimit):
        raise ValidationError(f"expected an ApproverLimit, got {type(limit).__name__} {limit!r}")
