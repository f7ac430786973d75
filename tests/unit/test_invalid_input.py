"""Bad input is refused with a ValidationError naming the field, built directly or from JSON."""

from __future__ import annotations

import contextlib
import string
import zoneinfo
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import attrs
import moneyed
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.domain import (
    Address,
    Company,
    ContactAssignment,
    Customer,
    CustomerGroup,
    DomainEvent,
    LegalInfo,
    Location,
    Membership,
    SalesTax,
)
from b2b_customers.domain.countries import ISO_3166_ALPHA_2
from b2b_customers.domain.money import money
from b2b_customers.errors import ValidationError
from b2b_customers.serialization import make_converter
from b2b_customers.testing import strategies as st_b2b

converter = make_converter()

KNOWN_CURRENCIES = frozenset(moneyed.CURRENCIES)
KNOWN_TIME_ZONES = frozenset(zoneinfo.available_timezones())

bad_currencies = st.text(max_size=6).filter(
    lambda code: code.strip().upper() not in KNOWN_CURRENCIES
)
bad_countries = st.text(max_size=4).filter(
    lambda code: code.strip().upper() not in ISO_3166_ALPHA_2
)
bad_time_zones = st.text(max_size=30).filter(lambda name: name.strip() not in KNOWN_TIME_ZONES)
blank_texts = st.text(alphabet=" \t\n\r\u00a0\u2003", max_size=6)
emails_without_at = st.text(max_size=30).filter(lambda text: "@" not in text)
malformed_emails = st.sampled_from(
    [
        "anna",
        "anna@",
        "@acme.example",
        "anna@acme",
        "anna@@acme.example",
        "an na@acme.example",
        "anna@acme..example",
        "anna@.example",
        "anna@acme.example.",
        f"{'a' * 250}@acme.example",
    ]
)
phones_with_letters = st.text(string.ascii_letters, min_size=1, max_size=20).map(
    lambda letters: f"+49 {letters}"
)
malformed_phones = st.sampled_from(["", "123", "+1 2-3", "call me", "1" * 33, "++49 30 1234567"])
naive_datetimes = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2200, 1, 1))  # noqa: DTZ001
negative_numbers = st.integers(max_value=-1)


def company_data(**changes: Any) -> dict[str, Any]:
    return {"id": "c1", "name": "ACME", "currency": "EUR", **changes}


def customer_data(**changes: Any) -> dict[str, Any]:
    return {
        "id": "u1",
        "email": "anna@acme.example",
        "first_name": "Anna",
        "last_name": "Smith",
        **changes,
    }


def address_data(**changes: Any) -> dict[str, Any]:
    return {"lines": ["Main Street 1"], "city": "Berlin", "country": "DE", **changes}


def location_data(**changes: Any) -> dict[str, Any]:
    return {"id": "l1", "company_id": "c1", "name": "HQ", "address": address_data(), **changes}


def location_kwargs(**changes: Any) -> dict[str, Any]:
    return location_data(address=Address(**address_data()), **changes)


def event_data(**changes: Any) -> dict[str, Any]:
    return {
        "id": "e1",
        "name": "company.created",
        "aggregate_type": "company",
        "aggregate_id": "c1",
        "occurred_at": "2026-01-31T09:00:00+01:00",
        **changes,
    }


def refused_field(build: Any, *args: Any, **kwargs: Any) -> str | None:
    """Call ``build`` and return the field the ValidationError names."""
    with pytest.raises(ValidationError) as info:
        build(*args, **kwargs)
    message = str(info.value)
    if info.value.field is not None:
        assert message.startswith(f"{info.value.field}: ")
    return info.value.field


def refused_json(data: Any, cl: type) -> str | None:
    return refused_field(converter.structure, data, cl)


class TestDirectConstruction:
    """Entities refuse bad values when built in Python, naming the field."""

    @given(bad_currencies)
    def test_unknown_currency_is_refused(self, code: str) -> None:
        assert refused_field(Company, **company_data(currency=code)) == "currency"

    @given(bad_countries)
    def test_unknown_address_country_is_refused(self, code: str) -> None:
        assert refused_field(Address, **address_data(country=code)) == "country"

    @given(bad_countries)
    def test_unknown_country_of_registration_is_refused(self, code: str) -> None:
        assert refused_field(LegalInfo, legal_name="ACME", country=code) == "country"

    @given(bad_time_zones)
    def test_unknown_time_zone_is_refused(self, name: str) -> None:
        assert refused_field(Company, **company_data(time_zone=name)) == "time_zone"

    @given(emails_without_at | malformed_emails)
    def test_malformed_email_is_refused(self, email: str) -> None:
        assert refused_field(Customer, **customer_data(email=email)) == "email"

    @given(emails_without_at | malformed_emails)
    def test_malformed_location_email_is_refused(self, email: str) -> None:
        assert refused_field(Location, **location_kwargs(emails=[email])) == "emails"

    @given(phones_with_letters | malformed_phones)
    def test_malformed_phone_is_refused(self, phone: str) -> None:
        assert refused_field(Customer, **customer_data(phones=[phone])) == "phones"
        assert refused_field(Location, **location_kwargs(phones=[phone])) == "phones"

    @given(blank_texts)
    def test_blank_name_is_refused(self, name: str) -> None:
        assert refused_field(Company, **company_data(name=name)) == "name"
        assert refused_field(Customer, **customer_data(first_name=name)) == "first_name"
        assert refused_field(CustomerGroup, id="g1", name=name) == "name"
        assert refused_field(LegalInfo, legal_name=name) == "legal_name"
        assert refused_field(Address, **address_data(city=name)) == "city"

    @given(naive_datetimes)
    def test_naive_datetime_is_refused(self, at: datetime) -> None:
        assert refused_field(Company, **company_data(created_at=at)) == "created_at"
        assert refused_field(Company, **company_data(updated_at=at)) == "updated_at"
        assert refused_field(DomainEvent, **event_data(occurred_at=at)) == "occurred_at"

    @given(negative_numbers)
    def test_negative_version_is_refused(self, version: int) -> None:
        assert refused_field(Company, **company_data(version=version)) == "version"
        assert refused_field(Customer, **customer_data(version=version)) == "version"

    @pytest.mark.parametrize("version", [True, 1.0, "1", None])
    def test_version_that_is_not_a_whole_number_is_refused(self, version: object) -> None:
        assert refused_field(Company, **company_data(version=version)) == "version"

    @given(st.floats())
    def test_float_money_amount_is_refused(self, amount: float) -> None:
        assert refused_field(money, amount, "EUR") == "amount"

    @given(bad_currencies)
    def test_money_in_unknown_currency_is_refused(self, code: str) -> None:
        assert refused_field(money, "1.00", code) == "currency"

    @pytest.mark.parametrize("flag", [1, 0, "yes", "true", None])
    def test_flag_that_is_not_a_bool_is_refused(self, flag: object) -> None:
        assert refused_field(Company, **company_data(term_customer=flag)) == "term_customer"
        assert refused_field(Location, **location_kwargs(is_primary=flag)) == "is_primary"

    @given(
        st.text(max_size=12).filter(lambda value: value not in {"active", "inactive", "on_hold"})
    )
    def test_unknown_status_is_refused_with_the_choices(self, status: str) -> None:
        with pytest.raises(ValidationError, match="'active', 'inactive', 'on_hold'"):
            Company(**company_data(status=status))

    @pytest.mark.parametrize("day", [7, -1, "monday", 1.5])
    def test_unknown_weekday_is_refused(self, day: object) -> None:
        with pytest.raises(ValidationError, match="weekday"):
            Company(**company_data(week_starts_on=day))

    @pytest.mark.parametrize("identifier", ["", " c1", "c1 ", "x" * 65, 5, None])
    def test_malformed_id_is_refused(self, identifier: object) -> None:
        assert refused_field(Company, **company_data(id=identifier)) == "id"

    def test_longest_id_is_accepted(self) -> None:
        assert Company(**company_data(id="x" * 64)).id == "x" * 64

    def test_too_long_name_is_refused(self) -> None:
        assert refused_field(Company, **company_data(name="n" * 256)) == "name"

    def test_longest_name_is_accepted(self) -> None:
        assert Company(**company_data(name="n" * 255)).name == "n" * 255

    @pytest.mark.parametrize("roles", [set(), ["buyer", "admin"], ["owner"], "buyer", None])
    def test_bad_role_set_is_refused(self, roles: object) -> None:
        assert refused_field(Membership, company_id="c1", roles=roles) == "roles"

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"legal_info": "ACME GmbH"}, "legal_info"),
            ({"sales_tax": "taxable"}, "sales_tax"),
            ({"tags": "vip"}, "tags"),
            ({"tags": [""]}, "tags"),
            ({"tags": ["t" * 65]}, "tags"),
            ({"custom_fields": {"rate": 1.5}}, "custom_fields"),
            ({"custom_fields": {"": "x"}}, "custom_fields"),
            ({"custom_fields": ["industry"]}, "custom_fields"),
            ({"custom_fields": {"when": datetime(2026, 1, 1, tzinfo=UTC)}}, "custom_fields"),
            ({"parent_id": "c1"}, "parent_id"),
            ({"bill_to_id": "c1"}, "bill_to_id"),
            ({"master_id": "c1"}, "master_id"),
            ({"account_number": "a" * 65}, "account_number"),
        ],
    )
    def test_bad_company_field_is_named(self, fields: dict[str, Any], field: str) -> None:
        assert refused_field(Company, **company_data(**fields)) == field

    @given(st_b2b.companies(), st.sampled_from(["currency", "time_zone", "name", "id"]))
    def test_evolving_a_valid_company_into_a_bad_one_is_refused(
        self, company: Company, field: str
    ) -> None:
        assert refused_field(attrs.evolve, company, **{field: "  "}) == field


class TestStructure:
    """The converter refuses bad JSON-ready data with a ValidationError naming the path."""

    @given(bad_currencies)
    def test_unknown_currency_is_refused(self, code: str) -> None:
        assert refused_json(company_data(currency=code), Company) == "currency"

    @given(bad_countries)
    def test_unknown_country_names_its_nested_path(self, code: str) -> None:
        data = company_data(legal_info={"legal_name": "ACME GmbH", "country": code})
        assert refused_json(data, Company) == "legal_info.country"

    @given(bad_countries)
    def test_unknown_address_country_names_its_nested_path(self, code: str) -> None:
        data = location_data(address=address_data(country=code))
        assert refused_json(data, Location) == "address.country"

    @given(bad_time_zones)
    def test_unknown_time_zone_is_refused(self, name: str) -> None:
        assert refused_json(company_data(time_zone=name), Company) == "time_zone"

    @given(emails_without_at | malformed_emails)
    def test_malformed_email_is_refused(self, email: str) -> None:
        assert refused_json(customer_data(email=email), Customer) == "email"

    @given(phones_with_letters | malformed_phones)
    def test_malformed_phone_is_refused(self, phone: str) -> None:
        assert refused_json(customer_data(phones=[phone]), Customer) == "phones"

    @given(blank_texts)
    def test_blank_name_is_refused(self, name: str) -> None:
        assert refused_json(company_data(name=name), Company) == "name"

    @given(naive_datetimes)
    def test_naive_datetime_is_refused(self, at: datetime) -> None:
        assert refused_json(company_data(created_at=at.isoformat()), Company) == "created_at"
        assert refused_json(event_data(occurred_at=at.isoformat()), DomainEvent) == "occurred_at"

    @pytest.mark.parametrize("text", ["yesterday", "2026-13-01T00:00:00+00:00", ""])
    def test_unreadable_datetime_is_refused(self, text: str) -> None:
        assert refused_json(company_data(created_at=text), Company) == "created_at"

    @pytest.mark.parametrize("text", ["2026-02-30", "2026-01-31T00:00:00", "31.01.2026", 20260131])
    def test_unreadable_date_is_refused(self, text: object) -> None:
        data = company_data(legal_info={"legal_name": "ACME", "registration_date": text})
        assert refused_json(data, Company) == "legal_info.registration_date"

    @given(negative_numbers)
    def test_negative_version_is_refused(self, version: int) -> None:
        assert refused_json(company_data(version=version), Company) == "version"

    @given(st.floats(allow_nan=True, allow_infinity=True))
    def test_float_money_amount_is_refused(self, amount: float) -> None:
        assert refused_json({"amount": amount, "currency": "EUR"}, Money) == "amount"

    @pytest.mark.parametrize("amount", ["NaN", "Infinity", "-inf", "twelve", "", "1,50"])
    def test_money_amount_that_is_not_a_finite_number_is_refused(self, amount: str) -> None:
        assert refused_json({"amount": amount, "currency": "EUR"}, Money) == "amount"

    @given(bad_currencies)
    def test_money_in_unknown_currency_is_refused(self, code: str) -> None:
        assert refused_json({"amount": "1.00", "currency": code}, Money) == "currency"

    @pytest.mark.parametrize(
        "data",
        [
            "12.50 EUR",
            12.5,
            {"amount": "1"},
            {"currency": "EUR"},
            {"amount": "1", "currency": "EUR", "rate": "1"},
            ["1", "EUR"],
        ],
    )
    def test_money_of_the_wrong_shape_is_refused(self, data: object) -> None:
        with pytest.raises(ValidationError, match=r"'amount': '12\.50', 'currency': 'EUR'"):
            converter.structure(data, Money)

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("status", "closed"),
            ("customer_type", "government"),
            ("status", "ACTIVE"),
            ("week_starts_on", 7),
        ],
    )
    def test_unknown_enum_value_names_the_field(self, field: str, value: object) -> None:
        assert refused_json(company_data(**{field: value}), Company) == field

    @given(
        st.text(max_size=10).filter(lambda value: value not in {"active", "inactive", "invited"})
    )
    def test_unknown_customer_status_names_the_field(self, status: str) -> None:
        assert refused_json(customer_data(status=status), Customer) == "status"

    def test_unknown_nested_enum_value_names_its_path(self) -> None:
        data = company_data(sales_tax={"type": "tax_free", "exemption_jurisdictions": []})
        assert refused_json(data, Company) == "sales_tax.type"

    def test_unknown_location_type_names_the_field(self) -> None:
        assert refused_json(location_data(type="moon_base"), Location) == "type"

    def test_unknown_group_kind_names_the_field(self) -> None:
        assert refused_json({"id": "g1", "name": "G", "kind": "smart"}, CustomerGroup) == "kind"

    def test_unknown_role_names_its_index(self) -> None:
        data = customer_data(memberships=[{"company_id": "c1", "roles": ["buyer", "owner"]}])
        with pytest.raises(ValidationError, match="'owner' is not a Role") as info:
            converter.structure(data, Customer)
        assert info.value.field == "memberships[0].roles[1]"

    def test_unknown_subscription_names_its_index(self) -> None:
        data = {"id": "a1", "company_id": "c1", "customer_id": "u1", "subscriptions": ["spam"]}
        assert refused_json(data, ContactAssignment) == "subscriptions[0]"

    def test_two_purchasing_roles_name_the_membership(self) -> None:
        data = customer_data(
            memberships=[
                {"company_id": "c1", "roles": ["buyer"]},
                {"company_id": "c2", "roles": ["buyer", "requester"]},
            ]
        )
        assert refused_json(data, Customer) == "memberships[1].roles"

    @given(
        st.text(min_size=1, max_size=12).filter(
            lambda key: key not in {field.name for field in attrs.fields(Company)}
        )
    )
    def test_unknown_key_is_refused_and_named(self, key: str) -> None:
        with pytest.raises(ValidationError, match="unknown field") as info:
            converter.structure({**company_data(), key: "x"}, Company)
        assert key in str(info.value)

    def test_unknown_nested_key_names_the_nested_entity(self) -> None:
        data = company_data(legal_info={"legal_name": "ACME", "vat": "DE1"})
        with pytest.raises(ValidationError, match="vat") as info:
            converter.structure(data, Company)
        assert info.value.field == "legal_info"

    @pytest.mark.parametrize("field", ["id", "name", "currency"])
    def test_missing_required_field_is_named(self, field: str) -> None:
        data = company_data()
        del data[field]
        with pytest.raises(ValidationError, match="missing"):
            converter.structure(data, Company)
        assert refused_json(data, Company) == field

    @given(st.text(max_size=5) | st.floats() | st.booleans())
    def test_whole_number_must_be_a_json_number(self, version: object) -> None:
        assert refused_json(company_data(version=version), Company) == "version"

    @given(st.integers() | st.text(max_size=5) | st.none())
    def test_flag_must_be_a_json_bool(self, flag: object) -> None:
        assert refused_json(company_data(test_record=flag), Company) == "test_record"

    @given(st.integers() | st.booleans() | st.floats() | st.lists(st.text(), max_size=2))
    def test_text_must_be_a_json_string(self, name: object) -> None:
        assert refused_json(company_data(name=name), Company) == "name"

    def test_a_string_is_not_a_list_of_tags(self) -> None:
        assert refused_json(company_data(tags="vip"), Company) == "tags"

    def test_a_string_is_not_a_list_of_address_lines(self) -> None:
        data = location_data(address=address_data(lines="Main Street 1"))
        assert refused_json(data, Location) == "address.lines"

    def test_a_string_is_not_a_list_of_roles(self) -> None:
        data = customer_data(memberships=[{"company_id": "c1", "roles": "buyer"}])
        assert refused_json(data, Customer) == "memberships[0].roles"

    def test_a_wrongly_typed_tag_names_its_index(self) -> None:
        assert refused_json(company_data(tags=["ok", 5]), Company) == "tags[1]"

    @pytest.mark.parametrize("data", [[], "ACME", None, 5, ["c1", "ACME", "EUR"]])
    def test_an_entity_must_be_a_json_object(self, data: object) -> None:
        with pytest.raises(ValidationError, match="mapping"):
            converter.structure(data, Company)

    def test_a_nested_entity_must_be_a_json_object(self) -> None:
        assert refused_json(company_data(legal_info="ACME GmbH"), Company) == "legal_info"

    def test_a_membership_must_be_a_json_object(self) -> None:
        assert refused_json(customer_data(memberships=["c1"]), Customer) == "memberships[0]"

    def test_custom_fields_must_be_a_json_object(self) -> None:
        assert refused_json(company_data(custom_fields=["a"]), Company) == "custom_fields"

    def test_custom_field_decimals_must_be_text(self) -> None:
        data = company_data(custom_fields={"discount": 0.05})
        with pytest.raises(ValidationError, match="store decimals as text") as info:
            converter.structure(data, Company)
        assert info.value.field == "custom_fields"

    def test_payload_keys_must_be_text(self) -> None:
        assert refused_json(event_data(payload={1: "x"}), DomainEvent) == "payload"

    def test_cross_field_rule_names_its_field(self) -> None:
        data = company_data(sales_tax={"type": "government", "exemption_jurisdictions": ["CA"]})
        assert refused_json(data, Company) == "sales_tax.exemption_jurisdictions"

    def test_duplicate_membership_names_the_list(self) -> None:
        entry = {"company_id": "c1", "roles": ["buyer"]}
        assert refused_json(customer_data(memberships=[entry, entry]), Customer) == "memberships"

    def test_decimal_must_be_a_decimal_string(self) -> None:
        for value in ["x", 1.5, None, True]:
            with pytest.raises(ValidationError):
                converter.structure(value, Decimal)


JSON_JUNK = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner),
    max_leaves=6,
)

ENTITY_TYPES = [
    Company,
    Location,
    Address,
    Customer,
    Membership,
    ContactAssignment,
    CustomerGroup,
    DomainEvent,
    LegalInfo,
    SalesTax,
]


VALID_ENTITIES = st.one_of(
    st_b2b.companies(),
    st_b2b.locations(),
    st_b2b.customers(),
    st_b2b.contact_assignments(),
    st_b2b.customer_groups(),
    st_b2b.domain_events(),
    st_b2b.legal_infos(),
    st_b2b.sales_taxes(),
)
# One test covers every entity type, so it draws more examples than a test of one.
MANY = settings(max_examples=3 * settings().max_examples)


@MANY
@given(st.sampled_from(ENTITY_TYPES), st.data())
def test_structuring_junk_raises_nothing_but_validation_error(
    cl: type, data: st.DataObject
) -> None:
    names = [field.name for field in attrs.fields(cl)]
    junk = data.draw(
        st.dictionaries(st.sampled_from(names) | st.text(max_size=4), JSON_JUNK) | JSON_JUNK
    )
    with contextlib.suppress(ValidationError):
        converter.structure(junk, cl)


@MANY
@given(VALID_ENTITIES, st.data())
def test_corrupting_one_field_of_valid_json_is_refused_naming_a_field(
    entity: Any, data: st.DataObject
) -> None:
    unstructured = converter.unstructure(entity)
    key = data.draw(st.sampled_from(sorted(unstructured)))
    unstructured[key] = data.draw(JSON_JUNK)
    problem: ValidationError | None = None
    try:
        converter.structure(unstructured, type(entity))
    except ValidationError as error:
        problem = error
    if problem is not None:
        assert problem.field is not None
        assert str(problem).startswith(f"{problem.field}: ")


@MANY
@given(st.sampled_from(ENTITY_TYPES), st.data())
def test_constructors_raise_nothing_but_validation_error(cl: type, data: st.DataObject) -> None:
    fields = attrs.fields(cl)
    scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6)
    junk = scalars | st.lists(scalars, max_size=3) | st.dictionaries(st.text(max_size=4), scalars)
    required = {field.name: "x" for field in fields if field.default is attrs.NOTHING}
    kwargs = {
        **required,
        **data.draw(st.dictionaries(st.sampled_from([f.name for f in fields]), junk)),
    }
    with contextlib.suppress(ValidationError):
        cl(**kwargs)
