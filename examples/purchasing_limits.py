"""A buyer's order against a per-order limit, a monthly budget and a credit line.

Run: python examples/purchasing_limits.py
"""

from datetime import UTC, datetime, timedelta

from b2b_customers import Money
from b2b_customers.domain import Company, Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    CreditPosition,
    DecisionContext,
    LimitScope,
    OrderTotalLimit,
    PurchasingLimit,
    SpendTotals,
    decide,
)

now = datetime(2026, 5, 20, 14, tzinfo=UTC)
acme = Company(id="acme", name="ACME GmbH", currency="EUR", time_zone="Europe/Berlin")
bob = Customer(id="bob", email="bob@acme.example", first_name="Bob", last_name="Buyer")
bob = bob.with_roles(acme.id, [Role.BUYER])
rita = Customer(id="rita", email="rita@acme.example", first_name="Rita", last_name="Requester")
rita = rita.with_roles(acme.id, [Role.REQUESTER])

limits = [
    PurchasingLimit(
        id="per-order",
        name="Per-order limit",
        scope=LimitScope(kind="company", company_id=acme.id),
        rule=OrderTotalLimit(maximum=Money("5000", "EUR")),
        on_exceed="approval",
    ),
    PurchasingLimit(
        id="monthly",
        name="Monthly budget",
        scope=LimitScope(kind="company", company_id=acme.id),
        rule=BudgetLimit(maximum=Money("12000", "EUR"), period=CalendarPeriod(unit="month")),
        on_exceed="deny",
    ),
]
spend = SpendTotals({acme.id: acme.time_zone})
spend.record(
    OrderRecord(
        id="earlier",
        company_id=acme.id,
        buyer_id=bob.id,
        total=Money("8000", "EUR"),
        placed_at=now - timedelta(days=4),
    )
)
credit = CreditPosition(
    credit_limit=Money("20000", "EUR"), balance=Money("9000", "EUR"), reserved=Money("0", "EUR")
)


def order(buyer: Customer, amount: str) -> OrderDraft:
    line = OrderLine(sku="DRILL-9", quantity=1, unit_price=Money(amount, "EUR"))
    return OrderDraft(company_id=acme.id, buyer_id=buyer.id, lines=[line])


for buyer, amount in ((bob, "1500"), (bob, "4000.01"), (bob, "4000"), (rita, "200")):
    context = DecisionContext(company=acme, buyer=buyer, limits=limits, spend=spend, credit=credit)
    decision = decide(order(buyer, amount), context, now)
    print(f"{buyer.first_name} orders {amount} EUR -> {decision.outcome.value}")
    print("   " + decision.explain().replace("\n", "\n   "))
