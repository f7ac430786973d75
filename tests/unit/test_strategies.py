"""The shipped Hypothesis strategies draw valid values and honour pinned fields."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import (
    Company,
    ContactAssignment,
    Customer,
    CustomerGroup,
    DomainEvent,
    GroupKind,
    Location,
    Role,
)
from b2b_customers.domain.membership import PURCHASING_ROLES
from b2b_customers.domain.values import is_known_time_zone
from b2b_customers.ids import MAX_ID_LENGTH
from b2b_customers.testing import strategies as st_b2b

if TYPE_CHECKING:
    from datetime import datetime

    from moneyed import Money


@given(st_b2b.companies())
def test_companies_never_name_themselves(company: Company) -> None:
    assert company.id not in {company.parent_id, company.bill_to_id, company.master_id}
    assert is_known_time_zone(company.time_zone)
    assert company.currency in st_b2b.CURRENCIES


@given(st_b2b.companies(id="acme", parent_id=None, status="on_hold"))
def test_companies_honour_pinned_fields(company: Company) -> None:
    assert company.id == "acme"
    assert company.parent_id is None
    assert company.status == "on_hold"


@given(st_b2b.locations(company_id="acme"))
def test_locations_honour_the_pinned_company(location: Location) -> None:
    assert location.company_id == "acme"


@given(st_b2b.customers(id="anna"))
def test_customers_have_one_membership_per_company(customer: Customer) -> None:
    assert customer.id == "anna"
    assert customer.manager_id != "anna"
    companies = [membership.company_id for membership in customer.memberships]
    assert len(companies) == len(set(companies))


@given(st_b2b.contact_assignments(company_id="acme", customer_id="anna"))
def test_contact_assignments_honour_pinned_fields(contact: ContactAssignment) -> None:
    assert (contact.company_id, contact.customer_id) == ("acme", "anna")


@given(st_b2b.customer_groups(kind="custom"))
def test_custom_groups_name_no_company(group: CustomerGroup) -> None:
    assert group.kind is GroupKind.CUSTOM
    assert group.company_id is None


@given(st_b2b.domain_events(company_id="acme"))
def test_domain_events_honour_pinned_fields(event: DomainEvent) -> None:
    assert event.company_id == "acme"
    assert event.occurred_at.utcoffset() is not None


@given(st_b2b.role_sets())
def test_role_sets_obey_the_role_rule(roles: frozenset[Role]) -> None:
    assert roles
    assert len(roles & PURCHASING_ROLES) <= 1


@given(st_b2b.ids())
def test_ids_are_valid_ids(identifier: str) -> None:
    assert 1 <= len(identifier) <= MAX_ID_LENGTH
    assert identifier == identifier.strip()


@given(st_b2b.names())
def test_names_are_stored_as_drawn(name: str) -> None:
    assert name == name.strip()
    assert name


@given(st_b2b.aware_datetimes())
def test_aware_datetimes_are_aware(at: datetime) -> None:
    assert at.utcoffset() is not None


@given(st.data(), st.sampled_from([0, 2, 3, 4]))
def test_money_has_at_most_the_places_asked_for(data: st.DataObject, places: int) -> None:
    amount: Money = data.draw(st_b2b.money(places=places))
    assert amount.amount.is_finite()
    assert amount.amount == amount.amount.quantize(Decimal(1).scaleb(-places))
    assert amount.currency.code in st_b2b.CURRENCIES


@given(st_b2b.money("JPY", places=0))
def test_money_honours_currency_and_places(amount: Money) -> None:
    assert amount.currency.code == "JPY"
    assert amount.amount == amount.amount.to_integral_value()
