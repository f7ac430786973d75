"""Requests as a shop sees them: one per cart, comments, effective status, previews, reminders.

On every store.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from moneyed import Money

from b2b_customers.approvals import (
    DEFAULT_POLICY_ID,
    ApprovalAction,
    ApprovalPolicy,
    ApprovalRule,
    ApprovalStatus,
    ApprovalTier,
    AutoApproval,
    StandardApprovers,
)
from b2b_customers.domain import Role
from b2b_customers.errors import (
    CurrencyMismatch,
    InvalidTransition,
    OpenRequestExists,
    OrderDenied,
    PermissionDenied,
    ValidationError,
)
from b2b_customers.ids import ApprovalPolicyId, CompanyId, CreditAccountId
from b2b_customers.limits import LimitScope, OrderTotalLimit, Outcome
from b2b_customers.ports import ApprovalQuery, OrderQuery
from b2b_customers.services.open_requests import ensure_no_open_request

from .conftest import STAFF, eur, invite

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.domain import Customer

    from .conftest import Shop


_CHECK = "b2b_customers.services.orders.ensure_no_open_request"
"""Where the order service looks for an open request before submitting one."""


def place_cart(shop: Shop, buyer: Customer, amount: int, cart: str = "cart-1") -> ApprovalRequest:
    order = shop.order(buyer, amount, resource_type="cart", resource_id=cart)
    request = shop.app.orders.place(actor=buyer, order=order).request
    assert request is not None
    return request


def events(shop: Shop) -> list[str]:
    with shop.app.store.unit_of_work() as uow:
        return [entry.event.name for entry in uow.outbox.pending(limit=1000)]


class TestOneOpenRequestPerCart:
    def test_placing_a_waiting_cart_again_names_the_open_request(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        first = place_cart(shop, shop.bob, 1500)
        before = snapshot()
        with pytest.raises(OpenRequestExists, match="cart 'cart-1' already has") as refused:
            place_cart(shop, shop.bob, 1500)
        assert refused.value.request_id == first.id
        assert snapshot() == before

    def test_an_approved_cart_is_completed_not_placed_again(self, shop: Shop) -> None:
        first = place_cart(shop, shop.bob, 1500)
        shop.app.approvals.approve(actor=shop.anna, request=first.id)
        with pytest.raises(OpenRequestExists, match="complete it"):
            place_cart(shop, shop.bob, 1500)
        shop.app.approvals.complete(actor=shop.bob, request=first.id)
        assert place_cart(shop, shop.bob, 1500).id != first.id

    def test_a_cancelled_request_frees_the_cart(self, shop: Shop) -> None:
        first = place_cart(shop, shop.bob, 1500)
        shop.app.approvals.cancel(actor=shop.bob, request=first.id)
        again = place_cart(shop, shop.bob, 1200)
        assert again.id != first.id
        assert again.status is ApprovalStatus.PENDING

    def test_other_carts_and_orders_without_a_cart_are_their_own(self, shop: Shop) -> None:
        place_cart(shop, shop.bob, 1100)
        place_cart(shop, shop.bob, 1100, cart="cart-2")
        for _ in range(2):
            assert shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 1100)).request
        with shop.app.store.unit_of_work() as uow:
            assert len(uow.approvals.search(ApprovalQuery(limit=10)).items) == 4


class TestTwoPlacementsOfOneCartAtOnce:
    """The check before submitting can be passed by both; the store still keeps one request."""

    def test_a_placement_that_slipped_past_the_check_is_refused_and_writes_nothing(
        self, shop: Shop, snapshot: Callable[[], object], monkeypatch: pytest.MonkeyPatch
    ) -> None:
        first = place_cart(shop, shop.bob, 1500)
        before = snapshot()
        # As if the first placement had not committed yet when the second one looked.
        monkeypatch.setattr(_CHECK, lambda _uow, _order: None)
        with pytest.raises(OpenRequestExists, match="cart 'cart-1' already has") as refused:
            place_cart(shop, shop.rita, 1500)
        assert refused.value.request_id == first.id
        assert snapshot() == before

    def test_two_buyers_placing_one_cart_in_threads_make_one_request(
        self, shop: Shop, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        both_checked = threading.Barrier(2, timeout=10)
        waited: set[int] = set()

        def check_then_wait(uow: Any, order: Any) -> None:
            ensure_no_open_request(uow, order)
            if threading.get_ident() not in waited:  # a retried attempt does not wait again
                waited.add(threading.get_ident())
                both_checked.wait()

        monkeypatch.setattr(_CHECK, check_then_wait)
        outcomes: dict[str, object] = {}

        def place(buyer: Customer) -> None:
            try:
                outcomes[buyer.id] = place_cart(shop, buyer, 1500)
            except Exception as error:  # noqa: BLE001  (the test reports what each got)
                outcomes[buyer.id] = error

        workers = [threading.Thread(target=place, args=(b,)) for b in (shop.bob, shop.rita)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        refusals = [o for o in outcomes.values() if isinstance(o, OpenRequestExists)]
        made = [o for o in outcomes.values() if not isinstance(o, BaseException)]
        assert (len(made), len(refusals)) == (1, 1), outcomes
        assert refusals[0].request_id == made[0].id  # type: ignore[attr-defined]
        with shop.app.store.unit_of_work() as uow:
            stored = uow.approvals.search(ApprovalQuery(resource_id="cart-1", limit=10)).items
            pending = uow.orders.history(OrderQuery(limit=10)).items
        assert [request.id for request in stored] == [made[0].id]  # type: ignore[attr-defined]
        assert len(pending) == 1


class TestComments:
    def test_the_requester_updates_the_comment_of_a_pending_request(self, shop: Shop) -> None:
        request = place_cart(shop, shop.bob, 1500)
        changed = shop.app.approvals.update_comment(
            actor=shop.bob, request=request.id, comment="Needed for the Q3 project"
        )
        assert changed.comment == "Needed for the Q3 project"
        assert changed.audit[-1].action is ApprovalAction.COMMENT
        assert shop.app.approvals.get(actor=shop.bob, request=request.id) == changed
        assert (
            shop.app.approvals.get(actor=shop.anna, request=request.id).comment == changed.comment
        )
        assert "approval.comment_updated" in events(shop)

    def test_only_the_requester_and_only_while_pending(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        request = place_cart(shop, shop.bob, 1500)
        before = snapshot()
        for other in (shop.anna, STAFF):
            with pytest.raises(PermissionDenied, match="only the requester changes its comment"):
                shop.app.approvals.update_comment(actor=other, request=request.id, comment="x")
        assert snapshot() == before
        shop.app.approvals.approve(actor=shop.anna, request=request.id)
        with pytest.raises(InvalidTransition, match="only a pending request"):
            shop.app.approvals.update_comment(actor=shop.bob, request=request.id, comment="x")


class TestEffectiveStatus:
    def test_an_overdue_request_reads_expired_before_the_sweep(self, shop: Shop) -> None:
        request = place_cart(shop, shop.bob, 1500)
        shop.clock.advance(request.expires_at - shop.clock.now())
        seen = shop.app.approvals.get(actor=shop.bob, request=request.id)
        assert seen.status is ApprovalStatus.EXPIRED
        assert seen.audit[-1].action is ApprovalAction.EXPIRE
        with shop.app.store.unit_of_work() as uow:  # nothing was written
            assert uow.approvals.get(request.id).status is ApprovalStatus.PENDING
        (swept,) = shop.app.approvals.expire_due(actor=STAFF)
        assert swept.status is ApprovalStatus.EXPIRED

    def test_a_request_before_its_expiry_reads_as_stored(self, shop: Shop) -> None:
        request = place_cart(shop, shop.bob, 1500)
        shop.clock.advance(request.expires_at - shop.clock.now() - timedelta(seconds=1))
        seen = shop.app.approvals.get(actor=shop.bob, request=request.id)
        # As stored (the buyer learns of the credit line only within or over).
        assert seen == attrs.evolve(request, decision=request.decision.without_credit_figures())


class TestWhoCouldApprove:
    def test_the_buyer_sees_who_would_approve_the_cart_before_submitting(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        before = snapshot()
        (route,) = shop.app.approvals.approvers_for(
            actor=shop.bob, order=shop.order(shop.bob, 1500)
        )
        assert [candidate.id for candidate in route.candidates] == [shop.anna.id]
        assert route.approver_company_id == "acme"
        assert snapshot() == before

    def test_a_cart_within_the_limits_needs_nobody(self, shop: Shop) -> None:
        assert (
            shop.app.approvals.approvers_for(actor=shop.bob, order=shop.order(shop.bob, 10)) == ()
        )

    def test_a_denied_cart_is_denied(self, shop: Shop) -> None:
        shop.app.limits.set(
            actor=STAFF,
            scope=LimitScope(kind="company", company_id=CompanyId("acme")),
            rule=OrderTotalLimit(maximum=eur(2000)),
            on_exceed="deny",
        )
        with pytest.raises(OrderDenied):
            shop.app.approvals.approvers_for(actor=shop.bob, order=shop.order(shop.bob, 2500))


class TestExpiryReminders:
    def test_requests_expiring_within_the_window_are_reminded(self, shop: Shop) -> None:
        soon = place_cart(shop, shop.bob, 1500)
        shop.clock.advance(timedelta(days=1))
        place_cart(shop, shop.bob, 1500, cart="cart-2")  # expires a day later
        shop.clock.advance(soon.expires_at - shop.clock.now() - timedelta(hours=5))
        reminded = shop.app.automations.approval_expiry_reminders(actor=STAFF, within_hours=24)
        assert [request.id for request in reminded] == [soon.id]
        assert events(shop).count("approval.expiring_soon") == 1

    def test_overdue_requests_are_the_sweeps(self, shop: Shop) -> None:
        request = place_cart(shop, shop.bob, 1500)
        shop.clock.advance(request.expires_at - shop.clock.now())
        assert shop.app.automations.approval_expiry_reminders(actor=STAFF) == []

    def test_only_staff_who_decide_approvals_run_it(self, shop: Shop) -> None:
        with pytest.raises(PermissionDenied):
            shop.app.automations.approval_expiry_reminders(actor=shop.anna)


class TestAskingForApproval:
    """A buyer asks for approval no rule requires, and may name whom they would like."""

    def test_an_order_within_the_limits_waits_for_approval_when_the_buyer_asks(
        self, shop: Shop
    ) -> None:
        placement = shop.app.approvals.request(
            actor=shop.bob, order=shop.order(shop.bob, 100), comment="new supplier"
        )
        request = placement.request
        assert request is not None
        assert placement.awaiting_approval
        assert placement.decision.outcome is Outcome.ALLOWED
        assert (request.voluntary, request.status) == (True, ApprovalStatus.PENDING)
        assert [
            c.id for c in shop.app.approvals.eligible_approvers(actor=shop.bob, request=request.id)
        ] == [shop.anna.id]
        with shop.app.store.unit_of_work() as uow:
            account = uow.credit.get(CreditAccountId("acme-credit"))
            requested = [
                entry.event
                for entry in uow.outbox.pending(limit=1000)
                if entry.event.name == "approval.requested"
            ]
        assert account.reserved == eur(100)
        assert requested[-1].payload["voluntary"] is True
        assert "order.awaiting_approval" in events(shop)
        shop.app.approvals.approve(actor=shop.anna, request=request.id)
        assert shop.app.approvals.complete(actor=shop.bob, request=request.id).placed

    def test_the_preferred_approver_is_recorded_and_listed_first(self, shop: Shop) -> None:
        alex = invite(shop.app, "Alex Admin", Role.ADMIN)
        request = shop.app.approvals.request(
            actor=shop.bob, order=shop.order(shop.bob, 1500), preferred_approver=alex.id
        ).request
        assert request is not None
        assert (request.voluntary, request.preferred_approver_id) == (False, alex.id)
        listed = shop.app.approvals.eligible_approvers(actor=shop.bob, request=request.id)
        assert [c.id for c in listed] == [alex.id, shop.anna.id]

    def test_a_preferred_approver_who_may_not_approve_is_refused_and_nothing_written(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        before = snapshot()
        for who in (shop.rita.id, shop.bob.id, shop.olga.id):
            with pytest.raises(ValidationError, match="choose one of the eligible") as refused:
                shop.app.approvals.request(
                    actor=shop.bob, order=shop.order(shop.bob, 100), preferred_approver=who
                )
            assert refused.value.field == "preferred_approver"
        assert snapshot() == before

    def test_a_preferred_approver_for_an_order_placed_at_once_is_refused(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        before = snapshot()
        with pytest.raises(ValidationError, match="ask_approval=True"):
            shop.app.orders.place(
                actor=shop.bob, order=shop.order(shop.bob, 100), preferred_approver=shop.anna.id
            )
        assert snapshot() == before
        placed = shop.app.orders.place(
            actor=shop.bob,
            order=shop.order(shop.bob, 100),
            ask_approval=True,
            preferred_approver=shop.anna.id,
        )
        assert placed.request is not None
        assert placed.request.preferred_approver_id == shop.anna.id

    def test_a_denied_order_is_not_asked_about(self, shop: Shop) -> None:
        shop.app.companies.put_on_hold(actor=STAFF, company_id=CompanyId("acme"))
        with pytest.raises((OrderDenied, PermissionDenied)):
            shop.app.approvals.request(actor=shop.bob, order=shop.order(shop.bob, 100))

    def test_only_the_buyer_asks_for_their_order(self, shop: Shop) -> None:
        with pytest.raises(PermissionDenied):
            shop.app.approvals.request(actor=shop.rita, order=shop.order(shop.bob, 100))


def auto_policy(*rules: AutoApproval) -> ApprovalPolicy:
    """ACME's policy: its admins approve, unless a rule lets the order through."""
    return ApprovalPolicy(
        id=ApprovalPolicyId("acme-auto"),
        name="Admins, small orders automatic",
        company_id=CompanyId("acme"),
        tiers=[ApprovalTier(name="Admin", all_of=[ApprovalRule(any_of=[StandardApprovers()])])],
        auto_approve=rules,
    )


class TestAutoApproval:
    """A rule of the policy places an order needing approval at once, and is recorded."""

    def test_an_order_under_the_rules_amount_is_placed_with_the_rule_as_reason(
        self, shop: Shop
    ) -> None:
        shop.app.approval_settings.save_policy(
            actor=shop.anna, policy=auto_policy(AutoApproval(name="Small", up_to=eur(2000)))
        )
        placement = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 1500))
        assert placement.placed
        assert placement.request is None
        assert placement.decision.outcome is Outcome.APPROVAL_REQUIRED
        assert placement.auto_approved_by == (
            "auto-approval rule 'Small' (orders up to 2,000.00 EUR)"
        )
        with shop.app.store.unit_of_work() as uow:
            (event,) = [
                entry.event
                for entry in uow.outbox.pending(limit=1000)
                if entry.event.name == "order.auto_approved"
            ]
            account = uow.credit.get(CreditAccountId("acme-credit"))
            assert uow.approvals.search().items == ()
        assert event.payload["rule"] == "Small"
        assert event.payload["order_id"] == placement.order.id
        assert (event.payload["policy_id"], event.payload["policy_version"]) == ("acme-auto", 1)
        assert account.reserved == eur(1500)
        larger = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, "2000.01"))
        assert larger.awaiting_approval
        assert larger.auto_approved_by is None

    def test_a_trusted_groups_buyer_is_let_through(self, shop: Shop) -> None:
        trusted = shop.app.customers.create_group(
            actor=STAFF, name="Trusted", members=[shop.rita.id]
        )
        shop.app.approval_settings.save_policy(
            actor=shop.anna,
            policy=auto_policy(AutoApproval(name="Trusted", customer_group_id=trusted.id)),
        )
        assert shop.app.orders.place(actor=shop.rita, order=shop.order(shop.rita, 900)).placed
        assert shop.app.orders.place(
            actor=shop.bob, order=shop.order(shop.bob, 1500)
        ).awaiting_approval

    def test_a_buyer_who_asks_for_approval_gets_a_request_all_the_same(self, shop: Shop) -> None:
        shop.app.approval_settings.save_policy(
            actor=shop.anna, policy=auto_policy(AutoApproval(name="Small", up_to=eur(2000)))
        )
        asked = shop.app.approvals.request(actor=shop.bob, order=shop.order(shop.bob, 1500))
        assert asked.awaiting_approval

    def test_a_denied_order_stays_denied(self, shop: Shop) -> None:
        shop.app.approval_settings.save_policy(
            actor=shop.anna, policy=auto_policy(AutoApproval(name="Small", up_to=eur(100000)))
        )
        with pytest.raises(OrderDenied):
            shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 6000))  # > credit

    def test_a_policy_naming_a_missing_group_or_another_currency_is_refused_on_save(
        self, shop: Shop
    ) -> None:
        with pytest.raises(ValidationError, match="names customer group 'ghost'"):
            shop.app.approval_settings.save_policy(
                actor=shop.anna,
                policy=auto_policy(AutoApproval(name="Ghosts", customer_group_id="ghost")),
            )
        with pytest.raises(CurrencyMismatch, match="give it in EUR"):
            shop.app.approval_settings.save_policy(
                actor=shop.anna,
                policy=auto_policy(AutoApproval(name="Dollars", up_to=Money(10, "USD"))),
            )
        with shop.app.store.unit_of_work() as uow:
            assert uow.approval_policies.all() == []


def hold_policy(*, covers: bool = True, excluded: frozenset[str] = frozenset()) -> ApprovalPolicy:
    """ACME Holding's policy, for its subsidiaries too unless they opt out."""
    return ApprovalPolicy(
        id=ApprovalPolicyId("hold-policy"),
        name="Group rules",
        company_id=CompanyId("hold"),
        tiers=[ApprovalTier(name="Admin", all_of=[ApprovalRule(any_of=[StandardApprovers()])])],
        covers_subsidiaries=covers,
        excluded_subsidiaries=excluded,
    )


class TestAParentsPolicyAndItsSubsidiaries:
    """A parent's policy may cover its subsidiaries; a subsidiary may opt out of it."""

    def policy_of_a_request(self, shop: Shop, cart: str) -> str:
        return place_cart(shop, shop.bob, 1500, cart=cart).policy.id

    def test_a_subsidiary_follows_its_parents_policy_when_it_covers_subsidiaries(
        self, shop: Shop
    ) -> None:
        shop.app.approval_settings.save_policy(actor=shop.hanna, policy=hold_policy(covers=False))
        assert self.policy_of_a_request(shop, "c1") == DEFAULT_POLICY_ID
        shop.app.approval_settings.save_policy(actor=shop.hanna, policy=hold_policy())
        assert self.policy_of_a_request(shop, "c2") == "hold-policy"

    def test_a_subsidiary_that_opts_out_follows_the_next_policy_up(self, shop: Shop) -> None:
        shop.app.approval_settings.save_policy(
            actor=shop.hanna, policy=hold_policy(excluded=frozenset({"acme"}))
        )
        assert self.policy_of_a_request(shop, "c1") == DEFAULT_POLICY_ID
        seller_wide = attrs.evolve(
            hold_policy(covers=False), id=ApprovalPolicyId("seller"), company_id=None
        )
        shop.app.approval_settings.save_policy(actor=STAFF, policy=seller_wide)
        assert self.policy_of_a_request(shop, "c2") == "seller"

    def test_a_subsidiarys_own_policy_wins(self, shop: Shop) -> None:
        shop.app.approval_settings.save_policy(actor=shop.hanna, policy=hold_policy())
        own = attrs.evolve(
            hold_policy(covers=False), id=ApprovalPolicyId("acme-own"), company_id=CompanyId("acme")
        )
        shop.app.approval_settings.save_policy(actor=shop.anna, policy=own)
        assert self.policy_of_a_request(shop, "c1") == "acme-own"

    def test_only_subsidiaries_may_be_excluded(self, shop: Shop) -> None:
        for stranger in ("other", "ghost", "hold"):
            with pytest.raises(ValidationError):
                shop.app.approval_settings.save_policy(
                    actor=shop.hanna, policy=hold_policy(excluded=frozenset({stranger}))
                )
        with pytest.raises(ValidationError, match="covers_subsidiaries=True"):
            hold_policy(covers=False, excluded=frozenset({"acme"}))
