"""The memory store keeps the repository contract, and holds up under threads."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from moneyed import Money

from b2b_customers.adapters.memory import MemoryStore
from b2b_customers.clock import ManualClock, SystemClock
from b2b_customers.credit.account import CreditAccount
from b2b_customers.domain import Company, Customer, DomainEvent, Location
from b2b_customers.domain.location import Address
from b2b_customers.domain.order import OrderRecord
from b2b_customers.errors import (
    AlreadyExists,
    HierarchyError,
    InsufficientCredit,
    StaleVersion,
    StorageError,
)
from b2b_customers.ids import CompanyId, CreditAccountId, CustomerId, EventId, LocationId, OrderId
from b2b_customers.limits.periods import CalendarPeriod, window_of
from b2b_customers.limits.spend import SpendKey
from b2b_customers.testing.contract import START, StoreContract

if TYPE_CHECKING:
    from b2b_customers.credit.ledger import LedgerEntry
    from b2b_customers.ports import Store


class TestMemoryStore(StoreContract):
    property_examples = 100

    def make_store(self, clock):
        return MemoryStore(clock=clock)


def _company(company_id: str, **fields: Any) -> Company:
    return Company(id=CompanyId(company_id), **fields)


def _store() -> MemoryStore:
    return MemoryStore(clock=ManualClock(START))


def _event(event_id: str) -> DomainEvent:
    return DomainEvent(
        id=EventId(event_id),
        name="company.updated",
        aggregate_type="company",
        aggregate_id="acme",
        occurred_at=START,
    )


class TestMemoryStoreSpecifics:
    def test_is_a_store(self):
        store: Store = MemoryStore()
        assert isinstance(store.clock, SystemClock)
        assert "companies=0" in repr(store)

    def test_a_conflict_found_at_commit_writes_nothing_of_the_unit_of_work(self):
        store = _store()
        with store.unit_of_work() as uow:
            acme = uow.companies.add(_company("acme", name="ACME", currency="EUR"))
            uow.commit()
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.companies.save(attrs.evolve(acme, name="First"))
            second.companies.add(_company("bolt", name="Bolt", currency="EUR"))
            second.record(_event("e1"))
            second.companies.save(attrs.evolve(acme, name="Second"))  # buffered, not yet stale
            first.commit()
            with pytest.raises(StaleVersion):
                second.commit()
            assert second.committed_events == []
        with store.unit_of_work() as uow:
            assert uow.companies.get(acme.id).name == "First"
            assert uow.companies.get_many([CompanyId("bolt")]) == []
            assert uow.outbox.pending() == []

    def test_a_row_removed_by_another_unit_of_work_makes_a_save_stale(self):
        store = _store()
        with store.unit_of_work() as uow:
            uow.companies.add(_company("acme", name="ACME", currency="EUR"))
            site = uow.locations.add(
                Location(
                    id=LocationId("l1"),
                    company_id=CompanyId("acme"),
                    name="Site",
                    address=Address(lines=["Main 1"], city="Kiel", country="DE"),
                )
            )
            uow.commit()
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.locations.remove(site.id)
            second.locations.save(attrs.evolve(site, name="Renamed"))
            first.commit()
            with pytest.raises(StaleVersion):
                second.commit()

    def test_concurrent_adds_of_one_unique_key_let_only_the_first_commit(self):
        store = _store()
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.companies.add(_company("a", name="A", currency="EUR", account_number="N-1"))
            second.companies.add(_company("b", name="B", currency="EUR", account_number="N-1"))
            first.companies.add(_company("same", name="One", currency="EUR"))
            first.commit()
            with pytest.raises(AlreadyExists):
                second.commit()
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.companies.add(_company("x", name="X", currency="EUR"))
            second.companies.add(_company("x", name="Y", currency="EUR"))
            first.commit()
            with pytest.raises(AlreadyExists):
                second.commit()

    def test_concurrent_moves_cannot_make_a_cycle_together(self):
        store = _store()
        with store.unit_of_work() as uow:
            north, south = uow.companies.add_many(
                [
                    _company("north", name="North", currency="EUR"),
                    _company("south", name="South", currency="EUR"),
                ]
            )
            uow.commit()
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.companies.save(attrs.evolve(north, parent_id=CompanyId("south")))
            second.companies.save(attrs.evolve(south, parent_id=CompanyId("north")))
            first.commit()
            with pytest.raises(HierarchyError):
                second.commit()

    def test_outbox_positions_follow_commit_order_not_record_order(self):
        store = _store()
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.record(_event("recorded-first"))
            second.record(_event("recorded-second"))
            second.commit()
            first.commit()
        with store.unit_of_work() as uow:
            assert [e.event.id for e in uow.outbox.pending()] == [
                "recorded-second",
                "recorded-first",
            ]

    def test_an_event_id_is_recorded_once(self):
        store = _store()
        with store.unit_of_work() as uow:
            uow.record(_event("e1"))
            with pytest.raises(AlreadyExists):
                uow.record(_event("e1"))
            uow.commit()
            with pytest.raises(AlreadyExists):
                uow.record(_event("e1"))

    def test_a_published_event_keeps_its_first_publication_time(self):
        clock = ManualClock(START)
        store = MemoryStore(clock=clock)
        with store.unit_of_work() as uow:
            uow.record(_event("e1"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.outbox.mark_published([EventId("e1")])
            assert uow.outbox.pending() == []
            uow.commit()
        entry = store._state.events[EventId("e1")]
        assert entry.published_at == START

    def test_many_threads_incrementing_one_counter_lose_no_update(self):
        store = MemoryStore()  # the system clock, as threads would really use
        with store.unit_of_work() as uow:
            uow.companies.add(_company("acme", name="ACME", currency="EUR", custom_fields={"n": 0}))
            uow.commit()
        threads, increments = 8, 50
        conflicts = []
        barrier = threading.Barrier(threads)

        def worker() -> None:
            barrier.wait()
            done = 0
            while done < increments:
                with store.unit_of_work() as uow:
                    company = uow.companies.get(CompanyId("acme"))
                    count = company.custom_fields["n"]
                    assert isinstance(count, int)
                    try:
                        uow.companies.save(attrs.evolve(company, custom_fields={"n": count + 1}))
                        uow.commit()
                    except StaleVersion:
                        conflicts.append(1)
                        continue
                done += 1

        workers = [threading.Thread(target=worker) for _ in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        with store.unit_of_work() as uow:
            company = uow.companies.get(CompanyId("acme"))
        assert company.custom_fields["n"] == threads * increments
        assert company.version == 1 + threads * increments

    def test_many_threads_adding_companies_keep_every_one_and_the_indexes(self):
        store = MemoryStore(clock=ManualClock(datetime(2026, 1, 1, tzinfo=UTC)))
        threads, per_thread = 6, 40

        def worker(number: int) -> None:
            for item in range(per_thread):
                with store.unit_of_work() as uow:
                    uow.companies.add(
                        _company(
                            f"t{number}-{item}",
                            name=f"Company {number} {item}",
                            currency="EUR",
                            account_number=f"A-{number}-{item}",
                        )
                    )
                    uow.commit()

        workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        with store.unit_of_work() as uow:
            assert uow.companies.search().total == threads * per_thread
            assert uow.companies.get_by_account_number("A-3-7").id == "t3-7"


def _world(store: MemoryStore) -> None:
    with store.unit_of_work() as uow:
        uow.companies.add(_company("acme", name="ACME", currency="EUR"))
        uow.companies.add(_company("bolt", name="Bolt", currency="EUR"))
        uow.customers.add(
            Customer(id=CustomerId("ann"), email="ann@example.com", first_name="A", last_name="N")
        )
        uow.commit()


def _order(order_id: str, amount: int) -> OrderRecord:
    return OrderRecord(
        id=OrderId(order_id),
        company_id=CompanyId("acme"),
        buyer_id=CustomerId("ann"),
        total=Money(Decimal(amount), "EUR"),
        placed_at=START,
    )


def _account(account_id: str, company_id: str, limit: int = 1000, **fields: Any) -> CreditAccount:
    return CreditAccount(
        id=CreditAccountId(account_id),
        company_id=CompanyId(company_id),
        currency="EUR",
        credit_limit=Money(Decimal(limit), "EUR"),
        **fields,
    )


_TODAY = window_of(CalendarPeriod(unit="day"), START, time_zone="UTC")


class TestMemoryLedgersAndSpend:
    def test_concurrent_orders_add_up_their_spend(self):
        store = _store()
        _world(store)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.orders.add(_order("o1", 100))
            second.orders.add(_order("o2", 20))
            second.commit()
            first.commit()
        with store.unit_of_work() as uow:
            assert uow.orders.spent(SpendKey.company(CompanyId("acme")), _TODAY) == {
                "EUR": Decimal(120)
            }

    def test_spend_is_kept_as_daily_sums_not_as_lists_of_orders(self):
        store = _store()
        _world(store)
        with store.unit_of_work() as uow:
            for number in range(200):
                uow.orders.add(_order(f"o{number}", 1))
            uow.commit()
        days = store._state.spend.buckets[SpendKey.company(CompanyId("acme"))]
        assert days == {START.date(): {("EUR", False): Decimal(200)}}

    def test_bookings_queue_on_the_write_lock_and_see_each_others_entries(self):
        store = _store()
        _world(store)
        with store.unit_of_work() as uow:
            acme = uow.credit.add(_account("a1", "acme"))
            bolt = uow.credit.add(_account("a2", "bolt"))
            uow.commit()
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.credit.book(_reserved(acme, "o1", "e1"))
            with pytest.raises(StorageError, match="this thread is writing"):
                second.credit.book(_reserved(bolt, "o2", "e1"))  # would wait for itself
            second.rollback()  # the failed write ended the unit of work; start it afresh
            first.commit()
            with pytest.raises(AlreadyExists):
                second.credit.book(_reserved(bolt, "o2", "e1"))  # e1 is first's now
            with pytest.raises(StorageError):
                second.commit()
        with store.unit_of_work() as uow:
            assert uow.credit.get(bolt.id) == bolt
            assert uow.credit.entries(bolt.id) == []
            assert [entry.id for entry in uow.credit.entries(acme.id)] == ["e1"]

    def test_concurrent_accounts_covering_one_company_let_only_the_first_commit(self):
        store = _store()
        _world(store)
        with store.unit_of_work() as first, store.unit_of_work() as second:
            first.credit.add(_account("a1", "acme", shared_with={CompanyId("bolt")}))
            second.credit.add(_account("a2", "bolt"))
            first.commit()
            with pytest.raises(AlreadyExists):
                second.commit()
        with store.unit_of_work() as uow:
            assert uow.credit.for_company(CompanyId("bolt")).id == "a1"

    def test_many_threads_reserving_on_one_account_never_over_commit(self):
        store = MemoryStore()
        _world(store)
        with store.unit_of_work() as uow:
            uow.credit.add(_account("a1", "acme", limit=50))
            uow.commit()
        threads = 8
        barrier = threading.Barrier(threads)
        granted: list[str] = []

        def worker(number: int) -> None:
            barrier.wait()
            while True:
                with store.unit_of_work() as uow:
                    account = uow.credit.get(CreditAccountId("a1"))  # read without the lock
                    try:
                        _, entry = account.reserve(
                            f"o{number}", Money(10, "EUR"), entry_id=f"e{number}", at=START
                        )
                        uow.credit.book(entry, within_limit=True)  # re-checked when written
                    except InsufficientCredit:
                        return
                    uow.commit()
                    granted.append(entry.id)
                    return

        workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
        for thread in workers:
            thread.start()
        for thread in workers:
            thread.join()
        with store.unit_of_work() as uow:
            account = uow.credit.get(CreditAccountId("a1"))
            entries = uow.credit.entries(account.id)
        assert len(granted) == 5
        assert account.reserved == Money(50, "EUR")
        assert [entry.sequence for entry in entries] == [1, 2, 3, 4, 5]
        assert sorted(entry.id for entry in entries) == sorted(granted)


def _reserved(account: CreditAccount, order: str, entry_id: str) -> LedgerEntry:
    _, entry = account.reserve(order, Money(10, "EUR"), entry_id=entry_id, at=START)
    return entry
