"""The contract of contact assignments."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given

from b2b_customers.domain import ContactAssignment, ContactType
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion, ValidationError
from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _changed,
    _commit,
    _contact,
    _ids,
    _read,
    _refused,
    _stamped,
)

if TYPE_CHECKING:
    from b2b_customers.clock import ManualClock
    from b2b_customers.ports import Store, UnitOfWork

__all__ = ["ContactContract"]


class ContactContract(ContractBase):
    """Contact assignments."""

    # -- contacts

    def test_adding_a_contact_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the assignment at version 1, created and updated now."""
        self._contact_world(store)
        contact = _contact("k1", "acme", "ann", type=ContactType.BILLING, is_primary=True)
        stored = _commit(store, lambda uow: uow.contacts.add(contact))
        assert stored == _stamped(contact, 1, START, START)
        assert _read(store, lambda uow: uow.contacts.get(contact.id)) == stored

    def test_a_stored_contact_keeps_every_field(self) -> None:
        """Whatever a valid assignment holds comes back unchanged (but for the stamps)."""

        @self._property()
        @given(
            st_b2b.contact_assignments(company_id=CompanyId("acme"), customer_id=CustomerId("ann"))
        )
        def check(contact: ContactAssignment) -> None:
            with self._fresh_store() as (store, _clock):
                self._contact_world(store)
                stored = _commit(store, lambda uow: uow.contacts.add(contact))
                assert stored == _stamped(contact, 1, START, START)
                assert _read(store, lambda uow: uow.contacts.get(contact.id)) == stored

        check()

    def test_saving_a_contact_increments_the_version(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``save`` stores version + 1 with a fresh ``updated_at``."""
        self._contact_world(store)
        stored = _commit(store, lambda uow: uow.contacts.add(_contact("k1", "acme", "ann")))
        later = clock.advance(timedelta(minutes=3))
        changed = attrs.evolve(stored, type=ContactType.LOGISTICS, is_primary=True)
        saved = _commit(store, lambda uow: uow.contacts.save(changed))
        assert saved == _stamped(changed, 2, START, later)
        assert _read(store, lambda uow: uow.contacts.get(stored.id)) == saved

    @pytest.mark.parametrize(
        ("company_id", "customer_id"), [("nowhere", "ann"), ("acme", "nobody")]
    )
    def test_a_contact_of_a_missing_company_or_customer_raises_validation_error(
        self, store: Store, company_id: str, customer_id: str
    ) -> None:
        """The company and the customer of an assignment must exist."""
        self._contact_world(store)
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.contacts.add(_contact("k1", company_id, customer_id))

    def test_a_customer_is_a_contact_of_a_company_once(self, store: Store) -> None:
        """A second assignment of the same customer and company is refused, whatever its type."""
        self._contact_world(store)
        _commit(store, lambda uow: uow.contacts.add(_contact("k1", "acme", "ann")))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.contacts.add(_contact("k2", "acme", "ann", type=ContactType.BILLING)),
            lambda uow: uow.contacts.add(_contact("k1", "bolt", "bob")),
        )

        def add(uow: UnitOfWork) -> None:
            uow.contacts.add(_contact("k3", "bolt", "ann"))
            uow.contacts.add(_contact("k4", "acme", "bob"))

        _commit(store, add)
        with store.unit_of_work() as uow:
            assert _ids(uow.contacts.for_company(CompanyId("acme"))) == ["k1", "k4"]
            assert _ids(uow.contacts.for_company(CompanyId("bolt"))) == ["k3"]

    def test_a_company_has_one_primary_contact_per_type(self, store: Store) -> None:
        """A second primary contact of a type is refused; other types and companies are free."""
        self._contact_world(store)
        billing = ContactType.BILLING
        _commit(
            store,
            lambda uow: uow.contacts.add(
                _contact("k1", "acme", "ann", type=billing, is_primary=True)
            ),
        )
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.contacts.add(
                _contact("k2", "acme", "bob", type=billing, is_primary=True)
            ),
        )

        def add(uow: UnitOfWork) -> ContactAssignment:
            k3 = uow.contacts.add(_contact("k3", "acme", "bob", type=billing))
            uow.contacts.add(
                _contact("k4", "acme", "cy", type=ContactType.LOGISTICS, is_primary=True)
            )
            uow.contacts.add(_contact("k5", "bolt", "bob", type=billing, is_primary=True))
            return k3

        k3 = _commit(store, add)
        _refused(
            store, AlreadyExists, lambda uow: uow.contacts.save(attrs.evolve(k3, is_primary=True))
        )
        assert _read(store, lambda uow: uow.contacts.get(k3.id)) == k3

        def hand_over(uow: UnitOfWork) -> None:
            k1 = uow.contacts.get(ContactAssignmentId("k1"))
            uow.contacts.save(attrs.evolve(k1, is_primary=False))
            uow.contacts.save(attrs.evolve(k3, is_primary=True))

        _commit(store, hand_over)
        primaries = _read(
            store, lambda uow: uow.contacts.for_company(CompanyId("acme"), contact_type=billing)
        )
        assert [(c.id, c.is_primary) for c in primaries] == [("k1", False), ("k3", True)]

    @pytest.mark.parametrize(("field", "value"), [("company_id", "bolt"), ("customer_id", "bob")])
    def test_moving_a_contact_raises_validation_error(
        self, store: Store, field: str, value: str
    ) -> None:
        """An assignment keeps its company and its customer."""
        self._contact_world(store)
        stored = _commit(store, lambda uow: uow.contacts.add(_contact("k1", "acme", "ann")))
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.contacts.save(_changed(stored, **{field: value}))

    def test_saving_a_stale_or_unknown_contact_is_refused(self, store: Store) -> None:
        """A stale copy raises ``StaleVersion``; an unknown id raises ``NotFound``."""
        self._contact_world(store)
        stored = _commit(store, lambda uow: uow.contacts.add(_contact("k1", "acme", "ann")))
        _commit(store, lambda uow: uow.contacts.save(attrs.evolve(stored, is_primary=True)))
        _refused(
            store,
            StaleVersion,
            lambda uow: uow.contacts.save(attrs.evolve(stored, type=ContactType.BILLING)),
        )
        _refused(
            store,
            NotFound,
            lambda uow: uow.contacts.save(_stamped(_contact("k9", "acme", "bob"), 1, START, START)),
        )
        with store.unit_of_work() as uow:
            assert uow.contacts.get(stored.id).is_primary
            assert uow.contacts.get(stored.id).type is not ContactType.BILLING
            assert _ids(uow.contacts.for_customer(CustomerId("bob"))) == []

    def test_removing_a_contact_frees_the_customer_and_company(self, store: Store) -> None:
        """A removed assignment is gone, and the customer may be assigned again."""
        self._contact_world(store)
        _commit(store, lambda uow: uow.contacts.add(_contact("k1", "acme", "ann")))
        _commit(store, lambda uow: uow.contacts.remove(ContactAssignmentId("k1")))
        with store.unit_of_work() as uow, pytest.raises(NotFound):
            uow.contacts.get(ContactAssignmentId("k1"))
        _refused(store, NotFound, lambda uow: uow.contacts.remove(ContactAssignmentId("k1")))
        _commit(
            store,
            lambda uow: uow.contacts.add(_contact("k2", "acme", "ann", type=ContactType.BILLING)),
        )
        assert _ids(_read(store, lambda uow: uow.contacts.for_customer(CustomerId("ann")))) == [
            "k2"
        ]

    def test_contacts_are_listed_by_company_and_by_customer(self, store: Store) -> None:
        """``for_company`` (optionally of one type) and ``for_customer`` sort by id."""
        self._contact_world(store)
        billing, logistics = ContactType.BILLING, ContactType.LOGISTICS
        contacts = [
            _contact("k5", "acme", "ann", type=billing),
            _contact("k2", "acme", "bob", type=logistics),
            _contact("k9", "acme", "cy", type=billing),
            _contact("k1", "bolt", "ann"),
        ]
        _commit(store, lambda uow: [uow.contacts.add(c) for c in contacts])
        with store.unit_of_work() as uow:
            acme = CompanyId("acme")
            assert _ids(uow.contacts.for_company(acme)) == ["k2", "k5", "k9"]
            assert _ids(uow.contacts.for_company(acme, contact_type=billing)) == ["k5", "k9"]
            assert uow.contacts.for_company(acme, contact_type=ContactType.PRIMARY) == []
            assert _ids(uow.contacts.for_company(CompanyId("bolt"))) == ["k1"]
            assert _ids(uow.contacts.for_customer(CustomerId("ann"))) == ["k1", "k5"]
            assert uow.contacts.for_customer(CustomerId("nobody")) == []
