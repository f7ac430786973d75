"""The SQL adapter's lean row builders give exactly what the converter gives.

Bulk imports build the JSON form of companies, customers and orders by hand
(for speed) and copy stored entities without validating them again; these
properties hold them to the converter and to ``attrs.evolve``.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.adapters.sql.mapping import (
    COMPANY_COLUMNS,
    CUSTOMER_COLUMNS,
    ORDER_COLUMNS,
    Decoder,
    Stamp,
    company_from,
    company_json,
    company_values,
    converter,
    custom_field_key,
    customer_json,
    customer_values,
    load,
    order_json,
    order_values,
)
from b2b_customers.adapters.sql.orders import amount_key
from b2b_customers.domain import Company, Customer
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, CustomerId
from b2b_customers.testing import strategies as st_b2b

if TYPE_CHECKING:
    from b2b_customers.domain.order import OrderRecord

STAMP = Stamp(3, datetime(2026, 1, 5, 9, 30, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
stamps = st.builds(
    Stamp,
    st.integers(1, 10_000),
    st_b2b.aware_datetimes(),
    st_b2b.aware_datetimes(),
)


@given(st_b2b.companies(), stamps)
def test_the_json_of_a_company_is_the_converters(company: Company, stamp: Stamp):
    expected = converter().unstructure(stamp.apply(company))
    assert json.loads(company_json(company, stamp)) == expected


@given(st_b2b.customers(), stamps)
def test_the_json_of_a_customer_is_the_converters(customer: Customer, stamp: Stamp):
    expected = converter().unstructure(stamp.apply(customer))
    assert json.loads(customer_json(customer, stamp)) == expected


orders_with_lines = st_b2b.order_records().flatmap(
    lambda record: st.lists(st_b2b.order_lines(str(record.total.currency.code)), max_size=3).map(
        lambda lines: attrs.evolve(record, lines=tuple(lines))
    )
)


@given(orders_with_lines, stamps)
def test_the_json_of_an_order_is_the_converters(order: OrderRecord, stamp: Stamp):
    expected = converter().unstructure(stamp.apply(order))
    assert json.loads(order_json(order, stamp)) == expected


@given(orders_with_lines)
def test_an_order_row_names_every_column_once(order: OrderRecord):
    raw = order_values(order, STAMP, "{}", raw=True)
    assert len(raw) == len(ORDER_COLUMNS) == len(set(ORDER_COLUMNS))
    row = dict(zip(ORDER_COLUMNS, raw, strict=True))
    assert row["placed_at"] == order.placed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    assert row["total_key"] == amount_key(order.total.amount)


@given(st_b2b.companies(), stamps)
def test_the_decoder_gives_what_the_converter_gives_and_remembers_it(
    company: Company, stamp: Stamp
):
    stored = stamp.apply(company)
    text = company_json(company, stamp)
    decode = Decoder(8)
    first = decode(Company, text)
    assert first == stored
    assert decode(Company, text) is first  # remembered by its text
    assert decode(Company, json.loads(text)) == stored  # a driver's dict works too
    assert Decoder(0)(Company, text) == stored


@given(st_b2b.companies(), stamps)
def test_a_company_built_directly_is_the_converters(company: Company, stamp: Stamp):
    data = json.loads(company_json(company, stamp))
    assert company_from(data) == converter().structure(data, Company) == stamp.apply(company)


@pytest.mark.parametrize(
    "change",
    [
        {"unknown": 1},
        {"name": 7},
        {"name": ""},
        {"tags": "vip"},
        {"tags": [1]},
        {"term_customer": 1},
        {"status": "gone"},
        {"status": 1},
        {"week_starts_on": "1"},
        {"created_at": "2026-01-05T09:30:00"},
        {"currency": "EURO"},
        {"sales_tax": {"type": "taxable"}},
        {"legal_info": {"legal_name": "X", "registration_date": "yesterday"}},
    ],
)
def test_a_company_row_the_direct_way_does_not_expect_goes_the_converters_way(
    change: dict[str, Any],
):
    data = json.loads(company_json(Company(id=CompanyId("c1"), name="C", currency="EUR"), STAMP))
    data.update(change)
    assert company_from(data) is None
    try:
        expected: Company | ValidationError = converter().structure(data, Company)
    except ValidationError as error:
        expected = error
    for given_as in (data, json.dumps(data)):
        decode = load if isinstance(given_as, dict) else Decoder(4)
        if isinstance(expected, ValidationError):
            with pytest.raises(ValidationError) as raised:
                decode(Company, given_as)
            assert (raised.value.field, raised.value.reason) == (expected.field, expected.reason)
        else:
            assert decode(Company, given_as) == expected


@given(st_b2b.companies() | st_b2b.customers() | st_b2b.locations(), stamps)
def test_a_stamped_copy_equals_an_evolved_one(entity: Company | Customer, stamp: Stamp):
    copy = stamp.apply(entity)
    assert copy == attrs.evolve(
        entity, version=stamp.version, created_at=stamp.created_at, updated_at=stamp.updated_at
    )
    assert type(copy) is type(entity)


@given(st_b2b.companies())
def test_a_company_row_names_every_column_once(company: Company):
    raw = company_values(company, STAMP, raw=True)
    assert len(raw) == len(COMPANY_COLUMNS) == len(set(COMPANY_COLUMNS))
    row = dict(zip(COMPANY_COLUMNS, raw, strict=True))
    assert row["created_at"] == "2026-01-05 09:30:00.000000"
    assert row["name_lower"] == company.name.lower()


def test_a_customer_row_keeps_the_times_for_sqlalchemy_unless_raw():
    customer = Customer(
        id=CustomerId("ann"), email="Ann@Example.com", first_name="Ann", last_name="Lee"
    )
    row = dict(zip(CUSTOMER_COLUMNS, customer_values(customer, STAMP, raw=False), strict=True))
    assert row["created_at"] == STAMP.created_at
    assert row["email"] == "ann@example.com"


def test_times_in_any_zone_are_stored_in_utc():
    berlin = timezone(timedelta(hours=1))
    stamp = Stamp(1, datetime(2026, 1, 1, 1, tzinfo=berlin), datetime(2026, 1, 1, 1, tzinfo=berlin))
    assert stamp.times(raw=True) == ("2026-01-01 00:00:00.000000",) * 2
    assert stamp.created_iso == "2026-01-01T01:00:00+01:00"


def test_custom_field_values_keep_their_type():
    encoded = {custom_field_key(value)[0] for value in (True, 1, "1", "true")}
    assert len(encoded) == 4


amounts = st.decimals(min_value=0, max_value=Decimal("1e30"), allow_nan=False, places=None)


@given(amounts, amounts)
def test_amount_keys_sort_as_the_amounts(first: Decimal, second: Decimal):
    assert (amount_key(first) < amount_key(second)) == (first < second)
    assert (amount_key(first) == amount_key(second)) == (first == second)
