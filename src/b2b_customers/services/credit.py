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
``credit.terms_changed``, ``credit.auto_hold_changed``, ``invoice.posted``,
``payment.received``, ``payment.allocated``, ``payment.discount_taken``,
``credit_note.issued``, ``invoice.paid`` (for each invoice a payment,
allocation or credit note settles in full), ``credit.adjusted``,
``credit.hold_placed``, ``credit.hold_lifted`` and ``credit.hold_overridden``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs
from moneyed import Money  # noqa: TC002  (argument checks read the hints at run time)

from b2b_customers.credit.account import CreditAccount, Override
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
from b2b_customers.ids import CompanyId, CreditAccountId
from b2b_customers.limits.periods import CalendarPeriod, Window, local_day, window_of
from b2b_customers.ports import MAX_PAGE_SIZE, CompanyQuery, CompanySort
from b2b_customers.serialization import make_converter
from b2b_customers.services.arguments import checks_arguments
from b2b_customers.services.authorization import Actor, Permission

if TYPE_CHECKING:
    from b2b_customers.domain import Company
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["CreditService"]

_CONVERTER = make_converter()
_DAY = CalendarPeriod(unit="day")


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
        terms: The payment terms the seller offers (the presets by default).
    """

    def __init__(
        self, context: ServiceContext, *, terms: PaymentTermsCatalog | None = None
    ) -> None:
        self._context = context
        self.terms = terms or STANDARD_TERMS
        """The payment terms accounts may name."""

    # -- the account

    def open_account(
        self,
        *,
        actor: Actor,
        company: CompanyId,
        credit_limit: Any,  # noqa: ANN401  (checked: a Money)
        payment_terms: str = "NET30",
        shared_with: Iterable[CompanyId] = (),
        auto_hold_after_days: int | None = None,
    ) -> CreditAccount:
        """Open a credit line for ``company``, in its currency.

        Args:
            actor: Who opens it (manage credit, for the company and every
                company it is shared with).
            company: The company that pays.
            credit_limit: The line, in the company's currency.
            payment_terms: The code of the terms invoices are due by.
            shared_with: Companies whose orders draw on this line: each must
                name ``company`` as its bill-to or master account, or be below it.
            auto_hold_after_days: Hold the account when an invoice is overdue
                by more than this many days (``None``: only the automation's default).

        Raises:
            PermissionDenied: The actor may not manage credit for a company.
            ValidationError: A figure or the terms are not valid, or a company
                does not bill to ``company``.
            CurrencyMismatch: The limit is not in the company's currency.
            AlreadyExists: A company draws on another account already.
        """
        limit = require_money(credit_limit, field="credit_limit")
        terms = self.terms.get(payment_terms)
        sharing = sorted(set(shared_with))
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_CREDIT, company)
            for other in sharing:
                self._context.authorize(uow, actor, Permission.MANAGE_CREDIT, other)
            owner = uow.companies.get(company)
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
            )
            stored = uow.credit.add(account)
            self._context.record(
                uow, "credit.account_opened", stored, actor=actor, company_id=owner.id
            )
            uow.commit()
        return stored

    def account(self, *, actor: Actor, company: CompanyId) -> CreditAccount:
        """Return the credit account ``company`` draws on.

        Raises:
            PermissionDenied: The actor may not view credit for the company (or
                for the owner of a shared account).
            NotFound: The company does not exist or has no credit account.
        """
        with self._context.store.unit_of_work() as uow:
            return self._load(uow, actor, Permission.VIEW_CREDIT, company)

    def set_credit_limit(
        self,
        *,
        actor: Actor,
        company: CompanyId,
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
        self, *, actor: Actor, company: CompanyId, payment_terms: str | PaymentTerms
    ) -> CreditAccount:
        """Make later invoices due by other terms (invoices posted keep their due dates).

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: The catalog has no such terms.
        """
        code = payment_terms if isinstance(payment_terms, str) else payment_terms.code
        terms = self.terms.get(code)
        return self._settle_account(
            actor,
            company,
            "credit.terms_changed",
            lambda account: attrs.evolve(account, payment_terms=terms.code),
        )

    def set_auto_hold(
        self, *, actor: Actor, company: CompanyId, after_days: int | None
    ) -> CreditAccount:
        """Hold the account automatically when an invoice is overdue by more than ``after_days``.

        ``None`` leaves the threshold to the automation's default.

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: ``after_days`` is not a whole number of days >= 0.
        """
        return self._settle_account(
            actor,
            company,
            "credit.auto_hold_changed",
            lambda account: attrs.evolve(account, auto_hold_after_days=after_days),
        )

    # -- the ledger

    def post_invoice(
        self,
        *,
        actor: Actor,
        company: CompanyId,
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

        Returns:
            The ledger entry, with its instalments and due dates.

        Raises:
            PermissionDenied: The actor may not post invoices.
            AlreadyExists: The account has an invoice with this number.
            NotFound: ``order`` holds no reservation.
            ValidationError: The amount is not valid for the terms.
            CurrencyMismatch: It is in another currency than the account.
        """
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
            day = invoice_date or self._today(uow, account, now)
            instalments = self.terms.get(account.payment_terms).schedule(
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
        company: CompanyId,
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
        company: CompanyId,
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
        company: CompanyId,
        note: str,
        amount: Any,  # noqa: ANN401  (checked: a Money)
    ) -> LedgerEntry:
        """Issue a credit note; it settles open instalments oldest first.

        Raises:
            PermissionDenied: The actor may not post invoices and credit notes.
            ValidationError: The amount is not more than zero.
            CurrencyMismatch: It is in another currency than the account.
        """
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
        company: CompanyId,
        amount: Any,  # noqa: ANN401  (checked: a Money)
        reason: str,
    ) -> LedgerEntry:
        """Correct the balance by ``amount`` (positive or negative), saying why.

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: The amount is zero or not a Money, or the reason is empty.
            CurrencyMismatch: It is in another currency than the account.
        """
        change = require_money(amount, field="amount")
        if not change.amount:
            raise ValidationError("an adjustment of zero changes nothing", field="amount")
        return self._book(
            actor,
            company,
            Permission.MANAGE_CREDIT,
            "credit.adjusted",
            lambda _uow, account, now, entry_id: account.adjust(
                change, reason=reason, actor=actor.id, entry_id=entry_id, at=now
            ),
        )

    # -- holds

    def place_hold(self, *, actor: Actor, company: CompanyId, reason: str) -> CreditAccount:
        """Stop new reservations on the account until the hold is lifted.

        Raises:
            PermissionDenied: The actor may not manage credit.
            InvalidTransition: The account is on hold already.
            ValidationError: The reason is empty.
        """
        now = self._context.clock.now()
        return self._settle_account(
            actor,
            company,
            "credit.hold_placed",
            lambda account: account.place_hold(reason, at=now, actor=actor.id),
        )

    def lift_hold(self, *, actor: Actor, company: CompanyId) -> CreditAccount:
        """Let the account reserve credit again.

        Raises:
            PermissionDenied: The actor may not manage credit.
            InvalidTransition: The account is not on hold.
        """
        return self._settle_account(
            actor, company, "credit.hold_lifted", lambda account: account.lift_hold()
        )

    def override_hold(
        self,
        *,
        actor: Actor,
        company: CompanyId,
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
        reserved = require_money(amount, field="amount", positive=True)

        def book(
            _uow: UnitOfWork, account: CreditAccount, now: datetime, entry_id: str
        ) -> tuple[CreditAccount, LedgerEntry]:
            override = Override(actor=actor.id, reason=reason)
            return account.reserve(order, reserved, entry_id=entry_id, at=now, override=override)

        return self._book(
            actor, company, Permission.OVERRIDE_CREDIT_HOLD, "credit.hold_overridden", book
        )

    # -- reports

    def statement(self, *, actor: Actor, company: CompanyId, start: date, end: date) -> Statement:
        """Return the statement from ``start`` to ``end`` (inclusive local days of the payer).

        Raises:
            PermissionDenied: The actor may not view credit.
            ValidationError: ``end`` is before ``start``, or either is not a date.
        """
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

    def aging(self, *, actor: Actor, company: CompanyId, as_of: date | None = None) -> AgingReport:
        """Return the account's open instalments in aging buckets as of a day (today by default).

        Only entries booked by the end of ``as_of`` (in the payer's time
        zone) count, so a past day shows what was open then. For other bucket
        boundaries, see
        [`AgingReport.totals_by_range`][b2b_customers.credit.AgingReport.totals_by_range].

        Raises:
            PermissionDenied: The actor may not view credit.
            ValidationError: ``as_of`` is not a date.
        """
        return self.open_items(actor=actor, company=company, as_of=as_of).aging

    def open_items(
        self, *, actor: Actor, company: CompanyId, as_of: date | None = None
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
    ) -> CreditAccount:
        with self._context.store.unit_of_work() as uow:
            account = self._load(uow, actor, Permission.MANAGE_CREDIT, company)
            stored = uow.credit.save(change(account))
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
