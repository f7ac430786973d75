"""The SQL adapter's rows: one codec (the converter's), validated both ways.

Entities are written with the converter's unstructuring and read back with
cattrs' generated structuring functions; these properties hold the fast
reading path to the converter's own, for every stored entity, and check that
every row that is not a valid entity raises ``DamagedRow``.
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
    AUDIT_COLUMNS,
    COMPANY_COLUMNS,
    CUSTOMER_COLUMNS,
    MAX_STORED_AMOUNT,
    ORDER_COLUMNS,
    OUTBOX_COLUMNS,
    TABLE_OF,
    Decoder,
    Stamp,
    audit_values,
    company_values,
    converter,
    custom_field_key,
    customer_values,
    decimal_amount,
    decode,
    encode,
    event_values,
    json_value,
    order_values,
    stamped,
    state_json,
    stored_time,
)
from b2b_customers.adapters.sql.orders import amount_key
from b2b_customers.domain import AuditLogEntry, Company, Customer, DomainEvent
from b2b_customers.errors import DamagedRow, ValidationError
from b2b_customers.ids import CompanyId, CustomerId
from b2b_customers.serialization import make_converter
from b2b_customers.testing import strategies as st_b2b

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.domain.order import OrderRecord

STAMP = Stamp(3, datetime(2026, 1, 5, 9, 30, tzinfo=UTC), datetime(2026, 2, 1, tzinfo=UTC))
stamps = st.builds(
    Stamp,
    st.integers(1, 10_000),
    st_b2b.aware_datetimes(),
    st_b2b.aware_datetimes(),
)

STORED_ENTITIES: dict[str, st.SearchStrategy[Any]] = {
    "companies": st_b2b.companies(),
    "customers": st_b2b.customers(),
    "locations": st_b2b.locations(),
    "contact_assignments": st_b2b.contact_assignments(),
    "customer_groups": st_b2b.customer_groups(),
    "outbox": st_b2b.domain_events(),
    "purchasing_limits": st_b2b.purchasing_limits(),
    "credit_accounts": st_b2b.credit_accounts(),
    "ledger_entries": st_b2b.ledger_entries(),
    "orders": st_b2b.order_records(),
    "approval_requests": st_b2b.approval_requests(),
    "approval_policies": st_b2b.approval_policies(),
    "approval_groups": st_b2b.approval_groups(),
    "approver_limits": st_b2b.approver_limits(),
    "payment_terms": st_b2b.payment_terms(),
    "audit_log": st_b2b.audit_log_entries(),
}


def test_every_stored_class_has_a_table_and_a_strategy_here():
    assert sorted(TABLE_OF.values()) == sorted(STORED_ENTITIES)


@pytest.mark.parametrize("table", sorted(STORED_ENTITIES))
@given(data=st.data())
def test_a_row_decodes_to_the_entity_it_was_encoded_from(table: str, data: st.DataObject):
    entity = data.draw(STORED_ENTITIES[table])
    text = encode(entity)
    assert json.loads(text) == converter().unstructure(entity)
    assert decode(type(entity), text) == entity
    assert decode(type(entity), json.loads(text)) == entity  # a driver's parsed JSON works too
    assert converter().structure(json.loads(text), type(entity)) == entity


@given(st_b2b.companies(), stamps)
def test_the_decoder_gives_what_the_converter_gives_and_remembers_it(
    company: Company, stamp: Stamp
):
    stored = stamp.apply(company)
    text = encode(stored)
    decoder = Decoder(8)
    first = decoder(Company, text)
    assert first == stored
    assert decoder(Company, text) is first  # remembered by its text
    assert decoder(Company, json.loads(text)) == stored
    assert Decoder(0)(Company, text) == stored


def test_a_row_without_a_key_that_has_a_default_takes_the_default():
    data = converter().unstructure(_company())
    del data["time_zone"], data["tags"], data["sales_tax"]
    assert decode(Company, json.dumps(data)) == _company()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"unknown": 1}, None),
        ({"name": 7}, "name"),
        ({"name": ""}, "name"),
        ({"tags": "vip"}, "tags"),
        ({"tags": [1]}, "tags"),
        ({"term_customer": 1}, "term_customer"),
        ({"status": "gone"}, "status"),
        ({"status": 1}, "status"),
        ({"week_starts_on": "1"}, "week_starts_on"),
        ({"week_starts_on": True}, "week_starts_on"),
        ({"created_at": "2026-01-05T09:30:00"}, "created_at"),
        ({"currency": "EURO"}, "currency"),
        ({"sales_tax": {"type": "nope"}}, "sales_tax.type"),
        ({"legal_info": {"legal_name": "X", "registration_date": "yesterday"}}, None),
        ({"custom_fields": {"x": 1.5}}, "custom_fields"),
        ({"parent_id": "c1"}, "parent_id"),
    ],
)
def test_a_damaged_company_row_names_its_table_key_and_field(
    change: dict[str, Any], field: str | None
):
    data = converter().unstructure(stamped(_company(), version=3, created_at=T, updated_at=T))
    data.update(change)
    try:
        converter().structure(data, Company)
    except ValidationError as error:
        expected = error
    reads: tuple[Callable[[], object], ...] = (
        lambda: decode(Company, data, key="c1"),
        lambda: decode(Company, json.dumps(data), key="c1"),
        lambda: Decoder(4)(Company, json.dumps(data), "c1"),
    )
    for read in reads:
        with pytest.raises(DamagedRow) as raised:
            read()
        damage = raised.value
        assert (damage.table, damage.key) == ("companies", "c1")
        assert (damage.field, damage.reason) == (expected.field, expected.reason)
        if field is not None:
            assert damage.field is not None
            assert damage.field.startswith(field.split(".")[0])
        assert "'companies'" in str(damage)
        assert "'c1'" in str(damage)


@pytest.mark.parametrize(
    "text", ["", "{", "[]", "null", "7", '"text"', '{"id": "c1"', b"\xff\xfe", "NaN"]
)
def test_a_row_that_is_not_a_json_object_is_damaged(text: str | bytes):
    with pytest.raises(DamagedRow) as raised:
        decode(Customer, text, key="ann")
    assert (raised.value.table, raised.value.key) == ("customers", "ann")


def test_a_damaged_row_without_a_given_key_is_named_by_the_id_it_holds():
    data = converter().unstructure(_company())
    data["currency"] = "???"
    with pytest.raises(DamagedRow) as raised:
        decode(Company, data)
    assert raised.value.key == "c1"
    with pytest.raises(DamagedRow) as unreadable:
        decode(Company, "not json")
    assert unreadable.value.key is None
    assert "unreadable key" in str(unreadable.value)


@given(st_b2b.companies() | st_b2b.customers() | st_b2b.locations(), stamps)
def test_a_stamped_copy_equals_an_evolved_one(entity: Company | Customer, stamp: Stamp):
    copy = stamp.apply(entity)
    assert copy == attrs.evolve(
        entity, version=stamp.version, created_at=stamp.created_at, updated_at=stamp.updated_at
    )
    assert type(copy) is type(entity)


def test_stamping_validates_the_copy():
    with pytest.raises(ValidationError):
        stamped(_company(), version=-1, created_at=T, updated_at=T)


@given(st_b2b.companies())
def test_a_company_row_names_every_column_once(company: Company):
    raw = company_values(STAMP.apply(company), STAMP, raw=True)
    assert len(raw) == len(COMPANY_COLUMNS) == len(set(COMPANY_COLUMNS))
    row = dict(zip(COMPANY_COLUMNS, raw, strict=True))
    assert row["created_at"] == "2026-01-05 09:30:00.000000"
    assert row["name_lower"] == company.name.lower()
    assert decode(Company, row["data"]) == STAMP.apply(company)


def test_a_customer_row_keeps_the_times_for_sqlalchemy_unless_raw():
    customer = Customer(
        id=CustomerId("ann"), email="Ann@Example.com", first_name="Ann", last_name="Lee"
    )
    row = dict(zip(CUSTOMER_COLUMNS, customer_values(customer, STAMP, raw=False), strict=True))
    assert row["created_at"] == STAMP.created_at
    assert row["email"] == "ann@example.com"


orders_with_lines = st_b2b.order_records().flatmap(
    lambda record: st.lists(st_b2b.order_lines(str(record.total.currency.code)), max_size=3).map(
        lambda lines: attrs.evolve(record, lines=tuple(lines))
    )
)


@given(orders_with_lines, stamps)
def test_an_order_row_holds_the_converters_json(order: OrderRecord, stamp: Stamp):
    stamped_order = stamp.apply(order)
    row = dict(zip(ORDER_COLUMNS, order_values(stamped_order, stamp, "{}", raw=True), strict=True))
    assert json.loads(row["data"]) == make_converter().unstructure(stamped_order)


@given(orders_with_lines)
def test_an_order_row_names_every_column_once(order: OrderRecord):
    raw = order_values(order, STAMP, "{}", raw=True)
    assert len(raw) == len(ORDER_COLUMNS) == len(set(ORDER_COLUMNS))
    row = dict(zip(ORDER_COLUMNS, raw, strict=True))
    assert row["placed_at"] == order.placed_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    assert row["total_key"] == amount_key(order.total.amount)


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


@given(st.decimals(min_value=-MAX_STORED_AMOUNT, max_value=MAX_STORED_AMOUNT, allow_nan=False))
def test_an_amount_within_the_bound_reads_back_exactly(amount: Decimal):
    for stored in (amount, str(amount)):
        assert decimal_amount(stored, table="spend_buckets", key="k") == amount


@pytest.mark.parametrize(
    ("stored", "non_negative"),
    [
        ("-1E+30", False),
        ("1E+30", False),
        ("-1", True),
        (Decimal("-0.01"), True),
        ("NaN", False),
        ("Infinity", False),
        ("", False),
        ("12,50", False),
        (None, False),
        (1.5, False),
        (True, False),
        (b"1", False),
    ],
)
def test_a_damaged_amount_is_refused_naming_its_row(stored: object, *, non_negative: bool):
    with pytest.raises(DamagedRow) as raised:
        decimal_amount(
            stored, table="spend_buckets", key=("acme", "2026-01-05"), non_negative=non_negative
        )
    assert raised.value.table == "spend_buckets"
    assert raised.value.key == ("acme", "2026-01-05")
    assert raised.value.field == "amount"


@pytest.mark.parametrize("stored", ["yesterday", "", None, 17, "2026-13-01 00:00:00"])
def test_a_damaged_time_is_refused_naming_its_row(stored: object):
    with pytest.raises(DamagedRow) as raised:
        stored_time(stored, table="companies", key="c1")
    assert (raised.value.table, raised.value.key, raised.value.field) == (
        "companies",
        "c1",
        "created_at",
    )


def test_a_stored_time_reads_as_utc_whatever_the_driver_gives():
    naive = datetime(2026, 1, 5, 9, 30)  # noqa: DTZ001  (SQLite gives naive UTC)
    assert stored_time(naive) == naive.replace(tzinfo=UTC)
    assert stored_time("2026-01-05 09:30:00.000000") == naive.replace(tzinfo=UTC)


T = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


def _company() -> Company:
    return Company(id=CompanyId("c1"), name="C", currency="EUR")


@pytest.mark.parametrize("text", ['{"a": 1}', ' {"a": 1} ', '\n{"a":1}\t'])
def test_json_around_white_space_is_read(text: str):
    assert json_value(text, table="t", key="k", field="f") == {"a": 1}


@pytest.mark.parametrize("text", ["", " ", '{"a": 1} x', '{"a": 1}{}', "{'a': 1}", "[1,]"])
def test_text_that_is_not_one_json_value_is_damaged(text: str):
    with pytest.raises(DamagedRow):
        json_value(text, table="t", key="k", field="f")


def test_a_json_column_that_is_not_json_is_damaged():
    assert json_value('{"a": [1]}', table="orders", key="o1", field="posting") == {"a": [1]}
    assert json_value({"a": 1}, table="orders", key="o1", field="posting") == {"a": 1}
    with pytest.raises(DamagedRow) as raised:
        json_value("{a", table="orders", key="o1", field="posting")
    assert (raised.value.table, raised.value.key, raised.value.field) == ("orders", "o1", "posting")


@given(st_b2b.domain_events(), st.booleans())
def test_an_outbox_row_holds_the_converters_json_of_the_event(event: DomainEvent, raw: bool):
    row = dict(zip(OUTBOX_COLUMNS, event_values(event, raw=raw), strict=True))
    assert json.loads(row["data"]) == json.loads(encode(event))
    assert row["event_id"] == event.id
    assert row["published_at"] is None


@given(st_b2b.audit_log_entries(), st.booleans())
def test_an_audit_row_holds_the_converters_json_of_the_entry(entry: AuditLogEntry, raw: bool):
    row = dict(zip(AUDIT_COLUMNS, audit_values(entry, raw=raw), strict=True))
    assert json.loads(row["data"]) == json.loads(encode(entry))
    assert row["entry_id"] == entry.id


def test_a_payload_json_cannot_take_as_it_is_goes_through_the_converter():
    moment = datetime(2026, 1, 5, 9, 30, tzinfo=timezone(timedelta(hours=1)))
    event = DomainEvent(
        id="e1",
        name="credit.booked",
        aggregate_type="credit",
        aggregate_id="a1",
        occurred_at=moment,
        payload={"amount": Decimal("1.10"), "tags": frozenset({"b", "a"}), "when": moment},
    )
    data = dict(zip(OUTBOX_COLUMNS, event_values(event, raw=True), strict=True))["data"]
    assert json.loads(data)["payload"] == {
        "amount": "1.10",
        "tags": ["a", "b"],
        "when": "2026-01-05T09:30:00+01:00",
    }


def test_events_of_one_moment_in_two_zones_keep_each_its_own_offset():
    instant = datetime(2026, 1, 5, 8, 30, tzinfo=UTC)
    berlin = instant.astimezone(timezone(timedelta(hours=1)))
    first, second = (
        DomainEvent(
            id=f"e{n}",
            name="company.created",
            aggregate_type="company",
            aggregate_id="c1",
            occurred_at=moment,
        )
        for n, moment in enumerate((instant, berlin))
    )
    for event in (first, second):
        data = dict(zip(OUTBOX_COLUMNS, event_values(event, raw=True), strict=True))["data"]
        assert json.loads(data)["occurred_at"] == event.occurred_at.isoformat()


@given(st_b2b.domain_events())
def test_an_outbox_row_written_from_the_payloads_text_is_the_same_row(event: DomainEvent):
    text = state_json(event.payload)
    assert event_values(event, raw=True, payload_json=text) == event_values(event, raw=True)


@given(st_b2b.audit_log_entries())
def test_an_audit_row_written_from_the_states_text_is_the_same_row(entry: AuditLogEntry):
    text = None if entry.after is None else state_json(entry.after)
    assert audit_values(entry, raw=False, after_json=text) == audit_values(entry, raw=False)
