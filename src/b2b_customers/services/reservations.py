"""Credit reserved for orders, and what a move of an approval request does to its order.

An order is recorded in the history the moment it is placed or submitted for
approval, and the credit it needs is reserved in the same unit of work (when
the company buys on a credit line), under the order's id:

* an **allowed** order is recorded ``placed``, with its reservation;
* an order that needs **approval** is recorded ``pending_approval`` under the
  approval request's own id (:func:`pending_order_id`), with its reservation,
  so budgets count it while it waits;
* when the request is **rejected, cancelled or expired** the reservation is
  released and the order recorded ``cancelled``;
* when it is **completed** the pending order becomes ``placed`` and keeps its
  reservation: the reservation is converted into the placed order's, until
  the invoice for the order is posted.

:func:`settle` applies the move's :func:`~b2b_customers.approvals.credit_effect`.
Each change of the account and of the order records a domain event
(``credit.reserved``, ``credit.released``, ``order.placed``,
``order.cancelled``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from b2b_customers.approvals import CreditEffect, credit_effect
from b2b_customers.domain.order import OrderStatus
from b2b_customers.errors import NotFound
from b2b_customers.ids import OrderId

if TYPE_CHECKING:
    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.credit import CreditAccount
    from b2b_customers.domain.order import OrderRecord
    from b2b_customers.ids import CompanyId
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.authorization import Actor
    from b2b_customers.services.context import ServiceContext

__all__ = ["credit_line", "pending_order_id", "release", "reserve", "settle"]


def pending_order_id(request: ApprovalRequest) -> OrderId:
    """Return the id of the order recorded for ``request`` while it waits: the request's own."""
    return OrderId(request.id)


def reserve(
    uow: UnitOfWork,
    context: ServiceContext,
    actor: Actor,
    order: OrderRecord,
    account: CreditAccount | None,
) -> CreditAccount | None:
    """Reserve the order's total on ``account``, the credit line its company draws on.

    Pass the account exactly as the decision read it (see :func:`credit_line`):
    if anyone saved it since, saving the reservation raises
    :class:`~b2b_customers.errors.StaleVersion` and the caller decides again
    on fresh figures, so the decision and the reservation never disagree.

    Returns:
        The account as saved, or ``None`` when the company has no credit line.

    Raises:
        CreditOnHold: The account is on hold.
        InsufficientCredit: The total is more than the available credit.
        CurrencyMismatch: The order is in another currency than the account.
        StaleVersion: Someone saved the account since it was read.
    """
    if account is None:
        return None
    moved, entry = account.reserve(
        order.id, order.total, entry_id=context.ids(), at=context.clock.now()
    )
    stored = uow.credit.save(moved, [entry])
    context.record(
        uow, "credit.reserved", stored, actor=actor, company_id=order.company_id, before=account
    )
    return stored


def release(
    uow: UnitOfWork, context: ServiceContext, actor: Actor, order_id: OrderId, company_id: CompanyId
) -> CreditAccount | None:
    """Release what the order holds on its company's credit line, if it holds anything.

    Returns:
        The account as saved, or ``None`` when nothing was reserved for the order.

    Raises:
        StaleVersion: Someone saved the account since it was read.
    """
    account = credit_line(uow, company_id, lock=True)
    if account is None or order_id not in account.reservations:
        return None
    moved, entry = account.release(
        order_id, entry_id=context.ids(), at=context.clock.now(), actor=actor.id
    )
    stored = uow.credit.save(moved, [entry])
    context.record(
        uow, "credit.released", stored, actor=actor, company_id=company_id, before=account
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
    :meth:`~b2b_customers.ports.CreditRepository.for_company`): pass it when
    the account will be saved, so that concurrent orders queue on the line
    instead of conflicting and starting again.
    """
    try:
        return uow.credit.for_company(company_id, lock=lock)
    except NotFound:
        return None
