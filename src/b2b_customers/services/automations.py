"""Automations: sweeps over every company that the host application schedules.

Each is a plain method to call from a cron job, a Celery beat or a
management command; each returns what it did and records domain events, so
the host's outbox publisher sends the e-mails and webhooks.

* Hold every credit account with an instalment overdue by more than its
  threshold of days, or more overdue in all than its threshold amount, and
  tag its companies ``at-risk`` (``credit.hold_placed``, ``company.tagged``).
  Each account is its own unit of work, so one conflict does not undo the
  others:
  [`hold_overdue_accounts`][b2b_customers.services.automations.Automations.hold_overdue_accounts].
* The top customers (by number of placed orders) who stopped ordering
  (``company.lapsed``):
  [`lapsed_customers`][b2b_customers.services.automations.Automations.lapsed_customers].
* Instalments falling due soon, or overdue (``invoice.reminder_due``):
  [`due_invoice_reminders`][b2b_customers.services.automations.Automations.due_invoice_reminders].
* Open approval requests that expire soon (``approval.expiring_soon``), so
  their approvers (or, for an approved one, the requester) are reminded
  before the sweep expires them:
  [`approval_expiry_reminders`][b2b_customers.services.automations.Automations.approval_expiry_reminders].

Automations look at every company, so they run on behalf of staff; a
customer gets [`PermissionDenied`][b2b_customers.PermissionDenied]. Expiring due
approvals is
[`ApprovalService.expire_due`][b2b_customers.services.approvals.ApprovalService.expire_due].

Each sweep logs what it did on the ``b2b_customers.services.automations``
logger (INFO: one line per account held and one summary per sweep), for the
operator who scheduled it.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs
from attrs import frozen
from moneyed import Money

from b2b_customers.arguments import checks_arguments
from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.aging import OpenItem, days_past_due
from b2b_customers.credit.open_items import open_items
from b2b_customers.domain.money import format_money
from b2b_customers.domain.order import OrderStatus
from b2b_customers.domain.order_rhythm import (
    MIN_ORDERS,
    checked_factor,
    checked_min_orders,
    rhythm_of,
)
from b2b_customers.errors import NotFound, PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId, CreditAccountId
from b2b_customers.limits.periods import local_day
from b2b_customers.ports import MAX_PAGE_SIZE, CompanyQuery, CompanySort, OrderQuery, OrderSort
from b2b_customers.serialization import make_converter
from b2b_customers.services.approvals import ApprovalService
from b2b_customers.services.authorization import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Staff,
    actor_name,
)
from b2b_customers.services.visibility import require_staff

if TYPE_CHECKING:
    from collections.abc import Iterator

    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.domain import Company
    from b2b_customers.domain.order import OrderRecord
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["AT_RISK", "Automations", "HeldAccount", "InvoiceReminder", "LapsedCustomer"]

AT_RISK = "at-risk"
"""The tag `Automations.hold_overdue_accounts` puts on the companies of a held account."""

_CONVERTER = make_converter()

_log = logging.getLogger(__name__)


@frozen(kw_only=True)
class HeldAccount:
    """A credit account the overdue rule put on hold.

    Attributes:
        account: The account, on hold.
        invoice: The invoice with the oldest overdue instalment.
        days_overdue: How many days that instalment is past due.
        threshold: The days overdue it had to exceed.
        tagged: The companies tagged ``at-risk`` (those not tagged already).
        overdue_amount: What is overdue in all (every instalment past its due date).
        amount_threshold: The account's overdue amount to hold at, if it has one.
        by_amount: Held because ``overdue_amount`` is more than
            ``amount_threshold`` (and not because of the days).
    """

    account: CreditAccount
    invoice: str
    days_overdue: int
    threshold: int
    tagged: tuple[CompanyId, ...]
    overdue_amount: Money | None = None
    amount_threshold: Money | None = None
    by_amount: bool = False


@frozen(kw_only=True)
class _Overdue:
    """What is overdue on an account, and whether the overdue rule holds it."""

    oldest: OpenItem
    days: int
    total: Money
    by_days: bool
    by_amount: bool

    @property
    def holds(self) -> bool:
        return self.by_days or self.by_amount


@frozen(kw_only=True)
class LapsedCustomer:
    """A top customer who stopped ordering.

    Attributes:
        company_id: The company.
        name: Its name.
        orders: How many orders it placed.
        last_order_at: When it last ordered.
        usual_interval: The median time between its orders.
        silent_for: The time since its last order.
    """

    company_id: CompanyId
    name: str
    orders: int
    last_order_at: datetime
    usual_interval: timedelta
    silent_for: timedelta


@frozen(kw_only=True)
class InvoiceReminder:
    """An instalment to remind the paying company of.

    Attributes:
        company_id: The company that pays (the account's owner).
        account_id: The credit account.
        invoice: The invoice number.
        instalment: The instalment's number, from 1.
        due_date: When it falls due.
        open_amount: What is still owed on it.
        days_until_due: Days until the due date: 0 on the day, negative when overdue.
    """

    company_id: CompanyId
    account_id: CreditAccountId
    invoice: str
    instalment: int
    due_date: date
    open_amount: Money
    days_until_due: int


@checks_arguments
class Automations:
    """Scheduled sweeps, on behalf of staff.

    Args:
        context: The store, clock and id generator.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def expire_due_approvals(self, *, actor: Actor, limit: int = 100) -> list[ApprovalRequest]:
        """Expire every approval request due now and release its credit.

        The same sweep as
        [`ApprovalService.expire_due`][b2b_customers.services.approvals.ApprovalService.expire_due],
        here with the other scheduled jobs; each expiry records ``approval.expired`` (and the credit
        release) in the outbox.

        Args:
            actor: Staff who decide approvals (the job's service account).
            limit: Expire at most this many, soonest due first.

        Returns:
            The expired requests, soonest due first.

        Raises:
            PermissionDenied: The actor is not staff who decide approvals.
            ValidationError: ``limit`` is not a whole number >= 1.
        """
        expired = ApprovalService(self._context).expire_due(actor=actor, limit=limit)
        _log.info("expired %d due approval request(s)", len(expired))
        return expired

    def hold_overdue_accounts(self, *, actor: Actor, days_overdue: int = 30) -> list[HeldAccount]:
        """Hold every account with an instalment overdue by more than its threshold.

        An account's own ``auto_hold_after_days`` is its threshold; accounts
        without one use ``days_overdue``. Exactly the threshold is not enough:
        an instalment due today is 0 days overdue, tomorrow 1. An account with
        an ``auto_hold_overdue_amount`` is held as well when more than that is
        overdue in all (every instalment past its due date, by any number of
        days). Accounts on hold already are left alone. The companies the
        account covers are tagged ``at-risk``.

        Args:
            actor: Staff who may manage credit.
            days_overdue: The threshold for accounts without their own.

        Returns:
            The accounts held, by account id.

        Raises:
            PermissionDenied: The actor is not staff allowed to manage credit.
            ValidationError: ``days_overdue`` is not a whole number >= 0.
        """
        _whole(days_overdue, "days_overdue")
        _require_staff(actor, Permission.MANAGE_CREDIT)
        now = self._context.clock.now()
        with self._context.store.unit_of_work() as uow:
            candidates = [
                account.id
                for account in self._accounts(uow)
                if account.hold is None
                and _holds(self._overdue(uow, account, now, _threshold(account, days_overdue)))
            ]
        held = []
        for account_id in candidates:
            result = self._hold(actor, account_id, now, days_overdue)
            if result is not None:
                held.append(result)
        _log.info("held %d of %d credit account(s) found overdue", len(held), len(candidates))
        return held

    def lapsed_customers(
        self,
        *,
        actor: Actor,
        factor: Decimal | int = 2,
        top: int = 20,
        min_orders: int = MIN_ORDERS,
    ) -> list[LapsedCustomer]:
        """Return the top customers that placed no order within ``factor`` x their usual interval.

        The top customers are the ``top`` companies with the most placed
        orders (ties by id) among those with at least ``min_orders``; the
        usual interval is the median time between their orders. Order
        counts, not totals, rank them, so companies in different currencies
        compare. A ``company.lapsed`` event is recorded for each one returned.

        Returns:
            The lapsed ones, longest silent (in usual intervals) first.

        Raises:
            PermissionDenied: The actor is not staff allowed to view orders.
            ValidationError: ``factor``, ``top`` or ``min_orders`` is out of range.
        """
        _whole(top, "top", low=1)
        checked_factor(factor)
        checked_min_orders(min_orders)
        _require_staff(actor, Permission.VIEW_ORDERS)
        now = self._context.clock.now()
        with self._context.store.unit_of_work() as uow:
            placed: dict[CompanyId, list[datetime]] = defaultdict(list)
            for order in _placed_orders(uow):
                placed[order.company_id].append(order.placed_at)
            rhythms = {}
            for company_id, moments in placed.items():
                rhythm = rhythm_of(moments, min_orders=min_orders)
                if rhythm is not None:
                    rhythms[company_id] = rhythm
            ranked = sorted(
                rhythms, key=lambda company_id: (-rhythms[company_id].orders, company_id)
            )
            lapsed = [
                company_id for company_id in ranked[:top] if rhythms[company_id].lapsed(now, factor)
            ]
            lapsed.sort(
                key=lambda company_id: (
                    -(rhythms[company_id].silent_for(now) / rhythms[company_id].usual_interval),
                    company_id,
                )
            )
            found = []
            for company in _by_ids(uow, lapsed):
                rhythm = rhythms[company.id]
                customer = LapsedCustomer(
                    company_id=company.id,
                    name=company.name,
                    orders=rhythm.orders,
                    last_order_at=rhythm.last_order_at,
                    usual_interval=rhythm.usual_interval,
                    silent_for=rhythm.silent_for(now),
                )
                self._context.record(
                    uow,
                    "company.lapsed",
                    company,
                    actor=actor,
                    company_id=company.id,
                    before=company,
                    payload=_lapse_payload(customer),
                )
                found.append(customer)
            uow.commit()
        _log.info("found %d lapsed customer(s) among the top %d", len(found), top)
        return found

    def due_invoice_reminders(
        self, *, actor: Actor, within: int = 7, include_overdue: bool = True
    ) -> list[InvoiceReminder]:
        """Return the open instalments due within ``within`` days (and, by default, overdue ones).

        Days are counted in the paying company's time zone: an instalment due
        today has ``days_until_due == 0`` and is not overdue. An
        ``invoice.reminder_due`` event is recorded for each reminder, for the
        host to send.

        Args:
            actor: Staff who may view credit.
            within: How many days ahead to look, 0 or more.
            include_overdue: Remind of instalments past due too.

        Returns:
            The reminders, soonest due first (then by account, invoice, instalment).

        Raises:
            PermissionDenied: The actor is not staff allowed to view credit.
            ValidationError: ``within`` is not a whole number >= 0.
        """
        _whole(within, "within")
        _require_staff(actor, Permission.VIEW_CREDIT)
        now = self._context.clock.now()
        reminders = []
        with self._context.store.unit_of_work() as uow:
            for account in self._accounts(uow):
                today = self._today(uow, account, now)
                for item in self._open(uow, account):
                    days = -days_past_due(item.due_date, today)
                    if days <= within and (include_overdue or days >= 0):
                        reminder = InvoiceReminder(
                            company_id=account.company_id,
                            account_id=account.id,
                            invoice=item.invoice_id,
                            instalment=item.instalment,
                            due_date=item.due_date,
                            open_amount=item.open_amount,
                            days_until_due=days,
                        )
                        self._context.record(
                            uow,
                            "invoice.reminder_due",
                            account,
                            actor=actor,
                            company_id=account.company_id,
                            before=account,
                            payload=_CONVERTER.unstructure(reminder),
                        )
                        reminders.append(reminder)
            uow.commit()
        reminders.sort(key=lambda r: (r.due_date, r.account_id, r.invoice, r.instalment))
        _log.info("recorded %d invoice reminder(s) due within %d days", len(reminders), within)
        return reminders

    def approval_expiry_reminders(
        self, *, actor: Actor, within_hours: int = 24, limit: int = 100
    ) -> list[ApprovalRequest]:
        """Return the open requests expiring within ``within_hours``; record a reminder for each.

        A request still pending reminds its approvers; an approved one whose
        order is not placed yet reminds the requester. Each gets an
        ``approval.expiring_soon`` event (its status, ``expires_at`` and the
        hours left), for the host to send. Requests already past
        ``expires_at`` are the expiry sweep's, not reminded.

        Args:
            actor: Staff who decide approvals (the job's service account).
            within_hours: How far ahead to look, in hours (at least 1).
            limit: Remind of at most this many, soonest expiring first.

        Returns:
            The requests reminded of, soonest expiring first.

        Raises:
            PermissionDenied: The actor is not staff who decide approvals.
            ValidationError: ``within_hours`` or ``limit`` is not a whole number >= 1.
        """
        _whole(within_hours, "within_hours", low=1)
        _whole(limit, "limit", low=1)
        require_staff(actor, Permission.DECIDE_APPROVALS, "remind of expiring approval requests")
        now = self._context.clock.now()
        with self._context.store.unit_of_work() as uow:
            due = uow.approvals.due(now + timedelta(hours=within_hours), limit=limit)
            soon = [request for request in due if request.expires_at > now]
            for request in soon:
                self._context.record(
                    uow,
                    "approval.expiring_soon",
                    request,
                    actor=actor,
                    company_id=request.company_id,
                    before=request,
                    payload={
                        "request_id": request.id,
                        "status": request.status.value,
                        "requester_id": request.requester_id,
                        "expires_at": request.expires_at.isoformat(),
                        "hours_left": (request.expires_at - now) // timedelta(hours=1),
                    },
                )
            uow.commit()
        return soon

    # -- steps

    def _hold(
        self, actor: Actor, account_id: CreditAccountId, now: datetime, days_overdue: int
    ) -> HeldAccount | None:
        with self._context.store.unit_of_work() as uow:
            account = uow.credit.get(account_id)
            threshold = _threshold(account, days_overdue)
            overdue = self._overdue(uow, account, now, threshold)
            if account.hold is not None or overdue is None or not overdue.holds:
                _log.debug("left credit account %s: paid or held since the sweep", account_id)
                return None  # paid or held since the sweep looked
            item, days = overdue.oldest, overdue.days
            held = uow.credit.save(
                account.place_hold(
                    _hold_reason(account, overdue, threshold), at=now, automatic=True
                )
            )
            self._context.record(
                uow,
                "credit.hold_placed",
                held,
                actor=actor,
                company_id=held.company_id,
                before=account,
            )
            tagged = []
            for company in _by_ids(uow, [held.company_id, *sorted(held.shared_with)]):
                if AT_RISK in company.tags:
                    continue
                stored = uow.companies.save(attrs.evolve(company, tags=company.tags | {AT_RISK}))
                self._context.record(
                    uow,
                    "company.tagged",
                    stored,
                    actor=actor,
                    company_id=stored.id,
                    before=company,
                )
                tagged.append(stored.id)
            uow.commit()
        _log.info(
            "held credit account %s: invoice %s is %d days overdue (threshold %d), %s overdue "
            "in all (threshold %s); tagged %s",
            held.id,
            item.invoice_id,
            days,
            threshold,
            format_money(overdue.total),
            "none"
            if account.auto_hold_overdue_amount is None
            else format_money(account.auto_hold_overdue_amount),
            ", ".join(tagged) or "no company",
        )
        return HeldAccount(
            account=held,
            invoice=item.invoice_id,
            days_overdue=days,
            threshold=threshold,
            tagged=tuple(tagged),
            overdue_amount=overdue.total,
            amount_threshold=account.auto_hold_overdue_amount,
            by_amount=overdue.by_amount and not overdue.by_days,
        )

    def _accounts(self, uow: UnitOfWork) -> list[CreditAccount]:
        """Every credit account, once, by id."""
        accounts: dict[CreditAccountId, CreditAccount] = {}
        for company in _all_companies(uow):
            try:
                account = uow.credit.for_company(company.id)
            except NotFound:
                continue
            accounts[account.id] = account
        return [accounts[key] for key in sorted(accounts)]

    def _open(self, uow: UnitOfWork, account: CreditAccount) -> tuple[OpenItem, ...]:
        return open_items(uow.credit.entries(account.id), account.currency).items

    def _today(self, uow: UnitOfWork, account: CreditAccount, now: datetime) -> date:
        return local_day(now, uow.companies.get(account.company_id).time_zone)

    def _overdue(
        self, uow: UnitOfWork, account: CreditAccount, now: datetime, threshold: int
    ) -> _Overdue | None:
        """What is overdue on the account, weighed against ``threshold`` days and its amount.

        ``None`` when nothing is open.
        """
        today = self._today(uow, account, now)
        items = self._open(uow, account)
        if not items:
            return None
        zero = Money(Decimal(0), account.currency)
        oldest = items[0]  # oldest first: the earliest due date
        days = days_past_due(oldest.due_date, today)
        total = sum(
            (item.open_amount for item in items if days_past_due(item.due_date, today) > 0), zero
        )
        limit = account.auto_hold_overdue_amount
        return _Overdue(
            oldest=oldest,
            days=days,
            total=total,
            by_days=days > threshold,
            by_amount=limit is not None and total.amount > limit.amount,
        )


def _lapse_payload(customer: LapsedCustomer) -> dict[str, object]:
    second = timedelta(seconds=1)
    return {
        "company_id": customer.company_id,
        "name": customer.name,
        "orders": customer.orders,
        "last_order_at": customer.last_order_at.isoformat(),
        "usual_interval_seconds": customer.usual_interval // second,
        "silent_for_seconds": customer.silent_for // second,
    }


def _holds(overdue: _Overdue | None) -> bool:
    return overdue is not None and overdue.holds


def _hold_reason(account: CreditAccount, overdue: _Overdue, threshold: int) -> str:
    item = overdue.oldest
    if overdue.by_days:
        return (
            f"instalment {item.instalment} of invoice {item.invoice_id} is {overdue.days} days "
            f"overdue (more than {threshold})"
        )
    limit = account.auto_hold_overdue_amount
    return (
        f"{format_money(overdue.total)} is overdue (more than "
        f"{format_money(limit) if limit is not None else ''}); the oldest is instalment "
        f"{item.instalment} of invoice {item.invoice_id}, {overdue.days} days overdue"
    )


def _threshold(account: CreditAccount, default: int) -> int:
    return default if account.auto_hold_after_days is None else account.auto_hold_after_days


def _whole(value: object, name: str, *, low: int = 0) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ValidationError(f"must be a whole number >= {low}, got {value!r}", field=name)


def _require_staff(actor: Actor, permission: Permission) -> None:
    if not isinstance(actor, Staff):
        raise PermissionDenied(
            f"{actor_name(actor)} may not run automations: they look at every company; "
            "run them as staff"
        )
    if not any(permission in ROLE_PERMISSIONS[role] for role in actor.roles):
        raise PermissionDenied(
            f"{actor.name} may not {permission.value.replace('_', ' ')}, which this "
            "automation needs; run it as staff whose role allows it"
        )


def _all_companies(uow: UnitOfWork) -> Iterator[Company]:
    offset: int | None = 0
    while offset is not None:
        page = uow.companies.search(
            CompanyQuery(sort=CompanySort.ID, offset=offset, limit=MAX_PAGE_SIZE)
        )
        yield from page.items
        offset = page.next_offset


def _placed_orders(uow: UnitOfWork) -> Iterator[OrderRecord]:
    offset: int | None = 0
    while offset is not None:
        page = uow.orders.history(
            OrderQuery(
                status=OrderStatus.PLACED,
                sort=OrderSort.PLACED_AT,
                descending=False,
                offset=offset,
                limit=MAX_PAGE_SIZE,
            )
        )
        yield from page.items
        offset = page.next_offset


def _by_ids(uow: UnitOfWork, company_ids: list[CompanyId]) -> list[Company]:
    """The companies with these ids, in the order given."""
    found = {company.id: company for company in uow.companies.get_many(company_ids)}
    return [found[company_id] for company_id in company_ids if company_id in found]
