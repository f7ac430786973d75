"""The contract of the spend totals the order history keeps for budgets: ``spent``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain.order import OrderRecord, OrderStatus
from b2b_customers.errors import AlreadyExists, StaleVersion, ValidationError
from b2b_customers.ids import CompanyId, CustomerId, LocationId, OrderId
from b2b_customers.limits.periods import CalendarPeriod, RollingPeriod, Window, window_of
from b2b_customers.limits.spend import SpendKey, SpendTotals, spend_keys
from b2b_customers.testing.contract._support import (
    ContractBase,
    _commit,
    _company,
    _customer,
    _location,
    _read,
    _refused,
)
from b2b_customers.testing.contract.orders import _order, _OrderWorld

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.limits.periods import Period
    from b2b_customers.ports import Store, UnitOfWork

__all__ = ["SpendContract"]

_NOON = datetime(2026, 1, 10, 12, tzinfo=UTC)
_JANUARY = window_of(CalendarPeriod(unit="month"), _NOON, time_zone="UTC")
_KIEL, _NORTH = CompanyId("kiel"), CompanyId("north")
_ANN, _BOB = CustomerId("ann"), CustomerId("bob")
_L_KIEL = LocationId("l-kiel")


def _eur(amount: int | str) -> dict[str, Decimal]:
    return {"EUR": Decimal(amount)}


def _day(year: int, month: int, day: int, zone: str) -> Window:
    """The window of one local day in ``zone``."""
    noon = datetime(year, month, day, 12, tzinfo=ZoneInfo(zone))
    return window_of(CalendarPeriod(unit="day"), noon, time_zone=zone)


def _spent(
    store: Store, key: SpendKey, window: Window = _JANUARY, *, include_pending: bool = True
) -> dict[str, Decimal]:
    return _read(store, lambda uow: uow.orders.spent(key, window, include_pending=include_pending))


def _status(uow: UnitOfWork, order_id: str, status: OrderStatus) -> OrderRecord:
    stored = uow.orders.get(OrderId(order_id))
    return uow.orders.save(attrs.evolve(stored, status=status))


# -- the agreement with the reference totals

_ZONES = (
    "UTC",
    "Europe/Berlin",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Australia/Lord_Howe",
)
_SPAN_START = datetime(2026, 3, 20, tzinfo=UTC)  # the weeks around the clock changes of 2026
_SPAN_MINUTES = 30 * 24 * 60
_COMPANY_IDS = ("c0", "c1", "c2", "c3", "c4")
_BUYERS = ("ann", "bob")
_PERIODS: tuple[Period, ...] = (
    CalendarPeriod(unit="day"),
    CalendarPeriod(unit="week"),
    CalendarPeriod(unit="month"),
    RollingPeriod(days=3),
    RollingPeriod(days=10),
)
# What a recorded order may become later, with the reference's understanding of it.
_NEXT_STATUS = {
    OrderStatus.PENDING_APPROVAL: (OrderStatus.PLACED, OrderStatus.CANCELLED),
    OrderStatus.PLACED: (OrderStatus.CANCELLED,),
    OrderStatus.CANCELLED: (),
}


@attrs.frozen
class _History:
    """A small tree of companies, orders recorded for it, later status changes, and questions."""

    parents: dict[str, str | None]
    zones: dict[str, str]
    orders: list[OrderRecord]
    changes: dict[str, OrderStatus]
    questions: list[tuple[SpendKey, Window]]

    def ancestors(self, company_id: str) -> list[CompanyId]:
        found: list[CompanyId] = []
        current = self.parents[company_id]
        while current is not None:
            found.append(CompanyId(current))
            current = self.parents[current]
        return found


def _locations_of(company_id: str) -> list[str]:
    return [f"{company_id}-l1", f"{company_id}-l2"]


@st.composite
def _histories(draw: st.DrawFn) -> _History:
    parents: dict[str, str | None] = {}
    for position, company in enumerate(_COMPANY_IDS):
        earlier = _COMPANY_IDS[:position]
        parents[company] = draw(st.none() | st.sampled_from(earlier)) if earlier else None
    zones = {company: draw(st.sampled_from(_ZONES)) for company in _COMPANY_IDS}
    orders: list[OrderRecord] = []
    changes: dict[str, OrderStatus] = {}
    for number in range(draw(st.integers(0, 12))):
        company = draw(st.sampled_from(_COMPANY_IDS))
        status = draw(st.sampled_from(OrderStatus))
        record = _order(
            f"o{number}",
            company,
            draw(st.sampled_from(_BUYERS)),
            draw(st.decimals(0, 10_000, places=2)),
            draw(st.sampled_from(("EUR", "USD"))),
            placed_at=_SPAN_START + timedelta(minutes=draw(st.integers(0, _SPAN_MINUTES))),
            status=status,
            location_id=draw(st.none() | st.sampled_from(_locations_of(company))),
        )
        orders.append(record)
        later = draw(st.none() | st.sampled_from(_NEXT_STATUS[status] or (status,)))
        if later is not None and later is not status:
            changes[record.id] = later
    history = _History(parents=parents, zones=zones, orders=orders, changes=changes, questions=[])
    for _ in range(draw(st.integers(1, 8))):
        if draw(st.booleans()) and orders:
            # Half the time about a recorded order: one of its keys, near its time.
            near = draw(st.sampled_from(orders))
            keys = spend_keys(near, history.ancestors(near.company_id))
            key = draw(st.sampled_from(keys))
            instant = near.placed_at + timedelta(minutes=draw(st.integers(-36 * 60, 36 * 60)))
        else:
            key = draw(_keys())
            instant = _SPAN_START + timedelta(minutes=draw(st.integers(0, _SPAN_MINUTES)))
        window = window_of(
            draw(st.sampled_from(_PERIODS)), instant, time_zone=draw(st.sampled_from(_ZONES))
        )
        history.questions.append((key, window))
    return history


@st.composite
def _keys(draw: st.DrawFn) -> SpendKey:
    company = CompanyId(draw(st.sampled_from(_COMPANY_IDS)))
    return draw(
        st.sampled_from(
            [
                SpendKey.company(company),
                SpendKey.subtree(company),
                SpendKey.buyer(company, CustomerId(draw(st.sampled_from(_BUYERS)))),
                SpendKey.location(
                    company, LocationId(draw(st.sampled_from(_locations_of(company))))
                ),
            ]
        )
    )


class SpendContract(ContractBase):
    """The spend totals of the order history."""

    def _spend_world(self, store: Store, *orders: OrderRecord) -> list[OrderRecord]:
        def add(uow: UnitOfWork) -> list[OrderRecord]:
            _OrderWorld.build(uow)
            return [uow.orders.add(record) for record in orders]

        return _commit(store, add)

    def test_spent_sums_an_order_for_every_key_it_counts_for(self, store: Store) -> None:
        """Company, subtree of the company and of each ancestor, location and buyer."""
        self._spend_world(
            store,
            _order("o1", "kiel", "ann", 100, placed_at=_NOON, location_id=LocationId("l-kiel")),
            _order("o2", "north", "bob", 50, placed_at=_NOON, location_id=LocationId("l-north")),
            _order("o3", "south", "ann", 30, placed_at=_NOON),
            _order("o4", "other", "ann", 7, placed_at=_NOON),
            _order("o5", "kiel", "bob", "20.50", "USD", placed_at=_NOON),
        )
        expected = {
            SpendKey.company(_KIEL): {"EUR": Decimal(100), "USD": Decimal("20.50")},
            SpendKey.subtree(_KIEL): {"EUR": Decimal(100), "USD": Decimal("20.50")},
            SpendKey.company(_NORTH): _eur(50),
            SpendKey.subtree(_NORTH): {"EUR": Decimal(150), "USD": Decimal("20.50")},
            SpendKey.subtree(CompanyId("hq")): {"EUR": Decimal(180), "USD": Decimal("20.50")},
            SpendKey.company(CompanyId("hq")): {},
            SpendKey.subtree(CompanyId("south")): _eur(30),
            SpendKey.subtree(CompanyId("other")): _eur(7),
            SpendKey.location(_KIEL, LocationId("l-kiel")): _eur(100),
            SpendKey.location(_NORTH, LocationId("l-north")): _eur(50),
            SpendKey.location(_NORTH, LocationId("l-kiel")): {},
            SpendKey.buyer(_KIEL, _ANN): _eur(100),
            SpendKey.buyer(_KIEL, _BOB): {"USD": Decimal("20.50")},
            SpendKey.buyer(_NORTH, _ANN): {},
            SpendKey.buyer(CompanyId("hq"), _ANN): {},
            SpendKey.company(CompanyId("nowhere")): {},
        }
        with store.unit_of_work() as uow:
            for key, spent in expected.items():
                assert uow.orders.spent(key, _JANUARY) == spent, key

    def test_spent_counts_the_days_of_the_window_only(self, store: Store) -> None:
        """Orders before the window's first day or after its last one do not count."""
        self._spend_world(
            store,
            _order("o1", "other", amount=1, placed_at=datetime(2025, 12, 31, 23, 59, tzinfo=UTC)),
            _order("o2", "other", amount=2, placed_at=datetime(2026, 1, 1, tzinfo=UTC)),
            _order("o3", "other", amount=4, placed_at=datetime(2026, 1, 31, 23, 59, tzinfo=UTC)),
            _order("o4", "other", amount=8, placed_at=datetime(2026, 2, 1, tzinfo=UTC)),
        )
        key = SpendKey.company(CompanyId("other"))
        rolling = window_of(
            RollingPeriod(days=2), datetime(2026, 2, 1, 8, tzinfo=UTC), time_zone="UTC"
        )
        assert _spent(store, key) == _eur(6)
        assert _spent(store, key, rolling) == _eur(12)
        assert _spent(store, key, _day(2025, 12, 31, "UTC")) == _eur(1)

    def test_an_order_counts_on_its_local_day_in_the_companys_time_zone(self, store: Store) -> None:
        """23:30 UTC on 31 January is 1 February in Berlin, and still 31 January in London."""
        late = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
        self._spend_world(
            store,
            _order("o1", "kiel", amount=100, placed_at=late),
            _order("o2", "other", amount=10, placed_at=late),
        )
        kiel, other = SpendKey.company(_KIEL), SpendKey.company(CompanyId("other"))
        february = window_of(CalendarPeriod(unit="month"), late, time_zone="Europe/Berlin")
        assert february.first_day.month == 2
        assert _spent(store, kiel, _day(2026, 2, 1, "Europe/Berlin")) == _eur(100)
        assert _spent(store, kiel, _day(2026, 1, 31, "Europe/Berlin")) == {}
        assert _spent(store, kiel, february) == _eur(100)
        assert _spent(store, kiel, _JANUARY) == {}
        assert _spent(store, other, _day(2026, 1, 31, "UTC")) == _eur(10)
        assert _spent(store, other, _JANUARY) == _eur(10)
        hq = SpendKey.subtree(CompanyId("hq"))  # the subtree books on the ordering company's day
        assert _spent(store, hq, _day(2026, 2, 1, "Europe/Berlin")) == _eur(100)

    def test_pending_orders_count_unless_left_out(self, store: Store) -> None:
        """``include_pending`` (the default) counts orders pending approval; ``False`` does not."""
        self._spend_world(
            store,
            _order("o1", "kiel", amount=100, placed_at=_NOON),
            _order("o2", "kiel", amount=40, placed_at=_NOON, status=OrderStatus.PENDING_APPROVAL),
            _order("o3", "kiel", amount=9, placed_at=_NOON, status=OrderStatus.CANCELLED),
        )
        for key in (SpendKey.company(_KIEL), SpendKey.subtree(_NORTH), SpendKey.buyer(_KIEL, _ANN)):
            assert _spent(store, key) == _eur(140)
            assert _spent(store, key, include_pending=False) == _eur(100)

    def test_cancelling_an_order_takes_its_spend_away(self, store: Store) -> None:
        """A cancelled order, placed or pending before, counts for no key any more."""
        self._spend_world(
            store,
            _order("o1", "kiel", amount=100, placed_at=_NOON, location_id=LocationId("l-kiel")),
            _order("o2", "kiel", amount=40, placed_at=_NOON, status=OrderStatus.PENDING_APPROVAL),
            _order("o3", "kiel", amount=5, placed_at=_NOON),
        )

        def cancel(uow: UnitOfWork) -> None:
            _status(uow, "o1", OrderStatus.CANCELLED)
            _status(uow, "o2", OrderStatus.CANCELLED)

        _commit(store, cancel)
        assert _spent(store, SpendKey.company(_KIEL)) == _eur(5)
        assert _spent(store, SpendKey.subtree(CompanyId("hq"))) == _eur(5)
        assert _spent(store, SpendKey.location(_KIEL, LocationId("l-kiel"))) == {}
        assert _spent(store, SpendKey.buyer(_KIEL, _ANN)) == _eur(5)

    def test_placing_a_pending_order_moves_its_spend_to_the_placed_totals(
        self, store: Store
    ) -> None:
        """Pending to placed keeps the total with pending counted, and adds it without."""
        self._spend_world(
            store,
            _order("o1", "kiel", amount=40, placed_at=_NOON, status=OrderStatus.PENDING_APPROVAL),
        )
        key = SpendKey.subtree(_NORTH)
        assert (_spent(store, key), _spent(store, key, include_pending=False)) == (_eur(40), {})
        _commit(store, lambda uow: _status(uow, "o1", OrderStatus.PLACED))
        assert _spent(store, key) == _eur(40)
        assert _spent(store, key, include_pending=False) == _eur(40)

    def test_spend_of_a_unit_of_work_that_does_not_commit_is_dropped(self, store: Store) -> None:
        """Recorded and cancelled orders move spend inside their unit of work only."""
        self._spend_world(store, _order("o1", "kiel", amount=100, placed_at=_NOON))
        key = SpendKey.subtree(CompanyId("hq"))
        with store.unit_of_work() as uow:
            uow.orders.add(_order("o2", "north", amount=7, placed_at=_NOON))
            _status(uow, "o1", OrderStatus.CANCELLED)
            assert uow.orders.spent(key, _JANUARY) == _eur(7)
            with store.unit_of_work() as other:
                assert other.orders.spent(key, _JANUARY) == _eur(100)
            uow.rollback()
            assert uow.orders.spent(key, _JANUARY) == _eur(100)
            uow.orders.add(_order("o3", "north", amount=1, placed_at=_NOON))
        assert _spent(store, key) == _eur(100)
        assert _spent(store, SpendKey.company(_NORTH)) == {}

    def test_a_refused_order_books_no_spend(self, store: Store) -> None:
        """An order refused by ``add`` or ``save`` leaves the totals as they were."""
        (stored,) = self._spend_world(store, _order("o1", "kiel", amount=100, placed_at=_NOON))
        cancelled = attrs.evolve(stored, status=OrderStatus.CANCELLED)
        attempts: list[tuple[type[Exception], Callable[[UnitOfWork], object]]] = [
            (
                AlreadyExists,
                lambda uow: uow.orders.add(_order("o1", "kiel", amount=5, placed_at=_NOON)),
            ),
            (
                ValidationError,
                lambda uow: uow.orders.add(
                    _order("o2", "kiel", "nobody", amount=5, placed_at=_NOON)
                ),
            ),
            (StaleVersion, lambda uow: uow.orders.save(attrs.evolve(cancelled, version=9))),
            (
                ValidationError,
                lambda uow: uow.orders.save(attrs.evolve(cancelled, total=stored.total * 2)),
            ),
        ]
        for error, attempt in attempts:
            _refused(store, error, attempt)
            assert _spent(store, SpendKey.company(_KIEL)) == _eur(100)

    def test_an_import_books_the_spend_of_every_order(self, store: Store) -> None:
        """``add_many`` books what ``add`` books, keys and days and pending totals alike."""
        late = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
        self._spend_world(store)
        _commit(
            store,
            lambda uow: uow.orders.add_many(
                [
                    _order("o1", "kiel", "ann", 100, placed_at=late),
                    _order("o2", "kiel", "bob", 40, placed_at=_NOON, location_id=_L_KIEL),
                    _order("o3", "north", "ann", "0.1", placed_at=_NOON),
                    _order("o4", "north", "ann", "0.2", placed_at=_NOON),
                    _order(
                        "o5",
                        "south",
                        "bob",
                        8,
                        placed_at=_NOON,
                        status=OrderStatus.PENDING_APPROVAL,
                    ),
                    _order("o6", "kiel", "ann", 1000, status=OrderStatus.CANCELLED),
                    _order("o7", "kiel", "ann", "2.50", "USD", placed_at=_NOON),
                ]
            ),
        )
        assert _spent(store, SpendKey.company(_KIEL)) == {"EUR": Decimal(40), "USD": Decimal("2.5")}
        assert _spent(store, SpendKey.company(_KIEL), _day(2026, 2, 1, "Europe/Berlin")) == _eur(
            100
        )
        assert _spent(store, SpendKey.company(_NORTH)) == _eur("0.3")
        assert _spent(store, SpendKey.subtree(_NORTH)) == {
            "EUR": Decimal("40.3"),
            "USD": Decimal("2.50"),
        }
        assert _spent(store, SpendKey.location(_KIEL, _L_KIEL)) == _eur(40)
        assert _spent(store, SpendKey.buyer(_KIEL, _ANN)) == {"USD": Decimal("2.5")}
        south = SpendKey.subtree(CompanyId("south"))
        assert _spent(store, south) == _eur(8)
        assert _spent(store, south, include_pending=False) == {}

    def test_a_refused_import_books_no_spend(self, store: Store) -> None:
        """An import refused for any of its orders leaves every total as it was."""
        self._spend_world(store, _order("o1", "kiel", amount=100, placed_at=_NOON))
        key = SpendKey.subtree(CompanyId("hq"))
        for error, refused in (
            (
                AlreadyExists,
                [_order("o2", "kiel", amount=5, placed_at=_NOON), _order("o1", "north")],
            ),
            (
                ValidationError,
                [_order("o2", "kiel", amount=5, placed_at=_NOON), _order("o3", "nowhere")],
            ),
            (
                ValidationError,
                [_order("o2", "kiel", amount=5, placed_at=_NOON), _order("o3", "kiel", "nobody")],
            ),
        ):

            def add(uow: UnitOfWork, refused: list[OrderRecord] = refused) -> list[OrderRecord]:
                return uow.orders.add_many(refused)

            _refused(store, error, add)
            assert _spent(store, key) == _eur(100)
        with store.unit_of_work() as uow:
            uow.orders.add_many([_order("o2", "kiel", amount=5, placed_at=_NOON)])
            assert uow.orders.spent(key, _JANUARY) == _eur(105)
            uow.commit()
        assert _spent(store, key) == _eur(105)

    def test_subtree_spend_follows_the_tree_as_it_was_when_recorded(self, store: Store) -> None:
        """Moving a company later neither moves its recorded spend nor loses its cancellation."""
        self._spend_world(store, _order("o1", "kiel", amount=100, placed_at=_NOON))

        def move(uow: UnitOfWork) -> None:
            kiel = uow.companies.get(_KIEL)
            uow.companies.save(attrs.evolve(kiel, parent_id=CompanyId("south")))
            uow.orders.add(_order("o2", "kiel", amount=10, placed_at=_NOON))

        _commit(store, move)
        north, south = SpendKey.subtree(_NORTH), SpendKey.subtree(CompanyId("south"))
        assert (_spent(store, north), _spent(store, south)) == (_eur(100), _eur(10))
        assert _spent(store, SpendKey.subtree(CompanyId("hq"))) == _eur(110)
        _commit(store, lambda uow: _status(uow, "o1", OrderStatus.CANCELLED))
        assert (_spent(store, north), _spent(store, south)) == ({}, _eur(10))
        assert _spent(store, SpendKey.company(_KIEL)) == _eur(10)

    def test_a_status_change_moves_the_spend_of_the_day_it_was_booked_on(
        self, store: Store
    ) -> None:
        """Changing the company's time zone later does not move recorded spend between days."""
        late = datetime(2026, 1, 31, 23, 30, tzinfo=UTC)
        self._spend_world(store, _order("o1", "kiel", amount=100, placed_at=late))

        def to_utc(uow: UnitOfWork) -> None:
            kiel = uow.companies.get(_KIEL)
            uow.companies.save(attrs.evolve(kiel, time_zone="UTC"))

        _commit(store, to_utc)
        key = SpendKey.company(_KIEL)
        assert _spent(store, key, _day(2026, 2, 1, "UTC")) == _eur(100)
        _commit(store, lambda uow: _status(uow, "o1", OrderStatus.CANCELLED))
        assert _spent(store, key, _day(2026, 2, 1, "UTC")) == {}
        assert _spent(store, key, _day(2026, 1, 31, "UTC")) == {}

    def test_concurrent_cancellations_take_the_spend_away_once(self, store: Store) -> None:
        """The second of two units of work cancelling one order is stale; spend is not negative."""
        self._spend_world(
            store,
            _order("o1", "kiel", amount=100, placed_at=_NOON),
            _order("o2", "kiel", amount=30, placed_at=_NOON),
        )
        with store.unit_of_work() as first, store.unit_of_work() as second:
            mine = first.orders.get(OrderId("o1"))
            theirs = second.orders.get(OrderId("o1"))
            first.orders.save(attrs.evolve(mine, status=OrderStatus.CANCELLED))
            first.commit()

            def cancel_and_commit() -> None:  # StaleVersion may come from either call
                second.orders.save(attrs.evolve(theirs, status=OrderStatus.CANCELLED))
                second.commit()

            with pytest.raises(StaleVersion):
                cancel_and_commit()
        assert _spent(store, SpendKey.company(_KIEL)) == _eur(30)

    # -- the agreement with the reference

    @pytest.mark.parametrize("bulk", [False, True], ids=["add", "add_many"])
    def test_spent_agrees_with_the_reference_totals(
        self,
        bulk: bool,  # noqa: FBT001  (a parameter pytest passes by name)
    ) -> None:
        """Random trees, zones, times and statuses: the store answers as ``SpendTotals`` does.

        The orders are recorded one by one, or imported with ``add_many``.
        """

        @self._property()
        @given(_histories())
        def check(history: _History) -> None:
            reference = SpendTotals({CompanyId(c): zone for c, zone in history.zones.items()})
            for record in history.orders:
                reference.record(record, history.ancestors(record.company_id))
            for record in history.orders:
                if record.id in history.changes:
                    after = attrs.evolve(record, status=history.changes[record.id])
                    reference.change(record, after, history.ancestors(record.company_id))
            with self._fresh_store() as (store, _clock):
                self._record(store, history, bulk=bulk)
                with store.unit_of_work() as uow:
                    for key, window in history.questions:
                        for pending in (True, False):
                            assert uow.orders.spent(
                                key, window, include_pending=pending
                            ) == reference.spent(key, window, include_pending=pending), (
                                key,
                                window,
                                pending,
                            )

        check()

    def _record(self, store: Store, history: _History, *, bulk: bool) -> None:
        def world(uow: UnitOfWork) -> None:
            uow.companies.add_many(
                _company(company, parent_id=parent, time_zone=history.zones[company])
                for company, parent in history.parents.items()
            )
            uow.customers.add_many([_customer(buyer) for buyer in _BUYERS])
            for company in _COMPANY_IDS:
                for location in _locations_of(company):
                    uow.locations.add(_location(location, company))
            if bulk:
                uow.orders.add_many(history.orders)
            else:
                for record in history.orders:
                    uow.orders.add(record)

        _commit(store, world)

        def change(uow: UnitOfWork) -> None:
            for order_id, status in history.changes.items():
                _status(uow, order_id, status)

        _commit(store, change)
        with store.unit_of_work() as uow:  # and one that never commits
            uow.orders.add_many(
                attrs.evolve(record, id=OrderId(f"{record.id}-x")) for record in history.orders[:2]
            )
