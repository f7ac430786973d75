"""Orders, limits, credit and decisions round-trip through the converter, losslessly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.credit.account import CreditAccount
from b2b_customers.credit.ledger import LedgerEntry
from b2b_customers.credit.payment_terms import PaymentTerms
from b2b_customers.domain.order import OrderDraft, OrderRecord
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, LimitId
from b2b_customers.limits.decision import Decision
from b2b_customers.limits.decision_record import DecisionRecord
from b2b_customers.limits.periods import CalendarPeriod, CalendarUnit
from b2b_customers.limits.rules import BudgetLimit, LimitScope, PurchasingLimit, ScopeKind
from b2b_customers.serialization import make_converter
from b2b_customers.testing import strategies as b2b

converter = make_converter()

ENTITIES: list[tuple[type[Any], st.SearchStrategy[Any]]] = [
    (OrderDraft, b2b.order_drafts()),
    (OrderRecord, b2b.order_records()),
    (PurchasingLimit, b2b.purchasing_limits()),
    (CreditAccount, b2b.credit_accounts()),
    (LedgerEntry, b2b.ledger_entries()),
    (PaymentTerms, b2b.payment_terms()),
    (Decision, b2b.decisions()),
    (DecisionRecord, b2b.decision_records()),
]


@pytest.mark.parametrize(
    ("kind", "strategy"), ENTITIES, ids=lambda value: getattr(value, "__name__", "")
)
def test_every_engine_entity_round_trips_through_json(
    kind: type[Any], strategy: st.SearchStrategy[Any]
) -> None:
    @given(strategy)
    def round_trip(entity: Any) -> None:
        data = json.loads(json.dumps(converter.unstructure(entity)))
        assert converter.structure(data, kind) == entity

    round_trip()


MONTHLY = PurchasingLimit(
    id=LimitId("monthly"),
    scope=LimitScope(kind=ScopeKind.COMPANY, company_id=CompanyId("acme")),
    rule=BudgetLimit(maximum=Money(10_000, "EUR"), period=CalendarPeriod(unit=CalendarUnit.MONTH)),
)


def test_rules_and_periods_are_stored_with_the_kind_that_names_them() -> None:
    data = converter.unstructure(MONTHLY)
    assert data["rule"]["kind"] == "budget_limit"
    assert data["rule"]["period"] == {"kind": "calendar_period", "unit": "month"}
    assert data["rule"]["maximum"] == {"amount": "10000", "currency": "EUR"}


def test_an_unknown_rule_kind_is_named_in_the_error() -> None:
    data = converter.unstructure(MONTHLY)
    data["rule"]["kind"] = "weekly_vibes"
    with pytest.raises(ValidationError, match="unknown kind 'weekly_vibes'") as raised:
        converter.structure(data, PurchasingLimit)
    assert raised.value.field == "rule"
