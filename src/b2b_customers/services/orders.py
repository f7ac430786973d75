"""Order use cases: check, place, look up, list the history, reorder.

``check`` builds the decision context from the store (the company and its
ancestors, the buyer and their groups, every limit set on the company or
above, spend from the order history's running totals, the credit line) and
asks the engine. Nothing is written.

``place`` decides the same way and acts on the outcome, in **one** unit of
work: an allowed order is recorded ``placed`` and its credit reserved; an
order that needs approval is recorded ``pending_approval`` with its credit
reserved and an :class:`~b2b_customers.approvals.ApprovalRequest` submitted
(see :mod:`b2b_customers.services.reservations`); a denied order raises
:class:`~b2b_customers.errors.OrderDenied` carrying the decision, with
nothing written. The decision and the reservation cannot drift apart: when
another writer changes the credit account in between, the store refuses the
save and the whole unit of work runs again on fresh figures
(:mod:`b2b_customers.services.retries`).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from b2b_customers.approvals import ApprovalRequest
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderRecord, OrderStatus
from b2b_customers.errors import OrderDenied, PermissionDenied, ValidationError
from b2b_customers.ids import ApprovalRequestId, CompanyId, CustomerId, LocationId, OrderId
from b2b_customers.limits import CreditPosition, Decision, DecisionContext, Outcome, decide
from b2b_customers.ports import OrderQuery
from b2b_customers.services.approval_events import record_move
from b2b_customers.services.arguments import checked_instance, checks_arguments
from b2b_customers.services.authorization import Actor, Permission
from b2b_customers.services.directory import load_directory
from b2b_customers.services.placement import Placement
from b2b_customers.services.reservations import credit_line, pending_order_id, reserve
from b2b_customers.services.retries import DEFAULT_RETRY, ConflictRetry
from b2b_customers.services.visibility import require_staff, require_visible

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.approvals import SellerApprover
    from b2b_customers.credit import CreditAccount
    from b2b_customers.ports import Page, UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["OrderService"]


@checks_arguments
class OrderService:
    """Orders, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
        seller_approvers: The seller-side approvers requests may escalate to.
        retry: How often a unit of work that reserves credit is run again
            after a version conflict.
    """

    def __init__(
        self,
        context: ServiceContext,
        *,
        seller_approvers: Sequence[SellerApprover] = (),
        retry: ConflictRetry = DEFAULT_RETRY,
    ) -> None:
        self._context = context
        self._sellers = tuple(seller_approvers)
        self._retry = retry

    def check(self, *, actor: Actor, order: OrderDraft) -> Decision:
        """Return the engine's decision for ``order`` now; nothing is written.

        A customer checks their own orders; a company admin (or staff) may
        check an order for any buyer of a company they oversee.

        Raises:
            PermissionDenied: The actor may not check orders for the company,
                or checks another buyer's order without being an admin.
            NotFound: The company or the buyer does not exist.
            CurrencyMismatch: A limit or the credit line is in another currency.
            ValidationError: ``order`` is not an :class:`OrderDraft`, or the
                actor is not one.
        """
        checked_instance(order, OrderDraft, "order")
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.CHECK_ORDERS, order.company_id)
            if (
                isinstance(actor, Customer)
                and actor.id != order.buyer_id
                and Role.ADMIN not in actor.roles_in(order.company_id)
            ):
                raise PermissionDenied(
                    f"{actor.display_name} may check only their own orders, not those of "
                    f"{order.buyer_id!r}"
                )
            account = credit_line(uow, order.company_id)
            return decide(order, self._context_for(uow, order, account), self._context.clock.now())

    def place(
        self,
        *,
        actor: Actor,
        order: OrderDraft,
        comment: str | None = None,
        po_number: str | None = None,
    ) -> Placement:
        """Decide on ``order`` now and act on the decision, all in one unit of work.

        * **Allowed**: the order is recorded ``placed`` and its total reserved
          on the company's credit line (if it has one).
        * **Approval required**: the order is recorded ``pending_approval``
          (under the request's id), its total reserved, and an approval
          request submitted, routed (and escalated) by the company's policy.
        * **Denied**: :class:`~b2b_customers.errors.OrderDenied`, with the
          decision attached; nothing is written.

        A customer places their own orders; staff allowed to place orders may
        place one for a buyer.

        Args:
            actor: Who places it.
            order: The order.
            comment: For the approvers, when approval is required.
            po_number: The purchase order number (replaces the order's own).

        Returns:
            The decision, the order as recorded and the request, if any.

        Raises:
            OrderDenied: The rules deny the order (see ``error.decision``).
            PermissionDenied: The actor may not place orders for the company,
                or places another customer's order.
            NotFound: The company or the buyer does not exist.
            ValidationError: ``po_number`` or ``comment`` is not valid; no tier
                of the approval policy applies to the order.
            CurrencyMismatch: A limit, approver limit or the credit line is in
                another currency.
            CreditRefused: The credit line cannot cover the order.
            StaleVersion: The credit account kept changing under every attempt.
        """
        draft = order if po_number is None else attrs.evolve(order, po_number=po_number)
        return self._retry.run(lambda: self._place(actor, draft, comment))

    def get(self, *, actor: Actor, order_id: OrderId) -> OrderRecord:
        """Return an order of the history that ``actor`` may see.

        Raises:
            NotFound: No such order, or it belongs to a company the actor does not see.
            PermissionDenied: The actor sees the company but may not view its orders.
        """
        with self._context.store.unit_of_work() as uow:
            record = uow.orders.get(order_id)
            require_visible(
                uow,
                actor,
                Permission.VIEW_ORDERS,
                record.company_id,
                entity="OrderRecord",
                key=order_id,
            )
            return record

    def history(
        self,
        *,
        actor: Actor,
        company: CompanyId | None = None,
        customer: CustomerId | None = None,
        location: LocationId | None = None,
        include_subtree: bool = False,
        status: OrderStatus | str | None = None,
        placed_from: datetime | None = None,
        placed_before: datetime | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[OrderRecord]:
        """Return one page of the order history, newest first, as far as ``actor`` may see it.

        Filter by ``company`` (with ``include_subtree``: its subsidiaries'
        orders too), by ``location`` (its company's orders for it), by
        ``customer`` (the buyer), or combine them. Without ``company`` or
        ``location`` a customer sees their own orders, and staff every order.

        Raises:
            NotFound: The company or location does not exist, or the actor does
                not see its company.
            PermissionDenied: The actor may not view the company's orders, or
                (staff only) every order.
            ValidationError: ``location`` belongs to another company than
                ``company``; a customer asks for another customer's orders
                without naming the company; a filter or the page is not valid.
        """
        with self._context.store.unit_of_work() as uow:
            scope = self._history_scope(uow, actor, company, location)
            buyer = customer
            if scope is None and isinstance(actor, Customer):
                if customer is not None and customer != actor.id:
                    raise ValidationError(
                        f"name the company to see the orders of {customer!r}: a customer sees "
                        "other buyers' orders only of companies they may view",
                        field="company",
                    )
                buyer = actor.id
            elif scope is None:
                require_staff(actor, Permission.VIEW_ORDERS, "list every company's orders")
            query = OrderQuery(
                company_id=scope,
                include_subtree=include_subtree and scope is not None,
                buyer_id=buyer,
                location_id=location,
                status=None if status is None else OrderStatus(status),
                placed_from=placed_from,
                placed_before=placed_before,
                offset=offset,
                limit=limit,
            )
            return uow.orders.history(query)

    def reorder(
        self,
        *,
        actor: Actor,
        order_id: OrderId,
        comment: str | None = None,
        po_number: str | None = None,
    ) -> Placement:
        """Place again what a past order held, checked against today's rules.

        The new order has the past order's lines, prices and location; the
        buyer is the acting customer (staff reorder for the past order's
        buyer). It is decided and placed exactly as :meth:`place` does.

        Raises:
            NotFound: No such order, or the actor does not see it.
            ValidationError: The past order was recorded without its lines.
            OrderDenied: Today's rules deny it.
            PermissionDenied: The actor may not place orders for the company.
        """
        past = self.get(actor=actor, order_id=order_id)
        if not past.lines:
            raise ValidationError(
                f"order {order_id!r} was recorded without its lines (an imported total), so "
                "there is nothing to order again; place a new order instead",
                field="order_id",
            )
        draft = OrderDraft(
            company_id=past.company_id,
            buyer_id=actor.id if isinstance(actor, Customer) else past.buyer_id,
            lines=past.lines,
            location_id=past.location_id,
            po_number=po_number,
        )
        return self.place(actor=actor, order=draft, comment=comment)

    # -- steps

    def _place(self, actor: Actor, order: OrderDraft, comment: str | None) -> Placement:
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.PLACE_ORDERS, order.company_id)
            if isinstance(actor, Customer) and actor.id != order.buyer_id:
                raise PermissionDenied(
                    f"{actor.display_name} places only their own orders, not one for "
                    f"{order.buyer_id!r}; the buyer places it"
                )
            now = self._context.clock.now()
            context = self._context_for(uow, order, None)
            # Locked last, after every other read: concurrent orders on this line
            # queue here (not conflict), for as short a time as possible.
            account = credit_line(uow, order.company_id, lock=True)
            context = attrs.evolve(context, credit=_credit_position(account))
            decision = decide(order, context, now)
            if decision.outcome is Outcome.DENIED:
                raise OrderDenied(decision)
            if decision.allowed:
                record = OrderRecord.from_draft(
                    OrderId(self._context.ids()), order, now, OrderStatus.PLACED
                )
                placed = uow.orders.add(record)
                self._context.record(
                    uow, "order.placed", placed, actor=actor, company_id=placed.company_id
                )
                reserve(uow, self._context, actor, placed, account)
                placement = Placement(decision=decision, order=placed)
            else:
                placement = self._submit(
                    uow, actor, order, account, decision=decision, now=now, comment=comment
                )
            uow.commit()
        return placement

    def _submit(
        self,
        uow: UnitOfWork,
        actor: Actor,
        order: OrderDraft,
        account: CreditAccount | None,
        *,
        decision: Decision,
        now: datetime,
        comment: str | None,
    ) -> Placement:
        request_id = ApprovalRequestId(self._context.ids())
        buyer = uow.customers.get(order.buyer_id)
        directory = load_directory(
            uow, order.company_id, seller_approvers=self._sellers, people=[buyer.id]
        )
        request = ApprovalRequest.submit(
            id=request_id,
            order=order,
            decision=decision,
            requester=buyer,
            directory=directory,
            at=now,
            comment=comment,
            resource_id=order.resource_id or request_id,
        )
        record = OrderRecord.from_draft(
            pending_order_id(request), order, now, OrderStatus.PENDING_APPROVAL
        )
        pending = uow.orders.add(record)
        self._context.record(
            uow, "order.awaiting_approval", pending, actor=actor, company_id=pending.company_id
        )
        reserve(uow, self._context, actor, pending, account)
        stored = uow.approvals.add(request)
        record_move(uow, self._context, actor, None, stored)
        return Placement(decision=decision, order=pending, request=stored)

    def _history_scope(
        self,
        uow: UnitOfWork,
        actor: Actor,
        company: CompanyId | None,
        location: LocationId | None,
    ) -> CompanyId | None:
        """Return the company whose orders are listed (checked visible), or ``None`` for any."""
        if location is not None:
            place = uow.locations.get(location)
            if company is not None and company != place.company_id:
                raise ValidationError(
                    f"location {location!r} belongs to {place.company_id!r}, not {company!r}; "
                    "give the location's own company, or leave company out",
                    field="location",
                )
            require_visible(
                uow,
                actor,
                Permission.VIEW_ORDERS,
                place.company_id,
                entity="Location",
                key=location,
            )
            return place.company_id
        if company is not None:
            require_visible(uow, actor, Permission.VIEW_ORDERS, company)
        return company

    def _context_for(
        self, uow: UnitOfWork, order: OrderDraft, account: CreditAccount | None
    ) -> DecisionContext:
        company = uow.companies.get(order.company_id)
        ancestors = tuple(ancestor.id for ancestor in uow.companies.ancestors(company.id))
        buyer = uow.customers.get(order.buyer_id)
        credit = _credit_position(account)
        return DecisionContext(
            company=company,
            buyer=buyer,
            limits=uow.limits.set_on((company.id, *ancestors)),
            spend=uow.orders,
            ancestors=ancestors,
            group_ids=frozenset(group.id for group in uow.groups.of_customer(buyer.id)),
            credit=credit,
        )


def _credit_position(account: CreditAccount | None) -> CreditPosition | None:
    """What the engine needs to know of a credit line (``None``: the company has none)."""
    if account is None:
        return None
    return CreditPosition(
        credit_limit=account.credit_limit,
        balance=account.balance,
        reserved=account.reserved,
        on_hold=account.on_hold,
    )
