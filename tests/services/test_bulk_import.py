"""``app.companies.import_many`` and ``app.customers.import_many``: checked first, then batched."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from b2b_customers.adapters.sql import unit_of_work as sql_unit_of_work
from b2b_customers.domain import Company, Customer, Membership, Role
from b2b_customers.errors import NotFound, PermissionDenied, StorageError, ValidationError
from b2b_customers.ids import CompanyId, CustomerId
from b2b_customers.ports import AuditQuery, CompanyQuery, CustomerQuery
from b2b_customers.services import Staff, StaffRole
from b2b_customers.services.bulk_import import BATCH, ImportItem, ImportRejected
from b2b_customers.services.company_import import CompanyWrites

from .conftest import STAFF

if TYPE_CHECKING:
    from collections.abc import Iterator

    from b2b_customers.app import App

CONTROLLER = Staff(id="s-cc", name="Chris Credit", roles={StaffRole.CREDIT_CONTROLLER})


def company(number: int, parent: int | None = None) -> Company:
    return Company(
        id=CompanyId(f"c{number}"),
        name=f"Company {number}",
        currency="EUR",
        parent_id=None if parent is None else CompanyId(f"c{parent}"),
        account_number=f"A-{number}",
    )


def customer(number: int, *companies: int) -> Customer:
    return Customer(
        id=CustomerId(f"u{number}"),
        email=f"u{number}@example.com",
        first_name="Pat",
        last_name=f"Buyer {number}",
        memberships=[
            Membership(company_id=CompanyId(f"c{c}"), roles={Role.BUYER}) for c in companies
        ],
    )


def problems(error: pytest.ExceptionInfo[ImportRejected]) -> list[tuple[int, str | None]]:
    return [(problem.position, problem.field) for problem in error.value.problems]


class TestCompanies:
    def test_imports_companies_with_groups_events_and_audit(self, app):
        count = app.companies.import_many(actor=STAFF, companies=[company(1), company(2, parent=1)])
        assert count == 2
        with app.store.unit_of_work() as uow:
            child = uow.companies.get(CompanyId("c2"))
            group = uow.groups.for_company(CompanyId("c2"))
            events = [entry.event for entry in uow.outbox.pending(limit=10)]
            audit = uow.audit.for_company(CompanyId("c2"), AuditQuery()).items
        assert child.parent_id == "c1"
        assert group.name == "Company 2 customers"
        assert [(event.name, event.aggregate_id) for event in events] == [
            ("company.created", "c1"),
            ("company.created", "c2"),
        ]
        assert [(entry.action, entry.actor_id) for entry in audit] == [
            ("company.created", STAFF.id)
        ]

    def test_subsidiaries_may_come_batches_before_their_parents(self, app):
        children = [company(number, parent=0) for number in range(1, BATCH + 5)]
        app.companies.import_many(actor=STAFF, companies=[*children, company(0)])
        with app.store.unit_of_work() as uow:
            assert len(uow.companies.children(CompanyId("c0"))) == BATCH + 4

    def test_every_bad_item_is_reported_and_nothing_is_written(self, app):
        app.companies.import_many(actor=STAFF, companies=[company(1)])
        items = [
            ImportItem(2, company(1)),  # stored already
            ImportItem(3, ValidationError("not a currency", field="currency")),
            ImportItem(4, company(4, parent=9)),  # no such parent
            ImportItem(5, company(5)),
            ImportItem(6, company(5)),  # the same id again
        ]
        with pytest.raises(ImportRejected) as rejected:
            app.companies.import_many(actor=STAFF, companies=items, unit="line")
        assert problems(rejected) == [
            (2, "id"),
            (2, "account_number"),
            (3, "currency"),
            (4, "parent_id"),
            (6, "id"),
            (6, "account_number"),
        ]
        assert "is on line 5 already" in str(rejected.value.problems[-1].reason)
        with app.store.unit_of_work() as uow:
            assert uow.companies.get_many([CompanyId("c4"), CompanyId("c5")]) == []

    def test_a_cycle_in_the_import_is_reported(self, app):
        with pytest.raises(ImportRejected) as rejected:
            app.companies.import_many(
                actor=STAFF, companies=[company(1, parent=2), company(2, parent=1)]
            )
        assert problems(rejected) == [(1, "parent_id"), (2, "parent_id")]

    def test_an_item_that_is_no_company_is_refused_naming_its_place(self, app):
        with pytest.raises(ValidationError, match=r"companies\[1\]: must be a Company"):
            app.companies.import_many(actor=STAFF, companies=[company(1), "acme"])

    def test_items_that_are_no_iterable_are_refused(self, app):
        with pytest.raises(ValidationError, match="companies: must be a collection"):
            app.companies.import_many(actor=STAFF, companies=company(1))

    def test_check_only_writes_nothing(self, app):
        assert app.companies.import_many(actor=STAFF, companies=[company(1)], check_only=True)
        with app.store.unit_of_work() as uow:
            assert uow.companies.get_many([CompanyId("c1")]) == []

    def test_only_staff_allowed_to_onboard_may_import(self, app):
        with pytest.raises(PermissionDenied):
            app.companies.import_many(actor=CONTROLLER, companies=[company(1)])

    def test_progress_is_told_per_batch(self, app):
        told: list[tuple[str, int]] = []
        app.companies.import_many(
            actor=STAFF,
            companies=[company(number) for number in range(BATCH + 1)],
            progress=lambda step, count: told.append((step, count)),
        )
        assert told == [("importing", BATCH), ("importing", 1)]


class TestCustomers:
    def test_imports_customers_into_their_companies_groups(self, app):
        app.companies.import_many(actor=STAFF, companies=[company(1), company(2)])
        app.customers.import_many(
            actor=STAFF, customers=[customer(1, 1), customer(2, 1, 2), customer(3)]
        )
        with app.store.unit_of_work() as uow:
            first = uow.groups.for_company(CompanyId("c1"))
            second = uow.groups.for_company(CompanyId("c2"))
            events = [entry.event for entry in uow.outbox.pending(limit=10)]
        assert first.member_ids == {"u1", "u2"}
        assert second.member_ids == {"u2"}
        assert [event.name for event in events].count("customer.created") == 3

    def test_taken_emails_unknown_companies_and_managers_are_reported(self, app):
        app.companies.import_many(actor=STAFF, companies=[company(1)])
        app.customers.import_many(actor=STAFF, customers=[customer(1, 1)])
        taken = Customer(id=CustomerId("u2"), email="U1@example.com", first_name="A", last_name="B")
        with pytest.raises(ImportRejected) as rejected:
            app.customers.import_many(
                actor=STAFF,
                customers=[
                    taken,
                    customer(3, 9),
                    Customer(
                        id=CustomerId("u4"),
                        email="u4@example.com",
                        first_name="A",
                        last_name="B",
                        manager_id=CustomerId("nobody"),
                    ),
                ],
            )
        assert problems(rejected) == [(1, "email"), (2, "memberships"), (3, "manager_id")]

    def test_only_staff_allowed_to_manage_customers_may_import(self, app):
        with pytest.raises(PermissionDenied):
            app.customers.import_many(actor=app_customer(), customers=[])


class TestAllOrNothing:
    """A problem in the last batch undoes the batches written before it, events and audit too."""

    LAST = 2 * BATCH + 1

    @pytest.fixture(autouse=True)
    def _few_events_held(self, monkeypatch):
        # SQL stores: the first batches' events reach the outbox before the last batch fails.
        monkeypatch.setattr(sql_unit_of_work, "EVENTS_HELD", 50)

    def test_a_bad_item_in_the_last_batch_leaves_no_company_written(self, app):
        items = [company(number) for number in range(self.LAST - 1)] + [company(0)]
        with pytest.raises(ImportRejected) as rejected:
            app.companies.import_many(actor=STAFF, companies=iter(items), unit="line")
        assert problems(rejected) == [(self.LAST, "id"), (self.LAST, "account_number")]
        assert "is on line 1 already" in rejected.value.problems[0].reason
        self.assert_no_company_written(app)

    def test_a_failed_write_of_the_last_batch_leaves_no_company_written(self, app, monkeypatch):
        written = CompanyWrites.batch
        calls = []

        def batch_failing_the_third_time(writes, uow, entities):
            calls.append(len(entities))
            if len(calls) == 3:
                raise StorageError("the disk is full")
            written(writes, uow, entities)

        monkeypatch.setattr(CompanyWrites, "batch", batch_failing_the_third_time)
        items = [company(number) for number in range(self.LAST)]
        with pytest.raises(StorageError, match=r"items 2001 to 2001 failed: the disk is full"):
            app.companies.import_many(actor=STAFF, companies=items)
        assert calls == [BATCH, BATCH, 1]
        self.assert_no_company_written(app)

    def test_a_bad_item_in_the_last_batch_leaves_no_customer_written(self, app):
        app.companies.import_many(actor=STAFF, companies=[company(1), company(2)])
        items = [customer(number, 1 + number % 2) for number in range(self.LAST - 1)]
        with pytest.raises(ImportRejected) as rejected:
            app.customers.import_many(actor=STAFF, customers=[*items, customer(self.LAST, 9)])
        assert problems(rejected) == [(self.LAST, "memberships")]
        with app.store.unit_of_work() as uow:
            assert not uow.customers.search(CustomerQuery(limit=1)).items
            assert uow.groups.for_company(CompanyId("c1")).member_ids == frozenset()
            events = [entry.event.name for entry in uow.outbox.pending(limit=100)]
            assert not uow.audit.for_aggregate("customer", "u0").items
        assert events == ["company.created", "company.created"]

    @staticmethod
    def assert_no_company_written(app: App) -> None:
        with app.store.unit_of_work() as uow:
            assert not uow.companies.search(CompanyQuery(limit=1)).items
            with pytest.raises(NotFound):
                uow.groups.for_company(CompanyId("c0"))
            assert not uow.outbox.pending(limit=1)
            assert not uow.audit.for_aggregate("company", "c0").items


class TestEventsAndAudit:
    COUNT = 2 * BATCH + 3

    @pytest.fixture(autouse=True)
    def _few_events_held(self, monkeypatch):
        monkeypatch.setattr(sql_unit_of_work, "EVENTS_HELD", 50)

    def test_every_imported_entity_has_its_event_and_audit_entry(self, app):
        numbers = range(self.COUNT)
        app.companies.import_many(actor=STAFF, companies=(company(number) for number in numbers))
        app.customers.import_many(
            actor=STAFF, customers=(customer(number, number) for number in numbers)
        )
        with app.store.unit_of_work() as uow:
            events = [entry.event for entry in uow.outbox.pending(limit=3 * self.COUNT)]
            audit = {
                number: [
                    (entry.action, entry.aggregate_id, entry.actor_id, entry.id)
                    for entry in uow.audit.for_company(CompanyId(f"c{number}")).items
                ]
                for number in numbers
            }
        assert [(event.name, event.aggregate_id) for event in events] == [
            *(("company.created", f"c{number}") for number in numbers),
            *(("customer.created", f"u{number}") for number in numbers),
        ]
        event_ids = {event.aggregate_id: event.id for event in events}
        for number in numbers:
            assert audit[number] == [
                ("company.created", f"c{number}", STAFF.id, event_ids[f"c{number}"]),
                ("customer.created", f"u{number}", STAFF.id, event_ids[f"u{number}"]),
            ]

    def test_a_one_shot_stream_is_read_once(self, app):
        read = []

        def companies() -> Iterator[Company]:
            for number in range(self.COUNT):
                read.append(number)
                yield company(number)

        assert app.companies.import_many(actor=STAFF, companies=companies()) == self.COUNT
        assert read == list(range(self.COUNT))


def app_customer() -> Customer:
    return customer(99, 1)
