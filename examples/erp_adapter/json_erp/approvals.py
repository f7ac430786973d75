"""Approval requests, in the export's ``approval_requests.json``."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from b2b_customers.approvals import ApprovalRequest
from b2b_customers.approvals.open_resource import open_request_exists, open_resource_key
from b2b_customers.errors import OpenRequestExists, ValidationError
from b2b_customers.ports import ApprovalQuery, Page
from b2b_customers.queries import select
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from b2b_customers.ids import ApprovalRequestId, CompanyId, CustomerId

__all__ = ["JsonApprovalRepository"]


def _submitted(request: ApprovalRequest) -> tuple[datetime, str]:
    return request.submitted_at, request.id


class JsonApprovalRepository(Repository[ApprovalRequest]):
    """Approval requests, stored whole.

    Implements `ApprovalRepository`.
    """

    entity = "ApprovalRequest"
    unique = (
        # One open request per company and resource (b2b_customers.approvals.open_resource).
        # Writes hold the store's writer lock over the latest committed rows, so a second
        # unit of work placing the same cart meets the first one's request here.
        Unique(
            keys=lambda request: [key for key in (open_resource_key(request),) if key is not None],
            message=lambda request, holder: str(
                open_request_exists(request.resource_type, request.resource_id, holder)
            ),
            error=lambda message, holder: OpenRequestExists(message, request_id=holder),
        ),
    )

    def add(self, request: ApprovalRequest) -> ApprovalRequest:
        """Store a new request; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken.
            OpenRequestExists: The request is open and another open request
                has its company, resource type and resource id.
            ValidationError: The company or the requester does not exist.
        """
        return self._insert(request)

    def save(self, request: ApprovalRequest) -> ApprovalRequest:
        """Store a changed request (a move of the workflow); return the stored copy.

        Raises:
            NotFound: No request has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The copy names another company, requester or
                resource, or its audit trail does not continue the stored one.
        """
        return self._update(request)

    def get(self, request_id: ApprovalRequestId) -> ApprovalRequest:
        """Return the request with ``request_id``.

        Raises:
            NotFound: No request has this id.
        """
        return self._find(request_id)

    def open_for_company(self, company_id: CompanyId) -> list[ApprovalRequest]:
        """Return a company's open (pending or approved) requests, oldest submission first."""
        return sorted(
            (row for row in self._table if row.company_id == company_id and row.is_open),
            key=_submitted,
        )

    def due(self, at: datetime, *, limit: int | None = None) -> list[ApprovalRequest]:
        """Return the open requests with ``expires_at <= at``, soonest first (ties by id).

        Raises:
            ValidationError: ``at`` is naive, or ``limit`` is not a whole number >= 1.
        """
        moment: object = at
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise ValidationError(
                f"must be a timezone-aware datetime (the clock's now()), got {at!r}", field="at"
            )
        size: object = limit
        if size is not None and (not isinstance(size, int) or isinstance(size, bool) or size < 1):
            raise ValidationError(f"must be a whole number >= 1, got {limit!r}", field="limit")
        due = sorted(
            (row for row in self._table if row.is_open and row.expires_at <= at),
            key=lambda row: (row.expires_at, row.id),
        )
        return due if limit is None else due[:limit]

    def for_requester(self, customer_id: CustomerId) -> list[ApprovalRequest]:
        """Return every request of one customer, in any status, oldest submission first."""
        return sorted(
            (row for row in self._table if row.requester_id == customer_id), key=_submitted
        )

    def search(self, query: ApprovalQuery | None = None) -> Page[ApprovalRequest]:
        """Return one page of the requests matching ``query`` (default: all, newest first)."""
        query = query if query is not None else ApprovalQuery()
        return select(query, self._table)

    def _check_references(self, row: ApprovalRequest) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of approval request {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        if not self._work.customer_exists(row.requester_id):
            raise ValidationError(
                f"requester {row.requester_id!r} of approval request {row.id!r} does not exist; "
                "store the customer first",
                field="requester_id",
            )

    def _check_change(self, stored: ApprovalRequest, changed: ApprovalRequest) -> None:
        """A request keeps its company, requester and resource for life; its audit only grows."""
        for name in ("company_id", "requester_id", "resource_type", "resource_id"):
            before, after = getattr(stored, name), getattr(changed, name)
            if before != after:
                raise ValidationError(
                    f"approval request {stored.id!r} is for {before!r}; it cannot change to "
                    f"{after!r}: submit a new request instead",
                    field=name,
                )
        if changed.audit[: len(stored.audit)] != stored.audit:
            raise ValidationError(
                f"the audit trail of approval request {stored.id!r} is append-only: the copy "
                f"saved changes or drops some of its {len(stored.audit)} stored entries; load "
                "the request again and apply the action to it",
                field="audit",
            )
