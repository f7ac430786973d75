"""The decision engine: every rule on both sides of its boundary, and its invariants."""

from __future__ import annotations

import copy
import pickle
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.domain import Company, CompanyStatus, Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord, OrderStatus
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.exchange_rates import FixedRates
from b2b_customers.ids import CompanyId, CustomerId, LimitId, LocationId, OrderId
from b2b_customers.limits.decision import Decision, DeferredMessage, Outcome, RuleResult
from b2b_customers.limits.engine import CreditPosition, DecisionContext, decide
from b2b_customers.limits.periods import CalendarPeriod, CalendarUnit, LifetimePeriod, window_of
from b2b_customers.limits.rules import (
    BudgetLimit,
    DistinctSkuLimit,
    FlaggedItems,
    LimitRule,
    LimitScope,
    OnExceed,
    OrderTotalLimit,
    PoNumberRequired,
    PurchasingLimit,
    QuantityLimit,
    RestrictedCatalog,
    ScopeKind,
)
from b2b_customers.limits.spend import SpendTotals
from b2b_customers.serialization import make_converter

NOW = datetime(2026, 2, 10, 10, tzinfo=UTC)
ACME = CompanyId("acme")
NORTH = CompanyId("acme-north")
BOB = CustomerId("bob")

acme = Company(
    id=ACME,
    name="ACME GmbH",
    currency="EUR",
    time_zone="Europe/Berlin",
    specific_products={"DRILL-9", "SAW-1"},
)
north = Company(
    id=NORTH, name="ACME North", currency="EUR", time_zone="Europe/Berlin", parent_id=ACME
)


def buyer(role: Role = Role.BUYER, company: CompanyId = ACME) -> Customer:
    return Customer(
        id=BOB, email="bob@acme.example", first_name="Bob", last_name="Buyer"
    ).with_roles(company, [role])


def eur(amount: str | int) -> Money:
    return Money(Decimal(amount), "EUR")


def order(
    total: str = "100", *, company: CompanyId = ACME, sku: str = "DRILL-9", **extra: Any
) -> OrderDraft:
    return OrderDraft(
        company_id=company,
        buyer_id=BOB,
        lines=[OrderLine(sku=sku, quantity=1, unit_price=eur(total))],
        **extra,
    )


def limit(
    rule: LimitRule,
    *,
    on_exceed: OnExceed = OnExceed.APPROVAL,
    scope: LimitScope | None = None,
    name: str = "Limit",
) -> PurchasingLimit:
    return PurchasingLimit(
        id=LimitId(f"l-{name}"),
        scope=scope or LimitScope(kind=ScopeKind.COMPANY, company_id=ACME),
        rule=rule,
        on_exceed=on_exceed,
        name=name,
    )


def context(
    *limits: PurchasingLimit,
    company: Company = acme,
    who: Customer | None = None,
    spend: SpendTotals | None = None,
    **extra: Any,
) -> DecisionContext:
    return DecisionContext(
        company=company,
        buyer=who or buyer(),
        limits=limits,
        spend=spend or SpendTotals({ACME: "Europe/Berlin", NORTH: "Europe/Berlin"}),
        **extra,
    )


def placed(total: str, at: datetime, *, company: CompanyId = ACME, number: int = 1) -> OrderRecord:
    return OrderRecord(
        id=OrderId(f"o{number}"),
        company_id=company,
        buyer_id=BOB,
        total=eur(total),
        placed_at=at,
        status=OrderStatus.PLACED,
    )


class TestWhoOrders:
    def test_a_buyer_within_every_limit_is_allowed(self) -> None:
        decision = decide(order("100"), context(limit(OrderTotalLimit(maximum=eur(500)))), NOW)
        assert decision.outcome is Outcome.ALLOWED
        assert decision.allowed

    def test_no_limit_means_unconstrained(self) -> None:
        assert decide(order("999999"), context(), NOW).outcome is Outcome.ALLOWED

    def test_a_customer_without_a_buying_role_is_denied(self) -> None:
        decision = decide(order(), context(who=buyer(Role.FINANCE)), NOW)
        assert decision.outcome is Outcome.DENIED
        assert "no buying role" in decision.explain()

    def test_a_customer_of_another_company_is_denied(self) -> None:
        decision = decide(order(), context(who=buyer(company=NORTH)), NOW)
        assert decision.outcome is Outcome.DENIED

    def test_a_company_on_hold_may_not_order(self) -> None:
        held = acme.with_status(CompanyStatus.ON_HOLD)
        assert decide(order(), context(company=held), NOW).outcome is Outcome.DENIED

    def test_a_requester_needs_approval_for_every_order(self) -> None:
        decision = decide(order("1"), context(who=buyer(Role.REQUESTER)), NOW)
        assert decision.outcome is Outcome.APPROVAL_REQUIRED
        assert decision.approver_roles == ("admin", "buyer")

    def test_an_order_for_another_company_than_the_context_is_refused(self) -> None:
        with pytest.raises(ValidationError, match="context"):
            decide(order(company=NORTH), context(), NOW)


class TestOrderTotal:
    def test_exactly_the_limit_is_within_it(self) -> None:
        assert decide(order("500"), context(limit(OrderTotalLimit(maximum=eur(500)))), NOW).allowed

    def test_one_cent_more_needs_approval(self) -> None:
        decision = decide(order("500.01"), context(limit(OrderTotalLimit(maximum=eur(500)))), NOW)
        assert decision.outcome is Outcome.APPROVAL_REQUIRED
        assert decision.approver_roles == ("admin",)

    def test_a_deny_limit_denies(self) -> None:
        rule = limit(OrderTotalLimit(maximum=eur(500)), on_exceed=OnExceed.DENY)
        assert decide(order("500.01"), context(rule), NOW).outcome is Outcome.DENIED

    def test_a_zero_limit_is_crossed_by_every_order(self) -> None:
        decision = decide(order("0.01"), context(limit(OrderTotalLimit(maximum=eur(0)))), NOW)
        assert decision.outcome is Outcome.APPROVAL_REQUIRED

    def test_an_inactive_limit_is_not_applied(self) -> None:
        rule = limit(OrderTotalLimit(maximum=eur(1)), on_exceed=OnExceed.DENY)
        inactive = PurchasingLimit(
            id=rule.id, scope=rule.scope, rule=rule.rule, on_exceed=rule.on_exceed, active=False
        )
        assert decide(order("100"), context(inactive), NOW).allowed


class TestBudgets:
    monthly = BudgetLimit(maximum=eur(1000), period=CalendarPeriod(unit=CalendarUnit.MONTH))

    def test_spend_plus_order_equal_to_the_budget_is_within_it(self) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin"})
        spend.record(placed("600", NOW - timedelta(days=2)))
        decision = decide(order("400"), context(limit(self.monthly), spend=spend), NOW)
        assert decision.allowed
        budget = next(result for result in decision.results if result.rule == "budget")
        assert (budget.spent, budget.order_amount, budget.remaining) == (
            eur(600),
            eur(400),
            eur(400),
        )

    def test_one_cent_over_the_budget_needs_approval(self) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin"})
        spend.record(placed("600", NOW - timedelta(days=2)))
        decision = decide(order("400.01"), context(limit(self.monthly), spend=spend), NOW)
        assert decision.outcome is Outcome.APPROVAL_REQUIRED
        assert "would exceed 1,000.00 EUR" in decision.explain()

    def test_spend_is_counted_in_the_companys_time_zone(self) -> None:
        # 23:30 UTC on 31 January is 00:30 on 1 February in Berlin: it counts in February.
        spend = SpendTotals({ACME: "Europe/Berlin"})
        spend.record(placed("900", datetime(2026, 1, 31, 23, 30, tzinfo=UTC)))
        decision = decide(order("200"), context(limit(self.monthly), spend=spend), NOW)
        assert decision.outcome is Outcome.APPROVAL_REQUIRED

    def test_last_months_spend_does_not_count(self) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin"})
        spend.record(placed("900", datetime(2026, 1, 31, 22, 30, tzinfo=UTC)))  # 23:30 in Berlin
        assert decide(order("200"), context(limit(self.monthly), spend=spend), NOW).allowed

    def test_a_group_budget_on_the_parent_counts_the_subsidiaries(self) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin", NORTH: "Europe/Berlin"})
        spend.record(placed("900", NOW - timedelta(days=1), company=NORTH), ancestors=[ACME])
        shared = limit(
            self.monthly,
            scope=LimitScope(kind=ScopeKind.COMPANY, company_id=ACME, include_subtree=True),
        )
        decision = decide(
            order("200", company=NORTH),
            context(
                shared, company=north, who=buyer(company=NORTH), spend=spend, ancestors=(ACME,)
            ),
            NOW,
        )
        assert decision.outcome is Outcome.APPROVAL_REQUIRED

    def test_a_company_budget_without_subtree_does_not_cover_subsidiaries(self) -> None:
        own = limit(self.monthly, on_exceed=OnExceed.DENY)
        decision = decide(
            order("5000", company=NORTH),
            context(own, company=north, who=buyer(company=NORTH), ancestors=(ACME,)),
            NOW,
        )
        assert decision.allowed

    def test_a_role_cap_applies_to_each_holder_alone(self) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin"})
        other = OrderRecord(
            id=OrderId("x"),
            company_id=ACME,
            buyer_id=CustomerId("eve"),
            total=eur(990),
            placed_at=NOW - timedelta(days=1),
        )
        spend.record(other)
        cap = limit(
            self.monthly, scope=LimitScope(kind=ScopeKind.ROLE, company_id=ACME, target="buyer")
        )
        assert decide(order("100"), context(cap, spend=spend), NOW).allowed


class TestItemRules:
    def test_more_items_than_allowed_crosses_the_quantity_limit(self) -> None:
        many = OrderDraft(
            company_id=ACME,
            buyer_id=BOB,
            lines=[OrderLine(sku="DRILL-9", quantity=11, unit_price=eur(1))],
        )
        assert decide(many, context(limit(QuantityLimit(max_quantity=11))), NOW).allowed
        assert not decide(many, context(limit(QuantityLimit(max_quantity=10))), NOW).allowed

    def test_too_many_distinct_skus_crosses(self) -> None:
        lines = [OrderLine(sku=f"S{n}", quantity=1, unit_price=eur(1)) for n in range(3)]
        draft = OrderDraft(company_id=ACME, buyer_id=BOB, lines=lines)
        assert decide(draft, context(limit(DistinctSkuLimit(max_skus=3))), NOW).allowed
        assert not decide(draft, context(limit(DistinctSkuLimit(max_skus=2))), NOW).allowed

    def test_a_flagged_item_needs_approval(self) -> None:
        rule = limit(FlaggedItems(categories={"power-tools"}))
        line = OrderLine(sku="DRILL-9", quantity=1, unit_price=eur(1), category="power-tools")
        draft = OrderDraft(company_id=ACME, buyer_id=BOB, lines=[line])
        assert decide(draft, context(rule), NOW).outcome is Outcome.APPROVAL_REQUIRED

    def test_a_po_number_is_required_only_above_the_threshold(self) -> None:
        rule = limit(PoNumberRequired(above=eur(1000)), on_exceed=OnExceed.DENY)
        assert decide(order("1000"), context(rule), NOW).allowed
        assert decide(order("1000.01"), context(rule), NOW).outcome is Outcome.DENIED
        assert decide(order("1000.01", po_number="PO-7"), context(rule), NOW).allowed

    def test_a_restricted_catalog_admits_only_contract_products(self) -> None:
        rule = limit(RestrictedCatalog(note="framework contract 2026"), on_exceed=OnExceed.DENY)
        assert decide(order(sku="SAW-1"), context(rule), NOW).allowed
        denied = decide(order(sku="HAMMER"), context(rule), NOW)
        assert denied.outcome is Outcome.DENIED
        assert "HAMMER" in denied.explain()


class TestCurrencies:
    def test_a_limit_in_another_currency_without_rates_is_an_error(self) -> None:
        rule = limit(OrderTotalLimit(maximum=Money(100, "USD")))
        with pytest.raises(CurrencyMismatch, match="ExchangeRates"):
            decide(order("50"), context(rule), NOW)

    def test_rates_convert_the_order_into_the_limits_currency(self) -> None:
        rule = limit(OrderTotalLimit(maximum=Money(100, "USD")))
        rates = FixedRates({("EUR", "USD"): Decimal(2)})
        assert decide(order("50"), context(rule, rates=rates), NOW).allowed
        assert not decide(order("50.01"), context(rule, rates=rates), NOW).allowed


class TestCredit:
    def credit(
        self,
        *,
        balance: str = "0",
        reserved: str = "0",
        on_hold: bool = False,
        overridden: bool = False,
    ) -> CreditPosition:
        return CreditPosition(
            credit_limit=eur(1000),
            balance=eur(balance),
            reserved=eur(reserved),
            on_hold=on_hold,
            hold_overridden=overridden,
        )

    def test_an_order_equal_to_the_available_credit_is_allowed(self) -> None:
        position = self.credit(balance="600", reserved="100")
        assert decide(order("300"), context(credit=position), NOW).allowed

    def test_one_cent_over_the_available_credit_is_denied(self) -> None:
        position = self.credit(balance="600", reserved="100")
        decision = decide(order("300.01"), context(credit=position), NOW)
        assert decision.outcome is Outcome.DENIED
        assert "available 300.00 EUR" in decision.explain()

    def test_a_credit_hold_denies_unless_overridden(self) -> None:
        assert (
            decide(order("1"), context(credit=self.credit(on_hold=True)), NOW).outcome
            is Outcome.DENIED
        )
        assert decide(
            order("1"), context(credit=self.credit(on_hold=True, overridden=True)), NOW
        ).allowed

    def test_approval_does_not_lift_a_credit_denial(self) -> None:
        rule = limit(OrderTotalLimit(maximum=eur(10)))
        decision = decide(order("2000"), context(rule, credit=self.credit()), NOW)
        assert decision.outcome is Outcome.DENIED


cents = st.integers(min_value=0, max_value=10**7).map(lambda n: eur(f"{Decimal(n) / 100:.2f}"))


class TestInvariants:
    @given(
        low=cents,
        raise_by=cents,
        spent=cents,
        total=cents.filter(lambda m: m.amount > 0),
        on_exceed=st.sampled_from(OnExceed),
    )
    def test_raising_a_limit_never_makes_a_decision_worse(
        self, low: Money, raise_by: Money, spent: Money, total: Money, on_exceed: OnExceed
    ) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin"})
        if spent.amount:
            spend.record(placed(str(spent.amount), NOW - timedelta(hours=1)))
        period = CalendarPeriod(unit=CalendarUnit.MONTH)

        def outcome(maximum: Money) -> Outcome:
            rules = (
                limit(BudgetLimit(maximum=maximum, period=period), on_exceed=on_exceed),
                limit(OrderTotalLimit(maximum=maximum), on_exceed=on_exceed, name="order"),
            )
            return decide(order(str(total.amount)), context(*rules, spend=spend), NOW).outcome

        higher = Money(low.amount + raise_by.amount, "EUR")
        assert outcome(higher).severity <= outcome(low).severity

    @given(maximum=cents, spent=cents, more=cents, total=cents.filter(lambda m: m.amount > 0))
    def test_more_spend_never_makes_a_decision_better(
        self, maximum: Money, spent: Money, more: Money, total: Money
    ) -> None:
        rule = limit(
            BudgetLimit(maximum=maximum, period=CalendarPeriod(unit=CalendarUnit.WEEK)),
            on_exceed=OnExceed.DENY,
        )

        def outcome(already: Money) -> Outcome:
            spend = SpendTotals({ACME: "Europe/Berlin"})
            if already.amount:
                spend.record(placed(str(already.amount), NOW - timedelta(minutes=5)))
            return decide(order(str(total.amount)), context(rule, spend=spend), NOW).outcome

        assert outcome(Money(spent.amount + more.amount, "EUR")).severity >= outcome(spent).severity

    @given(total=cents.filter(lambda m: m.amount > 0), maximum=cents)
    def test_the_same_inputs_give_the_same_decision(self, total: Money, maximum: Money) -> None:
        rules = context(limit(OrderTotalLimit(maximum=maximum)))
        assert decide(order(str(total.amount)), rules, NOW) == decide(
            order(str(total.amount)), rules, NOW
        )


def test_a_location_limit_covers_only_orders_for_that_location() -> None:
    scope = LimitScope(kind=ScopeKind.LOCATION, company_id=ACME, target="kiel")
    rule = limit(OrderTotalLimit(maximum=eur(10)), scope=scope, on_exceed=OnExceed.DENY)
    assert decide(order("100"), context(rule), NOW).allowed
    at_kiel = order("100", location_id=LocationId("kiel"))
    assert decide(at_kiel, context(rule), NOW).outcome is Outcome.DENIED


class TestDeferredMessages:
    """The engine formats a reason's sentence only when it is read; the figures are eager."""

    def test_a_message_is_formatted_only_when_it_is_read(self) -> None:
        calls: list[str] = []

        def sentence(name: str) -> str:
            calls.append(name)
            return f"{name} crossed it"

        result = RuleResult(
            rule="budget", outcome="denied", message=DeferredMessage(sentence, "Budget")
        )
        assert calls == []
        assert result.message == "Budget crossed it"
        assert result.message == "Budget crossed it"
        assert calls == ["Budget"]  # formatted once, then kept

    def test_a_deferred_message_equals_the_same_text_given_as_a_string(self) -> None:
        deferred = RuleResult(
            rule="credit", outcome="allowed", message=DeferredMessage(lambda: "Credit: fine")
        )
        eager = RuleResult(rule="credit", outcome="allowed", message="Credit: fine")
        other = RuleResult(rule="credit", outcome="allowed", message="Credit: other")
        assert deferred == eager
        assert hash(deferred) == hash(eager)
        assert deferred != other
        assert "Credit: fine" in repr(deferred)

    def test_a_decision_round_trips_pickles_and_copies_with_its_messages(self) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin"})
        spend.record(placed("600", NOW - timedelta(days=2)))
        monthly = BudgetLimit(maximum=eur(1000), period=CalendarPeriod(unit=CalendarUnit.MONTH))
        decision = decide(
            order("400.01", po_number=None),
            context(limit(monthly), limit(OrderTotalLimit(maximum=eur(300)), name="Per order")),
            NOW,
        )
        converter = make_converter()
        stored = converter.unstructure(decision)
        assert all(isinstance(result["message"], str) for result in stored["results"])
        assert converter.structure(stored, Decision) == decision
        assert pickle.loads(pickle.dumps(decision)) == decision  # noqa: S301  (our own bytes)
        assert copy.deepcopy(decision) == decision
        assert "Per order: this order of 400.01 EUR exceeds 300.00 EUR" in decision.explain()

    def test_every_rule_kind_explains_itself_with_its_figures(self) -> None:
        rules: list[LimitRule] = [
            OrderTotalLimit(maximum=eur(10)),
            BudgetLimit(maximum=eur(10), period=CalendarPeriod(unit=CalendarUnit.DAY)),
            QuantityLimit(max_quantity=0),
            DistinctSkuLimit(max_skus=0),
            FlaggedItems(skus={"DRILL-9"}),
            PoNumberRequired(above=eur(10)),
            RestrictedCatalog(note="contract only"),
        ]
        limits = [limit(rule, name=f"L{number}") for number, rule in enumerate(rules)]
        decision = decide(order("100", sku="HAMMER"), context(*limits), NOW)
        messages = [result.message for result in decision.results if result.limit_id]
        assert messages == [
            "L0: this order of 100.00 EUR exceeds 10.00 EUR",
            "L1: 0.00 EUR spent + this order 100.00 EUR would exceed 10.00 EUR (10.00 EUR left)",
            "L2: 1 items, at most 0 per order",
            "L3: 1 different products, at most 0 per order",
            "L4: no flagged items",
            "L5: orders above 10.00 EUR need a PO number and this one has none",
            (
                "L6: only contract products may be ordered (contract only); "
                "not in the catalog: HAMMER"
            ),
        ]


class TestSeveralLimitsOfOneKind:
    """Every limit that covers an order applies: the strictest decides."""

    @given(
        limits=st.lists(
            st.tuples(cents, st.sampled_from(OnExceed), st.sampled_from(CalendarUnit)),
            min_size=1,
            max_size=5,
        ),
        spent=cents,
        total=cents.filter(lambda m: m.amount > 0),
        kind=st.sampled_from(["order_total", "budget"]),
    )
    def test_the_decision_is_the_worst_of_each_limit_alone(
        self,
        limits: list[tuple[Money, OnExceed, CalendarUnit]],
        spent: Money,
        total: Money,
        kind: str,
    ) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin"})
        if spent.amount:
            spend.record(placed(str(spent.amount), NOW - timedelta(minutes=5)))

        def rule(maximum: Money, unit: CalendarUnit) -> LimitRule:
            if kind == "order_total":
                return OrderTotalLimit(maximum=maximum)
            return BudgetLimit(maximum=maximum, period=CalendarPeriod(unit=unit))

        built = [
            limit(rule(maximum, unit), on_exceed=on_exceed, name=f"n{number}")
            for number, (maximum, on_exceed, unit) in enumerate(limits)
        ]
        draft = order(str(total.amount))
        together = decide(draft, context(*built, spend=spend), NOW)
        alone = [decide(draft, context(one, spend=spend), NOW) for one in built]
        assert together.outcome is Outcome.worst(decision.outcome for decision in alone)
        assert len(together.warnings) == sum(len(decision.warnings) for decision in alone)
        # With one meaning for all, the lowest maximum alone decides as all of them do.
        if len({on_exceed for _, on_exceed, _ in limits}) == 1 and kind == "order_total":
            strictest = built[min(range(len(limits)), key=lambda n: limits[n][0].amount)]
            assert together.outcome is decide(draft, context(strictest), NOW).outcome


class TestWarnings:
    monthly = BudgetLimit(maximum=eur(1000), period=CalendarPeriod(unit=CalendarUnit.MONTH))

    def test_crossing_a_warn_budget_allows_the_order_with_a_warning(self) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin"})
        spend.record(placed("900", NOW - timedelta(days=1)))
        rules = context(limit(self.monthly, on_exceed=OnExceed.WARN, name="Soft"), spend=spend)
        decision = decide(order("100.01"), rules, NOW)
        assert decision.allowed
        assert decision.crossed == ()
        (warning,) = decision.warnings
        assert (warning.rule, warning.outcome, warning.warning) == ("budget", Outcome.ALLOWED, True)
        assert (warning.spent, warning.remaining) == (eur(900), eur(100))
        assert decision.explain().splitlines() == [
            "Allowed, with 1 warning(s):",
            (
                "- Warning: Soft: 900.00 EUR spent + this order 100.01 EUR would exceed "
                "1,000.00 EUR (100.00 EUR left)"
            ),
        ]

    def test_a_warn_budget_within_its_maximum_gives_no_warning(self) -> None:
        rules = context(limit(self.monthly, on_exceed=OnExceed.WARN))
        decision = decide(order("1000"), rules, NOW)
        assert decision.allowed
        assert decision.warnings == ()
        assert decision.explain() == "Allowed: 1,000.00 EUR is within every limit."

    def test_a_warning_is_listed_after_what_stops_the_order(self) -> None:
        rules = context(
            limit(self.monthly, on_exceed=OnExceed.WARN, name="Soft"),
            limit(OrderTotalLimit(maximum=eur(500)), on_exceed=OnExceed.DENY, name="Hard"),
        )
        decision = decide(order("1500"), rules, NOW)
        assert decision.outcome is Outcome.DENIED
        lines = decision.explain().splitlines()
        assert lines[0] == "Denied:"
        assert lines[1].startswith("- Hard:")
        assert lines[2].startswith("- Warning: Soft:")

    def test_a_warning_goes_only_with_an_allowed_result(self) -> None:
        with pytest.raises(ValidationError, match="allowed outcome"):
            RuleResult(rule="budget", outcome="denied", message="x", warning=True)


class TestLifetimeBudgets:
    lifetime = BudgetLimit(maximum=eur(1000), period=LifetimePeriod())

    def test_spend_of_every_year_counts_and_never_resets(self) -> None:
        spend = SpendTotals({ACME: "Europe/Berlin"})
        spend.record(placed("600", datetime(2019, 3, 1, tzinfo=UTC)))
        spend.record(placed("300", datetime(2025, 12, 31, 22, tzinfo=UTC), number=2))
        rules = context(limit(self.lifetime), spend=spend)
        assert decide(order("100"), rules, NOW).allowed
        later = decide(order("100.01"), rules, NOW + timedelta(days=3650))
        assert later.outcome is Outcome.APPROVAL_REQUIRED
        budget = later.results[-1]
        assert (budget.spent, budget.remaining) == (eur(900), eur(100))

    def test_every_instant_lies_in_the_same_window(self) -> None:
        first = window_of(LifetimePeriod(), NOW, time_zone="Pacific/Kiritimati")
        again = window_of(LifetimePeriod(), datetime(1900, 1, 1, tzinfo=UTC), time_zone="UTC")
        assert (first.first_day, first.last_day) == (again.first_day, again.last_day)
        assert first.contains(NOW)
        assert first.contains(datetime(1900, 1, 1, tzinfo=UTC))

    def test_the_first_and_last_days_datetime_can_hold_are_outside_it(self) -> None:
        with pytest.raises(ValidationError, match="lifetime window"):
            LifetimePeriod().span_of(date(1, 1, 1))
        with pytest.raises(ValidationError):
            window_of(LifetimePeriod(), datetime(9999, 12, 31, 12, tzinfo=UTC), time_zone="UTC")


class TestWhomALimitBinds:
    order_limit = OrderTotalLimit(maximum=eur(500))

    @pytest.mark.parametrize(
        ("kind", "target", "on_exceed", "binds_admins"),
        [
            (ScopeKind.COMPANY, None, OnExceed.APPROVAL, False),
            (ScopeKind.LOCATION, "kiel", OnExceed.APPROVAL, False),
            (ScopeKind.GROUP, "everyone", OnExceed.APPROVAL, False),
            (ScopeKind.ROLE, "admin", OnExceed.APPROVAL, True),
            (ScopeKind.CUSTOMER, "bob", OnExceed.APPROVAL, True),
            (ScopeKind.COMPANY, None, OnExceed.DENY, True),
            (ScopeKind.COMPANY, None, OnExceed.WARN, True),
        ],
    )
    def test_the_default_exempts_admins_from_shared_approval_limits_only(
        self, kind: ScopeKind, target: str | None, on_exceed: OnExceed, binds_admins: bool
    ) -> None:
        scope = LimitScope(kind=kind, company_id=ACME, target=target)
        rule = limit(self.order_limit, scope=scope, on_exceed=on_exceed)
        assert rule.binds({Role.ADMIN}) is binds_admins
        assert rule.binds({Role.BUYER, Role.APPROVER})

    def test_an_admin_orders_past_the_company_approval_limit(self) -> None:
        decision = decide(
            order("900"), context(limit(self.order_limit), who=buyer(Role.ADMIN)), NOW
        )
        assert decision.allowed
        assert decision.results[-1].rule == "exempt"

    def test_a_limit_binding_everyone_stops_an_admin(self) -> None:
        binding = attrs.evolve(limit(self.order_limit), exempt_roles=())
        decision = decide(order("900"), context(binding, who=buyer(Role.ADMIN)), NOW)
        assert decision.outcome is Outcome.APPROVAL_REQUIRED
        assert decision.approver_roles == ("admin",)

    def test_exempt_roles_exempt_whoever_holds_one_of_them(self) -> None:
        exempting = attrs.evolve(limit(self.order_limit), exempt_roles={"buyer"})
        assert decide(order("900"), context(exempting), NOW).allowed
        assert exempting.exempt == {Role.BUYER}
