"""What-if simulation: proposed limits replayed over a recorded history."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from moneyed import Money

from b2b_customers.domain import Company, Customer, Role
from b2b_customers.domain.order import OrderRecord, OrderStatus
from b2b_customers.errors import MissingDependency, NotFound
from b2b_customers.ids import CompanyId, CustomerId, LimitId, OrderId
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    CalendarUnit,
    LimitScope,
    OnExceed,
    Outcome,
    PurchasingLimit,
    ScopeKind,
    simulate,
)
from b2b_customers.limits.simulation import Simulation

ACME = CompanyId("acme")
NORTH = CompanyId("north")
companies = {
    ACME: Company(id=ACME, name="ACME", currency="EUR", time_zone="Europe/Berlin"),
    NORTH: Company(
        id=NORTH, name="North", currency="EUR", time_zone="Europe/Berlin", parent_id=ACME
    ),
}
START = datetime(2026, 3, 2, 9, tzinfo=UTC)


def history(*totals: int, company: CompanyId = ACME, buyer: str = "bob") -> list[OrderRecord]:
    return [
        OrderRecord(
            id=OrderId(f"{company}-{number}"),
            company_id=company,
            buyer_id=CustomerId(buyer),
            total=Money(Decimal(total), "EUR"),
            placed_at=START + timedelta(days=number),
        )
        for number, total in enumerate(totals)
    ]


def monthly(
    maximum: int, *, subtree: bool = False, on_exceed: OnExceed = OnExceed.APPROVAL
) -> PurchasingLimit:
    return PurchasingLimit(
        id=LimitId(f"monthly-{maximum}"),
        scope=LimitScope(kind=ScopeKind.COMPANY, company_id=ACME, include_subtree=subtree),
        rule=BudgetLimit(
            maximum=Money(maximum, "EUR"), period=CalendarPeriod(unit=CalendarUnit.MONTH)
        ),
        on_exceed=on_exceed,
    )


def test_each_order_is_decided_with_the_spend_that_happened_before_it() -> None:
    result = simulate(history(3000, 2000, 1000), limits=[monthly(5000)], companies=companies)
    assert [row.decision.outcome for row in result.orders] == [
        Outcome.ALLOWED,
        Outcome.ALLOWED,  # 3,000 + 2,000 is exactly the budget
        Outcome.APPROVAL_REQUIRED,  # the past still counts though the order was over
    ]
    assert result.counts == {Outcome.ALLOWED: 2, Outcome.APPROVAL_REQUIRED: 1, Outcome.DENIED: 0}
    assert result.amounts("EUR")[Outcome.APPROVAL_REQUIRED] == Decimal(1000)


def test_two_candidate_limits_can_be_compared() -> None:
    orders = history(3000, 2000, 1000, 4000)
    strict = simulate(orders, limits=[monthly(5000)], companies=companies)
    generous = simulate(orders, limits=[monthly(10_000)], companies=companies)
    assert strict.counts[Outcome.APPROVAL_REQUIRED] == 2
    assert generous.counts[Outcome.APPROVAL_REQUIRED] == 0


def test_a_group_budget_counts_the_subsidiaries_spend() -> None:
    later = history(1, 2000, company=ACME)[1:]  # the day after the subsidiary's order
    orders = history(4000, company=NORTH) + later
    result = simulate(orders, limits=[monthly(5000, subtree=True)], companies=companies)
    by_company = {row.order.company_id: row.decision.outcome for row in result.orders}
    assert by_company == {NORTH: Outcome.ALLOWED, ACME: Outcome.APPROVAL_REQUIRED}


def test_the_same_budget_without_subtree_ignores_the_subsidiary() -> None:
    later = history(1, 2000, company=ACME)[1:]
    result = simulate(
        history(4000, company=NORTH) + later, limits=[monthly(5000)], companies=companies
    )
    assert result.counts[Outcome.APPROVAL_REQUIRED] == 0


def test_cancelled_orders_are_not_decided_and_do_not_count() -> None:
    orders = history(4000, 2000)
    cancelled = OrderRecord(
        id=OrderId("x"),
        company_id=ACME,
        buyer_id=CustomerId("bob"),
        total=Money(9000, "EUR"),
        placed_at=START - timedelta(hours=1),
        status=OrderStatus.CANCELLED,
    )
    result = simulate([cancelled, *orders], limits=[monthly(6000)], companies=companies)
    assert [row.order.id for row in result.orders] == ["acme-0", "acme-1"]
    assert result.counts[Outcome.ALLOWED] == 2


def test_known_customers_keep_their_roles() -> None:
    requester = Customer(
        id=CustomerId("rita"), email="rita@acme.example", first_name="Rita", last_name="R"
    ).with_roles(ACME, [Role.REQUESTER])
    result = simulate(
        history(10, buyer="rita"),
        limits=[],
        companies=companies,
        customers={requester.id: requester},
    )
    assert result.counts[Outcome.APPROVAL_REQUIRED] == 1


def test_an_unknown_company_is_named() -> None:
    with pytest.raises(NotFound, match="ghost"):
        simulate(history(10, company=CompanyId("ghost")), limits=[], companies=companies)


def test_rows_are_flat_and_carry_the_reason() -> None:
    result = simulate(history(3000, 3000), limits=[monthly(5000)], companies=companies)
    row = result.rows()[1]
    assert row["outcome"] == "approval_required"
    assert row["budget_spent_before"] == Decimal(3000)
    assert "would exceed 5,000.00 EUR" in row["reason"]


def test_to_dataframe_without_pandas_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pandas(name: str) -> object:
        raise ImportError(name)

    monkeypatch.setattr(importlib, "import_module", no_pandas)
    with pytest.raises(MissingDependency, match="pip install pandas"):
        Simulation(orders=()).to_dataframe()


def test_to_dataframe_gives_one_row_per_order() -> None:
    result = simulate(history(1, 2, 3), limits=[monthly(5)], companies=companies)
    frame = result.to_dataframe()
    assert list(frame["outcome"]) == ["allowed", "allowed", "approval_required"]
