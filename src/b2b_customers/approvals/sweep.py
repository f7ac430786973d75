"""The expiry sweep: mark every due request expired, in one pass.

A request is expired from ``expires_at`` on whether or not the sweep has
run (the request's methods refuse to act on it); the sweep only records it,
so its credit is released and the requester told. Run it from a scheduled
job with the injected clock's time; it is idempotent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.arguments import checked_arguments

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from b2b_customers.approvals.request import ApprovalRequest

__all__ = ["due_for_expiry", "expire_due"]


@checked_arguments
def due_for_expiry(requests: Iterable[ApprovalRequest], *, at: datetime) -> list[ApprovalRequest]:
    """Return the open requests whose ``expires_at`` is at or before ``at``, soonest first.

    Raises:
        ValidationError: ``at`` is naive.
    """
    due = [request for request in requests if request.is_open and request.is_expired_at(at)]
    return sorted(due, key=lambda request: (request.expires_at, request.id))


@checked_arguments
def expire_due(requests: Iterable[ApprovalRequest], *, at: datetime) -> list[ApprovalRequest]:
    """Expire every due request; return the expired copies (to save), soonest first.

    Requests not due, and requests already final, are left out.

    Raises:
        ValidationError: ``at`` is naive.
    """
    return [request.expire(at=at) for request in due_for_expiry(requests, at=at)]
