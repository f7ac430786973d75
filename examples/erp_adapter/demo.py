"""The library's services over the JSON export store, then the export read back.

Run from the repository root: python examples/erp_adapter/demo.py [DIRECTORY]
(DIRECTORY defaults to ./erp-export; it is created, and reused on a second run).
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from b2b_customers import Money
from b2b_customers.app import App
from b2b_customers.clock import ManualClock
from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord
from b2b_customers.ids import LimitId, OrderId, SequentialIds
from b2b_customers.limits import BudgetLimit, CalendarPeriod, LimitScope, PurchasingLimit
from b2b_customers.services import Staff, StaffRole
from json_erp import JsonErpStore
from json_erp.kinds import ALL_KINDS

directory = Path(sys.argv[1] if len(sys.argv) > 1 else "erp-export")
clock = ManualClock(datetime(2026, 5, 20, 9, tzinfo=UTC))
store = JsonErpStore(directory, clock=clock)
app = App(store, ids=SequentialIds("erp-"))
admin = Staff(id="s-1", name="Ada Admin", roles={StaffRole.ADMINISTRATOR})

with store.unit_of_work() as uow:
    first_run = uow.companies.search().total == 0

if first_run:
    # Services write through the adapter exactly as they write to SQL.
    acme = app.companies.onboard(
        actor=admin, name="ACME GmbH", currency="EUR", time_zone="Europe/Berlin"
    )
    north = app.companies.add_subsidiary(actor=admin, parent=acme.id, name="ACME Nord")
    bob = app.customers.invite(
        actor=admin,
        company=north.id,
        email="bob@acme.example",
        first_name="Bob",
        last_name="Buyer",
        roles=[Role.BUYER],
        active=True,
    )
    # What no service covers yet goes through a unit of work directly.
    with store.unit_of_work() as uow:
        uow.limits.add(
            PurchasingLimit(
                id=LimitId("nord-monthly"),
                name="Monthly budget",
                scope=LimitScope(kind="company", company_id=north.id),
                rule=BudgetLimit(
                    maximum=Money("10000", "EUR"), period=CalendarPeriod(unit="month")
                ),
                on_exceed="approval",
            )
        )
        uow.orders.add(
            OrderRecord(
                id=OrderId("erp-4711"),
                company_id=north.id,
                buyer_id=bob.id,
                total=Money("7400", "EUR"),
                placed_at=datetime(2026, 5, 4, 10, tzinfo=UTC),
            )
        )
        uow.commit()
    print(f"Wrote {acme.name}, {north.name}, {bob.email}, a budget and an order to {directory}/")

# A fresh store reads everything back from the files.
reopened = JsonErpStore(directory, clock=clock)
with reopened.unit_of_work() as uow:
    bob = uow.customers.get_by_email("bob@acme.example")
    north_id = bob.memberships[0].company_id
for kind in ALL_KINDS:
    rows = reopened.committed(kind)
    if rows:
        print(f"  {kind.name}.json: {len(rows)} row(s)")

draft = OrderDraft(
    company_id=north_id,
    buyer_id=bob.id,
    lines=[OrderLine(sku="DRILL-9", quantity=1, unit_price=Money("4200", "EUR"))],
)
decision = App(reopened).orders.check(actor=bob, order=draft)
print(decision.explain())
