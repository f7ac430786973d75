"""The contract of locations of companies and their flags."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given

from b2b_customers.domain import AddressBook, Location
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion, ValidationError
from b2b_customers.ids import CompanyId, LocationId
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _changed,
    _commit,
    _company,
    _ids,
    _location,
    _read,
    _refused,
    _stamped,
)

if TYPE_CHECKING:
    from b2b_customers.clock import ManualClock
    from b2b_customers.ports import Store, UnitOfWork

__all__ = ["LocationContract"]


class LocationContract(ContractBase):
    """Locations of companies and their flags."""

    # -- locations

    def test_adding_a_location_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the location at version 1, created and updated now."""
        location = _location("l1", "acme", is_primary=True, emails=("desk@acme.example",))
        (stored,) = self._company_with_locations(store, location)
        assert stored == _stamped(location, 1, START, START)
        assert _read(store, lambda uow: uow.locations.get(location.id)) == stored

    def test_a_stored_location_keeps_every_field(self) -> None:
        """Whatever a valid location holds comes back unchanged (but for the stamps)."""

        @self._property()
        @given(st_b2b.locations(company_id=CompanyId("acme")))
        def check(location: Location) -> None:
            with self._fresh_store() as (store, _clock):
                (stored,) = self._company_with_locations(store, location)
                assert stored == _stamped(location, 1, START, START)
                assert _read(store, lambda uow: uow.locations.get(location.id)) == stored

        check()

    def test_saving_a_location_increments_the_version(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``save`` stores version + 1 with a fresh ``updated_at``."""
        (stored,) = self._company_with_locations(store, _location("l1", "acme", is_primary=True))
        later = clock.advance(timedelta(minutes=3))
        renamed = attrs.evolve(stored, name="Head office", is_default_billing=True)
        saved = _commit(store, lambda uow: uow.locations.save(renamed))
        assert saved == _stamped(renamed, 2, START, later)
        assert _read(store, lambda uow: uow.locations.get(stored.id)) == saved

    def test_adding_a_location_of_a_missing_company_raises_validation_error(
        self, store: Store
    ) -> None:
        """A location belongs to a company that exists."""
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.locations.add(_location("l1", "nowhere"))

    def test_adding_a_location_with_a_taken_id_raises_already_exists(self, store: Store) -> None:
        """Location ids are unique, across companies too."""
        self._company_with_locations(store, _location("l1", "acme"))
        with store.unit_of_work() as uow, pytest.raises(AlreadyExists):
            uow.locations.add(_location("l1", "bolt"))

    @pytest.mark.parametrize("flag", ["is_primary", "is_default_billing", "is_default_shipping"])
    def test_a_company_has_at_most_one_location_with_each_flag(
        self, store: Store, flag: str
    ) -> None:
        """A second primary / default billing / default shipping location is refused."""
        self._company_with_locations(store, _location("l1", "acme", **{flag: True}))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.locations.add(_location("l2", "acme", **{flag: True})),
        )

        def add(uow: UnitOfWork) -> Location:
            uow.locations.add(_location("l4", "bolt", **{flag: True}))
            return uow.locations.add(_location("l3", "acme"))

        l3 = _commit(store, add)
        _refused(store, AlreadyExists, lambda uow: uow.locations.save(_changed(l3, **{flag: True})))
        assert _read(store, lambda uow: uow.locations.get(l3.id)) == l3
        assert _ids(_read(store, lambda uow: uow.locations.for_company(CompanyId("acme")))) == [
            "l1",
            "l3",
        ]

    def test_a_flag_moves_when_the_holder_gives_it_up_first(self, store: Store) -> None:
        """Saving the changes an ``AddressBook`` returns, in its order, moves the flags."""
        first = _location("l1", "acme", is_primary=True, is_default_billing=True)
        self._company_with_locations(store, first)
        with store.unit_of_work() as uow:
            book = AddressBook(CompanyId("acme"), uow.locations.for_company(CompanyId("acme")))
            for location in book.add(_location("l2", "acme")):
                if location.version == 0:
                    uow.locations.add(location)
                else:
                    uow.locations.save(location)
            l2 = uow.locations.get(LocationId("l2"))
            for location in book.update(attrs.evolve(l2, is_primary=True, is_default_billing=True)):
                uow.locations.save(location)
            uow.commit()
        with store.unit_of_work() as uow:
            l1, l2 = uow.locations.for_company(CompanyId("acme"))
            assert (l1.is_primary, l1.is_default_billing) == (False, False)
            assert (l2.is_primary, l2.is_default_billing) == (True, True)

    def test_saving_a_location_may_keep_its_own_flags(self, store: Store) -> None:
        """A location's own flags never conflict with itself."""
        flags = {"is_primary": True, "is_default_billing": True, "is_default_shipping": True}
        (stored,) = self._company_with_locations(store, _location("l1", "acme", **flags))
        saved = _commit(store, lambda uow: uow.locations.save(attrs.evolve(stored, name="HQ")))
        assert (saved.is_primary, saved.is_default_billing, saved.is_default_shipping) == (
            True,
            True,
            True,
        )

    def test_moving_a_location_to_another_company_raises_validation_error(
        self, store: Store
    ) -> None:
        """A location stays with its company."""
        (stored,) = self._company_with_locations(store, _location("l1", "acme"))
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.locations.save(attrs.evolve(stored, company_id=CompanyId("bolt")))

    def test_saving_a_stale_or_unknown_location_is_refused(self, store: Store) -> None:
        """A stale copy raises ``StaleVersion``; an unknown id raises ``NotFound``."""
        (stored,) = self._company_with_locations(store, _location("l1", "acme"))
        _commit(store, lambda uow: uow.locations.save(attrs.evolve(stored, name="New")))
        _refused(
            store, StaleVersion, lambda uow: uow.locations.save(attrs.evolve(stored, name="Stale"))
        )
        _refused(
            store,
            NotFound,
            lambda uow: uow.locations.save(_stamped(_location("l9", "acme"), 1, START, START)),
        )
        with store.unit_of_work() as uow:
            assert uow.locations.get(stored.id).name == "New"
            assert _ids(uow.locations.for_company(CompanyId("acme"))) == ["l1"]

    def test_removing_a_location_deletes_it(self, store: Store) -> None:
        """A removed location is gone; its flag is free again."""
        self._company_with_locations(
            store, _location("l1", "acme", is_primary=True), _location("l2", "acme")
        )
        _commit(store, lambda uow: uow.locations.remove(LocationId("l1")))
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.locations.get(LocationId("l1"))
            assert _ids(uow.locations.for_company(CompanyId("acme"))) == ["l2"]
            l2 = uow.locations.get(LocationId("l2"))
            uow.locations.save(attrs.evolve(l2, is_primary=True))
            uow.locations.add(_location("l1", "acme"))
            uow.commit()

    def test_removing_or_getting_an_unknown_location_raises_not_found(self, store: Store) -> None:
        """``remove`` and ``get`` need a location that exists."""
        _refused(
            store,
            NotFound,
            lambda uow: uow.locations.remove(LocationId("nowhere")),
            lambda uow: uow.locations.get(LocationId("nowhere")),
        )

    def test_locations_of_a_company_come_oldest_first_ties_by_id(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``for_company`` orders by ``created_at``, then id; other companies' are left out."""
        _commit(store, lambda uow: uow.companies.add_many([_company("acme"), _company("bolt")]))
        batches = [[("m", "acme"), ("c", "acme"), ("x", "bolt")], [("b", "acme"), ("a", "acme")]]
        for batch in batches:
            for location_id, company_id in batch:
                with store.unit_of_work() as uow:
                    uow.locations.add(_location(location_id, company_id))
                    uow.commit()
            clock.advance(timedelta(minutes=1))
        with store.unit_of_work() as uow:
            assert _ids(uow.locations.for_company(CompanyId("acme"))) == ["c", "m", "a", "b"]
            assert _ids(uow.locations.for_company(CompanyId("bolt"))) == ["x"]
            assert uow.locations.for_company(CompanyId("nowhere")) == []
