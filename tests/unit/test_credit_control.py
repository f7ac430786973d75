"""Credit control on the account and in the engine: refuse or warn, a buyer's bypass, invoices."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.credit import CreditAccount, CreditBypass, CreditControl, Reservation
from b2b_customers.domain import Company, Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import (
    CreditOnHold,
    InsufficientCredit,
    InvalidTransition,
    ValidationError,
)
from b2b_customers.ids import CompanyId, CreditAccountId, CustomerId, LimitId
from b2b_customers.limits import (
    CreditPosition,
    DecisionContext,
    LimitScope,
    OnExceed,
    OrderTotalLimit,
    Outcome,
    PurchasingLimit,
    decide,
)
from b2b_customers.limits.decision import CREDIT_RULE
from b2b_customers.limits.spend import SpendTotals

NOW = datetime(2026, 2, 10, 10, tzinfo=UTC)
ACME = CompanyId("acme")
BOB = CustomerId("bob")
ANNA = CustomerId("anna")


def eur(amount: str | int | Decimal) -> Money:
    return Money(Decimal(amount), "EUR")


def account(limit: int = 1000, **fields: Any) -> CreditAccount:
    return CreditAccount(
        id=CreditAccountId("acc"),
        company_id=ACME,
        currency="EUR",
        credit_limit=eur(limit),
        **fields,
    )


def bypass(customer: CustomerId = BOB) -> CreditBypass:
    return CreditBypass(customer_id=customer, granted_by="s-credit", granted_at=NOW, reason="key")


class TestTheAccount:
    def test_refuse_is_the_default_and_binds_everyone(self) -> None:
        line = account()
        assert line.credit_control is CreditControl.REFUSE
        assert line.limit_binds(BOB)
        with pytest.raises(InsufficientCredit):
            line.reserve("o1", eur("1000.01"), entry_id="e1", at=NOW, buyer=BOB)

    def test_in_warn_mode_a_reservation_goes_past_the_limit(self) -> None:
        line, entry = account(credit_control="warn").reserve("o1", eur(1500), entry_id="e1", at=NOW)
        assert line.available == eur(-500)
        assert not entry.override

    def test_a_bypassed_buyer_reserves_past_the_limit_and_no_one_else_does(self) -> None:
        line = account(bypasses=[bypass()])
        assert not line.limit_binds(BOB)
        assert line.limit_binds(ANNA)
        assert line.reserve("o1", eur(1500), entry_id="e1", at=NOW, buyer=BOB)[0].available == eur(
            -500
        )
        with pytest.raises(InsufficientCredit):
            line.reserve("o2", eur(1500), entry_id="e2", at=NOW, buyer=ANNA)

    def test_a_hold_refuses_in_every_mode_and_for_a_bypassed_buyer(self) -> None:
        for line in (account(credit_control="warn"), account(bypasses=[bypass()])):
            held = line.place_hold("overdue", at=NOW)
            with pytest.raises(CreditOnHold):
                held.reserve("o1", eur(1), entry_id="e1", at=NOW, buyer=BOB)

    def test_the_stores_rule_stays_the_strict_one(self) -> None:
        # Stores re-check refusal() in their conditional write: the mode does not loosen it.
        assert isinstance(account(credit_control="warn").refusal(eur(1001)), InsufficientCredit)

    def test_a_bypass_is_granted_once_and_revoked_once(self) -> None:
        line = account().grant_bypass(bypass())
        with pytest.raises(InvalidTransition, match="already"):
            line.grant_bypass(bypass())
        assert line.revoke_bypass(BOB).bypasses == ()
        with pytest.raises(InvalidTransition, match="no bypass"):
            line.revoke_bypass(ANNA)

    def test_bad_settings_are_refused(self) -> None:
        with pytest.raises(ValidationError, match="CreditControl"):
            account(credit_control="block")
        with pytest.raises(ValidationError, match="one bypass"):
            account(bypasses=[bypass(), bypass()])
        with pytest.raises(ValidationError, match="CreditBypass"):
            account(bypasses=["bob"])
        with pytest.raises(ValidationError):
            account(check_credit_on_invoice="yes")
        with pytest.raises(ValidationError, match="auto_hold_overdue_amount"):
            account(auto_hold_overdue_amount=Money(5, "USD"))


class TestTheInvoiceCheck:
    def test_without_the_check_any_invoice_posts(self) -> None:
        line, _ = account(limit=100).post_invoice("inv-1", eur(500), entry_id="e1", at=NOW)
        assert line.available == eur(-400)

    def test_an_invoice_over_the_available_credit_is_refused(self) -> None:
        line = account(limit=100, check_credit_on_invoice=True)
        with pytest.raises(InsufficientCredit, match=r"would add 100\.01 EUR"):
            line.post_invoice("inv-1", eur("100.01"), entry_id="e1", at=NOW)
        assert line.post_invoice("inv-1", eur(100), entry_id="e1", at=NOW)[0].available == eur(0)

    def test_the_part_of_a_reservation_it_converts_is_counted_already(self) -> None:
        line, _ = account(limit=100, credit_control="warn", check_credit_on_invoice=True).reserve(
            "o1", eur(300), entry_id="e1", at=NOW
        )
        held = Reservation(account_id=line.id, reference="o1", amount=eur(300))
        converted, _ = line.post_invoice("inv-1", eur(300), entry_id="e2", at=NOW, reservation=held)
        assert converted.available == eur(-200)
        with pytest.raises(InsufficientCredit):
            line.post_invoice("inv-2", eur("300.01"), entry_id="e2", at=NOW, reservation=held)

    def test_a_hold_does_not_stop_invoicing(self) -> None:
        line = account(check_credit_on_invoice=True).place_hold("overdue", at=NOW)
        assert line.post_invoice("inv-1", eur(10), entry_id="e1", at=NOW)[0].balance == eur(10)

    @given(
        limit=st.integers(0, 1000),
        balance=st.integers(-500, 1500),
        reserved=st.integers(0, 500),
        amount=st.integers(1, 2000),
        converts=st.integers(0, 500),
    )
    def test_a_posted_invoice_never_takes_a_checked_account_further_over_its_limit(
        self, limit: int, balance: int, reserved: int, amount: int, converts: int
    ) -> None:
        line = account(
            limit=limit, balance=eur(balance), reserved=eur(reserved), check_credit_on_invoice=True
        )
        converted = min(converts, reserved)
        held = (
            Reservation(account_id=line.id, reference="o1", amount=eur(converted))
            if converted
            else None
        )
        added = amount - min(amount, converted)
        try:
            posted, _ = line.post_invoice(
                "inv-1", eur(amount), entry_id="e1", at=NOW, reservation=held
            )
        except InsufficientCredit:
            assert added > 0
            assert added > line.available.amount
        else:
            assert posted.available.amount >= min(line.available.amount, Decimal(0))


# -- the engine


acme = Company(id=ACME, name="ACME GmbH", currency="EUR", time_zone="Europe/Berlin")


def customer(role: Role) -> Customer:
    return Customer(
        id=BOB, email="bob@acme.example", first_name="Bob", last_name="Buyer"
    ).with_roles(ACME, [role])


def order(total: int) -> OrderDraft:
    return OrderDraft(
        company_id=ACME,
        buyer_id=BOB,
        lines=[OrderLine(sku="DRILL-9", quantity=1, unit_price=eur(total))],
    )


def order_limit(maximum: int, on_exceed: OnExceed) -> PurchasingLimit:
    return PurchasingLimit(
        id=LimitId("cap"),
        scope=LimitScope(kind="company", company_id=ACME),
        rule=OrderTotalLimit(maximum=eur(maximum)),
        on_exceed=on_exceed,
    )


def context(
    credit: CreditPosition | None, role: Role, limits: tuple[PurchasingLimit, ...]
) -> DecisionContext:
    return DecisionContext(
        company=acme,
        buyer=customer(role),
        limits=limits,
        spend=SpendTotals({ACME: "Europe/Berlin"}),
        credit=credit,
    )


positions = st.builds(
    lambda limit, balance, reserved: CreditPosition(
        credit_limit=eur(limit), balance=eur(balance), reserved=eur(reserved)
    ),
    st.integers(0, 2000),
    st.integers(-500, 2000),
    st.integers(0, 1000),
)
roles = st.sampled_from([Role.ADMIN, Role.BUYER, Role.REQUESTER])
limit_sets = st.lists(
    st.builds(order_limit, st.integers(0, 3000), st.sampled_from(OnExceed)), max_size=2
).map(lambda found: tuple({limit.id: limit for limit in found}.values()))


class TestTheCreditRule:
    @given(position=positions, total=st.integers(1, 3000), role=roles, limits=limit_sets)
    def test_a_bypassed_buyer_is_never_refused_for_credit_and_every_other_rule_applies(
        self,
        position: CreditPosition,
        total: int,
        role: Role,
        limits: tuple[PurchasingLimit, ...],
    ) -> None:
        bypassed = attrs.evolve(position, bypassed=True)
        with_bypass = decide(order(total), context(bypassed, role, limits), NOW)
        without_credit = decide(order(total), context(None, role, limits), NOW)
        (credit,) = [r for r in with_bypass.results if r.rule == CREDIT_RULE]
        assert credit.outcome is Outcome.ALLOWED
        assert credit.warning == (total > position.available.amount)
        assert [r for r in with_bypass.results if r.rule != CREDIT_RULE] == list(
            without_credit.results
        )
        assert with_bypass.outcome is without_credit.outcome
        if credit.warning:
            assert "bypass granted" in credit.message

    @given(position=positions, total=st.integers(1, 3000))
    def test_in_warn_mode_the_warning_is_there_exactly_when_the_order_is_over_the_line(
        self, position: CreditPosition, total: int
    ) -> None:
        warned = decide(
            order(total), context(attrs.evolve(position, warn_only=True), Role.BUYER, ()), NOW
        )
        refused = decide(order(total), context(position, Role.BUYER, ()), NOW)
        over = total > position.available.amount
        assert warned.allowed
        assert warned.past_credit_limit == over
        assert [w.rule for w in warned.warnings] == ([CREDIT_RULE] if over else [])
        assert refused.outcome is (Outcome.DENIED if over else Outcome.ALLOWED)
        assert not refused.past_credit_limit

    @given(position=positions, warn_only=st.booleans(), bypassed=st.booleans())
    def test_a_hold_denies_whatever_the_mode(
        self, position: CreditPosition, warn_only: bool, bypassed: bool
    ) -> None:
        held = attrs.evolve(position, on_hold=True, warn_only=warn_only, bypassed=bypassed)
        assert decide(order(1), context(held, Role.BUYER, ()), NOW).outcome is Outcome.DENIED

    def test_the_redacted_decision_keeps_the_warning(self) -> None:
        position = CreditPosition(
            credit_limit=eur(100), balance=eur(0), reserved=eur(0), warn_only=True
        )
        decision = decide(order(150), context(position, Role.BUYER, ()), NOW)
        (warning,) = decision.without_credit_figures().warnings
        assert "exceeds the credit available" in warning.message
        assert "100" not in warning.message
