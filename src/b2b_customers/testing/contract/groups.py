"""The contract of customer groups."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import CustomerGroup, GroupKind
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion, ValidationError
from b2b_customers.ids import CompanyId, CustomerGroupId, CustomerId
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _commit,
    _company,
    _company_group,
    _customer,
    _group,
    _ids,
    _read,
    _refused,
    _stamped,
)

if TYPE_CHECKING:
    from b2b_customers.clock import ManualClock
    from b2b_customers.ports import Store, UnitOfWork

__all__ = ["CustomerGroupContract"]


class CustomerGroupContract(ContractBase):
    """Customer groups."""

    # -- customer groups

    def test_adding_a_group_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the group at version 1, created and updated now."""
        _commit(store, lambda uow: uow.customers.add(_customer("ann")))
        group = _group("g1", member_ids={CustomerId("ann")})
        stored = _commit(store, lambda uow: uow.groups.add(group))
        assert stored == _stamped(group, 1, START, START)
        assert _read(store, lambda uow: uow.groups.get(group.id)) == stored

    def test_a_stored_group_keeps_every_field(self) -> None:
        """Whatever a valid group holds comes back unchanged (but for the stamps)."""
        members = st.frozensets(st.sampled_from([CustomerId("ann"), CustomerId("bob")]))
        groups = members.flatmap(
            lambda member_ids: (
                st_b2b.customer_groups(kind=GroupKind.CUSTOM, member_ids=member_ids)
                | st_b2b.customer_groups(
                    kind=GroupKind.COMPANY, company_id=CompanyId("acme"), member_ids=member_ids
                )
            )
        )

        @self._property()
        @given(groups)
        def check(group: CustomerGroup) -> None:
            with self._fresh_store() as (store, _clock):

                def add(uow: UnitOfWork) -> CustomerGroup:
                    uow.companies.add(_company("acme"))
                    uow.customers.add_many([_customer("ann"), _customer("bob")])
                    return uow.groups.add(group)

                stored = _commit(store, add)
                assert stored == _stamped(group, 1, START, START)
                assert _read(store, lambda uow: uow.groups.get(group.id)) == stored

        check()

    def test_add_many_stores_every_group_at_version_one(self, store: Store) -> None:
        """``add_many`` stores each group as ``add`` would."""
        _commit(store, lambda uow: uow.companies.add_many([_company("a"), _company("b")]))
        groups = [_company_group("ga", "a"), _company_group("gb", "b")]
        stored = _commit(store, lambda uow: uow.groups.add_many(groups))
        assert stored == [_stamped(group, 1, START, START) for group in groups]
        assert _read(store, lambda uow: uow.groups.for_company(CompanyId("b"))) == stored[1]

    def test_add_many_groups_is_all_or_nothing(self, store: Store) -> None:
        """A second group for a company, or a company that does not exist, stores none."""
        _commit(store, lambda uow: uow.companies.add_many([_company("a"), _company("b")]))
        _commit(store, lambda uow: uow.groups.add(_company_group("ga", "a")))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.groups.add_many(
                [_company_group("gb", "b"), _company_group("ga2", "a")]
            ),
        )
        _refused(
            store,
            ValidationError,
            lambda uow: uow.groups.add_many(
                [_company_group("gb", "b"), _company_group("gx", "nowhere")]
            ),
        )
        assert _ids(_read(store, lambda uow: uow.groups.all())) == ["ga"]

    def test_add_members_adds_to_the_automatic_groups(
        self, store: Store, clock: ManualClock
    ) -> None:
        """New members join; members already there stay; companies without a group are skipped."""
        _commit(store, lambda uow: uow.companies.add_many([_company("a"), _company("b")]))
        _commit(store, lambda uow: uow.customers.add_many([_customer("ann"), _customer("bob")]))
        _commit(
            store,
            lambda uow: uow.groups.add(_company_group("ga", "a").with_members({CustomerId("ann")})),
        )
        clock.advance(timedelta(minutes=1))
        stored = _commit(
            store,
            lambda uow: uow.groups.add_members(
                {
                    CompanyId("a"): [CustomerId("ann"), CustomerId("bob")],
                    CompanyId("b"): [CustomerId("bob")],
                }
            ),
        )
        group = _read(store, lambda uow: uow.groups.get(CustomerGroupId("ga")))
        assert stored == [group]
        assert group.member_ids == {"ann", "bob"}
        assert (group.version, group.updated_at) == (2, START + timedelta(minutes=1))
        assert _ids(_read(store, lambda uow: uow.groups.of_customer(CustomerId("bob")))) == ["ga"]
        unchanged = _commit(
            store, lambda uow: uow.groups.add_members({CompanyId("a"): [CustomerId("ann")]})
        )
        assert unchanged == []

    def test_saving_a_group_increments_the_version(self, store: Store, clock: ManualClock) -> None:
        """``save`` stores version + 1 with a fresh ``updated_at``; stale copies are refused."""
        _commit(store, lambda uow: uow.customers.add_many([_customer("ann"), _customer("bob")]))
        stored = _commit(store, lambda uow: uow.groups.add(_group("g1")))
        later = clock.advance(timedelta(minutes=3))
        changed = stored.with_members([CustomerId("ann"), CustomerId("bob")])
        saved = _commit(store, lambda uow: uow.groups.save(changed))
        assert saved == _stamped(changed, 2, START, later)
        _refused(
            store, StaleVersion, lambda uow: uow.groups.save(stored.with_member(CustomerId("ann")))
        )
        _refused(
            store, NotFound, lambda uow: uow.groups.save(_stamped(_group("g9"), 1, START, START))
        )
        with store.unit_of_work() as uow:
            assert uow.groups.get(stored.id) == saved
            assert _ids(uow.groups.all()) == ["g1"]

    def test_a_company_has_one_company_group(self, store: Store) -> None:
        """A second automatic group of a company is refused; custom groups are unlimited."""
        _commit(store, lambda uow: uow.companies.add_many([_company("acme"), _company("bolt")]))
        _commit(store, lambda uow: uow.groups.add(_company_group("g1", "acme")))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.groups.add(_company_group("g2", "acme")),
            lambda uow: uow.groups.add(_group("g1")),
        )
        assert _ids(_read(store, lambda uow: uow.groups.all())) == ["g1"]

        def add(uow: UnitOfWork) -> None:
            uow.groups.add(_company_group("g3", "bolt"))
            uow.groups.add(_group("g4"))
            uow.groups.add(_group("g5"))

        _commit(store, add)
        assert _ids(_read(store, lambda uow: uow.groups.all())) == ["g1", "g3", "g4", "g5"]

    def test_a_company_group_of_a_missing_company_raises_validation_error(
        self, store: Store
    ) -> None:
        """An automatic group follows a company that exists."""
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.groups.add(_company_group("g1", "nowhere"))

    def test_for_company_returns_the_automatic_group(self, store: Store) -> None:
        """``for_company`` finds a company's group; ``NotFound`` when it has none."""
        _commit(store, lambda uow: uow.companies.add_many([_company("acme"), _company("bolt")]))
        _commit(
            store,
            lambda uow: [
                uow.groups.add(_company_group("g1", "acme")),
                uow.groups.add(_group("g2")),
            ],
        )
        with store.unit_of_work() as uow:
            assert uow.groups.for_company(CompanyId("acme")).id == "g1"
            with pytest.raises(NotFound):
                uow.groups.for_company(CompanyId("bolt"))
            with pytest.raises(NotFound):
                uow.groups.for_company(CompanyId("nowhere"))

    def test_of_customer_lists_the_groups_a_customer_is_in(self, store: Store) -> None:
        """``of_customer`` sorts by id and follows membership changes."""
        _commit(store, lambda uow: uow.customers.add_many([_customer("ann"), _customer("bob")]))
        _commit(
            store,
            lambda uow: [
                uow.groups.add(_group(group_id, member_ids=members))
                for group_id, members in (
                    ("g3", {"ann"}),
                    ("g1", {"ann", "bob"}),
                    ("g2", {"bob"}),
                    ("g4", set()),
                )
            ],
        )
        with store.unit_of_work() as uow:
            assert _ids(uow.groups.of_customer(CustomerId("ann"))) == ["g1", "g3"]
            assert _ids(uow.groups.of_customer(CustomerId("bob"))) == ["g1", "g2"]
            assert uow.groups.of_customer(CustomerId("nobody")) == []
            g1 = uow.groups.get(CustomerGroupId("g1"))
            uow.groups.save(g1.without_member(CustomerId("ann")))
            uow.commit()
        assert _ids(_read(store, lambda uow: uow.groups.of_customer(CustomerId("ann")))) == ["g3"]

    def test_removing_a_group_deletes_it(self, store: Store) -> None:
        """A removed group is gone from every list; its company may get a new one."""
        _commit(store, lambda uow: uow.companies.add(_company("acme")))
        _commit(store, lambda uow: uow.customers.add(_customer("ann")))
        group = attrs.evolve(_company_group("g1", "acme"), member_ids={CustomerId("ann")})
        _commit(store, lambda uow: uow.groups.add(group))
        _commit(store, lambda uow: uow.groups.remove(CustomerGroupId("g1")))
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.groups.get(CustomerGroupId("g1"))
            with pytest.raises(NotFound):
                uow.groups.for_company(CompanyId("acme"))
            assert uow.groups.of_customer(CustomerId("ann")) == []
            assert uow.groups.all() == []
        _refused(store, NotFound, lambda uow: uow.groups.remove(CustomerGroupId("g1")))
        _commit(store, lambda uow: uow.groups.add(_company_group("g2", "acme")))
        assert _read(store, lambda uow: uow.groups.for_company(CompanyId("acme"))).id == "g2"
