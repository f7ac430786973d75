"""Payments with a date and an allocation, early-payment discounts, and the credit line lowered."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.app import connect
from b2b_customers.clock import ManualClock
from b2b_customers.credit import (
    STANDARD_TERMS,
    AgingBucket,
    Allocation,
    EarlyPaymentDiscount,
    EntryKind,
    InstalmentTerm,
    LedgerEntry,
    PaymentTerms,
    PercentPortion,
    net_days,
    replay,
)
from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.ids import CompanyId, SequentialIds
from tests.budget import examples
from tests.services.conftest import NOW
from tests.services.store_snapshot import snapshot
from tests.services.test_credit import ACME, CONTROLLER, NORTH, REP, acme_with_account, events

if TYPE_CHECKING:
    from b2b_customers.app import App

INVOICED = date(2026, 4, 1)
GLOBEX = CompanyId("globex")
TWO_TEN_NET_30 = PaymentTerms(
    code="2_10_NET_30",
    name="2% 10, net 30",
    instalments=[InstalmentTerm(portion=PercentPortion(percent=100), due=net_days(30))],
    discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2)),
)


def eur(amount: str) -> Money:
    return Money(amount, "EUR")


def with_discount_terms(app: App) -> None:
    app.credit.terms = STANDARD_TERMS.with_terms(TWO_TEN_NET_30)
    acme_with_account(app, terms="2_10_NET_30")


def invoice(app: App, number: str, amount: str, day: date = INVOICED) -> None:
    app.credit.post_invoice(
        actor=CONTROLLER, company=ACME, invoice=number, amount=eur(amount), invoice_date=day
    )


def pay(app: App, reference: str, amount: str, **options: Any) -> LedgerEntry:
    return app.credit.record_payment(
        actor=CONTROLLER, company=ACME, payment=reference, amount=eur(amount), **options
    )


def entries(app: App) -> list[LedgerEntry]:
    account = app.credit.account(actor=CONTROLLER, company=ACME)
    with app.store.unit_of_work() as uow:
        return uow.credit.entries(account.id)


def test_paying_the_discounted_amount_in_the_window_clears_the_invoice(app: App) -> None:
    with_discount_terms(app)
    invoice(app, "inv-1", "100.00")
    entry = pay(app, "pay-1", "98.00", paid_on=date(2026, 4, 11))
    assert entry.paid_on == date(2026, 4, 11)
    account = app.credit.account(actor=CONTROLLER, company=ACME)
    assert account.balance == eur("0")
    assert app.credit.aging(actor=CONTROLLER, company=ACME).total_open == eur("0")
    ledger = entries(app)
    assert [e.kind for e in ledger[-2:]] == [EntryKind.DISCOUNT, EntryKind.PAYMENT]
    assert ledger[-2].amount == eur("2.00")
    assert replay(ledger, "EUR").balance == account.balance
    assert events(app)[-3:] == ["payment.discount_taken", "payment.received", "invoice.paid"]


def test_paying_the_discounted_amount_after_the_window_leaves_the_discount_open(
    app: App,
) -> None:
    with_discount_terms(app)
    invoice(app, "inv-1", "100.00")
    pay(app, "pay-1", "98.00", paid_on=date(2026, 4, 12))
    assert app.credit.account(actor=CONTROLLER, company=ACME).balance == eur("2.00")
    assert not any(e.kind is EntryKind.DISCOUNT for e in entries(app))


def test_a_payment_without_a_date_is_dated_today(app: App) -> None:
    with_discount_terms(app)
    invoice(app, "inv-1", "100.00")
    entry = pay(app, "pay-1", "98.00")
    assert entry.paid_on == INVOICED
    assert app.credit.account(actor=CONTROLLER, company=ACME).balance == eur("0")


def test_a_payment_goes_to_the_invoices_it_is_allocated_to(app: App) -> None:
    acme_with_account(app)
    invoice(app, "inv-1", "100.00")
    invoice(app, "inv-2", "50.00")
    entry = pay(app, "pay-1", "50.00", allocations=[Allocation(invoice_id="inv-2")])
    assert [(a.invoice_id, a.amount) for a in entry.allocations] == [("inv-2", eur("50.00"))]
    report = app.credit.aging(actor=CONTROLLER, company=ACME)
    assert {item.invoice_id for item in report.items_by_bucket[AgingBucket.NOT_DUE]} == {"inv-1"}


def test_what_an_allocated_payment_leaves_stays_on_account_until_allocated(
    app: App, clock: ManualClock
) -> None:
    acme_with_account(app)
    invoice(app, "inv-1", "100.00")
    pay(app, "pay-1", "130.00", allocations=[Allocation(invoice_id="inv-1")])
    clock.advance(timedelta(days=1))
    invoice(app, "inv-2", "50.00")
    statement = app.credit.open_items(actor=CONTROLLER, company=ACME)
    assert [invoice.invoice_id for invoice in statement.invoices] == ["inv-2"]
    assert dict(statement.advances) == {"pay-1": eur("30.00")}
    entry = app.credit.allocate_payment(
        actor=CONTROLLER,
        company=ACME,
        payment="pay-1",
        allocations=[Allocation(invoice_id="inv-2")],
    )
    assert entry.kind is EntryKind.ALLOCATION
    assert entry.amount == eur("30.00")
    after = app.credit.open_items(actor=CONTROLLER, company=ACME)
    assert after.open_total == eur("20.00")
    assert dict(after.advances) == {}
    assert app.credit.account(actor=CONTROLLER, company=ACME).balance == eur("20.00")


def test_a_payment_on_account_is_an_advance(app: App) -> None:
    acme_with_account(app)
    invoice(app, "inv-1", "100.00")
    pay(app, "adv-1", "40.00", on_account=True)
    statement = app.credit.open_items(actor=CONTROLLER, company=ACME)
    assert statement.open_total == eur("100.00")
    assert dict(statement.advances) == {"adv-1": eur("40.00")}
    assert app.credit.account(actor=CONTROLLER, company=ACME).balance == eur("60.00")


def test_allocating_an_unknown_advance_or_too_much_is_refused_and_nothing_is_written(
    app: App,
) -> None:
    acme_with_account(app)
    invoice(app, "inv-1", "100.00")
    pay(app, "adv-1", "40.00", on_account=True)
    before = snapshot(app)
    with pytest.raises(NotFound):
        app.credit.allocate_payment(
            actor=CONTROLLER,
            company=ACME,
            payment="nope",
            allocations=[Allocation(invoice_id="inv-1")],
        )
    with pytest.raises(ValidationError, match="more than the payment"):
        app.credit.allocate_payment(
            actor=CONTROLLER,
            company=ACME,
            payment="adv-1",
            allocations=[Allocation(invoice_id="inv-1", amount=eur("50.00"))],
        )
    with pytest.raises(ValidationError, match="nothing open"):
        pay(app, "pay-2", "10.00", allocations=[Allocation(invoice_id="inv-9")])
    assert snapshot(app) == before


def test_an_over_payment_stays_as_credit_and_settles_the_next_invoice(
    app: App, clock: ManualClock
) -> None:
    acme_with_account(app)
    invoice(app, "inv-1", "100.00")
    pay(app, "pay-1", "150.00")
    assert app.credit.account(actor=CONTROLLER, company=ACME).balance == eur("-50.00")
    clock.advance(timedelta(days=1))
    invoice(app, "inv-2", "80.00")
    statement = app.credit.open_items(actor=CONTROLLER, company=ACME)
    assert statement.open_total == eur("30.00")


def test_lowering_the_limit_below_the_balance_needs_a_reason(app: App) -> None:
    acme_with_account(app, limit="1000")
    invoice(app, "inv-1", "600.00")
    before = snapshot(app)
    with pytest.raises(ValidationError, match="give a reason") as raised:
        app.credit.set_credit_limit(actor=CONTROLLER, company=ACME, credit_limit=eur("500"))
    assert raised.value.field == "reason"
    assert snapshot(app) == before
    app.credit.set_credit_limit(
        actor=CONTROLLER, company=ACME, credit_limit=eur("500"), reason="Late payer, review Q3"
    )
    assert app.credit.account(actor=CONTROLLER, company=ACME).credit_limit == eur("500")
    with app.store.unit_of_work() as uow:
        event = uow.outbox.pending()[-1].event
    assert event.name == "credit.limit_changed"
    assert event.payload["reason"] == "Late payer, review Q3"
    assert event.payload["below_balance"] is True


def test_lowering_the_limit_to_the_balance_or_above_needs_no_reason(app: App) -> None:
    acme_with_account(app, limit="1000")
    invoice(app, "inv-1", "600.00")
    app.credit.set_credit_limit(actor=CONTROLLER, company=ACME, credit_limit=eur("600"))
    assert app.credit.account(actor=CONTROLLER, company=ACME).credit_limit == eur("600")


def test_the_open_item_statement_lists_invoices_with_their_instalments(app: App) -> None:
    acme_with_account(app, terms="TWO_PART_30_60")
    invoice(app, "inv-1", "100.00")
    pay(app, "pay-1", "30.00")
    statement = app.credit.open_items(actor=CONTROLLER, company=ACME)
    (only,) = statement.invoices
    assert only.invoice_id == "inv-1"
    assert [(i.instalment, i.open_amount) for i in only.instalments] == [
        (1, eur("20.00")),
        (2, eur("50.00")),
    ]
    assert only.open_amount == eur("70.00")
    assert statement.balance == app.credit.account(actor=CONTROLLER, company=ACME).balance


def test_aging_as_of_a_past_day_leaves_out_what_was_booked_later(
    app: App, clock: ManualClock
) -> None:
    acme_with_account(app)
    invoice(app, "inv-1", "100.00")
    clock.advance(timedelta(days=3))
    pay(app, "pay-1", "100.00")
    then = app.credit.aging(actor=CONTROLLER, company=ACME, as_of=INVOICED)
    now = app.credit.aging(actor=CONTROLLER, company=ACME)
    assert (then.total_open, now.total_open) == (eur("100.00"), eur("0"))
    assert app.credit.aging(actor=CONTROLLER, company=ACME, as_of=date(2026, 3, 31)).total_open == (
        eur("0")
    )


def test_receivables_aging_reports_every_account_in_any_columns(app: App) -> None:
    acme_with_account(app)
    app.companies.onboard(actor=REP, id="globex", name="Globex", currency="EUR")
    app.credit.open_account(actor=CONTROLLER, company=GLOBEX, credit_limit=eur("1000"))
    invoice(app, "inv-1", "100.00", day=date(2026, 2, 1))  # due 3 March: 29 days late
    app.credit.post_invoice(
        actor=CONTROLLER, company=GLOBEX, invoice="g-1", amount=eur("40.00"), invoice_date=INVOICED
    )
    report = app.credit.receivables_aging(actor=CONTROLLER, boundaries=[15, 45])
    assert [row.company_id for row in report.rows] == ["acme", "globex"]
    assert report.currencies == ("EUR",)
    totals = {column.label: amount for column, amount in report.totals("EUR").items()}
    assert totals == {
        "not yet due": eur("40.00"),
        "1-15": eur("0"),
        "16-45": eur("100.00"),
        "over 45": eur("0"),
    }
    only_acme = app.credit.receivables_aging(actor=CONTROLLER, companies=[NORTH])
    assert [row.company_id for row in only_acme.rows] == ["acme"]


def test_receivables_aging_refuses_bad_boundaries(app: App) -> None:
    acme_with_account(app)
    with pytest.raises(ValidationError) as raised:
        app.credit.receivables_aging(actor=CONTROLLER, boundaries=[30, 10])
    assert raised.value.field == "boundaries"


@st.composite
def payment_runs(draw: st.DrawFn) -> list[tuple[str, int, int, int | None, bool]]:
    """Operations: (kind, cents, days after 1 April, target, on account).

    A kind is "invoice", "pay" or "allocate".
    """
    operations = []
    for _ in range(draw(st.integers(1, 8))):
        kind = draw(st.sampled_from(["invoice", "pay", "pay", "allocate"]))
        cents = draw(st.integers(1, 50_000))
        days = draw(st.integers(0, 40))
        target = draw(st.none() | st.integers(0, 7))
        operations.append((kind, cents, days, target, draw(st.booleans())))
    return operations


@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(run=payment_runs())
def test_the_balance_is_the_ledger_and_the_open_items_less_credit_after_any_payments(
    run: list[tuple[str, int, int, int | None, bool]],
) -> None:
    app = connect("memory://", clock=ManualClock(NOW), ids=SequentialIds("p-"))
    with_discount_terms(app)
    invoices: list[str] = []
    advances: list[str] = []
    for number, (kind, cents, days, target, on_account) in enumerate(run):
        amount = Money(Decimal(cents).scaleb(-2), "EUR")
        day = INVOICED + timedelta(days=days)
        try:
            if kind == "invoice":
                invoices.append(f"inv-{number}")
                invoice(app, invoices[-1], str(amount.amount), day=INVOICED)
            elif kind == "pay":
                chosen = (
                    [Allocation(invoice_id=invoices[target % len(invoices)])]
                    if target is not None and invoices
                    else None
                )
                app.credit.record_payment(
                    actor=CONTROLLER,
                    company=ACME,
                    payment=f"pay-{number}",
                    amount=amount,
                    paid_on=day,
                    allocations=chosen,
                    on_account=on_account,
                )
                if on_account or chosen:
                    advances.append(f"pay-{number}")
            elif advances and invoices and target is not None:
                app.credit.allocate_payment(
                    actor=CONTROLLER,
                    company=ACME,
                    payment=advances[target % len(advances)],
                    allocations=[Allocation(invoice_id=invoices[target % len(invoices)])],
                )
        except (ValidationError, NotFound):
            pass  # nothing open to allocate to, or the advance is used up: refused, not written
        account = app.credit.account(actor=CONTROLLER, company=ACME)
        statement = app.credit.open_items(actor=CONTROLLER, company=ACME, as_of=date(2026, 12, 31))
        assert replay(entries(app), "EUR").balance == account.balance
        assert statement.balance == account.balance
        assert all(
            item.open_amount.amount > 0 for i in statement.invoices for item in i.instalments
        )
        assert statement.unapplied.amount >= 0
        assert all(amount.amount > 0 for amount in statement.advances.values())


def test_a_reason_is_text(app: App) -> None:
    acme_with_account(app, limit="1000")
    with pytest.raises(ValidationError) as raised:
        app.credit.set_credit_limit(
            actor=CONTROLLER,
            company=ACME,
            credit_limit=eur("500"),
            reason=5,  # type: ignore[arg-type]
        )
    assert raised.value.field == "reason"


def test_an_invoice_says_its_untaxed_amount_for_a_discount_taken_of_it(app: App) -> None:
    untaxed_terms = PaymentTerms(
        code="2_10_UNTAXED",
        name="2% of the untaxed amount within 10 days, net 30",
        instalments=[InstalmentTerm(portion=PercentPortion(percent=100), due=net_days(30))],
        discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(2), on_untaxed=True),
    )
    app.credit.terms = STANDARD_TERMS.with_terms(untaxed_terms)
    acme_with_account(app, terms="2_10_UNTAXED")
    entry = app.credit.post_invoice(
        actor=CONTROLLER,
        company=ACME,
        invoice="inv-1",
        amount=eur("119.00"),
        invoice_date=INVOICED,
        untaxed_amount=eur("100.00"),
    )
    assert entry.instalments[0].discount == eur("2.00")
    pay(app, "pay-1", "117.00", paid_on=INVOICED)
    assert app.credit.account(actor=CONTROLLER, company=ACME).balance == eur("0")
