"""The address book: one primary address, at most one default billing and shipping address."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from b2b_customers.domain import Address, AddressBook, Location
from b2b_customers.errors import NotFound, ValidationError

if TYPE_CHECKING:
    from b2b_customers.ids import CompanyId, LocationId

ACME = cast("CompanyId", "acme")
ADDRESS = Address(lines=["Main Street 1"], city="Berlin", country="DE")
FLAGS = ("is_primary", "is_default_billing", "is_default_shipping")


def lid(name: str) -> LocationId:
    return cast("LocationId", name)


def place(location_id: str, /, **changes: Any) -> Location:
    return Location(
        **{
            "id": location_id,
            "company_id": ACME,
            "name": f"Site {location_id}",
            "address": ADDRESS,
            **changes,
        }
    )


def holders(book: AddressBook, flag: str) -> list[str]:
    return [location.id for location in book.locations if getattr(location, flag)]


def check_rules(book: AddressBook) -> None:
    if book.locations:
        assert len(holders(book, "is_primary")) == 1
    assert len(holders(book, "is_default_billing")) <= 1
    assert len(holders(book, "is_default_shipping")) <= 1


class TestAdd:
    """Adding locations."""

    def test_first_location_becomes_primary(self) -> None:
        book = AddressBook(ACME)
        stored = book.add(place("hq"))
        assert [location.id for location in stored] == ["hq"]
        assert stored[0].is_primary
        assert book.primary == stored[0]

    def test_later_locations_are_not_made_primary(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True)])
        stored = book.add(place("branch"))
        assert stored == [place("branch")]
        assert book.primary is not None
        assert book.primary.id == "hq"

    def test_a_new_primary_takes_the_flag_from_the_old_one(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True)])
        stored = book.add(place("new", is_primary=True))
        assert [location.id for location in stored] == ["hq", "new"]
        assert not stored[0].is_primary
        assert holders(book, "is_primary") == ["new"]

    @pytest.mark.parametrize("flag", ["is_default_billing", "is_default_shipping"])
    def test_a_new_default_takes_the_flag_from_the_old_one(self, flag: str) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True, **{flag: True})])
        stored = book.add(place("new", **{flag: True}))
        assert [location.id for location in stored] == ["hq", "new"]
        assert holders(book, flag) == ["new"]
        assert book.get(lid("hq")).is_primary

    def test_a_location_losing_two_flags_is_stored_once_without_both(self) -> None:
        book = AddressBook(
            ACME,
            [place("hq", is_primary=True, is_default_billing=True, is_default_shipping=True)],
        )
        stored = book.add(place("dc", is_default_billing=True, is_default_shipping=True))
        assert [location.id for location in stored] == ["hq", "dc"]
        old = stored[0]
        assert old.is_primary
        assert not old.is_default_billing
        assert not old.is_default_shipping
        assert book.get(lid("hq")) == old

    def test_locations_losing_a_flag_come_before_the_one_taking_it(self) -> None:
        book = AddressBook(
            ACME, [place("hq", is_primary=True), place("bill", is_default_billing=True)]
        )
        stored = book.add(place("new", is_primary=True, is_default_billing=True))
        assert [location.id for location in stored] == ["hq", "bill", "new"]

    def test_an_id_already_taken_is_refused(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True)])
        with pytest.raises(ValidationError, match="update it instead") as info:
            book.add(place("hq", name="Other"))
        assert info.value.field == "id"
        assert book.get(lid("hq")).name == "Site hq"

    def test_a_location_of_another_company_is_refused(self) -> None:
        book = AddressBook(ACME)
        with pytest.raises(ValidationError, match="belongs to company") as info:
            book.add(place("hq", company_id="globex"))
        assert info.value.field == "company_id"
        assert book.locations == []


class TestUpdate:
    """Updating locations."""

    def test_replaces_the_stored_location(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True), place("b")])
        stored = book.update(place("b", name="Warehouse"))
        assert stored == [place("b", name="Warehouse")]
        assert book.get(lid("b")).name == "Warehouse"

    def test_making_another_location_primary_moves_the_flag(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True), place("b")])
        stored = book.update(place("b", is_primary=True))
        assert [location.id for location in stored] == ["hq", "b"]
        assert holders(book, "is_primary") == ["b"]

    def test_the_primary_flag_cannot_simply_be_dropped(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True), place("b")])
        with pytest.raises(ValidationError, match="make another location primary") as info:
            book.update(place("hq", is_primary=False))
        assert info.value.field == "is_primary"
        assert book.get(lid("hq")).is_primary

    def test_a_default_flag_may_be_dropped(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True, is_default_billing=True)])
        book.update(place("hq", is_primary=True))
        assert book.default_billing is None

    def test_an_unknown_location_is_not_found(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True)])
        with pytest.raises(NotFound):
            book.update(place("nowhere"))

    def test_moving_to_another_company_is_refused(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True)])
        with pytest.raises(ValidationError) as info:
            book.update(place("hq", company_id="globex", is_primary=True))
        assert info.value.field == "company_id"
        assert book.get(lid("hq")).company_id == "acme"


class TestRemove:
    """Removing locations."""

    def test_removing_another_location_stores_nothing_else(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True), place("b")])
        assert book.remove(lid("b")) == []
        assert [location.id for location in book.locations] == ["hq"]

    def test_removing_the_last_location_empties_the_book(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True)])
        assert book.remove(lid("hq")) == []
        assert book.locations == []
        assert book.primary is None

    def test_removing_the_primary_names_its_successor(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True), place("b"), place("c")])
        stored = book.remove(lid("hq"), new_primary=lid("c"))
        assert stored == [place("c", is_primary=True)]
        assert holders(book, "is_primary") == ["c"]
        assert [location.id for location in book.locations] == ["b", "c"]

    def test_removing_the_primary_without_a_successor_is_refused(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True), place("b")])
        with pytest.raises(ValidationError, match="new_primary") as info:
            book.remove(lid("hq"))
        assert info.value.field == "new_primary"
        assert [location.id for location in book.locations] == ["hq", "b"]

    def test_the_successor_cannot_be_the_location_removed(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True), place("b")])
        with pytest.raises(ValidationError, match="cannot be the location being removed"):
            book.remove(lid("hq"), new_primary=lid("hq"))
        assert [location.id for location in book.locations] == ["hq", "b"]

    def test_an_unknown_successor_is_not_found_and_nothing_changes(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True), place("b")])
        with pytest.raises(NotFound):
            book.remove(lid("hq"), new_primary=lid("nowhere"))
        assert [location.id for location in book.locations] == ["hq", "b"]
        assert holders(book, "is_primary") == ["hq"]

    def test_an_unknown_location_is_not_found(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True)])
        with pytest.raises(NotFound):
            book.remove(lid("nowhere"))


class TestLoading:
    """Building a book from stored locations checks them."""

    def test_an_empty_book_has_no_primary_or_defaults(self) -> None:
        book = AddressBook(ACME)
        assert book.primary is None
        assert book.default_billing is None
        assert book.default_shipping is None

    def test_answers_the_flagged_locations(self) -> None:
        book = AddressBook(
            ACME,
            [
                place("hq", is_primary=True),
                place("bill", is_default_billing=True),
                place("ship", is_default_shipping=True),
            ],
        )
        assert [book.primary, book.default_billing, book.default_shipping] == [
            book.get(lid("hq")),
            book.get(lid("bill")),
            book.get(lid("ship")),
        ]

    def test_keeps_the_order_locations_were_added_in(self) -> None:
        book = AddressBook(ACME, [place("z", is_primary=True), place("a"), place("m")])
        assert [location.id for location in book.locations] == ["z", "a", "m"]

    def test_locations_is_a_copy(self) -> None:
        book = AddressBook(ACME, [place("hq", is_primary=True)])
        book.locations.clear()
        assert len(book.locations) == 1

    def test_get_an_unknown_location_is_not_found(self) -> None:
        with pytest.raises(NotFound, match="Location"):
            AddressBook(ACME).get(lid("nowhere"))

    def test_refuses_a_location_of_another_company(self) -> None:
        with pytest.raises(ValidationError) as info:
            AddressBook(ACME, [place("hq", company_id="globex", is_primary=True)])
        assert info.value.field == "company_id"

    @pytest.mark.parametrize("flag", FLAGS)
    def test_refuses_two_holders_of_a_flag(self, flag: str) -> None:
        locations = [
            place("a", **{"is_primary": True, flag: True}),
            place("b", **{flag: True}),
        ]
        with pytest.raises(ValidationError, match="at most one") as info:
            AddressBook(ACME, locations)
        assert info.value.field == flag

    def test_refuses_locations_without_a_primary(self) -> None:
        with pytest.raises(ValidationError, match="no primary") as info:
            AddressBook(ACME, [place("a"), place("b")])
        assert info.value.field == "is_primary"


IDS = [f"l{n}" for n in range(6)]


class AddressBookMachine(RuleBasedStateMachine):
    """Random adds, updates and removes against a store kept only from what the book returns."""

    def __init__(self) -> None:
        super().__init__()
        self.book = AddressBook(ACME)
        self.store: dict[str, Location] = {}

    def _save(self, stored: list[Location]) -> None:
        """Save one by one, as a store with a unique index per flag would."""
        assert len({location.id for location in stored}) == len(stored)
        for location in stored:
            self.store[location.id] = location
            for flag in FLAGS:
                assert sum(getattr(saved, flag) for saved in self.store.values()) <= 1

    def _snapshot(self) -> list[Location]:
        return self.book.locations

    @rule(
        name=st.sampled_from(IDS),
        primary=st.booleans(),
        billing=st.booleans(),
        shipping=st.booleans(),
    )
    def add(self, name: str, *, primary: bool, billing: bool, shipping: bool) -> None:
        location = place(
            name, is_primary=primary, is_default_billing=billing, is_default_shipping=shipping
        )
        before = self._snapshot()
        if name in self.store:
            with pytest.raises(ValidationError):
                self.book.add(location)
            assert self._snapshot() == before
            return
        was_empty = not before
        stored = self.book.add(location)
        assert stored[-1].id == name
        assert stored[-1] == (attrs.evolve(location, is_primary=True) if was_empty else location)
        self._save(stored)

    @rule(name=st.sampled_from(IDS))
    def add_for_another_company(self, name: str) -> None:
        before = self._snapshot()
        with pytest.raises(ValidationError):
            self.book.add(place(name, company_id="globex"))
        assert self._snapshot() == before

    @precondition(lambda self: bool(self.store))
    @rule(
        data=st.data(),
        primary=st.booleans(),
        billing=st.booleans(),
        shipping=st.booleans(),
        label=st.sampled_from(["North", "South"]),
    )
    def update(
        self, data: st.DataObject, *, primary: bool, billing: bool, shipping: bool, label: str
    ) -> None:
        name = data.draw(st.sampled_from(sorted(self.store)))
        current = self.book.get(lid(name))
        location = attrs.evolve(
            current,
            name=label,
            is_primary=primary,
            is_default_billing=billing,
            is_default_shipping=shipping,
        )
        before = self._snapshot()
        if current.is_primary and not primary:
            with pytest.raises(ValidationError):
                self.book.update(location)
            assert self._snapshot() == before
            return
        stored = self.book.update(location)
        assert stored[-1] == location
        self._save(stored)

    @rule(name=st.sampled_from(IDS))
    def update_unknown(self, name: str) -> None:
        if name in self.store:
            return
        with pytest.raises(NotFound):
            self.book.update(place(name))

    @precondition(lambda self: bool(self.store))
    @rule(data=st.data())
    def remove(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.store)))
        successor = data.draw(st.none() | st.sampled_from(IDS))
        removed = self.book.get(lid(name))
        others = [other for other in self.store if other != name]
        before = self._snapshot()
        refused: type[Exception] | None = None
        if successor == name or (removed.is_primary and others and successor is None):
            refused = ValidationError
        elif removed.is_primary and others and successor not in others:
            refused = NotFound
        if refused is not None:
            with pytest.raises(refused):
                self.book.remove(lid(name), new_primary=lid(successor) if successor else None)
            assert self._snapshot() == before
            return
        stored = self.book.remove(lid(name), new_primary=lid(successor) if successor else None)
        del self.store[name]
        if removed.is_primary and others:
            assert [location.id for location in stored] == [successor]
            assert stored[0].is_primary
        else:
            assert stored == []
        self._save(stored)

    @invariant()
    def at_most_one_holder_of_each_flag_and_one_primary(self) -> None:
        check_rules(self.book)

    @invariant()
    def what_the_book_returned_is_enough_to_keep_a_store_in_step(self) -> None:
        assert self.store == {location.id: location for location in self.book.locations}

    @invariant()
    def reloading_the_stored_locations_gives_the_same_book(self) -> None:
        reloaded = AddressBook(ACME, self.store.values())
        assert reloaded.primary == self.book.primary
        assert reloaded.default_billing == self.book.default_billing
        assert reloaded.default_shipping == self.book.default_shipping


AddressBookMachine.TestCase.settings = settings(stateful_step_count=25)
TestAddressBookMachine = AddressBookMachine.TestCase
