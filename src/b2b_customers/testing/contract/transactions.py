"""The contract of units of work: commit, rollback, isolation and conflicts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pytest

from b2b_customers.errors import (
    AlreadyExists,
    HierarchyError,
    NotFound,
    StaleVersion,
    StorageError,
    ValidationError,
)
from b2b_customers.ids import CompanyId, CustomerId, LocationId, OrderId
from b2b_customers.ports import CompanyQuery, CompanySort, CustomerQuery, Store
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _commit,
    _company,
    _company_group,
    _contact,
    _customer,
    _event,
    _ids,
    _location,
    _member,
    _read,
    _stamped,
)
from b2b_customers.testing.contract.audit import _entry
from b2b_customers.testing.contract.credit import _reservation
from b2b_customers.testing.contract.orders import _order

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.ports import UnitOfWork

__all__ = ["TransactionContract"]


class TransactionContract(ContractBase):
    """Units of work: commit, rollback, isolation and conflicts."""

    # -- transactions

    def test_leaving_the_block_without_commit_rolls_back(self, store: Store) -> None:
        """Nothing done in a unit of work that was not committed is stored."""
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as uow:
            uow.companies.add(_company("bolt"))
            uow.companies.save(attrs.evolve(acme, name="Renamed"))
            uow.customers.add(_customer("ann"))
            uow.locations.add(_location("l1", "acme"))
        with store.unit_of_work() as uow:
            assert uow.companies.get(acme.id) == acme
            assert uow.companies.get_many([CompanyId("bolt")]) == []
            assert uow.customers.get_many([CustomerId("ann")]) == []
            assert uow.locations.for_company(acme.id) == []

    def test_an_exception_in_the_block_rolls_back_and_propagates(self, store: Store) -> None:
        """An error leaves the block with nothing written, and the error goes on."""
        self._company_with_locations(store, _location("l1", "acme"))

        class Boom(Exception):
            pass

        def fail_half_way() -> None:
            with store.unit_of_work() as uow:
                uow.locations.remove(LocationId("l1"))
                uow.companies.add(_company("cato"))
                raise Boom

        with pytest.raises(Boom):
            fail_half_way()
        with store.unit_of_work() as uow:
            assert _ids(uow.locations.for_company(CompanyId("acme"))) == ["l1"]
            assert uow.companies.get_many([CompanyId("cato")]) == []

    def test_a_store_failure_between_two_writes_leaves_nothing_written(self, store: Store) -> None:
        """The store refuses a write after others were made: none of them lands.

        A company and a customer are written, then the event recorded with them
        reuses a published event's id. Whether the store refuses at ``record``
        or at ``commit``, the company and the customer must not be stored.
        """
        _commit(store, lambda uow: uow.record(_event("e-dup")))

        def write_then_fail() -> None:
            with store.unit_of_work() as uow:
                uow.companies.add(_company("cato"))
                uow.customers.add(_customer("carl", memberships=(_member("cato"),)))
                uow.record(_event("e-dup", aggregate_id="cato"))
                uow.commit()

        with pytest.raises(AlreadyExists):
            write_then_fail()
        with store.unit_of_work() as uow:
            assert uow.companies.get_many([CompanyId("cato")]) == []
            assert uow.customers.get_many([CustomerId("carl")]) == []
            assert [entry.event.id for entry in uow.outbox.pending()] == ["e-dup"]

    def test_rollback_discards_the_changes_and_the_unit_of_work_goes_on(self, store: Store) -> None:
        """``rollback`` throws away what was not committed; later changes still commit."""
        with store.unit_of_work() as uow:
            uow.companies.add(_company("acme"))
            uow.commit()
            uow.companies.add(_company("bolt"))
            uow.rollback()
            assert uow.companies.get_many([CompanyId("bolt")]) == []
            uow.companies.add(_company("cato"))
            uow.commit()
        everything = _read(
            store, lambda uow: uow.companies.search(CompanyQuery(sort=CompanySort.ID))
        )
        assert _ids(everything) == ["acme", "cato"]

    # -- a failed write ends the unit of work

    @pytest.mark.parametrize(
        ("error", "write"),
        [
            pytest.param(
                AlreadyExists,
                lambda uow: uow.companies.add(_company("cato", account_number="A-1")),
                id="taken-account-number",
            ),
            pytest.param(
                AlreadyExists,
                lambda uow: uow.companies.add(_company("bolt", name="Again")),
                id="id-taken-in-this-unit-of-work",
            ),
            pytest.param(
                HierarchyError,
                lambda uow: uow.companies.add(_company("dart", parent_id="nowhere")),
                id="missing-parent",
            ),
            pytest.param(
                StaleVersion,
                lambda uow: uow.companies.save(
                    _stamped(_company("acme", account_number="A-1"), 9, START, START)
                ),
                id="stale-copy",
            ),
            pytest.param(
                NotFound,
                lambda uow: uow.locations.remove(LocationId("nowhere")),
                id="removing-an-unknown-id",
            ),
            pytest.param(
                ValidationError,
                lambda uow: uow.customers.add_many(
                    [_customer("cy"), _customer("dan", memberships=(_member("nowhere"),))]
                ),
                id="a-batch",
            ),
            pytest.param(
                ValidationError,
                lambda uow: uow.orders.add(_order("o1", "acme", "nobody")),
                id="an-order-of-an-unknown-buyer",
            ),
            pytest.param(
                NotFound,
                lambda uow: uow.credit.book(_reservation("o1", 10, "x1")),
                id="booking-on-an-unknown-account",
            ),
            pytest.param(
                AlreadyExists,
                lambda uow: uow.audit.append(_entry("a1", after={"name": "again"})),
                id="audit-id-taken-in-this-unit-of-work",
            ),
        ],
    )
    def test_a_failed_write_ends_the_unit_of_work(
        self, store: Store, error: type[Exception], write: Callable[[UnitOfWork], object]
    ) -> None:
        """After a repository write raised, ``commit`` raises ``StorageError``; nothing is written.

        Neither the failed write nor any earlier change of the unit of work
        (companies, customers, locations, audit entries, recorded events) is
        stored, even though the caller caught the error: a store may have
        rolled the transaction back whole when the write failed.
        """
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme", account_number="A-1")))
        with store.unit_of_work() as uow:
            uow.companies.add(_company("bolt"))
            uow.companies.save(attrs.evolve(acme, name="Renamed"))
            uow.customers.add(_customer("ann", memberships=(_member("bolt"),)))
            uow.locations.add(_location("l1", "acme"))
            uow.audit.append(_entry("a1"))
            uow.record(_event("e1"))
            with pytest.raises(error):
                write(uow)
            with pytest.raises(StorageError):
                uow.commit()
        with store.unit_of_work() as uow:
            assert uow.companies.get(acme.id) == acme
            assert _ids(uow.companies.search()) == ["acme"]
            assert uow.customers.search().total == 0
            assert uow.locations.for_company(acme.id) == []
            assert uow.orders.history().total == 0
            assert uow.audit.for_company(acme.id).total == 0
            assert uow.outbox.pending() == []

    def test_a_failed_write_drops_only_what_came_after_the_last_commit(self, store: Store) -> None:
        """What the unit of work committed before the failed write stays committed."""
        with store.unit_of_work() as uow:
            uow.companies.add(_company("acme", account_number="A-1"))
            uow.record(_event("e1"))
            uow.commit()
            uow.companies.add(_company("bolt"))
            uow.record(_event("e2"))
            with pytest.raises(AlreadyExists):
                uow.companies.add(_company("cato", account_number="A-1"))
            with pytest.raises(StorageError):
                uow.commit()
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.search()) == ["acme"]
            assert [entry.event.id for entry in uow.outbox.pending()] == ["e1"]

    def test_rollback_after_a_failed_write_lets_the_unit_of_work_go_on(self, store: Store) -> None:
        """``rollback`` ends the failed transaction; the unit of work then starts afresh."""
        _commit(store, lambda uow: uow.companies.add(_company("acme", account_number="A-1")))
        with store.unit_of_work() as uow:
            uow.companies.add(_company("bolt"))
            with pytest.raises(AlreadyExists):
                uow.companies.add(_company("cato", account_number="A-1"))
            uow.rollback()
            assert uow.companies.get_many([CompanyId("bolt"), CompanyId("cato")]) == []
            uow.companies.add(_company("dart"))
            with pytest.raises(HierarchyError):
                uow.companies.add(_company("eddy", parent_id="nowhere"))
            uow.rollback()
            uow.companies.add(_company("fritz", account_number="A-2"))
            uow.record(_event("e1"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.search(CompanyQuery(sort=CompanySort.ID))) == [
                "acme",
                "fritz",
            ]
            assert [entry.event.id for entry in uow.outbox.pending()] == ["e1"]

    def test_a_read_that_raises_does_not_end_the_unit_of_work(self, store: Store) -> None:
        """``NotFound`` from a look-up (or a refused query) leaves the unit of work usable."""
        _commit(store, lambda uow: uow.companies.add(_company("acme")))
        nowhere = CompanyId("nowhere")
        reads: list[Callable[[UnitOfWork], object]] = [
            lambda uow: uow.companies.get(nowhere),
            lambda uow: uow.companies.get_by_account_number("X-0"),
            lambda uow: uow.companies.ancestors(nowhere),
            lambda uow: uow.locations.get(LocationId("nowhere")),
            lambda uow: uow.customers.get(CustomerId("nobody")),
            lambda uow: uow.customers.get_by_email("nobody@example.com"),
            lambda uow: uow.groups.for_company(nowhere),
            lambda uow: uow.credit.for_company(nowhere),
            lambda uow: uow.orders.get(OrderId("nothing")),
        ]
        with store.unit_of_work() as uow:
            uow.companies.add(_company("bolt"))
            for read in reads:
                with pytest.raises(NotFound):
                    read(uow)
            with pytest.raises(ValidationError):
                uow.outbox.pending(limit=0)
            uow.companies.add(_company("eddy", parent_id="bolt"))
            uow.commit()
        everything = _read(
            store, lambda uow: uow.companies.search(CompanyQuery(sort=CompanySort.ID))
        )
        assert _ids(everything) == ["acme", "bolt", "eddy"]

    def test_a_unit_of_work_reads_its_own_writes(self, store: Store) -> None:
        """Reads inside a unit of work see its uncommitted changes, in every query."""
        self._tree(store)
        with store.unit_of_work() as uow:
            uow.companies.add(_company("new", name="Newco", parent_id="z-pier", account_number="N"))
            assert uow.companies.get(CompanyId("new")).name == "Newco"
            assert uow.companies.get_by_account_number("N").id == "new"
            assert _ids(uow.companies.children(CompanyId("z-pier"))) == ["new"]
            assert _ids(uow.companies.ancestors(CompanyId("new")))[-1] == "hq"
            assert _ids(uow.companies.descendants(CompanyId("hq")))[-1] == "new"
            assert uow.companies.search(CompanyQuery(name_contains="newco")).total == 1
            other = uow.companies.get(CompanyId("other"))
            saved = uow.companies.save(attrs.evolve(other, name="Renamed"))
            assert uow.companies.get(other.id) == saved
            assert uow.companies.search(CompanyQuery(name_contains="renamed")).total == 1
            assert uow.companies.search(CompanyQuery(limit=100)).total == 9
            uow.customers.add(_customer("ann", memberships=[_member("new")]))
            assert uow.customers.get_by_email("ann@example.com").id == "ann"
            query = CustomerQuery(company_id=CompanyId("hq"), include_subtree=True)
            assert _ids(uow.customers.search(query)) == ["ann"]
            uow.locations.add(_location("l1", "new"))
            uow.locations.remove(LocationId("l1"))
            with pytest.raises(NotFound):
                uow.locations.get(LocationId("l1"))
            uow.contacts.add(_contact("k1", "new", "ann"))
            assert _ids(uow.contacts.for_customer(CustomerId("ann"))) == ["k1"]
            uow.groups.add(
                attrs.evolve(_company_group("g1", "new"), member_ids={CustomerId("ann")})
            )
            assert uow.groups.for_company(CompanyId("new")).id == "g1"
            assert _ids(uow.groups.of_customer(CustomerId("ann"))) == ["g1"]

    def test_uncommitted_changes_are_invisible_to_other_units_of_work(self, store: Store) -> None:
        """Another unit of work sees a change only once it is committed."""
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as writer:
            writer.companies.add(_company("bolt"))
            writer.companies.save(attrs.evolve(acme, name="Renamed"))
            with store.unit_of_work() as reader:
                assert reader.companies.get_many([CompanyId("bolt")]) == []
                assert reader.companies.get(acme.id) == acme
                assert reader.companies.search().total == 1
            writer.commit()
        with store.unit_of_work() as reader:
            assert _ids(reader.companies.get_many([CompanyId("acme"), CompanyId("bolt")])) == [
                "acme",
                "bolt",
            ]
            assert reader.companies.get(acme.id).name == "Renamed"

    def test_the_later_of_two_conflicting_units_of_work_raises_stale_version(
        self, store: Store
    ) -> None:
        """Two units of work change the same company: the second one writes nothing."""
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as first, store.unit_of_work() as second:
            mine = first.companies.get(acme.id)
            theirs = second.companies.get(acme.id)
            first.companies.save(attrs.evolve(mine, name="First"))
            first.commit()
            second.record(_event("e-second"))
            second.companies.add(_company("bolt"))

            def save_and_commit() -> None:  # StaleVersion may come from either call
                second.companies.save(attrs.evolve(theirs, name="Second"))
                second.commit()

            with pytest.raises(StaleVersion):
                save_and_commit()
        with store.unit_of_work() as uow:
            assert uow.companies.get(acme.id).name == "First"
            assert uow.companies.get(acme.id).version == 2
            assert uow.companies.get_many([CompanyId("bolt")]) == []
            assert uow.outbox.pending() == []

    def test_a_unit_of_work_may_commit_more_than_once(self, store: Store) -> None:
        """Each commit makes the changes since the last one permanent."""
        with store.unit_of_work() as uow:
            acme = uow.companies.add(_company("acme"))
            uow.commit()
            uow.companies.save(attrs.evolve(acme, name="Second"))
            uow.commit()
            uow.companies.add(_company("bolt"))
        with store.unit_of_work() as uow:
            assert uow.companies.get(acme.id).version == 2
            assert uow.companies.get_many([CompanyId("bolt")]) == []
