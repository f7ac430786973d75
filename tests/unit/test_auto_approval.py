"""Auto-approval rules of a policy: which orders they let through, and what they refuse."""

from __future__ import annotations

from decimal import Decimal

import pytest
from moneyed import Money

from b2b_customers.approvals import (
    ApprovalPolicy,
    ApprovalRule,
    ApprovalTier,
    AutoApproval,
    StandardApprovers,
)
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.ids import ApprovalPolicyId
from b2b_customers.serialization import make_converter


def eur(amount: str) -> Money:
    return Money(Decimal(amount), "EUR")


def policy(*rules: AutoApproval) -> ApprovalPolicy:
    return ApprovalPolicy(
        id=ApprovalPolicyId("p"),
        name="Admins",
        tiers=[ApprovalTier(name="Admin", all_of=[ApprovalRule(any_of=[StandardApprovers()])])],
        auto_approve=rules,
    )


SMALL = AutoApproval(name="Small orders", up_to=eur("500"))
TRUSTED = AutoApproval(name="Trusted buyers", customer_group_id="trusted")
TRUSTED_SMALL = AutoApproval(name="Trusted, small", up_to=eur("2000"), customer_group_id="trusted")


class TestWhatARuleLetsThrough:
    def test_up_to_is_inclusive_on_the_invoiced_total(self):
        assert SMALL.matches(eur("500"), frozenset())
        assert SMALL.matches(eur("500.004"), frozenset())  # invoiced as 500.00
        assert not SMALL.matches(eur("500.01"), frozenset())

    def test_a_group_rule_needs_the_buyer_in_the_group(self):
        assert TRUSTED.matches(eur("1000000"), frozenset({"trusted"}))
        assert not TRUSTED.matches(eur("1"), frozenset({"other"}))

    def test_every_condition_of_a_rule_must_hold(self):
        assert TRUSTED_SMALL.matches(eur("2000"), frozenset({"trusted"}))
        assert not TRUSTED_SMALL.matches(eur("2000.01"), frozenset({"trusted"}))
        assert not TRUSTED_SMALL.matches(eur("10"), frozenset())

    def test_the_first_matching_rule_of_the_policy_is_the_one(self):
        chosen = policy(SMALL, TRUSTED)
        assert chosen.auto_approval_for(eur("100"), frozenset({"trusted"})) == SMALL
        assert chosen.auto_approval_for(eur("900"), frozenset({"trusted"})) == TRUSTED
        assert chosen.auto_approval_for(eur("900"), frozenset()) is None
        assert policy().auto_approval_for(eur("1"), frozenset()) is None

    def test_a_rule_says_what_it_lets_through(self):
        assert TRUSTED_SMALL.describe() == (
            "auto-approval rule 'Trusted, small' (orders up to 2,000.00 EUR by buyers in "
            "customer group 'trusted')"
        )


class TestWhatIsRefused:
    def test_a_rule_without_a_condition(self):
        with pytest.raises(ValidationError, match="states no condition"):
            AutoApproval(name="Everything")

    def test_an_amount_in_another_currency_than_the_orders(self):
        with pytest.raises(CurrencyMismatch, match="give it in EUR"):
            policy(AutoApproval(name="Small", up_to=Money(10, "USD"))).check_covers("EUR")
        with pytest.raises(CurrencyMismatch):
            SMALL.matches(Money(1, "USD"), frozenset())

    def test_anything_but_rules(self):
        with pytest.raises(ValidationError, match="AutoApproval rules"):
            policy("small")  # type: ignore[arg-type]
        with pytest.raises(ValidationError, match="up to 10"):
            policy(*[SMALL] * 11)

    def test_a_policy_with_rules_round_trips(self):
        converter = make_converter()
        chosen = policy(SMALL, TRUSTED_SMALL)
        assert converter.structure(converter.unstructure(chosen), ApprovalPolicy) == chosen
