"""Checks every adapter makes on approval requests, in one place so all say the same."""

from __future__ import annotations

from datetime import datetime

from b2b_customers.approvals.request import ApprovalRequest
from b2b_customers.errors import ValidationError

__all__ = ["check_request_change", "require_batch", "require_moment", "require_request"]


def require_request(request: object) -> None:
    """Refuse anything but an [`ApprovalRequest`][b2b_customers.approvals.ApprovalRequest].

    Raises:
        ValidationError: ``request`` is something else.
    """
    if not isinstance(request, ApprovalRequest):
        raise ValidationError(
            f"expected an ApprovalRequest, got {type(request).__name__} {request!r}"
        )


def require_moment(at: object) -> None:
    """Refuse a time that is not a timezone-aware datetime.

    Raises:
        ValidationError: ``at`` is naive, or no datetime.
    """
    if not isinstance(at, datetime) or at.utcoffset() is None:
        raise ValidationError(
            f"must be a timezone-aware datetime (the injected clock's now()), got {at!r}",
            field="at",
        )


def require_batch(limit: object) -> None:
    """Refuse a batch size that is not ``None`` or a whole number >= 1.

    Raises:
        ValidationError: ``limit`` is something else.
    """
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ValidationError(f"must be a whole number >= 1, got {limit!r}", field="limit")


def check_request_change(stored: ApprovalRequest, changed: ApprovalRequest) -> None:
    """Refuse a saved copy that is not the stored request moved on.

    A request keeps its company, requester and resource for life, and its
    audit trail is append-only.

    Raises:
        ValidationError: The copy names another company, requester or resource,
            or its audit trail does not begin with the stored one.
    """
    for name, before, after in (
        ("company_id", stored.company_id, changed.company_id),
        ("requester_id", stored.requester_id, changed.requester_id),
        ("resource_type", stored.resource_type, changed.resource_type),
        ("resource_id", stored.resource_id, changed.resource_id),
    ):
        if before != after:
            raise ValidationError(
                f"approval request {stored.id!r} is for {before!r}; it cannot change to "
                f"{after!r}: submit a new request instead",
                field=name,
            )
    if changed.audit[: len(stored.audit)] != stored.audit:
        raise ValidationError(
            f"the audit trail of approval request {stored.id!r} is append-only: the copy "
            f"saved changes or drops some of its {len(stored.audit)} stored entries; load the "
            "request again and apply the action to it",
            field="audit",
        )
