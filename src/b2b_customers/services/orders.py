"""Order use cases: ask for a decision, and record what was placed.

``check`` builds the decision context from the store (the company and its
ancestors, the buyer and their groups, every limit set on the company or
above, spend from the order history's running totals, the credit line) and
asks the engine. Nothing is written.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.domain import Customer, Role
from b2b_customers.errors import NotFound, PermissionDenied
from b2b_customers.limits import CreditPosition, Decision, DecisionContext, decide
from b2b_customers.services.authorization import Actor, Permission

if TYPE_CHECKING:
    from b2b_customers.domain.order import OrderDraft
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["OrderService"]


class OrderService:
    """Orders, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def check(self, *, actor: Actor, order: OrderDraft) -> Decision:
        """Return the engine's decision for ``order`` now; nothing is written.

        A customer checks their own orders; a company admin (or staff) may
        check an order for any buyer of a company they oversee.

        Raises:
            PermissionDenied: The actor may not check orders for the company,
                or checks another buyer's order without being an admin.
            NotFound: The company or the buyer does not exist.
            CurrencyMismatch: A limit or the credit line is in another currency.
        """
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
            return decide(order, self._context_for(uow, order), self._context.clock.now())

    def _context_for(self, uow: UnitOfWork, order: OrderDraft) -> DecisionContext:
        company = uow.companies.get(order.company_id)
        ancestors = tuple(ancestor.id for ancestor in uow.companies.ancestors(company.id))
        buyer = uow.customers.get(order.buyer_id)
        try:
            account = uow.credit.for_company(company.id)
        except NotFound:
            credit = None
        else:
            credit = CreditPosition(
                credit_limit=account.credit_limit,
                balance=account.balance,
                reserved=account.reserved,
                on_hold=account.on_hold,
            )
        return DecisionContext(
            company=company,
            buyer=buyer,
            limits=uow.limits.set_on((company.id, *ancestors)),
            spend=uow.orders,
            ancestors=ancestors,
            group_ids=frozenset(group.id for group in uow.groups.of_customer(buyer.id)),
            credit=credit,
        )
