"""The credit account: a credit line, its running totals, holds, and the entries that move them.

One account belongs to the company that pays (the bill-to or master account)
and may be **shared** by the companies it pays for, or each company keeps a
**separate** one (a group's credit shared, or each member's credit separate).

Every method that moves money returns ``(new_account, entry)``: the account
with its totals moved, and the [`LedgerEntry`][b2b_customers.credit.LedgerEntry]
that records the move. A store *books* the entry
([`book`][b2b_customers.ports.CreditRepository.book]): it moves the stored
totals by the entry's changes in one conditional write, which re-checks this
module's credit rule ([`CreditAccount.refusal`][b2b_customers.credit.CreditAccount.refusal]) against
the totals as they are at that moment, so two concurrent reservations can never together
spend more than the line: credit is never spent twice. The open
reservations themselves are rows of their own
([`Reservation`][b2b_customers.credit.Reservation]), not part of the
account, so the account's size never grows with the number of open orders.

The credit rule: a reservation is refused when ``balance + reserved + amount``
exceeds the credit limit (equal is allowed), or while the account is on hold,
unless an override is recorded (who and why); services check that the actor
holds the permission to override.

How the limit binds is the account's **credit control**
([CreditControl][b2b_customers.credit.account.CreditControl]): ``refuse`` (the
default) refuses an order over the available credit; ``warn`` lets it through
with a warning, and the account goes over its line. A buyer granted a
[CreditBypass][b2b_customers.credit.account.CreditBypass] orders past the limit
whatever the control (ERPNext's "bypass credit limit check at sales order").
Neither goes through a hold. With ``check_credit_on_invoice`` an invoice that
would take the account over its limit is refused too.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.credit.ledger import EntryKind, LedgerEntry
from b2b_customers.domain.money import format_money
from b2b_customers.domain.values import (
    DomainEnum,
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
    B2BError,
    CreditOnHold,
    CurrencyMismatch,
    InsufficientCredit,
    InvalidTransition,
    ValidationError,
)
from b2b_customers.ids import CompanyId, CreditAccountId, CustomerId

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    from b2b_customers.credit.aging import Allocation
    from b2b_customers.credit.payment_terms import Instalment
    from b2b_customers.credit.reservation import Reservation

__all__ = ["CreditAccount", "CreditBypass", "CreditControl", "CreditHold", "Override"]


class CreditControl(DomainEnum):
    """What an order over the available credit meets (Odoo's "warning" and "blocking").

    Attributes:
        REFUSE: The order is denied; credit is never over-committed (the default).
        WARN: The order goes through with a warning the shop shows; the
            account may go over its line.
    """

    REFUSE = "refuse"
    WARN = "warn"


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


@frozen(kw_only=True)
class CreditBypass:
    """A buyer's standing permission to order past the credit limit.

    The seller grants it to one customer; that customer's orders on the
    account are not refused for credit (a hold still stops them), and the
    decision says so. Their credit is reserved and invoiced as anyone's.

    Attributes:
        customer_id: The buyer.
        granted_by: Who granted it (holds the permission to override credit).
        granted_at: When.
        reason: Why, for the audit trail.
    """

    customer_id: CustomerId = field(converter=CustomerId, validator=identifier)
    granted_by: str = field(validator=identifier)
    granted_at: datetime = field(validator=aware_datetime)
    reason: str = field(converter=strip, validator=text())


def _bypasses(value: Iterable[CreditBypass]) -> tuple[CreditBypass, ...]:
    items = items_of(value)
    if items is None:
        return cast("tuple[CreditBypass, ...]", value)
    return tuple(
        sorted(items, key=lambda item: item.customer_id if isinstance(item, CreditBypass) else "")
    )


def _each_bypass(instance: CreditAccount, _attribute: object, value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(item, CreditBypass) for item in value):
        raise ValidationError(f"must be a list of CreditBypass, got {value!r}", field="bypasses")
    customers = [item.customer_id for item in value]
    if len(set(customers)) != len(customers):
        raise ValidationError(
            f"a customer holds one bypass at most on account {instance.id!r}", field="bypasses"
        )


def _company_ids(value: Iterable[str]) -> frozenset[CompanyId]:
    # Plain str ids are welcome; at run time a CompanyId is the same str.
    items = items_of(value)
    return cast("frozenset[CompanyId]", value if items is None else frozenset(items))


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
        reserved: What open orders hold: the sum of the account's open
            [`Reservation`][b2b_customers.credit.Reservation] rows.
        hold: The current hold, if any.
        auto_hold_after_days: Place a hold automatically when an invoice is
            overdue by more than this many days (``None``: never).
        auto_hold_overdue_amount: Place a hold automatically when more than
            this is overdue, summed over every instalment past its due date
            (``None``: never).
        payment_terms: The code of the payment terms invoices are due by.
        credit_control: What an order over the available credit meets:
            refused (the default) or allowed with a warning.
        check_credit_on_invoice: Refuse to post an invoice that would take the
            account over its limit.
        bypasses: The buyers who may order past the limit, by customer id.
        last_sequence: The sequence number of the latest ledger entry.
    """

    id: CreditAccountId = field(converter=CreditAccountId, validator=identifier)
    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
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
    hold: CreditHold | None = field(default=None, validator=optional(of_type(CreditHold)))
    auto_hold_after_days: int | None = None
    auto_hold_overdue_amount: Money | None = field(
        default=None, validator=optional(money_amount(non_negative=True))
    )
    payment_terms: str = field(default="NET_30", validator=identifier)
    credit_control: CreditControl = field(default=CreditControl.REFUSE, converter=CreditControl)
    check_credit_on_invoice: bool = field(default=False, validator=flag)
    bypasses: tuple[CreditBypass, ...] = field(
        default=(), converter=_bypasses, validator=_each_bypass
    )
    last_sequence: int = 0

    def __attrs_post_init__(self) -> None:
        for name in ("credit_limit", "balance", "reserved", "auto_hold_overdue_amount"):
            amount = getattr(self, name)
            if amount is not None and amount.currency.code != self.currency:
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

    def bypass_of(self, customer_id: CustomerId | None) -> CreditBypass | None:
        """Return the bypass granted to ``customer_id``, if any."""
        return next((b for b in self.bypasses if b.customer_id == customer_id), None)

    def limit_binds(self, buyer: CustomerId | None = None) -> bool:
        """Whether an order by ``buyer`` over the available credit is refused.

        It is, unless the account only warns (``credit_control`` is ``warn``)
        or the buyer holds a bypass. A hold stops orders either way.
        """
        return self.credit_control is CreditControl.REFUSE and self.bypass_of(buyer) is None

    # -- entries

    def reserve(
        self,
        order_reference: str,
        amount: Money,
        *,
        entry_id: str,
        at: datetime,
        override: Override | None = None,
        buyer: CustomerId | None = None,
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Reserve credit for an open order.

        The store books the entry only if the rule still holds on the totals
        it has when it writes (see [`refusal`][b2b_customers.credit.CreditAccount.refusal]); one
        reservation per order reference (a second one is refused by the store).

        Args:
            order_reference: The order (or approval request) it is held for.
            amount: How much, in the account's currency.
            entry_id: The ledger entry's id.
            at: When.
            override: A recorded override: neither the hold nor the limit refuses.
            buyer: Who orders: when the limit does not bind them
                (`limit_binds`), only a hold refuses.

        Raises:
            CreditOnHold: The account is on hold and no override is given.
            InsufficientCredit: ``amount`` is more than the available credit,
                the limit binds the buyer and no override is given.
            CurrencyMismatch: ``amount`` is in another currency.
        """
        self._same_currency(amount)
        if override is None:
            refused = self.refusal(amount, within_limit=self.limit_binds(buyer))
            if refused is not None:
                raise refused
        entry = self._entry(EntryKind.RESERVATION, amount, entry_id, at, order_reference, override)
        return self.apply(entry), entry

    def refusal(self, amount: Money, *, within_limit: bool = True) -> B2BError | None:
        """Return why a reservation of ``amount`` is refused now, or ``None`` when it fits.

        The credit rule: no reservation while the account is on hold, and
        none of more than the available credit (``balance + reserved +
        amount`` may equal the limit, not exceed it). Stores check the same
        rule in their conditional write. With ``within_limit=False`` (a
        reservation let past the limit: a line that warns, a bypass) only
        the hold refuses.
        """
        held = self._hold_refusal()
        if held is not None or not within_limit:
            return held
        if amount.amount > self.available.amount:
            return InsufficientCredit(
                f"{format_money(amount)} is more than the available credit of "
                f"{format_money(self.available)} on account {self.id!r} (limit "
                f"{format_money(self.credit_limit)}, owed {format_money(self.balance)}, reserved "
                f"{format_money(self.reserved)})"
            )
        return None

    def _hold_refusal(self) -> CreditOnHold | None:
        if self.hold is None:
            return None
        return CreditOnHold(
            f"credit account {self.id!r} is on hold ({self.hold.reason}); lift the hold "
            "or record an override"
        )

    def invoice_refusal(self, amount: Money, released: Money | None = None) -> B2BError | None:
        """Return why posting an invoice of ``amount`` is refused, or ``None`` when it may be.

        Only an account with ``check_credit_on_invoice`` refuses, and only an
        invoice that adds to what the account owes and holds
        (``amount - released``, the part of a reservation it converts being
        counted already) more than the available credit. A hold does not stop
        invoicing what was ordered.
        """
        if not self.check_credit_on_invoice:
            return None
        added = amount.amount - (Decimal(0) if released is None else released.amount)
        if added <= 0 or added <= self.available.amount:
            return None
        extra = format_money(Money(added, self.currency))
        return InsufficientCredit(
            f"invoice of {format_money(amount)} would add {extra} to account {self.id!r}, "
            "more than its available credit of "
            f"{format_money(self.available)} (limit {format_money(self.credit_limit)}); this "
            "account checks credit when an invoice is posted: raise the limit, take a payment "
            "first, or turn the check off"
        )

    def release(
        self,
        reservation: Reservation,
        *,
        entry_id: str,
        at: datetime,
        actor: str | None = None,
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Release an order's reservation (rejected, expired or cancelled).

        Args:
            reservation: The open reservation, as the store holds it.
            entry_id: The ledger entry's id.
            at: When.
            actor: Who released it, if a person did.

        Raises:
            ValidationError: The reservation is held on another account.
        """
        self._own(reservation)
        entry = self._entry(
            EntryKind.RELEASE, reservation.amount, entry_id, at, reservation.reference, None, actor
        )
        return self.apply(entry), entry

    def post_invoice(
        self,
        invoice_reference: str,
        amount: Money,
        *,
        entry_id: str,
        at: datetime,
        reservation: Reservation | None = None,
        invoice_date: date | None = None,
        instalments: Sequence[Instalment] = (),
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Post an invoice: the balance grows; the order's reservation, if given, is converted.

        The invoice converts as much of the reservation as it bills: an
        invoice for part of an order (a down payment, a partial delivery)
        releases that part and leaves the rest reserved.

        Args:
            invoice_reference: The invoice's number.
            amount: The invoice amount.
            entry_id: The ledger entry's id.
            at: When it is posted.
            reservation: The order's open reservation, which it converts into debt.
            invoice_date: The day its instalments were scheduled from.
            instalments: When each part falls due (see
                [`schedule`][b2b_customers.credit.PaymentTerms.schedule]);
                none: due on the day it is posted.

        Raises:
            CurrencyMismatch: ``amount`` is in another currency.
            InsufficientCredit: The account checks credit on invoices and this
                one would take it over its limit (see `invoice_refusal`).
            ValidationError: The instalments do not add up to ``amount``, or
                come without ``invoice_date``; the reservation is held on
                another account.
        """
        self._same_currency(amount)
        released = None
        if reservation is not None:
            self._own(reservation)
            released = Money(min(amount.amount, reservation.amount.amount), self.currency)
        refused = self.invoice_refusal(amount, released)
        if refused is not None:
            raise refused
        entry = attrs.evolve(
            self._entry(EntryKind.INVOICE, amount, entry_id, at, invoice_reference, None),
            released_reservation=released,
            released_from=None if reservation is None else reservation.reference,
            invoice_date=invoice_date,
            instalments=tuple(instalments),
        )
        return self.apply(entry), entry

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
        return self.apply(entry), entry

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
        return self.apply(entry), entry

    def issue_credit_note(
        self, note_reference: str, amount: Money, *, entry_id: str, at: datetime
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Record a credit note: the balance shrinks."""
        self._same_currency(amount)
        entry = self._entry(EntryKind.CREDIT_NOTE, amount, entry_id, at, note_reference, None)
        return self.apply(entry), entry

    def adjust(
        self, amount: Money, *, reason: str, actor: str, entry_id: str, at: datetime
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Correct the balance by ``amount`` (positive or negative), with a reason."""
        self._same_currency(amount)
        entry = self._entry(EntryKind.ADJUSTMENT, amount, entry_id, at, None, None, actor, reason)
        return self.apply(entry), entry

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

    def grant_bypass(self, bypass: CreditBypass) -> CreditAccount:
        """Return a copy where ``bypass.customer_id`` may order past the limit.

        Raises:
            InvalidTransition: The customer holds a bypass already.
        """
        if self.bypass_of(bypass.customer_id) is not None:
            raise InvalidTransition(
                f"customer {bypass.customer_id!r} may order past the limit of credit account "
                f"{self.id!r} already"
            )
        return attrs.evolve(self, bypasses=(*self.bypasses, bypass))

    def revoke_bypass(self, customer_id: CustomerId) -> CreditAccount:
        """Return a copy where ``customer_id`` is bound by the limit again.

        Raises:
            InvalidTransition: The customer holds no bypass.
        """
        if self.bypass_of(customer_id) is None:
            raise InvalidTransition(
                f"customer {customer_id!r} holds no bypass of the limit of credit account "
                f"{self.id!r}"
            )
        return attrs.evolve(
            self, bypasses=tuple(b for b in self.bypasses if b.customer_id != customer_id)
        )

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

    def _own(self, reservation: Reservation) -> None:
        if reservation.account_id != self.id:
            raise ValidationError(
                f"reservation {reservation.reference!r} is held on credit account "
                f"{reservation.account_id!r}, not {self.id!r}",
                field="reservation",
            )

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
        **fields: Any,  # noqa: ANN401  (further LedgerEntry fields, passed through)
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

    def with_totals_of(self, stored: CreditAccount) -> CreditAccount:
        """Return this copy with ``stored``'s totals: they move only by booking entries."""
        return attrs.evolve(
            self,
            balance=stored.balance,
            reserved=stored.reserved,
            last_sequence=stored.last_sequence,
        )

    def apply(self, entry: LedgerEntry) -> CreditAccount:
        """Return the account with ``entry`` booked: its totals moved, its sequence the last.

        Stores call it (or do the same sums in SQL) when they book an entry.
        """
        return attrs.evolve(
            self,
            balance=Money(self.balance.amount + entry.balance_change, self.currency),
            reserved=Money(self.reserved.amount + entry.reserved_change, self.currency),
            last_sequence=entry.sequence,
        )
