"""Approver limits, in the export's ``approver_limits.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.approvals import ApproverLimit
from b2b_customers.errors import ValidationError
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import ApproverLimitId, CompanyId, CustomerId

__all__ = ["JsonApproverLimitRepository"]


class JsonApproverLimitRepository(Repository[ApproverLimit]):
    """Approver limits: one per customer or role and company.

    Implements `ApproverLimitRepository`.
    """

    entity = "ApproverLimit"
    unique = (
        Unique[ApproverLimit](
            lambda limit: [(limit.company_id, limit.customer_id, limit.role)],
            lambda limit, holder: (
                f"{limit.subject} has an approver limit at company {limit.company_id!r} "
                f"already ({holder!r}); change that one"
            ),
        ),
    )

    def add(self, limit: ApproverLimit) -> ApproverLimit:
        """Store a new limit; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the customer (or role) has a
                limit at the company already.
            ValidationError: The company, or the customer it is set on, does not exist.
        """
        return self._insert(limit)

    def save(self, limit: ApproverLimit) -> ApproverLimit:
        """Store a changed limit; return the stored copy (version + 1).

        Raises:
            NotFound: No limit has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The customer (or role) has another limit at the company.
            ValidationError: The company, or the customer it is set on, does not exist.
        """
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
        return self._find(limit_id)

    def for_companies(self, company_ids: Iterable[CompanyId]) -> list[ApproverLimit]:
        """Return the limits set at any of these companies, once each, sorted by id."""
        wanted = set(company_ids)
        return sorted(
            (limit for limit in self._table if limit.company_id in wanted),
            key=lambda row: row.id,
        )

    def hold_tally(self, approver_id: CustomerId) -> None:  # noqa: ARG002  (one lock for all)
        """Hold the approver's tally until the unit of work ends: take the store's writer lock.

        One writer at a time: what they approved, read after it, is the latest committed.
        """
        self._work.begin_write()

    def _check_references(self, row: ApproverLimit) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of approver limit {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        if row.customer_id is not None and not self._work.customer_exists(row.customer_id):
            raise ValidationError(
                f"customer {row.customer_id!r} of approver limit {row.id!r} does not exist; "
                "store the customer first",
                field="customer_id",
            )
