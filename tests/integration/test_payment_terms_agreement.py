"""The memory and SQL stores agree on payment terms, step by step, on random histories.

Each example applies one random sequence of writes and reads (terms drawn
from the public strategy, under a few codes that collide by key) to a
`MemoryStore` and an SQLite `SqlStore`, one unit of work per
step, and checks after every step that both answered alike (the same
result, or the same error class) and hold the same terms.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2b_customers.adapters.memory import MemoryStore
from b2b_customers.adapters.sql import SqlStore
from b2b_customers.clock import ManualClock
from b2b_customers.errors import B2BError
from b2b_customers.serialization import make_converter
from b2b_customers.testing import strategies as st_b2b

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.credit import PaymentTerms
    from b2b_customers.ports import Store, UnitOfWork

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
CODES = st.sampled_from(["NET30", "net_30", "Net-30", "2-10-NET30", "X"])
"""A few codes, three of them one key: adds collide, and any spelling finds them."""
_CONVERTER = make_converter()

Step = tuple[str, Any]


def steps() -> st.SearchStrategy[list[Step]]:
    terms = st.tuples(st_b2b.payment_terms(), CODES).map(
        lambda drawn: attrs.evolve(drawn[0], code=drawn[1])
    )
    return st.lists(
        st.one_of(
            st.tuples(st.just("add"), terms),
            st.tuples(st.just("replace"), st.tuples(terms, st.integers(-1, 1))),
            st.tuples(st.just("remove"), CODES),
            st.tuples(st.just("get"), CODES),
        ),
        min_size=1,
        max_size=8,
    )


def _replace(uow: UnitOfWork, terms: PaymentTerms, off_by: int) -> PaymentTerms:
    """Save ``terms`` over the stored ones of its key, at their version plus ``off_by``."""
    stored = uow.payment_terms.get(terms.code)
    version = max(stored.version + off_by, 0)
    return uow.payment_terms.save(attrs.evolve(terms, version=version))


def _operation(kind: str, argument: Any) -> Callable[[UnitOfWork], object]:
    if kind == "add":
        return lambda uow: uow.payment_terms.add(argument)
    if kind == "replace":
        return lambda uow: _replace(uow, *argument)
    if kind == "remove":
        return lambda uow: uow.payment_terms.remove(argument)
    return lambda uow: uow.payment_terms.get(argument)


def _outcome(store: Store, action: Callable[[UnitOfWork], object]) -> object:
    with store.unit_of_work() as uow:
        try:
            result = action(uow)
        except B2BError as error:
            return type(error).__name__
        uow.commit()
    return _CONVERTER.unstructure(result)


def _held(store: Store) -> object:
    with store.unit_of_work() as uow:
        return _CONVERTER.unstructure(uow.payment_terms.all())


@settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(steps())
def test_memory_and_sqlite_agree_on_every_step(history: list[Step]) -> None:
    clock = ManualClock(START)
    memory = MemoryStore(clock=clock)
    sql = SqlStore("sqlite://", clock=clock)
    try:
        for kind, argument in history:
            clock.advance(timedelta(seconds=1))
            action = _operation(kind, argument)
            assert _outcome(memory, action) == _outcome(sql, action), kind
            assert _held(memory) == _held(sql), kind
    finally:
        sql.dispose()
