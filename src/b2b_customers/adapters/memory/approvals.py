"""Approval requests, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters._approvals import (
    check_request_change,
    require_batch,
    require_moment,
    require_request,
)
from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Unique
from b2b_customers.approvals.open_resource import open_request_exists, open_resource_key
from b2b_customers.approvals.request import ApprovalRequest
from b2b_customers.errors import OpenRequestExists, ValidationError
from b2b_customers.ports import ApprovalQuery, Page
from b2b_customers.queries import select

if TYPE_CHECKING:
    from datetime import datetime

    from b2b_customers.ids import ApprovalRequestId, CompanyId, CustomerId

__all__ = ["MemoryApprovalRepository"]

_OPEN = "open"

_APPROVALS: _Schema[ApprovalRequest] = _Schema(
    entity="ApprovalRequest",
    ident=lambda request: request.id,
    indexes={
        "company": lambda request: [request.company_id],
        "requester": lambda request: [request.requester_id],
        "resource": lambda request: [request.resource_id],
        "open": lambda request: [_OPEN] if request.is_open else [],
        "open_resource": lambda request: [
            key for key in (open_resource_key(request),) if key is not None
        ],
    },
    unique=[
        _Unique(
            "open_resource",
            lambda request, holder: str(
                open_request_exists(request.resource_type, request.resource_id, holder)
            ),
            error=lambda message, holder: OpenRequestExists(message, request_id=holder),
        )
    ],
)


def _submitted(request: ApprovalRequest) -> tuple[datetime, str]:
    return request.submitted_at, request.id


class MemoryApprovalRepository(_Repository[ApprovalRequest]):
    """Approval requests, in memory, indexed by company, requester, resource and openness.

    Implements [`ApprovalRepository`][b2b_customers.ports.ApprovalRepository].
    """

    def add(self, request: ApprovalRequest) -> ApprovalRequest:
        """Store a new request; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken.
            OpenRequestExists: The request is open and another open request
                has its company, resource type and resource id.
            ValidationError: The company or the requester does not exist.
        """
        require_request(request)
        return self._insert(request)

    def save(self, request: ApprovalRequest) -> ApprovalRequest:
        """Store a changed request; return the stored copy (version + 1).

        Raises:
            NotFound: No request has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The copy names another company, requester or
                resource, or its audit trail does not continue the stored one.
        """
        require_request(request)
        return self._update(request)

    def get(self, request_id: ApprovalRequestId) -> ApprovalRequest:
        """Return the request with ``request_id``.

        Raises:
            NotFound: No request has this id.
        """
        with self._lock:
            return self._find(request_id)

    def open_for_company(self, company_id: CompanyId) -> list[ApprovalRequest]:
        """Return a company's open (pending or approved) requests, oldest submission first."""
        with self._lock:
            found = self._buffer.rows("company", company_id)
        return sorted((row for row in found if row.is_open), key=_submitted)

    def due(self, at: datetime, *, limit: int | None = None) -> list[ApprovalRequest]:
        """Return the open requests with ``expires_at <= at``, soonest first (ties by id).

        Raises:
            ValidationError: ``at`` is naive, or ``limit`` is not a whole number >= 1.
        """
        require_moment(at)
        require_batch(limit)
        with self._lock:
            found = self._buffer.rows("open", _OPEN)
        due = sorted(
            (row for row in found if row.expires_at <= at),
            key=lambda row: (row.expires_at, row.id),
        )
        return due if limit is None else due[:limit]

    def for_requester(self, customer_id: CustomerId) -> list[ApprovalRequest]:
        """Return every request of one customer, oldest submission first."""
        with self._lock:
            found = self._buffer.rows("requester", customer_id)
        return sorted(found, key=_submitted)

    def search(self, query: ApprovalQuery | None = None) -> Page[ApprovalRequest]:
        """Return one page of the requests matching ``query`` (default: all, newest first)."""
        query = query if query is not None else ApprovalQuery()
        with self._lock:
            if query.company_id is not None:
                candidates = self._buffer.rows("company", query.company_id)
            elif query.requester_id is not None:
                candidates = self._buffer.rows("requester", query.requester_id)
            elif query.resource_id is not None:
                candidates = self._buffer.rows("resource", query.resource_id)
            else:
                candidates = list(self._buffer.all())
        return select(query, candidates)

    def _check_references(self, row: ApprovalRequest) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of approval request {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        if self._work.customers.get(row.requester_id) is None:
            raise ValidationError(
                f"requester {row.requester_id!r} of approval request {row.id!r} does not exist; "
                "store the customer first",
                field="requester_id",
            )

    def _check_change(self, stored: ApprovalRequest, changed: ApprovalRequest) -> None:
        check_request_change(stored, changed)
