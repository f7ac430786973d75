"""Decision records and replay, on the pure engine: what was read is kept, and decides again."""

from __future__ import annotations

import json
from decimal import Decimal

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.exchange_rates import FixedRates
from b2b_customers.ids import OrderId
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    CreditPosition,
    DecisionRecord,
    OrderTotalLimit,
    Replay,
    decide,
    window_of,
)
from b2b_customers.limits.readings import (
    RecordedRates,
    RecordedSpend,
    RecordingRates,
    RecordingSpend,
)
from b2b_customers.limits.rule_versions import NO_RULES, rules_version
from b2b_customers.limits.spend import SpendKey, SpendTotals
from b2b_customers.serialization import make_converter
from tests.unit.test_engine import ACME, NOW, context, eur, limit, order, placed

converter = make_converter()
O1 = OrderId("o1")
MONTHLY = CalendarPeriod(unit="month")


def recorded(
    draft_total: str, *limits: object, history: tuple[str, ...] = (), **extra: object
) -> DecisionRecord:
    """Decide on an order as a service does (recording what is read) and keep the record."""
    totals = SpendTotals({ACME: "Europe/Berlin"})
    for number, amount in enumerate(history, start=1):
        totals.record(placed(amount, NOW, number=number))
    spend = RecordingSpend(totals)
    rates = extra.pop("rates", None)
    recording_rates = None if rates is None else RecordingRates(rates)  # type: ignore[arg-type]
    made = context(*limits, spend=totals, rates=recording_rates, **extra)  # type: ignore[arg-type]
    made = attrs.evolve(made, spend=spend)
    draft = order(draft_total)
    decision = decide(draft, made, NOW)
    return DecisionRecord.of(
        draft,
        made,
        decision,
        spend=spend.readings,
        conversions=() if recording_rates is None else recording_rates.conversions,
    )


def through_json(record: DecisionRecord) -> DecisionRecord:
    return converter.structure(
        json.loads(json.dumps(converter.unstructure(record))), DecisionRecord
    )


class TestARecord:
    def test_keeps_the_spend_the_engine_read(self) -> None:
        budget = limit(BudgetLimit(maximum=eur(1000), period=MONTHLY), name="Monthly")
        record = recorded("300", budget, history=("500",))

        (reading,) = record.spend
        assert reading.key == SpendKey.company(ACME)
        assert reading.spent == {"EUR": Decimal(500)}

    def test_keeps_only_the_limits_that_applied(self) -> None:
        applies = limit(OrderTotalLimit(maximum=eur(1000)), name="Here")
        inactive = attrs.evolve(limit(OrderTotalLimit(maximum=eur(10)), name="Off"), active=False)

        record = recorded("300", applies, inactive)

        assert record.limits == (applies,)
        assert record.limit_versions == {applies.id: 0}

    def test_keeps_the_conversions_it_made(self) -> None:
        in_usd = limit(OrderTotalLimit(maximum=Money(2000, "USD")), name="USD")
        rates = FixedRates({("EUR", "USD"): Decimal("1.10")})

        record = recorded("1000", in_usd, rates=rates)

        assert [c.result for c in record.conversions] == [Money("1100.00", "USD")]
        assert Replay.of(O1, through_json(record)).matches


class TestReplay:
    @given(
        total=st.integers(1, 3000),
        spent=st.lists(st.integers(1, 800), max_size=3),
        maximum=st.integers(100, 3000),
        available=st.integers(0, 4000),
    )
    def test_replaying_a_stored_record_gives_the_same_decision(
        self, total: int, spent: list[int], maximum: int, available: int
    ) -> None:
        budget = limit(BudgetLimit(maximum=eur(maximum), period=MONTHLY), name="Monthly")
        cap = limit(OrderTotalLimit(maximum=eur(maximum)), name="Cap")
        credit = CreditPosition(credit_limit=eur(available), balance=eur(0), reserved=eur(0))
        record = recorded(str(total), budget, cap, history=tuple(map(str, spent)), credit=credit)

        replay = Replay.of(O1, through_json(record))

        assert replay.matches
        assert replay.replayed.outcome is record.decision.outcome

    def test_a_record_the_engine_no_longer_agrees_with_does_not_match(self) -> None:
        cap = limit(OrderTotalLimit(maximum=eur(1000)), name="Cap")
        record = recorded("300", cap)
        tampered = attrs.evolve(
            record, decision=attrs.evolve(record.decision, policy_version="limits-0")
        )

        replay = Replay.of(O1, tampered)

        assert not replay.matches
        assert replay.replayed == record.decision

    def test_an_engine_asking_for_unrecorded_spend_is_refused(self) -> None:
        spend = RecordedSpend(())
        window = window_of(MONTHLY, NOW, time_zone="Europe/Berlin")

        with pytest.raises(ValidationError, match="no spend was recorded"):
            spend.spent(SpendKey.company(ACME), window)

    def test_an_unrecorded_conversion_is_a_currency_mismatch(self) -> None:
        with pytest.raises(CurrencyMismatch, match="no conversion"):
            RecordedRates(()).convert(eur(10), "USD", NOW)


class TestRulesVersion:
    def test_is_none_without_limits(self) -> None:
        assert rules_version([]) == NO_RULES

    def test_ignores_the_order_of_the_limits(self) -> None:
        one, two = (
            limit(OrderTotalLimit(maximum=eur(1)), name="A"),
            limit(OrderTotalLimit(maximum=eur(2)), name="B"),
        )
        assert rules_version([one, two]) == rules_version([two, one])

    @given(st.integers(0, 1000), st.integers(0, 1000))
    def test_differs_when_a_version_differs(self, before: int, after: int) -> None:
        base = limit(OrderTotalLimit(maximum=eur(1)), name="A")
        same = rules_version([attrs.evolve(base, version=before)]) == rules_version(
            [attrs.evolve(base, version=after)]
        )
        assert same == (before == after)

    def test_is_what_the_engine_records(self) -> None:
        cap = limit(OrderTotalLimit(maximum=eur(1000)), name="Cap")
        assert decide(order("10"), context(cap), NOW).policy_version == rules_version([cap])
        assert decide(order("10"), context(), NOW).policy_version == NO_RULES
