"""What the SQL store does beyond the shared contract.

URLs and engines, the translation of every driver error into the library's
own, the PostgreSQL schema per tenant, SQLite in memory, locks and
concurrent writers, and bulk imports. PostgreSQL tests skip without
``B2B_TEST_POSTGRES_URL`` (and fail without it in CI).
"""

from __future__ import annotations

import functools
import gc
import os
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
import sqlalchemy
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.adapters.sql import unit_of_work as sql_unit_of_work
from b2b_customers.adapters.sql.errors import MIGRATE_HINT, classify, translate
from b2b_customers.adapters.sql.tables import metadata
from b2b_customers.clock import ManualClock
from b2b_customers.domain import (
    ActorKind,
    Address,
    Company,
    ContactAssignment,
    Customer,
    CustomerGroup,
    DomainEvent,
    Location,
    Membership,
    Role,
)
from b2b_customers.domain.creations import Created, Creations
from b2b_customers.domain.order import OrderRecord
from b2b_customers.errors import (
    AlreadyExists,
    B2BError,
    ConflictError,
    HierarchyError,
    MissingDependency,
    NotFound,
    SchemaNotReady,
    StaleVersion,
    StorageError,
    ValidationError,
)
from b2b_customers.ids import (
    CompanyId,
    ContactAssignmentId,
    CustomerGroupId,
    CustomerId,
    EventId,
    LocationId,
    OrderId,
)
from b2b_customers.limits.periods import CalendarPeriod, window_of
from b2b_customers.limits.spend import SpendKey
from b2b_customers.ports import (
    CompanyQuery,
    CompanySort,
    CustomerQuery,
    RecordsCreations,
    Store,
    UnitOfWork,
)
from b2b_customers.serialization import make_converter
from b2b_customers.testing import strategies as st_b2b

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Callable, Iterator

START = datetime(2026, 3, 1, 9, tzinfo=UTC)
POSTGRES_URL = os.environ.get("B2B_TEST_POSTGRES_URL")


def _company(company_id: str, **fields: Any) -> Company:
    fields.setdefault("name", f"company {company_id}")
    fields.setdefault("currency", "EUR")
    return Company(id=CompanyId(company_id), **fields)


def _customer(customer_id: str, *companies: str, **fields: Any) -> Customer:
    fields.setdefault("email", f"{customer_id}@example.com")
    fields.setdefault("first_name", "Pat")
    fields.setdefault("last_name", f"Person {customer_id}")
    memberships = [
        Membership(company_id=CompanyId(company), roles={Role.BUYER}) for company in companies
    ]
    return Customer(id=CustomerId(customer_id), memberships=memberships, **fields)


def _location(location_id: str, company_id: str, **fields: Any) -> Location:
    return Location(
        id=LocationId(location_id),
        company_id=CompanyId(company_id),
        name=f"site {location_id}",
        address=Address(lines=["Am Hafen 3"], city="Kiel", country="DE"),
        **fields,
    )


def _contact(
    contact_id: str, company_id: str, customer_id: str, **fields: Any
) -> ContactAssignment:
    return ContactAssignment(
        id=ContactAssignmentId(contact_id),
        company_id=CompanyId(company_id),
        customer_id=CustomerId(customer_id),
        **fields,
    )


def _group(group_id: str, company_id: str) -> CustomerGroup:
    return CustomerGroup.for_company(CustomerGroupId(group_id), CompanyId(company_id), company_id)


def _event(event_id: str) -> DomainEvent:
    return DomainEvent(
        id=EventId(event_id),
        name="company.updated",
        aggregate_type="company",
        aggregate_id="acme",
        occurred_at=START,
    )


def _commit(store: Store, action: Callable[[UnitOfWork], Any]) -> Any:
    with store.unit_of_work() as uow:
        result = action(uow)
        uow.commit()
    return result


def _read(store: Store, action: Callable[[UnitOfWork], Any]) -> Any:
    with store.unit_of_work() as uow:
        return action(uow)


# -- stores to test on


@pytest.fixture(scope="module")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> pathlib.Path:
    path = tmp_path_factory.mktemp("sql-store") / "template.db"
    migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: pathlib.Path, sqlite_template: pathlib.Path) -> str:
    path = tmp_path / "shop.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def postgres_url() -> str:
    if not POSTGRES_URL:
        if os.environ.get("CI") == "true":
            pytest.fail("CI must set B2B_TEST_POSTGRES_URL: PostgreSQL tests may not skip in CI")
        pytest.skip("B2B_TEST_POSTGRES_URL is not set")
    return POSTGRES_URL


@pytest.fixture(scope="module")
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A migrated schema for this module, dropped at its end."""
    schema = f"sqlstore_{uuid.uuid4().hex[:12]}"
    migrate(postgres_url, schema=schema)
    yield schema
    engine = sqlalchemy.create_engine(postgres_url)
    with engine.begin() as connection:
        connection.execute(sqlalchemy.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


def _empty(url: str, schema: str) -> None:
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            connection.execute(sqlalchemy.text(f'DELETE FROM "{schema}"."{table.name}"'))  # noqa: S608  (a schema name the test made)
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def make_store(request: pytest.FixtureRequest) -> Iterator[Callable[..., SqlStore]]:
    """Make stores on one empty database: an SQLite file, or a PostgreSQL schema."""
    made: list[SqlStore] = []
    if request.param == "sqlite":
        url = request.getfixturevalue("sqlite_url")
        schema = None
    else:
        url = request.getfixturevalue("postgres_url")
        schema = request.getfixturevalue("postgres_schema")
        _empty(url, schema)

    def make(**options: Any) -> SqlStore:
        options.setdefault("clock", ManualClock(START))
        store = SqlStore(url, schema=schema, **options)
        made.append(store)
        return store

    yield make
    for store in made:
        store.dispose()


# -- URLs, engines and construction


class TestMakingAStore:
    def test_a_sql_store_is_a_store(self, make_store):
        store: Store = make_store()
        assert store.clock.now() == START

    @pytest.mark.parametrize("url", ["not a url", "sqlite:/no-slashes"])
    def test_a_url_that_cannot_be_read_raises_validation_error(self, url):
        with pytest.raises(ValidationError, match="url"):
            SqlStore(url)

    def test_an_unsupported_database_raises_validation_error(self):
        with pytest.raises(ValidationError, match="not supported"):
            SqlStore("mysql://shop@localhost/shop")

    @pytest.mark.parametrize("url", ["postgresql://u:p@db/shop", "postgres://u:p@db/shop"])
    def test_postgres_urls_without_a_driver_use_psycopg(self, url):
        with SqlStore(url) as store:
            assert store.engine.url.drivername == "postgresql+psycopg"
            assert store.dialect == "postgresql"

    def test_a_missing_driver_raises_missing_dependency_naming_the_extra(self):
        with pytest.raises(MissingDependency, match=r"b2b-customers\[postgres\]"):
            SqlStore("postgresql+pg8000://u:p@db/shop")

    def test_without_sqlalchemy_only_the_sql_store_is_missing(self):
        script = (
            "import sys\n"
            "sys.modules['sqlalchemy'] = None\n"
            "import b2b_customers, b2b_customers.adapters.memory, b2b_customers.testing.contract\n"
            "from b2b_customers.errors import MissingDependency\n"
            "try:\n"
            "    import b2b_customers.adapters.sql\n"
            "except MissingDependency as error:\n"
            "    print(error)\n"
        )
        done = subprocess.run(  # noqa: S603  (this interpreter, a fixed script)
            [sys.executable, "-c", script], capture_output=True, text=True, check=True
        )
        assert "b2b-customers[sql]" in done.stdout

    @pytest.mark.parametrize("timeout", [0, -1, "5", True, float("inf")])
    def test_a_lock_timeout_must_be_a_positive_number(self, timeout):
        with pytest.raises(ValidationError, match="lock_timeout"):
            SqlStore("sqlite://", lock_timeout=timeout)

    def test_a_schema_is_refused_for_sqlite(self, sqlite_url):
        with pytest.raises(ValidationError, match="schema"):
            SqlStore(sqlite_url, schema="tenant")

    @pytest.mark.parametrize("schema", ["", "1st", "a-b", 'x"; DROP TABLE companies; --'])
    def test_a_schema_must_be_a_plain_name(self, schema):
        with pytest.raises(ValidationError, match="schema"):
            SqlStore("postgresql+psycopg://u:p@db/shop", schema=schema)

    def test_its_repr_hides_the_password(self):
        with SqlStore("postgresql+psycopg://shop:secret@db/shop", schema="acme") as store:
            assert "secret" not in repr(store)
            assert "schema='acme'" in repr(store)

    def test_a_shared_engine_stays_open_after_dispose(self, sqlite_url):
        engine = sqlalchemy.create_engine(sqlite_url)
        with SqlStore(engine) as store, store.unit_of_work() as uow:
            uow.companies.add(_company("acme"))
            uow.commit()
        with engine.connect() as connection:
            count = connection.execute(sqlalchemy.text("SELECT count(*) FROM companies"))
            assert count.scalar_one() == 1
        engine.dispose()

    def test_the_host_keeps_real_transactions_on_a_shared_sqlite_engine(self, sqlite_url):
        engine = sqlalchemy.create_engine(sqlite_url)
        store = SqlStore(engine)

        def change_then_fail() -> None:
            with engine.begin() as connection:
                connection.execute(sqlalchemy.text("CREATE TABLE host_notes (note TEXT)"))
                connection.execute(sqlalchemy.text("INSERT INTO host_notes VALUES ('kept?')"))
                raise RuntimeError

        with pytest.raises(RuntimeError):
            change_then_fail()
        with engine.connect() as connection:
            tables = sqlalchemy.inspect(connection).get_table_names()
        assert "host_notes" not in tables
        store.dispose()
        engine.dispose()

    def test_sqlite_files_use_write_ahead_logging_and_foreign_keys(self, sqlite_url):
        with SqlStore(sqlite_url) as store, store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1

    def test_the_clock_defaults_to_the_system_clock(self, sqlite_url):
        with SqlStore(sqlite_url) as store, store.unit_of_work() as uow:
            stored = uow.companies.add(_company("acme"))
        assert stored.created_at is not None
        assert abs(stored.created_at - datetime.now(UTC)) < timedelta(minutes=1)

    def test_a_naive_clock_reading_raises_validation_error(self, make_store):
        class NaiveClock:
            def now(self) -> datetime:
                return datetime(2026, 1, 1)  # noqa: DTZ001  (the broken clock under test)

        store = make_store(clock=NaiveClock())
        with store.unit_of_work() as uow, pytest.raises(ValidationError, match="naive"):
            uow.companies.add(_company("acme"))


# -- units of work


class TestUnitsOfWork:
    def test_a_unit_of_work_outside_its_with_block_raises_storage_error(self, make_store):
        uow = make_store().unit_of_work()
        with pytest.raises(StorageError, match=r"with store\.unit_of_work"):
            uow.companies.get(CompanyId("acme"))

    def test_entering_one_unit_of_work_twice_raises_storage_error(self, make_store):
        with make_store().unit_of_work() as uow, pytest.raises(StorageError, match="open already"):
            uow.__enter__()

    def test_a_unit_of_work_may_be_entered_again_after_it_ended(self, make_store):
        store = make_store()
        uow = store.unit_of_work()
        with uow:
            uow.companies.add(_company("acme"))
            uow.commit()
        with uow:
            assert uow.companies.get(CompanyId("acme")).version == 1

    def test_recorded_events_keep_their_marks_made_before_commit(self, make_store):
        store = make_store()
        with store.unit_of_work() as uow:
            uow.record(_event("e1"))
            uow.outbox.mark_published([EventId("e1")])
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.outbox.pending() == []

    def test_many_recorded_events_go_to_the_outbox_in_batches_and_keep_their_order(
        self, make_store, monkeypatch
    ):
        monkeypatch.setattr(sql_unit_of_work, "EVENTS_HELD", 3)
        store = make_store()
        with store.unit_of_work() as uow:
            for number in range(7):
                uow.record(_event(f"e{number}"))
            uow.outbox.mark_published([EventId("e1"), EventId("e6")])
            with pytest.raises(AlreadyExists):
                uow.record(_event("e0"))  # sent to the outbox already
        with store.unit_of_work() as uow:
            assert uow.outbox.pending() == []  # the sent batches were rolled back too
            for number in range(7):
                uow.record(_event(f"e{number}"))
            uow.outbox.mark_published([EventId("e1"), EventId("e6")])
            uow.commit()
            assert uow.committed_events == []  # not held: read them from the outbox
        with store.unit_of_work() as uow:
            pending = [entry.event.id for entry in uow.outbox.pending()]
        assert pending == ["e0", "e2", "e3", "e4", "e5"]

    def test_an_in_memory_store_runs_one_unit_of_work_at_a_time(self):
        with (
            SqlStore("sqlite://") as store,
            store.unit_of_work(),
            pytest.raises(StorageError, match="one unit of work at a time"),
        ):
            store.unit_of_work().__enter__()

    def test_threads_share_an_in_memory_store_one_after_the_other(self):
        store = SqlStore("sqlite://", clock=ManualClock(START))

        def add(number: int) -> None:
            for item in range(10):
                with store.unit_of_work() as uow:
                    uow.companies.add(_company(f"t{number}-{item}"))
                    uow.commit()

        workers = [threading.Thread(target=add, args=(number,)) for number in range(4)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        with store.unit_of_work() as uow:
            assert uow.companies.search().total == 40
        store.dispose()


# -- the translation of driver errors


def _raised(action: Callable[[], Any]) -> BaseException:
    try:
        action()
    except BaseException as error:  # noqa: BLE001  (the test inspects whatever was raised)
        return error
    pytest.fail("nothing was raised")


class TestTranslatingDriverErrors:
    def test_a_duplicate_key_becomes_already_exists_naming_the_constraint(self, make_store):
        store = make_store()
        _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.engine.begin() as connection:
            if store.schema:
                connection.execution_options(schema_translate_map={None: store.schema})
            error = _raised(
                lambda: connection.execute(
                    metadata.tables["company_tags"].insert(),
                    [{"company_id": "acme", "tag": "vip"}, {"company_id": "acme", "tag": "vip"}],
                )
            )
        assert isinstance(error, SQLAlchemyError)
        violation = classify(error)
        assert violation is not None
        assert (violation.kind, violation.constraint) == ("unique", "pk_company_tags")
        assert isinstance(translate(error), AlreadyExists)
        specific = translate(error, {"pk_company_tags": "the tag is there already"})
        assert str(specific) == "the tag is there already"

    def test_a_dangling_reference_becomes_validation_error(self, make_store):
        store = make_store()
        with store.engine.begin() as connection:
            if store.schema:
                connection.execution_options(schema_translate_map={None: store.schema})
            error = _raised(
                lambda: connection.execute(
                    metadata.tables["company_tags"].insert(), [{"company_id": "nobody", "tag": "x"}]
                )
            )
        translated = translate(error)
        assert type(translated) is ValidationError
        assert classify(error) is not None

    def test_a_missing_table_becomes_schema_not_ready_saying_how_to_fix_it(self, tmp_path):
        engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
        with engine.connect() as connection:
            error = _raised(lambda: connection.execute(sqlalchemy.text("SELECT * FROM companies")))
        engine.dispose()
        translated = translate(error)
        assert isinstance(translated, SchemaNotReady)
        assert MIGRATE_HINT in str(translated)

    def test_any_other_database_failure_becomes_storage_error(self, make_store):
        store = make_store()
        with store.engine.connect() as connection:
            error = _raised(lambda: connection.execute(sqlalchemy.text("SELEKT 1")))
        translated = translate(error)
        assert type(translated) is StorageError
        assert classify(error) is None

    def test_errors_of_sqlalchemy_itself_become_storage_error(self):
        assert type(translate(ArgumentError("bad argument"))) is StorageError

    def test_the_librarys_own_errors_pass_through(self):
        error = NotFound("Company", "acme")
        assert translate(error) is error

    def test_an_unreachable_server_raises_storage_error(self):
        with (
            SqlStore("postgresql+psycopg://b2b:b2b@127.0.0.1:1/nowhere") as store,
            pytest.raises(StorageError),
        ):
            store.unit_of_work().__enter__()

    def test_no_driver_exception_leaves_any_repository(self, make_store):
        """Every refused operation raises one of the library's errors, and writes nothing."""
        store = make_store()

        def world(uow: UnitOfWork) -> None:
            uow.companies.add(_company("acme", account_number="A-1"))
            uow.companies.add(_company("bolt", parent_id="acme"))
            uow.customers.add(_customer("ann", "acme"))
            uow.locations.add(_location("l1", "acme", is_primary=True))
            uow.contacts.add(_contact("k1", "acme", "ann", is_primary=True))
            uow.groups.add(_group("g1", "acme"))
            uow.record(_event("e1"))

        _commit(store, world)
        refused: list[tuple[type[B2BError], Callable[[UnitOfWork], Any]]] = [
            (AlreadyExists, lambda uow: uow.companies.add(_company("acme"))),
            (AlreadyExists, lambda uow: uow.companies.add(_company("x", account_number="A-1"))),
            (HierarchyError, lambda uow: uow.companies.add(_company("x", parent_id="none"))),
            (ValidationError, lambda uow: uow.companies.add(_company("x", master_id="none"))),
            (
                HierarchyError,
                lambda uow: uow.companies.save(
                    attrs.evolve(uow.companies.get(CompanyId("acme")), parent_id=CompanyId("bolt"))
                ),
            ),
            (StaleVersion, lambda uow: uow.companies.save(_company("acme", version=7))),
            (NotFound, lambda uow: uow.companies.save(_company("ghost", version=1))),
            (
                AlreadyExists,
                lambda uow: uow.customers.add(_customer("bob", email="ANN@example.com")),
            ),
            (ValidationError, lambda uow: uow.customers.add(_customer("bob", "none"))),
            (
                AlreadyExists,
                lambda uow: uow.customers.add_many(
                    [_customer("c1"), _customer("c2"), _customer("c3", email="c1@example.com")]
                ),
            ),
            (
                AlreadyExists,
                lambda uow: uow.locations.add(_location("l2", "acme", is_primary=True)),
            ),
            (ValidationError, lambda uow: uow.locations.add(_location("l2", "none"))),
            (NotFound, lambda uow: uow.locations.remove(LocationId("none"))),
            (
                AlreadyExists,
                lambda uow: uow.contacts.add(_contact("k2", "acme", "ann")),
            ),
            (
                ValidationError,
                lambda uow: uow.contacts.add(_contact("k2", "acme", "none")),
            ),
            (
                AlreadyExists,
                lambda uow: uow.groups.add(_group("g2", "acme")),
            ),
            (
                ValidationError,
                lambda uow: uow.groups.add(_group("g2", "x")),
            ),
        ]
        for expected, action in refused:  # a failed write ends its unit of work: one each
            with store.unit_of_work() as uow:
                uow.companies.add(_company("before"))
                error = _raised(functools.partial(action, uow))
                assert type(error) is expected, f"{type(error).__name__}: {error}"
                after = _raised(uow.commit)
                assert type(after) is StorageError, f"{type(after).__name__}: {after}"

        def record_a_published_id(uow: UnitOfWork) -> None:  # refused at commit
            uow.companies.add(_company("before"))
            uow.record(_event("e1"))
            uow.commit()

        with store.unit_of_work() as uow:
            error = _raised(functools.partial(record_a_published_id, uow))
            assert type(error) is AlreadyExists, f"{type(error).__name__}: {error}"
        with store.unit_of_work() as uow:
            error = _raised(functools.partial(uow.outbox.pending, limit=0))
            assert type(error) is ValidationError, f"{type(error).__name__}: {error}"
        with store.unit_of_work() as uow:
            page = uow.companies.search(CompanyQuery(sort=CompanySort.ID))
            assert [company.id for company in page.items] == ["acme", "bolt"]
            assert uow.customers.search().total == 1
            assert [entry.event.id for entry in uow.outbox.pending()] == ["e1"]

    def test_a_writer_kept_waiting_too_long_raises_conflict_error_on_sqlite(self, sqlite_url):
        path = sqlite_url.removeprefix("sqlite:///")
        blocker = sqlite3.connect(path, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        try:
            with (
                SqlStore(sqlite_url, lock_timeout=0.2) as store,
                store.unit_of_work() as uow,
                pytest.raises(ConflictError, match="lock"),
            ):
                uow.companies.add(_company("acme"))
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()

    @pytest.mark.postgresql
    def test_a_writer_kept_waiting_too_long_raises_conflict_error_on_postgres(
        self, postgres_url, postgres_schema
    ):
        _empty(postgres_url, postgres_schema)
        store = SqlStore(postgres_url, schema=postgres_schema, lock_timeout=0.2)
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        engine = sqlalchemy.create_engine(postgres_url)
        with engine.connect() as blocker:
            blocker.execute(
                sqlalchemy.text(
                    f"SELECT id FROM \"{postgres_schema}\".companies WHERE id = 'acme' FOR UPDATE"  # noqa: S608  (a schema name the test made)
                )
            )
            with store.unit_of_work() as uow, pytest.raises(ConflictError):
                uow.companies.save(attrs.evolve(acme, name="Renamed"))
            blocker.rollback()
        engine.dispose()
        store.dispose()


# -- tenants in PostgreSQL schemas


@pytest.mark.postgresql
class TestTenantsInSchemas:
    def test_two_tenants_never_see_each_others_data(self, postgres_url):
        schemas = [f"tenant_{uuid.uuid4().hex[:10]}" for _ in range(2)]
        engine = sqlalchemy.create_engine(postgres_url)
        try:
            stores = []
            for schema in schemas:
                migrate(engine, schema=schema)
                stores.append(SqlStore(engine, schema=schema, clock=ManualClock(START)))
            first, second = stores
            _commit(first, lambda uow: uow.companies.add(_company("acme")))
            _commit(second, lambda uow: uow.companies.add(_company("acme", name="Other ACME")))
            _commit(second, lambda uow: uow.companies.add(_company("bolt")))
            with first.unit_of_work() as uow:
                assert [c.id for c in uow.companies.search().items] == ["acme"]
                assert uow.companies.get(CompanyId("acme")).name == "company acme"
            with second.unit_of_work() as uow:
                assert uow.companies.search().total == 2
        finally:
            with engine.begin() as connection:
                for schema in schemas:
                    connection.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            engine.dispose()


# -- concurrent writers


class TestConcurrentWriters:
    def test_threads_incrementing_one_counter_lose_no_update(self, make_store):
        store = make_store(clock=None)
        _commit(store, lambda uow: uow.companies.add(_company("acme", custom_fields={"n": 0})))
        threads, increments = 4, 15
        barrier = threading.Barrier(threads)
        failures: list[BaseException] = []

        def worker() -> None:
            try:
                barrier.wait()
                done = 0
                while done < increments:
                    with store.unit_of_work() as uow:
                        company = uow.companies.get(CompanyId("acme"))
                        count = company.custom_fields["n"]
                        assert isinstance(count, int)
                        try:
                            uow.companies.save(
                                attrs.evolve(company, custom_fields={"n": count + 1})
                            )
                            uow.commit()
                        except StaleVersion:
                            continue
                    done += 1
            except BaseException as error:  # noqa: BLE001  (reported by the main thread)
                failures.append(error)

        workers = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        assert failures == []
        with store.unit_of_work() as uow:
            company = uow.companies.get(CompanyId("acme"))
        assert company.custom_fields["n"] == threads * increments
        assert company.version == 1 + threads * increments

    @pytest.mark.postgresql
    def test_concurrent_moves_cannot_make_a_cycle_together(self, postgres_url, postgres_schema):
        _empty(postgres_url, postgres_schema)
        store = SqlStore(postgres_url, schema=postgres_schema, clock=ManualClock(START))
        north, south = _commit(
            store,
            lambda uow: uow.companies.add_many([_company("north"), _company("south")]),
        )
        outcome: list[BaseException | None] = []
        started = threading.Event()

        def move_south_under_north() -> None:
            started.wait()
            try:
                with store.unit_of_work() as uow:
                    uow.companies.save(attrs.evolve(south, parent_id="north"))
                    uow.commit()
                outcome.append(None)
            except B2BError as error:
                outcome.append(error)

        other = threading.Thread(target=move_south_under_north)
        other.start()
        with store.unit_of_work() as uow:
            uow.companies.save(attrs.evolve(north, parent_id="south"))
            started.set()
            time.sleep(0.3)  # the other move waits for this one's tree lock
            uow.commit()
        other.join()
        assert len(outcome) == 1
        assert isinstance(outcome[0], HierarchyError)
        store.dispose()

    @pytest.mark.postgresql
    def test_outbox_positions_follow_commit_order(self, postgres_url, postgres_schema):
        _empty(postgres_url, postgres_schema)
        store = SqlStore(postgres_url, schema=postgres_schema, clock=ManualClock(START))
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.record(_event("recorded-first"))
            second.record(_event("recorded-second"))
            second.commit()
            first.commit()
        with store.unit_of_work() as uow:
            entries = uow.outbox.pending()
        assert [entry.event.id for entry in entries] == ["recorded-second", "recorded-first"]
        assert entries[0].position < entries[1].position
        store.dispose()

    @pytest.fixture
    def staging_store(self, postgres_url, postgres_schema, monkeypatch) -> Iterator[SqlStore]:
        """An empty PostgreSQL store whose units of work hold 3 events before staging them."""
        monkeypatch.setattr(sql_unit_of_work, "EVENTS_HELD", 3)
        _empty(postgres_url, postgres_schema)
        store = SqlStore(postgres_url, schema=postgres_schema, clock=ManualClock(START))
        yield store
        store.dispose()

    @pytest.mark.postgresql
    def test_a_bulk_unit_of_work_does_not_hold_the_outbox_until_it_commits(self, staging_store):
        store = staging_store
        committed = threading.Event()

        def record_one_event() -> None:
            with store.unit_of_work() as uow:
                uow.record(_event("meanwhile"))
                uow.commit()
            committed.set()

        with store.unit_of_work() as bulk:
            for number in range(7):  # two batches of three leave memory before the commit
                bulk.record(_event(f"bulk{number}"))
            bulk.outbox.mark_published([EventId("bulk1")])
            other = threading.Thread(target=record_one_event)
            other.start()
            # Before staging, the other commit waited here for the bulk's outbox lock.
            assert committed.wait(timeout=10), "the other unit of work waited for the bulk one"
            assert [entry.event.id for entry in bulk.outbox.pending()] == ["meanwhile"]
            bulk.commit()
        other.join()
        with store.unit_of_work() as uow:
            entries = uow.outbox.pending()
        assert [entry.event.id for entry in entries] == [
            "meanwhile",
            *(f"bulk{number}" for number in (0, 2, 3, 4, 5, 6)),
        ]
        assert [entry.position for entry in entries] == sorted(entry.position for entry in entries)

    @pytest.mark.postgresql
    def test_a_bulk_unit_of_work_rolled_back_leaves_no_staged_event(self, staging_store):
        store = staging_store
        with store.unit_of_work() as uow:
            for number in range(4):
                uow.record(_event(f"gone{number}"))
            uow.rollback()  # the staging table goes with the transaction
            for number in range(4):  # and is made again
                uow.record(_event(f"kept{number}"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.record(_event("kept0"))  # staged before: the outbox refuses it at commit
            with pytest.raises(AlreadyExists):
                uow.commit()
        with store.unit_of_work() as uow:
            ids = [entry.event.id for entry in uow.outbox.pending()]
        assert ids == [f"kept{number}" for number in range(4)]


# -- recording many creations

_CONVERTER = make_converter()


def _creations(actor: str | None = "staff-1", name: str = "company.created") -> Creations:
    return Creations(
        name=name,
        occurred_at=START,
        actor_id=actor,
        actor_kind=ActorKind.SYSTEM if actor is None else ActorKind.SELLER,
    )


def _recorded(store: SqlStore, created: list[Created]) -> tuple[list[Any], list[Any]]:
    """The events and audit entries of ``created``, as the store holds them."""
    ids = {creation.event_id for creation in created}
    with store.unit_of_work() as uow:
        events = {
            entry.event.id: entry.event
            for entry in uow.outbox.pending(limit=100_000)
            if entry.event.id in ids
        }
        entries = {
            entry.id: entry
            for kind in ("company", "customer")
            for creation in created
            for entry in uow.audit.for_aggregate(kind, creation.aggregate.id).items
            if entry.id in ids
        }
    return (
        [events.get(creation.event_id) for creation in created],
        [entries.get(creation.event_id) for creation in created],
    )


class TestRecordingCreations:
    """Past ``EVENTS_HELD``, ``record_creations`` writes rows, not objects: the same records."""

    @pytest.fixture(autouse=True)
    def _one_event_held(self, monkeypatch):
        monkeypatch.setattr(sql_unit_of_work, "EVENTS_HELD", 1)

    def test_the_rows_hold_the_events_and_entries_made_one_by_one(self, make_store):
        store = make_store()

        @given(
            aggregates=st.one_of(
                st.lists(st_b2b.companies(), min_size=1, max_size=4).map(
                    lambda items: ("company.created", items)
                ),
                st.lists(st_b2b.customers(), min_size=1, max_size=4).map(
                    lambda items: ("customer.created", items)
                ),
            ),
            companies=st.lists(st.none() | st_b2b.ids(), min_size=4, max_size=4),
            actor=st.none() | st_b2b.ids(),
        )
        def check(
            aggregates: tuple[str, list[Any]], companies: list[str | None], actor: str | None
        ) -> None:
            name, items = aggregates
            creations = _creations(actor, name)
            created = [
                Created(EventId(uuid.uuid4().hex), item, company)  # type: ignore[arg-type]
                for item, company in zip(items, companies, strict=False)
            ]
            made = creations.recorded(created, _CONVERTER.unstructure)
            assert isinstance(store.unit_of_work(), RecordsCreations)
            with store.unit_of_work() as uow:
                uow.record_creations(creations, created)
                uow.commit()
            assert _recorded(store, created) == (
                [event for event, _ in made],
                [entry for _, entry in made],
            )

        check()

    def test_aggregates_just_added_are_recorded_from_the_rows_written(self, make_store):
        store = make_store()
        creations = _creations()
        with store.unit_of_work() as uow:
            added = uow.companies.add_many([_company("north"), _company("south", tags={"vip"})])
            created = [Created(EventId(f"e-{c.id}"), c, c.id) for c in added]
            uow.record_creations(creations, created)
            uow.commit()
        made = creations.recorded(created, _CONVERTER.unstructure)
        assert _recorded(store, created) == ([e for e, _ in made], [e for _, e in made])

    def test_an_aggregate_without_a_json_object_form_is_refused(self, make_store):
        store = make_store()
        with store.unit_of_work() as uow:
            for aggregate in (object(), "text"):
                with pytest.raises(ValidationError) as raised:
                    uow.record_creations(_creations(), [Created(EventId("e1"), aggregate, None)])  # type: ignore[arg-type]
                assert raised.value.field in {"payload", "aggregate_id"}
            uow.commit()
        with store.unit_of_work() as uow:
            assert uow.outbox.pending() == []

    @pytest.mark.parametrize(
        ("ids", "error"),
        [
            (["e1", "e1"], AlreadyExists),
            (["e1", " e2"], ValidationError),
            (["e0", "e2"], AlreadyExists),  # e0: recorded before in this unit of work
        ],
    )
    def test_a_bad_batch_writes_nothing(self, make_store, ids, error):
        store = make_store()
        creations = _creations()
        created = [
            Created(EventId(event_id), _company(f"c{n}"), None) for n, event_id in enumerate(ids)
        ]
        with store.unit_of_work() as uow:
            uow.record(_event("e0"))
            with pytest.raises(error):
                uow.record_creations(creations, created)
            uow.commit()  # the unit of work goes on: nothing of the batch was written
        with store.unit_of_work() as uow:
            assert [entry.event.id for entry in uow.outbox.pending()] == ["e0"]
            assert not uow.audit.for_aggregate("company", "c0").items


# -- orders and collation


class TestOrdering:
    def test_names_and_ids_sort_by_code_point_as_python_does(self, make_store):
        store = make_store()
        names = ["bolt", "Bolt", "acme", "_under", "Äpfel", "zeta", "Zeta", "öl", "10", "9"]
        _commit(
            store,
            lambda uow: uow.companies.add_many(
                _company(f"c-{number}", name=name) for number, name in enumerate(names)
            ),
        )
        with store.unit_of_work() as uow:
            page = uow.companies.search(CompanyQuery(limit=100))
            ids = uow.companies.search(CompanyQuery(sort=CompanySort.ID, limit=100))
        assert [company.name for company in page.items] == sorted(names)
        assert [company.id for company in ids.items] == sorted(c.id for c in ids.items)

    def test_name_filters_ignore_case_beyond_ascii(self, make_store):
        store = make_store()
        _commit(
            store,
            lambda uow: uow.companies.add_many(
                [_company("a", name="Öl & Gas"), _company("b", name="100% Bio-Markt")]
            ),
        )
        with store.unit_of_work() as uow:
            assert [c.id for c in uow.companies.search(CompanyQuery(name_contains="öL")).items] == [
                "a"
            ]
            assert uow.companies.search(CompanyQuery(name_contains="%")).total == 1
            assert uow.companies.search(CompanyQuery(name_contains="o_m")).total == 0


# -- bulk imports


class TestBulkImports:
    def test_a_large_import_stores_every_item_in_one_go(self, make_store):
        store = make_store()
        companies = [_company(f"c{n:05d}", account_number=f"A-{n}") for n in range(6000)]
        customers = [_customer(f"u{n:05d}", f"c{n % 6000:05d}") for n in range(6000)]
        with store.unit_of_work() as uow:
            stored = uow.companies.add_many(iter(companies))
            people = uow.customers.add_many(customers)
            uow.commit()
        assert [company.version for company in stored[:3]] == [1, 1, 1]
        assert stored[10] == attrs.evolve(
            companies[10], version=1, created_at=START, updated_at=START
        )
        assert people[-1].created_at == START
        assert gc.isenabled()
        with store.unit_of_work() as uow:
            assert uow.companies.search().total == 6000
            assert uow.customers.get(CustomerId("u00042")) == people[42]
            query = CustomerQuery(company_id=CompanyId("c00042"))
            assert [c.id for c in uow.customers.search(query).items] == ["u00042"]

    def test_a_refused_import_names_its_first_bad_item_and_writes_nothing(self, make_store):
        store = make_store()
        _commit(store, lambda uow: uow.companies.add(_company("acme")))
        customers = [_customer(f"u{n:05d}", "acme") for n in range(6000)]
        customers[4000] = _customer("dup", "acme", email="u00010@example.com")
        customers[5000] = _customer("late", "nowhere")
        with store.unit_of_work() as uow:
            with pytest.raises(AlreadyExists, match=r"u00010@example\.com"):
                uow.customers.add_many(customers)
            assert gc.isenabled()
        assert _read(store, lambda uow: uow.customers.search().total) == 0
        with store.unit_of_work() as uow, pytest.raises(ValidationError, match="nowhere"):
            uow.customers.add_many(customers[4500:])
        assert gc.isenabled()
        _commit(store, lambda uow: uow.customers.add(_customer("ann", "acme")))
        with store.unit_of_work() as uow:
            assert [c.id for c in uow.customers.search().items] == ["ann"]

    def test_an_import_with_a_missing_parent_names_it(self, make_store):
        store = make_store()
        batch = [_company("hq"), _company("north", parent_id="hq"), _company("kiel", parent_id="n")]
        with store.unit_of_work() as uow, pytest.raises(HierarchyError, match="'n' of 'kiel'"):
            uow.companies.add_many(batch)

    def test_an_import_cannot_build_a_tree_deeper_than_the_limit(self, make_store):
        store = make_store()
        chain = [_company("c0")] + [_company(f"c{n}", parent_id=f"c{n - 1}") for n in range(1, 64)]
        with store.unit_of_work() as uow:
            uow.companies.add_many(chain)
            with pytest.raises(HierarchyError, match="deeper"):
                uow.companies.add(_company("c64", parent_id="c63"))
        _commit(store, lambda uow: uow.companies.add_many(chain))
        with store.unit_of_work() as uow, pytest.raises(HierarchyError, match="deeper"):
            uow.companies.add_many([_company("d", parent_id="c62"), _company("e", parent_id="d")])
        assert _read(store, lambda uow: uow.companies.search().total) == 64


class TestSpend:
    def test_spend_is_summed_exactly(self, make_store):
        store = make_store()
        _commit(
            store,
            lambda uow: (uow.companies.add(_company("acme")), uow.customers.add(_customer("ann"))),
        )
        # The largest amounts the library takes: 15 digits, 4 decimal places.
        amounts = ["0.1", "0.2", "123456789012345.6789"]
        with store.unit_of_work() as uow:
            for number, amount in enumerate(amounts):
                uow.orders.add(
                    OrderRecord(
                        id=OrderId(f"o{number}"),
                        company_id=CompanyId("acme"),
                        buyer_id=CustomerId("ann"),
                        total=Money(Decimal(amount), "EUR"),
                        placed_at=START,
                    )
                )
            uow.commit()
        window = window_of(CalendarPeriod(unit="month"), START, time_zone="UTC")
        with store.unit_of_work() as uow:
            spent = uow.orders.spent(SpendKey.company(CompanyId("acme")), window)
        assert spent == {"EUR": Decimal("123456789012345.9789")}
