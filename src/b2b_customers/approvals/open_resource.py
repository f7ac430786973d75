"""At most one open approval request per cart, order or quote: the rule every store keeps.

A request is **open** while it is pending or approved (see
[OPEN_STATUSES][b2b_customers.approvals.OPEN_STATUSES]). Two open requests
may not share a company, resource type and resource id: placing the same
cart again while its request is open must not make a second one. The
services check it before submitting, and every store enforces it again
when it writes, so two placements of the same cart racing each other in
separate units of work cannot both succeed (the SQL adapter with a partial
unique index, the memory and the ERP example's stores when they write and
commit). Whichever comes second raises
[OpenRequestExists][b2b_customers.errors.OpenRequestExists] naming the open
request.

The key includes the company: two companies' carts of the same id are two
resources (and one company's refusal never names another's request).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.approvals.status import ApprovalStatus
from b2b_customers.errors import OpenRequestExists

if TYPE_CHECKING:
    from b2b_customers.approvals.request import ApprovalRequest
    from b2b_customers.domain.order import ResourceType

__all__ = ["OpenResourceKey", "open_request_exists", "open_resource_key"]

OpenResourceKey = tuple[str, str, str]
"""``(company_id, resource_type, resource_id)`` of an open request."""


def open_resource_key(request: ApprovalRequest) -> OpenResourceKey | None:
    """Return the key no other open request may share, or ``None`` when ``request`` is final."""
    if not request.is_open:
        return None
    return (request.company_id, request.resource_type.value, request.resource_id)


def open_request_exists(
    resource_type: ResourceType | str,
    resource_id: str,
    holder_id: str,
    status: ApprovalStatus | None = None,
) -> OpenRequestExists:
    """Return the error for a second open request of one resource, saying what to do.

    Args:
        resource_type: The resource's type (``cart``, ``order``, ``quote``).
        resource_id: The resource's id.
        holder_id: The open request's id.
        status: The open request's status, when known (it picks the advice).
    """
    kind = getattr(resource_type, "value", resource_type)
    if status is ApprovalStatus.APPROVED:
        advice = "it is approved: complete it to place the order, or cancel it"
    elif status is ApprovalStatus.PENDING:
        advice = "wait for its approvers, or cancel it to submit the cart afresh"
    else:
        advice = "wait for it to be decided, complete it once approved, or cancel it"
    shown = f" ({status.value})" if status is not None else ""
    return OpenRequestExists(
        f"{kind} {resource_id!r} already has approval request {holder_id!r}{shown}; {advice}",
        request_id=holder_id,
    )
