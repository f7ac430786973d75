"""Every entity survives the converter and JSON unchanged, in the documented JSON forms."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.domain import (
    Company,
    CompanyStatus,
    Customer,
    CustomerGroup,
    DomainEvent,
    GroupKind,
    LegalInfo,
    Membership,
    Role,
    Weekday,
)
from b2b_customers.domain.money import money
from b2b_customers.ids import CompanyId, CustomerId, EventId
from b2b_customers.serialization import make_converter
from b2b_customers.testing import strategies as st_b2b

converter = make_converter()

ENTITY_STRATEGIES: dict[str, st.SearchStrategy[Any]] = {
    "companies": st_b2b.companies(),
    "locations": st_b2b.locations(),
    "customers": st_b2b.customers(),
    "contact_assignments": st_b2b.contact_assignments(),
    "customer_groups": st_b2b.customer_groups(),
    "domain_events": st_b2b.domain_events(),
    "memberships": st_b2b.memberships(),
    "addresses": st_b2b.addresses(),
    "legal_infos": st_b2b.legal_infos(),
    "sales_taxes": st_b2b.sales_taxes(),
    "money": st_b2b.money(),
}


def _same_money(left: Money, right: Money) -> bool:
    """Equal, and written with the same digits (Money('1.0') == Money('1.00'), but not here)."""
    return left == right and left.amount.as_tuple() == right.amount.as_tuple()


@pytest.mark.parametrize("name", sorted(ENTITY_STRATEGIES))
@given(data=st.data())
def test_structure_undoes_unstructure_even_through_json(name: str, data: st.DataObject) -> None:
    value = data.draw(ENTITY_STRATEGIES[name])
    unstructured = converter.unstructure(value)
    assert converter.structure(unstructured, type(value)) == value
    text = json.dumps(unstructured, allow_nan=False)
    assert json.loads(text) == unstructured
    assert converter.structure(json.loads(text), type(value)) == value
    again = converter.unstructure(converter.structure(json.loads(text), type(value)))
    assert json.dumps(again) == text


@given(st_b2b.money(places=4))
def test_money_keeps_its_exact_digits_through_json(amount: Money) -> None:
    back = converter.structure(json.loads(json.dumps(converter.unstructure(amount))), Money)
    assert _same_money(back, amount)


@given(st_b2b.companies())
def test_equal_entities_give_equal_json(company: Company) -> None:
    # Rebuilt from reversed collections: sets and mappings must not leak their order.
    rebuilt = Company(
        **{
            **{key: getattr(company, key) for key in converter.unstructure(company)},
            "tags": sorted(company.tags, reverse=True),
            "custom_fields": dict(reversed(list(company.custom_fields.items()))),
        }
    )
    assert rebuilt == company
    assert json.dumps(converter.unstructure(rebuilt)) == json.dumps(converter.unstructure(company))


class TestForms:
    """The documented JSON-ready forms of values."""

    def test_money_is_its_exact_amount_and_currency_code(self) -> None:
        assert converter.unstructure(Money("12.345", "EUR")) == {
            "amount": "12.345",
            "currency": "EUR",
        }

    def test_money_keeps_trailing_zeros(self) -> None:
        assert converter.unstructure(money("12.50", "EUR"))["amount"] == "12.50"
        back = converter.structure({"amount": "12.50", "currency": "EUR"}, Money)
        assert _same_money(back, money("12.50", "EUR"))

    def test_money_accepts_a_whole_number_amount(self) -> None:
        assert converter.structure({"amount": 7, "currency": "JPY"}, Money) == money(7, "JPY")

    def test_money_currency_code_is_normalised(self) -> None:
        assert converter.structure({"amount": "1", "currency": " eur "}, Money) == money(1, "EUR")

    def test_money_is_never_a_float(self) -> None:
        amount = converter.unstructure(Money(Decimal("0.1"), "USD"))["amount"]
        assert isinstance(amount, str)
        assert amount == "0.1"

    def test_enums_are_their_values(self) -> None:
        data = converter.unstructure(
            Company(
                id=CompanyId("c1"), name="ACME", currency="EUR", status="on_hold", week_starts_on=6
            )
        )
        assert data["status"] == "on_hold"
        assert data["week_starts_on"] == 6
        assert type(data["status"]) is str
        assert type(data["week_starts_on"]) is int

    def test_sets_are_sorted_lists(self) -> None:
        data = converter.unstructure(
            Company(id=CompanyId("c1"), name="ACME", currency="EUR", tags={"zeta", "alpha", "mid"})
        )
        assert data["tags"] == ["alpha", "mid", "zeta"]

    def test_role_sets_are_sorted_lists_of_values(self) -> None:
        data = converter.unstructure(
            Membership(company_id=CompanyId("c1"), roles={Role.FINANCE, Role.APPROVER, Role.BUYER})
        )
        assert data == {
            "company_id": "c1",
            "roles": ["approver", "buyer", "finance"],
            "status": "active",
        }

    def test_tuples_are_lists_in_order(self) -> None:
        customer = Customer(
            id=CustomerId("u1"),
            email="anna@acme.example",
            first_name="Anna",
            last_name="Smith",
            phones=("+49 30 2", "+49 30 1"),
        )
        assert converter.unstructure(customer)["phones"] == ["+49 30 2", "+49 30 1"]

    def test_aware_datetimes_are_iso_8601_with_their_offset(self) -> None:
        at = datetime(2026, 1, 31, 9, 0, tzinfo=timezone(timedelta(hours=1)))
        event = DomainEvent(
            id=EventId("e1"),
            name="company.created",
            aggregate_type="company",
            aggregate_id="c1",
            occurred_at=at,
        )
        assert converter.unstructure(event)["occurred_at"] == "2026-01-31T09:00:00+01:00"

    def test_datetimes_in_named_zones_come_back_as_the_same_instant(self) -> None:
        at = datetime(2026, 7, 1, 12, 30, tzinfo=ZoneInfo("Europe/Berlin"))
        company = Company(id=CompanyId("c1"), name="ACME", currency="EUR", created_at=at)
        back = converter.structure(converter.unstructure(company), Company)
        assert back.created_at == at
        assert back.created_at is not None
        assert back.created_at.utcoffset() == timedelta(hours=2)

    def test_dates_are_iso_8601(self) -> None:
        info = LegalInfo(legal_name="ACME GmbH", registration_date=date(2001, 2, 3))
        data = converter.unstructure(info)
        assert data["registration_date"] == "2001-02-03"
        assert converter.structure(data, LegalInfo) == info

    def test_custom_fields_are_plain_objects(self) -> None:
        company = Company(
            id=CompanyId("c1"),
            name="ACME",
            currency="EUR",
            custom_fields={"industry": "tools", "employees": 40, "vip": True},
        )
        data = converter.unstructure(company)
        assert data["custom_fields"] == {"industry": "tools", "employees": 40, "vip": True}
        assert type(data["custom_fields"]) is dict

    def test_nested_payloads_survive(self) -> None:
        event = DomainEvent(
            id=EventId("e1"),
            name="credit.hold_placed",
            aggregate_type="company",
            aggregate_id="c1",
            occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
            payload={"limit": {"amount": "100.00", "currency": "EUR"}, "ids": ["a", "b"]},
        )
        data = json.loads(json.dumps(converter.unstructure(event)))
        assert data["payload"] == {
            "limit": {"amount": "100.00", "currency": "EUR"},
            "ids": ["a", "b"],
        }
        assert converter.structure(data, DomainEvent) == event

    def test_defaults_fill_in_fields_left_out(self) -> None:
        company = converter.structure({"id": "c1", "name": "ACME", "currency": "eur"}, Company)
        assert company == Company(id=CompanyId("c1"), name="ACME", currency="EUR")
        assert company.status is CompanyStatus.ACTIVE
        assert company.week_starts_on is Weekday.MONDAY

    def test_structure_builds_enum_members_not_strings(self) -> None:
        group = converter.structure(
            {"id": "g1", "name": "ACME customers", "kind": "company", "company_id": "c1"},
            CustomerGroup,
        )
        assert group.kind is GroupKind.COMPANY

    def test_making_a_converter_leaves_cattrs_global_converter_alone(self) -> None:
        make_converter()
        assert cattrs.global_converter.unstructure(Decimal("1.5")) == Decimal("1.5")
        assert cattrs.global_converter.unstructure(CompanyStatus.ACTIVE) == "active"
        assert not isinstance(cattrs.global_converter.unstructure(money(1, "EUR")), dict)


def test_a_membership_stored_without_a_status_reads_as_the_customers_standing() -> None:
    stored = {
        "id": "c1",
        "email": "c1@acme.example",
        "first_name": "C",
        "last_name": "One",
        "memberships": [{"company_id": "acme", "roles": ["buyer"]}],
    }
    for status, standing in (("invited", "invited"), ("active", "active"), ("inactive", "active")):
        customer = converter.structure({**stored, "status": status}, Customer)
        assert [m.status.value for m in customer.memberships] == [standing]
    assert converter.structure(stored, Customer).memberships[0].is_active  # status left out too
