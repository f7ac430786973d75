"""The memory and SQL adapters agree, step by step, on random histories.

One ``RuleBasedStateMachine`` applies the same operations to a
`MemoryStore` and a `SqlStore` (SQLite, and PostgreSQL when
``B2B_TEST_POSTGRES_URL`` is set), each in its own unit of work, and checks after
every step that both answered alike: the same result, or the same error
class. After every step the whole visible state is compared as well.
"""

from __future__ import annotations

import os
import pathlib
import shutil
import tempfile
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    rule,
)

from b2b_customers.adapters.memory import MemoryStore
from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.clock import ManualClock
from b2b_customers.domain import (
    Address,
    Company,
    CompanyStatus,
    ContactAssignment,
    ContactType,
    Customer,
    CustomerStatus,
    LegalInfo,
    Location,
    Role,
)
from b2b_customers.errors import B2BError
from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId, LocationId
from b2b_customers.ports import CompanyQuery, CompanySort, CustomerQuery, Store, UnitOfWork

if TYPE_CHECKING:
    from collections.abc import Callable

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
POSTGRES_URL = os.environ.get("B2B_TEST_POSTGRES_URL")

_template_dir = tempfile.mkdtemp(prefix="b2b-agreement-")
_TEMPLATE = pathlib.Path(_template_dir) / "template.db"
migrate(f"sqlite:///{_TEMPLATE}")

SMALL_IDS = st.sampled_from([f"k{number}" for number in range(12)])
NAMES = st.sampled_from(["Acme", "acme north", "Bolt", "Zeta", "Öl & Gas", "delta"])
TAGS = st.frozensets(st.sampled_from(["vip", "at-risk", "tier-1"]), max_size=2)


def _fresh_sqlite() -> SqlStore:
    path = pathlib.Path(_template_dir) / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(_TEMPLATE, path)
    return SqlStore(f"sqlite:///{path}", clock=ManualClock(START))


def _fresh_postgres() -> SqlStore:
    assert POSTGRES_URL is not None
    schema = f"agree_{uuid.uuid4().hex[:12]}"
    migrate(POSTGRES_URL, schema=schema)
    return SqlStore(POSTGRES_URL, schema=schema, clock=ManualClock(START))


def _drop_schema(store: SqlStore) -> None:
    """Drop the example's PostgreSQL schema, so runs leave nothing behind."""
    schema = getattr(store, "schema", None)
    if schema is None or store.engine.dialect.name != "postgresql":
        return
    with store.engine.begin() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def _outcome(store: Store, operation: Callable[[UnitOfWork], Any]) -> tuple[str, Any]:
    """Run ``operation`` in one committed unit of work; return its result or error class."""
    try:
        with store.unit_of_work() as uow:
            result = operation(uow)
            uow.commit()
    except B2BError as error:
        return ("error", type(error).__name__)
    return ("ok", result)


class AdaptersAgree(RuleBasedStateMachine):
    """Memory and SQL stores driven through the same random history."""

    companies = Bundle("companies")
    customers = Bundle("customers")
    locations = Bundle("locations")

    def __init__(self) -> None:
        super().__init__()
        self.stores: list[Store] = [MemoryStore(clock=ManualClock(START)), self.make_sql_store()]

    def make_sql_store(self) -> Store:
        return _fresh_sqlite()

    def teardown(self) -> None:
        for store in self.stores:
            if isinstance(store, SqlStore):
                _drop_schema(store)
                store.dispose()

    def _apply(self, operation: Callable[[UnitOfWork], Any]) -> tuple[str, Any]:
        outcomes = [_outcome(store, operation) for store in self.stores]
        assert outcomes[0] == outcomes[1], f"memory: {outcomes[0]!r}\n     sql: {outcomes[1]!r}"
        return outcomes[0]

    def _tick(self) -> None:
        for store in self.stores:
            clock = store.clock
            assert isinstance(clock, ManualClock)
            clock.advance(timedelta(seconds=1))

    @initialize(target=companies)
    def a_first_company(self) -> CompanyId:
        company = Company(
            id=CompanyId("root"), name="Root Holding", currency="EUR", account_number="A-0"
        )
        assert self._apply(lambda uow: uow.companies.add(company))[0] == "ok"
        return company.id

    @rule(
        target=companies,
        company_id=SMALL_IDS.map(CompanyId),
        name=NAMES,
        parent=st.none() | companies,
        account=st.none() | st.sampled_from(["A-0", "A-1", "A-2", "A-3"]),
        tags=TAGS,
        country=st.none() | st.sampled_from(["DE", "US"]),
    )
    def add_company(
        self,
        company_id: CompanyId,
        name: str,
        parent: CompanyId | None,
        account: str | None,
        tags: frozenset[str],
        country: str | None,
    ) -> MultipleResults[CompanyId]:
        self._tick()
        company = Company(
            id=company_id,
            name=name,
            currency="EUR",
            parent_id=parent if parent != company_id else None,
            account_number=account,
            tags=tags,
            legal_info=LegalInfo(legal_name=name, country=country) if country else None,
        )
        outcome = self._apply(lambda uow: uow.companies.add(company))
        # Only ids that were stored go on to later rules; refused ones were checked here.
        return multiple(company_id) if outcome[0] == "ok" else multiple()

    @rule(
        company_id=companies,
        new_parent=st.none() | companies,
        status=st.sampled_from(CompanyStatus),
    )
    def change_company(
        self, company_id: CompanyId, new_parent: CompanyId | None, status: CompanyStatus
    ) -> None:
        self._tick()

        def change(uow: UnitOfWork) -> Company:
            company = uow.companies.get(company_id)
            return uow.companies.save(
                attrs.evolve(
                    company,
                    parent_id=new_parent if new_parent != company_id else None,
                    status=status,
                )
            )

        self._apply(change)

    @rule(company_id=companies)
    def save_a_stale_copy(self, company_id: CompanyId) -> None:
        self._tick()

        def stale(uow: UnitOfWork) -> Company:
            company = uow.companies.get(company_id)
            uow.companies.save(company)
            return uow.companies.save(company)

        assert self._apply(stale) == ("error", "StaleVersion")

    @rule(
        target=customers,
        customer_id=SMALL_IDS.map(CustomerId),
        email=st.sampled_from(["a@x.de", "b@x.de", "c@x.de", "d@x.de", "e@x.de"]),
        company=companies,
        role=st.sampled_from([Role.ADMIN, Role.BUYER, Role.REQUESTER, Role.FINANCE]),
    )
    def add_customer(
        self, customer_id: CustomerId, email: str, company: CompanyId, role: Role
    ) -> CustomerId:
        self._tick()
        customer = Customer(
            id=customer_id, email=email, first_name="Pat", last_name=customer_id
        ).with_roles(company, [role])
        self._apply(lambda uow: uow.customers.add(customer))
        return customer_id

    @rule(
        customer_id=customers, company=companies, role=st.sampled_from([Role.BUYER, Role.APPROVER])
    )
    def grant_role(self, customer_id: CustomerId, company: CompanyId, role: Role) -> None:
        self._tick()

        def grant(uow: UnitOfWork) -> Customer:
            customer = uow.customers.get(customer_id)
            return uow.customers.save(customer.with_roles(company, [role]))

        self._apply(grant)

    @rule(customer_id=customers, company=companies, status=st.sampled_from(CustomerStatus))
    def set_standing(
        self, customer_id: CustomerId, company: CompanyId, status: CustomerStatus
    ) -> None:
        self._tick()

        def change(uow: UnitOfWork) -> Customer:
            customer = uow.customers.get(customer_id)
            return uow.customers.save(customer.with_status_in(company, status))

        self._apply(change)

    @rule(
        target=locations,
        location_id=SMALL_IDS.map(LocationId),
        company=companies,
        primary=st.booleans(),
        billing=st.booleans(),
    )
    def add_location(
        self, location_id: LocationId, company: CompanyId, primary: bool, billing: bool
    ) -> LocationId:
        self._tick()
        location = Location(
            id=location_id,
            company_id=company,
            name=f"Site {location_id}",
            address=Address(lines=["Main 1"], city="Kiel", country="DE"),
            is_primary=primary,
            is_default_billing=billing,
        )
        self._apply(lambda uow: uow.locations.add(location))
        return location_id

    @rule(location_id=consumes(locations))
    def remove_location(self, location_id: LocationId) -> None:
        self._tick()
        self._apply(lambda uow: uow.locations.remove(location_id))

    @rule(
        contact_id=SMALL_IDS.map(ContactAssignmentId),
        company=companies,
        customer=customers,
        contact_type=st.sampled_from(ContactType),
        primary=st.booleans(),
    )
    def assign_contact(
        self,
        contact_id: ContactAssignmentId,
        company: CompanyId,
        customer: CustomerId,
        contact_type: ContactType,
        primary: bool,
    ) -> None:
        self._tick()
        contact = ContactAssignment(
            id=contact_id,
            company_id=company,
            customer_id=customer,
            type=contact_type,
            is_primary=primary,
        )
        self._apply(lambda uow: uow.contacts.add(contact))

    @rule(
        sort=st.sampled_from(CompanySort),
        descending=st.booleans(),
        name_contains=st.none() | st.sampled_from(["acme", "A", "ta"]),
        tag=st.none() | st.sampled_from(["vip", "at-risk"]),
        top_level=st.none() | st.booleans(),
        limit=st.integers(1, 5),
        offset=st.integers(0, 6),
    )
    def search_companies(
        self,
        sort: CompanySort,
        descending: bool,
        name_contains: str | None,
        tag: str | None,
        top_level: bool | None,
        limit: int,
        offset: int,
    ) -> None:
        query = CompanyQuery(
            sort=sort,
            descending=descending,
            name_contains=name_contains,
            tag=tag,
            top_level=top_level,
            limit=limit,
            offset=offset,
        )
        self._apply(lambda uow: uow.companies.search(query))

    @rule(
        company=st.none() | companies,
        include_subtree=st.booleans(),
        role=st.none() | st.sampled_from(Role),
        standing=st.none() | st.sampled_from(CustomerStatus),
    )
    def search_customers(
        self,
        company: CompanyId | None,
        include_subtree: bool,
        role: Role | None,
        standing: CustomerStatus | None,
    ) -> None:
        query = CustomerQuery(
            company_id=company,
            include_subtree=include_subtree,
            role=role,
            membership_status=standing,
        )
        self._apply(lambda uow: uow.customers.search(query))

    @rule(company=companies)
    def walk_the_tree(self, company: CompanyId) -> None:
        self._apply(
            lambda uow: (uow.companies.ancestors(company), uow.companies.descendants(company))
        )

    @invariant()
    def whole_state_is_the_same(self) -> None:
        def snapshot(uow: UnitOfWork) -> tuple[Any, ...]:
            companies = uow.companies.search(CompanyQuery(sort=CompanySort.ID, limit=1000)).items
            customers = uow.customers.search(CustomerQuery(limit=1000)).items
            locations = [uow.locations.for_company(c.id) for c in companies]
            contacts = [uow.contacts.for_company(c.id) for c in companies]
            return (companies, customers, locations, contacts)

        self._apply(snapshot)


# At most the profile's examples: a quick run (--hypothesis-profile=fast) tries fewer.
AdaptersAgree.TestCase.settings = settings(
    max_examples=min(int(os.environ.get("B2B_AGREEMENT_EXAMPLES", "40")), settings().max_examples),
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
TestMemoryAndSqliteAgree = AdaptersAgree.TestCase


class AdaptersAgreeOnPostgres(AdaptersAgree):
    """The same history, with PostgreSQL as the SQL store."""

    def make_sql_store(self) -> Store:
        return _fresh_postgres()


AdaptersAgreeOnPostgres.TestCase.settings = settings(
    AdaptersAgree.TestCase.settings,
    max_examples=min(
        int(os.environ.get("B2B_AGREEMENT_EXAMPLES_PG", "15")), settings().max_examples
    ),
)
TestMemoryAndPostgresAgree = pytest.mark.postgresql(
    pytest.mark.skipif(
        not POSTGRES_URL and os.environ.get("CI") != "true",
        reason="B2B_TEST_POSTGRES_URL is not set",
    )(AdaptersAgreeOnPostgres.TestCase)
)
