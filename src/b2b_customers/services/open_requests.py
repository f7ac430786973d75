"""One open approval request per cart, order or quote.

Placing a cart that already waits for approval (same company, resource type
and resource id, with a request still **pending** or **approved**) does not
make a second request:
[`ensure_no_open_request`][b2b_customers.services.open_requests.ensure_no_open_request] raises
[`OpenRequestExists`][b2b_customers.OpenRequestExists], whose ``request_id`` names the open one
(look it up, complete it once approved, or cancel it to place the cart afresh). Once that request is
final (rejected, cancelled, expired or completed) the same resource may be placed again.

Orders placed without a ``resource_id`` are each their own resource: the
rule does not apply to them.

The check reads through the repository's own query (``ApprovalQuery`` by
company, resource type, resource id and status), so the usual refusal costs
no failed write. Two placements of the same cart racing each other in
separate transactions may both pass it; the store then refuses the second
request when it is written (see `b2b_customers.approvals.open_resource`),
with the same [OpenRequestExists][b2b_customers.errors.OpenRequestExists],
and nothing of that placement is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.approvals import ApprovalStatus
from b2b_customers.approvals.open_resource import open_request_exists
from b2b_customers.ports import ApprovalQuery

if TYPE_CHECKING:
    from b2b_customers.domain.order import OrderDraft
    from b2b_customers.ports import UnitOfWork

__all__ = ["ensure_no_open_request"]

_OPEN = (ApprovalStatus.PENDING, ApprovalStatus.APPROVED)


def ensure_no_open_request(uow: UnitOfWork, order: OrderDraft) -> None:
    """Refuse to submit ``order`` for approval while its resource has an open request.

    Raises:
        OpenRequestExists: A pending or approved request exists for the same
            company, resource type and resource id.
    """
    if order.resource_id is None:
        return
    for status in _OPEN:
        found = uow.approvals.search(
            ApprovalQuery(
                company_id=order.company_id,
                resource_type=order.resource_type,
                resource_id=order.resource_id,
                status=status,
                limit=1,
            )
        ).items
        if found:
            raise open_request_exists(
                order.resource_type, order.resource_id, found[0].id, found[0].status
            )
