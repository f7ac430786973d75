"""What is still owed on each instalment, read from a credit account's ledger.

[`open_items`][b2b_customers.credit.open_items.open_items] replays a ledger into the
[`OpenItem`][b2b_customers.credit.OpenItem]
values that aging, reminders, statements and the overdue rule look at:

- an invoice opens one item per instalment of the schedule it was posted
  with (an invoice posted without one is a single item due on the day it
  was posted);
- a positive adjustment opens one item, due the day it was booked (its
  reference, else its entry id, names it);
- a payment, credit note or discount with allocations settles exactly the
  instalments it names; what a payment's allocations leave stays **on
  account** (an advance, by payment reference) when the payment says so,
  and settles the open items oldest first otherwise;
- an allocation entry moves (part of) an advance onto the instalments it names;
- payments, credit notes and negative adjustments without allocations
  settle the open items oldest first
  ([`settle`][b2b_customers.credit.settle]); what is left over is kept as
  **unapplied** credit, which settles the next items opened.

So ``sum(open amounts) - unapplied - advances`` is always the ledger's balance.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING

from attrs import field, frozen
from moneyed import Money

from b2b_customers.arguments import checked_arguments
from b2b_customers.credit.aging import AgingReport, OpenItem, age, settle
from b2b_customers.credit.ledger import EntryKind, LedgerEntry
from b2b_customers.domain.money import total, zero
from b2b_customers.ids import CompanyId, CreditAccountId

if TYPE_CHECKING:
    from collections.abc import Iterable


__all__ = ["OpenInvoice", "OpenItemStatement", "OpenItems", "open_item_statement", "open_items"]


def _frozen_mapping(value: Mapping[str, Money]) -> Mapping[str, Money]:
    return MappingProxyType(dict(value))


@frozen(kw_only=True)
class OpenItems:
    """The open items of a ledger, and the credit not yet applied to any.

    Attributes:
        items: What is still owed, per instalment, oldest first.
        unapplied: Payments and credits beyond everything owed (zero or
            more); they settle the next invoices automatically.
        advances: What payments made on account still hold, by payment
            reference; applied only when allocated.
    """

    items: tuple[OpenItem, ...]
    unapplied: Money
    advances: Mapping[str, Money] = field(factory=dict, converter=_frozen_mapping)

    @property
    def invoice_ids(self) -> frozenset[str]:
        """The invoices (and adjustments) with something still open."""
        return frozenset(item.invoice_id for item in self.items)

    @property
    def open_total(self) -> Money:
        """Everything still owed."""
        return total(
            (item.open_amount for item in self.items),
            self.unapplied.currency.code,
            context="open items",
        )

    @property
    def credit(self) -> Money:
        """Unapplied credit and advances together: what the customer has paid ahead."""
        return total(
            [self.unapplied, *self.advances.values()],
            self.unapplied.currency.code,
            context="open items",
        )


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


class _Replay:
    """The state of a ledger being replayed."""

    def __init__(self, currency: str) -> None:
        self.currency = currency
        self.items: list[OpenItem] = []
        self.unapplied = Decimal(0)
        self.advances: dict[str, Decimal] = {}

    def settle_oldest_first(self, credit: Decimal) -> None:
        if credit <= 0:
            return
        settled = settle(self.items, Money(credit, self.currency))
        self.items = list(settled.items)
        self.unapplied += settled.unapplied.amount

    def apply_allocations(self, entry: LedgerEntry) -> Decimal:
        """Apply ``entry``'s allocations to the items they name; return what they did not take."""
        left = Decimal(0)
        for allocation in entry.allocations:
            wanted = allocation.amount.amount if allocation.amount is not None else Decimal(0)
            for index, item in enumerate(self.items):
                if item.matches(allocation) and wanted > 0:
                    taken = min(wanted, item.open_amount.amount)
                    self.items[index] = item.with_open_amount(
                        Money(item.open_amount.amount - taken, self.currency)
                    )
                    wanted -= taken
            left += wanted
        self.items = [item for item in self.items if item.open_amount.amount > 0]
        return left

    def replay(self, entry: LedgerEntry) -> None:
        change = entry.balance_change
        if entry.kind is EntryKind.ALLOCATION:
            reference = entry.reference or entry.id
            self.advances[reference] = self.advances.get(reference, Decimal(0)) - (
                entry.amount.amount - self.apply_allocations(entry)
            )
            if self.advances[reference] <= 0:
                self.unapplied += self.advances.pop(reference)
        elif change > 0:
            self.items.extend(_opened(entry))
            credit, self.unapplied = self.unapplied, Decimal(0)
            self.settle_oldest_first(credit)
        elif change < 0:
            allocated = sum(
                (part.amount.amount for part in entry.allocations if part.amount is not None),
                Decimal(0),
            )
            rest = -change - allocated + self.apply_allocations(entry)
            if entry.on_account:
                reference = entry.reference or entry.id
                self.advances[reference] = self.advances.get(reference, Decimal(0)) + rest
            else:
                self.settle_oldest_first(rest)


@checked_arguments
def open_items(entries: Iterable[LedgerEntry], currency: str) -> OpenItems:
    """Replay ``entries`` (in sequence order) into open items, oldest first.

    Args:
        entries: One account's ledger entries, in sequence order.
        currency: The account's currency.

    Raises:
        CurrencyMismatch: An entry is in another currency.
        ValidationError: Two invoices share a reference.
    """
    currency = zero(currency).currency.code  # a known ISO code, or ValidationError
    state = _Replay(currency)
    for entry in entries:
        state.replay(entry)
    return OpenItems(
        items=tuple(sorted(state.items, key=lambda item: item.sort_key)),
        unapplied=Money(state.unapplied, currency),
        advances={
            reference: Money(amount, currency)
            for reference, amount in state.advances.items()
            if amount > 0
        },
    )


@frozen(kw_only=True)
class OpenInvoice:
    """One invoice with something still open, and its open instalments.

    Attributes:
        invoice_id: The invoice number.
        invoice_date: The invoice date.
        instalments: Its open instalments, oldest first.
    """

    invoice_id: str
    invoice_date: date
    instalments: tuple[OpenItem, ...]

    @property
    def open_amount(self) -> Money:
        """What is still owed on the invoice."""
        return total(
            (item.open_amount for item in self.instalments),
            self.instalments[0].open_amount.currency.code,
            context="an open invoice",
        )


@frozen(kw_only=True)
class OpenItemStatement:
    """A company's open-item statement: its open invoices, their instalments, its credit.

    Attributes:
        company_id: The company the statement is for (the account's owner).
        account_id: Its credit account.
        as_of: The day of the statement.
        invoices: The invoices with something open, oldest first.
        unapplied: Credit that settles the next invoices.
        advances: Payments held on account, by payment reference.
        aging: The open instalments in aging buckets as of ``as_of``.
    """

    company_id: CompanyId
    account_id: CreditAccountId
    as_of: date
    invoices: tuple[OpenInvoice, ...]
    unapplied: Money
    advances: Mapping[str, Money] = field(converter=_frozen_mapping)
    aging: AgingReport

    @property
    def open_total(self) -> Money:
        """Everything still owed."""
        return self.aging.total_open

    @property
    def balance(self) -> Money:
        """What is owed less what was paid ahead: the ledger's balance as of ``as_of``."""
        paid_ahead = total(
            [self.unapplied, *self.advances.values()],
            self.unapplied.currency.code,
            context="an open-item statement",
        )
        return self.open_total - paid_ahead


@checked_arguments
def open_item_statement(
    *,
    company_id: CompanyId,
    account_id: CreditAccountId,
    entries: Iterable[LedgerEntry],
    currency: str,
    as_of: date,
) -> OpenItemStatement:
    """Build a company's open-item statement from its ledger entries up to ``as_of``.

    Args:
        company_id: The account's owner.
        account_id: The account.
        entries: The entries booked up to the end of ``as_of``, in sequence order.
        currency: The account's currency.
        as_of: The day of the statement.
    """
    currency = zero(currency).currency.code  # a known ISO code, or ValidationError
    state = open_items(entries, currency)
    grouped: dict[str, list[OpenItem]] = {}
    for item in state.items:
        grouped.setdefault(item.invoice_id, []).append(item)
    invoices = sorted(
        (
            OpenInvoice(
                invoice_id=invoice_id,
                invoice_date=items[0].invoice_date,
                instalments=tuple(items),
            )
            for invoice_id, items in grouped.items()
        ),
        key=lambda invoice: invoice.instalments[0].sort_key,
    )
    return OpenItemStatement(
        company_id=company_id,
        account_id=account_id,
        as_of=as_of,
        invoices=tuple(invoices),
        unapplied=state.unapplied,
        advances=state.advances,
        aging=age(state.items, as_of, currency),
    )
