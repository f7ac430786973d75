"""Whom a purchasing limit binds: one rule for the engine, the services and the pure check.

Emporix's rule is the default: a company's admins are not bound by its
approval limits; a limit may say otherwise (``exempt_roles``), and a sole
admin bound by one still has someone to ask: the seller's staff.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from b2b_customers.approvals import ApprovalStatus
from b2b_customers.approvals import is_approval_required as pure_is_approval_required
from b2b_customers.domain import Role
from b2b_customers.errors import OrderDenied, ValidationError
from b2b_customers.ids import CompanyId, LimitId
from b2b_customers.limits import LimitScope, OrderTotalLimit
from b2b_customers.services.approvals import ANY_STAFF
from tests.services.conftest import STAFF, eur

if TYPE_CHECKING:
    from b2b_customers.app import App
    from b2b_customers.domain import Customer
    from tests.services.conftest import Shop

ACME = CompanyId("acme")
SHOP_LIMIT = LimitId("acme-per-order")
COMPANY = LimitScope(kind="company", company_id=ACME)


def stored_limit(app: App) -> object:
    return next(
        limit
        for limit in app.limits.for_company(actor=STAFF, company=ACME)
        if limit.id == SHOP_LIMIT
    )


class TestTheDefaultRule:
    def test_an_admin_is_not_bound_by_the_company_order_limit_anywhere(self, shop: Shop) -> None:
        order = shop.order(shop.anna, 2500)
        assert not shop.app.approvals.is_approval_required(actor=shop.anna, order=order)
        assert not pure_is_approval_required(shop.anna, order, company_limit=eur(1000))
        limit = shop.app.limits.for_company(actor=STAFF, company=ACME)[0]
        assert not pure_is_approval_required(shop.anna, order, company_limit=limit)
        decision = shop.app.orders.check(actor=shop.anna, order=order)
        exempt = next(result for result in decision.results if result.limit_id == SHOP_LIMIT)
        assert (exempt.rule, exempt.outcome.value) == ("exempt", "allowed")
        assert "does not bind Anna Admin, who orders as admin" in exempt.message
        assert shop.app.orders.place(actor=shop.anna, order=order).placed

    def test_a_buyer_is_bound_by_it_in_the_services_and_the_pure_check(self, shop: Shop) -> None:
        order = shop.order(shop.bob, "1000.01")
        assert shop.app.approvals.is_approval_required(actor=shop.bob, order=order)
        assert pure_is_approval_required(shop.bob, order, company_limit=eur(1000))
        within = shop.order(shop.bob, 1000)
        assert not shop.app.approvals.is_approval_required(actor=shop.bob, order=within)
        assert not pure_is_approval_required(shop.bob, within, company_limit=eur(1000))

    def test_a_deny_limit_binds_admins_too(self, shop: Shop) -> None:
        shop.app.limits.set(
            actor=STAFF, scope=COMPANY, rule=OrderTotalLimit(maximum=eur(2000)), on_exceed="deny"
        )
        order = shop.order(shop.anna, 2500)
        with pytest.raises(OrderDenied):
            shop.app.approvals.is_approval_required(actor=shop.anna, order=order)

    def test_a_limit_on_the_admin_role_binds_admins(self, shop: Shop) -> None:
        shop.app.limits.set(
            actor=STAFF,
            scope=LimitScope(kind="role", company_id=ACME, target="admin"),
            rule=OrderTotalLimit(maximum=eur(2000)),
        )
        order = shop.order(shop.anna, 2500)
        assert shop.app.approvals.is_approval_required(actor=shop.anna, order=order)


class TestALimitThatSaysWhomItBinds:
    def test_exempt_roles_are_stored_changed_and_reset_on_every_store(self, shop: Shop) -> None:
        app = shop.app
        binding = app.limits.change(actor=STAFF, limit=SHOP_LIMIT, exempt_roles=[])
        assert binding.exempt_roles == frozenset()
        assert stored_limit(app) == binding
        exempt = app.limits.change(actor=STAFF, limit=SHOP_LIMIT, exempt_roles={"admin", "buyer"})
        assert stored_limit(app) == exempt
        assert exempt.exempt == {Role.ADMIN, Role.BUYER}
        assert not app.approvals.is_approval_required(
            actor=shop.bob, order=shop.order(shop.bob, 2500)
        )
        reset = app.limits.change(actor=STAFF, limit=SHOP_LIMIT, exempt_roles=None)
        assert reset.exempt_roles is None
        assert stored_limit(app) == reset
        assert reset.exempt == {Role.ADMIN}

    def test_an_unknown_role_is_refused_and_nothing_is_written(self, shop: Shop) -> None:
        before = stored_limit(shop.app)
        with pytest.raises(ValidationError, match="exempt_roles"):
            shop.app.limits.change(actor=STAFF, limit=SHOP_LIMIT, exempt_roles=["owner"])
        with pytest.raises(ValidationError, match="exempt_roles: must be a collection"):
            shop.app.limits.set(
                actor=STAFF,
                scope=COMPANY,
                rule=OrderTotalLimit(maximum=eur(5)),
                exempt_roles="admin",  # a lone role, not a collection
            )
        assert stored_limit(shop.app) == before
        assert len(shop.app.limits.for_company(actor=STAFF, company=ACME)) == 1

    def test_the_services_and_the_pure_check_agree_on_a_limit_binding_admins(
        self, shop: Shop
    ) -> None:
        binding = shop.app.limits.change(actor=STAFF, limit=SHOP_LIMIT, exempt_roles=[])
        order = shop.order(shop.anna, 2500)
        assert shop.app.approvals.is_approval_required(actor=shop.anna, order=order)
        assert pure_is_approval_required(shop.anna, order, company_limit=binding)


def sole_admin(shop: Shop) -> Customer:
    """Olga, the only customer of Other AG, with an order limit that binds admins."""
    shop.app.limits.set(
        actor=STAFF,
        scope=LimitScope(kind="company", company_id=CompanyId("other")),
        rule=OrderTotalLimit(maximum=eur(100)),
        exempt_roles=[],
    )
    return shop.olga


def test_a_sole_admins_request_names_the_seller_staff_who_can_approve_it(shop: Shop) -> None:
    olga = sole_admin(shop)
    placement = shop.app.orders.place(actor=olga, order=shop.order(olga, 250, company="other"))
    assert placement.request is not None
    request = placement.request
    assert request.current_tier is not None
    assert request.current_tier.approver_company_id is None  # escalated to the seller side
    candidates = shop.app.approvals.eligible_approvers(actor=olga, request=request.id)
    assert [(candidate.kind.value, candidate.id) for candidate in candidates] == [
        ("seller", ANY_STAFF)
    ]
    assert candidates[0].limit is None
    approved = shop.app.approvals.approve(actor=STAFF, request=request.id)
    assert approved.status is ApprovalStatus.APPROVED
    assert shop.app.approvals.eligible_approvers(actor=olga, request=request.id) == ()


def test_a_request_at_the_company_does_not_name_the_seller_staff(shop: Shop) -> None:
    placement = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 2500))
    assert placement.request is not None
    candidates = shop.app.approvals.eligible_approvers(actor=shop.bob, request=placement.request.id)
    assert [candidate.id for candidate in candidates] == [shop.anna.id]
