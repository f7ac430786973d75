from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.credit.aging import (
    AgingBucket,
    AgingReport,
    OpenItem,
    Settlement,
    age,
    bucket_for,
    days_past_due,
    settle,
)
from b2b_customers.credit.payment_terms import TWO_PART_30_60
from b2b_customers.domain.money import money
from b2b_customers.errors import CurrencyMismatch, ValidationError

if TYPE_CHECKING:
    from moneyed import Money

AS_OF = date(2027, 6, 30)


def eur(amount: Decimal | str | int) -> Money:
    return money(amount, "EUR")


def item(
    invoice_id: str = "INV-1",
    *,
    instalment: int = 1,
    due: date = AS_OF,
    invoiced: date | None = None,
    amount: Money | None = None,
) -> OpenItem:
    return OpenItem(
        invoice_id=invoice_id,
        instalment=instalment,
        invoice_date=invoiced if invoiced is not None else due - timedelta(days=30),
        due_date=due,
        open_amount=amount if amount is not None else eur("100.00"),
    )


def days_ago(days: int) -> date:
    return AS_OF - timedelta(days=days)


# -- strategies


@st.composite
def open_items(draw: st.DrawFn, currency: str = "EUR") -> list[OpenItem]:
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(["A", "B", "C", "D"]), st.integers(1, 4)),
            unique=True,
            max_size=12,
        )
    )
    items = []
    for invoice_id, instalment in keys:
        invoiced = draw(st.dates(date(2026, 1, 1), date(2027, 12, 31)))
        cents = draw(st.integers(0, 1_000_000))
        items.append(
            OpenItem(
                invoice_id=invoice_id,
                instalment=instalment,
                invoice_date=invoiced,
                due_date=invoiced + timedelta(days=draw(st.integers(0, 120))),
                open_amount=money(Decimal(cents).scaleb(-2), currency),
            )
        )
    return items


payments = st.integers(1, 5_000_000).map(lambda cents: eur(Decimal(cents).scaleb(-2)))
report_days = st.dates(date(2026, 1, 1), date(2028, 12, 31))


class TestDaysPastDue:
    def test_is_zero_on_the_due_date(self):
        assert days_past_due(AS_OF, AS_OF) == 0

    def test_is_negative_before_the_due_date(self):
        assert days_past_due(AS_OF + timedelta(days=5), AS_OF) == -5

    def test_counts_days_after_the_due_date(self):
        assert days_past_due(date(2028, 2, 28), date(2028, 3, 1)) == 2
        assert days_past_due(date(2027, 2, 28), date(2027, 3, 1)) == 1

    def test_refuses_something_other_than_a_date(self):
        with pytest.raises(ValidationError) as raised:
            days_past_due("2027-06-30", AS_OF)  # type: ignore[arg-type]
        assert raised.value.field == "due_date"


class TestBucketFor:
    @pytest.mark.parametrize(
        ("days", "bucket"),
        [
            (-30, AgingBucket.NOT_DUE),
            (-1, AgingBucket.NOT_DUE),
            (0, AgingBucket.NOT_DUE),
            (1, AgingBucket.DAYS_1_30),
            (30, AgingBucket.DAYS_1_30),
            (31, AgingBucket.DAYS_31_60),
            (60, AgingBucket.DAYS_31_60),
            (61, AgingBucket.DAYS_61_90),
            (90, AgingBucket.DAYS_61_90),
            (91, AgingBucket.DAYS_91_120),
            (120, AgingBucket.DAYS_91_120),
            (121, AgingBucket.OVER_120),
            (5000, AgingBucket.OVER_120),
        ],
    )
    def test_sorts_by_days_past_due_with_inclusive_upper_bounds(self, days, bucket):
        assert bucket_for(days_ago(days), AS_OF) is bucket

    def test_an_instalment_due_today_is_not_overdue(self):
        assert bucket_for(AS_OF, AS_OF) is AgingBucket.NOT_DUE

    def test_an_instalment_due_yesterday_is_in_1_to_30(self):
        assert bucket_for(AS_OF - timedelta(days=1), AS_OF) is AgingBucket.DAYS_1_30

    def test_buckets_have_their_report_labels(self):
        assert [bucket.label for bucket in AgingBucket] == [
            "not yet due",
            "1-30",
            "31-60",
            "61-90",
            "91-120",
            "over 120",
        ]
        assert AgingBucket("days_31_60") is AgingBucket.DAYS_31_60

    def test_refuses_an_unknown_label(self):
        with pytest.raises(ValidationError, match="not a AgingBucket"):
            AgingBucket("0-30")


class TestOpenItem:
    def test_may_owe_nothing(self):
        assert item(amount=eur("0.00")).open_amount == eur("0.00")

    def test_refuses_a_negative_open_amount(self):
        with pytest.raises(ValidationError) as raised:
            item(amount=eur("-0.01"))
        assert raised.value.field == "open_amount"

    def test_refuses_instalment_zero(self):
        with pytest.raises(ValidationError) as raised:
            item(instalment=0)
        assert raised.value.field == "instalment"

    def test_refuses_an_empty_invoice_id(self):
        with pytest.raises(ValidationError) as raised:
            item("")
        assert raised.value.field == "invoice_id"

    def test_is_made_from_a_scheduled_instalment(self):
        invoiced = date(2027, 1, 15)
        first, second = TWO_PART_30_60.schedule(eur("100.01"), invoiced)
        opened = OpenItem.for_instalment("INV-9", invoiced, second)
        assert opened == OpenItem(
            invoice_id="INV-9",
            instalment=2,
            invoice_date=invoiced,
            due_date=second.due_date,
            open_amount=eur("50.00"),
        )
        assert first.number == 1


class TestSettle:
    def test_pays_the_oldest_due_date_first(self):
        newer = item("INV-2", due=days_ago(5))
        older = item("INV-1", due=days_ago(40))
        result = settle([newer, older], eur("150.00"))
        assert result.applied == ((older, eur("100.00")), (newer, eur("50.00")))
        assert result.items == (newer.with_open_amount(eur("50.00")),)
        assert result.unapplied == eur(0)

    def test_breaks_a_due_date_tie_by_invoice_date_then_id_then_instalment(self):
        due = days_ago(10)
        later_invoice = item("0", due=due, invoiced=days_ago(20))  # "0" sorts before "A"
        by_id_b = item("B", due=due, invoiced=days_ago(40))
        by_id_a_2 = item("A", instalment=2, due=due, invoiced=days_ago(40))
        by_id_a_1 = item("A", instalment=1, due=due, invoiced=days_ago(40))
        result = settle([later_invoice, by_id_b, by_id_a_2, by_id_a_1], eur("1000.00"))
        assert [paid for paid, _ in result.applied] == [
            by_id_a_1,
            by_id_a_2,
            by_id_b,
            later_invoice,
        ]

    def test_leaves_out_fully_paid_items(self):
        only = item()
        result = settle([only], eur("100.00"))
        assert result.items == ()
        assert result.applied == ((only, eur("100.00")),)

    def test_keeps_what_exceeds_everything_open_as_unapplied(self):
        result = settle([item(amount=eur("30.00"))], eur("100.00"))
        assert result.unapplied == eur("70.00")
        assert result.settled == eur("30.00")

    def test_a_payment_with_nothing_open_is_all_unapplied(self):
        assert settle([], eur("5.00")) == Settlement(items=(), applied=(), unapplied=eur("5.00"))

    def test_skips_items_that_owe_nothing(self):
        paid = item("A", due=days_ago(90), amount=eur(0))
        owed = item("B")
        result = settle([paid, owed], eur("10.00"))
        assert result.applied == ((owed, eur("10.00")),)
        assert result.items == (owed.with_open_amount(eur("90.00")),)

    def test_refuses_another_currency(self):
        with pytest.raises(CurrencyMismatch):
            settle([item()], money("100.00", "USD"))

    @pytest.mark.parametrize("payment", [eur("0"), eur("-5.00"), Decimal(5), None])
    def test_refuses_a_payment_that_is_not_a_positive_amount(self, payment):
        with pytest.raises(ValidationError) as raised:
            settle([item()], payment)
        assert raised.value.field == "payment"

    def test_refuses_the_same_instalment_twice(self):
        with pytest.raises(ValidationError, match="listed twice"):
            settle([item("A"), item("A", due=days_ago(3))], eur("1.00"))


class TestAge:
    def test_totals_each_bucket_with_every_bucket_present(self):
        report = age(
            [
                item("A", due=AS_OF, amount=eur("10.00")),
                item("B", due=days_ago(1), amount=eur("20.00")),
                item("C", due=days_ago(31), amount=eur("30.00")),
                item("D", due=days_ago(121), amount=eur("40.00")),
            ],
            AS_OF,
            "EUR",
        )
        assert dict(report.totals) == {
            AgingBucket.NOT_DUE: eur("10.00"),
            AgingBucket.DAYS_1_30: eur("20.00"),
            AgingBucket.DAYS_31_60: eur("30.00"),
            AgingBucket.DAYS_61_90: eur(0),
            AgingBucket.DAYS_91_120: eur(0),
            AgingBucket.OVER_120: eur("40.00"),
        }
        assert report.total_open == eur("100.00")
        assert report.overdue_total == eur("90.00")
        assert report.oldest_days_past_due == 121

    def test_an_empty_report_has_zero_everywhere(self):
        report = age([], AS_OF, "EUR")
        assert set(report.totals) == set(AgingBucket)
        assert all(amount == eur(0) for amount in report.totals.values())
        assert all(items == () for items in report.items_by_bucket.values())
        assert report.total_open == eur(0)
        assert report.oldest_days_past_due == 0

    def test_nothing_overdue_means_zero_days_past_due(self):
        report = age([item(due=AS_OF + timedelta(days=10))], AS_OF, "EUR")
        assert report.oldest_days_past_due == 0
        assert report.overdue_total == eur(0)

    def test_lists_the_items_of_a_bucket_oldest_first(self):
        newer = item("A", due=days_ago(2))
        older = item("B", due=days_ago(20))
        report = age([newer, older], AS_OF, "EUR")
        assert report.items_by_bucket[AgingBucket.DAYS_1_30] == (older, newer)

    def test_leaves_out_items_owing_nothing(self):
        report = age([item(due=days_ago(200), amount=eur(0))], AS_OF, "EUR")
        assert report.items_by_bucket[AgingBucket.OVER_120] == ()
        assert report.oldest_days_past_due == 0

    def test_refuses_items_in_another_currency(self):
        with pytest.raises(CurrencyMismatch):
            age([item()], AS_OF, "USD")

    def test_refuses_an_unknown_currency(self):
        with pytest.raises(ValidationError) as raised:
            age([], AS_OF, "XXY")
        assert raised.value.field == "currency"

    def test_accepts_a_lower_case_currency(self):
        assert age([item()], AS_OF, "eur").currency == "EUR"

    def test_refuses_a_report_with_an_item_in_the_wrong_bucket(self):
        with pytest.raises(ValidationError) as raised:
            AgingReport(
                as_of=AS_OF,
                currency="EUR",
                items_by_bucket={AgingBucket.OVER_120: (item(due=AS_OF),)},
            )
        assert raised.value.field == "items_by_bucket"

    def test_a_report_accepts_bucket_values_and_fills_in_missing_buckets(self):
        report = AgingReport(
            as_of=AS_OF, currency="EUR", items_by_bucket={"days_1_30": [item(due=days_ago(1))]}
        )
        assert report.items_by_bucket[AgingBucket.DAYS_1_30] == (item(due=days_ago(1)),)
        assert report.items_by_bucket[AgingBucket.OVER_120] == ()

    @pytest.mark.parametrize(
        "items_by_bucket", [{"0-30": ()}, {AgingBucket.NOT_DUE: ["not an item"]}, ["a list"]]
    )
    def test_a_report_refuses_what_is_not_items_by_bucket(self, items_by_bucket):
        with pytest.raises(ValidationError) as raised:
            AgingReport(as_of=AS_OF, currency="EUR", items_by_bucket=items_by_bucket)
        assert raised.value.field == "items_by_bucket"

    def test_a_report_is_read_only(self):
        report = age([item()], AS_OF, "EUR")
        with pytest.raises(TypeError):
            report.items_by_bucket[AgingBucket.NOT_DUE] = ()  # type: ignore[index]


class TestSettleProperties:
    @given(items=open_items(), payment=payments)
    def test_settled_plus_unapplied_is_the_payment(self, items, payment):
        result = settle(items, payment)
        assert result.settled.amount + result.unapplied.amount == payment.amount
        assert result.unapplied.amount >= 0

    @given(items=open_items(), payment=payments)
    def test_what_is_settled_leaves_the_open_total(self, items, payment):
        result = settle(items, payment)
        before = sum(item.open_amount.amount for item in items)
        after = sum(item.open_amount.amount for item in result.items)
        assert before - after == result.settled.amount
        assert all(item.open_amount.amount > 0 for item in result.items)

    @given(items=open_items(), payment=payments)
    def test_pays_no_item_while_an_older_one_stays_open(self, items, payment):
        result = settle(items, payment)
        if result.items:
            oldest_open = result.items[0].sort_key
            assert all(paid.sort_key <= oldest_open for paid, _ in result.applied)

    @given(items=open_items(), parts=st.lists(payments, min_size=1, max_size=5))
    def test_one_payment_settles_like_several_of_the_same_total(self, items, parts):
        whole = settle(items, eur(sum(part.amount for part in parts)))
        remaining = items
        unapplied = Decimal(0)
        for part in parts:
            step = settle(remaining, part)
            remaining = list(step.items)
            unapplied += step.unapplied.amount
        assert tuple(remaining) == whole.items
        assert unapplied == whole.unapplied.amount

    @given(items=open_items(), payment=payments)
    def test_does_not_depend_on_the_order_of_the_items(self, items, payment):
        assert settle(items, payment) == settle(list(reversed(items)), payment)


class TestAgeProperties:
    @given(items=open_items(), as_of=report_days)
    def test_bucket_totals_sum_to_the_total_open(self, items, as_of):
        report = age(items, as_of, "EUR")
        assert sum(amount.amount for amount in report.totals.values()) == (report.total_open.amount)
        assert report.total_open.amount == sum(item.open_amount.amount for item in items)

    @given(items=open_items(), as_of=report_days)
    def test_overdue_is_everything_but_not_due(self, items, as_of):
        report = age(items, as_of, "EUR")
        not_due = report.totals[AgingBucket.NOT_DUE]
        assert report.overdue_total.amount == report.total_open.amount - not_due.amount

    @given(items=open_items(), as_of=report_days)
    def test_every_item_sits_in_its_own_bucket(self, items, as_of):
        report = age(items, as_of, "EUR")
        for bucket, bucket_items in report.items_by_bucket.items():
            for aged in bucket_items:
                assert bucket_for(aged.due_date, as_of) is bucket
        assert report.oldest_days_past_due >= 0
        if report.oldest_days_past_due > 0:
            assert report.overdue_total.amount > 0
