"""The order history and its daily spend buckets, in memory.

Orders are rows like any other. Recording one also books its total into
daily spend buckets: per [`SpendKey`][b2b_customers.limits.SpendKey] the
order counts for, per local day in the ordering company's time zone, per
currency, with orders pending approval apart. Where an order was booked (its
keys, with the subtrees of the company's ancestors at the time, and its local
day) is kept as its [`SpendPosting`][b2b_customers.limits.SpendPosting], so a
later status change moves exactly that spend, even after the company moved in
the tree or changed time zone.

A unit of work keeps the changes to the buckets as deltas
(`_SpendBuffer`): they are added on commit and dropped on rollback.
Deltas add up in any order, so two units of work recording orders at once do
not conflict; two changing the same order do, through the order's version.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

import attrs

from b2b_customers import queries
from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Undo
from b2b_customers.domain.order import OrderRecord
from b2b_customers.errors import ValidationError
from b2b_customers.limits.decision_record import DecisionRecord
from b2b_customers.limits.spend import Bucket, SpendKey, SpendPosting
from b2b_customers.ports import OrderQuery, Page

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import CompanyId, OrderId
    from b2b_customers.limits.periods import Window

__all__ = ["MemoryOrderRepository"]


_ORDERS: _Schema[OrderRecord] = _Schema(
    entity="OrderRecord",
    ident=lambda order: order.id,
    indexes={
        "company": lambda order: [order.company_id],
        "buyer": lambda order: [order.buyer_id],
    },
)

_Slot = tuple[str, bool]  # (currency code, pending approval)
_Buckets = dict[SpendKey, dict[date, dict[_Slot, Decimal]]]


def _add(buckets: _Buckets, key: SpendKey, day: date, slot: _Slot, amount: Decimal) -> None:
    """Add ``amount`` to one bucket, dropping buckets that come back to zero."""
    days = buckets.setdefault(key, {})
    slots = days.setdefault(day, {})
    total = slots.get(slot, Decimal(0)) + amount
    if total:
        slots[slot] = total
        return
    slots.pop(slot, None)
    if not slots:
        del days[day]
        if not days:
            del buckets[key]


class _Spend:
    """The committed spend buckets, where each order is booked and what it was decided on."""

    __slots__ = ("buckets", "decisions", "postings")

    def __init__(self) -> None:
        self.buckets: _Buckets = {}
        self.postings: dict[str, SpendPosting] = {}
        self.decisions: dict[str, DecisionRecord] = {}


class _SpendBuffer:
    """One unit of work's changes to the spend buckets: deltas over the committed sums."""

    __slots__ = ("_journal", "base", "decisions", "deltas", "postings")

    def __init__(self, base: _Spend, journal: list[_Undo]) -> None:
        self.base = base
        self.deltas: _Buckets = {}
        self.postings: dict[str, SpendPosting] = {}
        self.decisions: dict[str, DecisionRecord] = {}
        self._journal = journal

    def posting(self, order_id: str) -> SpendPosting:
        """Return where a stored order is booked (every stored order is)."""
        found = self.postings.get(order_id)
        return found if found is not None else self.base.postings[order_id]

    def decision(self, order_id: str) -> DecisionRecord | None:
        """Return what a stored order was decided on, if that was recorded."""
        found = self.decisions.get(order_id)
        return found if found is not None else self.base.decisions.get(order_id)

    def post(
        self, order_id: str, posting: SpendPosting, decision: DecisionRecord | None = None
    ) -> None:
        self.postings[order_id] = posting
        if decision is not None:
            self.decisions[order_id] = decision

        def undo() -> None:
            self.postings.pop(order_id, None)
            self.decisions.pop(order_id, None)

        self._journal.append(undo)

    def post_many(self, postings: dict[str, SpendPosting]) -> None:
        """Remember where each of many orders is booked (one undo step for all)."""
        self.postings.update(postings)

        def undo() -> None:
            for order_id in postings:
                self.postings.pop(order_id, None)

        self._journal.append(undo)

    def book(self, amounts: dict[Bucket, Decimal]) -> None:
        """Add each amount to its bucket (one undo step for all)."""

        def apply(sign: int) -> None:
            for (key, day, currency, pending), amount in amounts.items():
                _add(self.deltas, key, day, (currency, pending), sign * amount)

        apply(1)
        self._journal.append(lambda: apply(-1))

    def spent(self, key: SpendKey, window: Window, *, include_pending: bool) -> dict[str, Decimal]:
        sources = [days for days in (self.base.buckets.get(key), self.deltas.get(key)) if days]
        if not sources:
            return {}
        result: dict[str, Decimal] = {}
        first, last = window.first_day, window.last_day
        length = (last - first).days + 1
        for days in sources:
            # Walk the recorded days when they are fewer (a lifetime window has millions).
            chosen = (
                [slots for day, slots in days.items() if first <= day <= last]
                if len(days) < length
                else [days[day] for day in window.days() if day in days]
            )
            for slots in chosen:
                for (currency, pending), amount in slots.items():
                    if include_pending or not pending:
                        result[currency] = result.get(currency, Decimal(0)) + amount
        return {currency: amount for currency, amount in result.items() if amount}

    def check_versions(self) -> None:
        """Nothing to check: deltas add up in any order (the orders' versions guard them)."""

    def apply(self) -> None:
        for key, days in self.deltas.items():
            for day, slots in days.items():
                for slot, amount in slots.items():
                    _add(self.base.buckets, key, day, slot, amount)
        self.base.postings.update(self.postings)
        self.base.decisions.update(self.decisions)

    def clear(self) -> None:
        self.deltas = {}
        self.postings = {}
        self.decisions = {}


# What a saved copy may change; everything else must be as stored.
_MAY_CHANGE = frozenset({"status", "version", "created_at", "updated_at"})


class MemoryOrderRepository(_Repository[OrderRecord]):
    """The order history and its daily spend buckets, in memory.

    Implements [`OrderRepository`][b2b_customers.ports.OrderRepository] (and so
    [`SpendLookup`][b2b_customers.limits.SpendLookup]). A status change may
    go any way; the services decide which transitions are allowed.
    """

    def add(
        self,
        order: OrderRecord,
        *,
        posting: SpendPosting | None = None,
        decision: DecisionRecord | None = None,
    ) -> OrderRecord:
        """Record an order (placed or pending approval); return the stored copy.

        Its total is booked as ``posting`` says (worked out from the company's
        time zone and ancestors as they are now when not given); ``decision``
        is kept with it.

        Raises:
            AlreadyExists: The id is taken.
            ValidationError: The company or buyer does not exist.
        """
        kept = _decision_record(decision)

        def record() -> OrderRecord:
            stored = self._insert(order)
            booked = posting if posting is not None else self._posting_of(stored, {})
            self._work.spend.post(stored.id, booked, kept)
            self._work.spend.book(booked.amounts(stored))
            return stored

        return self._atomically(record)

    def add_many(self, orders: Iterable[OrderRecord]) -> list[OrderRecord]:
        """Record many orders at once (a bulk import of history), all or none.

        The checks, errors and spend are those of
        [`add`][b2b_customers.adapters.memory.MemoryOrderRepository.add], for every order (the error
        is the first failing order's); the spend of the batch is summed per posting before it is
        booked.

        Raises:
            AlreadyExists: An id is taken (or given twice).
            ValidationError: A company or buyer does not exist.
        """
        items = list(orders)

        def record_all() -> list[OrderRecord]:
            places: dict[CompanyId, tuple[list[CompanyId], str]] = {}
            postings: dict[str, SpendPosting] = {}
            sums: dict[Bucket, Decimal] = {}
            stored: list[OrderRecord] = []
            for order in items:
                row = self._insert(order)
                posting = postings[row.id] = self._posting_of(row, places)
                for bucket, amount in posting.amounts(row).items():
                    sums[bucket] = sums.get(bucket, Decimal(0)) + amount
                stored.append(row)
            self._work.spend.post_many(postings)
            self._work.spend.book(sums)
            return stored

        return self._atomically(record_all)

    def save(self, order: OrderRecord) -> OrderRecord:
        """Store a status change (pending to placed, or cancelled); spend moves with it.

        Cancelling takes the order's total out of its buckets; placing an order
        that was pending approval moves it from the pending buckets to the
        placed ones.

        Raises:
            NotFound: No order has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: Anything but the status (and version) changed.
        """

        def store() -> OrderRecord:
            stored = self._stored_for_update(order)
            saved = self._update(order)
            self._work.spend.book(self._work.spend.posting(saved.id).moves(stored, saved))
            return saved

        return self._atomically(store)

    def get(self, order_id: OrderId) -> OrderRecord:
        """Return the order with ``order_id``.

        Raises:
            NotFound: No order has this id.
        """
        with self._lock:
            return self._find(order_id)

    def decision_of(self, order_id: OrderId) -> DecisionRecord | None:
        """Return the decision recorded with the order (``None``: recorded without one).

        Raises:
            NotFound: No order has this id.
        """
        with self._lock:
            self._find(order_id)
            return self._work.spend.decision(order_id)

    def history(self, query: OrderQuery | None = None) -> Page[OrderRecord]:
        """Return one page of the orders matching ``query`` (default: all, newest first).

        ``include_subtree`` takes the subsidiaries as the tree stands now.
        Sorting by total compares amounts only, whatever their currency.
        """
        query = query if query is not None else OrderQuery()
        with self._lock:
            scope: list[CompanyId] | None = None
            if query.company_id is not None:
                scope = [query.company_id]
                if query.include_subtree:
                    scope.extend(company.id for company in self._work.below(query.company_id))
                candidates: Iterable[OrderRecord] = self._rows_of("company", scope)
            elif query.buyer_id is not None:
                candidates = self._rows_of("buyer", [query.buyer_id])
            else:
                candidates = list(self._buffer.all())
            return queries.select(query, candidates, scope)

    def spent(
        self, key: SpendKey, window: Window, *, include_pending: bool = True
    ) -> dict[str, Decimal]:
        """Return the spend per currency code of ``key`` in ``window`` (empty when none).

        One look-up per local day of the window, whatever the length of the
        history.

        Args:
            key: Whose spend.
            window: The budget period.
            include_pending: Count orders pending approval too (the default).
        """
        with self._lock:
            return self._work.spend.spent(key, window, include_pending=include_pending)

    def _rows_of(self, index: str, keys: Iterable[str]) -> list[OrderRecord]:
        ids = set().union(*(self._buffer.ids(index, key) for key in keys))
        return [row for row_id in ids if (row := self._buffer.get(row_id)) is not None]

    def _place_of(
        self, company_id: CompanyId, places: dict[CompanyId, tuple[list[CompanyId], str]]
    ) -> tuple[list[CompanyId], str]:
        """A company's ancestors and time zone, remembered in ``places``."""
        place = places.get(company_id)
        if place is None:
            company = self._work.companies.get(company_id)
            if company is None:  # pragma: no cover - the references were checked
                raise ValidationError(f"company {company_id!r} does not exist", field="company_id")
            place = places[company_id] = (self._work.above(company_id), company.time_zone)
        return place

    def _posting_of(
        self, order: OrderRecord, places: dict[CompanyId, tuple[list[CompanyId], str]]
    ) -> SpendPosting:
        ancestors, time_zone = self._place_of(order.company_id, places)
        return SpendPosting.of(order, time_zone=time_zone, ancestors=ancestors)

    def _check_references(self, row: OrderRecord) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of order {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        if self._work.customers.get(row.buyer_id) is None:
            raise ValidationError(
                f"buyer {row.buyer_id!r} of order {row.id!r} does not exist; "
                "store the customer first",
                field="buyer_id",
            )

    def _check_change(self, stored: OrderRecord, changed: OrderRecord) -> None:
        for attribute in attrs.fields(OrderRecord):
            name = attribute.name
            if name not in _MAY_CHANGE and getattr(changed, name) != getattr(stored, name):
                raise ValidationError(
                    f"order {stored.id!r} may change its status only, not {name}; "
                    "record a new order instead",
                    field=name,
                )


def _decision_record(decision: object) -> DecisionRecord | None:
    if decision is None or isinstance(decision, DecisionRecord):
        return decision
    raise ValidationError(
        f"expected a DecisionRecord, got {type(decision).__name__}", field="decision"
    )
