"""Order use cases: check, place, look up, list the history, reorder.

``check`` builds the decision context from the store (the company and its
ancestors, the buyer and their groups, every limit set on the company or
above, spend from the order history's running totals, the credit line) and
asks the engine. Nothing is written.

``place`` decides the same way and acts on the outcome, in **one** unit of
work: an allowed order is recorded ``placed`` and its credit reserved; an
order that needs approval is recorded ``pending_approval`` with its credit
reserved and an [`ApprovalRequest`][b2b_customers.approvals.ApprovalRequest] submitted
(see [`b2b_customers.services.reservations`][]); a denied order raises
[`OrderDenied`][b2b_customers.OrderDenied] carrying the decision, with
nothing written. The decision and the reservation cannot drift apart: when
another writer changes the credit account in between, the store refuses the
save and the whole unit of work runs again on fresh figures
([`b2b_customers.services.retries`][]).

A placed or pending order is stored with its
[DecisionRecord][b2b_customers.limits.decision_record.DecisionRecord] (what it
was decided on) in the same write; ``replay`` decides again from it alone.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
from attrs import frozen
from moneyed import Money

from b2b_customers.approvals import ApprovalRequest
from b2b_customers.arguments import checked_instance, checks_arguments
from b2b_customers.credit import CreditAccount, CreditControl
from b2b_customers.domain import Company, Customer
from b2b_customers.domain.order import OrderDraft, OrderRecord, OrderStatus
from b2b_customers.errors import (
    CreditRefused,
    NotFound,
    OrderDenied,
    PermissionDenied,
    StaleVersion,
    ValidationError,
)
from b2b_customers.ids import ApprovalRequestId, CompanyId, CustomerId, LocationId, OrderId
from b2b_customers.limits import (
    CreditPosition,
    Decision,
    DecisionContext,
    DecisionRecord,
    Outcome,
    Replay,
    budgets_covering,
    decide,
)
from b2b_customers.limits.readings import RecordingRates, RecordingSpend
from b2b_customers.limits.rules import PurchasingLimit, ScopeKind
from b2b_customers.limits.spend import SpendPosting
from b2b_customers.ports import OrderQuery
from b2b_customers.services.approval_events import record_move
from b2b_customers.services.authorization import Actor, Permission
from b2b_customers.services.auto_approvals import auto_approval, record_auto_approval
from b2b_customers.services.directory import load_directory
from b2b_customers.services.open_requests import ensure_no_open_request
from b2b_customers.services.placement import Placement
from b2b_customers.services.reservations import (
    RecordedOverride,
    credit_line,
    pending_order_id,
    recorded_override,
    reserve,
)
from b2b_customers.services.retries import DEFAULT_RETRY, ConflictRetry
from b2b_customers.services.visibility import (
    Known,
    decision_for,
    require_buyer_of,
    require_location_of,
    require_staff,
    require_visible,
    stored_or_none,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.approvals import SellerApprover
    from b2b_customers.ports import ExchangeRates, Page, UnitOfWork
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
        self._rates = rates

    def check(self, *, actor: Actor, order: OrderDraft) -> Decision:
        """Return the engine's decision for ``order`` now; nothing is written.

        A customer checks their own orders; a company admin (or staff) may
        check an order for any buyer of a company they oversee.

        Raises:
            PermissionDenied: The actor may not check orders for the company,
                or checks another buyer's order without being an admin.
            NotFound: The company or the buyer does not exist.
            CurrencyMismatch: A limit or the credit line is in another currency.
            ValidationError: ``order`` is not an
                [`OrderDraft`][b2b_customers.domain.order.OrderDraft], or the actor is not one.
        """
        checked_instance(order, OrderDraft, "order")
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.CHECK_ORDERS, order.company_id)
            loaded = self._vetted(uow, actor, order, self._loaded(uow, order))
            decision = decide(order, self._context_for(uow, loaded), self._context.clock.now())
            return decision_for(uow, actor, decision, order.company_id, known=loaded.known)

    def place(
        self,
        *,
        actor: Actor,
        order: OrderDraft,
        comment: str | None = None,
        po_number: str | None = None,
        ask_approval: bool = False,
        preferred_approver: CustomerId | str | None = None,
    ) -> Placement:
        """Decide on ``order`` now and act on the decision, all in one unit of work.

        * **Allowed**: the order is recorded ``placed`` and its total reserved
          on the company's credit line (if it has one).
        * **Approval required**: the order is recorded ``pending_approval``
          (under the request's id), its total reserved, and an approval
          request submitted, routed (and escalated) by the company's policy.
        * **Denied**: [`OrderDenied`][b2b_customers.OrderDenied], with the
          decision attached; nothing is written.

        With ``ask_approval``, an order the rules allow is not placed but
        submitted for approval all the same (a **voluntary** request, routed
        by the company's policy to its admins); ``preferred_approver`` names
        whom the requester would like to approve (they must be eligible).

        A customer places their own orders; staff allowed to place orders may
        place one for a buyer.

        Args:
            actor: Who places it.
            order: The order.
            comment: For the approvers, when approval is required.
            po_number: The purchase order number (replaces the order's own).
            ask_approval: Submit the order for approval even if the rules allow it.
            preferred_approver: The approver the requester would like; only
                for an order that goes to approval.

        Returns:
            The decision, the order as recorded and the request, if any.

        Raises:
            OrderDenied: The rules deny the order (see ``error.decision``).
            OpenRequestExists: The order needs approval, but its cart (resource
                id) already has a pending or approved request (``error.request_id``).
            PermissionDenied: The actor may not place orders for the company,
                or places another customer's order.
            NotFound: The company or the buyer does not exist.
            ValidationError: ``po_number`` or ``comment`` is not valid; no tier
                of the approval policy applies to the order; the preferred
                approver is not eligible, or the order is placed without
                approval (name one only with ``ask_approval`` or when the
                order needs approval).
            CurrencyMismatch: A limit, approver limit or the credit line is in
                another currency.
            CreditRefused: The credit line cannot cover the order.
            StaleVersion: The credit account kept changing under every attempt.
        """
        preferred_approver = None if preferred_approver is None else CustomerId(preferred_approver)
        draft = order if po_number is None else attrs.evolve(order, po_number=po_number)
        ask = _Ask(voluntary=bool(ask_approval), preferred=preferred_approver)
        return self._retry.run(lambda: self._place(actor, draft, comment, ask))

    def get(self, *, actor: Actor, order_id: OrderId | str) -> OrderRecord:
        """Return an order of the history that ``actor`` may see.

        Raises:
            NotFound: No such order, or it belongs to a company the actor does not see.
            PermissionDenied: The actor sees the company but may not view its orders.
        """
        order_id = OrderId(order_id)
        with self._context.store.unit_of_work() as uow:
            return _visible_order(uow, actor, order_id)

    def replay(self, *, actor: Actor, order_id: OrderId | str) -> Replay:
        """Decide an order again from what it was decided on, and compare.

        The order's [DecisionRecord][b2b_customers.limits.decision_record.DecisionRecord],
        stored when it was placed or submitted for approval, holds the order,
        the limits that applied at their versions then, the credit position
        and the spend read: the engine decides again from those alone, at
        the recorded time, whatever the rules are today. Nothing is written.

        Whoever may read the order may replay it; both decisions are shown as
        the actor may see them (without the credit figures unless they may
        view the company's credit).

        Returns:
            The recorded decision, the one made again, and whether they match.

        Raises:
            NotFound: No such order, or it belongs to a company the actor does not see.
            PermissionDenied: The actor sees the company but may not view its orders.
            ValidationError: The order was recorded without its decision
                (imported history, or placed before decisions were recorded).
        """
        order_id = OrderId(order_id)
        with self._context.store.unit_of_work() as uow:
            record = _visible_order(uow, actor, order_id)
            kept = uow.orders.decision_of(order_id)
            if kept is None:
                raise ValidationError(
                    f"order {order_id!r} was recorded without its decision (imported history, "
                    "or placed before decisions were kept), so there is nothing to replay",
                    field="order_id",
                )
            whole = decision_for(uow, actor, kept.decision, record.company_id)
            # decision_for returns the decision itself to whoever may view the credit.
            shown = None if whole is kept.decision else Decision.without_credit_figures
            return Replay.of(order_id, kept, shown=shown)

    def history(
        self,
        *,
        actor: Actor,
        company: CompanyId | str | None = None,
        customer: CustomerId | str | None = None,
        location: LocationId | str | None = None,
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
        company = None if company is None else CompanyId(company)
        customer = None if customer is None else CustomerId(customer)
        location = None if location is None else LocationId(location)
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
        order_id: OrderId | str,
        comment: str | None = None,
        po_number: str | None = None,
    ) -> Placement:
        """Place again what a past order held, checked against today's rules.

        The new order has the past order's lines, prices and location; the
        buyer is the acting customer (staff reorder for the past order's
        buyer). It is decided and placed exactly as
        [`place`][b2b_customers.services.orders.OrderService.place] does.

        Raises:
            NotFound: No such order, or the actor does not see it.
            ValidationError: The past order was recorded without its lines.
            OrderDenied: Today's rules deny it.
            PermissionDenied: The actor may not place orders for the company.
        """
        order_id = OrderId(order_id)
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

    def _place(
        self, actor: Actor, order: OrderDraft, comment: str | None, ask: _Ask | None = None
    ) -> Placement:
        ask = ask if ask is not None else _Ask()
        with self._context.store.unit_of_work() as uow:
            loaded = self._loaded(uow, order)
            self._context.authorize(
                uow,
                actor,
                Permission.PLACE_ORDERS,
                order.company_id,
                ancestors=loaded.ancestor_ids,
                stored=loaded.known.actor_as_stored(uow, actor),
            )
            if isinstance(actor, Customer) and actor.id != order.buyer_id:
                raise PermissionDenied(
                    f"{actor.display_name} places only their own orders, not one for "
                    f"{order.buyer_id!r}; the buyer places it"
                )
            loaded = self._vetted(uow, actor, order, loaded)
            context = self._context_for(uow, loaded)
            # The budgets that cover this order are held from here to the commit, so the
            # spend the decision reads cannot change under it (see LimitRepository.lock).
            uow.limits.lock(budgets_covering(order, context))
            context, spend, rates = _recording(context)
            now = self._context.clock.now()
            decision = decide(order, context, now)
            if decision.outcome is Outcome.DENIED:
                raise OrderDenied(
                    decision_for(uow, actor, decision, order.company_id, known=loaded.known)
                )
            ask.check(decision)
            kept = DecisionRecord.of(
                order,
                context,
                decision,
                spend=spend.readings,
                conversions=() if rates is None else rates.conversions,
            )
            try:
                if decision.allowed and not ask.voluntary:
                    placement = self._record_placed(uow, actor, order, loaded, kept=kept, now=now)
                else:
                    placement = self._submit(
                        uow,
                        actor,
                        order,
                        loaded,
                        kept=kept,
                        now=now,
                        comment=comment,
                        ask=ask,
                    )
            except CreditRefused as refused:
                # The line was read without a lock; its conditional write found it spent
                # meanwhile. Decide again on the figures as they are now.
                raise StaleVersion(
                    f"the credit line changed while the order was decided ({refused}); "
                    "deciding again"
                ) from refused
            shown = decision_for(uow, actor, decision, order.company_id, known=loaded.known)
            placement = attrs.evolve(placement, decision=shown)
            uow.commit()
        return placement

    def _record_placed(
        self,
        uow: UnitOfWork,
        actor: Actor,
        order: OrderDraft,
        loaded: _Loaded,
        *,
        kept: DecisionRecord,
        now: datetime,
    ) -> Placement:
        """Record ``order`` placed, with its spend posted and its credit reserved."""
        record = OrderRecord.from_draft(
            OrderId(self._context.ids()), order, now, OrderStatus.PLACED
        )
        placed = uow.orders.add(record, posting=loaded.posting(record), decision=kept)
        self._context.record(uow, "order.placed", placed, actor=actor, company_id=placed.company_id)
        reserve(
            uow,
            self._context,
            actor,
            placed,
            loaded.account,
            override=loaded.override,
            past_limit=kept.decision.past_credit_limit,
        )
        return Placement(decision=kept.decision, order=placed)

    def _submit(
        self,
        uow: UnitOfWork,
        actor: Actor,
        order: OrderDraft,
        loaded: _Loaded,
        *,
        kept: DecisionRecord,
        now: datetime,
        comment: str | None,
        ask: _Ask,
    ) -> Placement:
        ensure_no_open_request(uow, order)
        request_id = ApprovalRequestId(self._context.ids())
        buyer = loaded.buyer
        if buyer is None:  # pragma: no cover  (_vetted found them, or raised)
            raise NotFound("Customer", order.buyer_id)
        directory = load_directory(
            uow, order.company_id, at=now, seller_approvers=self._sellers, people=[buyer.id]
        )
        if not ask.voluntary:
            policy = directory.policy_for(order.company_id)
            rule = auto_approval(uow, policy, order)
            if rule is not None:  # the policy lets it through: placed, the rule the reason
                placement = self._record_placed(uow, actor, order, loaded, kept=kept, now=now)
                record_auto_approval(
                    uow, self._context, actor, placement.order, policy=policy, rule=rule
                )
                return attrs.evolve(placement, auto_approved_by=rule.describe())
        request = ApprovalRequest.submit(
            id=request_id,
            order=order,
            decision=kept.decision,
            requester=buyer,
            directory=directory,
            at=now,
            comment=comment,
            resource_id=order.resource_id or request_id,
            voluntary=kept.decision.allowed,
            preferred_approver=ask.preferred,
        )
        record = OrderRecord.from_draft(
            pending_order_id(request), order, now, OrderStatus.PENDING_APPROVAL
        )
        routed = attrs.evolve(
            kept,
            approval_policy_id=request.policy_id,
            approval_policy_version=request.policy_version,
        )
        pending = uow.orders.add(record, posting=loaded.posting(record), decision=routed)
        self._context.record(
            uow, "order.awaiting_approval", pending, actor=actor, company_id=pending.company_id
        )
        reserve(
            uow,
            self._context,
            actor,
            pending,
            loaded.account,
            override=loaded.override,
            past_limit=kept.decision.past_credit_limit,
        )
        stored = uow.approvals.add(request)
        record_move(uow, self._context, actor, None, stored)
        return Placement(decision=kept.decision, order=pending, request=stored)

    def _history_scope(
        self,
        uow: UnitOfWork,
        actor: Actor,
        company: CompanyId | None,
        location: LocationId | None,
    ) -> CompanyId | None:
        """Return the company whose orders are listed (checked visible), or ``None`` for any."""
        if location is not None and company is not None:
            # Another company's location is not found: the answer never names its company.
            require_visible(uow, actor, Permission.VIEW_ORDERS, company)
            require_location_of(uow, location, company)
            return company
        if location is not None:
            place = uow.locations.get(location)
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

    def _loaded(self, uow: UnitOfWork, order: OrderDraft) -> _Loaded:
        """Read, once, everything deciding on ``order`` needs but the spend."""
        company = uow.companies.get(order.company_id)
        ancestors = tuple(ancestor.id for ancestor in uow.companies.ancestors(company.id))
        buyer = stored_or_none(uow.customers.get, order.buyer_id)  # checked by _vetted
        limits = tuple(uow.limits.set_on((company.id, *ancestors)))
        account = credit_line(uow, company.id)
        return _Loaded(
            company=company,
            ancestor_ids=ancestors,
            buyer=buyer,
            limits=limits,
            account=account,
            override=recorded_override(uow, account, order),
        )

    def _vetted(self, uow: UnitOfWork, actor: Actor, order: OrderDraft, loaded: _Loaded) -> _Loaded:
        """Refuse a buyer or ship-to location that is not the company's, as if it did not exist.

        Call it once the actor is authorized for the company.

        Raises:
            PermissionDenied: A customer names another buyer without being an admin.
            NotFound: The buyer or the location is not the company's (or does not exist).
        """
        buyer = require_buyer_of(uow, actor, order.buyer_id, order.company_id, known=loaded.known)
        if order.location_id is not None:
            require_location_of(uow, order.location_id, order.company_id)
        return attrs.evolve(loaded, buyer=buyer)

    def _context_for(self, uow: UnitOfWork, loaded: _Loaded) -> DecisionContext:
        buyer = loaded.buyer
        if buyer is None:  # pragma: no cover  (_vetted found them, or raised)
            raise NotFound("Customer", "")
        groups: frozenset[str] = frozenset()
        if any(limit.scope.kind is ScopeKind.GROUP for limit in loaded.limits):
            groups = frozenset(group.id for group in uow.groups.of_customer(buyer.id))
        return DecisionContext(
            company=loaded.company,
            buyer=buyer,
            limits=loaded.limits,
            spend=uow.orders,
            ancestors=loaded.ancestor_ids,
            group_ids=groups,
            credit=_credit_position(loaded.account, loaded.override, buyer=buyer),
            rates=self._rates,
        )


@frozen(kw_only=True)
class _Ask:
    """What the buyer asked of the approval flow: approval anyway, and whom they would like."""

    voluntary: bool = False
    preferred: CustomerId | None = None

    def check(self, decision: Decision) -> None:
        """Refuse a preferred approver for an order that is placed without approval."""
        if self.preferred is not None and decision.allowed and not self.voluntary:
            raise ValidationError(
                f"the order needs no approval, so it has no approver to prefer "
                f"({self.preferred!r}); pass ask_approval=True to ask for approval anyway",
                field="preferred_approver",
            )


@frozen(kw_only=True)
class _Loaded:
    """What a use case read for one order: passed down, never read twice."""

    company: Company
    ancestor_ids: tuple[CompanyId, ...]
    buyer: Customer | None
    limits: tuple[PurchasingLimit, ...]
    account: CreditAccount | None
    override: RecordedOverride | None = None

    @property
    def known(self) -> Known:
        """What was read, for the authorization checks (so they do not read it again)."""
        return Known(
            company=self.company,
            ancestors=self.ancestor_ids,
            customers=() if self.buyer is None else (self.buyer,),
        )

    def posting(self, record: OrderRecord) -> SpendPosting:
        """Where the order's spend is booked, from the company and ancestors read here."""
        return SpendPosting.of(
            record, time_zone=self.company.time_zone, ancestors=self.ancestor_ids
        )


def _credit_position(
    account: CreditAccount | None,
    override: RecordedOverride | None = None,
    *,
    buyer: Customer | None = None,
) -> CreditPosition | None:
    """What the engine needs to know of a credit line (``None``: the company has none).

    With an override recorded for the order's cart, the hold is overridden
    and the cart's reservation counts as this order's own (it is not
    reserved twice). The line's credit control and the buyer's bypass say
    whether an order over the available credit is refused or warned of.
    """
    if account is None:
        return None
    held = Decimal(0) if override is None else override.reservation.amount.amount
    return CreditPosition(
        credit_limit=account.credit_limit,
        balance=account.balance,
        reserved=Money(account.reserved.amount - held, account.currency),
        on_hold=account.on_hold,
        hold_overridden=override is not None,
        warn_only=account.credit_control is CreditControl.WARN,
        bypassed=buyer is not None and account.bypass_of(buyer.id) is not None,
    )


def _visible_order(uow: UnitOfWork, actor: Actor, order_id: OrderId) -> OrderRecord:
    """Return the stored order, if ``actor`` may view its company's orders (else not found)."""
    record = uow.orders.get(order_id)
    require_visible(
        uow, actor, Permission.VIEW_ORDERS, record.company_id, entity="OrderRecord", key=order_id
    )
    return record


def _recording(
    context: DecisionContext,
) -> tuple[DecisionContext, RecordingSpend, RecordingRates | None]:
    """``context`` with look-ups that keep what the engine reads, for the order's record."""
    spend = RecordingSpend(context.spend)
    rates = None if context.rates is None else RecordingRates(context.rates)
    return attrs.evolve(context, spend=spend, rates=rates), spend, rates
