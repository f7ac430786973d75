"""Who acts on an approval request: a customer, a seller-side approver, or the system.

Customers ([`Customer`][b2b_customers.domain.Customer]) approve for their
companies. When nobody in the requester's company tree can cover an amount,
a request escalates to the **seller side**: people of the seller's own staff,
described by [`SellerApprover`][b2b_customers.approvals.SellerApprover], each with an optional
approver limit. The system acts when the clock says so (expiry) or when routing changes
(escalation).
"""

from __future__ import annotations

from attrs import field, frozen
from moneyed import Money

from b2b_customers.domain.audit import ActorKind
from b2b_customers.domain.customer import Customer
from b2b_customers.domain.values import (
    identifier,
    money_amount,
    optional,
    strip,
    text,
)
from b2b_customers.errors import ValidationError

__all__ = ["SELLER", "Actor", "ActorKind", "SellerApprover", "actor_kind", "describe"]

SELLER = "seller"
"""The role name a [`Decision`][b2b_customers.limits.Decision] uses for the seller's approvers."""


@frozen(kw_only=True)
class SellerApprover:
    """A person on the seller's side who may approve requests escalated to the seller.

    Attributes:
        id: The staff member's id in the host application.
        name: The name shown in explanations and the audit trail.
        maximum: The largest order total they may approve (inclusive);
            ``None`` for no limit.
    """

    id: str = field(validator=identifier)
    name: str = field(converter=strip, validator=text())
    maximum: Money | None = field(default=None, validator=optional(money_amount(non_negative=True)))

    @property
    def display_name(self) -> str:
        """The name shown to people."""
        return self.name


Actor = Customer | SellerApprover
"""Someone who approves, rejects, cancels or completes a request."""


def actor_kind(actor: Actor | None) -> ActorKind:
    """Return the kind of ``actor`` (``None`` is the system).

    Raises:
        ValidationError: ``actor`` is neither a Customer nor a SellerApprover.
    """
    if actor is None:
        return ActorKind.SYSTEM
    if isinstance(actor, SellerApprover):
        return ActorKind.SELLER
    if isinstance(actor, Customer):
        return ActorKind.CUSTOMER
    raise ValidationError(
        f"an actor is a Customer or a SellerApprover, got {type(actor).__name__} {actor!r}",
        field="actor",
    )


def describe(actor: Actor) -> str:
    """Name ``actor`` for a message: ``"Anna Admin (anna)"``."""
    return f"{actor.display_name} ({actor.id})"
