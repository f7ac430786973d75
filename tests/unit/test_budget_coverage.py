"""Which budgets an order holds: every budget whose spend deciding it reads, and no other.

`budgets_covering` is what the order service locks before it decides
(`LimitRepository.lock`). Locking too few lets two orders overshoot a budget
together; locking too many makes buyers with budgets of their own queue
behind each other. The property draws limits of every scope over a small
world (the ordering company, its parent, another company; two locations,
two buyers, two groups) so that scopes often do and often do not cover the
order, and checks the lock set against what `decide` actually reads.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.domain import Company, Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.domain.values import datetime_defect
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerId, LimitId
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    CalendarUnit,
    DecisionContext,
    LimitScope,
    OnExceed,
    OrderTotalLimit,
    Outcome,
    PurchasingLimit,
    ScopeKind,
    applicable_limits,
    budgets_covering,
    decide,
)
from b2b_customers.testing import strategies as st_b2b

if TYPE_CHECKING:
    from decimal import Decimal

    from b2b_customers.limits import SpendKey, Window

NOW = datetime(2026, 2, 10, 10, tzinfo=UTC)
ACME, PARENT, OTHER = CompanyId("acme"), CompanyId("parent"), CompanyId("other")
TARGETS = {
    ScopeKind.LOCATION: ["kiel", "bonn"],
    ScopeKind.CUSTOMER: ["bob", "eve"],
    ScopeKind.ROLE: [role.value for role in Role],
    ScopeKind.GROUP: ["g1", "g2"],
}


class SpendSpy:
    """A spend lookup that answers nothing was spent and remembers what it was asked."""

    def __init__(self) -> None:
        self.reads: list[SpendKey] = []

    def spent(
        self, key: SpendKey, window: Window, *, include_pending: bool = True
    ) -> dict[str, Decimal]:
        del window, include_pending
        self.reads.append(key)
        return {}


@st.composite
def scopes(draw: st.DrawFn) -> LimitScope:
    kind = draw(st.sampled_from(ScopeKind))
    company = draw(st.sampled_from([ACME, PARENT, OTHER]))
    if kind is ScopeKind.COMPANY:
        return LimitScope(kind=kind, company_id=company, include_subtree=draw(st.booleans()))
    return LimitScope(kind=kind, company_id=company, target=draw(st.sampled_from(TARGETS[kind])))


@st.composite
def limits(draw: st.DrawFn) -> list[PurchasingLimit]:
    rules = st.sampled_from(
        [
            BudgetLimit(maximum=Money(1000, "EUR"), period=CalendarPeriod(unit=CalendarUnit.MONTH)),
            OrderTotalLimit(maximum=Money(1000, "EUR")),
        ]
    )
    drawn = draw(
        st.lists(
            st.tuples(
                scopes(),
                rules,
                st.booleans(),
                st.sampled_from(OnExceed),
                st.none() | st.frozensets(st.sampled_from(Role), max_size=2),
            ),
            max_size=8,
        )
    )
    return [
        PurchasingLimit(
            id=LimitId(f"l{number}"),
            scope=scope,
            rule=rule,
            active=active,
            on_exceed=on_exceed,
            exempt_roles=exempt,
        )
        for number, (scope, rule, active, on_exceed, exempt) in enumerate(drawn)
    ]


@given(
    limits=limits(),
    roles=st_b2b.role_sets(),
    location=st.sampled_from([None, "kiel", "bonn"]),
    groups=st.frozensets(st.sampled_from(["g1", "g2"])),
)
def test_an_order_holds_every_budget_its_decision_reads_and_no_other(
    limits: list[PurchasingLimit],
    roles: frozenset[Role],
    location: str | None,
    groups: frozenset[str],
) -> None:
    company = Company(id=ACME, name="ACME", currency="EUR", parent_id=PARENT)
    bob = Customer(
        id=CustomerId("bob"), email="bob@acme.example", first_name="Bob", last_name="B"
    ).with_roles(ACME, roles)
    order = OrderDraft(
        company_id=ACME,
        buyer_id=bob.id,
        location_id=location,
        lines=[OrderLine(sku="SKU-1", quantity=1, unit_price=Money(10, "EUR"))],
    )
    spy = SpendSpy()
    context = DecisionContext(
        company=company,
        buyer=bob,
        limits=limits,
        spend=spy,
        ancestors=(PARENT,),
        group_ids=groups,
    )
    held = budgets_covering(order, context)
    decision = decide(order, context, NOW)

    budgets = {limit.id for limit in limits if isinstance(limit.rule, BudgetLimit)}
    judged = {result.limit_id for result in decision.results if result.limit_id in budgets}
    assert len(spy.reads) <= len(held)  # no spend is read that no held budget covers
    assert judged <= set(held)  # every budget the decision judged is held ...
    if any(r.rule == "buyer" and r.outcome is Outcome.DENIED for r in decision.results):
        assert judged == set()  # (a refused buyer is judged by no limit)
    else:
        assert set(held) == judged  # ... and every held budget was judged: none held in vain
    assert held == sorted(held, key=[limit.id for limit in limits].index)  # in the limits' order


def _world() -> tuple[OrderDraft, DecisionContext]:
    company = Company(id=ACME, name="ACME", currency="EUR", parent_id=PARENT)
    bob = Customer(
        id=CustomerId("bob"), email="bob@acme.example", first_name="Bob", last_name="B"
    ).with_roles(ACME, [Role.BUYER])
    order = OrderDraft(
        company_id=ACME,
        buyer_id=bob.id,
        lines=[OrderLine(sku="SKU-1", quantity=1, unit_price=Money(10, "EUR"))],
    )
    return order, DecisionContext(company=company, buyer=bob, spend=SpendSpy())


@given(value=st_b2b.hostile_values(), position=st.sampled_from(["order", "context", "now"]))
def test_the_engine_refuses_what_it_cannot_decide_on_with_a_validation_error(
    value: object, position: str
) -> None:
    """``decide``, ``applicable_limits`` and ``budgets_covering`` raise only the library's error."""
    order, context = _world()
    arguments: dict[str, Any] = {"order": order, "context": context, "now": NOW, position: value}
    if isinstance(value, datetime) and datetime_defect(value) is None:  # an instant after all
        assert decide(order, context, value).allowed
        return
    with pytest.raises(ValidationError) as raised:
        decide(arguments["order"], arguments["context"], arguments["now"])
    assert raised.value.field == position
    if position != "now":
        for covering in (applicable_limits, budgets_covering):
            with pytest.raises(ValidationError):
                covering(arguments["order"], arguments["context"])


def test_an_order_of_another_company_is_refused_as_decide_refuses_it() -> None:
    order, context = _world()
    elsewhere = OrderDraft(company_id=OTHER, buyer_id=order.buyer_id, lines=order.lines)
    for call in (
        lambda: decide(elsewhere, context, NOW),
        lambda: applicable_limits(elsewhere, context),
        lambda: budgets_covering(elsewhere, context),
    ):
        with pytest.raises(ValidationError, match="build the context for the ordering company"):
            call()
