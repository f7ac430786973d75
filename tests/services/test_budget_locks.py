"""An order holds the budgets that cover it, and only those.

Bob and Eve buy for ACME GmbH, each under a monthly budget of their own. A
unit of work holds one budget as an order being decided under it would
(`LimitRepository.lock`), and an order is placed meanwhile from another
thread:

* under a budget that covers both (ACME's), the order waits for the holder,
  on every store: its decision must read the spend after the holder's;
* under Eve's budget only, Bob's order does not wait on PostgreSQL, which
  locks budgets one by one (SQLite and the memory store have one writer at a
  time, so there every order waits for any writer). Before, every order held
  every budget set on its company, and buyers queued behind each other.

Which budgets an order holds, against what its decision reads, is the
property in tests/unit/test_budget_coverage.py.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest

from b2b_customers.domain import Role
from b2b_customers.ids import CompanyId, LimitId
from b2b_customers.limits import BudgetLimit, CalendarPeriod, LimitScope, PurchasingLimit

from .conftest import STAFF, eur, invite

if TYPE_CHECKING:
    from b2b_customers.domain import Customer

    from .conftest import Shop

ACME = CompanyId("acme")


def _budget(limit_id: str, scope: LimitScope) -> PurchasingLimit:
    return PurchasingLimit(
        id=LimitId(limit_id),
        scope=scope,
        rule=BudgetLimit(maximum=eur(5000), period=CalendarPeriod(unit="month")),
    )


def _with_budgets(shop: Shop) -> Customer:
    """Give Bob and a second buyer, Eve, budgets of their own and ACME one for all; return Eve."""
    eve = invite(shop.app, "Eve Buyer", Role.BUYER)
    with shop.app.store.unit_of_work() as uow:
        for name, buyer in (("bob", shop.bob), ("eve", eve)):
            uow.limits.add(
                _budget(
                    f"{name}-monthly",
                    LimitScope(kind="customer", company_id=ACME, target=str(buyer.id)),
                )
            )
        uow.limits.add(_budget("acme-monthly", LimitScope(kind="company", company_id=ACME)))
        uow.commit()
    return eve


def _place_while_held(shop: Shop, held: str, buyer: Customer) -> tuple[bool, bool]:
    """Place ``buyer``'s order while another unit of work holds budget ``held``.

    Returns whether the order (100 EUR) was placed while the budget was held (within
    2 s), and whether it was placed once the holder ended.
    """
    done = threading.Event()
    failures: list[BaseException] = []

    def place() -> None:
        try:
            shop.app.orders.place(actor=buyer, order=shop.order(buyer, 100))
            done.set()
        except BaseException as error:  # noqa: BLE001  (reported below)
            failures.append(error)

    placing = threading.Thread(target=place, daemon=True)
    with shop.app.store.unit_of_work() as holder:
        holder.limits.lock([LimitId(held)])
        placing.start()
        while_held = done.wait(2)
        holder.commit()
    placing.join(10)
    assert failures == []
    return while_held, done.is_set()


def test_an_order_waits_for_a_holder_of_a_budget_that_covers_it(shop: Shop) -> None:
    _with_budgets(shop)
    while_held, after = _place_while_held(shop, "acme-monthly", shop.bob)
    assert (while_held, after) == (False, True)


@pytest.mark.postgresql
@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_an_order_does_not_wait_for_a_holder_of_another_buyers_budget(shop: Shop) -> None:
    eve = _with_budgets(shop)
    while_held, after = _place_while_held(shop, "eve-monthly", shop.bob)
    assert (while_held, after) == (True, True)
    # and the other way round, Eve's order under Bob's budget
    while_held, after = _place_while_held(shop, "bob-monthly", eve)
    assert (while_held, after) == (True, True)
    placed = shop.app.orders.history(actor=STAFF, company=ACME).items
    assert sorted(order.buyer_id for order in placed) == sorted([shop.bob.id, eve.id])
