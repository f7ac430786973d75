"""What the parts of the contract suite share: entities to store, helpers, the base class."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from b2b_customers.clock import ManualClock
from b2b_customers.domain import (
    Address,
    Company,
    ContactAssignment,
    Customer,
    CustomerGroup,
    DomainEvent,
    Location,
    Membership,
    Role,
    Versioned,
)
from b2b_customers.ids import (
    CompanyId,
    ContactAssignmentId,
    CustomerGroupId,
    CustomerId,
    EventId,
    LocationId,
)
from b2b_customers.ports import Clock, CompanySort, CustomerSort, Page, Store, UnitOfWork

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from _typeshed import SupportsRichComparison

__all__ = ["START", "ContractBase"]

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


def _waits_for(
    store: Store, hold: Callable[[UnitOfWork], object], then: Callable[[UnitOfWork], object]
) -> None:
    """``then`` in a second unit of work waits while a first has done ``hold``, and goes on after.

    The first unit of work does ``hold``, a thread starts the second, which
    must not finish ``then`` within 0.3 s; once the first commits, it must
    finish (its unit of work is left without commit).
    """
    entered, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with store.unit_of_work() as uow:
                entered.set()
                then(uow)
                done.set()
        except BaseException as error:  # noqa: BLE001  (reported below)
            failures.append(error)
            entered.set()

    waiter = threading.Thread(target=second, daemon=True)
    with store.unit_of_work() as first:
        hold(first)
        waiter.start()
        assert entered.wait(10)
        assert not done.wait(0.3), "the second unit of work went on while the first held"
        first.commit()
    assert done.wait(10), "the second unit of work still waits after the first ended"
    waiter.join(10)
    assert failures == []


def _refused(
    store: Store, error: type[BaseException], *attempts: Callable[[UnitOfWork], object]
) -> None:
    """Each attempt raises ``error``, in a unit of work of its own, left without commit.

    A write that raises ends its unit of work (a store may have rolled it back
    whole), so no attempt shares one with another or with later checks: the
    caller checks with fresh units of work that nothing was written.
    """
    for attempt in attempts:
        with store.unit_of_work() as uow, pytest.raises(error):
            attempt(uow)


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


class ContractBase:
    """What every part of the contract suite shares: the store under test and its fixtures.

    Attributes:
        property_examples: How many examples each property-based test tries
            at most; every example makes a fresh store, so lower it for a slow
            one. A Hypothesis profile with fewer examples (a quick run's) wins.
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
        """Release a store made by `make_store` (close it, drop its schema).

        Calls the store's own ``dispose()`` unless overridden.

        Args:
            store: A store this suite made.
        """
        store.dispose()

    @pytest.fixture
    def clock(self) -> ManualClock:
        """A manual clock standing at [`START`][b2b_customers.testing.contract.START]."""
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
            max_examples=min(self.property_examples, settings().max_examples),
            deadline=None,
            suppress_health_check=_PROPERTY_HEALTH,
        )

    # -- worlds several parts of the suite build on

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

    def _company_with_locations(self, store: Store, *locations: Location) -> list[Location]:
        def add(uow: UnitOfWork) -> list[Location]:
            uow.companies.add_many([_company("acme"), _company("bolt")])
            return [uow.locations.add(location) for location in locations]

        return _commit(store, add)

    def _contact_world(self, store: Store) -> None:
        def add(uow: UnitOfWork) -> None:
            uow.companies.add_many([_company("acme"), _company("bolt")])
            uow.customers.add_many([_customer("ann"), _customer("bob"), _customer("cy")])

        _commit(store, add)
