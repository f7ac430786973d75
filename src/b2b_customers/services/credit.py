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
``payment.received``, ``credit_note.issued``, ``invoice.paid`` (for each
invoice a payment or credit note settles in full), ``credit.adjusted``,
``credit.hold_placed``, ``credit.hold_lifted`` and ``credit.hold_overridden``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import attrs

from b2b_customers.credit.account import CreditAccount, Override
from b2b_customers.credit.aging import AgingReport, age
from b2b_customers.credit.due_dates import check_date
from b2b_customers.credit.ledger import EntryKind, LedgerEntry, Statement, statement
from b2b_customers.credit.open_items import open_items
from b2b_customers.credit.payment_terms import PaymentTerms
from b2b_customers.credit.terms_catalog import STANDARD_TERMS, PaymentTermsCatalog
from b2b_customers.domain.money import require_money
from b2b_customers.errors import AlreadyExists, ValidationError
from b2b_customers.ids import CompanyId, CreditAccountId
from b2b_customers.limits.periods import CalendarPeriod, Window, local_day, window_of
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
    ) -> CreditAccount:
        """Change the credit line (reservations already made stand).

        Raises:
            PermissionDenied: The actor may not manage credit.
            ValidationError: The limit is not a Money of zero or more.
            CurrencyMismatch: It is in another currency than the account.
        """
        limit = require_money(credit_limit, field="credit_limit")
        if limit.amount < 0:
            raise ValidationError("a credit limit is zero or more", field="credit_limit")
        return self._settle_account(
            actor, company, "credit.limit_changed", lambda account: account.with_limit(limit)
        )

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
            instalments = self.terms.get(account.payment_terms).schedule(total, day)
            return account.post_invoice(
                invoice,
                total,
                entry_id=entry_id,
                at=now,
                order_reference=order,
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
    ) -> LedgerEntry:
        """Record a payment received; it settles open instalments oldest first.

        Raises:
            PermissionDenied: The actor may not post invoices and payments.
            ValidationError: The amount is not more than zero.
            CurrencyMismatch: It is in another currency than the account.
        """
        paid = require_money(amount, field="amount", positive=True)
        return self._book(
            actor,
            company,
            Permission.POST_INVOICES,
            "payment.received",
            lambda _uow, account, now, entry_id: account.receive_payment(
                payment, paid, entry_id=entry_id, at=now
            ),
        )

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

        The order's reservation is then in place; placing the order uses it
        instead of reserving again.

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

        Raises:
            PermissionDenied: The actor may not view credit.
            ValidationError: ``as_of`` is not a date.
        """
        with self._context.store.unit_of_work() as uow:
            account = self._load(uow, actor, Permission.VIEW_CREDIT, company)
            day = as_of or self._today(uow, account, self._context.clock.now())
            entries = uow.credit.entries(account.id)
        return age(open_items(entries, account.currency).items, day, account.currency)

    # -- steps

    def _load(
        self, uow: UnitOfWork, actor: Actor, permission: Permission, company: CompanyId
    ) -> CreditAccount:
        self._context.authorize(uow, actor, permission, company)
        account = uow.credit.for_company(company)
        if account.company_id != company:
            self._context.authorize(uow, actor, permission, account.company_id)
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
        with self._context.store.unit_of_work() as uow:
            account = self._load(uow, actor, permission, company)
            changed, entry = book(uow, account, self._context.clock.now(), self._context.ids())
            settled = _settled_invoices(uow, account, entry) if entry.balance_change < 0 else []
            stored = uow.credit.save(changed, [entry])
            payload = {"entry": _CONVERTER.unstructure(entry), **_figures(stored)}
            self._context.record(
                uow, event, stored, actor=actor, company_id=company, before=account, payload=payload
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


def _settled_invoices(uow: UnitOfWork, account: CreditAccount, entry: LedgerEntry) -> list[str]:
    """Return the invoices the new ``entry`` pays in full, by number."""
    entries = uow.credit.entries(account.id)
    before = open_items(entries, account.currency).invoice_ids
    after = open_items([*entries, entry], account.currency).invoice_ids
    invoices = {e.reference for e in entries if e.kind is EntryKind.INVOICE}
    return sorted(invoice for invoice in before - after if invoice in invoices)


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
