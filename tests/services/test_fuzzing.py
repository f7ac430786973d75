"""Every public service method, called with anything: only the library's errors escape.

`ARGUMENTS` holds one strategy per ``"service.method"``: keyword
arguments mixing sensible values (the seeded world's ids and actors) with
hostile ones (`hostile_values`: lone
surrogates, NUL, very long and right-to-left text, wrong types, naive and
extreme datetimes, NaN, infinite and huge decimals and amounts). The methods
are found by introspecting an App, and a test fails when one has no
strategy, so a new method cannot go unfuzzed. A call either succeeds or
raises a `B2BError`, and a call that fails leaves the store as it was.

The world (`rich_seed`) holds something for every method to act on: a
credit line shared by ACME and North with an invoice, a pending approval
request, a placed order, locations, a contact and an order history.

On the memory store each example gets a fresh world; on SQLite and
PostgreSQL the examples share one store per module (a new database per
example would cost a migration each), so the world drifts as calls succeed,
which is more state to trip over.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.adapters.sql import SqlStore, migrate
from b2b_customers.app import App, connect
from b2b_customers.approvals import ApprovalStatus
from b2b_customers.clock import ManualClock
from b2b_customers.credit import Allocation, CreditControl
from b2b_customers.domain import (
    Company,
    CompanyStatus,
    ContactType,
    Customer,
    CustomerStatus,
    Location,
    LocationType,
    NotificationEvent,
    Role,
)
from b2b_customers.domain.order import OrderStatus
from b2b_customers.errors import B2BError, StorageError
from b2b_customers.ids import LimitId, SequentialIds
from b2b_customers.limits import LimitScope, OnExceed
from b2b_customers.ports import ApprovalQuery, CompanySort, CustomerSort, OrderQuery
from b2b_customers.services import Staff, StaffRole
from b2b_customers.testing import strategies
from b2b_customers.testing.snapshot import snapshot
from tests.budget import examples
from tests.services.conftest import NOW
from tests.services.world import (
    ACME,
    GLOBEX,
    KIEL,
    NORTH,
    World,
    invoice_north,
    lapsed,
    located,
    order,
    pending,
    seed,
    service_methods,
    with_contact,
)

if TYPE_CHECKING:
    import pathlib
    from collections.abc import Iterator


def fresh_app(url: str = "memory://") -> App:
    return connect(url, clock=ManualClock(NOW), ids=SequentialIds("x-"))


def rich_seed(app: App) -> World:
    """The shop of `seed`, with something for every method."""
    world = seed(app)
    pending(app, world)  # ACME's credit line (shared with North), Bea and her 600 EUR request
    invoice_north(app)
    app.orders.place(actor=world.bob, order=order(NORTH, world.bob.id))
    located(app)
    with_contact(app, world)
    lapsed(app, world)
    return world


@attrs.frozen
class Reference:
    """The ids a freshly seeded world holds (the same in every fresh seeding)."""

    world: World
    companies: tuple[Company, ...]
    requests: tuple[str, ...]
    orders: tuple[str, ...]
    locations: tuple[Location, ...]
    contacts: tuple[str, ...]
    limits: tuple[str, ...]


def _reference() -> Reference:
    app = fresh_app()
    world = rich_seed(app)
    with app.store.unit_of_work() as uow:
        return Reference(
            world=world,
            companies=tuple(uow.companies.get_many([ACME, NORTH, GLOBEX])),
            requests=tuple(r.id for r in uow.approvals.search(ApprovalQuery(limit=50)).items),
            orders=tuple(o.id for o in uow.orders.history(OrderQuery(limit=50)).items),
            locations=tuple(uow.locations.for_company(ACME)),
            contacts=tuple(c.id for c in uow.contacts.for_company(ACME)),
            limits=(LimitId("acme-cap"),),
        )


REFERENCE = _reference()
WORLD, COMPANIES = REFERENCE.world, REFERENCE.companies

GARBAGE: st.SearchStrategy[Any] = st.one_of(
    strategies.hostile_values(),
    st.just(" acme "),
    st.just(Money("-5", "JPY")),
    st.sampled_from(list(Role)),
)
"""Values of the wrong type, the wrong shape or out of range (see ``hostile_values``)."""

HOSTILE_TEXT = strategies.hostile_texts()


@attrs.frozen
class Arg:
    """How to draw one argument: a ``valid`` value, or a ``hostile`` one.

    Each example spoils a few arguments (usually one) and draws the rest
    valid, so a hostile value gets past the other checks to the code that
    would mishandle it.
    """

    valid: st.SearchStrategy[Any]
    hostile: st.SearchStrategy[Any]


def arg(valid: st.SearchStrategy[Any], *hostile: st.SearchStrategy[Any]) -> Arg:
    """``valid``; spoiled, the ``hostile`` values of the argument's own kind, or garbage."""
    return Arg(valid, st.one_of(*hostile, GARBAGE))


def nullable(argument: Arg) -> Arg:
    """``argument``, or ``None`` (which it also takes)."""
    return Arg(st.none() | argument.valid, argument.hostile)


def known(values: tuple[Any, ...]) -> Arg:
    """One of the world's ids of a kind, or an unknown id; spoiled, hostile text or garbage."""
    return arg(st.sampled_from(values) | strategies.ids(), HOSTILE_TEXT)


COMPANY_IDS = known(WORLD.companies)
CUSTOMER_IDS = known(tuple(c.id for c in WORLD.customers))
REQUEST_IDS = known(REFERENCE.requests)
ORDER_IDS = known(REFERENCE.orders)
LOCATION_IDS = known(tuple(location.id for location in REFERENCE.locations))
CONTACT_IDS = known(REFERENCE.contacts)
LIMIT_IDS = known(REFERENCE.limits)


def actors() -> Arg:
    staff = st.builds(
        Staff,
        id=strategies.ids(),
        name=strategies.names(max_size=20),
        roles=st.frozensets(st.sampled_from(StaffRole)),
    )
    # A customer acts as an object or by id, of a stored customer or an unknown one
    # (refused: PermissionDenied, see docs/permissions.md "the stale-actor rule").
    ids = st.sampled_from([c.id for c in WORLD.customers]) | strategies.ids()
    return arg(
        st.one_of(st.sampled_from(WORLD.actors), staff, strategies.customers(), ids), HOSTILE_TEXT
    )


def choices(enum: Any) -> Arg:
    """A member of ``enum`` or its value as text; spoiled, hostile text or garbage."""
    return arg(st.sampled_from(list(enum)) | st.sampled_from([m.value for m in enum]), HOSTILE_TEXT)


def collections_of(item: Arg, *, max_size: int = 3) -> Arg:
    """Lists of ``item``; spoiled, lists with a hostile item in them, or garbage."""
    spoiled = st.tuples(
        st.lists(item.valid, max_size=max_size), item.hostile, st.integers(0, max_size)
    ).map(lambda drawn: [*drawn[0][: drawn[2]], drawn[1], *drawn[0][drawn[2] :]])
    return arg(st.lists(item.valid, max_size=max_size), spoiled)


def roles() -> Arg:
    return collections_of(choices(Role))


def orders() -> Arg:
    buyers = st.sampled_from([c.id for c in WORLD.customers]) | strategies.ids()
    valid = st.builds(
        order, st.sampled_from(WORLD.companies), buyers, st.sampled_from(["1", "600"])
    )
    return arg(valid | strategies.order_drafts())


def texts() -> Arg:
    return arg(strategies.names(max_size=30), HOSTILE_TEXT, HOSTILE_TEXT)


def references() -> Arg:
    """A document number (invoice, payment, note, order): an id; spoiled, hostile text."""
    return arg(strategies.ids(), HOSTILE_TEXT, HOSTILE_TEXT)


def whole_numbers() -> Arg:
    return arg(st.integers(-5, 200), st.sampled_from([-1, 2**31, 2**63, -(2**63), 10**30]))


def flags() -> Arg:
    return arg(st.booleans())


def amounts() -> Arg:
    valid = strategies.money("EUR", min_value=Decimal(-1000), max_value=Decimal(10_000))
    return arg(valid, strategies.hostile_money(), strategies.hostile_decimals())


def factors() -> Arg:
    return arg(st.integers(-2, 5) | st.decimals(0, 10, places=2), strategies.hostile_decimals())


def datetimes() -> Arg:
    return arg(
        strategies.aware_datetimes(), strategies.naive_datetimes(), strategies.extreme_datetimes()
    )


def dates() -> Arg:
    return arg(st.dates(), strategies.extreme_datetimes(), strategies.naive_datetimes())


def terms() -> Arg:
    return arg(
        strategies.payment_terms() | st.sampled_from(["NET30", "net60", "EOM30", "NET-1", "NET"]),
        HOSTILE_TEXT,
    )


def codes() -> Arg:
    """A payment terms code: a preset's, one of no terms, any id; spoiled, hostile text."""
    return arg(st.sampled_from(["NET30", "net_60", "2-10-NET30"]) | strategies.ids(), HOSTILE_TEXT)


def scopes() -> Arg:
    ours = st.builds(
        LimitScope,
        kind=st.just("company"),
        company_id=st.sampled_from(WORLD.companies),
        include_subtree=st.booleans(),
    )
    return arg(ours | strategies.limit_scopes())


def rules() -> Arg:
    return arg(strategies.limit_rules("EUR") | strategies.limit_rules())


def addresses() -> Arg:
    return arg(st.just(KIEL) | strategies.addresses())


def fields_of(entity: type, *valid: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Extra keyword fields for ``entity``: its own, unknown and reserved names, any values."""
    names = [f.name for f in attrs.fields(entity)] + ["bogus", "parent", "actor"]
    values = st.one_of(*valid, GARBAGE, HOSTILE_TEXT)
    return st.dictionaries(st.sampled_from(names), values, max_size=3)


COMPANY_FIELDS = fields_of(Company, strategies.names(max_size=10), strategies.time_zones())
CUSTOMER_FIELDS = fields_of(Customer, strategies.names(max_size=10), strategies.emails())


def allocations() -> Arg:
    valid = st.builds(
        Allocation,
        invoice_id=strategies.ids(),
        instalment=st.none() | st.integers(1, 3),
        amount=st.none() | strategies.money("EUR", min_value=Decimal("0.01")),
    )
    return arg(valid, HOSTILE_TEXT)


LOCATION_FIELDS = fields_of(
    Location,
    strategies.names(max_size=10),
    st.booleans(),
    strategies.addresses(),
    st.sampled_from(list(LocationType)),
    strategies.tags(),
)

Arguments = Callable[[], st.SearchStrategy[dict[str, Any]]]
"""Makes the strategy of one method's keyword arguments."""


def call_with(
    required: dict[str, Arg],
    optional: dict[str, Arg] | None = None,
    *,
    fields: st.SearchStrategy[dict[str, Any]] | None = None,
) -> Arguments:
    """The keyword arguments of a method: ``actor`` and every ``required`` one, some ``optional``.

    One or two of the arguments drawn are spoiled (in one example of five
    none may be, so calls also succeed and the shared stores' worlds drift);
    ``fields`` adds the ``**fields`` of methods that take them.
    """
    specs = {"actor": actors(), **required}
    optional = optional or {}

    @st.composite
    def draw_arguments(draw: st.DrawFn) -> dict[str, Any]:
        names = [*specs, *(name for name in optional if draw(st.booleans()))]
        every = {**specs, **optional}
        fewest = 0 if draw(st.integers(0, 4), label="all valid") == 0 else 1
        spoiled = draw(
            st.lists(st.sampled_from(names), min_size=fewest, max_size=2, unique=True),
            label="spoiled",
        )
        extra = draw(fields, label="fields") if fields is not None else {}
        return extra | {
            name: draw(every[name].hostile if name in spoiled else every[name].valid, label=name)
            for name in names
        }

    return draw_arguments


def on_company(**optional: Arg) -> Arguments:
    return call_with({"company": COMPANY_IDS}, optional)


PAGING = {"offset": whole_numbers(), "limit": whole_numbers()}

ARGUMENTS: dict[str, Arguments] = {
    "companies.onboard": call_with(
        {
            "name": texts(),
            "currency": arg(st.sampled_from(["EUR", "USD", "XXX", "eur", "EURO"]), HOSTILE_TEXT),
        },
        fields=COMPANY_FIELDS,
    ),
    "companies.add_subsidiary": call_with(
        {
            "parent": COMPANY_IDS,
            "name": texts(),
            "currency": nullable(arg(strategies.currencies(), HOSTILE_TEXT)),
        },
        fields=COMPANY_FIELDS,
    ),
    "companies.get": call_with({"company_id": COMPANY_IDS}),
    "companies.import_many": call_with(
        {"companies": collections_of(arg(strategies.companies()))},
        {"check_only": flags(), "unit": texts(), "progress": nullable(arg(st.none()))},
    ),
    "companies.edit": call_with({"company_id": COMPANY_IDS}, fields=COMPANY_FIELDS),
    "companies.search": call_with(
        {},
        {
            "text": nullable(texts()),
            "status": nullable(choices(CompanyStatus)),
            "tag": nullable(texts()),
            "custom_fields": nullable(
                arg(st.dictionaries(strategies.names(max_size=8), strategies.names(max_size=8)))
            ),
            "country": nullable(arg(st.sampled_from(["DE", "AT", "de", "XX"]), HOSTILE_TEXT)),
            "parent": nullable(COMPANY_IDS),
            "top_level": nullable(flags()),
            "paid_by": nullable(COMPANY_IDS),
            "sort": choices(CompanySort),
            "descending": flags(),
            **PAGING,
        },
    ),
    "companies.children": call_with({"company_id": COMPANY_IDS}),
    "companies.ancestors": call_with({"company_id": COMPANY_IDS}),
    "companies.descendants": call_with({"company_id": COMPANY_IDS}),
    "companies.paid_for": call_with({"company_id": COMPANY_IDS}),
    "companies.move": call_with({"company_id": COMPANY_IDS, "new_parent": nullable(COMPANY_IDS)}),
    "companies.put_on_hold": call_with({"company_id": COMPANY_IDS}),
    "companies.activate": call_with({"company_id": COMPANY_IDS}),
    "companies.deactivate": call_with({"company_id": COMPANY_IDS}),
    "companies.visible_to": call_with(
        {"companies": collections_of(arg(st.sampled_from(COMPANIES) | strategies.companies()))}
    ),
    "customers.invite": call_with(
        {
            "company": COMPANY_IDS,
            "email": arg(
                strategies.emails() | st.sampled_from([c.email for c in WORLD.customers]),
                HOSTILE_TEXT,
                strategies.emails().map(lambda email: "\ud800" + email),
                strategies.emails().map(lambda email: email + "\x00"),
            ),
            "first_name": texts(),
            "last_name": texts(),
            "roles": roles(),
        },
        {"active": flags()},
    ),
    "customers.activate": call_with({"customer": CUSTOMER_IDS}, {"company": COMPANY_IDS}),
    "customers.assign_roles": call_with(
        {"customer": CUSTOMER_IDS, "company": COMPANY_IDS, "roles": roles()}
    ),
    "customers.remove_from_company": call_with({"customer": CUSTOMER_IDS, "company": COMPANY_IDS}),
    "customers.get": call_with({"customer": CUSTOMER_IDS}),
    "customers.import_many": call_with(
        {"customers": collections_of(arg(strategies.customers()))},
        {"check_only": flags(), "unit": texts(), "progress": nullable(arg(st.none()))},
    ),
    "customers.search": call_with(
        {},
        {
            "company": nullable(COMPANY_IDS),
            "include_subtree": flags(),
            "role": nullable(choices(Role)),
            "status": nullable(choices(CustomerStatus)),
            "membership_status": nullable(choices(CustomerStatus)),
            "email_contains": nullable(texts()),
            "name_contains": nullable(texts()),
            "tag": nullable(texts()),
            "sort": choices(CustomerSort),
            "descending": flags(),
            **PAGING,
        },
    ),
    "customers.update": call_with({"customer": CUSTOMER_IDS}, fields=CUSTOMER_FIELDS),
    "customers.deactivate": call_with({"customer": CUSTOMER_IDS}, {"company": COMPANY_IDS}),
    "customers.set_manager": call_with(
        {"customer": CUSTOMER_IDS, "manager": nullable(CUSTOMER_IDS)}
    ),
    "customers.create_group": call_with(
        {"name": texts()}, {"members": collections_of(CUSTOMER_IDS)}
    ),
    "customers.change_group": call_with(
        {"group": arg(strategies.ids() | st.just("g-acme"), HOSTILE_TEXT)},
        {"add": collections_of(CUSTOMER_IDS), "remove": collections_of(CUSTOMER_IDS)},
    ),
    # -- approval settings
    "approval_settings.save_policy": call_with({"policy": arg(strategies.approval_policies())}),
    "approval_settings.remove_policy": call_with({"policy": arg(strategies.ids(), HOSTILE_TEXT)}),
    "approval_settings.save_group": call_with(
        {"company": COMPANY_IDS, "name": texts()},
        {"members": collections_of(CUSTOMER_IDS), "roles": roles()},
    ),
    "approval_settings.remove_group": on_company(),
    "approval_settings.set_approver_limit": call_with(
        {"company": COMPANY_IDS, "maximum": amounts()},
        {
            "customer": nullable(CUSTOMER_IDS),
            "role": nullable(choices(Role)),
            "per_period": nullable(amounts()),
            "period": nullable(arg(strategies.periods())),
        },
    ),
    "approval_settings.remove_approver_limit": call_with(
        {"limit": arg(strategies.ids(), HOSTILE_TEXT)}
    ),
    # -- orders
    "orders.check": call_with({"order": orders()}),
    "orders.place": call_with(
        {"order": orders()},
        {
            "comment": texts(),
            "po_number": texts(),
            "ask_approval": flags(),
            "preferred_approver": nullable(CUSTOMER_IDS),
        },
    ),
    "orders.reorder": call_with(
        {"order_id": ORDER_IDS}, {"comment": texts(), "po_number": texts()}
    ),
    "orders.get": call_with({"order_id": ORDER_IDS}),
    "orders.replay": call_with({"order_id": ORDER_IDS}),
    "orders.history": call_with(
        {},
        {
            "company": COMPANY_IDS,
            "customer": CUSTOMER_IDS,
            "location": LOCATION_IDS,
            "include_subtree": flags(),
            "status": choices(OrderStatus),
            "placed_from": datetimes(),
            "placed_before": datetimes(),
            **PAGING,
        },
    ),
    # -- approvals
    "approvals.approve": call_with({"request": REQUEST_IDS}, {"comment": texts()}),
    "approvals.reject": call_with({"request": REQUEST_IDS, "reason": texts()}),
    "approvals.cancel": call_with({"request": REQUEST_IDS}, {"reason": texts()}),
    "approvals.complete": call_with({"request": REQUEST_IDS}),
    "approvals.get": call_with({"request": REQUEST_IDS}),
    "approvals.update_comment": call_with({"request": REQUEST_IDS, "comment": nullable(texts())}),
    "approvals.approvers_for": call_with({"order": orders()}),
    "approvals.request": call_with(
        {"order": orders()},
        {"preferred_approver": nullable(CUSTOMER_IDS), "comment": texts(), "po_number": texts()},
    ),
    "approvals.eligible_approvers": call_with({"request": REQUEST_IDS}),
    "approvals.expire_due": call_with({}, {"limit": whole_numbers()}),
    "automations.approval_expiry_reminders": call_with(
        {}, {"within_hours": whole_numbers(), "limit": whole_numbers()}
    ),
    "approvals.is_approval_required": call_with({"order": orders()}),
    "approvals.search": call_with(
        {},
        {
            "company": COMPANY_IDS,
            "requester": CUSTOMER_IDS,
            "status": choices(ApprovalStatus),
            "resource_id": references(),
            "descending": flags(),
            **PAGING,
        },
    ),
    # -- credit
    "credit.open_account": call_with(
        {"company": COMPANY_IDS, "credit_limit": amounts()},
        {
            "payment_terms": terms(),
            "shared_with": collections_of(COMPANY_IDS),
            "auto_hold_after_days": nullable(whole_numbers()),
            "credit_control": choices(CreditControl),
            "check_credit_on_invoice": flags(),
            "overdue_hold_amount": nullable(amounts()),
        },
    ),
    "credit.account": on_company(),
    "credit.set_credit_limit": call_with(
        {"company": COMPANY_IDS, "credit_limit": amounts()}, {"reason": nullable(texts())}
    ),
    "credit.set_payment_terms": call_with({"company": COMPANY_IDS, "payment_terms": terms()}),
    "credit.save_payment_terms": call_with({"terms": arg(strategies.payment_terms())}),
    "credit.remove_payment_terms": call_with({"code": codes()}),
    "credit.payment_terms": call_with({"code": codes()}),
    "credit.list_payment_terms": call_with({}),
    "credit.set_auto_hold": call_with(
        {"company": COMPANY_IDS, "after_days": nullable(whole_numbers())}
    ),
    "credit.set_overdue_hold_amount": call_with(
        {"company": COMPANY_IDS, "amount": nullable(amounts())}
    ),
    "credit.set_credit_control": call_with(
        {"company": COMPANY_IDS, "control": choices(CreditControl)}
    ),
    "credit.set_invoice_credit_check": call_with({"company": COMPANY_IDS, "enabled": flags()}),
    "credit.grant_credit_bypass": call_with(
        {"company": COMPANY_IDS, "customer": CUSTOMER_IDS, "reason": texts()}
    ),
    "credit.revoke_credit_bypass": call_with({"company": COMPANY_IDS, "customer": CUSTOMER_IDS}),
    "credit.post_invoice": call_with(
        {"company": COMPANY_IDS, "invoice": references(), "amount": amounts()},
        {"order": references(), "invoice_date": dates(), "untaxed_amount": nullable(amounts())},
    ),
    "credit.record_payment": call_with(
        {"company": COMPANY_IDS, "payment": references(), "amount": amounts()},
        {
            "paid_on": nullable(dates()),
            "allocations": nullable(collections_of(allocations())),
            "on_account": flags(),
        },
    ),
    "credit.allocate_payment": call_with(
        {
            "company": COMPANY_IDS,
            "payment": references(),
            "allocations": collections_of(allocations()),
        }
    ),
    "credit.open_items": on_company(as_of=nullable(dates())),
    "credit.receivables_aging": call_with(
        {},
        {
            "as_of": nullable(dates()),
            "companies": nullable(collections_of(COMPANY_IDS)),
            "boundaries": collections_of(whole_numbers()),
        },
    ),
    "credit.issue_credit_note": call_with(
        {"company": COMPANY_IDS, "note": references(), "amount": amounts()}
    ),
    "credit.adjust": call_with({"company": COMPANY_IDS, "amount": amounts(), "reason": texts()}),
    "credit.place_hold": call_with({"company": COMPANY_IDS, "reason": texts()}),
    "credit.lift_hold": on_company(),
    "credit.override_hold": call_with(
        {
            "company": COMPANY_IDS,
            "order": references(),
            "amount": amounts(),
            "reason": texts(),
        }
    ),
    "credit.statement": call_with({"company": COMPANY_IDS, "start": dates(), "end": dates()}),
    "credit.aging": on_company(as_of=dates()),
    # -- limits
    "limits.set": call_with(
        {"scope": scopes(), "rule": rules()},
        {
            "on_exceed": choices(OnExceed),
            "name": nullable(texts()),
            "exempt_roles": nullable(roles()),
        },
    ),
    "limits.change": call_with(
        {"limit": LIMIT_IDS},
        {
            "rule": nullable(rules()),
            "on_exceed": nullable(choices(OnExceed)),
            "name": nullable(texts()),
            "active": nullable(flags()),
            "exempt_roles": nullable(roles()),
        },
    ),
    "limits.remove": call_with({"limit": LIMIT_IDS}),
    "limits.for_company": on_company(include_inactive=flags()),
    # -- locations
    "locations.add": call_with(
        {"company": COMPANY_IDS, "name": texts(), "address": addresses()},
        fields=LOCATION_FIELDS,
    ),
    "locations.update": call_with({"location": LOCATION_IDS}, fields=LOCATION_FIELDS),
    "locations.make_primary": call_with({"location": LOCATION_IDS}),
    "locations.set_default_billing": call_with({"location": LOCATION_IDS}),
    "locations.set_default_shipping": call_with({"location": LOCATION_IDS}),
    "locations.remove": call_with(
        {"location": LOCATION_IDS}, {"new_primary": nullable(LOCATION_IDS)}
    ),
    "locations.for_company": on_company(),
    # -- contacts
    "contacts.assign": call_with(
        {"company": COMPANY_IDS, "customer": CUSTOMER_IDS},
        {
            "type": choices(ContactType),
            "primary": flags(),
            "subscriptions": collections_of(choices(NotificationEvent)),
        },
    ),
    "contacts.change": call_with(
        {"contact": CONTACT_IDS},
        {
            "type": nullable(choices(ContactType)),
            "primary": nullable(flags()),
            "subscriptions": nullable(collections_of(choices(NotificationEvent))),
        },
    ),
    "contacts.remove": call_with({"contact": CONTACT_IDS}),
    "contacts.for_company": on_company(),
    # -- automations and audit
    "automations.hold_overdue_accounts": call_with({}, {"days_overdue": whole_numbers()}),
    "automations.lapsed_customers": call_with(
        {}, {"factor": factors(), "top": whole_numbers(), "min_orders": whole_numbers()}
    ),
    "automations.due_invoice_reminders": call_with(
        {}, {"within": whole_numbers(), "include_overdue": flags()}
    ),
    "automations.expire_due_approvals": call_with({}, {"limit": whole_numbers()}),
    "audit.for_company": call_with(
        {"company_id": COMPANY_IDS},
        {
            "since": datetimes(),
            "until": datetimes(),
            "aggregate_type": texts(),
            "aggregate_id": references(),
            **PAGING,
        },
    ),
}
"""How to call each service method: a strategy of its keyword arguments."""

METHODS = sorted(service_methods())


def call(app: App, method: str, arguments: dict[str, Any]) -> None:
    """Call ``method``: it succeeds, or raises a library error and writes nothing.

    A `StorageError` fails the test too: hostile input must be refused
    before it reaches the database, not make the database fail.
    """
    service, name = method.split(".")
    before = snapshot(app.store)
    try:
        getattr(getattr(app, service), name)(**arguments)
    except StorageError as error:
        pytest.fail(f"{method}(**{arguments!r:.500}) reached the database: {error!r:.500}")
    except B2BError:
        assert snapshot(app.store) == before, "a failed call wrote to the store"
    except Exception as error:  # noqa: BLE001  (any other escape is the bug this test looks for)
        pytest.fail(f"{method}(**{arguments!r:.500}) let {error!r:.500} escape")


def test_every_public_service_method_has_an_argument_strategy() -> None:
    assert set(METHODS) - set(ARGUMENTS) == set(), "register a strategy in ARGUMENTS"
    assert set(ARGUMENTS) - set(METHODS) == set(), "a strategy names a method that is gone"


@pytest.mark.slow  # draws from every strategy until each parameter shows up: ~25 s
def test_every_argument_of_every_method_is_fuzzed() -> None:
    """Each strategy can draw every parameter a method names (``**fields`` aside)."""
    for method, function in service_methods().items():
        parameters = {
            name
            for name, parameter in inspect.signature(function).parameters.items()
            if name != "self" and parameter.kind is not inspect.Parameter.VAR_KEYWORD
        }
        drawn = _keys_drawn(ARGUMENTS[method]())
        assert parameters <= drawn, f"{method}: no strategy for {sorted(parameters - drawn)}"


def _keys_drawn(strategy: st.SearchStrategy[dict[str, Any]]) -> set[str]:
    keys: set[str] = set()

    @settings(max_examples=100, database=None)
    @given(strategy)
    def collect(arguments: dict[str, Any]) -> None:
        keys.update(arguments)

    collect()
    return keys


@pytest.mark.slow  # one fresh world per example, every public method: minutes in all
@pytest.mark.parametrize("method", METHODS)
# Each example seeds a fresh world (some twenty service calls); 40 per method keeps
# the module quick while every hostile kind still reaches every argument.
@settings(max_examples=examples(40))
@given(data=st.data())
def test_only_library_errors_escape_on_the_memory_store(method: str, data: st.DataObject) -> None:
    app = fresh_app()
    rich_seed(app)
    call(app, method, data.draw(ARGUMENTS[method](), label="arguments"))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def sql_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[App]:
    """One seeded SQLite file, or one PostgreSQL schema, for all the module's examples."""
    if request.param == "sqlite":
        path: pathlib.Path = tmp_path_factory.mktemp("fuzz") / "shop.db"
        store = SqlStore(f"sqlite:///{path}", clock=ManualClock(NOW))
        migrate(f"sqlite:///{path}")
    else:
        url, schema = request.getfixturevalue("postgres_schema")
        store = SqlStore(url, schema=schema, clock=ManualClock(NOW))
    app = App(store, ids=SequentialIds("x-"))
    rich_seed(app)
    yield app
    store.dispose()


@pytest.mark.slow  # one fresh world per example, every public method: minutes in all
@pytest.mark.parametrize("method", METHODS)
# One store for all examples (a migration per example would take minutes); fewer
# examples, since each reads the whole store twice.
@settings(max_examples=examples(20))
@given(data=st.data())
def test_only_library_errors_escape_on_sql_stores(
    sql_app: App, method: str, data: st.DataObject
) -> None:
    call(sql_app, method, data.draw(ARGUMENTS[method](), label="arguments"))
