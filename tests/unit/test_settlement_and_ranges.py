"""Settling with early-payment discounts and allocations; aging in any bucket boundaries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.credit import (
    DEFAULT_BOUNDARIES,
    AgeRange,
    Allocation,
    CreditAccount,
    EarlyPaymentDiscount,
    EntryKind,
    InstalmentTerm,
    LedgerEntry,
    OpenItem,
    PaymentTerms,
    PercentPortion,
    age,
    age_ranges,
    net_days,
    open_items,
    replay,
    settle,
)
from b2b_customers.domain.money import money
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.ids import CompanyId, CreditAccountId
from tests.unit.test_aging import AS_OF, eur, item, report_days
from tests.unit.test_aging import open_items as item_lists

INVOICED = date(2027, 1, 15)


def discounted(
    invoice_id: str = "INV-1", amount: str = "100.00", discount: str = "2.00", until: int = 10
) -> OpenItem:
    return OpenItem(
        invoice_id=invoice_id,
        instalment=1,
        invoice_date=INVOICED,
        due_date=INVOICED + timedelta(days=30),
        open_amount=eur(amount),
        discount=eur(discount),
        discount_until=INVOICED + timedelta(days=until),
    )


class TestDiscountedSettlement:
    def test_the_discounted_amount_inside_the_window_settles_the_item(self):
        settled = settle([discounted()], eur("98.00"), paid_on=INVOICED + timedelta(days=10))
        assert settled.items == ()
        assert [(i.invoice_id, a) for i, a in settled.discounts] == [("INV-1", eur("2.00"))]
        assert settled.discounted == eur("2.00")
        assert settled.unapplied == eur("0")

    def test_after_the_window_the_discount_is_not_earned(self):
        settled = settle([discounted()], eur("98.00"), paid_on=INVOICED + timedelta(days=11))
        assert [i.open_amount for i in settled.items] == [eur("2.00")]
        assert settled.discounts == ()

    def test_without_a_payment_date_no_discount_is_earned(self):
        settled = settle([discounted()], eur("98.00"))
        assert [i.open_amount for i in settled.items] == [eur("2.00")]

    def test_a_short_payment_earns_nothing_until_the_rest_comes_in_the_window(self):
        inside = INVOICED + timedelta(days=5)
        first = settle([discounted()], eur("50.00"), paid_on=inside)
        assert first.discounts == ()
        second = settle(first.items, eur("48.00"), paid_on=inside)
        assert second.items == ()
        assert second.discounted == eur("2.00")

    def test_paying_the_full_amount_in_the_window_leaves_the_discount_unapplied(self):
        settled = settle([discounted()], eur("100.00"), paid_on=INVOICED)
        assert settled.unapplied == eur("2.00")
        assert settled.discounted == eur("2.00")

    def test_an_item_needs_both_discount_and_discount_until(self):
        with pytest.raises(ValidationError, match="both discount"):
            OpenItem(
                invoice_id="I",
                instalment=1,
                invoice_date=INVOICED,
                due_date=INVOICED,
                open_amount=eur("1"),
                discount=eur("0.10"),
            )

    def test_a_discount_in_another_currency_is_refused(self):
        with pytest.raises(CurrencyMismatch):
            OpenItem(
                invoice_id="I",
                instalment=1,
                invoice_date=INVOICED,
                due_date=INVOICED,
                open_amount=eur("1"),
                discount=money("0.10", "USD"),
                discount_until=INVOICED,
            )


class TestAllocatedSettlement:
    def test_goes_to_the_named_invoice_first(self):
        old = item("OLD", due=AS_OF - timedelta(days=40))
        new = item("NEW", due=AS_OF)
        settled = settle([old, new], eur("100.00"), allocations=[Allocation(invoice_id="NEW")])
        assert [i.invoice_id for i in settled.items] == ["OLD"]

    def test_an_allocation_to_one_instalment_leaves_the_others(self):
        first = item("INV", instalment=1, due=AS_OF)
        second = item("INV", instalment=2, due=AS_OF + timedelta(days=30))
        settled = settle(
            [first, second], eur("100.00"), allocations=[Allocation(invoice_id="INV", instalment=2)]
        )
        assert [i.instalment for i in settled.items] == [1]

    def test_an_allocation_of_part_leaves_the_rest_unapplied(self):
        settled = settle(
            [item("INV")],
            eur("100.00"),
            allocations=[Allocation(invoice_id="INV", amount=eur("30.00"))],
        )
        assert settled.unapplied == eur("70.00")
        assert [i.open_amount for i in settled.items] == [eur("70.00")]

    def test_no_allocations_at_all_applies_nothing(self):
        settled = settle([item("INV")], eur("10.00"), allocations=[])
        assert settled.unapplied == eur("10.00")

    def test_refuses_an_invoice_with_nothing_open(self):
        with pytest.raises(ValidationError, match="nothing open"):
            settle([item("INV")], eur("10.00"), allocations=[Allocation(invoice_id="OTHER")])

    def test_refuses_more_than_the_invoice_needs(self):
        with pytest.raises(ValidationError, match="more than invoice INV needs"):
            settle(
                [item("INV")],
                eur("500.00"),
                allocations=[Allocation(invoice_id="INV", amount=eur("101.00"))],
            )

    def test_refuses_something_that_is_not_an_allocation(self):
        with pytest.raises(ValidationError, match="every allocation"):
            settle([item("INV")], eur("10.00"), allocations=["INV"])  # type: ignore[list-item]

    @pytest.mark.parametrize("amount", [eur("0"), eur("-1")])
    def test_an_allocation_is_of_more_than_zero(self, amount):
        with pytest.raises(ValidationError):
            Allocation(invoice_id="INV", amount=amount)


class TestAgeRanges:
    def test_the_default_boundaries_are_todays_buckets(self):
        assert [column.label for column in age_ranges()] == [
            "not yet due",
            "1-30",
            "31-60",
            "61-90",
            "91-120",
            "over 120",
        ]
        assert DEFAULT_BOUNDARIES == (30, 60, 90, 120)

    def test_other_boundaries(self):
        assert [column.label for column in age_ranges([15, 45])] == [
            "not yet due",
            "1-15",
            "16-45",
            "over 45",
        ]

    def test_no_boundaries_is_due_or_overdue(self):
        assert age_ranges(()) == (AgeRange(first=None, last=0), AgeRange(first=1, last=None))

    @pytest.mark.parametrize("boundaries", [[0], [30, 30], [60, 30], [1.5], "30", None, [True]])
    def test_refuses_boundaries_that_are_not_increasing_days(self, boundaries):
        with pytest.raises(ValidationError) as raised:
            age_ranges(boundaries)
        assert raised.value.field == "boundaries"

    def test_a_report_totals_in_other_columns(self):
        report = age(
            [
                item("A", due=AS_OF - timedelta(days=10)),
                item("B", due=AS_OF - timedelta(days=20)),
                item("C", due=AS_OF),
            ],
            AS_OF,
            "EUR",
        )
        totals = {column.label: amount for column, amount in report.totals_by_range([15]).items()}
        assert totals == {"not yet due": eur("100"), "1-15": eur("100"), "over 15": eur("100")}


def _ledger_after_payment(
    amount: Decimal, percent: int, days_late: int
) -> tuple[CreditAccount, list[LedgerEntry]]:
    terms = PaymentTerms(
        code="D",
        name="D",
        instalments=[InstalmentTerm(portion=PercentPortion(percent=100), due=net_days(30))],
        discount=EarlyPaymentDiscount(within_days=10, percent=Decimal(percent)),
    )
    total = money(amount, "EUR")
    (instalment,) = terms.schedule(total, INVOICED)
    at = datetime(2027, 1, 15, 12, tzinfo=UTC)
    account = CreditAccount(
        id=CreditAccountId("a"),
        company_id=CompanyId("c"),
        currency="EUR",
        credit_limit=money(10**9, "EUR"),
    )
    account, invoice = account.post_invoice(
        "INV", total, entry_id="e1", at=at, invoice_date=INVOICED, instalments=[instalment]
    )
    assert instalment.discount_until is not None
    paid_on = instalment.discount_until + timedelta(days=days_late)
    paid = instalment.amount_due_on(paid_on)
    settled = settle(open_items([invoice], "EUR").items, paid, paid_on=paid_on)
    entries = [invoice]
    if settled.discounts:
        account, discount = account.book_allocation(
            EntryKind.DISCOUNT,
            "PAY",
            [
                Allocation(invoice_id=i.invoice_id, instalment=i.instalment, amount=a)
                for i, a in settled.discounts
            ],
            entry_id="e2",
            at=at,
        )
        entries.append(discount)
    account, payment = account.receive_payment(
        "PAY",
        paid,
        entry_id="e3",
        at=at,
        paid_on=paid_on,
        allocations=[
            Allocation(invoice_id=i.invoice_id, instalment=i.instalment, amount=a)
            for i, a in settled.applied
        ],
    )
    entries.append(payment)
    return account, entries


class TestProperties:
    @given(
        amount=st.integers(1, 10**8).map(lambda cents: Decimal(cents).scaleb(-2)),
        percent=st.integers(1, 20),
    )
    def test_paying_the_discounted_amount_inside_the_window_leaves_nothing_open(
        self, amount, percent
    ):
        account, entries = _ledger_after_payment(amount, percent, days_late=0)
        state = open_items(entries, "EUR")
        assert state.items == ()
        assert state.unapplied == eur("0")
        assert account.balance == eur("0") == replay(entries, "EUR").balance

    @given(
        amount=st.integers(1, 10**8).map(lambda cents: Decimal(cents).scaleb(-2)),
        percent=st.integers(1, 20),
    )
    def test_the_balance_is_always_the_replay_and_the_open_items_less_credit(self, amount, percent):
        account, entries = _ledger_after_payment(amount, percent, days_late=1)
        state = open_items(entries, "EUR")
        assert account.balance == replay(entries, "EUR").balance
        assert state.open_total - state.credit == account.balance

    @given(
        items=item_lists(),
        as_of=report_days,
        boundaries=st.lists(st.integers(1, 400), max_size=8, unique=True).map(sorted),
    )
    def test_aging_columns_partition_the_open_amount_for_any_boundaries(
        self, items, as_of, boundaries
    ):
        report = age(items, as_of, "EUR")
        by_range = report.items_by_range(boundaries)
        placed = [i.key for column_items in by_range.values() for i in column_items]
        assert sorted(placed) == sorted(i.key for i in items if i.open_amount.amount > 0)
        assert sum(a.amount for a in report.totals_by_range(boundaries).values()) == (
            report.total_open.amount
        )

    @given(items=item_lists(), payment=st.integers(1, 10**7), paid_on=report_days)
    def test_settled_plus_discounts_plus_still_open_is_what_was_open(self, items, payment, paid_on):
        with_discounts = [
            i.__class__(
                invoice_id=i.invoice_id,
                instalment=i.instalment,
                invoice_date=i.invoice_date,
                due_date=i.due_date,
                open_amount=i.open_amount,
                discount=money(i.open_amount.amount / 50, "EUR").round(2),
                discount_until=i.invoice_date + timedelta(days=10),
            )
            for i in items
        ]
        settled = settle(with_discounts, eur(Decimal(payment).scaleb(-2)), paid_on=paid_on)
        before = sum(i.open_amount.amount for i in with_discounts)
        after = sum(i.open_amount.amount for i in settled.items)
        assert before == after + settled.settled.amount + settled.discounted.amount


AT = datetime(2027, 1, 15, 12, tzinfo=UTC)


def entry(kind: EntryKind, amount: str, sequence: int = 1, **fields: object) -> LedgerEntry:
    return LedgerEntry(
        id=f"e{sequence}",
        account_id=CreditAccountId("a"),
        sequence=sequence,
        kind=kind,
        amount=eur(amount),
        occurred_at=AT,
        **fields,  # type: ignore[arg-type]
    )


def to(invoice_id: str, amount: str) -> Allocation:
    return Allocation(invoice_id=invoice_id, instalment=1, amount=eur(amount))


class TestLedgerAllocations:
    def test_a_discount_is_allocated_in_full(self):
        with pytest.raises(ValidationError, match="allocated in full"):
            entry(EntryKind.DISCOUNT, "2.00", allocations=[to("INV", "1.00")])

    def test_an_invoice_is_not_allocated(self):
        with pytest.raises(ValidationError, match="not allocated"):
            entry(EntryKind.INVOICE, "2.00", allocations=[to("INV", "2.00")])

    def test_only_a_payment_has_a_payment_date_or_stays_on_account(self):
        with pytest.raises(ValidationError, match="only a payment"):
            entry(EntryKind.CREDIT_NOTE, "2.00", paid_on=INVOICED)
        with pytest.raises(ValidationError, match="only a payment"):
            entry(EntryKind.CREDIT_NOTE, "2.00", on_account=True)

    def test_refuses_allocations_beyond_the_payment(self):
        with pytest.raises(ValidationError, match="more than the payment"):
            entry(EntryKind.PAYMENT, "2.00", allocations=[to("INV", "3.00")])

    def test_refuses_an_allocation_without_its_instalment_or_amount(self):
        with pytest.raises(ValidationError, match="names its instalment and amount"):
            entry(EntryKind.PAYMENT, "2.00", allocations=[Allocation(invoice_id="INV")])

    def test_refuses_a_non_bool_on_account(self):
        with pytest.raises(ValidationError):
            entry(EntryKind.PAYMENT, "2.00", on_account="yes")


class TestReplayOfAdvances:
    def invoice(self, number: str, amount: str, sequence: int) -> LedgerEntry:
        return entry(EntryKind.INVOICE, amount, sequence, reference=number)

    def test_an_advance_waits_on_account_until_allocated(self):
        ledger = [
            self.invoice("INV-1", "100.00", 1),
            entry(EntryKind.PAYMENT, "60.00", 2, reference="ADV", on_account=True),
            self.invoice("INV-2", "50.00", 3),
        ]
        state = open_items(ledger, "EUR")
        assert state.open_total == eur("150.00")
        assert dict(state.advances) == {"ADV": eur("60.00")}
        ledger.append(
            entry(
                EntryKind.ALLOCATION,
                "50.00",
                4,
                reference="ADV",
                allocations=[to("INV-2", "50.00")],
            )
        )
        state = open_items(ledger, "EUR")
        assert [i.invoice_id for i in state.items] == ["INV-1"]
        assert dict(state.advances) == {"ADV": eur("10.00")}
        assert state.open_total - state.credit == replay(ledger, "EUR").balance

    def test_what_an_allocated_payment_leaves_stays_on_account(self):
        ledger = [
            self.invoice("INV-1", "100.00", 1),
            self.invoice("INV-2", "100.00", 2),
            entry(
                EntryKind.PAYMENT,
                "130.00",
                3,
                reference="PAY",
                on_account=True,
                allocations=[to("INV-2", "100.00")],
            ),
        ]
        state = open_items(ledger, "EUR")
        assert [(i.invoice_id, i.open_amount) for i in state.items] == [("INV-1", eur("100.00"))]
        assert dict(state.advances) == {"PAY": eur("30.00")}

    def test_a_payment_without_allocations_settles_oldest_first_as_before(self):
        ledger = [
            self.invoice("INV-1", "100.00", 1),
            self.invoice("INV-2", "100.00", 2),
            entry(EntryKind.PAYMENT, "150.00", 3, reference="PAY"),
        ]
        state = open_items(ledger, "EUR")
        assert [(i.invoice_id, i.open_amount) for i in state.items] == [("INV-2", eur("50.00"))]
