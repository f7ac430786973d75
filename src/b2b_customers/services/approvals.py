"""Approval use cases: approve, reject, cancel, complete, expire, and who may approve.

Each move is one unit of work: load the request (invisible requests are not
found), load the [`ApprovalDirectory`][b2b_customers.approvals.ApprovalDirectory] as the
store knows it now, let the pure workflow make the move (it enforces
eligibility, segregation of duties, approver limits and expiry), save the
request, apply what the move means for the order and its credit
([`b2b_customers.services.reservations`][]), record one domain event per
audit entry the move appended, and commit. A refusal writes nothing.

Credit moves with the request: **rejecting, cancelling and expiring**
release the reservation and cancel the pending order; **completing** places
the order and keeps the reservation for it. Units of work that touch credit
run again when another writer saved the account first
([`b2b_customers.services.retries`][]).

Staff act as seller-side approvers; customers as themselves, as stored now
(a customer demoted or removed since their last sign-in no longer approves,
nor completes the request they asked for). A company that may not order (on
hold, inactive) has no approved order completed either.

A request comes back as the actor may see it: its decision without the
credit line's figures unless the actor may view the company's credit
([`decision_for`][b2b_customers.services.visibility.decision_for]).
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import TYPE_CHECKING

import attrs

from b2b_customers import queries
from b2b_customers.approvals import (
    ActorKind,
    ApprovalRequest,
    ApprovalStatus,
    Candidate,
    RoutingCase,
    crossed_by,
    plan_routes,
)
from b2b_customers.approvals import eligible_approvers as eligible_now
from b2b_customers.arguments import checked_id, checks_arguments
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft
from b2b_customers.errors import (
    InvalidTransition,
    NotFound,
    OrderDenied,
    PermissionDenied,
    ValidationError,
)
from b2b_customers.ids import ApprovalRequestId, CompanyId, CustomerId
from b2b_customers.limits import Outcome
from b2b_customers.ports import ApprovalQuery
from b2b_customers.services.approval_events import record_move
from b2b_customers.services.authorization import (
    Actor,
    Permission,
    Staff,
    actor_id,
    checked_actor,
    current_actor,
    roles_for,
)
from b2b_customers.services.directory import load_directory, with_seller, workflow_actor
from b2b_customers.services.orders import OrderService
from b2b_customers.services.placement import Placement
from b2b_customers.services.reservations import pending_order_id, settle
from b2b_customers.services.retries import DEFAULT_RETRY, ConflictRetry
from b2b_customers.services.visibility import (
    decision_for,
    require_staff,
    require_visible,
    sees_request,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from b2b_customers.approvals import Actor as WorkflowActor
    from b2b_customers.approvals import ApprovalDirectory, SellerApprover, TierRoute
    from b2b_customers.ports import ExchangeRates, Page, UnitOfWork
    from b2b_customers.services.context import ServiceContext

    Move = Callable[
        [ApprovalRequest, "WorkflowActor", datetime, ApprovalDirectory], ApprovalRequest
    ]

__all__ = ["ANY_STAFF", "ApprovalService"]

ANY_STAFF = "staff"
"""The candidate id that stands for every staff member not listed as a seller approver."""


@checks_arguments
class ApprovalService:
    """Approval requests, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
        seller_approvers: The seller-side approvers (with their limits)
            requests may escalate to; staff not listed approve without a limit.
        retry: How often a unit of work that touches credit is run again
            after a version conflict.
        rates: Exchange rates, for limits in another currency than the order.
    """

    def __init__(
        self,
        context: ServiceContext,
        *,
        seller_approvers: Sequence[SellerApprover] = (),
        retry: ConflictRetry = DEFAULT_RETRY,
        rates: ExchangeRates | None = None,
    ) -> None:
        self._context = context
        self._sellers = tuple(seller_approvers)
        self._retry = retry
        self._orders = OrderService(
            context, seller_approvers=self._sellers, retry=retry, rates=rates
        )

    # -- reading

    def get(self, *, actor: Actor, request: ApprovalRequestId | str) -> ApprovalRequest:
        """Return a request ``actor`` may see, with its **effective** status now.

        An open request past its ``expires_at`` reads ``expired`` (with the
        expiry audit entry the sweep will store) even before the sweep has
        run; nothing is written.

        Raises:
            NotFound: No such request, or the actor may not see it.
        """
        request = ApprovalRequestId(request)
        with self._context.store.unit_of_work() as uow:
            current = self._shown(uow, actor, self._visible(uow, actor, request))
        now = self._now()
        if current.is_open and current.is_expired_at(now):
            return current.expire(at=max(now, current.last_changed_at))
        return current

    def search(
        self,
        *,
        actor: Actor,
        company: CompanyId | str | None = None,
        requester: CustomerId | str | None = None,
        status: ApprovalStatus | str | None = None,
        resource_id: str | None = None,
        descending: bool = True,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[ApprovalRequest]:
        """Return one page of requests, newest submission first, as far as ``actor`` may see.

        With ``company``: that company's requests. Without it a customer sees
        their own requests (of the companies where they still hold a role),
        and staff every request.

        Raises:
            NotFound: The company does not exist, or the actor does not see it.
            PermissionDenied: The actor may not view the company's orders, or
                (staff only) every request.
            ValidationError: A customer asks for another customer's requests
                without naming the company; a filter or the page is not valid.
        """
        company = None if company is None else CompanyId(company)
        requester = None if requester is None else CustomerId(requester)
        with self._context.store.unit_of_work() as uow:
            actor = current_actor(uow, actor)
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
            if company is None and isinstance(actor, Customer):
                # Their own requests, of the companies where they still hold a role.
                own = uow.approvals.for_requester(actor.id)
                page = queries.select(query, [r for r in own if sees_request(uow, actor, r)])
            else:
                page = uow.approvals.search(query)
            return attrs.evolve(
                page, items=tuple(self._shown(uow, actor, item) for item in page.items)
            )

    def eligible_approvers(
        self, *, actor: Actor, request: ApprovalRequestId | str
    ) -> tuple[Candidate, ...]:
        """Return who may approve the request now, and why (empty unless it is pending).

        When the current tier waits at the seller side, the list ends with
        [`ANY_STAFF`][b2b_customers.services.approvals.ANY_STAFF]: any staff member with the right
        to decide approvals who is not listed as a seller approver approves without a limit, so a
        request escalated past a company with nobody else to ask (a sole
        admin's, say) always names who can approve it.

        Raises:
            NotFound: No such request, or the actor may not see it.
            CurrencyMismatch: An approver limit is in another currency than the order.
        """
        request = ApprovalRequestId(request)
        with self._context.store.unit_of_work() as uow:
            current = self._visible(uow, actor, request)
            found = eligible_now(current, self._directory(uow, current))
            return (*found, *_unlisted_staff(current, self._sellers))

    def approvers_for(self, *, actor: Actor, order: OrderDraft) -> tuple[TierRoute, ...]:
        """Say, before the cart is submitted, who could approve it: per tier, where and who.

        Decides as
        [`is_approval_required`][b2b_customers.services.approvals.ApprovalService.is_approval_required]
        does; when the order would need approval, routes it as submitting it would (the company's
        policy, escalation up the tree, the seller side) without writing anything.

        Returns:
            One route per tier that would apply, with its eligible candidates;
            empty when the order needs no approval.

        Raises:
            OrderDenied: The rules deny the order.
            PermissionDenied: The actor may not check the order.
            NotFound: The company or the buyer does not exist.
            ValidationError: No tier of the policy applies to the order.
        """
        decision = self._orders.check(actor=actor, order=order)
        if decision.outcome is Outcome.DENIED:
            raise OrderDenied(decision)
        if decision.outcome is not Outcome.APPROVAL_REQUIRED:
            return ()
        with self._context.store.unit_of_work() as uow:
            directory = load_directory(
                uow,
                order.company_id,
                at=self._now(),
                seller_approvers=self._sellers,
                people=[order.buyer_id],
            )
        case = RoutingCase(
            company_id=order.company_id,
            requester_id=order.buyer_id,
            total=order.total,
            approver_roles=decision.approver_roles,
            crossed=crossed_by(decision),
            policy=directory.policy_for(order.company_id),
        )
        return plan_routes(case, directory)

    def request(
        self,
        *,
        actor: Actor,
        order: OrderDraft,
        preferred_approver: CustomerId | str | None = None,
        comment: str | None = None,
        po_number: str | None = None,
    ) -> Placement:
        """Submit ``order`` for approval, whether or not a rule requires it.

        An order the rules allow becomes a **voluntary** request (routed by
        the company's policy, its decision's approvers taken as admins); one
        that needs approval anyway becomes the usual request. Either way the
        order waits as ``pending_approval`` with its credit reserved, exactly
        as `app.orders.place(..., ask_approval=True)`
        does (same permission, audit entries and
        events: ``order.awaiting_approval``, ``approval.requested``).

        Args:
            actor: The buyer (or staff placing for them).
            order: The order.
            preferred_approver: Whom the requester would like to approve; they
                must be eligible for the first tier. The request records them
                and lists them first among its eligible approvers.
            comment: For the approvers.
            po_number: The purchase order number (replaces the order's own).

        Returns:
            The decision, the pending order and the request.

        Raises:
            OrderDenied: The rules deny the order.
            OpenRequestExists: The cart already has an open request.
            PermissionDenied: The actor may not place orders for the company.
            NotFound: The company or the buyer does not exist.
            ValidationError: The preferred approver is not eligible for the
                first tier; an argument is not valid.
            CreditRefused: The credit line cannot cover the order.
        """
        preferred_approver = None if preferred_approver is None else CustomerId(preferred_approver)
        return self._orders.place(
            actor=actor,
            order=order,
            comment=comment,
            po_number=po_number,
            ask_approval=True,
            preferred_approver=preferred_approver,
        )

    def is_approval_required(self, *, actor: Actor, order: OrderDraft) -> bool:
        """Tell whether ``order`` needs approval before it can be placed (the "permitted" check).

        The stored rules decide, as for
        [`OrderService.check`][b2b_customers.services.orders.OrderService.check]: the role rule (a
        requester always needs approval, a buyer above the company limit) and every other
        purchasing limit.

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
        self, *, actor: Actor, request: ApprovalRequestId | str, comment: str | None = None
    ) -> ApprovalRequest:
        """Record ``actor``'s approval of the request's current tier.

        The approval that satisfies the last tier approves the request; the
        order is then placed with
        [`complete`][b2b_customers.services.approvals.ApprovalService.complete].

        Raises:
            NotFound: No such request, or the actor may not see it.
            PermissionDenied: The actor asked for it, has acted already, is not
                eligible for the current tier (the message says who is), or is
                staff without the right to decide approvals.
            InvalidTransition: The request is not pending, or has expired
                (at exactly ``expires_at`` too).
        """
        request = ApprovalRequestId(request)

        def move(
            current: ApprovalRequest,
            approver: WorkflowActor,
            now: datetime,
            directory: ApprovalDirectory,
        ) -> ApprovalRequest:
            return current.approve(approver, at=now, directory=directory, comment=comment)

        return self._decide(actor, request, move, approving=True)

    def reject(
        self, *, actor: Actor, request: ApprovalRequestId | str, reason: str
    ) -> ApprovalRequest:
        """Reject the whole request, with a reason; its credit is released.

        Raises:
            NotFound: No such request, or the actor may not see it.
            ValidationError: The reason is blank.
            PermissionDenied: The actor asked for it (cancel instead), has acted
                already, or is not eligible for a tier still open.
            InvalidTransition: The request is not pending, or has expired.
        """
        request = ApprovalRequestId(request)

        def move(
            current: ApprovalRequest,
            approver: WorkflowActor,
            now: datetime,
            directory: ApprovalDirectory,
        ) -> ApprovalRequest:
            return current.reject(approver, at=now, reason=reason, directory=directory)

        return self._decide(actor, request, move)

    def cancel(
        self, *, actor: Actor, request: ApprovalRequestId | str, reason: str | None = None
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
        request = ApprovalRequestId(request)

        def move(
            current: ApprovalRequest,
            canceller: WorkflowActor,
            now: datetime,
            _directory: ApprovalDirectory,
        ) -> ApprovalRequest:
            return current.cancel(canceller, at=now, reason=reason)

        return self._run(actor, request, move, staff_may=Permission.DECIDE_APPROVALS)

    def complete(self, *, actor: Actor, request: ApprovalRequestId | str) -> Placement:
        """Place the order of an approved request: the pending order becomes ``placed``.

        Who may: the requester, an admin of the company, staff who place
        orders, and (as in Emporix) **anyone who approved the request**, who
        completes the checkout for the requester without needing the right
        to place orders themselves.

        The credit reserved when the request was submitted stays reserved for
        the placed order (it is converted, not reserved again).

        Raises:
            NotFound: No such request, or the actor may not see it.
            PermissionDenied: The actor is neither the requester, an admin of
                the company, staff who place orders, nor one of its approvers
                (still active), or may not place orders for the company.
            InvalidTransition: The request is not approved, or has expired.
        """
        request = ApprovalRequestId(request)

        def move(
            current: ApprovalRequest,
            placer: WorkflowActor,
            now: datetime,
            _directory: ApprovalDirectory,
        ) -> ApprovalRequest:
            return current.complete(pending_order_id(current), at=now, actor=placer)

        stored = self._run(actor, request, move, staff_may=None, placing=True)
        with self._context.store.unit_of_work() as uow:
            order = uow.orders.get(pending_order_id(stored))
        return Placement(decision=stored.decision, order=order, request=stored)

    def update_comment(
        self, *, actor: Actor, request: ApprovalRequestId | str, comment: str | None
    ) -> ApprovalRequest:
        """Replace the comment of a pending request (the requester only).

        Records ``approval.comment_updated``.

        Raises:
            NotFound: No such request, or the actor may not see it.
            PermissionDenied: The actor did not ask for the request.
            InvalidTransition: The request is not pending, or has expired.
            ValidationError: The comment is too long.
        """
        request = ApprovalRequestId(request)

        def move(
            current: ApprovalRequest,
            requester: WorkflowActor,
            now: datetime,
            _directory: ApprovalDirectory,
        ) -> ApprovalRequest:
            return current.update_comment(requester, at=now, comment=comment)

        return self._run(actor, request, move, staff_may=None)

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

    def _decide(
        self, actor: Actor, request: ApprovalRequestId, move: Move, *, approving: bool = False
    ) -> ApprovalRequest:
        return self._run(
            actor, request, move, staff_may=Permission.DECIDE_APPROVALS, approving=approving
        )

    def _run(
        self,
        actor: Actor,
        request: ApprovalRequestId,
        move: Move,
        *,
        staff_may: Permission | None,
        placing: bool = False,
        approving: bool = False,
    ) -> ApprovalRequest:
        if isinstance(actor, Staff) and staff_may is not None:
            require_staff(actor, staff_may, f"{staff_may.value.replace('_', ' ')} on requests")
        return self._retry.run(
            functools.partial(
                self._move, actor, request, move, placing=placing, approving=approving
            )
        )

    def _move(
        self,
        actor: Actor,
        request: ApprovalRequestId,
        move: Move,
        *,
        placing: bool,
        approving: bool,
    ) -> ApprovalRequest:
        with self._context.store.unit_of_work() as uow:
            current = self._visible(uow, actor, request)
            if placing:
                self._ensure_may_place(uow, actor, current)
            person = workflow_actor(uow, actor, self._sellers)
            if approving and isinstance(person, Customer):
                # What they approved this period is held from here to the commit, so two
                # approvals by one approver cannot both pass a cap per period.
                uow.approver_limits.hold_tally(person.id)
            directory = self._directory(uow, current, person)
            moved = move(current, person, self._now(), directory)
            stored = uow.approvals.save(moved)
            settle(uow, self._context, actor, current, stored)
            record_move(uow, self._context, actor, current, stored)
            shown = self._shown(uow, actor, stored)
            uow.commit()
        return shown

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
        stored = current_actor(uow, actor)
        approver = _approved(request, stored) and (
            isinstance(stored, Staff) or stored.is_active
        )  # the approver completes the checkout for the requester (Emporix)
        if not approver:
            self._context.authorize(
                uow, actor, Permission.PLACE_ORDERS, request.company_id, stored=stored
            )
            if isinstance(stored, Customer) and stored.id != request.requester_id:
                ancestors = [company.id for company in uow.companies.ancestors(request.company_id)]
                if Role.ADMIN not in roles_for(stored, request.company_id, ancestors):
                    raise PermissionDenied(
                        f"{stored.display_name} may not place the order of request "
                        f"{request.id!r}: only the requester, an admin of the company or one of "
                        "its approvers may"
                    )
        company = uow.companies.get(request.company_id)
        if not company.may_order:
            raise InvalidTransition(
                f"{company.name} is {company.status.value} and may not order, so the approved "
                f"request {request.id!r} cannot be completed now; complete it once the company "
                "is active again (the request stays approved until it expires)"
            )

    def _shown(self, uow: UnitOfWork, actor: Actor, request: ApprovalRequest) -> ApprovalRequest:
        decision = decision_for(uow, actor, request.decision, request.company_id)
        return request if decision is request.decision else attrs.evolve(request, decision=decision)

    def _visible(
        self, uow: UnitOfWork, actor: Actor, request: ApprovalRequestId
    ) -> ApprovalRequest:
        checked_actor(actor)
        current = uow.approvals.get(checked_id(request, "request"))
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
        return load_directory(
            uow, request.company_id, at=self._now(), seller_approvers=sellers, people=people
        )

    def _now(self) -> datetime:
        return self._context.clock.now()


def _unlisted_staff(
    request: ApprovalRequest, listed: Sequence[SellerApprover]
) -> tuple[Candidate, ...]:
    """Staff not listed as seller approvers, as one candidate, when the tier waits at the seller."""
    progress = request.current_tier
    if (
        progress is None
        or request.status is not ApprovalStatus.PENDING
        or progress.approver_company_id is not None
    ):
        return ()
    places = frozenset(range(progress.required))
    if not progress.would_fill(places):
        return ()
    basis = "staff with the right to decide approvals, without a limit" + (
        " (not listed as a seller approver)" if listed else ""
    )
    return (
        Candidate(
            kind=ActorKind.SELLER,
            id=ANY_STAFF,
            name="Seller staff",
            basis=basis,
            limit=None,
            places=places,
        ),
    )


def _approved(request: ApprovalRequest, actor: Actor) -> bool:
    """Whether ``actor`` recorded an approval on ``request``."""
    return any(verdict.approver_id == actor_id(actor) for verdict in request.approvals)
