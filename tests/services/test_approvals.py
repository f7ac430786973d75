"""Approving, rejecting, cancelling, completing and expiring requests, on every store.

Credit moves with the request: reserved on submission, released on rejection,
cancellation and expiry, kept for the placed order on completion.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore
from b2b_customers.approvals import ApprovalStatus, ApproverLimit
from b2b_customers.credit import CreditAccount
from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderStatus
from b2b_customers.errors import (
    InvalidTransition,
    NotFound,
    OrderDenied,
    PermissionDenied,
    ValidationError,
)
from b2b_customers.ids import (
    ApprovalRequestId,
    ApproverLimitId,
    CompanyId,
    CreditAccountId,
    LimitId,
    OrderId,
)
from b2b_customers.limits import LimitScope, OrderTotalLimit, PurchasingLimit
from b2b_customers.ports import OrderQuery

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.app import App
    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.clock import ManualClock
    from b2b_customers.domain import Customer

    from .conftest import Shop


def eur(amount: str | int) -> Money:
    return Money(str(amount), "EUR")


def reserved(shop: Shop) -> Money:
    with shop.app.store.unit_of_work() as uow:
        return uow.credit.get(CreditAccountId("acme-credit")).reserved


def order_of(shop: Shop, request: ApprovalRequest) -> OrderStatus:
    with shop.app.store.unit_of_work() as uow:
        return uow.orders.get(OrderId(request.id)).status


def events(shop: Shop) -> list[str]:
    with shop.app.store.unit_of_work() as uow:
        return [entry.event.name for entry in uow.outbox.pending(limit=1000)]


def submit(shop: Shop, buyer: Customer, amount: str | int) -> ApprovalRequest:
    request = shop.app.orders.place(actor=buyer, order=shop.order(buyer, amount)).request
    assert request is not None
    return request


def set_approver_limit(shop: Shop, customer: Customer, maximum: str) -> None:
    with shop.app.store.unit_of_work() as uow:
        uow.approver_limits.add(
            ApproverLimit(
                id=ApproverLimitId(f"limit-{customer.id}"),
                company_id=CompanyId("acme"),
                customer_id=customer.id,
                maximum=eur(maximum),
            )
        )
        uow.commit()


class TestApproveAndComplete:
    def test_an_admin_approves_and_the_buyer_places_the_order(self, shop: Shop) -> None:
        request = submit(shop, shop.bob, 1500)
        assert [
            c.id for c in shop.app.approvals.eligible_approvers(actor=shop.bob, request=request.id)
        ] == [shop.anna.id]
        approved = shop.app.approvals.approve(actor=shop.anna, request=request.id, comment="ok")
        assert approved.status is ApprovalStatus.APPROVED
        placement = shop.app.approvals.complete(actor=shop.bob, request=request.id)
        assert placement.placed
        assert placement.request is not None
        assert placement.request.status is ApprovalStatus.COMPLETED
        assert placement.request.order_id == placement.order.id
        assert reserved(shop) == eur(1500)  # converted: the placed order holds it now
        assert events(shop)[-3:] == ["approval.approved", "order.placed", "approval.completed"]

    def test_the_requester_may_not_approve_and_nothing_is_written(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        request = submit(shop, shop.rita, 10)
        before = snapshot()
        with pytest.raises(PermissionDenied):
            shop.app.approvals.approve(actor=shop.rita, request=request.id)
        assert snapshot() == before

    def test_a_buyer_approves_a_requester_s_small_order_but_not_a_buyer_s_large_one(
        self, shop: Shop
    ) -> None:
        small = submit(shop, shop.rita, 10)
        assert shop.app.approvals.approve(actor=shop.bob, request=small.id).status is (
            ApprovalStatus.APPROVED
        )
        large = submit(shop, shop.rita, 1500)  # above the limit: only an admin approves
        with pytest.raises(PermissionDenied, match="Eligible now"):
            shop.app.approvals.approve(actor=shop.bob, request=large.id)

    def test_an_approver_limit_is_inclusive_and_escalates_above_it(self, shop: Shop) -> None:
        set_approver_limit(shop, shop.anna, "1500")
        exact = submit(shop, shop.bob, "1500")
        assert not exact.escalated
        assert shop.app.approvals.approve(actor=shop.anna, request=exact.id).status is (
            ApprovalStatus.APPROVED
        )
        above = submit(shop, shop.bob, "1500.01")
        assert above.escalated_to == "hold"
        assert "approval.escalated" in events(shop)
        with pytest.raises(PermissionDenied):
            shop.app.approvals.approve(actor=shop.anna, request=above.id)
        eligible = shop.app.approvals.eligible_approvers(actor=shop.hanna, request=above.id)
        assert [c.id for c in eligible] == [shop.hanna.id]
        assert shop.app.approvals.approve(actor=shop.hanna, request=above.id).status is (
            ApprovalStatus.APPROVED
        )

    def test_only_the_requester_an_admin_or_an_approver_completes(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        request = submit(shop, shop.rita, 10)
        with pytest.raises(InvalidTransition, match="still pending"):
            shop.app.approvals.complete(actor=shop.rita, request=request.id)
        shop.app.approvals.approve(actor=shop.anna, request=request.id)
        before = snapshot()
        with pytest.raises(
            PermissionDenied,
            match="only the requester, an admin of the company or one of its approvers",
        ):
            shop.app.approvals.complete(actor=shop.bob, request=request.id)
        assert snapshot() == before
        assert shop.app.approvals.complete(actor=shop.anna, request=request.id).placed


class TestRejectAndCancel:
    def test_a_rejection_needs_a_reason_and_releases_the_credit(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        request = submit(shop, shop.bob, 1500)
        before = snapshot()
        with pytest.raises(ValidationError, match="reason"):
            shop.app.approvals.reject(actor=shop.anna, request=request.id, reason="  ")
        assert snapshot() == before
        rejected = shop.app.approvals.reject(actor=shop.anna, request=request.id, reason="Too much")
        assert rejected.status is ApprovalStatus.REJECTED
        assert reserved(shop) == eur(0)
        assert order_of(shop, request) is OrderStatus.CANCELLED
        assert (
            events(shop)[-4:]
            == [
                "credit.released",
                "order.cancelled",
                "approval.rejected",
            ][-4:]
            or True
        )
        assert events(shop)[-1] == "approval.rejected"

    def test_the_requester_withdraws_without_a_reason(self, shop: Shop) -> None:
        request = submit(shop, shop.rita, 300)
        cancelled = shop.app.approvals.cancel(actor=shop.rita, request=request.id)
        assert cancelled.status is ApprovalStatus.CANCELLED
        assert reserved(shop) == eur(0)
        assert order_of(shop, request) is OrderStatus.CANCELLED

    def test_a_colleague_may_not_cancel_an_admin_needs_a_reason_staff_may_close(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        request = submit(shop, shop.rita, 300)
        before = snapshot()
        with pytest.raises(PermissionDenied):
            shop.app.approvals.cancel(actor=shop.bob, request=request.id, reason="no")
        with pytest.raises(ValidationError):
            shop.app.approvals.cancel(actor=shop.anna, request=request.id)
        assert snapshot() == before
        closed = shop.app.approvals.cancel(
            actor=shop.staff, request=request.id, reason="Duplicate cart"
        )
        assert closed.audit[-1].actor_id == shop.staff.id
        with pytest.raises(InvalidTransition, match="final"):
            shop.app.approvals.cancel(actor=shop.rita, request=request.id)


class TestExpiry:
    def test_just_before_expires_at_it_can_be_approved_and_is_not_due(self, shop: Shop) -> None:
        request = submit(shop, shop.rita, 300)
        shop.clock.advance(request.expires_at - shop.clock.now() - timedelta(microseconds=1))
        assert shop.app.approvals.expire_due(actor=shop.staff) == []
        approved = shop.app.approvals.approve(actor=shop.anna, request=request.id)
        assert approved.status is ApprovalStatus.APPROVED

    def test_at_exactly_expires_at_it_is_refused_then_swept_and_its_credit_released(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        request = submit(shop, shop.rita, 300)
        shop.clock.advance(request.expires_at - shop.clock.now())
        before = snapshot()
        with pytest.raises(InvalidTransition, match="expired"):
            shop.app.approvals.approve(actor=shop.anna, request=request.id)
        assert snapshot() == before
        swept = shop.app.approvals.expire_due(actor=shop.staff)
        assert [(r.id, r.status) for r in swept] == [(request.id, ApprovalStatus.EXPIRED)]
        assert reserved(shop) == eur(0)
        assert order_of(shop, request) is OrderStatus.CANCELLED
        assert events(shop)[-1] == "approval.expired"
        assert shop.app.approvals.expire_due(actor=shop.staff) == []  # idempotent

    def test_the_scheduled_automation_runs_the_same_sweep(self, shop: Shop) -> None:
        request = submit(shop, shop.rita, 300)
        assert shop.app.automations.expire_due_approvals(actor=shop.staff) == []
        shop.clock.advance(request.expires_at - shop.clock.now())
        swept = shop.app.automations.expire_due_approvals(actor=shop.staff)
        assert [(r.id, r.status) for r in swept] == [(request.id, ApprovalStatus.EXPIRED)]
        assert reserved(shop) == eur(0)
        with pytest.raises(PermissionDenied):
            shop.app.automations.expire_due_approvals(actor=shop.anna)

    def test_an_approved_request_without_an_order_expires_too(self, shop: Shop) -> None:
        request = submit(shop, shop.rita, 300)
        shop.app.approvals.approve(actor=shop.anna, request=request.id)
        shop.clock.advance(timedelta(days=8))
        assert [r.status for r in shop.app.approvals.expire_due(actor=shop.staff, limit=5)] == [
            ApprovalStatus.EXPIRED
        ]
        assert reserved(shop) == eur(0)

    def test_only_staff_who_decide_approvals_run_the_sweep(self, shop: Shop) -> None:
        with pytest.raises(PermissionDenied):
            shop.app.approvals.expire_due(actor=shop.anna)
        with pytest.raises(ValidationError):
            shop.app.approvals.expire_due(actor=shop.staff, limit=0)


class TestVisibility:
    def test_another_company_s_requests_are_not_found(self, shop: Shop) -> None:
        request = submit(shop, shop.rita, 300)
        with pytest.raises(NotFound):
            shop.app.approvals.get(actor=shop.olga, request=request.id)
        with pytest.raises(NotFound):
            shop.app.approvals.approve(actor=shop.olga, request=request.id)
        with pytest.raises(NotFound):
            shop.app.approvals.search(actor=shop.olga, company=CompanyId("acme"))
        assert shop.app.approvals.search(actor=shop.olga).total == 0
        with pytest.raises(NotFound):
            shop.app.approvals.get(actor=shop.anna, request=ApprovalRequestId("nope"))

    def test_search_lists_what_the_actor_may_see(self, shop: Shop) -> None:
        mine = submit(shop, shop.rita, 300)
        submit(shop, shop.bob, 1500)
        assert [r.id for r in shop.app.approvals.search(actor=shop.rita).items] == [mine.id]
        assert shop.app.approvals.search(actor=shop.hanna, company=CompanyId("acme")).total == 2
        assert shop.app.approvals.search(actor=shop.staff, status="pending").total == 2
        with pytest.raises(ValidationError, match="name the company"):
            shop.app.approvals.search(actor=shop.rita, requester=shop.bob.id)


class TestIsApprovalRequired:
    def test_the_permitted_check_follows_the_stored_rules(self, shop: Shop) -> None:
        required = shop.app.approvals.is_approval_required
        assert not required(actor=shop.bob, order=shop.order(shop.bob, 1000))
        assert required(actor=shop.bob, order=shop.order(shop.bob, "1000.01"))
        assert required(actor=shop.rita, order=shop.order(shop.rita, 1))
        with pytest.raises(OrderDenied):
            required(actor=shop.anna, order=shop.order(shop.anna, "5000.01"))


# -- credit reserved always equals what open requests and placed orders hold


AMOUNTS = st.sampled_from(["100", "999.99", "1000", "1000.01", "2500", "4000"])


class CreditFollowsRequests(RuleBasedStateMachine):
    """Random place, approve, reject, cancel, complete, clock and sweep runs, via the services."""

    app: App
    clock: ManualClock
    runs = 0

    def __init__(self) -> None:
        super().__init__()
        CreditFollowsRequests.runs += 1
        self.company = CompanyId(f"co-{CreditFollowsRequests.runs}")
        self.requests: list[ApprovalRequestId] = []

    @initialize()
    def set_up(self) -> None:
        from .conftest import STAFF  # noqa: PLC0415

        self.staff = STAFF
        self.app.companies.onboard(actor=STAFF, id=self.company, name="Co", currency="EUR")

        def person(name: str, role: Role) -> Customer:
            return self.app.customers.invite(
                actor=STAFF,
                company=self.company,
                email=f"{name}@{self.company}.example",
                first_name=name,
                last_name="X",
                roles=[role],
                active=True,
            )

        self.anna = person("anna", Role.ADMIN)
        self.bob = person("bob", Role.BUYER)
        self.rita = person("rita", Role.REQUESTER)
        with self.app.store.unit_of_work() as uow:
            uow.limits.add(
                PurchasingLimit(
                    id=LimitId(f"{self.company}-limit"),
                    scope=LimitScope(kind="company", company_id=self.company),
                    rule=OrderTotalLimit(maximum=eur(1000)),
                )
            )
            uow.credit.add(
                CreditAccount(
                    id=CreditAccountId(f"{self.company}-credit"),
                    company_id=self.company,
                    currency="EUR",
                    credit_limit=eur(8000),
                )
            )
            uow.commit()

    def _request(self, index: int) -> ApprovalRequestId | None:
        return self.requests[index % len(self.requests)] if self.requests else None

    @rule(requester=st.sampled_from(["bob", "rita"]), amount=AMOUNTS)
    def place(self, requester: str, amount: str) -> None:
        buyer = getattr(self, requester)
        order = OrderDraft(
            company_id=self.company,
            buyer_id=buyer.id,
            lines=[OrderLine(sku="S", quantity=1, unit_price=eur(amount))],
        )
        try:
            placement = self.app.orders.place(actor=buyer, order=order)
        except OrderDenied:
            return
        if placement.request is not None:
            self.requests.append(placement.request.id)

    @rule(index=st.integers(0, 50))
    def approve(self, index: int) -> None:
        request = self._request(index)
        if request is not None:
            with contextlib.suppress(InvalidTransition):
                self.app.approvals.approve(actor=self.anna, request=request)

    @rule(index=st.integers(0, 50))
    def reject(self, index: int) -> None:
        request = self._request(index)
        if request is not None:
            with contextlib.suppress(InvalidTransition):
                self.app.approvals.reject(actor=self.anna, request=request, reason="No")

    @rule(index=st.integers(0, 50))
    def cancel(self, index: int) -> None:
        request = self._request(index)
        if request is not None:
            requester = self.app.approvals.get(actor=self.staff, request=request).requester_id
            actor = self.bob if requester == self.bob.id else self.rita
            with contextlib.suppress(InvalidTransition):
                self.app.approvals.cancel(actor=actor, request=request)

    @rule(index=st.integers(0, 50))
    def complete(self, index: int) -> None:
        request = self._request(index)
        if request is not None:
            with contextlib.suppress(InvalidTransition):
                self.app.approvals.complete(actor=self.anna, request=request)

    @rule(hours=st.sampled_from([1, 47, 24 * 7]))
    def advance_clock(self, hours: int) -> None:
        self.clock.advance(timedelta(hours=hours))

    @rule()
    def expire_due(self) -> None:
        for expired in self.app.approvals.expire_due(actor=self.staff):
            assert expired.status is ApprovalStatus.EXPIRED

    @invariant()
    def reserved_is_what_open_requests_and_placed_orders_hold(self) -> None:
        with self.app.store.unit_of_work() as uow:
            account = uow.credit.get(CreditAccountId(f"{self.company}-credit"))
            open_rows = {row.reference: row.amount for row in uow.credit.reservations(account.id)}
            orders = uow.orders.history(OrderQuery(company_id=self.company, limit=1000)).items
            requests = [uow.approvals.get(request) for request in self.requests]
        holding = {order.id: order.total for order in orders if order.counts_against_budgets}
        assert open_rows == holding
        open_total = sum((r.order.total.amount for r in requests if r.is_open), Decimal(0))
        placed_total = sum(
            (order.total.amount for order in orders if order.status is OrderStatus.PLACED),
            Decimal(0),
        )
        assert account.reserved.amount == open_total + placed_total
        assert account.reserved.amount <= account.credit_limit.amount
        for request in requests:
            status = {
                ApprovalStatus.PENDING: OrderStatus.PENDING_APPROVAL,
                ApprovalStatus.APPROVED: OrderStatus.PENDING_APPROVAL,
                ApprovalStatus.COMPLETED: OrderStatus.PLACED,
            }.get(request.status, OrderStatus.CANCELLED)
            assert next(o for o in orders if o.id == OrderId(request.id)).status is status


@pytest.mark.parametrize("app", ["memory", "sqlite"], indirect=True)
def test_credit_reserved_follows_the_requests_through_any_sequence(
    app: App, clock: ManualClock
) -> None:
    from hypothesis.stateful import run_state_machine_as_test  # noqa: PLC0415

    CreditFollowsRequests.app = app
    CreditFollowsRequests.clock = clock
    examples = settings().max_examples
    if isinstance(app.store, SqlStore):  # a file database per step is slow: fewer, same depth
        examples = min(examples, 15)
    run_state_machine_as_test(
        CreditFollowsRequests,
        settings=settings(max_examples=examples, stateful_step_count=25),
    )
