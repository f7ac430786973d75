"""Credit use cases: the credit line, its terms, the ledger, holds, statements and aging.

A company draws on one credit account: its own, or one **shared** by the
company that pays for it (its bill-to or master account, or a parent). Every
method names the company acted for; the account is the one covering it, and
the actor must hold the permission for that company and, on a shared
account, for the company that owns it too (a branch's finance user does not
see the group's ledger).

Each write is one unit of work: authorized first, then the account and its
new ledger entry saved together, a domain event recorded with the account
before and after, and committed. A failure anywhere leaves the store as it was.

Events: ``credit.account_opened``, ``credit.limit_changed``,
``credit.terms_changed``, ``credit.auto_hold_changed``,
``credit.control_changed``, ``credit.invoice_check_changed``,
``credit.bypass_granted``, ``credit.bypass_revoked``, ``invoice.posted``,
``payment.received``, ``payment.allocated``, ``payment.discount_taken``,
``credit_note.issued``, ``invoice.paid`` (for each invoice a payment,
allocation or credit note settles in full), ``credit.adjusted``,
``credit.hold_placed``, ``credit.hold_lifted`` and ``credit.hold_overridden``;
for the seller's payment terms, ``payment_terms.saved`` and ``payment_terms.removed``.

**Payment terms.** An account names its terms by code. The terms a code
names are looked up in the unit of work that needs them (opening an
account, changing its terms, posting an invoice): the seller's **stored**
terms first
([`CreditService.save_payment_terms`][b2b_customers.services.credit.CreditService.save_payment_terms]),
then the service's preset catalogue ([STANDARD_TERMS][b2b_customers.credit.STANDARD_TERMS] unless
the host passed its own). Nothing is cached between calls, so terms saved by another process count
from its commit on.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
from moneyed import Money  # noqa: TC002  (argument checks read the hints at run time)

from b2b_customers.arguments import checked_choice, checks_arguments
from b2b_customers.credit.account import CreditAccount, CreditBypass, CreditControl, Override
from b2b_customers.credit.aging import (
    DEFAULT_BOUNDARIES,
    AgingReport,
    Allocation,
    OpenItem,
    ReceivablesAging,
    ReceivablesRow,
    age_ranges,
    settle,
)
from b2b_customers.credit.due_dates import check_date
from b2b_customers.credit.ledger import EntryKind, LedgerEntry, Statement, statement
from b2b_customers.credit.open_items import OpenItemStatement, open_item_statement, open_items
from b2b_customers.credit.payment_terms import PaymentTerms
from b2b_customers.credit.terms_catalog import STANDARD_TERMS, PaymentTermsCatalog
from b2b_customers.domain.money import format_money, require_money
from b2b_customers.domain.values import items_of, strip
from b2b_customers.errors import AlreadyExists, NotFound, ValidationError
from b2b_customers.ids import CompanyId, CreditAccountId, CustomerId
from b2b_customers.limits.periods import CalendarPeriod, Window, local_day, window_of
from b2b_customers.ports import MAX_PAGE_SIZE, CompanyQuery, CompanySort
from b2b_customers.serialization import make_converter
from b2b_customers.services.authorization import Actor, Permission, actor_id
from b2b_customers.services.visibility import require_staff

if TYPE_CHECKING:
    from b2b_customers.domain import Company
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["CreditService"]

_CONVERTER = make_converter()
_DAY = CalendarPeriod(unit="day")
_SHOWN_ACCOUNTS = 5  # accounts a refused removal names


_Booking = Callable[["UnitOfWork", CreditAccount, datetime, str], tuple[CreditAccount, LedgerEntry]]
"""Makes one ledger entry: (uow, account, now, entry id) -> (new account, entry)."""

_Bookings = Callable[
    ["UnitOfWork", CreditAccount, datetime], tuple[CreditAccount, list[tuple[str, LedgerEntry]]]
]
"""Makes ledger entries: (uow, account, now) -> (new account, [(event, entry), ...])."""


@checks_arguments
class CreditService:
    """Credit accounts and their ledgers, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
        terms: The preset payment terms, offered besides the terms stored with
            [save_payment_terms][b2b_customers.services.credit.CreditService.save_payment_terms]
            ([STANDARD_TERMS][b2b_customers.credit.STANDARD_TERMS] by default).
    """

    def __init__(
        self, context: ServiceContext, *, terms: PaymentTermsCatalog | None = None
    ) -> None:
        self._context = context
        self.terms = terms or STANDARD_TERMS
        """The preset payment terms: a code names these when no stored terms have it."""

    # -- the account

    def open_account(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        credit_limit: Any,  # noqa: ANN401  (checked: a Money)
        payment_terms: str = "NET30",
        shared_with: Iterable[CompanyId | str] = (),
        auto_hold_after_days: int | None = None,
        credit_control: CreditControl | str = CreditControl.REFUSE,
        check_credit_on_invoice: bool = False,
        overdue_hold_amount: Any = None,  # noqa: ANN401  (checked: a Money or None)
    ) -> CreditAccount:
        """Open a credit line for ``company``, in its currency.

        Args:
            actor: Who opens it (manage credit, for the company and every
                company it is shared with).
            company: The company that pays.
            credit_limit: The line, in the company's currency.
            payment_terms: The code of the terms invoices are due by: stored
                terms, or a preset (Net 30 by default).
            shared_with: Companies whose orders draw on this line: each must
                name ``company`` as its bill-to or master account, or be below it.
            auto_hold_after_days: Hold the account when an invoice is overdue
                by more than this many days (``None``: only the automation's default).
            credit_control: What an order over the available credit meets:
                ``"refuse"`` (the default) or ``"warn"`` (see `set_credit_control`).
            check_credit_on_invoice: Check the limit when an invoice is posted
                (see `set_invoice_credit_check`).
            overdue_hold_amount: Hold the account when more than this is
                overdue (see `set_overdue_hold_amount`; ``None``: no such rule).

        Raises:
            PermissionDenied: The actor may not manage credit for a company.
            ValidationError: A figure or setting is not valid, no stored or
                preset terms have the code (the message lists those that
                do), or a company does not bill to ``company``.
            CurrencyMismatch: The limit or the overdue amount is not in the
                company's currency, or the terms have fixed amounts in another.
            AlreadyExists: A company draws on another account already.
        """
        company = CompanyId(company)
        limit = require_money(credit_limit, field="credit_limit")
        control = checked_choice(credit_control, CreditControl, "credit_control")
        threshold = _overdue_threshold(overdue_hold_amount, "overdue_hold_amount")
        sharing = sorted({CompanyId(other) for other in shared_with})
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_CREDIT, company)
            for other in sharing:
                self._context.authorize(uow, actor, Permission.MANAGE_CREDIT, other)
            terms = self._terms_in(uow, payment_terms, lock=True)
            owner = uow.companies.get(company)
            terms.ensure_fits(owner.currency, account=f"of {owner.name}")
            for other in sharing:
                _ensure_pays_for(uow, owner, other)
            account = CreditAccount(
                id=CreditAccountId(self._context.ids()),
                company_id=owner.id,
                currency=owner.currency,
                credit_limit=limit,
                shared_with=frozenset(sharing),
                payment_terms=terms.code,
                auto_hold_after_days=auto_hold_after_days,
                credit_control=control,
                check_credit_on_invoice=check_credit_on_invoice,
                auto_hold_overdue_amount=threshold,
            )
            stored = uow.credit.add(account)
            self._context.record(
                uow, "credit.account_opened", stored, actor=actor, company_id=owner.id
            )
            uow.commit()
        return stored

    def account(self, *, actor: Actor, company: CompanyId | str) -> CreditAccount:
        """Return the credit account ``company`` draws on.

        Raises:
            PermissionDenied: The actor may not view credit for the company (or
                for the owner of a shared account).
            NotFound: The company does not exist or has no credit account.
        """
        company = CompanyId(company)
        with self._context.store.unit_of_work() as uow:
            return self._load(uow, actor, Permission.VIEW_CREDIT, company)

    def set_credit_limit(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        credit_limit: Any,  # noqa: ANN401  (checked: a Money)
        reason: str | None = None,
    ) -> CreditAccount:
        """Change the credit line (reservations already made stand).

        Lowering the line below what the company owes already needs a
        ``reason``; it is kept in the event and the audit log.

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: The limit is not a Money of zero or more, or it
                is below the balance owed and no reason is given.
            CurrencyMismatch: It is in another currency than the account.
        """
        company = CompanyId(company)
        limit = require_money(credit_limit, field="credit_limit")
        if limit.amount < 0:
            raise ValidationError("a credit limit is zero or more", field="credit_limit")
        raw_reason: object = reason
        if raw_reason is not None and not isinstance(raw_reason, str):
            raise ValidationError(
                f"must be text saying why, got {type(raw_reason).__name__}", field="reason"
            )
        why = None if reason is None else strip(reason)
        with self._context.store.unit_of_work() as uow:
            account = self._load(uow, actor, Permission.MANAGE_CREDIT, company)
            changed = account.with_limit(limit)
            below = limit.amount < account.balance.amount
            if below and not why:
                raise ValidationError(
                    f"{format_money(limit)} is below the {format_money(account.balance)} "
                    f"account {account.id!r} owes already; give a reason to lower the line "
                    "below the balance",
                    field="reason",
                )
            stored = uow.credit.save(changed)
            self._context.record(
                uow,
                "credit.limit_changed",
                stored,
                actor=actor,
                company_id=company,
                before=account,
                payload={
                    "credit_limit": _CONVERTER.unstructure(limit),
                    "previous_limit": _CONVERTER.unstructure(account.credit_limit),
                    "below_balance": below,
                    "reason": why,
                    **_figures(stored),
                },
            )
            uow.commit()
        return stored

    def set_payment_terms(
        self, *, actor: Actor, company: CompanyId | str, payment_terms: str | PaymentTerms
    ) -> CreditAccount:
        """Make later invoices due by other terms (invoices posted keep their due dates).

        The account keeps the code; its invoices are scheduled by the terms
        the code names when each is posted (stored terms first, then the presets).

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: No stored or preset terms have the code (the
                message lists those that do).
            CurrencyMismatch: The terms have fixed amounts in another
                currency than the account.
        """
        company = CompanyId(company)
        code = payment_terms if isinstance(payment_terms, str) else payment_terms.code

        def change(uow: UnitOfWork, account: CreditAccount) -> CreditAccount:
            terms = self._terms_in(uow, code, lock=True)
            terms.ensure_fits(account.currency, account=account.id)
            return attrs.evolve(account, payment_terms=terms.code)

        return self._settle_account_in(actor, company, "credit.terms_changed", change)

    def set_auto_hold(
        self, *, actor: Actor, company: CompanyId | str, after_days: int | None
    ) -> CreditAccount:
        """Hold the account automatically when an invoice is overdue by more than ``after_days``.

        ``None`` leaves the threshold to the automation's default.

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: ``after_days`` is not a whole number of days >= 0.
        """
        company = CompanyId(company)
        return self._settle_account(
            actor,
            company,
            "credit.auto_hold_changed",
            lambda account: attrs.evolve(account, auto_hold_after_days=after_days),
        )

    def set_overdue_hold_amount(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        amount: Any,  # noqa: ANN401  (checked: a Money or None)
    ) -> CreditAccount:
        """Hold the account automatically when more than ``amount`` is overdue.

        What is overdue is the open amount of every instalment past its due
        date, however few days; the sweep
        [hold_overdue_accounts][b2b_customers.services.automations.Automations.hold_overdue_accounts]
        holds the account when it is more than ``amount`` (exactly ``amount``
        is not enough), as well as when an instalment is overdue by more than
        the days of `set_auto_hold`. ``None`` turns the amount rule off.

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: ``amount`` is not a Money of zero or more.
            CurrencyMismatch: It is in another currency than the account.
        """
        company = CompanyId(company)
        threshold = _overdue_threshold(amount, "amount")
        return self._settle_account(
            actor,
            company,
            "credit.auto_hold_changed",
            lambda account: attrs.evolve(account, auto_hold_overdue_amount=threshold),
        )

    def set_credit_control(
        self, *, actor: Actor, company: CompanyId | str, control: CreditControl | str
    ) -> CreditAccount:
        """Say what an order over the available credit meets: ``refuse`` or ``warn``.

        ``refuse`` (every account's default) denies it; ``warn`` lets it
        through with a warning on the ``credit`` rule of the decision
        (``Decision.warnings``), its credit reserved all the same, so the
        account may go over its line. A hold stops orders in either mode.

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: ``control`` is not a credit control.
        """
        company = CompanyId(company)
        chosen = checked_choice(control, CreditControl, "control")
        return self._settle_account(
            actor,
            company,
            "credit.control_changed",
            lambda account: attrs.evolve(account, credit_control=chosen),
        )

    def set_invoice_credit_check(
        self, *, actor: Actor, company: CompanyId | str, enabled: bool
    ) -> CreditAccount:
        """Check the credit limit when an invoice is posted on the account, or stop checking.

        With the check, `post_invoice` refuses an invoice that adds more
        to what the account owes and holds than its available credit (the
        part of an order's reservation it converts counts already), with
        [InsufficientCredit][b2b_customers.errors.InsufficientCredit], and
        writes nothing. A bypass or the ``warn`` control does not lift it.

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: ``enabled`` is not True or False.
        """
        company = CompanyId(company)
        return self._settle_account(
            actor,
            company,
            "credit.invoice_check_changed",
            lambda account: attrs.evolve(account, check_credit_on_invoice=enabled),
        )

    def grant_credit_bypass(
        self, *, actor: Actor, company: CompanyId | str, customer: CustomerId | str, reason: str
    ) -> CreditAccount:
        """Let one buyer order past the credit limit of the line ``company`` draws on.

        ERPNext's "bypass credit limit check at sales order", for one
        customer: their orders are not refused for credit (a hold still stops
        them), the decision's ``credit`` rule says they hold a bypass, and
        their credit is reserved and invoiced as anyone's, so the account's
        figures stay true (its available credit may go below zero).

        Args:
            actor: Who grants it (override credit holds and limits).
            company: A company the line covers.
            customer: The buyer, a member of a company the line covers.
            reason: Why, kept with the bypass, in the event and the audit log.

        Raises:
            PermissionDenied: The actor may not override credit.
            NotFound: The customer does not exist.
            ValidationError: The customer is not a member of a company the
                line covers, or the reason is empty.
            InvalidTransition: The customer holds a bypass already.
        """
        company = CompanyId(company)
        customer = CustomerId(customer)
        now = self._context.clock.now()
        with self._context.store.unit_of_work() as uow:
            account = self._load(uow, actor, Permission.OVERRIDE_CREDIT_HOLD, company)
            buyer = uow.customers.get(customer)
            if not any(account.covers(m.company_id) for m in buyer.memberships):
                raise ValidationError(
                    f"{buyer.display_name} ({customer!r}) is not a member of a company drawing "
                    f"on credit account {account.id!r}; invite them to one first",
                    field="customer",
                )
            bypass = CreditBypass(
                customer_id=customer, granted_by=actor_id(actor), granted_at=now, reason=reason
            )
            stored = uow.credit.save(account.grant_bypass(bypass))
            self._context.record(
                uow,
                "credit.bypass_granted",
                stored,
                actor=actor,
                company_id=company,
                before=account,
                payload={
                    "account_id": stored.id,
                    "customer_id": customer,
                    "reason": bypass.reason,
                },
            )
            uow.commit()
        return stored

    def revoke_credit_bypass(
        self, *, actor: Actor, company: CompanyId | str, customer: CustomerId | str
    ) -> CreditAccount:
        """Bind a buyer by the credit limit again.

        Orders already placed keep their reservations.

        Raises:
            PermissionDenied: The actor may not override credit.
            InvalidTransition: The customer holds no bypass on the line.
        """
        company = CompanyId(company)
        customer = CustomerId(customer)
        return self._settle_account(
            actor,
            company,
            "credit.bypass_revoked",
            lambda account: account.revoke_bypass(customer),
            permission=Permission.OVERRIDE_CREDIT_HOLD,
        )

    # -- the ledger

    def post_invoice(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        invoice: str,
        amount: Any,  # noqa: ANN401  (checked: a Money)
        order: str | None = None,
        invoice_date: date | None = None,
        untaxed_amount: Any = None,  # noqa: ANN401  (checked: a Money or None)
    ) -> LedgerEntry:
        """Post an invoice, scheduled into instalments by the account's payment terms.

        Args:
            actor: Who posts it (post invoices).
            company: The company invoiced.
            invoice: The invoice number, unique on the account.
            amount: The invoice amount, more than zero, in whole minor units.
            order: The order whose credit reservation it turns into debt.
            invoice_date: The invoice date the due dates count from (today in
                the paying company's time zone by default).
            untaxed_amount: The invoice amount before tax, when the terms take
                a discount of it (``EarlyPaymentDiscount(on_untaxed=True)``).

        An account that checks credit on invoices
        (`set_invoice_credit_check`) refuses an invoice that would take
        it over its limit; on PostgreSQL its row is locked from that check to
        the commit, so no order's reservation slips in between.

        Returns:
            The ledger entry, with its instalments and due dates.

        Raises:
            PermissionDenied: The actor may not post invoices.
            InsufficientCredit: The account checks credit on invoices and this
                one would take it over its limit; nothing is written.
            AlreadyExists: The account has an invoice with this number.
            NotFound: ``order`` holds no reservation.
            ValidationError: The amount is not valid for the terms, or the
                account's terms code names no stored or preset terms.
            CurrencyMismatch: It is in another currency than the account.
        """
        company = CompanyId(company)
        total = require_money(amount, field="amount", positive=True)
        untaxed = (
            None
            if untaxed_amount is None
            else require_money(untaxed_amount, field="untaxed_amount")
        )

        def book(
            uow: UnitOfWork, account: CreditAccount, now: datetime, entry_id: str
        ) -> tuple[CreditAccount, LedgerEntry]:
            if any(
                entry.kind is EntryKind.INVOICE and entry.reference == invoice
                for entry in uow.credit.entries(account.id)
            ):
                raise AlreadyExists(
                    f"credit account {account.id!r} has an invoice {invoice!r} already; "
                    "give each invoice its own number"
                )
            if account.check_credit_on_invoice:
                # The totals as they are now, held until the commit: the check is on them.
                account = uow.credit.for_company(account.company_id, lock=True)
            day = invoice_date or self._today(uow, account, now)
            instalments = self._terms_in(uow, account.payment_terms).schedule(
                total, day, untaxed_amount=untaxed
            )
            return account.post_invoice(
                invoice,
                total,
                entry_id=entry_id,
                at=now,
                reservation=None if order is None else uow.credit.reservation(account.id, order),
                invoice_date=day,
                instalments=instalments,
            )

        return self._book(actor, company, Permission.POST_INVOICES, "invoice.posted", book)

    def record_payment(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        payment: str,
        amount: Any,  # noqa: ANN401  (checked: a Money)
        paid_on: date | None = None,
        allocations: Sequence[Allocation] | None = None,
        on_account: bool = False,
    ) -> LedgerEntry:
        """Record a payment received, apply it, and take the early-payment discounts it earns.

        Without ``allocations`` the payment settles the open instalments
        oldest first and what is left is unapplied credit, which settles the
        next invoices. With ``allocations`` it goes to those invoices (or
        instalments) and what is left stays **on account** as an advance,
        as it all does with ``on_account=True``;
        [`allocate_payment`][b2b_customers.services.credit.CreditService.allocate_payment] applies
        an advance later.

        Every instalment the payment settles on or before its
        ``discount_until`` needs only its amount less the discount; the
        discount is booked as a ``discount`` entry of its own (event
        ``payment.discount_taken``), so paying 98.00 on a 100.00 invoice
        with 2% for 10 days inside the window leaves nothing open.

        Args:
            actor: Who records it (post invoices and payments).
            company: The company that paid.
            payment: The payment's reference.
            amount: What was paid, more than zero.
            paid_on: The day it was paid (today in the payer's time zone by default).
            allocations: Where it goes, in order; see
                [`Allocation`][b2b_customers.credit.Allocation].
            on_account: Keep it (what the allocations leave) as an advance.

        Returns:
            The payment's ledger entry, with its allocations resolved per instalment.

        Raises:
            PermissionDenied: The actor may not post invoices and payments.
            ValidationError: The amount is not more than zero; ``paid_on`` is
                not a date; an allocation names nothing open or asks more than
                the invoice needs or the payment has.
            CurrencyMismatch: It is in another currency than the account.
        """
        company = CompanyId(company)
        paid = require_money(amount, field="amount", positive=True)
        if paid_on is not None:
            check_date(paid_on, field="paid_on")
        wanted = _allocation_list(allocations)

        def book(
            uow: UnitOfWork, account: CreditAccount, now: datetime
        ) -> tuple[CreditAccount, list[tuple[str, LedgerEntry]]]:
            day = paid_on or self._today(uow, account, now)
            current = open_items(uow.credit.entries(account.id), account.currency)
            applied: list[Allocation] = []
            discounts: list[Allocation] = []
            if wanted is not None or not on_account:
                settled = settle(current.items, paid, paid_on=day, allocations=wanted)
                applied = _resolved(settled.applied)
                discounts = _resolved(settled.discounts)
            account, booked = self._discounts(account, payment, discounts, now)
            account, entry = account.receive_payment(
                payment,
                paid,
                entry_id=self._context.ids(),
                at=now,
                paid_on=day,
                allocations=applied,
                on_account=on_account or wanted is not None,
            )
            return account, [*booked, ("payment.received", entry)]

        return self._book_many(actor, company, Permission.POST_INVOICES, book)

    def allocate_payment(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        payment: str,
        allocations: Sequence[Allocation],
    ) -> LedgerEntry:
        """Apply (part of) an advance held on account to invoices.

        Discounts are earned as of the day the payment was made (its ``paid_on``).

        Args:
            actor: Who allocates it (post invoices and payments).
            company: The company that paid.
            payment: The reference of the payment made on account.
            allocations: Where it goes, in order.

        Returns:
            The ``allocation`` ledger entry.

        Raises:
            PermissionDenied: The actor may not post invoices and payments.
            NotFound: The account holds no advance from ``payment``.
            ValidationError: An allocation names nothing open or asks more
                than the invoice needs or the advance holds.
        """
        company = CompanyId(company)
        wanted = _allocation_list(allocations)
        if not wanted:
            raise ValidationError(
                "name at least one invoice to allocate the payment to", field="allocations"
            )

        def book(
            uow: UnitOfWork, account: CreditAccount, now: datetime
        ) -> tuple[CreditAccount, list[tuple[str, LedgerEntry]]]:
            entries = uow.credit.entries(account.id)
            current = open_items(entries, account.currency)
            held = current.advances.get(payment)
            if held is None:
                raise NotFound("Advance", payment, by="payment reference")
            paid_on = next(
                (
                    entry.paid_on
                    for entry in entries
                    if entry.kind is EntryKind.PAYMENT and entry.reference == payment
                ),
                None,
            )
            settled = settle(current.items, held, paid_on=paid_on, allocations=wanted)
            account, booked = self._discounts(account, payment, _resolved(settled.discounts), now)
            account, entry = account.book_allocation(
                EntryKind.ALLOCATION,
                payment,
                _resolved(settled.applied),
                entry_id=self._context.ids(),
                at=now,
            )
            return account, [*booked, ("payment.allocated", entry)]

        return self._book_many(actor, company, Permission.POST_INVOICES, book)

    def _discounts(
        self, account: CreditAccount, payment: str, discounts: list[Allocation], now: datetime
    ) -> tuple[CreditAccount, list[tuple[str, LedgerEntry]]]:
        """Book the discounts a payment earned: before the payment, so replay applies them first."""
        if not discounts:
            return account, []
        changed, entry = account.book_allocation(
            EntryKind.DISCOUNT, payment, discounts, entry_id=self._context.ids(), at=now
        )
        return changed, [("payment.discount_taken", entry)]

    def issue_credit_note(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        note: str,
        amount: Any,  # noqa: ANN401  (checked: a Money)
    ) -> LedgerEntry:
        """Issue a credit note; it settles open instalments oldest first.

        Raises:
            PermissionDenied: The actor may not post invoices and credit notes.
            ValidationError: The amount is not more than zero.
            CurrencyMismatch: It is in another currency than the account.
        """
        company = CompanyId(company)
        credited = require_money(amount, field="amount", positive=True)
        return self._book(
            actor,
            company,
            Permission.POST_INVOICES,
            "credit_note.issued",
            lambda _uow, account, now, entry_id: account.issue_credit_note(
                note, credited, entry_id=entry_id, at=now
            ),
        )

    def adjust(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        amount: Any,  # noqa: ANN401  (checked: a Money)
        reason: str,
    ) -> LedgerEntry:
        """Correct the balance by ``amount`` (positive or negative), saying why.

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: The amount is zero or not a Money, or the reason is empty.
            CurrencyMismatch: It is in another currency than the account.
        """
        company = CompanyId(company)
        change = require_money(amount, field="amount")
        if not change.amount:
            raise ValidationError("an adjustment of zero changes nothing", field="amount")
        return self._book(
            actor,
            company,
            Permission.MANAGE_CREDIT,
            "credit.adjusted",
            lambda _uow, account, now, entry_id: account.adjust(
                change, reason=reason, actor=actor_id(actor), entry_id=entry_id, at=now
            ),
        )

    # -- holds

    def place_hold(self, *, actor: Actor, company: CompanyId | str, reason: str) -> CreditAccount:
        """Stop new reservations on the account until the hold is lifted.

        Raises:
            PermissionDenied: The actor may not manage credit.
            InvalidTransition: The account is on hold already.
            ValidationError: The reason is empty.
        """
        company = CompanyId(company)
        now = self._context.clock.now()
        return self._settle_account(
            actor,
            company,
            "credit.hold_placed",
            lambda account: account.place_hold(reason, at=now, actor=actor_id(actor)),
        )

    def lift_hold(self, *, actor: Actor, company: CompanyId | str) -> CreditAccount:
        """Let the account reserve credit again.

        Raises:
            PermissionDenied: The actor may not manage credit.
            InvalidTransition: The account is not on hold.
        """
        company = CompanyId(company)
        return self._settle_account(
            actor, company, "credit.hold_lifted", lambda account: account.lift_hold()
        )

    def override_hold(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        order: str,
        amount: Any,  # noqa: ANN401  (checked: a Money)
        reason: str,
    ) -> LedgerEntry:
        """Reserve credit for one order past the hold (and the limit), recording who and why.

        Pass the cart's ``resource_id`` as ``order``: the order placed from
        that cart (``OrderDraft.resource_id``) for at most ``amount`` then goes
        through the hold, and its reservation replaces the cart's (recorded as
        an override by this actor, with this reason). A larger order, or one
        from another cart, is checked as usual.

        Raises:
            PermissionDenied: The actor may not override credit holds.
            ValidationError: The amount is not more than zero, the reason is
                empty, or the order holds a reservation already.
            CurrencyMismatch: The amount is in another currency than the account.
        """
        company = CompanyId(company)
        reserved = require_money(amount, field="amount", positive=True)

        def book(
            _uow: UnitOfWork, account: CreditAccount, now: datetime, entry_id: str
        ) -> tuple[CreditAccount, LedgerEntry]:
            override = Override(actor=actor_id(actor), reason=reason)
            return account.reserve(order, reserved, entry_id=entry_id, at=now, override=override)

        return self._book(
            actor, company, Permission.OVERRIDE_CREDIT_HOLD, "credit.hold_overridden", book
        )

    # -- reports

    def statement(
        self, *, actor: Actor, company: CompanyId | str, start: date, end: date
    ) -> Statement:
        """Return the statement from ``start`` to ``end`` (inclusive local days of the payer).

        Raises:
            PermissionDenied: The actor may not view credit.
            ValidationError: ``end`` is before ``start``, or either is not a date.
        """
        company = CompanyId(company)
        check_date(start, field="start")
        check_date(end, field="end")
        if end < start:
            raise ValidationError(
                f"the statement ends on {end.isoformat()}, before it starts on {start.isoformat()}",
                field="end",
            )
        with self._context.store.unit_of_work() as uow:
            account = self._load(uow, actor, Permission.VIEW_CREDIT, company)
            zone = uow.companies.get(account.company_id).time_zone
            entries = uow.credit.entries(account.id)
        return statement(
            account.id,
            entries,
            account.currency,
            start=_day_window(start, zone).start,
            end=_day_window(end, zone).end,
            first_day=start,
            last_day=end,
        )

    def aging(
        self, *, actor: Actor, company: CompanyId | str, as_of: date | None = None
    ) -> AgingReport:
        """Return the account's open instalments in aging buckets as of a day (today by default).

        Only entries booked by the end of ``as_of`` (in the payer's time
        zone) count, so a past day shows what was open then. For other bucket
        boundaries, see
        [`AgingReport.totals_by_range`][b2b_customers.credit.AgingReport.totals_by_range].

        Raises:
            PermissionDenied: The actor may not view credit.
            ValidationError: ``as_of`` is not a date.
        """
        company = CompanyId(company)
        return self.open_items(actor=actor, company=company, as_of=as_of).aging

    def open_items(
        self, *, actor: Actor, company: CompanyId | str, as_of: date | None = None
    ) -> OpenItemStatement:
        """Return the company's open-item statement: open invoices with their instalments.

        Args:
            actor: Who asks (view credit).
            company: The company (its account's statement, for a shared account).
            as_of: The day (today in the payer's time zone by default); only
                entries booked by its end count.

        Raises:
            PermissionDenied: The actor may not view credit.
            NotFound: The company has no credit account.
            ValidationError: ``as_of`` is not a date.
        """
        company = CompanyId(company)
        if as_of is not None:
            check_date(as_of, field="as_of")
        with self._context.store.unit_of_work() as uow:
            account = self._load(uow, actor, Permission.VIEW_CREDIT, company)
            return self._statement_of(uow, account, as_of)

    def receivables_aging(
        self,
        *,
        actor: Actor,
        as_of: date | None = None,
        companies: Iterable[CompanyId] | None = None,
        boundaries: Sequence[int] = DEFAULT_BOUNDARIES,
    ) -> ReceivablesAging:
        """Return the accounts-receivable aging of many companies as of one day.

        Args:
            actor: Who asks (view credit, for every company).
            as_of: The day (by default each account's today in its payer's time
                zone, and the report's ``as_of`` is today in UTC); only entries
                booked by its end (in each payer's time zone) count.
            companies: The companies to report (each one's account once,
                shared accounts under their owner); every company with a
                credit account by default.
            boundaries: The bucket boundaries (see
                [`age_ranges`][b2b_customers.credit.age_ranges]).

        Raises:
            PermissionDenied: The actor may not view credit for a company.
            NotFound: A company named has no credit account.
            ValidationError: ``as_of`` or ``boundaries`` are not valid.
        """
        if as_of is not None:
            check_date(as_of, field="as_of")
        age_ranges(boundaries)
        bounds = tuple(boundaries)
        rows: dict[CreditAccountId, ReceivablesRow] = {}
        with self._context.store.unit_of_work() as uow:
            for company_id in self._reported(uow, companies):
                account = self._load(uow, actor, Permission.VIEW_CREDIT, company_id)
                if account.id not in rows:
                    statement = self._statement_of(uow, account, as_of)
                    rows[account.id] = ReceivablesRow(
                        company_id=account.company_id,
                        account_id=account.id,
                        report=statement.aging,
                    )
        return ReceivablesAging(
            as_of=as_of or local_day(self._context.clock.now(), "UTC"),
            boundaries=bounds,
            rows=tuple(sorted(rows.values(), key=lambda row: (row.company_id, row.account_id))),
        )

    def _reported(self, uow: UnitOfWork, companies: Iterable[CompanyId] | None) -> list[CompanyId]:
        if companies is not None:
            listed = items_of(companies)
            if listed is None:
                raise ValidationError(
                    f"must be a list of company ids, got {companies!r}", field="companies"
                )
            return sorted(set(listed))
        with_account: list[CompanyId] = []
        offset: int | None = 0
        while offset is not None:
            page = uow.companies.search(
                CompanyQuery(sort=CompanySort.ID, offset=offset, limit=MAX_PAGE_SIZE)
            )
            for found in page.items:
                try:
                    uow.credit.for_company(found.id)
                except NotFound:
                    continue
                with_account.append(found.id)
            offset = page.next_offset
        return with_account

    def _statement_of(
        self, uow: UnitOfWork, account: CreditAccount, as_of: date | None
    ) -> OpenItemStatement:
        zone = uow.companies.get(account.company_id).time_zone
        day = as_of or local_day(self._context.clock.now(), zone)
        entries = uow.credit.entries(account.id, until=_day_window(day, zone).end)
        return open_item_statement(
            company_id=account.company_id,
            account_id=account.id,
            entries=entries,
            currency=account.currency,
            as_of=day,
        )

    # -- the seller's payment terms

    def save_payment_terms(self, *, actor: Actor, terms: PaymentTerms) -> PaymentTerms:
        """Define payment terms under their code, or replace the terms stored under it.

        Accounts name terms by code (compared by
        [terms_key][b2b_customers.credit.terms_key]); stored terms take the
        place of a preset with the same code. Invoices posted from the commit
        on are scheduled by the saved terms; those posted before keep their
        instalments.

        Terms built fresh (``version`` 0) define the code, or replace whatever
        is stored under it. A copy read from the store (``version`` 1 and
        up) replaces that version only: if someone saved or removed the terms
        since, the save is refused, so no change is lost unseen.

        Args:
            actor: Who saves them (staff who manage credit).
            terms: The terms, with their code.

        Returns:
            The terms as stored, with their new version.

        Raises:
            PermissionDenied: The actor is not staff who manage credit.
            ValidationError: ``terms`` is not a
                [PaymentTerms][b2b_customers.credit.PaymentTerms].
            StaleVersion: A stored copy's version is not the stored one.
            NotFound: A stored copy's terms were removed meanwhile.
            CurrencyMismatch: The terms have fixed amounts in a currency
                other than that of an account that names their code.
        """
        require_staff(actor, Permission.MANAGE_CREDIT, "define payment terms")
        with self._context.store.unit_of_work() as uow:
            current = _stored_terms(uow, terms.code)
            if terms.version == 0 and current is None:
                stored = uow.payment_terms.add(terms)
            elif terms.version == 0 and current is not None:
                stored = uow.payment_terms.save(
                    attrs.evolve(terms, version=current.version, created_at=current.created_at)
                )
            else:
                stored = uow.payment_terms.save(terms)
            # Saved first, then checked: an account moving onto the terms meanwhile
            # holds them (see remove_payment_terms), so this check sees it.
            if stored.currency is not None:
                for account_id in uow.credit.using_terms(stored.code):
                    stored.ensure_fits(uow.credit.get(account_id).currency, account=account_id)
            self._context.record(
                uow,
                "payment_terms.saved",
                stored,
                actor=actor,
                company_id=None,
                before=current,
                aggregate_id=stored.key,
            )
            uow.commit()
        return stored

    def remove_payment_terms(self, *, actor: Actor, code: str) -> None:
        """Remove the stored terms with ``code``; refused while an account names the code.

        Move those accounts to other terms first
        ([set_payment_terms][b2b_customers.services.credit.CreditService.set_payment_terms]).
        To go back from stored terms to the preset of the same code, save the
        preset (``save_payment_terms(terms=NET_30)``) instead.

        Opening an account or changing its terms locks the stored terms it
        names (a row lock on PostgreSQL, the write lock on SQLite and the
        memory store), and this call removes them before it looks for
        accounts naming them, so the two cannot cross: one of them waits for
        the other and then sees its change.

        Raises:
            PermissionDenied: The actor is not staff who manage credit.
            NotFound: No terms with this code are stored (presets cannot be removed).
            ValidationError: A credit account names the code (the message
                lists the accounts).
        """
        require_staff(actor, Permission.MANAGE_CREDIT, "remove payment terms")
        with self._context.store.unit_of_work() as uow:
            current = uow.payment_terms.get(code)
            # Removed first, then checked: on PostgreSQL the delete waits for a unit of
            # work that locked the terms to name them, and the check then sees its account.
            uow.payment_terms.remove(code)
            users = uow.credit.using_terms(code)
            if users:
                shown = ", ".join(map(repr, users[:_SHOWN_ACCOUNTS]))
                more = len(users) - _SHOWN_ACCOUNTS
                raise ValidationError(
                    f"payment terms {current.code!r} are the terms of {len(users)} credit "
                    f"account(s) ({shown}{f' and {more} more' if more > 0 else ''}); move them "
                    "to other terms with set_payment_terms first",
                    field="code",
                )
            self._context.record(
                uow,
                "payment_terms.removed",
                current,
                actor=actor,
                company_id=None,
                before=current,
                removed=True,
                aggregate_id=current.key,
            )
            uow.commit()

    def payment_terms(self, *, actor: Actor, code: str) -> PaymentTerms:
        """Return the terms ``code`` names now: the stored terms, else the preset.

        A preset comes with ``version`` 0; stored terms with their version.

        Raises:
            PermissionDenied: The actor is not staff who view credit.
            NotFound: No stored or preset terms have the code.
        """
        require_staff(actor, Permission.VIEW_CREDIT, "read the seller's payment terms")
        with self._context.store.unit_of_work() as uow:
            found = _stored_terms(uow, code)
        if found is not None:
            return found
        if code not in self.terms:
            raise NotFound("PaymentTerms", code, by="code")
        return self.terms.get(code)

    def list_payment_terms(self, *, actor: Actor) -> list[PaymentTerms]:
        """Return every terms an account may name: the stored ones and the presets they leave.

        Sorted by the key of their code; presets have ``version`` 0.

        Raises:
            PermissionDenied: The actor is not staff who view credit.
        """
        require_staff(actor, Permission.VIEW_CREDIT, "list the seller's payment terms")
        with self._context.store.unit_of_work() as uow:
            return self._catalog_in(uow).listed()

    def _terms_in(self, uow: UnitOfWork, code: str, *, lock: bool = False) -> PaymentTerms:
        """The terms ``code`` names in this unit of work: stored first, then the presets.

        ``lock`` holds stored terms until the unit of work ends, for an
        account about to name them (see ``remove_payment_terms``).

        Raises:
            ValidationError: Neither has the code (the message lists every code there is).
        """
        stored = _stored_terms(uow, code, lock=lock)
        if stored is not None:
            return stored
        if code in self.terms:
            return self.terms.get(code)
        return self._catalog_in(uow).get(code)

    def _catalog_in(self, uow: UnitOfWork) -> PaymentTermsCatalog:
        """The presets with every stored terms in place of a preset of the same code."""
        return self.terms.with_terms(*uow.payment_terms.all())

    # -- steps

    def _load(
        self, uow: UnitOfWork, actor: Actor, permission: Permission, company: CompanyId
    ) -> CreditAccount:
        self._context.authorize(uow, actor, permission, company)
        account = uow.credit.for_company(company)
        if account.company_id != company:
            try:
                self._context.authorize(uow, actor, permission, account.company_id)
            except NotFound:
                # The line is another company's, which the actor does not see: say
                # nothing of it, not even its id.
                raise NotFound("CreditAccount", company, by="company") from None
        return account

    def _today(self, uow: UnitOfWork, account: CreditAccount, now: datetime) -> date:
        return local_day(now, uow.companies.get(account.company_id).time_zone)

    def _settle_account(
        self,
        actor: Actor,
        company: CompanyId,
        event: str,
        change: Callable[[CreditAccount], CreditAccount],
        *,
        permission: Permission = Permission.MANAGE_CREDIT,
    ) -> CreditAccount:
        return self._settle_account_in(
            actor, company, event, lambda _uow, account: change(account), permission=permission
        )

    def _settle_account_in(
        self,
        actor: Actor,
        company: CompanyId,
        event: str,
        change: Callable[[UnitOfWork, CreditAccount], CreditAccount],
        *,
        permission: Permission = Permission.MANAGE_CREDIT,
    ) -> CreditAccount:
        with self._context.store.unit_of_work() as uow:
            account = self._load(uow, actor, permission, company)
            stored = uow.credit.save(change(uow, account))
            self._context.record(
                uow, event, stored, actor=actor, company_id=company, before=account
            )
            uow.commit()
        return stored

    def _book(
        self,
        actor: Actor,
        company: CompanyId,
        permission: Permission,
        event: str,
        book: _Booking,
    ) -> LedgerEntry:
        def one(
            uow: UnitOfWork, account: CreditAccount, now: datetime
        ) -> tuple[CreditAccount, list[tuple[str, LedgerEntry]]]:
            changed, entry = book(uow, account, now, self._context.ids())
            return changed, [(event, entry)]

        return self._book_many(actor, company, permission, one)

    def _book_many(
        self, actor: Actor, company: CompanyId, permission: Permission, book: _Bookings
    ) -> LedgerEntry:
        """Book entries in one unit of work; return the last (the one the caller asked for)."""
        with self._context.store.unit_of_work() as uow:
            account = self._load(uow, actor, permission, company)
            _, booked = book(uow, account, self._context.clock.now())
            drafted = [item for _event, item in booked]
            settled = (
                _settled_invoices(uow, account, drafted)
                if any(item.balance_change < 0 or item.allocations for item in drafted)
                else []
            )
            stored = account
            for event, item in booked:  # in order: a discount before its payment
                stored, entry = uow.credit.book(item)
                self._context.record_booking(
                    uow, event, stored, entry, actor=actor, company_id=company
                )
            for invoice in settled:
                self._context.record(
                    uow,
                    "invoice.paid",
                    stored,
                    actor=actor,
                    company_id=company,
                    before=account,
                    payload={"invoice": invoice, "settled_by": entry.reference, **_figures(stored)},
                )
            uow.commit()
        return entry


def _stored_terms(uow: UnitOfWork, code: str, *, lock: bool = False) -> PaymentTerms | None:
    try:
        return uow.payment_terms.get(code, lock=lock)
    except NotFound:
        return None


def _settled_invoices(
    uow: UnitOfWork, account: CreditAccount, new_entries: Sequence[LedgerEntry]
) -> list[str]:
    """Return the invoices the new entries pay in full, by number."""
    entries = uow.credit.entries(account.id)
    before = open_items(entries, account.currency).invoice_ids
    after = open_items([*entries, *new_entries], account.currency).invoice_ids
    invoices = {e.reference for e in entries if e.kind is EntryKind.INVOICE}
    return sorted(invoice for invoice in before - after if invoice in invoices)


def _allocation_list(allocations: Sequence[Allocation] | None) -> list[Allocation] | None:
    if allocations is None:
        return None
    listed = items_of(allocations)
    if listed is None or not all(isinstance(item, Allocation) for item in listed):
        raise ValidationError(
            "must be a list of Allocation, such as [Allocation(invoice_id='INV-1')], got "
            f"{allocations!r}",
            field="allocations",
        )
    return listed


def _resolved(parts: Iterable[tuple[OpenItem, Money]]) -> list[Allocation]:
    """One allocation per instalment, with the amount: what the ledger keeps."""
    return [
        Allocation(invoice_id=item.invoice_id, instalment=item.instalment, amount=amount)
        for item, amount in parts
    ]


def _figures(account: CreditAccount) -> dict[str, Any]:
    return {
        "account_id": account.id,
        "balance": _CONVERTER.unstructure(account.balance),
        "available": _CONVERTER.unstructure(account.available),
    }


def _ensure_pays_for(uow: UnitOfWork, owner: Company, other: CompanyId) -> None:
    company = uow.companies.get(other)
    below = owner.id in {ancestor.id for ancestor in uow.companies.ancestors(other)}
    if owner.id not in {company.bill_to_id, company.master_id} and not below:
        raise ValidationError(
            f"{company.name} ({other!r}) does not bill to {owner.name} ({owner.id!r}); make "
            f"{owner.id!r} its bill-to or master account, or keep its credit separate",
            field="shared_with",
        )


def _day_window(day: date, zone: str) -> Window:
    # Noon exists on every local day, so the day's window holds it.
    return window_of(_DAY, datetime.combine(day, time(12), tzinfo=ZoneInfo(zone)), time_zone=zone)


def _overdue_threshold(amount: object, field: str) -> Money | None:
    """Check an overdue amount to hold an account at: a Money of zero or more, or ``None``."""
    if amount is None:
        return None
    threshold = require_money(amount, field=field)
    if threshold.amount < 0:
        raise ValidationError("an overdue amount to hold at is zero or more", field=field)
    return threshold
