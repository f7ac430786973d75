"""Approval use cases: approve, reject, cancel, complete, expire, and who may approve.

Each move is one unit of work: load the request (invisible requests are not
found), load the :class:`~b2b_customers.approvals.ApprovalDirectory` as the
store knows it now, let the pure workflow make the move (it enforces
eligibility, segregation of duties, approver limits and expiry), save the
request, apply what the move means for the order and its credit
(:mod:`b2b_customers.services.reservations`), record one domain event per
audit entry the move appended, and commit. A refusal writes nothing.

Credit moves with the request: **rejecting, cancelling and expiring**
release the reservation and cancel the pending order; **completing** places
the order and keeps the reservation for it. Units of work that touch credit
run again when another writer saved the account first
(:mod:`b2b_customers.services.retries`).

Staff act as seller-side approvers; customers as themselves, as stored now
(a customer demoted since their last sign-in no longer approves).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

from b2b_customers.approvals import ApprovalRequest, ApprovalStatus
from b2b_customers.approvals import eligible_approvers as eligible_now
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft
from b2b_customers.errors import NotFound, OrderDenied, PermissionDenied, ValidationError
from b2b_customers.ids import ApprovalRequestId, CompanyId, CustomerId
from b2b_customers.limits import Outcome
from b2b_customers.ports import ApprovalQuery
from b2b_customers.services.approval_events import record_move
from b2b_customers.services.arguments import checks_arguments
from b2b_customers.services.authorization import Actor, Permission, Staff, roles_for
from b2b_customers.services.directory import load_directory, with_seller, workflow_actor
from b2b_customers.services.orders import OrderService
from b2b_customers.services.placement import Placement
from b2b_customers.services.reservations import pending_order_id, settle
from b2b_customers.services.retries import DEFAULT_RETRY, ConflictRetry
from b2b_customers.services.visibility import require_staff, require_visible, sees_request

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from b2b_customers.approvals import Actor as WorkflowActor
    from b2b_customers.approvals import ApprovalDirectory, Candidate, SellerApprover
    from b2b_customers.ports import Page, UnitOfWork
    from b2b_customers.services.context import ServiceContext

    Move = Callable[
        [ApprovalRequest, "WorkflowActor", datetime, ApprovalDirectory], ApprovalRequest
    ]

__all__ = ["ApprovalService"]


@checks_arguments
class ApprovalService:
    """Approval requests, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
        seller_approvers: The seller-side approvers (with their limits)
            requests may escalate to; staff not listed approve without a limit.
        retry: How often a unit of work that touches credit is run again
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
        self._orders = OrderService(context, seller_approvers=self._sellers, retry=retry)

    # -- reading

    def get(self, *, actor: Actor, request: ApprovalRequestId) -> ApprovalRequest:
        """Return a request ``actor`` may see.

        Raises:
            NotFound: No such request, or the actor may not see it.
        """
        with self._context.store.unit_of_work() as uow:
            return self._visible(uow, actor, request)

    def search(
        self,
        *,
        actor: Actor,
        company: CompanyId | None = None,
        requester: CustomerId | None = None,
        status: ApprovalStatus | str | None = None,
        resource_id: str | None = None,
        descending: bool = True,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[ApprovalRequest]:
        """Return one page of requests, newest submission first, as far as ``actor`` may see.

        With ``company``: that company's requests. Without it a customer sees
        their own requests, and staff every request.

        Raises:
            NotFound: The company does not exist, or the actor does not see it.
            PermissionDenied: The actor may not view the company's orders, or
                (staff only) every request.
            ValidationError: A customer asks for another customer's requests
                without naming the company; a filter or the page is not valid.
        """
        with self._context.store.unit_of_work() as uow:
            if company is not None:
                require_visible(uow, actor, Permission.VIEW_ORDERS, company)
            elif isinstance(actor, Customer):
                if requester is not None and requester != actor.id:
                    raise ValidationError(
                        f"name the company to see the requests of {requester!r}: a customer "
                        "sees others' requests only of companies they may view",
                        field="company",
                    )
                requester = actor.id
            else:
                require_staff(actor, Permission.VIEW_ORDERS, "list every company's requests")
            query = ApprovalQuery(
                company_id=company,
                requester_id=requester,
                status=status,
                resource_id=resource_id,
                descending=descending,
                offset=offset,
                limit=limit,
            )
            return uow.approvals.search(query)

    def eligible_approvers(
        self, *, actor: Actor, request: ApprovalRequestId
    ) -> tuple[Candidate, ...]:
        """Return who may approve the request now, and why (empty unless it is pending).

        Raises:
            NotFound: No such request, or the actor may not see it.
            CurrencyMismatch: An approver limit is in another currency than the order.
        """
        with self._context.store.unit_of_work() as uow:
            current = self._visible(uow, actor, request)
            return eligible_now(current, self._directory(uow, current))

    def is_approval_required(self, *, actor: Actor, order: OrderDraft) -> bool:
        """Tell whether ``order`` needs approval before it can be placed (the "permitted" check).

        The stored rules decide, as for :meth:`OrderService.check
        <b2b_customers.services.orders.OrderService.check>`: the seeds' role
        rule (a requester always needs approval, a buyer above the company
        limit) and every other purchasing limit.

        Returns:
            ``True`` when the order would become an approval request,
            ``False`` when it could be placed right away.

        Raises:
            OrderDenied: Neither: the rules deny the order (see ``error.decision``).
            PermissionDenied: The actor may not check the order.
            NotFound: The company or the buyer does not exist.
        """
        decision = self._orders.check(actor=actor, order=order)
        if decision.outcome is Outcome.DENIED:
            raise OrderDenied(decision)
        return decision.outcome is Outcome.APPROVAL_REQUIRED

    # -- moves

    def approve(
        self, *, actor: Actor, request: ApprovalRequestId, comment: str | None = None
    ) -> ApprovalRequest:
        """Record ``actor``'s approval of the request's current tier.

        The approval that satisfies the last tier approves the request; the
        order is then placed with :meth:`complete`.

        Raises:
            NotFound: No such request, or the actor may not see it.
            PermissionDenied: The actor asked for it, has acted already, is not
                eligible for the current tier (the message says who is), or is
                staff without the right to decide approvals.
            InvalidTransition: The request is not pending, or has expired
                (at exactly ``expires_at`` too).
        """

        def move(
            current: ApprovalRequest,
            approver: WorkflowActor,
            now: datetime,
            directory: ApprovalDirectory,
        ) -> ApprovalRequest:
            return current.approve(approver, at=now, directory=directory, comment=comment)

        return self._decide(actor, request, move)

    def reject(self, *, actor: Actor, request: ApprovalRequestId, reason: str) -> ApprovalRequest:
        """Reject the whole request, with a reason; its credit is released.

        Raises:
            NotFound: No such request, or the actor may not see it.
            ValidationError: The reason is blank.
            PermissionDenied: The actor asked for it (cancel instead), has acted
                already, or is not eligible for a tier still open.
            InvalidTransition: The request is not pending, or has expired.
        """

        def move(
            current: ApprovalRequest,
            approver: WorkflowActor,
            now: datetime,
            directory: ApprovalDirectory,
        ) -> ApprovalRequest:
            return current.reject(approver, at=now, reason=reason, directory=directory)

        return self._decide(actor, request, move)

    def cancel(
        self, *, actor: Actor, request: ApprovalRequestId, reason: str | None = None
    ) -> ApprovalRequest:
        """Withdraw (the requester) or close (an admin of the company, staff) a request.

        The pending order is cancelled and its credit released.

        Raises:
            NotFound: No such request, or the actor may not see it.
            ValidationError: Someone other than the requester gives no reason.
            PermissionDenied: The actor is neither the requester nor an admin
                of the company, nor staff who decide approvals.
            InvalidTransition: The request is final, or has expired.
        """

        def move(
            current: ApprovalRequest,
            canceller: WorkflowActor,
            now: datetime,
            _directory: ApprovalDirectory,
        ) -> ApprovalRequest:
            return current.cancel(canceller, at=now, reason=reason)

        return self._run(actor, request, move, staff_may=Permission.DECIDE_APPROVALS)

    def complete(self, *, actor: Actor, request: ApprovalRequestId) -> Placement:
        """Place the order of an approved request: the pending order becomes ``placed``.

        The credit reserved when the request was submitted stays reserved for
        the placed order (it is converted, not reserved again).

        Raises:
            NotFound: No such request, or the actor may not see it.
            PermissionDenied: The actor is neither the requester nor an admin of
                the company (nor staff who place orders), or may not place
                orders for the company.
            InvalidTransition: The request is not approved, or has expired.
        """

        def move(
            current: ApprovalRequest,
            placer: WorkflowActor,
            now: datetime,
            _directory: ApprovalDirectory,
        ) -> ApprovalRequest:
            return current.complete(pending_order_id(current), at=now, actor=placer)

        stored = self._run(actor, request, move, staff_may=Permission.PLACE_ORDERS, placing=True)
        with self._context.store.unit_of_work() as uow:
            order = uow.orders.get(pending_order_id(stored))
        return Placement(decision=stored.decision, order=order, request=stored)

    def expire_due(self, *, actor: Actor, limit: int = 100) -> list[ApprovalRequest]:
        """Expire every request due now (``expires_at`` at or before now); release their credit.

        For the host application's scheduler: run it as often as you like; it
        is idempotent. Each request expires in a unit of work of its own, so
        one that a concurrent writer just changed does not hold up the rest.

        Args:
            actor: Staff who decide approvals (the job's service account).
            limit: Expire at most this many, soonest due first.

        Returns:
            The expired requests, soonest due first.

        Raises:
            PermissionDenied: The actor is not staff who decide approvals.
            ValidationError: ``limit`` is not a whole number >= 1.
        """
        require_staff(actor, Permission.DECIDE_APPROVALS, "run the expiry sweep")
        with self._context.store.unit_of_work() as uow:
            due = [request.id for request in uow.approvals.due(self._now(), limit=limit)]
        expired = []
        for request_id in due:
            moved = self._retry.run(functools.partial(self._expire_one, actor, request_id))
            if moved is not None:
                expired.append(moved)
        return expired

    # -- steps

    def _decide(self, actor: Actor, request: ApprovalRequestId, move: Move) -> ApprovalRequest:
        return self._run(actor, request, move, staff_may=Permission.DECIDE_APPROVALS)

    def _run(
        self,
        actor: Actor,
        request: ApprovalRequestId,
        move: Move,
        *,
        staff_may: Permission,
        placing: bool = False,
    ) -> ApprovalRequest:
        if isinstance(actor, Staff):
            require_staff(actor, staff_may, f"{staff_may.value.replace('_', ' ')} on requests")
        return self._retry.run(functools.partial(self._move, actor, request, move, placing=placing))

    def _move(
        self, actor: Actor, request: ApprovalRequestId, move: Move, *, placing: bool
    ) -> ApprovalRequest:
        with self._context.store.unit_of_work() as uow:
            current = self._visible(uow, actor, request)
            if placing:
                self._ensure_may_place(uow, actor, current)
            person = workflow_actor(uow, actor, self._sellers)
            directory = self._directory(uow, current, person)
            moved = move(current, person, self._now(), directory)
            stored = uow.approvals.save(moved)
            settle(uow, self._context, actor, current, stored)
            record_move(uow, self._context, actor, current, stored)
            uow.commit()
        return stored

    def _expire_one(self, actor: Actor, request: ApprovalRequestId) -> ApprovalRequest | None:
        with self._context.store.unit_of_work() as uow:
            current = uow.approvals.get(request)
            now = self._now()
            if not (current.is_open and current.is_expired_at(now)):
                return None  # someone closed it since the sweep listed it
            stored = uow.approvals.save(current.expire(at=now))
            settle(uow, self._context, actor, current, stored)
            record_move(uow, self._context, actor, current, stored)
            uow.commit()
        return stored

    def _ensure_may_place(self, uow: UnitOfWork, actor: Actor, request: ApprovalRequest) -> None:
        self._context.authorize(uow, actor, Permission.PLACE_ORDERS, request.company_id)
        if not isinstance(actor, Customer) or actor.id == request.requester_id:
            return
        ancestors = [company.id for company in uow.companies.ancestors(request.company_id)]
        if Role.ADMIN not in roles_for(actor, request.company_id, ancestors):
            raise PermissionDenied(
                f"{actor.display_name} may not place the order of request {request.id!r}: "
                "only the requester or an admin of the company may"
            )

    def _visible(
        self, uow: UnitOfWork, actor: Actor, request: ApprovalRequestId
    ) -> ApprovalRequest:
        current = uow.approvals.get(request)
        if not sees_request(uow, actor, current):
            raise NotFound("ApprovalRequest", request)
        return current

    def _directory(
        self, uow: UnitOfWork, request: ApprovalRequest, person: WorkflowActor | None = None
    ) -> ApprovalDirectory:
        people = [request.requester_id]
        if isinstance(person, Customer):
            people.append(person.id)
        sellers = self._sellers if person is None else with_seller(self._sellers, person)
        return load_directory(uow, request.company_id, seller_approvers=sellers, people=people)

    def _now(self) -> datetime:
        return self._context.clock.now()
