"""Decision time: the engine against a hand-inlined function doing the same arithmetic.

The scenario: a buyer of a subsidiary orders; four limits apply (a per-order
limit, a monthly group budget on the parent, a weekly cap on the buyer, a PO
number rule), the company buys on credit, and 2,000 earlier orders fill the
spend buckets. The baseline computes the same windows (in the company's time
zone), sums the same daily buckets and makes the same comparisons with plain
Decimals and dicts, without building a single object.

Target (issue 4): ours / baseline <= 3.

Run: python benchmarks/bench_decision.py
"""

from __future__ import annotations

import sys
import zoneinfo
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from moneyed import Money

sys.path.insert(0, str(Path(__file__).parent))

from timing import Result, best_time, report

from b2b_customers.domain import Company, Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    CreditPosition,
    DecisionContext,
    LimitScope,
    OrderTotalLimit,
    PoNumberRequired,
    PurchasingLimit,
    SpendTotals,
    decide,
)

NOW = datetime(2026, 6, 17, 10, tzinfo=UTC)
ZONE = "Europe/Berlin"


def scenario() -> tuple[OrderDraft, DecisionContext]:
    Company(id="hq", name="HQ", currency="EUR", time_zone=ZONE)
    branch = Company(id="branch", name="Branch", currency="EUR", time_zone=ZONE, parent_id="hq")
    buyer = Customer(id="bob", email="bob@x.example", first_name="Bob", last_name="B")
    buyer = buyer.with_roles("branch", [Role.BUYER])
    month = CalendarPeriod(unit="month")
    week = CalendarPeriod(unit="week")
    limits = [
        PurchasingLimit(
            id="per-order",
            scope=LimitScope(kind="company", company_id="branch"),
            rule=OrderTotalLimit(maximum=Money("5000", "EUR")),
        ),
        PurchasingLimit(
            id="group-month",
            scope=LimitScope(kind="company", company_id="hq", include_subtree=True),
            rule=BudgetLimit(maximum=Money("500000", "EUR"), period=month),
        ),
        PurchasingLimit(
            id="bob-week",
            scope=LimitScope(kind="customer", company_id="branch", target="bob"),
            rule=BudgetLimit(maximum=Money("20000", "EUR"), period=week),
        ),
        PurchasingLimit(
            id="po",
            scope=LimitScope(kind="company", company_id="branch"),
            rule=PoNumberRequired(above=Money("1000", "EUR")),
        ),
    ]
    spend = SpendTotals({"hq": ZONE, "branch": ZONE})
    for number in range(2000):
        spend.record(
            OrderRecord(
                id=f"o{number}",
                company_id="branch",
                buyer_id="bob",
                total=Money("17.50", "EUR"),
                placed_at=NOW - timedelta(hours=number // 5),
            ),
            ancestors=["hq"],
        )
    credit = CreditPosition(
        credit_limit=Money("100000", "EUR"),
        balance=Money("40000", "EUR"),
        reserved=Money("2500", "EUR"),
    )
    order = OrderDraft(
        company_id="branch",
        buyer_id="bob",
        po_number="PO-1",
        lines=[OrderLine(sku="DRILL-9", quantity=2, unit_price=Money("1200", "EUR"))],
    )
    context = DecisionContext(
        company=branch, buyer=buyer, limits=limits, spend=spend, ancestors=("hq",), credit=credit
    )
    return order, context


def baseline_inputs(context: DecisionContext) -> dict[str, object]:
    """The same state as plain dicts: (kind, company, other) -> day -> amount."""
    buckets: dict[tuple[str, str, str | None], dict[date, Decimal]] = {}
    spend = context.spend
    assert isinstance(spend, SpendTotals)
    for key, days in spend._buckets.items():
        buckets[(key.kind, key.company_id, key.other_id)] = {
            day: sum(amounts.values(), Decimal(0)) for day, amounts in days.items()
        }
    return {"buckets": buckets, "zone": zoneinfo.ZoneInfo(ZONE)}


def inline_decision(
    lines: list[tuple[int, Decimal]],
    po_number: str | None,
    roles: set[str],
    status: str,
    inputs: dict[str, object],
) -> tuple[str, list[str]]:
    """Everything decide() checks, hand-inlined."""
    buckets = inputs["buckets"]
    zone = inputs["zone"]
    assert isinstance(buckets, dict)
    assert isinstance(zone, zoneinfo.ZoneInfo)
    reasons = []
    if status != "active" or not roles & {"admin", "buyer", "requester"}:
        return "denied", ["buyer"]
    severity = 1 if "requester" in roles else 0
    total = sum((Decimal(q) * p for q, p in lines), Decimal(0))
    if total > Decimal(5000):
        severity = max(severity, 1)
        reasons.append("per-order")
    today = NOW.astimezone(zone).date()
    month_start = today.replace(day=1)
    next_month = (month_start + timedelta(days=32)).replace(day=1)
    group = buckets.get(("subtree", "hq", None), {})
    spent = Decimal(0)
    day = month_start
    while day < next_month:
        spent += group.get(day, Decimal(0))
        day += timedelta(days=1)
    if spent + total > Decimal(500000):
        severity = max(severity, 1)
        reasons.append("group-month")
    week_start = today - timedelta(days=today.weekday())
    mine = buckets.get(("buyer", "branch", "bob"), {})
    spent = sum(
        (mine.get(week_start + timedelta(days=n), Decimal(0)) for n in range(7)), Decimal(0)
    )
    if spent + total > Decimal(20000):
        severity = max(severity, 1)
        reasons.append("bob-week")
    if total > Decimal(1000) and not po_number:
        severity = max(severity, 1)
        reasons.append("po")
    available = Decimal(100000) - Decimal(40000) - Decimal(2500)
    if total > available:
        return "denied", [*reasons, "credit"]
    return ("approval_required" if severity else "allowed"), reasons


def main() -> None:
    order, context = scenario()
    inputs = baseline_inputs(context)
    lines = [(line.quantity, line.unit_price.amount) for line in order.lines]
    ours_outcome = decide(order, context, NOW).outcome.value
    theirs = inline_decision(lines, order.po_number, {"buyer"}, "active", inputs)
    assert ours_outcome == theirs[0], (ours_outcome, theirs)

    ours = best_time(lambda: decide(order, context, NOW), repeat=7, number=300)
    base = best_time(
        lambda: inline_decision(lines, order.po_number, {"buyer"}, "active", inputs),
        repeat=7,
        number=300,
    )
    print(f"decision outcome: {ours_outcome} (both agree)\n")
    report([Result("decision, 4 limits + credit vs hand-inlined", ours, base, "<= 3x")])


if __name__ == "__main__":
    main()
