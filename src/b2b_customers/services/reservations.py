"""Credit reserved for orders, and what a move of an approval request does to its order.

An order is recorded in the history the moment it is placed or submitted for
approval, and the credit it needs is reserved in the same unit of work (when
the company buys on a credit line), under the order's id:

* an **allowed** order is recorded ``placed``, with its reservation;
* an order that needs **approval** is recorded ``pending_approval`` under the
  approval request's own id
  ([`pending_order_id`][b2b_customers.services.reservations.pending_order_id]), with its
  reservation, so budgets count it while it waits;
* when the request is **rejected, cancelled or expired** the reservation is
  released and the order recorded ``cancelled``;
* when it is **completed** the pending order becomes ``placed`` and keeps its
  reservation: the reservation is converted into the placed order's, until
  the invoice for the order is posted.

[`settle`][b2b_customers.services.reservations.settle] applies the move's
[`credit_effect`][b2b_customers.approvals.credit_effect]. Each change of the account and of the
order records a domain event (``credit.reserved``, ``credit.released``, ``order.placed``,
``order.cancelled``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
from attrs import frozen

from b2b_customers.approvals import CreditEffect, credit_effect
from b2b_customers.credit.account import Override
from b2b_customers.credit.ledger import EntryKind
from b2b_customers.credit.reservation import Reservation
from b2b_customers.domain.order import OrderDraft, OrderStatus
from b2b_customers.errors import NotFound
from b2b_customers.ids import OrderId
from b2b_customers.services.authorization import actor_id

if TYPE_CHECKING:
    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.credit import CreditAccount
    from b2b_customers.domain.order import OrderRecord
    from b2b_customers.ids import CompanyId
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.authorization import Actor
    from b2b_customers.services.context import ServiceContext

__all__ = [
    "RecordedOverride",
    "credit_line",
    "pending_order_id",
    "recorded_override",
    "release",
    "reserve",
    "settle",
]


def pending_order_id(request: ApprovalRequest) -> OrderId:
    """Return the id of the order recorded for ``request`` while it waits: the request's own."""
    return OrderId(request.id)


@frozen(kw_only=True)
class RecordedOverride:
    """Credit a controller reserved past the hold (and the limit) for a cart, before it is ordered.

    [`CreditService.override_hold`][b2b_customers.services.credit.CreditService.override_hold]
    reserves under the reference it is given; when that is the cart's ``resource_id``, the order
    placed from the cart uses the reservation instead of checking the line.

    Attributes:
        reservation: The reservation made under the cart's reference.
        override: Who recorded it, and why.
    """

    reservation: Reservation
    override: Override

    def covers(self, order: OrderDraft) -> bool:
        """Whether the override was for (at least) this order's total."""
        return order.total.amount <= self.reservation.amount.amount


def recorded_override(
    uow: UnitOfWork, account: CreditAccount | None, order: OrderDraft
) -> RecordedOverride | None:
    """Return the override a controller recorded for the order's cart, if one covers it."""
    if account is None or order.resource_id is None:
        return None
    try:
        reservation = uow.credit.reservation(account.id, order.resource_id)
    except NotFound:
        return None
    for entry in reversed(uow.credit.entries(account.id)):
        if (
            entry.kind is EntryKind.RESERVATION
            and entry.reference == order.resource_id
            and entry.override
            and entry.actor is not None
            and entry.reason is not None
        ):
            found = RecordedOverride(
                reservation=reservation, override=Override(actor=entry.actor, reason=entry.reason)
            )
            return found if found.covers(order) else None
    return None


def reserve(
    uow: UnitOfWork,
    context: ServiceContext,
    actor: Actor,
    order: OrderRecord,
    account: CreditAccount | None,
    *,
    override: RecordedOverride | None = None,
    past_limit: bool = False,
) -> CreditAccount | None:
    """Reserve the order's total on ``account``, the credit line its company draws on.

    ``account`` is the line as the decision read it; the store books the
    reservation in one conditional write that checks the credit rule again on
    the totals as they are at that moment (no lock is held from the read to
    there), so two concurrent orders can never together pass the line.

    With ``override`` (a controller's override recorded for the order's
    cart), the cart's reservation is released and the order's reserved under
    that override, past the hold and the limit.

    With ``past_limit`` (the decision let the order go past the credit limit:
    the line only warns, or the buyer holds a bypass; see
    `Decision.past_credit_limit`)
    the reservation is booked without the store's limit check
    (``within_limit=False``): the totals stay true and the available credit
    goes below zero. The store still checks the hold in its write
    (``off_hold``), so a hold placed after the decision read the account
    stops this order too. An order the decision found within the limit is booked with
    the check, even on a line that only warns: if concurrent orders took the
    room meanwhile, it is decided again, and then carries its warning.

    Returns:
        The account as booked, or ``None`` when the company has no credit line.

    Raises:
        CreditOnHold: The account is on hold.
        InsufficientCredit: The total is more than the available credit.
        CurrencyMismatch: The order is in another currency than the account.
    """
    if account is None:
        return None
    now = context.clock.now()
    if override is not None:
        _, freed = account.release(
            override.reservation, entry_id=context.ids(), at=now, actor=override.override.actor
        )
        account, released = uow.credit.book(freed)
        context.record_booking(
            uow, "credit.released", account, released, actor=actor, company_id=order.company_id
        )
    _, entry = account.reserve(
        order.id,
        order.total,
        entry_id=context.ids(),
        at=now,
        override=None if override is None else override.override,
        buyer=order.buyer_id,
    )
    stored, booked = uow.credit.book(
        entry, within_limit=override is None and not past_limit, off_hold=override is None
    )
    context.record_booking(
        uow, "credit.reserved", stored, booked, actor=actor, company_id=order.company_id
    )
    return stored


def release(
    uow: UnitOfWork, context: ServiceContext, actor: Actor, order_id: OrderId, company_id: CompanyId
) -> CreditAccount | None:
    """Release what the order holds on its company's credit line, if it holds anything.

    Returns:
        The account as booked, or ``None`` when nothing was reserved for the order.
    """
    account = credit_line(uow, company_id)
    if account is None:
        return None
    try:
        reservation = uow.credit.reservation(account.id, order_id)
    except NotFound:
        return None
    _, entry = account.release(
        reservation, entry_id=context.ids(), at=context.clock.now(), actor=actor_id(actor)
    )
    stored, booked = uow.credit.book(entry)
    context.record_booking(
        uow, "credit.released", stored, booked, actor=actor, company_id=company_id
    )
    return stored


def settle(
    uow: UnitOfWork,
    context: ServiceContext,
    actor: Actor,
    before: ApprovalRequest,
    after: ApprovalRequest,
) -> OrderRecord | None:
    """Apply what the move from ``before`` to ``after`` means for the order and its credit.

    Returns:
        The order as saved when its status changed (placed on completion,
        cancelled on rejection, cancellation or expiry), else ``None``.

    Raises:
        NotFound: The pending order of the request is missing.
        StaleVersion: Someone saved the account or the order since it was read.
    """
    effect = credit_effect(before.status, after.status)
    if effect is CreditEffect.RELEASE:
        release(uow, context, actor, pending_order_id(after), after.company_id)
        return _order_becomes(
            uow, context, actor, after, status=OrderStatus.CANCELLED, event="order.cancelled"
        )
    if effect is CreditEffect.CONVERT:
        return _order_becomes(
            uow, context, actor, after, status=OrderStatus.PLACED, event="order.placed"
        )
    return None


def _order_becomes(
    uow: UnitOfWork,
    context: ServiceContext,
    actor: Actor,
    request: ApprovalRequest,
    *,
    status: OrderStatus,
    event: str,
) -> OrderRecord:
    order = uow.orders.get(pending_order_id(request))
    stored = uow.orders.save(attrs.evolve(order, status=status))
    context.record(uow, event, stored, actor=actor, company_id=stored.company_id, before=order)
    return stored


def credit_line(
    uow: UnitOfWork, company_id: CompanyId, *, lock: bool = False
) -> CreditAccount | None:
    """Return the credit account a company's orders draw on, or ``None`` without a credit line.

    ``lock`` holds the account until the unit of work ends (see
    [`for_company`][b2b_customers.ports.CreditRepository.for_company]): pass it when
    the account's terms will be saved. Reserving needs no lock.
    """
    try:
        return uow.credit.for_company(company_id, lock=lock)
    except NotFound:
        return None
