"""A row changed behind the library's back is refused, never used, on SQLite and PostgreSQL.

One store holds an entity of every kind whose row keeps its ``data``: each
test damages one row (the whole value, or one field of it in turn: removed,
or replaced by a value of the wrong kind) and reads it back through every
read of its repository. Every read must raise ``DamagedRow`` naming the
table and the row's key, never a driver's, the JSON parser's or cattrs'
exception, and never return an entity built from the damage. Which damage
is damage is the converter's judgement (what it refuses to structure);
values that would still make a valid entity (``null`` where a field is
optional) are left out.

Credit accounts, ledger entries, orders and spend buckets are being rebuilt
in another branch; their reads are covered in their own tests.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
import sqlalchemy
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.adapters.sql.mapping import TABLE_OF, converter
from b2b_customers.approvals.approver_limits import ApproverLimit
from b2b_customers.approvals.groups import ApprovalGroup
from b2b_customers.approvals.policy import ApprovalPolicy
from b2b_customers.clock import ManualClock
from b2b_customers.credit import (
    DaysAfterInvoice,
    EarlyPaymentDiscount,
    InstalmentTerm,
    PaymentTerms,
    PercentPortion,
)
from b2b_customers.domain import (
    Company,
    ContactAssignment,
    Customer,
    CustomerGroup,
    DomainEvent,
    Location,
    Role,
)
from b2b_customers.domain.audit import AuditLogEntry
from b2b_customers.errors import DamagedRow, ValidationError
from b2b_customers.ids import (
    ApprovalGroupId,
    ApprovalPolicyId,
    ApproverLimitId,
    CompanyId,
    ContactAssignmentId,
    CustomerGroupId,
    CustomerId,
    LimitId,
    LocationId,
)
from b2b_customers.limits.rules import PurchasingLimit
from b2b_customers.ports import AuditQuery, CompanyQuery, CustomerQuery
from b2b_customers.testing.contract._support import (
    START,
    _company,
    _company_group,
    _contact,
    _customer,
    _event,
    _location,
    _member,
)
from b2b_customers.testing.contract.approvals import _LEAD_ONLY
from b2b_customers.testing.contract.audit import _entry
from b2b_customers.testing.contract.limits import _limit

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from b2b_customers.ports import UnitOfWork

POSTGRES_URL = os.environ.get("B2B_TEST_POSTGRES_URL")
ACME = CompanyId("acme")
ANN = CustomerId("ann")

Read = Callable[["UnitOfWork"], object]


# -- what is stored, and how each row is read


def _stored() -> list[tuple[type, object]]:
    """One entity of every kind, with the key column and key of its row."""
    return [
        (Company, _company("head")),
        (Company, _company("acme", parent_id="head", tags={"vip"}, custom_fields={"x": 1})),
        (Customer, _customer("ann", memberships=(_member("acme", Role.BUYER),))),
        (Location, _location("l1", "acme")),
        (ContactAssignment, _contact("k1", "acme", "ann")),
        (CustomerGroup, _company_group("g1", "acme")),
        (PurchasingLimit, _limit("lim1", "acme")),
        (ApprovalPolicy, _policy()),
        (
            ApprovalGroup,
            ApprovalGroup(
                id=ApprovalGroupId("ag1"), company_id=ACME, name="approvers", member_ids={ANN}
            ),
        ),
        (
            ApproverLimit,
            ApproverLimit(
                id=ApproverLimitId("al1"),
                company_id=ACME,
                customer_id=ANN,
                maximum=Money(Decimal(1000), "EUR"),
            ),
        ),
        (PaymentTerms, TERMS),
    ]


TERMS = PaymentTerms(
    code="2-10-NET30",
    name="2% 10, net 30",
    instalments=[
        InstalmentTerm(portion=PercentPortion(percent=60), due=DaysAfterInvoice(days=30)),
        InstalmentTerm(
            portion=PercentPortion(percent=40),
            due=DaysAfterInvoice(days=60),
            discount=EarlyPaymentDiscount(within_days=5, percent=1),
        ),
    ],
    discount=EarlyPaymentDiscount(within_days=10, percent=2),
)
"""The seller's own terms, stored under the key ``210NET30``."""


def _policy() -> ApprovalPolicy:
    return attrs.evolve(_LEAD_ONLY, id=ApprovalPolicyId("p1"), company_id=ACME)


# (table, key column, key, reads of that row)
ROWS: list[tuple[str, str, str, list[tuple[str, Read]]]] = [
    (
        "companies",
        "id",
        "acme",
        [
            ("get", lambda uow: uow.companies.get(ACME)),
            ("get_many", lambda uow: uow.companies.get_many([ACME])),
            ("get_by_account_number", lambda uow: uow.companies.get_by_account_number("A-1")),
            ("search", lambda uow: uow.companies.search(CompanyQuery(tag="vip"))),
            ("children", lambda uow: uow.companies.children(CompanyId("head"))),
            ("descendants", lambda uow: uow.companies.descendants(CompanyId("head"))),
        ],
    ),
    (
        "customers",
        "id",
        "ann",
        [
            ("get", lambda uow: uow.customers.get(ANN)),
            ("get_many", lambda uow: uow.customers.get_many([ANN])),
            ("get_by_email", lambda uow: uow.customers.get_by_email("ann@example.com")),
            ("search", lambda uow: uow.customers.search(CustomerQuery(company_id=ACME))),
        ],
    ),
    (
        "locations",
        "id",
        "l1",
        [
            ("get", lambda uow: uow.locations.get(LocationId("l1"))),
            ("for_company", lambda uow: uow.locations.for_company(ACME)),
        ],
    ),
    (
        "contact_assignments",
        "id",
        "k1",
        [
            ("get", lambda uow: uow.contacts.get(ContactAssignmentId("k1"))),
            ("for_company", lambda uow: uow.contacts.for_company(ACME)),
            ("for_customer", lambda uow: uow.contacts.for_customer(ANN)),
        ],
    ),
    (
        "customer_groups",
        "id",
        "g1",
        [
            ("get", lambda uow: uow.groups.get(CustomerGroupId("g1"))),
            ("for_company", lambda uow: uow.groups.for_company(ACME)),
        ],
    ),
    (
        "purchasing_limits",
        "id",
        "lim1",
        [
            ("get", lambda uow: uow.limits.get(LimitId("lim1"))),
            ("set_on", lambda uow: uow.limits.set_on([ACME])),
        ],
    ),
    (
        "approval_policies",
        "id",
        "p1",
        [
            ("get", lambda uow: uow.approval_policies.get(ApprovalPolicyId("p1"))),
            ("for_company", lambda uow: uow.approval_policies.for_company(ACME)),
        ],
    ),
    (
        "approval_groups",
        "id",
        "ag1",
        [
            ("get", lambda uow: uow.approval_groups.get(ApprovalGroupId("ag1"))),
            ("for_company", lambda uow: uow.approval_groups.for_company(ACME)),
        ],
    ),
    (
        "approver_limits",
        "id",
        "al1",
        [("get", lambda uow: uow.approver_limits.get(ApproverLimitId("al1")))],
    ),
    (
        "payment_terms",
        "code_key",
        "210NET30",
        [
            ("get", lambda uow: uow.payment_terms.get("2-10-net30")),
            ("all", lambda uow: uow.payment_terms.all()),
        ],
    ),
    (
        "outbox",
        "event_id",
        "e1",
        [("pending", lambda uow: uow.outbox.pending())],
    ),
    (
        "audit_log",
        "entry_id",
        "a1",
        [("for_company", lambda uow: uow.audit.for_company(ACME, AuditQuery()))],
    ),
]
CLASS_OF = {table: cls for cls, table in TABLE_OF.items()}
# Tables whose every read selects the key with the data, so even unreadable data is named
# by its key; the others name it by the id in the data when that is readable.
KEYED_READS = {"companies", "customers", "payment_terms"}


# -- the stores


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    """A migrated store holding one entity of every kind (companies ``head`` and ``acme``)."""
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'damaged.db'}"
    else:
        if not POSTGRES_URL:
            if os.environ.get("CI") == "true":
                pytest.fail(
                    "CI must set B2B_TEST_POSTGRES_URL: PostgreSQL tests may not skip in CI"
                )
            pytest.skip("B2B_TEST_POSTGRES_URL is not set")
        url, schema = POSTGRES_URL, f"damaged_{uuid.uuid4().hex[:12]}"
    migrate(url, schema=schema)
    store = SqlStore(url, schema=schema, clock=ManualClock(START), cache_size=0)
    try:
        _fill(store)
        yield store
    finally:
        if schema is not None:
            with store.engine.begin() as connection:
                connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
        store.dispose()


def _fill(store: SqlStore) -> None:
    with store.unit_of_work() as uow:
        for cls, entity in _stored():
            stored: Any = entity
            if cls is Company and stored.id == "acme":
                stored = attrs.evolve(stored, account_number="A-1")
            _repository(uow, cls).add(stored)
        uow.record(_event("e1"))
        uow.audit.append(_entry("a1", at=START + timedelta(minutes=1)))
        uow.commit()


def _repository(uow: UnitOfWork, cls: type) -> Any:
    return {
        Company: uow.companies,
        Customer: uow.customers,
        Location: uow.locations,
        ContactAssignment: uow.contacts,
        CustomerGroup: uow.groups,
        PurchasingLimit: uow.limits,
        ApprovalPolicy: uow.approval_policies,
        ApprovalGroup: uow.approval_groups,
        ApproverLimit: uow.approver_limits,
        PaymentTerms: uow.payment_terms,
        DomainEvent: None,
        AuditLogEntry: None,
    }[cls]


# -- damaging a row


def _data(store: SqlStore, table: str, key_column: str, key: str) -> dict[str, Any]:
    with store.engine.connect() as connection:
        text = connection.execute(
            sqlalchemy.text(
                f"SELECT CAST(data AS TEXT) FROM {_name(store, table)} "  # noqa: S608  (our own tables)
                f"WHERE {key_column} = :key"
            ),
            {"key": key},
        ).scalar_one()
    data: dict[str, Any] = json.loads(text)
    return data


def _damage(store: SqlStore, table: str, key_column: str, key: str, text: str) -> None:
    value = "CAST(:data AS JSONB)" if store.dialect == "postgresql" else ":data"
    with store.engine.begin() as connection:
        connection.execute(
            sqlalchemy.text(
                f"UPDATE {_name(store, table)} SET data = {value} WHERE {key_column} = :key"  # noqa: S608  (our own tables)
            ),
            {"data": text, "key": key},
        )


def _name(store: SqlStore, table: str) -> str:
    return f'"{store.schema}"."{table}"' if store.schema else f'"{table}"'


# Values of the wrong kind for (almost) any field: each field gets the first one its
# entity refuses.
WRONG_VALUES: list[Any] = [[[[]]], -1.5, {"": {"": 1.5}}, "", "x" * 300, True, 0, None]


def _refused(cls: type, data: dict[str, Any]) -> bool:
    try:
        converter().structure(data, cls)
    except ValidationError:
        return True
    return False


def _damages(cls: type, data: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any] | str]]:
    """Every damage of one row: the whole value, and each field (and each field of a
    nested object) removed or replaced by every value of a wrong kind."""
    yield "an array", "[]"
    yield "a string", '"text"'
    yield "an unknown field", {**data, "unknown_field": 1}
    for path, damaged in _changes(data):
        if _refused(cls, damaged):
            yield path, damaged


def _changes(data: dict[str, Any], depth: int = 0) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, value in data.items():
        yield f"{name} removed", {key: item for key, item in data.items() if key != name}
        for wrong in WRONG_VALUES:
            yield f"{name} = {wrong!r}", {**data, name: wrong}
        if isinstance(value, dict) and depth == 0:
            for path, inner in _changes(value, depth + 1):
                yield f"{name}.{path}", {**data, name: inner}


def _assert_damaged(store: SqlStore, table: str, key: str, reads: list[tuple[str, Read]]) -> None:
    for read_name, read in reads:
        with store.unit_of_work() as uow, pytest.raises(DamagedRow) as raised:
            read(uow)
        damage = raised.value
        assert damage.table == table, read_name
        if table in KEYED_READS:
            assert damage.key == key, (read_name, damage.key)
        else:
            assert damage.key in {key, None}, (read_name, damage.key)
        assert repr(table) in str(damage), read_name


@pytest.mark.slow  # every kind of damage to every table, each read tried
@pytest.mark.parametrize(("table", "key_column", "key", "reads"), ROWS, ids=[r[0] for r in ROWS])
def test_every_damage_of_a_row_fails_every_read_of_it(
    store: SqlStore,
    table: str,
    key_column: str,
    key: str,
    reads: list[tuple[str, Read]],
) -> None:
    cls = CLASS_OF[table]
    original = _data(store, table, key_column, key)
    tried = 0
    for _label, damaged in _damages(cls, original):
        text = damaged if isinstance(damaged, str) else json.dumps(damaged)
        _damage(store, table, key_column, key, text)
        _assert_damaged(store, table, key, reads)
        tried += 1
    _damage(store, table, key_column, key, json.dumps(original))
    for _read_name, read in reads:  # mended, the row reads again
        with store.unit_of_work() as uow:
            read(uow)
    assert tried > len(original)  # every field had a damage the entity refuses, or most did


@pytest.mark.parametrize("text", ["{not json", "", "\u00ff\u00fe"])
def test_a_row_that_is_not_json_fails_with_its_key_on_sqlite(tmp_path: Path, text: str) -> None:
    url = f"sqlite:///{tmp_path / 'damaged.db'}"
    migrate(url)
    store = SqlStore(url, clock=ManualClock(START), cache_size=0)
    try:
        _fill(store)
        _damage(store, "companies", "id", "acme", text)
        with store.unit_of_work() as uow, pytest.raises(DamagedRow) as raised:
            uow.companies.get(ACME)
        assert (raised.value.table, raised.value.key) == ("companies", "acme")
        with store.unit_of_work() as uow, pytest.raises(DamagedRow) as listed:
            uow.companies.descendants(CompanyId("head"))
        assert (listed.value.table, listed.value.key) == ("companies", "acme")
    finally:
        store.dispose()


# -- the bookkeeping columns a save reads

SAVES: list[tuple[str, str, Read]] = [
    ("companies", "acme", lambda uow: uow.companies.save(uow.companies.get(ACME))),
    ("customers", "ann", lambda uow: uow.customers.save(uow.customers.get(ANN))),
    (
        "locations",
        "l1",
        lambda uow: uow.locations.save(uow.locations.get(LocationId("l1"))),
    ),
    (
        "contact_assignments",
        "k1",
        lambda uow: uow.contacts.save(uow.contacts.get(ContactAssignmentId("k1"))),
    ),
    (
        "customer_groups",
        "g1",
        lambda uow: uow.groups.save(uow.groups.get(CustomerGroupId("g1"))),
    ),
    ("purchasing_limits", "lim1", lambda uow: uow.limits.save(uow.limits.get(LimitId("lim1")))),
    (
        "approval_policies",
        "p1",
        lambda uow: uow.approval_policies.save(uow.approval_policies.get(ApprovalPolicyId("p1"))),
    ),
    (
        "approval_groups",
        "ag1",
        lambda uow: uow.approval_groups.save(uow.approval_groups.get(ApprovalGroupId("ag1"))),
    ),
    (
        "approver_limits",
        "al1",
        lambda uow: uow.approver_limits.save(uow.approver_limits.get(ApproverLimitId("al1"))),
    ),
    (
        "payment_terms",
        "210NET30",
        lambda uow: uow.payment_terms.save(uow.payment_terms.get("2-10-NET30")),
    ),
]
KEY_COLUMN = {"payment_terms": "code_key"}
"""The key column of each table not keyed by ``id``."""

# (column, value) pairs each store can hold; SQLite keeps any value in any column.
BOOKKEEPING_DAMAGE: dict[str, list[tuple[str, object]]] = {
    "postgresql": [("version", -1), ("version", 0)],
    "sqlite": [
        ("version", -1),
        ("version", 0),
        ("version", "abc"),
        ("version", 1.5),
        ("created_at", "yesterday"),
        ("created_at", 17),
    ],
}


@pytest.mark.parametrize(("table", "key", "save"), SAVES, ids=[s[0] for s in SAVES])
def test_a_damaged_version_or_creation_time_fails_the_save(
    store: SqlStore, table: str, key: str, save: Read
) -> None:
    for column, value in BOOKKEEPING_DAMAGE[store.dialect]:
        original = _column(store, table, key, column)
        _set_column(store, table, key, column, value)
        with store.unit_of_work() as uow, pytest.raises(DamagedRow) as raised:
            save(uow)
        assert (raised.value.table, raised.value.key) == (table, key), (column, value)
        _set_column(store, table, key, column, original)
    with store.unit_of_work() as uow:  # mended, the row saves again
        save(uow)
        uow.commit()


def _column(store: SqlStore, table: str, key: str, column: str) -> object:
    key_column = KEY_COLUMN.get(table, "id")
    select = f"SELECT {column} FROM {_name(store, table)} WHERE {key_column} = :key"  # noqa: S608  (our own tables)
    with store.engine.connect() as connection:
        return connection.execute(sqlalchemy.text(select), {"key": key}).scalar_one()


def _set_column(store: SqlStore, table: str, key: str, column: str, value: object) -> None:
    key_column = KEY_COLUMN.get(table, "id")
    change = f"UPDATE {_name(store, table)} SET {column} = :value WHERE {key_column} = :key"  # noqa: S608  (our own tables)
    with store.engine.begin() as connection:
        connection.execute(sqlalchemy.text(change), {"value": value, "key": key})
