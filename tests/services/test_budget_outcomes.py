"""Budgets that warn instead of stopping, and budgets that never reset, through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from b2b_customers.ids import CompanyId
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    LifetimePeriod,
    LimitScope,
    OnExceed,
    Outcome,
)
from tests.services.conftest import STAFF, eur

if TYPE_CHECKING:
    from b2b_customers.limits import PurchasingLimit
    from tests.services.conftest import Shop

ACME = CompanyId("acme")
COMPANY = LimitScope(kind="company", company_id=ACME)


def budget(shop: Shop, rule: BudgetLimit, on_exceed: str, name: str) -> PurchasingLimit:
    return shop.app.limits.set(
        actor=STAFF, scope=COMPANY, rule=rule, on_exceed=on_exceed, name=name
    )


def test_a_warn_budget_places_the_order_and_the_decision_carries_the_warning(shop: Shop) -> None:
    monthly = BudgetLimit(maximum=eur(1200), period=CalendarPeriod(unit="month"))
    soft = budget(shop, monthly, "warn", "Soft monthly budget")
    assert soft.on_exceed is OnExceed.WARN
    stored = shop.app.limits.for_company(actor=STAFF, company=ACME)
    assert soft in stored
    assert shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 900)).placed

    placement = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 400))
    assert placement.placed
    assert placement.decision.outcome is Outcome.ALLOWED
    (warning,) = placement.decision.warnings
    assert warning.limit_id == soft.id
    assert (warning.spent, warning.order_amount, warning.remaining) == (
        eur(900),
        eur(400),
        eur(300),
    )
    assert "Warning: Soft monthly budget: 900.00 EUR spent" in placement.decision.explain()


def test_a_budget_changed_to_warn_stops_nothing_and_back_to_deny_stops_again(shop: Shop) -> None:
    hard = budget(
        shop, BudgetLimit(maximum=eur(500), period=CalendarPeriod(unit="day")), "deny", "Daily"
    )
    order = shop.order(shop.anna, 600)
    assert shop.app.orders.check(actor=shop.anna, order=order).outcome is Outcome.DENIED
    shop.app.limits.change(actor=STAFF, limit=hard.id, on_exceed="warn")
    decision = shop.app.orders.check(actor=shop.anna, order=order)
    assert decision.allowed
    assert [result.limit_id for result in decision.warnings] == [hard.id]
    shop.app.limits.change(actor=STAFF, limit=hard.id, on_exceed="deny")
    assert shop.app.orders.check(actor=shop.anna, order=order).outcome is Outcome.DENIED


def test_a_lifetime_budget_counts_every_order_and_never_resets(shop: Shop) -> None:
    lifetime = budget(
        shop, BudgetLimit(maximum=eur(1500), period=LifetimePeriod()), "deny", "Lifetime"
    )
    assert lifetime in shop.app.limits.for_company(actor=STAFF, company=ACME)
    assert shop.app.orders.place(actor=shop.anna, order=shop.order(shop.anna, 800)).placed
    shop.clock.advance(timedelta(days=400))
    assert shop.app.orders.place(actor=shop.anna, order=shop.order(shop.anna, 700)).placed
    shop.clock.advance(timedelta(days=800))
    decision = shop.app.orders.check(actor=shop.anna, order=shop.order(shop.anna, "0.01"))
    assert decision.outcome is Outcome.DENIED
    result = next(result for result in decision.results if result.limit_id == lifetime.id)
    assert (result.spent, result.remaining) == (eur(1500), eur(0))
    assert result.period_start is not None
    assert result.period_end is not None
    assert result.period_start.year == 1
    assert result.period_end.year == 9999
