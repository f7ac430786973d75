"""What is still owed on each instalment, read from a credit account's ledger.

:func:`open_items` replays a ledger into the :class:`~b2b_customers.credit.aging.OpenItem`
values that aging, reminders and the overdue rule look at:

- an invoice opens one item per instalment of the schedule it was posted
  with (an invoice posted without one is a single item due on the day it
  was posted);
- a positive adjustment opens one item, due the day it was booked (its
  reference, else its entry id, names it);
- payments, credit notes and negative adjustments settle the open items
  oldest first (:func:`~b2b_customers.credit.aging.settle`); what is left
  over is kept as **unapplied** credit, which settles the next items opened.

So ``sum(open amounts) - unapplied`` is always the ledger's balance.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from attrs import frozen
from moneyed import Money

from b2b_customers.credit.aging import OpenItem, settle
from b2b_customers.credit.ledger import EntryKind, LedgerEntry

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["OpenItems", "open_items"]


@frozen(kw_only=True)
class OpenItems:
    """The open items of a ledger, and the credit not yet applied to any.

    Attributes:
        items: What is still owed, per instalment, oldest first.
        unapplied: Payments and credits beyond everything owed (zero or more).
    """

    items: tuple[OpenItem, ...]
    unapplied: Money

    @property
    def invoice_ids(self) -> frozenset[str]:
        """The invoices (and adjustments) with something still open."""
        return frozenset(item.invoice_id for item in self.items)


def _opened(entry: LedgerEntry) -> list[OpenItem]:
    """Return the items an invoice or a positive adjustment opens."""
    name = entry.reference or entry.id
    booked = entry.occurred_at.date()
    if entry.kind is EntryKind.INVOICE and entry.instalments:
        invoice_date = entry.invoice_date or booked
        return [
            OpenItem.for_instalment(name, invoice_date, part)
            for part in entry.instalments
            if part.amount.amount > 0
        ]
    return [
        OpenItem(
            invoice_id=name,
            instalment=1,
            invoice_date=entry.invoice_date or booked,
            due_date=entry.invoice_date or booked,
            open_amount=entry.amount,
        )
    ]


def open_items(entries: Iterable[LedgerEntry], currency: str) -> OpenItems:
    """Replay ``entries`` (in sequence order) into open items, oldest first.

    Args:
        entries: One account's ledger entries, in sequence order.
        currency: The account's currency.

    Raises:
        CurrencyMismatch: An entry is in another currency.
        ValidationError: Two invoices share a reference.
    """
    items: list[OpenItem] = []
    unapplied = Decimal(0)
    for entry in entries:
        change = entry.balance_change
        if change > 0:
            items.extend(_opened(entry))
        credit = -change if change < 0 else unapplied
        if change < 0 or (change > 0 and unapplied > 0):
            if change > 0:
                unapplied = Decimal(0)
            settled = settle(items, Money(credit, currency))
            items = list(settled.items)
            unapplied += settled.unapplied.amount
    return OpenItems(
        items=tuple(sorted(items, key=lambda item: item.sort_key)),
        unapplied=Money(unapplied, currency),
    )
