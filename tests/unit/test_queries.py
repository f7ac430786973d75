"""The reference semantics of the port queries: matching, order, nulls, pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from moneyed import Money

from b2b_customers import queries
from b2b_customers.domain import AuditLogEntry, Company, Customer, LegalInfo, Role
from b2b_customers.domain.order import OrderRecord, OrderStatus
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerId, EventId, OrderId
from b2b_customers.limits import Decision, Outcome, RuleResult
from b2b_customers.ports import (
    ApprovalQuery,
    AuditQuery,
    CompanyQuery,
    CompanySort,
    CustomerQuery,
    OrderQuery,
    OrderSort,
    Page,
)

T0 = datetime(2026, 4, 1, 9, tzinfo=UTC)


def _company(company_id: str, **fields: object) -> Company:
    return Company(id=CompanyId(company_id), name=company_id.title(), currency="EUR", **fields)  # type: ignore[arg-type]


def _ids(page: Page[Any]) -> list[str]:
    return [item.id for item in page.items]


class TestCompanies:
    def test_without_an_account_number_comes_last_ascending_and_first_descending(self) -> None:
        companies = [
            _company("a"),
            _company("b", account_number="2"),
            _company("c", account_number="1"),
        ]
        by_number = CompanyQuery(sort=CompanySort.ACCOUNT_NUMBER)
        assert _ids(queries.select(by_number, companies)) == ["c", "b", "a"]
        descending = CompanyQuery(sort=CompanySort.ACCOUNT_NUMBER, descending=True)
        assert _ids(queries.select(descending, companies)) == ["a", "b", "c"]

    def test_a_custom_field_matches_only_a_value_of_the_same_type(self) -> None:
        flagged = _company("a", custom_fields={"export": True})
        counted = _company("b", custom_fields={"export": 1})
        query = CompanyQuery(custom_fields={"export": True})
        assert [c.id for c in (flagged, counted) if queries.matches(query, c)] == ["a"]

    def test_country_ignores_case_and_no_legal_info_never_matches(self) -> None:
        german = _company("a", legal_info=LegalInfo(legal_name="A", country="DE"))
        assert queries.matches(CompanyQuery(country=" de "), german)
        assert not queries.matches(CompanyQuery(country="DE"), _company("b"))

    def test_paid_by_matches_the_bill_to_or_the_master_account(self) -> None:
        companies = [
            _company("payer"),
            _company("billed", bill_to_id="payer"),
            _company("grouped", master_id="payer"),
        ]
        query = CompanyQuery(paid_by=CompanyId("payer"), sort=CompanySort.ID)
        assert _ids(queries.select(query, companies)) == ["billed", "grouped"]


class TestCustomers:
    def test_a_role_counts_only_within_the_companies_asked_for(self) -> None:
        dana = Customer(
            id=CustomerId("dana"), email="d@x.example", first_name="Dana", last_name="D"
        )
        dana = dana.with_roles(CompanyId("hq"), [Role.BUYER]).with_roles(
            CompanyId("north"), [Role.ADMIN]
        )
        admins_of_hq = CustomerQuery(company_id=CompanyId("hq"), role=Role.ADMIN)
        assert not queries.matches(admins_of_hq, dana)
        subtree = {CompanyId("hq"), CompanyId("north")}
        assert queries.matches(admins_of_hq, dana, subtree)
        assert not queries.matches(CustomerQuery(company_id=CompanyId("kiel")), dana)


class TestOrdersAndAudit:
    def test_placed_from_is_inclusive_and_placed_before_exclusive(self) -> None:
        orders = [
            OrderRecord(
                id=OrderId(f"o{hours}"),
                company_id=CompanyId("hq"),
                buyer_id=CustomerId("bob"),
                total=Money(hours, "EUR"),
                placed_at=T0 + timedelta(hours=hours),
                status=OrderStatus.PLACED,
            )
            for hours in range(4)
        ]
        window = OrderQuery(
            placed_from=T0 + timedelta(hours=1), placed_before=T0 + timedelta(hours=3)
        )
        assert _ids(queries.select(window, orders)) == ["o2", "o1"]  # newest first
        by_total = OrderQuery(sort=OrderSort.TOTAL, descending=False, offset=1, limit=2)
        page = queries.select(by_total, orders)
        assert (_ids(page), page.total, page.next_offset) == (["o1", "o2"], 4, 3)

    def test_entries_of_the_same_instant_keep_the_order_they_were_appended_in(self) -> None:
        entries = [
            AuditLogEntry(
                id=EventId(name),
                occurred_at=at,
                action="company.updated",
                aggregate_type="company",
                aggregate_id="hq",
                after={},
            )
            for name, at in (("late", T0 + timedelta(1)), ("b", T0), ("a", T0))
        ]
        assert _ids(queries.select(AuditQuery(), entries)) == ["b", "a", "late"]


def test_what_is_not_a_query_of_the_ports_is_refused() -> None:
    with pytest.raises(ValidationError, match="must be a CompanyQuery or") as raised:
        queries.matches(object(), _company("a"))  # type: ignore[arg-type]
    assert raised.value.field == "query"


def test_the_credit_rule_without_figures_keeps_its_outcome_and_nothing_else() -> None:
    credit = RuleResult(
        rule="credit",
        outcome=Outcome.DENIED,
        message="Credit: this order of 900 exceeds the available 100 (limit 5,000 ...)",
        limit=Money(5000, "EUR"),
        spent=Money(4900, "EUR"),
        order_amount=Money(900, "EUR"),
        remaining=Money(100, "EUR"),
    )
    other = RuleResult(rule="order_total", outcome=Outcome.ALLOWED, message="within 1,000")
    decision = Decision(
        outcome=Outcome.DENIED,
        results=[other, credit],
        order_total=Money(900, "EUR"),
        evaluated_at=T0,
    )
    hidden = decision.without_credit_figures()
    assert hidden.results[0] == other
    assert hidden.results[1].outcome is Outcome.DENIED
    assert hidden.results[1].order_amount == Money(900, "EUR")
    assert (hidden.results[1].limit, hidden.results[1].spent, hidden.results[1].remaining) == (
        None,
        None,
        None,
    )
    assert "5,000" not in hidden.explain()
    assert "100" not in hidden.results[1].message


class TestApprovedSince:
    def test_needs_the_approver_whose_approvals_it_narrows(self) -> None:
        with pytest.raises(ValidationError, match="give approver_id too"):
            ApprovalQuery(approved_since=T0)

    def test_must_be_timezone_aware(self) -> None:
        with pytest.raises(ValidationError, match="timezone-aware"):
            ApprovalQuery(approver_id="anna", approved_since=datetime(2026, 4, 1))  # noqa: DTZ001
