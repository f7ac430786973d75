"""What placing an order gives back: the order as recorded, the decision, any approval request."""

from __future__ import annotations

from attrs import frozen

from b2b_customers.approvals import ApprovalRequest
from b2b_customers.domain.order import OrderRecord, OrderStatus
from b2b_customers.limits import Decision

__all__ = ["Placement"]


@frozen(kw_only=True)
class Placement:
    """The outcome of placing an order (or of completing an approved request).

    Attributes:
        decision: The engine's decision the order was placed on.
        order: The order as recorded: ``placed``, or ``pending_approval``
            while its approval request is open.
        request: The approval request, when the order needed approval
            (completed, once the order was placed from it); else ``None``.
        auto_approved_by: When the order needed approval but a rule of the
            policy let it through: that rule, in words (the recorded reason).
    """

    decision: Decision
    order: OrderRecord
    request: ApprovalRequest | None = None
    auto_approved_by: str | None = None

    @property
    def placed(self) -> bool:
        """Whether the order is placed (not waiting for approval)."""
        return self.order.status is OrderStatus.PLACED

    @property
    def awaiting_approval(self) -> bool:
        """Whether the order waits for its approval request to be decided."""
        return self.order.status is OrderStatus.PENDING_APPROVAL
