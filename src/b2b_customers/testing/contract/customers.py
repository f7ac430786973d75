"""The contract of customers, their memberships and search."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers import queries
from b2b_customers.domain import Customer, CustomerStatus, Role
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion, ValidationError
from b2b_customers.ids import CompanyId, CustomerId
from b2b_customers.ports import CustomerQuery, CustomerSort, Store, UnitOfWork
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    _SIMPLE_ID,
    _TICK,
    START,
    ContractBase,
    _all_pages,
    _commit,
    _company,
    _customer,
    _customer_order,
    _ids,
    _member,
    _read,
    _refused,
    _stamped,
)

if TYPE_CHECKING:
    from b2b_customers.clock import ManualClock

__all__ = ["CustomerContract"]


class CustomerContract(ContractBase):
    """Customers, their memberships and search."""

    # -- customers

    def test_adding_a_customer_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the customer at version 1, created and updated now."""
        _commit(store, lambda uow: uow.companies.add(_company("acme")))
        customer = _customer("c1", memberships=[_member("acme", Role.ADMIN, Role.APPROVER)])
        stored = _commit(store, lambda uow: uow.customers.add(customer))
        assert stored == _stamped(customer, 1, START, START)
        assert _read(store, lambda uow: uow.customers.get(customer.id)) == stored

    def test_a_stored_customer_keeps_every_field(self) -> None:
        """Whatever a valid customer holds comes back unchanged (but for the stamps)."""
        member_of = st.lists(
            st_b2b.memberships(company_id=CompanyId("acme"))
            | st_b2b.memberships(company_id=CompanyId("bolt")),
            max_size=2,
            unique_by=lambda item: item.company_id,
        ).map(tuple)
        customers = member_of.flatmap(
            lambda memberships: st_b2b.customers(memberships=memberships, manager_id=None)
        )

        @self._property()
        @given(customers)
        def check(customer: Customer) -> None:
            with self._fresh_store() as (store, _clock):

                def add(uow: UnitOfWork) -> Customer:
                    uow.companies.add_many([_company("acme"), _company("bolt")])
                    return uow.customers.add(customer)

                stored = _commit(store, add)
                assert stored == _stamped(customer, 1, START, START)
                assert _read(store, lambda uow: uow.customers.get(customer.id)) == stored

        check()

    def test_saving_a_customer_increments_the_version(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``save`` stores version + 1 with a fresh ``updated_at``."""
        stored = _commit(store, lambda uow: uow.customers.add(_customer("c1")))
        later = clock.advance(timedelta(minutes=3))
        renamed = attrs.evolve(stored, first_name="Alex", status=CustomerStatus.INACTIVE)
        saved = _commit(store, lambda uow: uow.customers.save(renamed))
        assert saved == _stamped(renamed, 2, START, later)
        assert _read(store, lambda uow: uow.customers.get(stored.id)) == saved

    def test_get_by_email_ignores_case(self, store: Store) -> None:
        """Email addresses are compared without case; an unknown one raises ``NotFound``."""
        _commit(store, lambda uow: uow.customers.add(_customer("c1", email="Ann.Lee@Acme.example")))
        with store.unit_of_work() as uow:
            assert uow.customers.get_by_email("ann.lee@acme.example").id == "c1"
            assert uow.customers.get_by_email("ANN.LEE@ACME.EXAMPLE").id == "c1"
            with pytest.raises(NotFound):
                uow.customers.get_by_email("bob@acme.example")

    def test_adding_a_customer_with_a_taken_id_or_email_raises_already_exists(
        self, store: Store
    ) -> None:
        """Ids and email addresses (without case) are unique among customers."""
        stored = _commit(
            store, lambda uow: uow.customers.add(_customer("c1", email="ann@acme.example"))
        )
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.customers.add(_customer("c1", email="other@acme.example")),
            lambda uow: uow.customers.add(_customer("c2", email="ANN@acme.example")),
        )
        with store.unit_of_work() as uow:
            uow.customers.add(_customer("c3", email="cy@acme.example"))
            with pytest.raises(AlreadyExists):
                uow.customers.add(_customer("c4", email="cy@acme.example"))
        everyone = _read(store, lambda uow: uow.customers.search(CustomerQuery(limit=100)))
        assert everyone.items == (stored,)

    def test_saving_a_customer_with_a_taken_email_raises_already_exists(self, store: Store) -> None:
        """A customer may keep their email address but not take another's."""
        ann, bob = _commit(
            store,
            lambda uow: uow.customers.add_many(
                [_customer("ann", email="ann@x.example"), _customer("bob", email="bob@x.example")]
            ),
        )
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.customers.save(attrs.evolve(bob, email="Ann@X.example")),
        )
        assert _read(store, lambda uow: uow.customers.get(bob.id)) == bob

        def change(uow: UnitOfWork) -> None:
            uow.customers.save(attrs.evolve(ann, last_name="Lee"))
            uow.customers.save(attrs.evolve(bob, email="robert@x.example"))

        _commit(store, change)
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.customers.get_by_email("bob@x.example")
            assert uow.customers.get_by_email("robert@x.example").id == "bob"

    def test_a_membership_of_a_missing_company_raises_validation_error(self, store: Store) -> None:
        """Customers act only for companies that exist, on add and on save."""
        _commit(store, lambda uow: uow.companies.add(_company("acme")))
        stored = _commit(
            store, lambda uow: uow.customers.add(_customer("c1", memberships=[_member("acme")]))
        )
        _refused(
            store,
            ValidationError,
            lambda uow: uow.customers.add(_customer("c2", memberships=[_member("nowhere")])),
            lambda uow: uow.customers.save(stored.with_roles(CompanyId("nowhere"), [Role.BUYER])),
        )
        with store.unit_of_work() as uow:
            assert uow.customers.get(stored.id) == stored
            assert uow.customers.get_many([CustomerId("c2")]) == []

    def test_saving_a_stale_or_unknown_customer_is_refused(self, store: Store) -> None:
        """A stale copy raises ``StaleVersion``; an unknown id raises ``NotFound``."""
        stored = _commit(store, lambda uow: uow.customers.add(_customer("c1")))
        _commit(store, lambda uow: uow.customers.save(attrs.evolve(stored, first_name="New")))
        _refused(
            store,
            StaleVersion,
            lambda uow: uow.customers.save(attrs.evolve(stored, first_name="Stale")),
        )
        _refused(
            store,
            NotFound,
            lambda uow: uow.customers.save(_stamped(_customer("c9"), 1, START, START)),
        )
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.customers.get(CustomerId("c9"))
            assert uow.customers.get(stored.id).first_name == "New"

    def test_get_many_returns_the_known_customers_sorted_by_id(self, store: Store) -> None:
        """Unknown ids are left out; each customer comes once, in id order."""
        _commit(store, lambda uow: uow.customers.add_many([_customer(i) for i in ("m", "b", "x")]))
        with store.unit_of_work() as uow:
            ids = [CustomerId(i) for i in ("x", "zz", "b", "x")]
            assert _ids(uow.customers.get_many(ids)) == ["b", "x"]
            assert uow.customers.get_many([]) == []

    def test_existing_names_the_stored_customer_ids(self, store: Store) -> None:
        """``existing`` gives ``get_many``'s ids: stored, or added in this unit of work."""
        _commit(store, lambda uow: uow.customers.add_many([_customer(i) for i in ("m", "b")]))
        with store.unit_of_work() as uow:
            uow.customers.add(_customer("new"))
            ids = [CustomerId(i) for i in ("x", "b", "new", "b", "m")]
            assert uow.customers.existing(ids) == {"b", "m", "new"}
            assert uow.customers.existing(ids) == {c.id for c in uow.customers.get_many(ids)}
            assert uow.customers.existing([]) == set()
            assert uow.customers.existing(iter(ids)) == {"b", "m", "new"}  # read once

    def test_add_many_customers_is_all_or_nothing(self, store: Store) -> None:
        """When one customer fails, none of the batch is added, nor anything of its unit of work."""
        _commit(store, lambda uow: uow.customers.add(_customer("c0", email="taken@x.example")))
        stored = _commit(
            store, lambda uow: uow.customers.add_many([_customer("ok1"), _customer("ok2")])
        )
        assert stored == [_stamped(_customer(i), 1, START, START) for i in ("ok1", "ok2")]
        batch = [_customer("c1"), _customer("c2"), _customer("c3", email="TAKEN@x.example")]
        with store.unit_of_work() as uow:
            uow.customers.add(_customer("before"))
            with pytest.raises(AlreadyExists):
                uow.customers.add_many(batch)
        _refused(
            store,
            ValidationError,
            lambda uow: uow.customers.add_many(
                [_customer("c4"), _customer("c5", memberships=[_member("x")])]
            ),
        )
        everyone = _read(store, lambda uow: uow.customers.search(CustomerQuery(limit=100)))
        assert sorted(_ids(everyone)) == ["c0", "ok1", "ok2"]

    def _people(self, store: Store) -> None:
        # hq ── north ── kiel;  solo
        def add(uow: UnitOfWork) -> None:
            uow.companies.add_many(
                [
                    _company("hq"),
                    _company("north", parent_id="hq"),
                    _company("kiel", parent_id="north"),
                    _company("solo"),
                ]
            )
            uow.customers.add_many(
                [
                    _customer(
                        "c1",
                        email="ann@acme.example",
                        first_name="Ann",
                        last_name="Smith",
                        memberships=[_member("hq", Role.ADMIN)],
                        tags={"vip"},
                    ),
                    _customer(
                        "c2",
                        email="bob@north.example",
                        first_name="Bob",
                        last_name="Jones",
                        status=CustomerStatus.INVITED,
                        memberships=[_member("north", Role.BUYER, Role.APPROVER)],
                    ),
                    _customer(
                        "c3",
                        email="cara@kiel.example",
                        first_name="Cara",
                        last_name="Smithers",
                        status=CustomerStatus.INACTIVE,
                        memberships=[
                            _member("kiel", Role.REQUESTER),
                            _member("solo", Role.ADMIN),
                        ],
                        tags={"vip"},
                    ),
                    _customer("c4", email="dan@else.example", first_name="Dan", last_name="Brown"),
                    _customer(
                        "c5",
                        email="eve@acme.example",
                        first_name="Eve",
                        last_name="Adams",
                        memberships=[
                            _member("hq", Role.FINANCE),
                            attrs.evolve(
                                _member("north", Role.ADMIN), status=CustomerStatus.INACTIVE
                            ),
                        ],
                    ),
                ]
            )

        _commit(store, add)

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            pytest.param(CustomerQuery(), ["c1", "c2", "c3", "c4", "c5"], id="all"),
            pytest.param(CustomerQuery(company_id=CompanyId("hq")), ["c1", "c5"], id="company"),
            pytest.param(
                CustomerQuery(company_id=CompanyId("hq"), include_subtree=True),
                ["c1", "c2", "c3", "c5"],
                id="subtree",
            ),
            pytest.param(
                CustomerQuery(company_id=CompanyId("north"), include_subtree=True),
                ["c2", "c3", "c5"],
                id="subtree-2",
            ),
            pytest.param(
                CustomerQuery(company_id=CompanyId("kiel"), include_subtree=True),
                ["c3"],
                id="subtree-leaf",
            ),
            pytest.param(CustomerQuery(company_id=CompanyId("nowhere")), [], id="no-company"),
            pytest.param(CustomerQuery(role=Role.ADMIN), ["c1", "c3", "c5"], id="role"),
            pytest.param(
                CustomerQuery(company_id=CompanyId("hq"), role=Role.ADMIN), ["c1"], id="role-in"
            ),
            pytest.param(
                CustomerQuery(company_id=CompanyId("hq"), include_subtree=True, role=Role.ADMIN),
                ["c1", "c5"],
                id="role-in-subtree",
            ),
            pytest.param(
                CustomerQuery(company_id=CompanyId("solo"), role=Role.REQUESTER),
                [],
                id="role-elsewhere",
            ),
            pytest.param(CustomerQuery(role=Role.APPROVER), ["c2"], id="duty-role"),
            pytest.param(CustomerQuery(status=CustomerStatus.INVITED), ["c2"], id="status"),
            pytest.param(
                CustomerQuery(status=CustomerStatus.ACTIVE), ["c1", "c4", "c5"], id="status-2"
            ),
            pytest.param(
                CustomerQuery(membership_status=CustomerStatus.INACTIVE),
                ["c5"],
                id="membership-status",
            ),
            pytest.param(
                CustomerQuery(
                    company_id=CompanyId("north"), membership_status=CustomerStatus.ACTIVE
                ),
                ["c2"],
                id="membership-status-in",
            ),
            pytest.param(
                CustomerQuery(
                    company_id=CompanyId("hq"), membership_status=CustomerStatus.INACTIVE
                ),
                [],
                id="membership-status-elsewhere",
            ),
            pytest.param(
                CustomerQuery(
                    company_id=CompanyId("hq"),
                    include_subtree=True,
                    membership_status=CustomerStatus.INACTIVE,
                ),
                ["c5"],
                id="membership-status-in-subtree",
            ),
            pytest.param(
                CustomerQuery(role=Role.FINANCE, membership_status=CustomerStatus.INACTIVE),
                [],
                id="membership-status-and-role-in-one-membership",
            ),
            pytest.param(
                CustomerQuery(role=Role.ADMIN, membership_status=CustomerStatus.INACTIVE),
                ["c5"],
                id="membership-status-and-role",
            ),
            pytest.param(CustomerQuery(email_contains="BOB"), ["c2"], id="email"),
            pytest.param(CustomerQuery(email_contains="acme.ex"), ["c1", "c5"], id="email-2"),
            pytest.param(CustomerQuery(name_contains="smith"), ["c1", "c3"], id="last-name"),
            pytest.param(CustomerQuery(name_contains="ADA"), ["c5"], id="last-name-2"),
            pytest.param(CustomerQuery(name_contains="dan"), ["c4"], id="first-name"),
            pytest.param(CustomerQuery(tag="vip"), ["c1", "c3"], id="tag"),
            pytest.param(
                CustomerQuery(tag="vip", status=CustomerStatus.ACTIVE), ["c1"], id="combined"
            ),
            pytest.param(
                CustomerQuery(
                    company_id=CompanyId("north"), include_subtree=True, name_contains="s"
                ),
                ["c2", "c3", "c5"],
                id="combined-2",
            ),
        ],
    )
    def test_search_filters_customers(
        self, store: Store, query: CustomerQuery, expected: list[str]
    ) -> None:
        """Every filter given must match; the total counts all matches.

        The reference implementation ([`b2b_customers.queries`][]) answers the same.
        """
        self._people(store)
        by_id = attrs.evolve(query, sort=CustomerSort.ID)
        page = _read(store, lambda uow: uow.customers.search(by_id))
        assert _ids(page) == expected
        assert page.total == len(expected)
        everyone = _read(store, lambda uow: uow.customers.search(CustomerQuery(limit=100)))
        scope: set[CompanyId] | None = None
        if query.company_id is not None:
            below = {"hq": ["north", "kiel"], "north": ["kiel"]}.get(query.company_id, [])
            scope = {query.company_id, *map(CompanyId, below if query.include_subtree else [])}
        assert queries.select(by_id, everyone.items, scope) == page

    def test_customer_search_defaults_to_everyone_by_email(self, store: Store) -> None:
        """Without a query, ``search`` lists all customers by email, 50 to a page."""
        self._people(store)
        page = _read(store, lambda uow: uow.customers.search())
        assert _ids(page) == ["c1", "c2", "c3", "c4", "c5"]
        assert (page.total, page.offset, page.limit, page.next_offset) == (5, 0, 50, None)

    @pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
    @pytest.mark.parametrize("sort", list(CustomerSort))
    def test_search_sorts_customers_by_the_key_then_id(
        self, store: Store, clock: ManualClock, sort: CustomerSort, *, descending: bool
    ) -> None:
        """Each sort key orders the list, ties by id; descending is the reverse order."""
        rows = [("k2", "lee"), ("a9", "kim"), ("z1", "lee"), ("m4", "abe"), ("b3", "kim")]
        stored: list[Customer] = []
        for position, (customer_id, last_name) in enumerate(rows):
            if position % 2 == 0:
                clock.advance(timedelta(minutes=1))
            customer = _customer(
                customer_id, email=f"{last_name}.{customer_id}@x.example", last_name=last_name
            )
            with store.unit_of_work() as uow:
                stored.append(uow.customers.add(customer))
                uow.commit()
        expected = sorted(stored, key=_customer_order(sort), reverse=descending)
        query = CustomerQuery(sort=sort, descending=descending)
        assert _ids(_read(store, lambda uow: uow.customers.search(query))) == _ids(expected)

    def test_pages_of_customers_concatenate_to_the_whole_list(self) -> None:
        """Walking the pages yields every match once, in order, whatever the sort and size."""
        customer_rows = st.lists(
            st.tuples(
                _SIMPLE_ID,
                _SIMPLE_ID,
                st.sampled_from(["lee", "kim", "abe"]),
                st.booleans(),
                st.booleans(),
            ),
            max_size=14,
            unique_by=(lambda row: row[0], lambda row: row[1]),
        )

        @self._property()
        @given(
            rows=customer_rows,
            sort=st.sampled_from(CustomerSort),
            descending=st.booleans(),
            in_company=st.booleans(),
            limit=st.integers(1, 5),
        )
        def check(
            rows: list[tuple[str, str, str, bool, bool]],
            sort: CustomerSort,
            limit: int,
            *,
            descending: bool,
            in_company: bool,
        ) -> None:
            with self._fresh_store() as (store, clock):
                stored: list[Customer] = []
                with store.unit_of_work() as uow:
                    uow.companies.add(_company("acme"))
                    for customer_id, mailbox, last_name, member, tick in rows:
                        if tick:
                            clock.advance(_TICK)
                        customer = _customer(
                            customer_id,
                            email=f"{mailbox}@x.example",
                            last_name=last_name,
                            memberships=[_member("acme")] if member else [],
                        )
                        stored.append(uow.customers.add(customer))
                    uow.commit()
                company = CompanyId("acme") if in_company else None
                matching = [c for c in stored if company is None or c.company_ids]
                expected = sorted(matching, key=_customer_order(sort), reverse=descending)
                query = CustomerQuery(
                    company_id=company, sort=sort, descending=descending, limit=limit
                )
                with store.unit_of_work() as uow:
                    pages = _all_pages(
                        lambda offset: uow.customers.search(attrs.evolve(query, offset=offset))
                    )
                assert _ids(pages) == _ids(expected)

        check()
