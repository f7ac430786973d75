"""A credit line through a month: reservations, an invoice on Net 30, a payment, aging.

Run: python examples/credit_and_aging.py
"""

from datetime import UTC, date, datetime, timedelta

from b2b_customers import InsufficientCredit, Money
from b2b_customers.credit import CreditAccount, OpenItem, Reservation, age, replay, settle
from b2b_customers.credit.payment_terms import NET_30

start = datetime(2026, 1, 15, 9, tzinfo=UTC)
account = CreditAccount(
    id="acc-acme", company_id="acme", currency="EUR", credit_limit=Money("10000", "EUR")
)
entries = []

account, entry = account.reserve("order-1", Money("7000", "EUR"), entry_id="e1", at=start)
entries.append(entry)
print(f"reserved 7,000.00: available {account.available.amount} EUR")
try:
    account.reserve("order-2", Money("3500", "EUR"), entry_id="e2", at=start)
except InsufficientCredit as error:
    print(f"refused: {error}")

invoice_day = start + timedelta(days=2)
# A store keeps each open reservation as a row of its own; here, the one we made.
held = Reservation(account_id=account.id, reference="order-1", amount=Money("7000", "EUR"))
account, entry = account.post_invoice(
    "inv-1", Money("7000", "EUR"), entry_id="e2", at=invoice_day, reservation=held
)
entries.append(entry)
schedule = NET_30.schedule(Money("7000", "EUR"), invoice_day.date())
print(f"invoice inv-1 due {schedule[0].due_date} (Net 30); balance {account.balance.amount} EUR")

items = [
    OpenItem.for_instalment("inv-1", invoice_day.date(), instalment) for instalment in schedule
]
paid = settle(items, Money("2500", "EUR"))
account, entry = account.receive_payment(
    "pay-1", Money("2500", "EUR"), entry_id="e3", at=start + timedelta(days=20)
)
entries.append(entry)

for as_of in (date(2026, 2, 16), date(2026, 3, 20)):
    report = age(paid.items, as_of, "EUR")
    buckets = {bucket.label: str(total.amount) for bucket, total in report.totals.items()}
    print(f"aging on {as_of}: {buckets}")

totals = replay(entries, "EUR")
same = totals.balance == account.balance and totals.reserved == account.reserved
print(f"ledger replays to balance {totals.balance.amount}, reserved {totals.reserved.amount}")
print(f"equal to the account's running totals: {same}")
