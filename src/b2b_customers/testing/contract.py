"""The repository contract: the test suite every store must pass.

Subclass :class:`StoreContract`, say how to make a store, and pytest runs
the whole suite against it::

    from b2b_customers.testing.contract import StoreContract

    class TestMyErpStore(StoreContract):
        def make_store(self, clock):
            return MyErpStore(clock=clock, url=...)

        def dispose_store(self, store):  # optional
            store.close()

Every test gets a fresh store made by :meth:`StoreContract.make_store` with a
:class:`~b2b_customers.clock.ManualClock` standing at :data:`START`, and
uses nothing but the public protocols of :mod:`b2b_customers.ports`. The
property-based tests (Hypothesis) make a fresh store per example; set
:attr:`StoreContract.property_examples` lower for a slow store.

Add ``pytest.register_assert_rewrite("b2b_customers.testing.contract")`` to
your ``conftest.py`` for pytest's detailed assertion messages.

Where :mod:`b2b_customers.ports` leaves room, the suite settles it:

* **Descending** sorts reverse the whole order, id tie-break included: a
  descending list is the ascending one reversed.
* Companies **without an account number** sort after all others (ascending),
  so they come first in a descending list.
* Orders are checked on names and ids of lower-case ASCII letters and
  digits, so a database whose collation orders those as Python does passes.
* ``get_many`` lists each company or customer once, even when asked twice;
  ``find_by_tax_id`` sorts by id.
* A customer query with ``include_subtree`` and ``role`` matches a role held
  in any company of the subtree.
* A **failed operation** (any error the ports document) writes nothing and
  leaves the unit of work usable: its earlier changes stay, and it can still
  commit. Likewise, ``add_many`` that fails adds none of its items.
* ``save`` keeps the stored ``created_at``, whatever the copy says.
* Outbox marks made with ``mark_published`` are part of the unit of work:
  dropped if it does not commit.
* Two units of work may be open at once. When both read an aggregate and one
  saves and commits it, the other's save of its older copy raises
  :class:`~b2b_customers.errors.StaleVersion` (on ``save`` or on
  ``commit``) and none of its changes is written. (The suite never lets two
  open units of work write at the same time, which a single-writer database
  such as SQLite would make wait.)
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2b_customers.clock import ManualClock
from b2b_customers.domain import (
    Address,
    AddressBook,
    Company,
    CompanyStatus,
    ContactAssignment,
    ContactType,
    Customer,
    CustomerGroup,
    CustomerStatus,
    DomainEvent,
    GroupKind,
    LegalInfo,
    Location,
    Membership,
    Role,
    Versioned,
)
from b2b_customers.errors import (
    AlreadyExists,
    HierarchyError,
    NotFound,
    StaleVersion,
    ValidationError,
)
from b2b_customers.ids import (
    CompanyId,
    ContactAssignmentId,
    CustomerGroupId,
    CustomerId,
    EventId,
    LocationId,
)
from b2b_customers.ports import (
    CompanyQuery,
    CompanySort,
    CustomerQuery,
    CustomerSort,
    Page,
)
from b2b_customers.testing import strategies as st_b2b

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from _typeshed import SupportsRichComparison

    from b2b_customers.ports import Clock, Store, UnitOfWork

__all__ = ["START", "StoreContract"]

START = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)
"""Where the clock of every store under test stands when the test begins."""

T = TypeVar("T")
V = TypeVar("V", bound=Versioned)
_TICK = timedelta(seconds=1)
_SIMPLE_ID = st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=6)
_PROPERTY_HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large]

# -- building entities


def _company(company_id: str, **fields: Any) -> Company:  # noqa: ANN401  (any Company field)
    fields.setdefault("name", f"company {company_id}")
    fields.setdefault("currency", "EUR")
    return Company(id=CompanyId(company_id), **fields)


def _address() -> Address:
    return Address(lines=("Am Hafen 3",), city="Kiel", country="DE", postcode="24103")


def _location(location_id: str, company_id: str, **fields: Any) -> Location:  # noqa: ANN401  (any Location field)
    fields.setdefault("name", f"site {location_id}")
    fields.setdefault("address", _address())
    return Location(id=LocationId(location_id), company_id=CompanyId(company_id), **fields)


def _customer(customer_id: str, **fields: Any) -> Customer:  # noqa: ANN401  (any Customer field)
    fields.setdefault("email", f"{customer_id}@example.com")
    fields.setdefault("first_name", "Pat")
    fields.setdefault("last_name", f"person {customer_id}")
    return Customer(id=CustomerId(customer_id), **fields)


def _member(company_id: str, *roles: Role) -> Membership:
    return Membership(company_id=CompanyId(company_id), roles=frozenset(roles or (Role.BUYER,)))


def _contact(
    contact_id: str,
    company_id: str,
    customer_id: str,
    **fields: Any,  # noqa: ANN401  (any ContactAssignment field)
) -> ContactAssignment:
    return ContactAssignment(
        id=ContactAssignmentId(contact_id),
        company_id=CompanyId(company_id),
        customer_id=CustomerId(customer_id),
        **fields,
    )


def _group(group_id: str, **fields: Any) -> CustomerGroup:  # noqa: ANN401  (any CustomerGroup field)
    fields.setdefault("name", f"group {group_id}")
    return CustomerGroup(id=CustomerGroupId(group_id), **fields)


def _company_group(group_id: str, company_id: str) -> CustomerGroup:
    return CustomerGroup.for_company(CustomerGroupId(group_id), CompanyId(company_id), company_id)


def _event(event_id: str, aggregate_id: str = "acme") -> DomainEvent:
    return DomainEvent(
        id=EventId(event_id),
        name="company.updated",
        aggregate_type="company",
        aggregate_id=aggregate_id,
        occurred_at=START,
        company_id=CompanyId(aggregate_id),
        payload={"event": event_id},
    )


def _changed(entity: V, **changes: Any) -> V:  # noqa: ANN401  (any field of the entity)
    return attrs.evolve(entity, **changes)


def _stamped(entity: V, version: int, created_at: datetime, updated_at: datetime) -> V:
    return attrs.evolve(entity, version=version, created_at=created_at, updated_at=updated_at)


# -- running units of work


def _commit(store: Store, action: Callable[[UnitOfWork], T]) -> T:
    with store.unit_of_work() as uow:
        result = action(uow)
        uow.commit()
    return result


def _read(store: Store, action: Callable[[UnitOfWork], T]) -> T:
    with store.unit_of_work() as uow:
        return action(uow)


def _ids(items: Page[Any] | list[Any] | tuple[Any, ...]) -> list[str]:
    rows = items.items if isinstance(items, Page) else items
    return [row.id for row in rows]


def _all_pages(fetch: Callable[[int], Page[T]]) -> list[T]:
    """Walk the pages from offset 0 by ``next_offset``, checking each page's bookkeeping."""
    collected: list[T] = []
    offset: int | None = 0
    total: int | None = None
    while offset is not None:
        page = fetch(offset)
        assert page.offset == offset
        assert total is None or page.total == total, "the total changed between pages"
        total = page.total
        assert len(page.items) == min(page.limit, max(total - offset, 0))
        collected.extend(page.items)
        offset = page.next_offset
        assert offset is None or offset == len(collected)
    assert len(collected) == total
    return collected


def _company_order(sort: CompanySort) -> Callable[[Company], SupportsRichComparison]:
    if sort is CompanySort.NAME:
        return lambda company: (company.name, company.id)
    if sort is CompanySort.ACCOUNT_NUMBER:
        return lambda company: (
            company.account_number is None,
            company.account_number or "",
            company.id,
        )
    if sort is CompanySort.CREATED_AT:
        return lambda company: (company.created_at, company.id)
    return lambda company: company.id


def _customer_order(sort: CustomerSort) -> Callable[[Customer], SupportsRichComparison]:
    if sort is CustomerSort.EMAIL:
        return lambda customer: (customer.email, customer.id)
    if sort is CustomerSort.LAST_NAME:
        return lambda customer: (customer.last_name, customer.id)
    if sort is CustomerSort.CREATED_AT:
        return lambda customer: (customer.created_at, customer.id)
    return lambda customer: customer.id


@st.composite
def _forests(draw: st.DrawFn, max_size: int = 12) -> list[tuple[str, str | None]]:
    """Company ids in insertion order, each with a parent drawn among the earlier ones."""
    ids = draw(st.lists(_SIMPLE_ID, min_size=1, max_size=max_size, unique=True))
    tree: list[tuple[str, str | None]] = []
    for position, company_id in enumerate(ids):
        parent = draw(st.none() | st.sampled_from(ids[:position])) if position else None
        tree.append((company_id, parent))
    return tree


def _model_children(parents: dict[str, str | None], company_id: str) -> list[str]:
    return sorted(child for child, parent in parents.items() if parent == company_id)


def _model_ancestors(parents: dict[str, str | None], company_id: str) -> list[str]:
    found: list[str] = []
    current = parents[company_id]
    while current is not None:
        found.append(current)
        current = parents[current]
    return found


def _model_descendants(parents: dict[str, str | None], company_id: str) -> list[str]:
    found: list[str] = []
    level = [company_id]
    while level:
        level = sorted(child for parent in level for child in _model_children(parents, parent))
        found.extend(level)
    return found


# -- the suite


class StoreContract:
    """The contract suite: subclass it, implement :meth:`make_store`, and run pytest.

    The class name does not start with ``Test``, so pytest collects only
    your subclass. Its tests use fixtures ``clock`` (a
    :class:`~b2b_customers.clock.ManualClock` at :data:`START`) and
    ``store`` (made by :meth:`make_store`, released by
    :meth:`dispose_store`); override either fixture if you must.

    Attributes:
        property_examples: How many examples each property-based test tries;
            every example makes a fresh store, so lower it for a slow one.
    """

    property_examples: ClassVar[int] = 20

    def make_store(self, clock: Clock) -> Store:
        """Return a new, empty store that reads time from ``clock``.

        Args:
            clock: The clock the store must stamp ``created_at``,
                ``updated_at`` and ``published_at`` with.

        Raises:
            NotImplementedError: Always; a subclass says how to make its store.
        """
        raise NotImplementedError(
            f"{type(self).__name__} must implement make_store(clock) to return an empty store"
        )

    def dispose_store(self, store: Store) -> None:
        """Release a store made by :meth:`make_store` (close it, drop its schema).

        Does nothing unless overridden.

        Args:
            store: A store this suite made.
        """

    @pytest.fixture
    def clock(self) -> ManualClock:
        """A manual clock standing at :data:`START`."""
        return ManualClock(START)

    @pytest.fixture
    def store(self, clock: ManualClock) -> Iterator[Store]:
        """A fresh store for one test, disposed of afterwards."""
        store = self.make_store(clock)
        try:
            yield store
        finally:
            self.dispose_store(store)

    @contextlib.contextmanager
    def _fresh_store(self) -> Iterator[tuple[Store, ManualClock]]:
        clock = ManualClock(START)
        store = self.make_store(clock)
        try:
            yield store, clock
        finally:
            self.dispose_store(store)

    def _property(self) -> settings:
        return settings(
            max_examples=self.property_examples,
            deadline=None,
            suppress_health_check=_PROPERTY_HEALTH,
        )

    # -- companies: add, save, get

    def test_adding_a_company_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the company at version 1, created and updated now."""
        company = _company("acme", account_number="A-1")
        stored = _commit(store, lambda uow: uow.companies.add(company))
        assert stored == _stamped(company, 1, START, START)
        assert _read(store, lambda uow: uow.companies.get(company.id)) == stored

    def test_adding_ignores_the_version_and_times_of_the_copy(self, store: Store) -> None:
        """``add`` stamps version 1 and the clock time, whatever the copy carried."""
        earlier = START - timedelta(days=30)
        company = _stamped(_company("acme"), 7, earlier, earlier)
        stored = _commit(store, lambda uow: uow.companies.add(company))
        assert (stored.version, stored.created_at, stored.updated_at) == (1, START, START)

    def test_saving_a_company_increments_the_version_and_stamps_updated_at(
        self, store: Store, clock: ManualClock
    ) -> None:
        """``save`` stores version + 1 with a fresh ``updated_at`` and the same ``created_at``."""
        stored = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        later = clock.advance(timedelta(hours=2))
        renamed = attrs.evolve(stored, name="ACME Group")
        saved = _commit(store, lambda uow: uow.companies.save(renamed))
        assert saved == _stamped(renamed, 2, START, later)
        assert _read(store, lambda uow: uow.companies.get(stored.id)) == saved
        again = _commit(store, lambda uow: uow.companies.save(attrs.evolve(saved, name="Again")))
        assert again.version == 3

    def test_saving_keeps_the_stored_created_at(self, store: Store, clock: ManualClock) -> None:
        """``created_at`` says when the company was first stored; a copy cannot change it."""
        stored = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        clock.advance(timedelta(minutes=5))
        tampered = attrs.evolve(stored, created_at=START + timedelta(days=9))
        saved = _commit(store, lambda uow: uow.companies.save(tampered))
        assert saved.created_at == START
        assert _read(store, lambda uow: uow.companies.get(stored.id)).created_at == START

    def test_a_stored_company_keeps_every_field(self) -> None:
        """Whatever a valid company holds comes back unchanged (but for the stamps)."""

        @self._property()
        @given(st_b2b.companies(parent_id=None, bill_to_id=None, master_id=None))
        def check(company: Company) -> None:
            with self._fresh_store() as (store, _clock):
                stored = _commit(store, lambda uow: uow.companies.add(company))
                assert stored == _stamped(company, 1, START, START)
                assert _read(store, lambda uow: uow.companies.get(company.id)) == stored

        check()

    def test_getting_an_unknown_company_raises_not_found(self, store: Store) -> None:
        """``get`` of an id never stored raises ``NotFound``."""
        with store.unit_of_work() as uow, pytest.raises(NotFound):
            uow.companies.get(CompanyId("nobody"))

    def test_adding_a_company_with_a_taken_id_raises_already_exists(self, store: Store) -> None:
        """Ids are unique, whether the holder is committed or added in the same unit of work."""
        _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as uow:
            with pytest.raises(AlreadyExists):
                uow.companies.add(_company("acme", name="Other"))
            uow.companies.add(_company("bolt"))
            with pytest.raises(AlreadyExists):
                uow.companies.add(_company("bolt", name="Other"))
        assert _read(store, lambda uow: uow.companies.get(CompanyId("acme"))).name == "company acme"

    def test_adding_a_company_with_a_taken_account_number_raises_already_exists(
        self, store: Store
    ) -> None:
        """Account numbers are unique among companies."""
        _commit(store, lambda uow: uow.companies.add(_company("acme", account_number="A-1")))
        with store.unit_of_work() as uow, pytest.raises(AlreadyExists):
            uow.companies.add(_company("bolt", account_number="A-1"))
        with store.unit_of_work() as uow:
            uow.companies.add(_company("bolt", account_number="A-2"))
            with pytest.raises(AlreadyExists):
                uow.companies.add(_company("cato", account_number="A-2"))

    def test_adding_a_company_under_a_missing_parent_raises_hierarchy_error(
        self, store: Store
    ) -> None:
        """A subsidiary's parent must exist."""
        with store.unit_of_work() as uow, pytest.raises(HierarchyError):
            uow.companies.add(_company("kiel", parent_id="nowhere"))

    @pytest.mark.parametrize("reference", ["bill_to_id", "master_id"])
    def test_adding_a_company_naming_a_missing_company_raises_validation_error(
        self, store: Store, reference: str
    ) -> None:
        """The bill-to and master companies must exist."""
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.companies.add(_company("kiel", **{reference: CompanyId("nowhere")}))

    def test_a_company_may_name_stored_bill_to_and_master_companies(self, store: Store) -> None:
        """References to stored companies are accepted, also ones added in the same unit."""

        def add(uow: UnitOfWork) -> Company:
            uow.companies.add(_company("payer"))
            uow.companies.add(_company("master"))
            return uow.companies.add(_company("kiel", bill_to_id="payer", master_id="master"))

        stored = _commit(store, add)
        assert (stored.bill_to_id, stored.master_id) == ("payer", "master")

    def test_saving_an_unknown_company_raises_not_found(self, store: Store) -> None:
        """``save`` of an id never stored raises ``NotFound`` and stores nothing."""
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.companies.save(_stamped(_company("ghost"), 1, START, START))
            assert uow.companies.get_many([CompanyId("ghost")]) == []

    def test_saving_a_stale_copy_raises_stale_version_and_changes_nothing(
        self, store: Store
    ) -> None:
        """A copy whose version is not the stored one is refused; the stored one stays."""
        stored = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        saved = _commit(store, lambda uow: uow.companies.save(attrs.evolve(stored, name="New")))
        with store.unit_of_work() as uow:
            with pytest.raises(StaleVersion):
                uow.companies.save(attrs.evolve(stored, name="Stale"))
            assert uow.companies.get(stored.id) == saved
            with pytest.raises(StaleVersion):
                uow.companies.save(attrs.evolve(saved, version=saved.version + 1))
            uow.commit()
        assert _read(store, lambda uow: uow.companies.get(stored.id)) == saved

    def test_saving_the_same_copy_twice_raises_stale_version(self, store: Store) -> None:
        """Within one unit of work the first save already made the copy stale."""
        stored = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as uow:
            uow.companies.save(stored)
            with pytest.raises(StaleVersion):
                uow.companies.save(stored)

    def test_saving_a_company_with_a_taken_account_number_raises_already_exists(
        self, store: Store
    ) -> None:
        """A company may keep its own account number but not take another's."""
        acme, bolt = _commit(
            store,
            lambda uow: uow.companies.add_many(
                [_company("acme", account_number="A-1"), _company("bolt", account_number="B-1")]
            ),
        )
        with store.unit_of_work() as uow:
            with pytest.raises(AlreadyExists):
                uow.companies.save(attrs.evolve(bolt, account_number="A-1"))
            kept = uow.companies.save(attrs.evolve(acme, name="ACME"))
            assert kept.account_number == "A-1"
            uow.commit()

    def test_an_account_number_is_free_again_once_changed(self, store: Store) -> None:
        """Changing an account number frees the old one for lookup and for others."""
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme", account_number="A")))

        def renumber(uow: UnitOfWork) -> Company:
            uow.companies.save(attrs.evolve(acme, account_number="B"))
            return uow.companies.add(_company("bolt", account_number="A"))

        _commit(store, renumber)
        with store.unit_of_work() as uow:
            assert uow.companies.get_by_account_number("A").id == "bolt"
            assert uow.companies.get_by_account_number("B").id == "acme"

    def test_saving_a_company_under_a_missing_parent_raises_hierarchy_error(
        self, store: Store
    ) -> None:
        """A company cannot be moved under a company that does not exist."""
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as uow, pytest.raises(HierarchyError):
            uow.companies.save(attrs.evolve(acme, parent_id=CompanyId("nowhere")))

    def test_moving_a_company_under_its_own_descendant_raises_hierarchy_error(
        self, store: Store
    ) -> None:
        """The tree never gets a cycle; a refused move changes nothing."""
        hq, _north, _kiel = _commit(
            store,
            lambda uow: uow.companies.add_many(
                [
                    _company("hq"),
                    _company("north", parent_id="hq"),
                    _company("kiel", parent_id="north"),
                ]
            ),
        )
        with store.unit_of_work() as uow:
            for new_parent in ("north", "kiel"):
                with pytest.raises(HierarchyError):
                    uow.companies.save(attrs.evolve(hq, parent_id=CompanyId(new_parent)))
            assert uow.companies.get(hq.id) == hq
            assert _ids(uow.companies.descendants(hq.id)) == ["north", "kiel"]

    @pytest.mark.parametrize("reference", ["bill_to_id", "master_id"])
    def test_saving_a_company_naming_a_missing_company_raises_validation_error(
        self, store: Store, reference: str
    ) -> None:
        """The bill-to and master companies of a saved company must exist."""
        acme = _commit(store, lambda uow: uow.companies.add(_company("acme")))
        with store.unit_of_work() as uow, pytest.raises(ValidationError):
            uow.companies.save(_changed(acme, **{reference: CompanyId("nowhere")}))

    def test_get_many_returns_the_known_companies_sorted_by_id(self, store: Store) -> None:
        """Unknown ids are left out; each company comes once, in id order."""
        _commit(
            store,
            lambda uow: uow.companies.add_many([_company(i) for i in ("m", "b", "x", "a")]),
        )
        with store.unit_of_work() as uow:
            ids = [CompanyId(i) for i in ("x", "zz", "a", "m", "a")]
            assert _ids(uow.companies.get_many(ids)) == ["a", "m", "x"]
            assert uow.companies.get_many([]) == []

    def test_get_by_account_number_finds_the_company(self, store: Store) -> None:
        """A company is found by its account number; an unknown number raises ``NotFound``."""
        _commit(
            store,
            lambda uow: uow.companies.add_many(
                [_company("acme", account_number="A-100"), _company("bolt")]
            ),
        )
        with store.unit_of_work() as uow:
            assert uow.companies.get_by_account_number("A-100").id == "acme"
            with pytest.raises(NotFound):
                uow.companies.get_by_account_number("A-999")

    def test_find_by_tax_id_returns_every_company_sharing_it(self, store: Store) -> None:
        """A group may share one tax number; the matches come sorted by id."""

        def taxed(company_id: str, number: str | None) -> Company:
            legal = LegalInfo(legal_name=company_id.upper(), tax_registration_number=number)
            return _company(company_id, legal_info=legal)

        _commit(
            store,
            lambda uow: uow.companies.add_many(
                [taxed("s", "DE1"), taxed("b", "DE1"), taxed("k", "DE2"), taxed("n", None)]
            ),
        )
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.find_by_tax_id("DE1")) == ["b", "s"]
            assert _ids(uow.companies.find_by_tax_id("DE2")) == ["k"]
            assert uow.companies.find_by_tax_id("XX9") == []

    # -- companies: add_many

    def test_add_many_stores_every_company_parents_first(self, store: Store) -> None:
        """A batch may hold parents and their subsidiaries; all are stamped and stored."""
        batch = [
            _company("hq"),
            _company("north", parent_id="hq"),
            _company("kiel", parent_id="north"),
        ]
        stored = _commit(store, lambda uow: uow.companies.add_many(iter(batch)))
        assert stored == [_stamped(company, 1, START, START) for company in batch]
        with store.unit_of_work() as uow:
            assert uow.companies.get_many([c.id for c in batch]) == sorted(
                stored, key=lambda company: company.id
            )
            assert uow.companies.add_many([]) == []

    def test_add_many_is_all_or_nothing(self, store: Store) -> None:
        """When one item fails, none of the batch is added; the unit of work goes on."""
        _commit(store, lambda uow: uow.companies.add(_company("acme", account_number="A-1")))
        batch = [_company("b1"), _company("b2"), _company("b3", account_number="A-1")]
        with store.unit_of_work() as uow:
            uow.companies.add(_company("before"))
            with pytest.raises(AlreadyExists):
                uow.companies.add_many(batch)
            assert uow.companies.get_many([c.id for c in batch]) == []
            with pytest.raises(HierarchyError):
                uow.companies.add_many([_company("c1"), _company("c2", parent_id="c9")])
            assert uow.companies.get_many([CompanyId("c1")]) == []
            uow.commit()
        everything = _read(store, lambda uow: uow.companies.search(CompanyQuery(limit=100)))
        assert sorted(_ids(everything)) == ["acme", "before"]

    # -- companies: search

    def _catalogue(self, store: Store) -> None:
        def legal(country: str, tax: str | None = None) -> LegalInfo:
            return LegalInfo(legal_name="Legal", country=country, tax_registration_number=tax)

        companies = [
            _company(
                "hq",
                name="Acme Holding",
                account_number="A-100",
                tags={"vip"},
                custom_fields={"industry": "steel", "tier": 1},
                legal_info=legal("DE", "DE1"),
            ),
            _company(
                "north",
                name="acme north",
                parent_id="hq",
                status=CompanyStatus.ON_HOLD,
                tags={"vip", "at-risk"},
                custom_fields={"industry": "steel", "tier": 2},
                legal_info=legal("DE", "DE1"),
            ),
            _company(
                "south",
                name="Southwind",
                parent_id="hq",
                status=CompanyStatus.INACTIVE,
                account_number="A-200",
                custom_fields={"industry": "retail", "export": True},
                legal_info=legal("AT"),
            ),
            _company(
                "kiel",
                name="ACME Kiel",
                parent_id="north",
                tags={"at-risk"},
                legal_info=legal("DE"),
            ),
            _company("solo", name="Bolt Ltd", custom_fields={"tier": 1}, legal_info=legal("GB")),
            _company("plain", name="Plain"),
        ]
        _commit(store, lambda uow: uow.companies.add_many(companies))

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            pytest.param(
                CompanyQuery(), ["hq", "kiel", "north", "plain", "solo", "south"], id="all"
            ),
            pytest.param(CompanyQuery(name_contains="acme"), ["hq", "kiel", "north"], id="name"),
            pytest.param(CompanyQuery(name_contains="ACME N"), ["north"], id="name-case"),
            pytest.param(CompanyQuery(name_contains="zzz"), [], id="name-none"),
            pytest.param(
                CompanyQuery(status=CompanyStatus.ACTIVE),
                ["hq", "kiel", "plain", "solo"],
                id="active",
            ),
            pytest.param(CompanyQuery(status=CompanyStatus.ON_HOLD), ["north"], id="on-hold"),
            pytest.param(CompanyQuery(status=CompanyStatus.INACTIVE), ["south"], id="inactive"),
            pytest.param(CompanyQuery(parent_id=CompanyId("hq")), ["north", "south"], id="parent"),
            pytest.param(CompanyQuery(parent_id=CompanyId("kiel")), [], id="parent-leaf"),
            pytest.param(CompanyQuery(top_level=True), ["hq", "plain", "solo"], id="top-level"),
            pytest.param(
                CompanyQuery(top_level=False), ["kiel", "north", "south"], id="subsidiary"
            ),
            pytest.param(CompanyQuery(tag="vip"), ["hq", "north"], id="tag"),
            pytest.param(CompanyQuery(tag="at-risk"), ["kiel", "north"], id="tag-2"),
            pytest.param(CompanyQuery(tag="nope"), [], id="tag-none"),
            pytest.param(
                CompanyQuery(custom_fields={"industry": "steel"}), ["hq", "north"], id="custom"
            ),
            pytest.param(
                CompanyQuery(custom_fields={"industry": "steel", "tier": 1}), ["hq"], id="custom-2"
            ),
            pytest.param(CompanyQuery(custom_fields={"tier": 1}), ["hq", "solo"], id="custom-int"),
            pytest.param(CompanyQuery(custom_fields={"export": True}), ["south"], id="custom-flag"),
            pytest.param(CompanyQuery(custom_fields={"tier": 3}), [], id="custom-none"),
            pytest.param(CompanyQuery(country="DE"), ["hq", "kiel", "north"], id="country"),
            pytest.param(CompanyQuery(country="GB"), ["solo"], id="country-2"),
            pytest.param(
                CompanyQuery(name_contains="acme", status=CompanyStatus.ACTIVE, top_level=False),
                ["kiel"],
                id="combined",
            ),
            pytest.param(
                CompanyQuery(parent_id=CompanyId("hq"), tag="vip", country="DE"),
                ["north"],
                id="combined-2",
            ),
        ],
    )
    def test_search_filters_companies(
        self, store: Store, query: CompanyQuery, expected: list[str]
    ) -> None:
        """Every filter given must match; the total counts all matches."""
        self._catalogue(store)
        by_id = attrs.evolve(query, sort=CompanySort.ID)
        page = _read(store, lambda uow: uow.companies.search(by_id))
        assert _ids(page) == expected
        assert page.total == len(expected)
        assert page.next_offset is None

    def test_search_defaults_to_every_company_by_name(self, store: Store) -> None:
        """Without a query, ``search`` lists all companies by name, 50 to a page."""
        names = ["delta", "alpha", "charlie", "bravo"]
        _commit(
            store,
            lambda uow: uow.companies.add_many(
                [_company(f"c{n}", name=name) for n, name in enumerate(names)]
            ),
        )
        page = _read(store, lambda uow: uow.companies.search())
        assert [company.name for company in page.items] == sorted(names)
        assert (page.total, page.offset, page.limit, page.next_offset) == (4, 0, 50, None)

    def _sortable_companies(self, store: Store, clock: ManualClock) -> list[Company]:
        rows = [
            ("k2", "beta", "n5"),
            ("a9", "beta", None),
            ("z1", "alpha", "n2"),
            ("m4", "gamma", None),
            ("b3", "alpha", "n9"),
            ("q7", "beta", "n1"),
            ("c5", "delta", None),
        ]
        stored: list[Company] = []
        for position, (company_id, name, account) in enumerate(rows):
            if position % 3 == 0:
                clock.advance(timedelta(minutes=1))
            with store.unit_of_work() as uow:
                stored.append(
                    uow.companies.add(_company(company_id, name=name, account_number=account))
                )
                uow.commit()
        return stored

    @pytest.mark.parametrize("descending", [False, True], ids=["ascending", "descending"])
    @pytest.mark.parametrize("sort", list(CompanySort))
    def test_search_sorts_companies_by_the_key_then_id(
        self, store: Store, clock: ManualClock, sort: CompanySort, *, descending: bool
    ) -> None:
        """Each sort key orders the list, ties by id; descending is the reverse order."""
        stored = self._sortable_companies(store, clock)
        expected = sorted(stored, key=_company_order(sort), reverse=descending)
        query = CompanyQuery(sort=sort, descending=descending)
        page = _read(store, lambda uow: uow.companies.search(query))
        assert _ids(page) == _ids(expected)

    def test_search_pages_companies_with_offset_and_limit(
        self, store: Store, clock: ManualClock
    ) -> None:
        """Offset and limit cut the ordered list into pages with the full total."""
        stored = self._sortable_companies(store, clock)
        order = _ids(sorted(stored, key=_company_order(CompanySort.NAME)))
        with store.unit_of_work() as uow:
            first = uow.companies.search(CompanyQuery(limit=3))
            assert (_ids(first), first.total, first.next_offset) == (order[:3], 7, 3)
            last = uow.companies.search(CompanyQuery(offset=6, limit=3))
            assert (_ids(last), last.total, last.next_offset) == (order[6:], 7, None)
            beyond = uow.companies.search(CompanyQuery(offset=40, limit=3))
            assert (beyond.items, beyond.total, beyond.next_offset) == ((), 7, None)
            exact = uow.companies.search(CompanyQuery(offset=4, limit=3))
            assert (_ids(exact), exact.next_offset) == (order[4:7], None)

    def test_pages_of_companies_concatenate_to_the_whole_list(self) -> None:
        """Walking the pages yields every match once, in order, whatever the sort and size."""
        company_rows = st.lists(
            st.tuples(
                _SIMPLE_ID,
                st.sampled_from(["alpha", "beta", "gamma"]),
                st.none() | _SIMPLE_ID,
                st.sampled_from(CompanyStatus),
                st.booleans(),
            ),
            max_size=14,
            unique_by=(lambda row: row[0], lambda row: row[2] or object()),
        )

        @self._property()
        @given(
            rows=company_rows,
            sort=st.sampled_from(CompanySort),
            descending=st.booleans(),
            status=st.none() | st.sampled_from(CompanyStatus),
            limit=st.integers(1, 5),
        )
        def check(
            rows: list[tuple[str, str, str | None, CompanyStatus, bool]],
            sort: CompanySort,
            status: CompanyStatus | None,
            limit: int,
            *,
            descending: bool,
        ) -> None:
            with self._fresh_store() as (store, clock):
                stored: list[Company] = []
                with store.unit_of_work() as uow:
                    for company_id, name, account, company_status, tick in rows:
                        if tick:
                            clock.advance(_TICK)
                        company = _company(
                            company_id, name=name, account_number=account, status=company_status
                        )
                        stored.append(uow.companies.add(company))
                    uow.commit()
                matching = [c for c in stored if status is None or c.status is status]
                expected = sorted(matching, key=_company_order(sort), reverse=descending)
                query = CompanyQuery(sort=sort, descending=descending, status=status, limit=limit)
                with store.unit_of_work() as uow:
                    pages = _all_pages(
                        lambda offset: uow.companies.search(attrs.evolve(query, offset=offset))
                    )
                assert _ids(pages) == _ids(expected)

        check()

    # -- companies: the tree

    def _tree(self, store: Store) -> None:
        # hq ─┬─ b-north ── a-kiel ── z-pier
        #     └─ a-south ─┬─ c-graz
        #                 └─ b-linz
        rows = [
            ("hq", None),
            ("b-north", "hq"),
            ("a-south", "hq"),
            ("a-kiel", "b-north"),
            ("c-graz", "a-south"),
            ("b-linz", "a-south"),
            ("z-pier", "a-kiel"),
            ("other", None),
        ]
        _commit(
            store,
            lambda uow: uow.companies.add_many(_company(i, parent_id=p) for i, p in rows),
        )

    def test_children_are_the_direct_subsidiaries_by_id(self, store: Store) -> None:
        """``children`` lists one level down, sorted by id; a leaf has none."""
        self._tree(store)
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.children(CompanyId("hq"))) == ["a-south", "b-north"]
            assert _ids(uow.companies.children(CompanyId("a-south"))) == ["b-linz", "c-graz"]
            assert uow.companies.children(CompanyId("z-pier")) == []

    def test_ancestors_go_from_the_parent_up_to_the_top(self, store: Store) -> None:
        """``ancestors`` lists the parent first and the top-level company last."""
        self._tree(store)
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.ancestors(CompanyId("z-pier"))) == [
                "a-kiel",
                "b-north",
                "hq",
            ]
            assert _ids(uow.companies.ancestors(CompanyId("b-north"))) == ["hq"]
            assert uow.companies.ancestors(CompanyId("hq")) == []

    def test_descendants_go_level_by_level_and_by_id_within_a_level(self, store: Store) -> None:
        """``descendants`` is the whole subtree, nearest level first, by id within a level."""
        self._tree(store)
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.descendants(CompanyId("hq"))) == [
                "a-south",
                "b-north",
                "a-kiel",
                "b-linz",
                "c-graz",
                "z-pier",
            ]
            assert _ids(uow.companies.descendants(CompanyId("b-north"))) == ["a-kiel", "z-pier"]
            assert uow.companies.descendants(CompanyId("other")) == []

    @pytest.mark.parametrize("walk", ["children", "ancestors", "descendants"])
    def test_walking_the_tree_from_an_unknown_company_raises_not_found(
        self, store: Store, walk: str
    ) -> None:
        """The tree questions need a company that exists."""
        self._tree(store)
        with store.unit_of_work() as uow, pytest.raises(NotFound):
            getattr(uow.companies, walk)(CompanyId("nowhere"))

    def test_moving_a_subtree_moves_every_descendant(self, store: Store) -> None:
        """Saving a new parent carries the company's whole subtree along."""
        self._tree(store)
        with store.unit_of_work() as uow:
            north = uow.companies.get(CompanyId("b-north"))
            uow.companies.save(attrs.evolve(north, parent_id=CompanyId("other")))
            uow.commit()
        with store.unit_of_work() as uow:
            assert _ids(uow.companies.descendants(CompanyId("other"))) == [
                "b-north",
                "a-kiel",
                "z-pier",
            ]
            assert _ids(uow.companies.ancestors(CompanyId("z-pier"))) == [
                "a-kiel",
                "b-north",
                "other",
            ]
            assert _ids(uow.companies.children(CompanyId("hq"))) == ["a-south"]
            top = uow.companies.search(CompanyQuery(top_level=True, sort=CompanySort.ID))
            assert _ids(top) == ["hq", "other"]

    def test_the_tree_answers_agree_with_a_model_of_random_forests(self) -> None:
        """Children, ancestors and descendants match a plain model, also after random moves."""

        @self._property()
        @given(
            forest=_forests(),
            moves=st.lists(st.tuples(st.integers(0), st.integers(-1)), max_size=4),
        )
        def check(forest: list[tuple[str, str | None]], moves: list[tuple[int, int]]) -> None:
            parents = dict(forest)
            ids = [company_id for company_id, _parent in forest]
            with self._fresh_store() as (store, _clock):
                _commit(
                    store,
                    lambda uow: uow.companies.add_many(_company(i, parent_id=p) for i, p in forest),
                )
                for mover, target in moves:
                    moved = ids[mover % len(ids)]
                    new_parent = None if target < 0 else ids[target % len(ids)]
                    refused = new_parent is not None and (
                        new_parent == moved or moved in _model_ancestors(parents, new_parent)
                    )
                    if new_parent == moved:
                        continue  # the domain refuses a company as its own parent
                    with store.unit_of_work() as uow:
                        company = uow.companies.get(CompanyId(moved))
                        changed = _changed(company, parent_id=new_parent)
                        if refused:
                            with pytest.raises(HierarchyError):
                                uow.companies.save(changed)
                        else:
                            uow.companies.save(changed)
                            uow.commit()
                            parents[moved] = new_parent
                with store.unit_of_work() as uow:
                    for company_id in ids:
                        key = CompanyId(company_id)
                        assert _ids(uow.companies.children(key)) == _model_children(
                            parents, company_id
                        )
                        assert _ids(uow.companies.ancestors(key)) == _model_ancestors(
                            parents, company_id
                        )
                        assert _ids(uow.companies.descendants(key)) == _model_descendants(
                            parents, company_id
                        )

        check()

    # -- locations

    def _company_with_locations(self, store: Store, *locations: Location) -> list[Location]:
        def add(uow: UnitOfWork) -> list[Location]:
            uow.companies.add_many([_company("acme"), _company("bolt")])
            return [uow.locations.add(location) for location in locations]

        return _commit(store, add)

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
        with store.unit_of_work() as uow:
            with pytest.raises(AlreadyExists):
                uow.locations.add(_location("l2", "acme", **{flag: True}))
            uow.locations.add(_location("l3", "acme"))
            uow.locations.add(_location("l4", "bolt", **{flag: True}))
            with pytest.raises(AlreadyExists):
                uow.locations.save(_changed(uow.locations.get(LocationId("l3")), **{flag: True}))
            uow.commit()
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
        with store.unit_of_work() as uow:
            with pytest.raises(StaleVersion):
                uow.locations.save(attrs.evolve(stored, name="Stale"))
            with pytest.raises(NotFound):
                uow.locations.save(_stamped(_location("l9", "acme"), 1, START, START))
            assert uow.locations.get(stored.id).name == "New"

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
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.locations.remove(LocationId("nowhere"))
            with pytest.raises(NotFound):
                uow.locations.get(LocationId("nowhere"))

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
        _commit(store, lambda uow: uow.customers.add(_customer("c1", email="ann@acme.example")))
        with store.unit_of_work() as uow:
            with pytest.raises(AlreadyExists):
                uow.customers.add(_customer("c1", email="other@acme.example"))
            with pytest.raises(AlreadyExists):
                uow.customers.add(_customer("c2", email="ANN@acme.example"))
            uow.customers.add(_customer("c3", email="cy@acme.example"))
            with pytest.raises(AlreadyExists):
                uow.customers.add(_customer("c4", email="cy@acme.example"))

    def test_saving_a_customer_with_a_taken_email_raises_already_exists(self, store: Store) -> None:
        """A customer may keep their email address but not take another's."""
        ann, bob = _commit(
            store,
            lambda uow: uow.customers.add_many(
                [_customer("ann", email="ann@x.example"), _customer("bob", email="bob@x.example")]
            ),
        )
        with store.unit_of_work() as uow:
            with pytest.raises(AlreadyExists):
                uow.customers.save(attrs.evolve(bob, email="Ann@X.example"))
            uow.customers.save(attrs.evolve(ann, last_name="Lee"))
            uow.customers.save(attrs.evolve(bob, email="robert@x.example"))
            uow.commit()
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
        with store.unit_of_work() as uow:
            with pytest.raises(ValidationError):
                uow.customers.add(_customer("c2", memberships=[_member("nowhere")]))
            with pytest.raises(ValidationError):
                uow.customers.save(stored.with_roles(CompanyId("nowhere"), [Role.BUYER]))
            assert uow.customers.get(stored.id) == stored

    def test_saving_a_stale_or_unknown_customer_is_refused(self, store: Store) -> None:
        """A stale copy raises ``StaleVersion``; an unknown id raises ``NotFound``."""
        stored = _commit(store, lambda uow: uow.customers.add(_customer("c1")))
        _commit(store, lambda uow: uow.customers.save(attrs.evolve(stored, first_name="New")))
        with store.unit_of_work() as uow:
            with pytest.raises(StaleVersion):
                uow.customers.save(attrs.evolve(stored, first_name="Stale"))
            with pytest.raises(NotFound):
                uow.customers.save(_stamped(_customer("c9"), 1, START, START))
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

    def test_add_many_customers_is_all_or_nothing(self, store: Store) -> None:
        """When one customer fails, none of the batch is added; the unit of work goes on."""
        _commit(store, lambda uow: uow.customers.add(_customer("c0", email="taken@x.example")))
        batch = [_customer("c1"), _customer("c2"), _customer("c3", email="TAKEN@x.example")]
        with store.unit_of_work() as uow:
            stored = uow.customers.add_many([_customer("ok1"), _customer("ok2")])
            assert stored == [_stamped(_customer(i), 1, START, START) for i in ("ok1", "ok2")]
            with pytest.raises(AlreadyExists):
                uow.customers.add_many(batch)
            assert uow.customers.get_many([c.id for c in batch]) == []
            with pytest.raises(ValidationError):
                uow.customers.add_many(
                    [_customer("c4"), _customer("c5", memberships=[_member("x")])]
                )
            assert uow.customers.get_many([CustomerId("c4")]) == []
            uow.commit()
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
                        memberships=[_member("hq", Role.FINANCE), _member("north", Role.ADMIN)],
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
        """Every filter given must match; the total counts all matches."""
        self._people(store)
        by_id = attrs.evolve(query, sort=CustomerSort.ID)
        page = _read(store, lambda uow: uow.customers.search(by_id))
        assert _ids(page) == expected
        assert page.total == len(expected)

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

    # -- contacts

    def _contact_world(self, store: Store) -> None:
        def add(uow: UnitOfWork) -> None:
            uow.companies.add_many([_company("acme"), _company("bolt")])
            uow.customers.add_many([_customer("ann"), _customer("bob"), _customer("cy")])

        _commit(store, add)

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
        with store.unit_of_work() as uow:
            with pytest.raises(AlreadyExists):
                uow.contacts.add(_contact("k2", "acme", "ann", type=ContactType.BILLING))
            with pytest.raises(AlreadyExists):
                uow.contacts.add(_contact("k1", "bolt", "bob"))
            uow.contacts.add(_contact("k3", "bolt", "ann"))
            uow.contacts.add(_contact("k4", "acme", "bob"))
            uow.commit()

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
        with store.unit_of_work() as uow:
            with pytest.raises(AlreadyExists):
                uow.contacts.add(_contact("k2", "acme", "bob", type=billing, is_primary=True))
            uow.contacts.add(_contact("k3", "acme", "bob", type=billing))
            uow.contacts.add(
                _contact("k4", "acme", "cy", type=ContactType.LOGISTICS, is_primary=True)
            )
            uow.contacts.add(_contact("k5", "bolt", "bob", type=billing, is_primary=True))
            k3 = uow.contacts.get(ContactAssignmentId("k3"))
            with pytest.raises(AlreadyExists):
                uow.contacts.save(attrs.evolve(k3, is_primary=True))
            k1 = uow.contacts.get(ContactAssignmentId("k1"))
            uow.contacts.save(attrs.evolve(k1, is_primary=False))
            uow.contacts.save(attrs.evolve(k3, is_primary=True))
            uow.commit()
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
        with store.unit_of_work() as uow:
            with pytest.raises(StaleVersion):
                uow.contacts.save(attrs.evolve(stored, type=ContactType.BILLING))
            with pytest.raises(NotFound):
                uow.contacts.save(_stamped(_contact("k9", "acme", "bob"), 1, START, START))
            assert uow.contacts.get(stored.id).is_primary

    def test_removing_a_contact_frees_the_customer_and_company(self, store: Store) -> None:
        """A removed assignment is gone, and the customer may be assigned again."""
        self._contact_world(store)
        _commit(store, lambda uow: uow.contacts.add(_contact("k1", "acme", "ann")))
        _commit(store, lambda uow: uow.contacts.remove(ContactAssignmentId("k1")))
        with store.unit_of_work() as uow:
            with pytest.raises(NotFound):
                uow.contacts.get(ContactAssignmentId("k1"))
            with pytest.raises(NotFound):
                uow.contacts.remove(ContactAssignmentId("k1"))
            uow.contacts.add(_contact("k2", "acme", "ann", type=ContactType.BILLING))
            uow.commit()
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

    def test_saving_a_group_increments_the_version(self, store: Store, clock: ManualClock) -> None:
        """``save`` stores version + 1 with a fresh ``updated_at``; stale copies are refused."""
        _commit(store, lambda uow: uow.customers.add_many([_customer("ann"), _customer("bob")]))
        stored = _commit(store, lambda uow: uow.groups.add(_group("g1")))
        later = clock.advance(timedelta(minutes=3))
        changed = stored.with_members([CustomerId("ann"), CustomerId("bob")])
        saved = _commit(store, lambda uow: uow.groups.save(changed))
        assert saved == _stamped(changed, 2, START, later)
        with store.unit_of_work() as uow:
            assert uow.groups.get(stored.id) == saved
            with pytest.raises(StaleVersion):
                uow.groups.save(stored.with_member(CustomerId("ann")))
            with pytest.raises(NotFound):
                uow.groups.save(_stamped(_group("g9"), 1, START, START))

    def test_a_company_has_one_company_group(self, store: Store) -> None:
        """A second automatic group of a company is refused; custom groups are unlimited."""
        _commit(store, lambda uow: uow.companies.add_many([_company("acme"), _company("bolt")]))
        _commit(store, lambda uow: uow.groups.add(_company_group("g1", "acme")))
        with store.unit_of_work() as uow:
            with pytest.raises(AlreadyExists):
                uow.groups.add(_company_group("g2", "acme"))
            with pytest.raises(AlreadyExists):
                uow.groups.add(_group("g1"))
            uow.groups.add(_company_group("g3", "bolt"))
            uow.groups.add(_group("g4"))
            uow.groups.add(_group("g5"))
            uow.commit()
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
            with pytest.raises(NotFound):
                uow.groups.remove(CustomerGroupId("g1"))
            assert uow.groups.of_customer(CustomerId("ann")) == []
            assert uow.groups.all() == []
            uow.groups.add(_company_group("g2", "acme"))
            uow.commit()

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

    def test_a_failed_operation_leaves_the_unit_of_work_usable(self, store: Store) -> None:
        """After a refused change the unit of work keeps its earlier changes and can commit."""
        _commit(store, lambda uow: uow.companies.add(_company("acme", account_number="A-1")))
        with store.unit_of_work() as uow:
            uow.companies.add(_company("bolt"))
            with pytest.raises(AlreadyExists):
                uow.companies.add(_company("cato", account_number="A-1"))
            with pytest.raises(HierarchyError):
                uow.companies.add(_company("dart", parent_id="nowhere"))
            with pytest.raises(NotFound):
                uow.locations.remove(LocationId("nowhere"))
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

    # -- outbox

    def test_recorded_events_are_stored_with_the_commit_in_order(self, store: Store) -> None:
        """Committed events wait in the outbox in commit order, positions increasing."""
        with store.unit_of_work() as uow:
            uow.companies.add(_company("acme"))
            uow.record(_event("e1"))
            uow.record(_event("e2"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.record(_event("e3"))
            uow.commit()
        pending = _read(store, lambda uow: uow.outbox.pending())
        assert [entry.event for entry in pending] == [_event("e1"), _event("e2"), _event("e3")]
        positions = [entry.position for entry in pending]
        assert positions == sorted(set(positions))
        assert all(entry.published_at is None for entry in pending)

    def test_a_stored_event_keeps_every_field(self) -> None:
        """Whatever a valid event holds comes back from the outbox unchanged."""

        @self._property()
        @given(st.lists(st_b2b.domain_events(), max_size=3, unique_by=lambda event: event.id))
        def check(events: list[DomainEvent]) -> None:
            with self._fresh_store() as (store, _clock):
                with store.unit_of_work() as uow:
                    for event in events:
                        uow.record(event)
                    uow.commit()
                pending = _read(store, lambda uow: uow.outbox.pending())
                assert [entry.event for entry in pending] == events

        check()

    def test_events_of_a_unit_of_work_that_does_not_commit_are_dropped(self, store: Store) -> None:
        """Leaving the block, an exception and ``rollback`` all drop recorded events."""
        with store.unit_of_work() as uow:
            uow.record(_event("e1"))

        def fail_after_recording() -> None:
            with store.unit_of_work() as uow:
                uow.record(_event("e2"))
                uow.companies.get(CompanyId("nowhere"))

        with pytest.raises(LookupError):
            fail_after_recording()
        with store.unit_of_work() as uow:
            uow.record(_event("e3"))
            uow.rollback()
            uow.record(_event("e4"))
            uow.commit()
        pending = _read(store, lambda uow: uow.outbox.pending())
        assert [entry.event.id for entry in pending] == ["e4"]

    def test_pending_returns_at_most_limit_oldest_first(self, store: Store) -> None:
        """``pending`` pages from the oldest unpublished event."""
        with store.unit_of_work() as uow:
            for number in range(5):
                uow.record(_event(f"e{number}"))
            uow.commit()
        with store.unit_of_work() as uow:
            assert [e.event.id for e in uow.outbox.pending(limit=2)] == ["e0", "e1"]
            assert len(uow.outbox.pending()) == 5

    def test_published_events_are_no_longer_pending(self, store: Store) -> None:
        """``mark_published`` takes events out of ``pending``; unknown ids are ignored."""
        with store.unit_of_work() as uow:
            for number in range(4):
                uow.record(_event(f"e{number}"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.outbox.mark_published([EventId("e0"), EventId("e2"), EventId("unknown")])
            uow.commit()
        with store.unit_of_work() as uow:
            assert [e.event.id for e in uow.outbox.pending()] == ["e1", "e3"]
            uow.outbox.mark_published([EventId("e1"), EventId("e1")])
            uow.commit()
        assert [e.event.id for e in _read(store, lambda uow: uow.outbox.pending())] == ["e3"]

    def test_marks_of_a_unit_of_work_that_does_not_commit_are_dropped(self, store: Store) -> None:
        """Marking events published is part of the unit of work."""
        with store.unit_of_work() as uow:
            uow.record(_event("e1"))
            uow.commit()
        with store.unit_of_work() as uow:
            uow.outbox.mark_published([EventId("e1")])
        assert [e.event.id for e in _read(store, lambda uow: uow.outbox.pending())] == ["e1"]

    def test_committed_events_are_those_of_the_last_commit(self, store: Store) -> None:
        """``committed_events`` hands the last commit's events to in-process handlers."""
        with store.unit_of_work() as uow:
            assert uow.committed_events == []
            uow.record(_event("e1"))
            uow.record(_event("e2"))
            assert uow.committed_events == []
            uow.commit()
            assert uow.committed_events == [_event("e1"), _event("e2")]
            uow.record(_event("e3"))
            uow.commit()
            assert uow.committed_events == [_event("e3")]
            uow.commit()
            assert uow.committed_events == []
