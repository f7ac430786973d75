"""Credit use cases on every store: the line, the ledger, holds, overrides, statements, aging."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.app import App, connect
from b2b_customers.clock import ManualClock
from b2b_customers.credit import AgingBucket, replay
from b2b_customers.domain import Role
from b2b_customers.errors import (
    AlreadyExists,
    CreditRefused,
    CurrencyMismatch,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from b2b_customers.ids import CompanyId, SequentialIds
from b2b_customers.services import Staff, StaffRole
from tests.budget import examples
from tests.services.conftest import NOW
from tests.services.store_snapshot import snapshot

if TYPE_CHECKING:
    from b2b_customers.domain import Customer

REP = Staff(id="s-1", name="Sam Sales", roles={StaffRole.SALES_REP})
CONTROLLER = Staff(id="s-2", name="Chris Credit", roles={StaffRole.CREDIT_CONTROLLER})
ACME = CompanyId("acme")
NORTH = CompanyId("north")


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def acme_with_account(app: App, *, limit: str = "10000", terms: str = "NET30") -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    app.companies.add_subsidiary(actor=REP, id="north", parent=ACME, name="North")
    app.credit.open_account(
        actor=CONTROLLER,
        company=ACME,
        credit_limit=eur(limit),
        payment_terms=terms,
        shared_with=[NORTH],
    )


def member(app: App, company: CompanyId, email: str, role: Role) -> Customer:
    return app.customers.invite(
        actor=REP,
        company=company,
        email=email,
        first_name="A",
        last_name="B",
        roles=[role],
        active=True,
    )


def events(app: App) -> list[str]:
    with app.store.unit_of_work() as uow:
        return [entry.event.name for entry in uow.outbox.pending()]


def test_a_shared_account_covers_the_companies_it_pays_for(app: App) -> None:
    acme_with_account(app)
    account = app.credit.account(actor=CONTROLLER, company=NORTH)
    assert (account.company_id, account.shared_with) == (ACME, frozenset({NORTH}))
    assert account.payment_terms == "NET30"
    assert events(app)[-1] == "credit.account_opened"


def test_sharing_with_a_company_that_does_not_bill_to_the_owner_is_refused(app: App) -> None:
    app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
    app.companies.onboard(actor=REP, id="other", name="Other", currency="EUR")
    before = snapshot(app)
    with pytest.raises(ValidationError, match="does not bill to"):
        app.credit.open_account(
            actor=CONTROLLER, company=ACME, credit_limit=eur("1"), shared_with=[CompanyId("other")]
        )
    assert snapshot(app) == before


def test_an_invoice_is_scheduled_by_the_terms_and_converts_the_reservation(app: App) -> None:
    acme_with_account(app, terms="TWO_PART_30_60")
    app.credit.override_hold(
        actor=CONTROLLER, company=NORTH, order="o-1", amount=eur("100.01"), reason="rush"
    )
    entry = app.credit.post_invoice(
        actor=CONTROLLER, company=NORTH, invoice="inv-1", amount=eur("100.01"), order="o-1"
    )
    assert [(i.due_date, i.amount) for i in entry.instalments] == [
        (date(2026, 5, 1), eur("50.01")),
        (date(2026, 5, 31), eur("50.00")),
    ]
    account = app.credit.account(actor=CONTROLLER, company=ACME)
    assert (account.balance, account.reserved) == (eur("100.01"), eur("0"))
    assert events(app)[-1] == "invoice.posted"


def test_an_invoice_number_is_used_once(app: App) -> None:
    acme_with_account(app)
    app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="inv-1", amount=eur("10"))
    before = snapshot(app)
    with pytest.raises(AlreadyExists):
        app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="inv-1", amount=eur("5"))
    assert snapshot(app) == before


def test_a_payment_settles_oldest_first_and_announces_paid_invoices(
    app: App, clock: ManualClock
) -> None:
    acme_with_account(app)
    app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="inv-1", amount=eur("300"))
    clock.advance(timedelta(days=1))
    app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="inv-2", amount=eur("200"))
    app.credit.record_payment(actor=CONTROLLER, company=ACME, payment="pay-1", amount=eur("350"))
    assert events(app)[-2:] == ["payment.received", "invoice.paid"]
    report = app.credit.aging(actor=CONTROLLER, company=ACME)
    assert [(i.invoice_id, i.open_amount) for i in report.items_by_bucket[AgingBucket.NOT_DUE]] == [
        ("inv-2", eur("150"))
    ]
    app.credit.issue_credit_note(actor=CONTROLLER, company=ACME, note="cn-1", amount=eur("150"))
    assert events(app)[-2:] == ["credit_note.issued", "invoice.paid"]
    assert app.credit.account(actor=CONTROLLER, company=ACME).balance == eur("0")


def test_aging_an_instalment_due_today_is_not_overdue(app: App) -> None:
    acme_with_account(app)
    app.credit.post_invoice(
        actor=CONTROLLER,
        company=ACME,
        invoice="inv-1",
        amount=eur("100"),
        invoice_date=date(2026, 3, 2),
    )  # Net 30: due 1 April 2026, today
    today = app.credit.aging(actor=CONTROLLER, company=ACME)
    assert today.overdue_total == eur("0")
    tomorrow = app.credit.aging(actor=CONTROLLER, company=ACME, as_of=date(2026, 4, 2))
    assert tomorrow.totals[AgingBucket.DAYS_1_30] == eur("100")


def test_an_adjustment_needs_a_reason_and_moves_the_balance(app: App) -> None:
    acme_with_account(app)
    with pytest.raises(ValidationError):
        app.credit.adjust(actor=CONTROLLER, company=ACME, amount=eur("5"), reason=" ")
    app.credit.adjust(actor=CONTROLLER, company=ACME, amount=eur("-5"), reason="goodwill")
    assert app.credit.account(actor=CONTROLLER, company=ACME).balance == eur("-5")
    assert events(app)[-1] == "credit.adjusted"


def test_holds_are_placed_and_lifted_and_an_override_records_who_and_why(app: App) -> None:
    acme_with_account(app)
    app.credit.place_hold(actor=CONTROLLER, company=ACME, reason="disputed invoices")
    with pytest.raises(InvalidTransition):
        app.credit.place_hold(actor=CONTROLLER, company=ACME, reason="again")
    entry = app.credit.override_hold(
        actor=CONTROLLER, company=NORTH, order="o-9", amount=eur("20000"), reason="CFO agreed"
    )
    assert (entry.override, entry.actor, entry.reason) == (True, "s-2", "CFO agreed")
    account = app.credit.lift_hold(actor=CONTROLLER, company=ACME)
    assert not account.on_hold
    assert events(app)[-3:] == [
        "credit.hold_placed",
        "credit.hold_overridden",
        "credit.hold_lifted",
    ]


def test_overriding_a_hold_needs_the_override_permission(app: App) -> None:
    acme_with_account(app)
    admin = member(app, ACME, "anna@acme.example", Role.ADMIN)
    app.credit.place_hold(actor=CONTROLLER, company=ACME, reason="overdue")
    before = snapshot(app)
    for actor in (admin, REP):
        with pytest.raises(PermissionDenied):
            app.credit.override_hold(
                actor=actor, company=ACME, order="o-1", amount=eur("1"), reason="please"
            )
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "call",
    [
        lambda app, who: app.credit.set_credit_limit(
            actor=who, company=ACME, credit_limit=eur("1")
        ),
        lambda app, who: app.credit.set_payment_terms(
            actor=who, company=ACME, payment_terms="NET60"
        ),
        lambda app, who: app.credit.post_invoice(
            actor=who, company=ACME, invoice="i", amount=eur("1")
        ),
        lambda app, who: app.credit.record_payment(
            actor=who, company=ACME, payment="p", amount=eur("1")
        ),
        lambda app, who: app.credit.issue_credit_note(
            actor=who, company=ACME, note="n", amount=eur("1")
        ),
        lambda app, who: app.credit.adjust(actor=who, company=ACME, amount=eur("1"), reason="r"),
        lambda app, who: app.credit.place_hold(actor=who, company=ACME, reason="r"),
    ],
)
def test_a_denied_write_writes_nothing(app: App, call: object) -> None:
    acme_with_account(app)
    finance = member(app, ACME, "fin@acme.example", Role.FINANCE)
    before = snapshot(app)
    for actor in (finance, REP):
        with pytest.raises(PermissionDenied):
            call(app, actor)  # type: ignore[operator]
    assert snapshot(app) == before


def test_a_branch_buyer_does_not_see_the_groups_ledger_but_finance_above_does(app: App) -> None:
    acme_with_account(app)
    north_finance = member(app, NORTH, "nf@acme.example", Role.FINANCE)
    acme_finance = member(app, ACME, "af@acme.example", Role.FINANCE)
    with pytest.raises(NotFound) as refused:  # the group's line is ACME's, which North's do not see
        app.credit.account(actor=north_finance, company=NORTH)
    assert "acme" not in str(refused.value).lower()
    assert app.credit.account(actor=acme_finance, company=NORTH).company_id == ACME


def test_bad_input_is_refused_with_the_libraries_errors(app: App) -> None:
    acme_with_account(app)
    before = snapshot(app)
    with pytest.raises(ValidationError, match="Money"):
        app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="i", amount=12.5)
    with pytest.raises(ValidationError, match="more than zero"):
        app.credit.record_payment(actor=CONTROLLER, company=ACME, payment="p", amount=eur("0"))
    with pytest.raises(CurrencyMismatch):
        app.credit.record_payment(
            actor=CONTROLLER, company=ACME, payment="p", amount=Money("1", "USD")
        )
    with pytest.raises(ValidationError, match="unknown payment terms"):
        app.credit.set_payment_terms(actor=CONTROLLER, company=ACME, payment_terms="NET31")
    with pytest.raises(ValidationError):
        app.credit.set_auto_hold(actor=CONTROLLER, company=ACME, after_days=-1)
    with pytest.raises(ValidationError):
        app.credit.statement(
            actor=CONTROLLER, company=ACME, start=date(2026, 4, 2), end=date(2026, 4, 1)
        )
    assert snapshot(app) == before


def test_a_statement_lists_the_period_between_opening_and_closing(
    app: App, clock: ManualClock
) -> None:
    acme_with_account(app)
    app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="inv-1", amount=eur("100"))
    clock.advance(timedelta(days=2))
    app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="inv-2", amount=eur("40"))
    app.credit.record_payment(actor=CONTROLLER, company=ACME, payment="pay-1", amount=eur("30"))
    report = app.credit.statement(
        actor=CONTROLLER, company=ACME, start=date(2026, 4, 2), end=date(2026, 4, 30)
    )
    assert report.opening_balance == eur("100")
    assert [e.reference for e in report.entries] == ["inv-2", "pay-1"]
    assert report.closing_balance == eur("110")


# -- the ledger under random sequences of service calls

_STEPS = st.lists(
    st.tuples(
        st.sampled_from(["invoice", "payment", "note", "adjust", "reserve", "hold", "lift"]),
        st.integers(1, 5000),
    ),
    max_size=12,
)


@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=_STEPS)
def test_the_ledger_always_sums_to_the_balance_and_credit_is_never_over_committed(
    steps: list[tuple[str, int]],
) -> None:
    app = connect("memory://", clock=ManualClock(NOW), ids=SequentialIds("p-"))
    acme_with_account(app, limit="5000")
    for number, (step, cents) in enumerate(steps):
        amount = Money(Decimal(cents) / 100, "EUR")
        name = f"r-{number}"
        try:
            if step == "invoice":
                app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice=name, amount=amount)
            elif step == "payment":
                app.credit.record_payment(
                    actor=CONTROLLER, company=ACME, payment=name, amount=amount
                )
            elif step == "note":
                app.credit.issue_credit_note(
                    actor=CONTROLLER, company=ACME, note=name, amount=amount
                )
            elif step == "adjust":
                app.credit.adjust(actor=CONTROLLER, company=ACME, amount=-amount, reason="fix")
            elif step == "reserve":
                with app.store.unit_of_work() as uow:
                    account = uow.credit.for_company(ACME)
                    _, entry = account.reserve(name, amount, entry_id=name, at=NOW)
                    uow.credit.book(entry, within_limit=True)
                    uow.commit()
            elif step == "hold":
                app.credit.place_hold(actor=CONTROLLER, company=ACME, reason="check")
            else:
                app.credit.lift_hold(actor=CONTROLLER, company=ACME)
        except (CreditRefused, InvalidTransition):
            pass
        account = app.credit.account(actor=CONTROLLER, company=ACME)
        with app.store.unit_of_work() as uow:
            entries = uow.credit.entries(account.id)
            open_rows = uow.credit.reservations(account.id)
        totals = replay(entries, "EUR")
        assert (totals.balance, totals.reserved) == (account.balance, account.reserved)
        assert sum(r.amount.amount for r in open_rows) == account.reserved.amount
        # Only invoices (debt already incurred) may push past the line; reservations never do.
        assert account.reserved.amount <= account.credit_limit.amount
        aging = app.credit.aging(actor=CONTROLLER, company=ACME)
        assert aging.total_open.amount == max(account.balance.amount, 0)
