"""Every public service method, called with anything: only the library's errors escape.

:data:`ARGUMENTS` holds one strategy per ``"service.method"``: keyword
arguments mixing sensible values (the seeded world's ids and actors) with
garbage (wrong types, ``None``, huge strings, unknown ids, other currencies,
naive datetimes, negative numbers). The methods are found by introspecting an
App, and a test fails when one has no strategy, so a new method cannot go
unfuzzed. A call either succeeds or raises a :class:`B2BError`, and a call
that fails leaves the store as it was.

On the memory store each example gets a fresh world; on SQLite the examples
share one store (a new database per example would cost a migration each), so
the world drifts as calls succeed, which is more state to trip over.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.app import App, connect
from b2b_customers.clock import ManualClock
from b2b_customers.domain import Company, Role
from b2b_customers.errors import B2BError
from b2b_customers.ids import SequentialIds
from b2b_customers.services import Staff, StaffRole
from b2b_customers.testing import strategies
from b2b_customers.testing.snapshot import snapshot
from tests.services.conftest import NOW
from tests.services.world import (
    ACME,
    GLOBEX,
    NORTH,
    World,
    order,
    seed,
    service_methods,
)

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Callable, Iterator


def fresh_app(url: str = "memory://") -> App:
    return connect(url, clock=ManualClock(NOW), ids=SequentialIds("x-"))


def _reference_world() -> tuple[World, tuple[Company, ...]]:
    app = fresh_app()
    world = seed(app)
    with app.store.unit_of_work() as uow:
        return world, tuple(uow.companies.get_many([ACME, NORTH, GLOBEX]))


WORLD, COMPANIES = _reference_world()
"""The seeded world (ids are the same in every fresh seeding)."""

GARBAGE: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(),
    st.decimals(allow_nan=True),
    st.just(Decimal(-1)),
    st.text(max_size=8),
    st.just("x" * 100_000),
    st.just(" acme "),
    st.just(""),
    st.binary(max_size=4),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(object()),
    st.datetimes(),  # naive
    st.just(Money("-5", "JPY")),
    st.sampled_from(list(Role)),
)
"""Values of the wrong type, the wrong shape or out of range."""


def garbled(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly ``valid``, sometimes garbage."""
    return st.one_of(valid, valid, GARBAGE)


def company_ids() -> st.SearchStrategy[Any]:
    return garbled(st.sampled_from(WORLD.companies) | strategies.ids())


def customer_ids() -> st.SearchStrategy[Any]:
    return garbled(st.sampled_from([c.id for c in WORLD.customers]) | strategies.ids())


def actors() -> st.SearchStrategy[Any]:
    staff = st.builds(
        Staff,
        id=strategies.ids(),
        name=strategies.names(max_size=20),
        roles=st.frozensets(st.sampled_from(StaffRole)),
    )
    return st.one_of(
        st.sampled_from(WORLD.actors),
        staff,
        strategies.customers(),
        st.sampled_from(WORLD.actors),
        GARBAGE,
    )


def roles() -> st.SearchStrategy[Any]:
    return garbled(
        st.lists(garbled(st.sampled_from(Role) | st.sampled_from([r.value for r in Role])))
    )


def company_fields() -> st.SearchStrategy[dict[str, Any]]:
    names = [f.name for f in attrs.fields(Company)] + ["bogus", "parent", "actor"]
    values = st.one_of(GARBAGE, strategies.names(max_size=10), strategies.time_zones())
    return st.dictionaries(st.sampled_from(names), values, max_size=3)


def orders() -> st.SearchStrategy[Any]:
    buyers = st.sampled_from([c.id for c in WORLD.customers]) | strategies.ids()
    valid = st.builds(
        order, st.sampled_from(WORLD.companies), buyers, st.sampled_from(["1", "600"])
    )
    foreign = strategies.order_drafts()
    return garbled(valid | foreign)


def with_fields(
    fixed: dict[str, st.SearchStrategy[Any]], fields: st.SearchStrategy[dict[str, Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    return st.tuples(st.fixed_dictionaries(fixed), fields).map(lambda pair: {**pair[1], **pair[0]})


def texts() -> st.SearchStrategy[Any]:
    return garbled(strategies.names(max_size=30))


ARGUMENTS: dict[str, Callable[[], st.SearchStrategy[dict[str, Any]]]] = {
    "companies.import_many": lambda: st.fixed_dictionaries(
        {
            "actor": actors(),
            "companies": garbled(
                st.lists(
                    strategies.companies() | GARBAGE,
                    max_size=3,
                )
            ),
        },
        optional={"check_only": garbled(st.booleans()), "unit": garbled(st.just("line"))},
    ),
    "customers.import_many": lambda: st.fixed_dictionaries(
        {
            "actor": actors(),
            "customers": garbled(st.lists(strategies.customers() | GARBAGE, max_size=3)),
        },
        optional={"check_only": garbled(st.booleans()), "progress": garbled(st.none())},
    ),
    "companies.onboard": lambda: with_fields(
        {
            "actor": actors(),
            "name": texts(),
            "currency": garbled(st.sampled_from(["EUR", "USD", "XXX", "eur", "EURO"])),
        },
        company_fields(),
    ),
    "companies.add_subsidiary": lambda: with_fields(
        {
            "actor": actors(),
            "parent": company_ids(),
            "name": texts(),
            "currency": st.none() | garbled(strategies.currencies()),
        },
        company_fields(),
    ),
    "companies.get": lambda: st.fixed_dictionaries(
        {"actor": actors(), "company_id": company_ids()}
    ),
    "companies.move": lambda: st.fixed_dictionaries(
        {"actor": actors(), "company_id": company_ids(), "new_parent": st.none() | company_ids()}
    ),
    "companies.put_on_hold": lambda: st.fixed_dictionaries(
        {"actor": actors(), "company_id": company_ids()}
    ),
    "companies.activate": lambda: st.fixed_dictionaries(
        {"actor": actors(), "company_id": company_ids()}
    ),
    "companies.deactivate": lambda: st.fixed_dictionaries(
        {"actor": actors(), "company_id": company_ids()}
    ),
    "companies.visible_to": lambda: st.fixed_dictionaries(
        {
            "actor": actors(),
            "companies": garbled(
                st.lists(garbled(st.sampled_from(COMPANIES) | strategies.companies()), max_size=4)
            ),
        }
    ),
    "customers.invite": lambda: st.fixed_dictionaries(
        {
            "actor": actors(),
            "company": company_ids(),
            "email": garbled(
                strategies.emails() | st.sampled_from([c.email for c in WORLD.customers])
            ),
            "first_name": texts(),
            "last_name": texts(),
            "roles": roles(),
        },
        optional={"active": garbled(st.booleans())},
    ),
    "customers.activate": lambda: st.fixed_dictionaries(
        {"actor": actors(), "customer": customer_ids()}
    ),
    "customers.assign_roles": lambda: st.fixed_dictionaries(
        {
            "actor": actors(),
            "customer": customer_ids(),
            "company": company_ids(),
            "roles": roles(),
        }
    ),
    "customers.remove_from_company": lambda: st.fixed_dictionaries(
        {"actor": actors(), "customer": customer_ids(), "company": company_ids()}
    ),
    "orders.check": lambda: st.fixed_dictionaries({"actor": actors(), "order": orders()}),
}
"""How to call each service method: a strategy of its keyword arguments."""

NOT_YET_FUZZED = frozenset(
    {
        "approvals.approve",
        "approvals.cancel",
        "approvals.complete",
        "approvals.eligible_approvers",
        "approvals.expire_due",
        "approvals.get",
        "approvals.is_approval_required",
        "approvals.reject",
        "approvals.search",
        "audit.for_company",
        "automations.due_invoice_reminders",
        "automations.expire_due_approvals",
        "automations.hold_overdue_accounts",
        "automations.lapsed_customers",
        "contacts.assign",
        "contacts.change",
        "contacts.for_company",
        "contacts.remove",
        "credit.account",
        "credit.adjust",
        "credit.aging",
        "credit.issue_credit_note",
        "credit.lift_hold",
        "credit.open_account",
        "credit.override_hold",
        "credit.place_hold",
        "credit.post_invoice",
        "credit.record_payment",
        "credit.set_auto_hold",
        "credit.set_credit_limit",
        "credit.set_payment_terms",
        "credit.statement",
        "limits.change",
        "limits.for_company",
        "limits.remove",
        "limits.set",
        "locations.add",
        "locations.for_company",
        "locations.make_primary",
        "locations.remove",
        "locations.set_default_billing",
        "locations.set_default_shipping",
        "locations.update",
        "orders.get",
        "orders.history",
        "orders.place",
        "orders.reorder",
    }
)
"""Methods with no strategy in :data:`ARGUMENTS` yet.

UNCOVERED, on purpose and for now: the services main gained after the fuzzer
was written. The coverage test accepts exactly these, so any *other* new
method without a strategy still fails it. Give one a strategy, then make
this set smaller (the test fails for a name that has a strategy or is gone).
"""

METHODS = sorted(set(service_methods()) - NOT_YET_FUZZED)


def call(app: App, method: str, arguments: dict[str, Any]) -> None:
    service, name = method.split(".")
    before = snapshot(app.store)
    try:
        getattr(getattr(app, service), name)(**arguments)
    except B2BError:
        assert snapshot(app.store) == before, "a failed call wrote to the store"
    except Exception as error:  # noqa: BLE001  (any other escape is the bug this test looks for)
        pytest.fail(f"{method}(**{arguments!r:.500}) let {error!r:.500} escape")


def test_every_public_service_method_has_an_argument_strategy() -> None:
    assert set(METHODS) - set(ARGUMENTS) == set(), "register a strategy in ARGUMENTS"
    assert set(ARGUMENTS) - set(METHODS) == set(), "a strategy names a method that is gone"
    assert set(ARGUMENTS) & NOT_YET_FUZZED == set(), "fuzzed now: delete it from NOT_YET_FUZZED"
    assert set(service_methods()) >= NOT_YET_FUZZED, "NOT_YET_FUZZED names a method that is gone"


@pytest.mark.parametrize("method", METHODS)
# Each example seeds a fresh world (nine service calls); 60 per method keeps the
# module under half a minute while every garbage kind still reaches every argument.
@settings(max_examples=60)
@given(data=st.data())
def test_only_library_errors_escape_on_the_memory_store(method: str, data: st.DataObject) -> None:
    app = fresh_app()
    seed(app)
    call(app, method, data.draw(ARGUMENTS[method](), label="arguments"))


@pytest.fixture(scope="module")
def sqlite_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    path: pathlib.Path = tmp_path_factory.mktemp("fuzz") / "shop.db"
    app = fresh_app(f"sqlite:///{path}")
    seed(app)
    yield app
    app.store.dispose()  # type: ignore[attr-defined]


@pytest.mark.parametrize("method", METHODS)
# One store for all examples (a migration per example would take minutes); fewer
# examples, since each reads the whole store twice.
@settings(max_examples=20)
@given(data=st.data())
def test_only_library_errors_escape_on_sqlite(
    sqlite_app: App, method: str, data: st.DataObject
) -> None:
    call(sqlite_app, method, data.draw(ARGUMENTS[method](), label="arguments"))
