"""Automations on every store: overdue holds at the threshold, lapsed customers, reminders."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

import pytest
from moneyed import Money

from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderLine, OrderRecord, OrderStatus
from b2b_customers.errors import PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId, CustomerId, OrderId
from b2b_customers.services import AT_RISK, Staff, StaffRole
from tests.services.conftest import NOW
from tests.services.store_snapshot import snapshot

if TYPE_CHECKING:
    from b2b_customers.app import App
    from b2b_customers.clock import ManualClock

REP = Staff(id="s-1", name="Sam Sales", roles={StaffRole.SALES_REP})
CONTROLLER = Staff(id="s-2", name="Chris Credit", roles={StaffRole.CREDIT_CONTROLLER})
ACME = CompanyId("acme")
NORTH = CompanyId("north")


def invoiced(app: App, *, invoice_date: date, auto_hold_after_days: int | None = None) -> None:
    """ACME and North share a Net 30 line; one invoice dated ``invoice_date``."""
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    app.companies.add_subsidiary(actor=REP, id="north", parent=ACME, name="North")
    app.credit.open_account(
        actor=CONTROLLER,
        company=ACME,
        credit_limit=Money("1000", "EUR"),
        shared_with=[NORTH],
        auto_hold_after_days=auto_hold_after_days,
    )
    app.credit.post_invoice(
        actor=CONTROLLER,
        company=NORTH,
        invoice="inv-1",
        amount=Money("100", "EUR"),
        invoice_date=invoice_date,
    )


def test_an_account_overdue_exactly_the_threshold_is_not_held(app: App) -> None:
    # Net 30 from 20 Feb: due 22 March; on 1 April that is 10 days overdue.
    invoiced(app, invoice_date=date(2026, 2, 20))
    assert app.automations.hold_overdue_accounts(actor=CONTROLLER, days_overdue=10) == []
    assert not app.credit.account(actor=CONTROLLER, company=ACME).on_hold


def test_an_account_overdue_beyond_the_threshold_is_held_and_tagged(app: App) -> None:
    invoiced(app, invoice_date=date(2026, 2, 20))
    (held,) = app.automations.hold_overdue_accounts(actor=CONTROLLER, days_overdue=9)
    assert (held.invoice, held.days_overdue, held.threshold) == ("inv-1", 10, 9)
    assert held.account.hold is not None
    assert held.account.hold.automatic
    assert held.tagged == (ACME, NORTH)
    assert AT_RISK in app.companies.get(actor=REP, company_id=NORTH).tags
    with app.store.unit_of_work() as uow:
        names = [entry.event.name for entry in uow.outbox.pending()]
    assert names[-3:] == ["credit.hold_placed", "company.tagged", "company.tagged"]
    # A second run leaves the held account alone.
    assert app.automations.hold_overdue_accounts(actor=CONTROLLER, days_overdue=9) == []


def test_the_accounts_own_threshold_wins(app: App) -> None:
    invoiced(app, invoice_date=date(2026, 2, 20), auto_hold_after_days=10)
    assert app.automations.hold_overdue_accounts(actor=CONTROLLER, days_overdue=0) == []


def test_a_paid_invoice_is_not_overdue(app: App) -> None:
    invoiced(app, invoice_date=date(2026, 1, 1))
    app.credit.record_payment(
        actor=CONTROLLER, company=ACME, payment="pay-1", amount=Money("100", "EUR")
    )
    assert app.automations.hold_overdue_accounts(actor=CONTROLLER, days_overdue=0) == []


def test_automations_run_as_staff_with_the_permission_and_a_refusal_writes_nothing(
    app: App,
) -> None:
    invoiced(app, invoice_date=date(2026, 1, 1))
    admin = app.customers.invite(
        actor=REP,
        company=ACME,
        email="anna@acme.example",
        first_name="Anna",
        last_name="A",
        roles=[Role.ADMIN],
        active=True,
    )
    before = snapshot(app)
    for actor in (admin, REP):
        with pytest.raises(PermissionDenied):
            app.automations.hold_overdue_accounts(actor=actor)
    with pytest.raises(PermissionDenied):
        app.automations.due_invoice_reminders(actor=admin)
    with pytest.raises(ValidationError):
        app.automations.hold_overdue_accounts(actor=CONTROLLER, days_overdue=-1)
    assert snapshot(app) == before


def test_reminders_list_instalments_due_soon_and_overdue(app: App, clock: ManualClock) -> None:
    invoiced(app, invoice_date=date(2026, 3, 5))  # Net 30: due 4 April, in 3 days
    assert app.automations.due_invoice_reminders(actor=CONTROLLER, within=2) == []
    (soon,) = app.automations.due_invoice_reminders(actor=CONTROLLER, within=3)
    assert (soon.invoice, soon.days_until_due, soon.company_id) == ("inv-1", 3, ACME)
    clock.advance(timedelta(days=3))
    (today,) = app.automations.due_invoice_reminders(actor=CONTROLLER, within=0)
    assert today.days_until_due == 0
    clock.advance(timedelta(days=2))
    assert app.automations.due_invoice_reminders(actor=CONTROLLER, include_overdue=False) == []
    (late,) = app.automations.due_invoice_reminders(actor=CONTROLLER)
    assert late.days_until_due == -2
    with app.store.unit_of_work() as uow:
        names = [entry.event.name for entry in uow.outbox.pending()]
    assert names.count("invoice.reminder_due") == 3


def _orders(app: App, company: CompanyId, buyer: CustomerId, days_ago: list[int]) -> None:
    with app.store.unit_of_work() as uow:
        for days in days_ago:
            uow.orders.add(
                OrderRecord(
                    id=OrderId(f"{company}-{days}"),
                    company_id=company,
                    buyer_id=buyer,
                    total=Money("10", "EUR"),
                    placed_at=NOW - timedelta(days=days),
                    status=OrderStatus.PLACED,
                    lines=(OrderLine(sku="A", quantity=1, unit_price=Money("10", "EUR")),),
                )
            )
        uow.commit()


def test_lapsed_customers_are_top_customers_silent_beyond_factor_times_their_rhythm(
    app: App,
) -> None:
    for name in ("weekly", "steady", "small"):
        app.companies.onboard(actor=REP, id=name, name=name.title(), currency="EUR")
    buyer = app.customers.invite(
        actor=REP,
        company=CompanyId("weekly"),
        email="b@x.example",
        first_name="B",
        last_name="B",
        roles=[Role.BUYER],
        active=True,
    )
    # Weekly ordered every 7 days, last 14 days ago: exactly 2 intervals, not lapsed yet.
    _orders(app, CompanyId("weekly"), buyer.id, [14, 21, 28, 35])
    # Steady ordered every 5 days, last 30 days ago: 6 intervals of silence.
    _orders(app, CompanyId("steady"), buyer.id, [30, 35, 40, 45])
    # Small: too few orders to have a rhythm.
    _orders(app, CompanyId("small"), buyer.id, [100, 200])
    lapsed = app.automations.lapsed_customers(actor=REP, factor=2)
    assert [(c.company_id, c.usual_interval, c.silent_for) for c in lapsed] == [
        ("steady", timedelta(days=5), timedelta(days=30))
    ]
    # Only the top 1 by order count (ties by id: steady before weekly) is looked at.
    assert [c.company_id for c in app.automations.lapsed_customers(actor=REP, factor=1, top=1)] == [
        "steady"
    ]
    with pytest.raises(ValidationError):
        app.automations.lapsed_customers(actor=REP, factor=0)
    with app.store.unit_of_work() as uow:
        names = [entry.event.name for entry in uow.outbox.pending()]
    assert names.count("company.lapsed") == 2
