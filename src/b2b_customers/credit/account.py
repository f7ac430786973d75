"""The credit account: a credit line, its running totals, holds, and the entries that move them.

One account belongs to the company that pays (the bill-to or master account)
and may be **shared** by the companies it pays for, or each company keeps a
**separate** one: the seeds' "shared credit / separate credit".

Every method returns ``(new_account, entry)``: the account with its totals
moved, and the :class:`~b2b_customers.credit.ledger.LedgerEntry` to append.
A store saves both in one unit of work, and the account's version makes two
concurrent reservations conflict instead of both passing: credit is never
spent twice.

The credit rule: a reservation is refused when ``balance + reserved + amount``
exceeds the credit limit (equal is allowed), or while the account is on hold,
unless an override is recorded (who and why); services check that the actor
holds the permission to override.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.credit.ledger import EntryKind, LedgerEntry
from b2b_customers.domain.money import format_money
from b2b_customers.domain.values import (
    aware_datetime,
    currency_code,
    flag,
    identifier,
    items_of,
    money_amount,
    normalize_code,
    of_type,
    optional,
    strip,
    text,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import (
    CreditOnHold,
    CurrencyMismatch,
    InsufficientCredit,
    InvalidTransition,
    NotFound,
    ValidationError,
)
from b2b_customers.ids import CompanyId, CreditAccountId

if TYPE_CHECKING:
    from b2b_customers.credit.aging import Allocation
    from b2b_customers.credit.payment_terms import Instalment

__all__ = ["CreditAccount", "CreditHold", "Override"]


@frozen(kw_only=True)
class Override:
    """A recorded decision to go past a credit hold or the credit limit.

    Attributes:
        actor: Who decided (must hold the override permission; services check).
        reason: Why, for the audit trail.
    """

    actor: str = field(validator=identifier)
    reason: str = field(converter=strip, validator=text())


@frozen(kw_only=True)
class CreditHold:
    """A stop on new reservations.

    Attributes:
        reason: Why the account is held.
        placed_at: When.
        placed_by: Who placed it (``None`` for an automatic hold).
        automatic: Placed by the overdue rule rather than by a person.
    """

    reason: str = field(converter=strip, validator=text())
    placed_at: datetime = field(validator=aware_datetime)
    placed_by: str | None = field(default=None, validator=optional(identifier))
    automatic: bool = field(default=False, validator=flag)


def _reservations(value: Mapping[str, Money]) -> Mapping[str, Money]:
    raw: object = value
    return MappingProxyType(dict(raw)) if isinstance(raw, Mapping) else value


def _company_ids(value: Iterable[CompanyId]) -> frozenset[CompanyId]:
    items = items_of(value)
    return cast("frozenset[CompanyId]", value) if items is None else frozenset(items)


def _empty() -> Mapping[str, Money]:
    return MappingProxyType({})


def _zero_in_currency(account: CreditAccount) -> Money:
    # A new account owes nothing and holds nothing.
    return Money(Decimal(0), account.currency)


@frozen(kw_only=True)
class CreditAccount(Versioned):
    """A credit line with its running totals.

    Attributes:
        id: The account's id.
        company_id: The company that pays (owner of the line).
        shared_with: Other companies whose orders draw on this line.
        currency: The currency of the line and of every entry.
        credit_limit: The credit line (``0``: no credit, every order is refused).
        balance: What is owed now (invoices less payments and credit notes).
        reserved: What pending orders hold.
        reservations: The open reservations, by order reference.
        hold: The current hold, if any.
        auto_hold_after_days: Place a hold automatically when an invoice is
            overdue by more than this many days (``None``: never).
        payment_terms: The code of the payment terms invoices are due by.
        last_sequence: The sequence number of the latest ledger entry.
    """

    id: CreditAccountId = field(validator=identifier)
    company_id: CompanyId = field(validator=identifier)
    currency: str = field(converter=normalize_code, validator=currency_code)
    credit_limit: Money = field(validator=money_amount(non_negative=True))
    shared_with: frozenset[CompanyId] = field(factory=frozenset, converter=_company_ids)
    balance: Money = field(
        default=attrs.Factory(_zero_in_currency, takes_self=True), validator=money_amount()
    )
    reserved: Money = field(
        default=attrs.Factory(_zero_in_currency, takes_self=True),
        validator=money_amount(non_negative=True),
    )
    reservations: Mapping[str, Money] = field(factory=_empty, converter=_reservations, hash=False)
    hold: CreditHold | None = field(default=None, validator=optional(of_type(CreditHold)))
    auto_hold_after_days: int | None = None
    payment_terms: str = field(default="NET_30", validator=identifier)
    last_sequence: int = 0

    def __attrs_post_init__(self) -> None:
        for name in ("credit_limit", "balance", "reserved"):
            amount = getattr(self, name)
            if amount.currency.code != self.currency:
                raise CurrencyMismatch(
                    f"{name} is in {amount.currency.code} but the account is kept in "
                    f"{self.currency}; give every amount in {self.currency}"
                )
        if self.company_id in self.shared_with:
            raise ValidationError("the owner is not listed in shared_with", field="shared_with")
        days: object = self.auto_hold_after_days
        if days is not None and (not isinstance(days, int) or days < 0):
            raise ValidationError(
                "must be a whole number of days >= 0", field="auto_hold_after_days"
            )

    # -- figures

    @property
    def available(self) -> Money:
        """``credit_limit - balance - reserved``; negative when over-committed by override."""
        return Money(
            self.credit_limit.amount - self.balance.amount - self.reserved.amount, self.currency
        )

    @property
    def utilization(self) -> Decimal | None:
        """``(balance + reserved) / credit_limit``; ``None`` for a zero limit."""
        if not self.credit_limit.amount:
            return None
        return (self.balance.amount + self.reserved.amount) / self.credit_limit.amount

    @property
    def on_hold(self) -> bool:
        """Whether new reservations are stopped."""
        return self.hold is not None

    def covers(self, company_id: CompanyId) -> bool:
        """Whether orders of ``company_id`` draw on this line."""
        return company_id == self.company_id or company_id in self.shared_with

    # -- entries

    def reserve(
        self,
        order_reference: str,
        amount: Money,
        *,
        entry_id: str,
        at: datetime,
        override: Override | None = None,
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Reserve credit for a pending order.

        Raises:
            CreditOnHold: The account is on hold and no override is given.
            InsufficientCredit: ``amount`` is more than the available credit
                and no override is given.
            ValidationError: The order already holds a reservation.
            CurrencyMismatch: ``amount`` is in another currency.
        """
        self._same_currency(amount)
        if order_reference in self.reservations:
            raise ValidationError(
                f"order {order_reference!r} holds a reservation already; release it first",
                field="order_reference",
            )
        if override is None and self.hold is not None:
            raise CreditOnHold(
                f"credit account {self.id!r} is on hold ({self.hold.reason}); lift the hold "
                "or record an override"
            )
        if override is None and amount.amount > self.available.amount:
            raise InsufficientCredit(
                f"{format_money(amount)} is more than the available credit of "
                f"{format_money(self.available)} on account {self.id!r} (limit "
                f"{format_money(self.credit_limit)}, owed {format_money(self.balance)}, reserved "
                f"{format_money(self.reserved)})"
            )
        entry = self._entry(EntryKind.RESERVATION, amount, entry_id, at, order_reference, override)
        reservations = {**self.reservations, order_reference: amount}
        return self._moved(entry, reservations=reservations), entry

    def release(
        self, order_reference: str, *, entry_id: str, at: datetime, actor: str | None = None
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Release an order's reservation (rejected, expired or cancelled).

        Raises:
            NotFound: The order holds no reservation.
        """
        amount = self._reservation(order_reference)
        entry = self._entry(EntryKind.RELEASE, amount, entry_id, at, order_reference, None, actor)
        reservations = {k: v for k, v in self.reservations.items() if k != order_reference}
        return self._moved(entry, reservations=reservations), entry

    def post_invoice(
        self,
        invoice_reference: str,
        amount: Money,
        *,
        entry_id: str,
        at: datetime,
        order_reference: str | None = None,
        invoice_date: date | None = None,
        instalments: Sequence[Instalment] = (),
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Post an invoice: the balance grows; an order's reservation, if named, is converted.

        Args:
            invoice_reference: The invoice's number.
            amount: The invoice amount.
            entry_id: The ledger entry's id.
            at: When it is posted.
            order_reference: The order whose reservation it converts into debt.
            invoice_date: The day its instalments were scheduled from.
            instalments: When each part falls due (see
                :meth:`~b2b_customers.credit.payment_terms.PaymentTerms.schedule`);
                none: due on the day it is posted.

        Raises:
            NotFound: ``order_reference`` holds no reservation.
            CurrencyMismatch: ``amount`` is in another currency.
            ValidationError: The instalments do not add up to ``amount``, or
                come without ``invoice_date``.
        """
        self._same_currency(amount)
        released = self._reservation(order_reference) if order_reference is not None else None
        entry = attrs.evolve(
            self._entry(EntryKind.INVOICE, amount, entry_id, at, invoice_reference, None),
            released_reservation=released,
            invoice_date=invoice_date,
            instalments=tuple(instalments),
        )
        reservations = {k: v for k, v in self.reservations.items() if k != order_reference}
        return self._moved(entry, reservations=reservations), entry

    def receive_payment(
        self,
        payment_reference: str,
        amount: Money,
        *,
        entry_id: str,
        at: datetime,
        paid_on: date | None = None,
        allocations: Sequence[Allocation] = (),
        on_account: bool = False,
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Record a payment: the balance shrinks.

        Args:
            payment_reference: The payment's reference.
            amount: What was paid.
            entry_id: The ledger entry's id.
            at: When it is booked.
            paid_on: The day it was paid (decides early-payment discounts).
            allocations: The instalments it was applied to, each with its
                instalment number and amount.
            on_account: Keep what the allocations leave as an advance.
        """
        self._same_currency(amount)
        entry = self._entry(
            EntryKind.PAYMENT,
            amount,
            entry_id,
            at,
            payment_reference,
            None,
            paid_on=paid_on,
            allocations=tuple(allocations),
            on_account=on_account,
        )
        return self._moved(entry), entry

    def book_allocation(
        self,
        kind: EntryKind,
        payment_reference: str,
        allocations: Sequence[Allocation],
        *,
        entry_id: str,
        at: datetime,
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Book an early-payment discount, or apply an advance to invoices.

        Args:
            kind: ``EntryKind.DISCOUNT`` (the balance shrinks by the discount)
                or ``EntryKind.ALLOCATION`` (part of an advance is applied;
                the balance stays).
            payment_reference: The payment that earned the discount or holds the advance.
            allocations: The instalments, each with its number and amount.
            entry_id: The ledger entry's id.
            at: When it is booked.
        """
        if kind not in {EntryKind.DISCOUNT, EntryKind.ALLOCATION}:
            raise ValidationError(
                f"book a discount or an allocation here, not a {kind.value}", field="kind"
            )
        amounts = [part.amount for part in allocations if part.amount is not None]
        amount = Money(sum((part.amount for part in amounts), Decimal(0)), self.currency)
        entry = self._entry(
            kind, amount, entry_id, at, payment_reference, None, allocations=tuple(allocations)
        )
        return self._moved(entry), entry

    def issue_credit_note(
        self, note_reference: str, amount: Money, *, entry_id: str, at: datetime
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Record a credit note: the balance shrinks."""
        self._same_currency(amount)
        entry = self._entry(EntryKind.CREDIT_NOTE, amount, entry_id, at, note_reference, None)
        return self._moved(entry), entry

    def adjust(
        self, amount: Money, *, reason: str, actor: str, entry_id: str, at: datetime
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Correct the balance by ``amount`` (positive or negative), with a reason."""
        self._same_currency(amount)
        entry = self._entry(EntryKind.ADJUSTMENT, amount, entry_id, at, None, None, actor, reason)
        return self._moved(entry), entry

    # -- holds and the line

    def place_hold(
        self, reason: str, *, at: datetime, actor: str | None = None, automatic: bool = False
    ) -> CreditAccount:
        """Return a copy on hold.

        Raises:
            InvalidTransition: The account is on hold already.
        """
        if self.hold is not None:
            raise InvalidTransition(f"credit account {self.id!r} is on hold already")
        hold = CreditHold(reason=reason, placed_at=at, placed_by=actor, automatic=automatic)
        return attrs.evolve(self, hold=hold)

    def lift_hold(self) -> CreditAccount:
        """Return a copy without the hold.

        Raises:
            InvalidTransition: The account is not on hold.
        """
        if self.hold is None:
            raise InvalidTransition(f"credit account {self.id!r} is not on hold")
        return attrs.evolve(self, hold=None)

    def with_limit(self, credit_limit: Money) -> CreditAccount:
        """Return a copy with a new credit line (reservations already made stand)."""
        self._same_currency(credit_limit)
        return attrs.evolve(self, credit_limit=credit_limit)

    # -- helpers

    def _same_currency(self, amount: Money) -> None:
        if amount.currency.code != self.currency:
            raise CurrencyMismatch(
                f"{format_money(amount)} cannot be booked on credit account {self.id!r}, "
                f"kept in {self.currency}; convert it first"
            )

    def _reservation(self, order_reference: str) -> Money:
        try:
            return self.reservations[order_reference]
        except KeyError:
            raise NotFound("Reservation", order_reference, by="order reference") from None

    def _entry(  # noqa: PLR0917  (a private factory with the entry's fields in order)
        self,
        kind: EntryKind,
        amount: Money,
        entry_id: str,
        at: datetime,
        reference: str | None,
        override: Override | None,
        actor: str | None = None,
        reason: str | None = None,
        **fields: Any,  # noqa: ANN401  (more fields of the entry: a payment's allocations)
    ) -> LedgerEntry:
        return LedgerEntry(
            id=entry_id,
            account_id=self.id,
            sequence=self.last_sequence + 1,
            kind=kind,
            amount=amount,
            occurred_at=at,
            reference=reference,
            actor=override.actor if override is not None else actor,
            reason=override.reason if override is not None else reason,
            override=override is not None,
            **fields,
        )

    def _moved(self, entry: LedgerEntry, **changes: Any) -> CreditAccount:  # noqa: ANN401
        return attrs.evolve(
            self,
            balance=Money(self.balance.amount + entry.balance_change, self.currency),
            reserved=Money(self.reserved.amount + entry.reserved_change, self.currency),
            last_sequence=entry.sequence,
            **changes,
        )
