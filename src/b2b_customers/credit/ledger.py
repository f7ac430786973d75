"""The credit ledger: an append-only list of what happened to a credit account.

Every change to a [`CreditAccount`][b2b_customers.credit.CreditAccount] appends
one [`LedgerEntry`][b2b_customers.credit.LedgerEntry]; nothing is ever edited or removed. The
account keeps running totals (balance, reserved) so that available credit is one
subtraction, and [`replay`][b2b_customers.credit.replay] recomputes them from the entries, so an
auditor can check one against the other.

How each kind moves the figures (amounts are always positive, except
adjustments):

| kind        | balance              | reserved                           |
|-------------|----------------------|------------------------------------|
| invoice     | plus the amount      | minus its order's reservation, if any |
| payment     | minus the amount     |                                    |
| credit_note | minus the amount     |                                    |
| discount    | minus the amount     |                                    |
| adjustment  | plus the (signed) amount |                                |
| reservation |                      | plus the amount                    |
| release     |                      | minus the amount                   |
| allocation  |                      |                                    |

A payment records the day it was made (``paid_on``) and where it went
(``allocations``: one [`Allocation`][b2b_customers.credit.Allocation] per
instalment, with the amount applied). A payment made with ``on_account``
keeps what it did not allocate as an advance on account, until an
``allocation`` entry applies (part of) it to invoices. An early-payment
discount earned by a payment is a ``discount`` entry of its own, naming the
instalments it settles, so the balance is always the replay of the ledger.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.arguments import checked_arguments
from b2b_customers.credit.aging import Allocation
from b2b_customers.credit.due_dates import calendar_date
from b2b_customers.credit.payment_terms import Instalment
from b2b_customers.domain.money import zero
from b2b_customers.domain.values import (
    DomainEnum,
    aware_datetime,
    flag,
    identifier,
    items_of,
    money_amount,
    optional,
    strip_optional,
    text,
)
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CreditAccountId

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = [
    "EntryKind",
    "LedgerEntry",
    "LedgerTotals",
    "Statement",
    "ensure_continues",
    "replay",
    "statement",
]


class EntryKind(DomainEnum):
    """What a ledger entry records."""

    INVOICE = "invoice"
    PAYMENT = "payment"
    CREDIT_NOTE = "credit_note"
    ADJUSTMENT = "adjustment"
    RESERVATION = "reservation"
    RELEASE = "release"
    DISCOUNT = "discount"
    """An early-payment discount earned by a payment."""
    ALLOCATION = "allocation"
    """Part of a payment held on account, applied to invoices later."""


_BALANCE_SIGN = {
    EntryKind.INVOICE: 1,
    EntryKind.PAYMENT: -1,
    EntryKind.CREDIT_NOTE: -1,
    EntryKind.ADJUSTMENT: 1,
    EntryKind.DISCOUNT: -1,
}
_ALLOCATING = frozenset(
    {
        EntryKind.PAYMENT,
        EntryKind.CREDIT_NOTE,
        EntryKind.DISCOUNT,
        EntryKind.ALLOCATION,
    }
)
_FULLY_ALLOCATED = frozenset({EntryKind.DISCOUNT, EntryKind.ALLOCATION})


def _allocations(value: Iterable[Allocation]) -> tuple[Allocation, ...]:
    items = items_of(value)
    if items is None or not all(isinstance(item, Allocation) for item in items):
        raise ValidationError(
            f"must be a collection of Allocation, got {value!r}", field="allocations"
        )
    return tuple(items)


def _instalments(value: Iterable[Instalment]) -> tuple[Instalment, ...]:
    items = items_of(value)
    if items is None:
        raise ValidationError(
            f"must be a collection of Instalment, got {value!r}", field="instalments"
        )
    return tuple(items)


@frozen(kw_only=True)
class LedgerEntry:
    """One thing that happened to a credit account.

    Attributes:
        id: The entry's id.
        account_id: The credit account.
        sequence: Its position in the account's ledger, from 1, without gaps.
        kind: Invoice, payment, credit note, adjustment, reservation or release.
        amount: How much; positive, except an adjustment, which may be negative.
        occurred_at: When it happened.
        reference: The invoice, payment, order or note it is about.
        released_reservation: For an invoice that turns an order's reservation
            into debt: how much reservation it released.
        released_from: The reference of the reservation it released from.
        reason: Why (required for adjustments and overrides).
        actor: Who did it, when a person did.
        override: Whether it went past a hold or the credit limit by override.
        invoice_date: For an invoice: the invoice date its instalments were
            scheduled from (the company's local day).
        instalments: For an invoice: when each part of it falls due, as the
            payment terms scheduled it when it was posted (empty for an invoice
            posted without terms: it is due on the day it was posted).
        paid_on: For a payment: the day it was made (it decides early-payment
            discounts); ``None`` for payments of earlier releases.
        allocations: For a payment, credit note, discount or allocation: the
            instalments it was applied to, each with an instalment number and
            an amount. Empty: applied oldest first when replayed.
        on_account: For a payment: keep what the allocations leave as an
            advance on account (applied only by a later allocation), instead of
            applying it oldest first.
    """

    id: str = field(validator=identifier)
    account_id: CreditAccountId = field(converter=CreditAccountId, validator=identifier)
    sequence: int
    kind: EntryKind = field(converter=EntryKind)
    amount: Money = field(validator=money_amount())
    occurred_at: datetime = field(validator=aware_datetime)
    reference: str | None = field(default=None, validator=optional(identifier))
    released_reservation: Money | None = field(
        default=None, validator=optional(money_amount(non_negative=True))
    )
    released_from: str | None = field(default=None, validator=optional(identifier))
    reason: str | None = field(default=None, converter=strip_optional, validator=optional(text()))
    actor: str | None = field(default=None, validator=optional(identifier))
    override: bool = False
    invoice_date: date | None = field(default=None, validator=optional(calendar_date))
    instalments: tuple[Instalment, ...] = field(default=(), converter=_instalments)
    paid_on: date | None = field(default=None, validator=optional(calendar_date))
    allocations: tuple[Allocation, ...] = field(default=(), converter=_allocations)
    on_account: bool = field(default=False, validator=flag)

    def __attrs_post_init__(self) -> None:
        if self.sequence < 1:
            raise ValidationError(f"must be 1 or more, got {self.sequence}", field="sequence")
        if self.kind is not EntryKind.ADJUSTMENT and self.amount.amount <= 0:
            raise ValidationError(
                f"a {self.kind.value} needs a positive amount, got {self.amount.amount}",
                field="amount",
            )
        if self.kind is EntryKind.ADJUSTMENT and not self.reason:
            raise ValidationError("an adjustment needs a reason", field="reason")
        if self.kind in {EntryKind.RESERVATION, EntryKind.RELEASE} and self.reference is None:
            raise ValidationError(
                f"a {self.kind.value} names the order (or request) it holds credit for",
                field="reference",
            )
        if self.released_from is not None and self.released_reservation is None:
            raise ValidationError(
                "an invoice that names the reservation it converts (released_from) says how "
                "much of it (released_reservation)",
                field="released_reservation",
            )
        if self.override and not self.reason:
            raise ValidationError("an override needs a reason", field="reason")
        self._check_schedule()
        self._check_allocations()

    def _check_allocations(self) -> None:
        if (self.paid_on is not None or self.on_account) and self.kind is not EntryKind.PAYMENT:
            raise ValidationError(
                f"only a payment has a payment date or stays on account, not a {self.kind.value}",
                field="paid_on",
            )
        if self.allocations and self.kind not in _ALLOCATING:
            raise ValidationError(
                f"a {self.kind.value} is not allocated to invoices", field="allocations"
            )
        if any(part.instalment is None or part.amount is None for part in self.allocations):
            raise ValidationError(
                "every allocation in the ledger names its instalment and amount",
                field="allocations",
            )
        allocated = sum(
            (part.amount.amount for part in self.allocations if part.amount is not None),
            Decimal(0),
        )
        if self.allocations and (
            any(
                part.amount is not None and part.amount.currency != self.amount.currency
                for part in self.allocations
            )
            or allocated > self.amount.amount
        ):
            raise ValidationError(
                f"the allocations come to {allocated}, more than the "
                f"{self.kind.value} of {self.amount.amount} {self.amount.currency.code} "
                "(or in another currency)",
                field="allocations",
            )
        if self.kind in _FULLY_ALLOCATED and allocated != self.amount.amount:
            raise ValidationError(
                f"a {self.kind.value} is allocated in full: the allocations come to "
                f"{allocated}, not {self.amount.amount}",
                field="allocations",
            )

    def _check_schedule(self) -> None:
        if self.kind is not EntryKind.INVOICE and (self.instalments or self.invoice_date):
            raise ValidationError(
                f"only an invoice has a payment schedule, not a {self.kind.value}",
                field="instalments",
            )
        if not self.instalments:
            return
        if self.invoice_date is None:
            raise ValidationError(
                "an invoice with instalments needs the invoice date they were scheduled from",
                field="invoice_date",
            )
        if not all(isinstance(part, Instalment) for part in self.instalments):
            raise ValidationError("every instalment must be an Instalment", field="instalments")
        currency = self.amount.currency.code
        if (
            any(part.amount.currency.code != currency for part in self.instalments)
            or sum((part.amount.amount for part in self.instalments), Decimal(0))
            != self.amount.amount
        ):
            raise ValidationError(
                f"the instalments must add up to the invoice amount {self.amount.amount} "
                f"{currency}; schedule the invoice with PaymentTerms.schedule",
                field="instalments",
            )

    def numbered(self, sequence: int) -> LedgerEntry:
        """Return the entry at ``sequence``: stores number entries as they append them."""
        return attrs.evolve(self, sequence=sequence)

    @property
    def balance_change(self) -> Decimal:
        """How much this entry adds to the balance (negative for payments and notes)."""
        return self.amount.amount * _BALANCE_SIGN.get(self.kind, 0)

    @property
    def reserved_change(self) -> Decimal:
        """How much this entry adds to the reserved amount."""
        if self.kind is EntryKind.RESERVATION:
            return self.amount.amount
        if self.kind is EntryKind.RELEASE:
            return -self.amount.amount
        if self.released_reservation is not None:
            return -self.released_reservation.amount
        return Decimal(0)


@checked_arguments
def ensure_continues(
    entries: Sequence[LedgerEntry],
    *,
    account_id: CreditAccountId,
    stored_last_sequence: int,
    last_sequence: int,
) -> None:
    """Refuse entries that do not continue an account's stored ledger.

    The entries a save appends must belong to the account and carry the
    sequences right after the stored ones, without gaps, up to the account's
    new ``last_sequence``. Every store checks this before it writes, so a
    ledger never has a gap, a stranger or a rewritten past.

    Args:
        entries: The entries to append, in order.
        account_id: The account being saved.
        stored_last_sequence: The last sequence the store holds for it.
        last_sequence: The ``last_sequence`` of the account being saved.

    Raises:
        ValidationError: An entry belongs to another account, or the
            sequences do not run from ``stored_last_sequence + 1`` to
            ``last_sequence``.
    """
    strangers = sorted({entry.account_id for entry in entries} - {account_id})
    if strangers:
        raise ValidationError(
            f"entries of credit account {', '.join(map(repr, strangers))} cannot be "
            f"appended to the ledger of account {account_id!r}",
            field="entries",
        )
    first = stored_last_sequence + 1
    sequences = [entry.sequence for entry in entries]
    continues = len(sequences) == last_sequence - stored_last_sequence and all(
        sequence == first + offset for offset, sequence in enumerate(sequences)
    )  # compared without building the range: a last_sequence far ahead costs nothing
    if not continues:
        raise ValidationError(
            f"the entries must continue the ledger of credit account {account_id!r}: "
            f"sequences {first} to {last_sequence} (the account's last_sequence), "
            f"got {sequences}; save the account each method returned with its entry",
            field="entries",
        )


@frozen(kw_only=True)
class LedgerTotals:
    """The figures a ledger adds up to.

    Attributes:
        balance: What is owed.
        reserved: What pending orders hold.
    """

    balance: Money
    reserved: Money


@checked_arguments
def replay(
    entries: Iterable[LedgerEntry], currency: str, *, until: datetime | None = None
) -> LedgerTotals:
    """Add up ``entries`` (those before ``until``, when given) into balance and reserved.

    Replaying an account's whole ledger gives the totals the account stores;
    replaying up to a moment gives the balance as of that moment.
    """
    currency = zero(currency).currency.code  # a known ISO code, or ValidationError
    balance = Decimal(0)
    reserved = Decimal(0)
    for entry in entries:
        if until is not None and entry.occurred_at >= until:
            continue
        balance += entry.balance_change
        reserved += entry.reserved_change
    return LedgerTotals(balance=Money(balance, currency), reserved=Money(reserved, currency))


@frozen(kw_only=True)
class Statement:
    """An account statement for a period: opening balance, what happened, closing balance.

    Attributes:
        account_id: The credit account.
        start: First day of the period.
        end: Last day of the period (inclusive).
        opening_balance: The balance at the start of ``start``.
        entries: The entries that moved the balance during the period, in order.
        closing_balance: The balance at the end of ``end``.
    """

    account_id: CreditAccountId
    start: date
    end: date
    opening_balance: Money
    entries: tuple[LedgerEntry, ...]
    closing_balance: Money


@checked_arguments
def statement(
    account_id: CreditAccountId,
    entries: Sequence[LedgerEntry],
    currency: str,
    *,
    start: datetime,
    end: datetime,
    first_day: date,
    last_day: date,
) -> Statement:
    """Build the statement of ``entries`` between ``start`` (inclusive) and ``end`` (exclusive).

    ``start`` and ``end`` are the instants where the period's first and last
    local days begin and end (see
    [`b2b_customers.limits.periods.window_of`][b2b_customers.limits.window_of]). Reservations and
    releases do not appear: they do not move the balance.

    Raises:
        ValidationError: ``end`` is not after ``start``.
    """
    currency = zero(currency).currency.code  # a known ISO code, or ValidationError
    if end <= start:
        raise ValidationError("a statement's end must come after its start", field="end")
    opening = replay(entries, currency, until=start).balance
    moved = tuple(
        entry for entry in entries if start <= entry.occurred_at < end and entry.balance_change
    )
    closing = Money(opening.amount + sum((e.balance_change for e in moved), Decimal(0)), currency)
    return Statement(
        account_id=account_id,
        start=first_day,
        end=last_day,
        opening_balance=opening,
        entries=moved,
        closing_balance=closing,
    )
