"""The contract of the order history: add, save (status changes), get and ``history``."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.domain.order import OrderLine, OrderRecord, OrderStatus
from b2b_customers.errors import AlreadyExists, NotFound, StaleVersion, ValidationError
from b2b_customers.ids import CompanyId, CustomerId, LocationId, OrderId
from b2b_customers.ports import OrderQuery, OrderSort
from b2b_customers.testing import strategies as st_b2b
from b2b_customers.testing.contract._support import (
    START,
    ContractBase,
    _all_pages,
    _commit,
    _company,
    _customer,
    _ids,
    _location,
    _read,
    _refused,
    _stamped,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from _typeshed import SupportsRichComparison

    from b2b_customers.clock import ManualClock
    from b2b_customers.limits.decision_record import DecisionRecord
    from b2b_customers.ports import OrderRepository, Page, Store, UnitOfWork

__all__ = ["OrderContract"]

_HOUR = timedelta(hours=1)


def _order(
    order_id: str,
    company_id: str = "acme",
    buyer_id: str = "ann",
    amount: Decimal | str | int = 100,
    currency: str = "EUR",
    **fields: Any,  # noqa: ANN401  (any OrderRecord field)
) -> OrderRecord:
    """Build an order for the contract: placed at `START` unless told otherwise."""
    fields.setdefault("placed_at", START)
    return OrderRecord(
        id=OrderId(order_id),
        company_id=CompanyId(company_id),
        buyer_id=CustomerId(buyer_id),
        total=Money(Decimal(amount), currency),
        **fields,
    )


class _OrderWorld:
    """The companies, people and locations orders are recorded for.

    ::

        hq (Europe/Berlin) ─┬─ north (Europe/Berlin) ── kiel (Europe/Berlin)
                            └─ south (America/New_York)
        other (UTC)

    Customers ``ann`` and ``bob``; locations ``l-kiel`` (of kiel) and
    ``l-north`` (of north).
    """

    COMPANIES = (
        ("hq", None, "Europe/Berlin"),
        ("north", "hq", "Europe/Berlin"),
        ("south", "hq", "America/New_York"),
        ("kiel", "north", "Europe/Berlin"),
        ("other", None, "UTC"),
    )

    @classmethod
    def build(cls, uow: UnitOfWork) -> None:
        """Store the tree in ``uow``."""
        uow.companies.add_many(
            _company(company, parent_id=parent, time_zone=zone)
            for company, parent, zone in cls.COMPANIES
        )
        uow.customers.add_many([_customer("ann"), _customer("bob")])
        uow.locations.add(_location("l-kiel", "kiel"))
        uow.locations.add(_location("l-north", "north"))


def _history_order(sort: OrderSort) -> Callable[[OrderRecord], SupportsRichComparison]:
    if sort is OrderSort.PLACED_AT:
        return lambda record: (record.placed_at, record.id)
    if sort is OrderSort.TOTAL:
        return lambda record: (record.total.amount, record.id)
    return lambda record: record.id


class OrderContract(ContractBase):
    """The order history."""

    def _order_world(self, store: Store, *orders: OrderRecord) -> list[OrderRecord]:
        def add(uow: UnitOfWork) -> list[OrderRecord]:
            _OrderWorld.build(uow)
            uow.companies.add(_company("acme"))
            return [uow.orders.add(record) for record in orders]

        return _commit(store, add)

    # -- add, save, get

    def test_adding_an_order_stamps_version_one_and_the_clock_time(self, store: Store) -> None:
        """``add`` returns the order at version 1, created and updated now."""
        line = OrderLine(sku="BOLT-1", quantity=4, unit_price=Money(Decimal(25), "EUR"))
        record = _order(
            "o1",
            placed_at=START - _HOUR,
            location_id=LocationId("l-kiel"),
            lines=(line,),
            po_number="PO-7",
        )
        (stored,) = self._order_world(store, record)
        assert stored == _stamped(record, 1, START, START)
        assert _read(store, lambda uow: uow.orders.get(record.id)) == stored

    def test_a_stored_order_keeps_every_field(self) -> None:
        """Whatever a valid order holds comes back unchanged (but for the stamps)."""
        orders = st_b2b.order_records(
            company_id=CompanyId("acme"), buyer_id=CustomerId("ann"), location_id=None
        ).flatmap(
            lambda record: st.lists(
                st_b2b.order_lines(str(record.total.currency.code)), max_size=3
            ).map(lambda lines: attrs.evolve(record, lines=tuple(lines)))
        )

        @self._property()
        @given(orders)
        def check(record: OrderRecord) -> None:
            with self._fresh_store() as (store, _clock):
                (stored,) = self._order_world(store, record)
                assert stored == _stamped(record, 1, START, START)
                assert _read(store, lambda uow: uow.orders.get(record.id)) == stored

        check()

    def test_an_order_keeps_the_decision_it_was_added_with(self) -> None:
        """``decision_of`` returns the record given to ``add``, unchanged, through status changes.

        An order added without one has none; an unknown order is not found.
        """

        @self._property()
        @given(st_b2b.decision_records())
        def check(kept: DecisionRecord) -> None:
            with self._fresh_store() as (store, _clock):
                record = _order("o1", status=OrderStatus.PENDING_APPROVAL)

                def add(uow: UnitOfWork) -> OrderRecord:
                    _OrderWorld.build(uow)
                    uow.companies.add(_company("acme"))
                    uow.orders.add(_order("bare"))
                    return uow.orders.add(record, decision=kept)

                stored = _commit(store, add)
                assert _read(store, lambda uow: uow.orders.decision_of(stored.id)) == kept
                placed = attrs.evolve(stored, status=OrderStatus.PLACED)
                _commit(store, lambda uow: uow.orders.save(placed))
                assert _read(store, lambda uow: uow.orders.decision_of(stored.id)) == kept
                assert _read(store, lambda uow: uow.orders.decision_of(OrderId("bare"))) is None
                _refused(store, NotFound, lambda uow: uow.orders.decision_of(OrderId("ghost")))

        check()

    def test_an_order_of_a_missing_company_or_buyer_raises_validation_error(
        self, store: Store
    ) -> None:
        """The ordering company and the buyer must be stored; nothing is recorded otherwise."""
        self._order_world(store)
        _refused(
            store,
            ValidationError,
            lambda uow: uow.orders.add(_order("o1", company_id="nowhere")),
            lambda uow: uow.orders.add(_order("o1", buyer_id="nobody")),
        )
        _refused(store, NotFound, lambda uow: uow.orders.get(OrderId("o1")))
        _commit(store, lambda uow: uow.orders.add(_order("o1")))
        assert _ids(_read(store, lambda uow: uow.orders.history())) == ["o1"]

    def test_adding_an_order_with_a_taken_id_raises_already_exists(self, store: Store) -> None:
        """Order ids are unique, committed or added in the same unit of work."""
        (first,) = self._order_world(store, _order("o1"))
        _refused(store, AlreadyExists, lambda uow: uow.orders.add(_order("o1", company_id="kiel")))
        with store.unit_of_work() as uow:
            uow.orders.add(_order("o2"))
            with pytest.raises(AlreadyExists):
                uow.orders.add(_order("o2"))
        assert _read(store, lambda uow: uow.orders.history()).items == (first,)

    # -- add_many

    def _mixed_orders(self) -> list[OrderRecord]:
        """Orders of every status, company, buyer, location, currency and a few instants."""
        return [
            _order(
                f"m{number:02}",
                company,
                ("ann", "bob")[number % 2],
                Decimal(number * 7) / 4,
                ("EUR", "USD")[number % 3 == 0],
                placed_at=START - number * 5 * _HOUR,
                status=list(OrderStatus)[number % 3],
                location_id=LocationId("l-kiel") if company == "kiel" and number % 2 else None,
                po_number=f"PO-{number}" if number % 4 == 0 else None,
            )
            for number, company in enumerate(
                [company for company, _parent, _zone in _OrderWorld.COMPANIES] * 4
            )
        ]

    def test_adding_many_orders_stores_what_adding_them_one_by_one_stores(self) -> None:
        """``add_many`` returns and stores the orders ``add`` would, at version 1, now."""
        records = self._mixed_orders()
        results: list[tuple[list[OrderRecord], list[OrderRecord]]] = []
        for bulk in (True, False):
            with self._fresh_store() as (store, _clock):
                self._order_world(store)

                def add(uow: UnitOfWork, *, bulk: bool = bulk) -> list[OrderRecord]:
                    if bulk:
                        return uow.orders.add_many(iter(records))  # any iterable
                    return [uow.orders.add(record) for record in records]

                returned = _commit(store, add)
                with store.unit_of_work() as uow:
                    orders = uow.orders

                    def page(offset: int, orders: OrderRepository = orders) -> Page[OrderRecord]:
                        return orders.history(OrderQuery(offset=offset))

                    history = _all_pages(page)
                    assert [orders.get(record.id) for record in records] == returned
                results.append((returned, history))
        (bulk_returned, bulk_history), (single_returned, single_history) = results
        assert bulk_returned == single_returned == [_stamped(r, 1, START, START) for r in records]
        assert bulk_history == single_history
        assert len(bulk_history) == len(records)

    def test_adding_no_orders_returns_an_empty_list(self, store: Store) -> None:
        """An empty import writes nothing and returns ``[]``."""
        self._order_world(store)
        assert _commit(store, lambda uow: uow.orders.add_many([])) == []
        assert _read(store, lambda uow: uow.orders.history()).total == 0

    def test_adding_many_orders_with_a_taken_id_raises_already_exists_and_adds_none(
        self, store: Store
    ) -> None:
        """A stored id, or one given twice, refuses the whole import; nothing of it is written."""
        self._order_world(store, _order("o1"))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.orders.add_many([_order("o2"), _order("o3"), _order("o1", "kiel")]),
            lambda uow: uow.orders.add_many([_order("o4"), _order("o5"), _order("o4", "kiel")]),
        )
        assert _ids(_read(store, lambda uow: uow.orders.history())) == ["o1"]
        _commit(store, lambda uow: uow.orders.add_many([_order("o2"), _order("o4")]))
        assert sorted(_ids(_read(store, lambda uow: uow.orders.history()))) == ["o1", "o2", "o4"]

    @pytest.mark.parametrize(
        "bad",
        [
            _order("o9", company_id="nowhere"),
            _order("o9", buyer_id="nobody"),
            _order("o9", company_id="nowhere", buyer_id="nobody"),
        ],
    )
    def test_adding_many_orders_naming_a_missing_company_or_buyer_raises_validation_error(
        self, store: Store, bad: OrderRecord
    ) -> None:
        """One order of an unknown company or buyer refuses the whole import."""
        self._order_world(store)
        _refused(
            store,
            ValidationError,
            lambda uow: uow.orders.add_many([_order("o1"), _order("o2", "kiel"), bad]),
        )
        assert _read(store, lambda uow: uow.orders.history()).total == 0
        _refused(store, NotFound, lambda uow: uow.orders.get(OrderId("o1")))

    def test_an_import_raises_the_error_of_its_first_failing_order(self, store: Store) -> None:
        """As if added one by one: the first order that fails says what is wrong."""
        self._order_world(store, _order("o1"))
        _refused(
            store,
            AlreadyExists,
            lambda uow: uow.orders.add_many([_order("o2"), _order("o1"), _order("o3", "nowhere")]),
            lambda uow: uow.orders.add_many(
                [_order("o2"), _order("o2"), _order("o3", buyer_id="nobody")]
            ),
        )
        _refused(
            store,
            ValidationError,
            lambda uow: uow.orders.add_many([_order("o2"), _order("o3", "nowhere"), _order("o1")]),
            lambda uow: uow.orders.add_many([_order("o2", buyer_id="nobody"), _order("o2")]),
        )
        assert _ids(_read(store, lambda uow: uow.orders.history())) == ["o1"]

    def test_saving_an_order_stores_its_new_status(self, store: Store, clock: ManualClock) -> None:
        """``save`` stores a status change at version + 1 with a fresh ``updated_at``."""
        (stored,) = self._order_world(store, _order("o1", status=OrderStatus.PENDING_APPROVAL))
        later = clock.advance(_HOUR)
        placed = attrs.evolve(stored, status=OrderStatus.PLACED)
        saved = _commit(store, lambda uow: uow.orders.save(placed))
        assert saved == _stamped(placed, 2, START, later)
        cancelled = _commit(
            store, lambda uow: uow.orders.save(attrs.evolve(saved, status=OrderStatus.CANCELLED))
        )
        assert (cancelled.version, cancelled.status) == (3, OrderStatus.CANCELLED)
        assert _read(store, lambda uow: uow.orders.get(stored.id)) == cancelled

    def test_saving_anything_but_the_status_raises_validation_error(self, store: Store) -> None:
        """An order's figures are history: only its status may change; nothing is written."""
        (stored,) = self._order_world(store, _order("o1", status=OrderStatus.PENDING_APPROVAL))
        line = OrderLine(sku="X", quantity=1, unit_price=Money(Decimal(100), "EUR"))
        changes: list[dict[str, Any]] = [
            {"total": Money(Decimal(99), "EUR")},
            {"total": Money(Decimal(100), "USD")},
            {"placed_at": START + _HOUR},
            {"company_id": CompanyId("kiel")},
            {"buyer_id": CustomerId("bob")},
            {"location_id": LocationId("l-kiel")},
            {"lines": (line,)},
            {"po_number": "PO-1", "status": OrderStatus.PLACED},
        ]
        for change in changes:
            changed = attrs.evolve(stored, **change)

            def save(uow: UnitOfWork, changed: OrderRecord = changed) -> OrderRecord:
                return uow.orders.save(changed)

            _refused(store, ValidationError, save)
        assert _read(store, lambda uow: uow.orders.get(stored.id)) == stored
        _commit(store, lambda uow: uow.orders.save(attrs.evolve(stored, status=OrderStatus.PLACED)))
        assert _read(store, lambda uow: uow.orders.get(stored.id)).version == 2

    def test_saving_a_stale_or_unknown_order_is_refused(self, store: Store) -> None:
        """A copy of an older version raises ``StaleVersion``; an unknown id ``NotFound``."""
        (stored,) = self._order_world(store, _order("o1", status=OrderStatus.PENDING_APPROVAL))
        _commit(store, lambda uow: uow.orders.save(attrs.evolve(stored, status=OrderStatus.PLACED)))
        _refused(
            store,
            StaleVersion,
            lambda uow: uow.orders.save(attrs.evolve(stored, status=OrderStatus.CANCELLED)),
        )
        _refused(
            store,
            NotFound,
            lambda uow: uow.orders.save(_order("ghost", version=1, status=OrderStatus.CANCELLED)),
            lambda uow: uow.orders.get(OrderId("ghost")),
        )
        assert _read(store, lambda uow: uow.orders.get(stored.id)).status is OrderStatus.PLACED
        assert _ids(_read(store, lambda uow: uow.orders.history())) == ["o1"]

    def test_the_later_of_two_concurrent_status_changes_raises_stale_version(
        self, store: Store
    ) -> None:
        """Two units of work cancel the same order: the second one writes nothing."""
        (stored,) = self._order_world(store, _order("o1"))
        with store.unit_of_work() as first, store.unit_of_work() as second:
            mine = first.orders.get(stored.id)
            theirs = second.orders.get(stored.id)
            first.orders.save(attrs.evolve(mine, status=OrderStatus.CANCELLED))
            first.commit()

            def cancel_and_commit() -> None:  # StaleVersion may come from either call
                second.orders.save(attrs.evolve(theirs, status=OrderStatus.CANCELLED))
                second.commit()

            with pytest.raises(StaleVersion):
                cancel_and_commit()
        assert _read(store, lambda uow: uow.orders.get(stored.id)).version == 2

    # -- history

    def _history_world(self, store: Store) -> None:
        """Orders an hour apart (o1 the oldest), o5 and o6 at the same instant."""
        at = [START + hours * _HOUR for hours in range(5)]
        self._order_world(
            store,
            _order("o1", "kiel", "ann", 10, placed_at=at[0], location_id=LocationId("l-kiel")),
            _order("o2", "north", "bob", 20, placed_at=at[1], location_id=LocationId("l-north")),
            _order("o3", "south", "ann", 30, placed_at=at[2], status=OrderStatus.PENDING_APPROVAL),
            _order("o4", "other", "bob", 40, placed_at=at[3], status=OrderStatus.CANCELLED),
            _order("o6", "hq", "ann", 20, "USD", placed_at=at[4]),
            _order("o5", "kiel", "bob", 25, placed_at=at[4], location_id=LocationId("l-kiel")),
        )

    @pytest.mark.parametrize(
        ("query", "expected"),
        [
            (OrderQuery(), ["o6", "o5", "o4", "o3", "o2", "o1"]),
            (OrderQuery(company_id=CompanyId("kiel")), ["o5", "o1"]),
            (OrderQuery(company_id=CompanyId("north")), ["o2"]),
            (OrderQuery(company_id=CompanyId("north"), include_subtree=True), ["o5", "o2", "o1"]),
            (
                OrderQuery(company_id=CompanyId("hq"), include_subtree=True),
                ["o6", "o5", "o3", "o2", "o1"],
            ),
            (OrderQuery(company_id=CompanyId("nowhere"), include_subtree=True), []),
            (OrderQuery(buyer_id=CustomerId("ann")), ["o6", "o3", "o1"]),
            (OrderQuery(location_id=LocationId("l-kiel")), ["o5", "o1"]),
            (OrderQuery(status=OrderStatus.PENDING_APPROVAL), ["o3"]),
            (OrderQuery(status=OrderStatus.CANCELLED), ["o4"]),
            (OrderQuery(status=OrderStatus.PLACED), ["o6", "o5", "o2", "o1"]),
            (OrderQuery(placed_from=START + _HOUR), ["o6", "o5", "o4", "o3", "o2"]),
            (OrderQuery(placed_before=START + _HOUR), ["o1"]),
            (
                OrderQuery(placed_from=START + _HOUR, placed_before=START + 3 * _HOUR),
                ["o3", "o2"],
            ),
            (
                OrderQuery(
                    company_id=CompanyId("hq"),
                    include_subtree=True,
                    buyer_id=CustomerId("bob"),
                    status=OrderStatus.PLACED,
                    placed_from=START + 30 * timedelta(minutes=1),
                ),
                ["o5", "o2"],
            ),
        ],
    )
    def test_history_filters_orders(
        self, store: Store, query: OrderQuery, expected: list[str]
    ) -> None:
        """Every filter narrows the history (AND); the default order is newest first."""
        self._history_world(store)
        page = _read(store, lambda uow: uow.orders.history(query))
        assert _ids(page) == expected
        assert page.total == len(expected)

    def test_history_compares_instants_not_wall_clocks(self, store: Store) -> None:
        """``placed_from`` and ``placed_before`` in any UTC offset mean the same instants."""
        self._history_world(store)
        east = (START + _HOUR).astimezone(timezone(timedelta(hours=9)))
        west = (START + _HOUR).astimezone(timezone(timedelta(hours=-5)))
        with store.unit_of_work() as uow:
            assert _ids(uow.orders.history(OrderQuery(placed_before=east))) == ["o1"]
            assert _ids(uow.orders.history(OrderQuery(placed_from=west)))[-1] == "o2"

    @pytest.mark.parametrize(
        ("sort", "descending", "expected"),
        [
            (OrderSort.PLACED_AT, True, ["o6", "o5", "o4", "o3", "o2", "o1"]),
            (OrderSort.PLACED_AT, False, ["o1", "o2", "o3", "o4", "o5", "o6"]),
            (OrderSort.TOTAL, False, ["o1", "o2", "o6", "o5", "o3", "o4"]),
            (OrderSort.TOTAL, True, ["o4", "o3", "o5", "o6", "o2", "o1"]),
            (OrderSort.ID, False, ["o1", "o2", "o3", "o4", "o5", "o6"]),
            (OrderSort.ID, True, ["o6", "o5", "o4", "o3", "o2", "o1"]),
        ],
    )
    def test_history_sorts_by_the_key_then_id(
        self,
        store: Store,
        sort: OrderSort,
        descending: bool,  # noqa: FBT001  (a parameter pytest passes by name)
        expected: list[str],
    ) -> None:
        """Ties are broken by id; descending reverses the whole order, tie-break included."""
        self._history_world(store)
        query = OrderQuery(sort=sort, descending=descending)
        assert _ids(_read(store, lambda uow: uow.orders.history(query))) == expected

    def test_history_sees_the_unit_of_works_own_orders_only(self, store: Store) -> None:
        """Uncommitted orders and status changes show inside their unit of work only."""
        self._history_world(store)
        with store.unit_of_work() as writer:
            writer.orders.add(_order("o7", "kiel", placed_at=START + 9 * _HOUR))
            o1 = writer.orders.get(OrderId("o1"))
            writer.orders.save(attrs.evolve(o1, status=OrderStatus.CANCELLED))
            query = OrderQuery(company_id=CompanyId("kiel"), status=OrderStatus.PLACED)
            assert _ids(writer.orders.history(query)) == ["o7", "o5"]
            with store.unit_of_work() as reader:
                assert _ids(reader.orders.history(query)) == ["o5", "o1"]

    def test_pages_of_history_concatenate_to_the_whole_list(self) -> None:
        """Walking the pages gives every match once, in the query's order, ties included."""
        instants = st.sampled_from([START + hours * _HOUR for hours in range(3)])
        orders = st.lists(
            st.tuples(
                st.sampled_from([company for company, _parent, _zone in _OrderWorld.COMPANIES]),
                st.sampled_from([10, 20, 30]),
                instants,
            ),
            max_size=12,
        )
        queries = st.builds(
            OrderQuery,
            company_id=st.none() | st.just(CompanyId("north")),
            include_subtree=st.booleans(),
            sort=st.sampled_from(OrderSort),
            descending=st.booleans(),
            limit=st.integers(1, 5),
        )

        @self._property()
        @given(orders, queries)
        def check(rows: list[tuple[str, int, datetime]], query: OrderQuery) -> None:
            records = [
                _order(f"o{number:02}", company, amount=amount, placed_at=at)
                for number, (company, amount, at) in enumerate(rows)
            ]
            scope = {
                None: None,
                "north": {"north", "kiel"} if query.include_subtree else {"north"},
            }[query.company_id]
            expected = sorted(
                (record for record in records if scope is None or record.company_id in scope),
                key=_history_order(query.sort),
                reverse=query.descending,
            )
            with self._fresh_store() as (store, _clock):
                self._order_world(store, *records)
                with store.unit_of_work() as uow:
                    pages = _all_pages(
                        lambda offset: uow.orders.history(attrs.evolve(query, offset=offset))
                    )
                assert _ids(pages) == _ids(expected)

        check()
