"""The attacks of issue 12's input class, each through the public API on every store.

The fuzzing test (``test_fuzzing.py``) proves the classes closed over every
method; these pin the reported cases down, with the error they now get, and
check that credit arithmetic stays exact within the amount bound.
"""

from __future__ import annotations

import itertools
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.errors import ValidationError
from tests.budget import examples
from tests.services.world import (
    ACME,
    CONTROLLER,
    NORTH,
    REP,
    World,
    open_credit,
    order,
    seed,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.app import App


@pytest.fixture
def world(app: App) -> World:
    """The seeded shop, with ACME's credit line (shared with North)."""
    seeded = seed(app)
    open_credit(app, seeded)
    return seeded


def credit_balance(app: App) -> Decimal:
    return Decimal(app.credit.account(actor=CONTROLLER, company=ACME).balance.amount)


WRONG_TYPES: dict[str, tuple[Callable[[App, World], Any], str]] = {
    "orders.place(order=None)": (
        lambda app, w: app.orders.place(actor=w.bob, order=None),  # type: ignore[arg-type]
        "order",
    ),
    "approvals.expire_due(actor=0)": (
        lambda app, _w: app.approvals.expire_due(actor=0),  # type: ignore[arg-type]
        "actor",
    ),
    "credit.open_account(shared_with=None)": (
        lambda app, _w: app.credit.open_account(
            actor=CONTROLLER,
            company=NORTH,
            credit_limit=Money(1, "EUR"),
            shared_with=None,  # type: ignore[arg-type]
        ),
        "shared_with",
    ),
    "credit.set_payment_terms(payment_terms=0)": (
        lambda app, _w: app.credit.set_payment_terms(
            actor=CONTROLLER,
            company=ACME,
            payment_terms=0,  # type: ignore[arg-type]
        ),
        "payment_terms",
    ),
    "app.recipients(None)": (lambda app, _w: app.recipients(None), "event"),  # type: ignore[arg-type]
    "orders.history(placed_from=naive)": (
        lambda app, w: app.orders.history(
            actor=w.anna,
            company=ACME,
            placed_from=datetime(2026, 1, 1),  # noqa: DTZ001
        ),
        "placed_from",
    ),
    "automations.lapsed_customers(factor=NaN)": (
        lambda app, _w: app.automations.lapsed_customers(actor=REP, factor=Decimal("NaN")),
        "factor",
    ),
    "automations.lapsed_customers(factor=-1)": (
        lambda app, _w: app.automations.lapsed_customers(actor=REP, factor=-1),
        "factor",
    ),
    "companies.get(company_id=lone surrogate)": (
        lambda app, _w: app.companies.get(actor=REP, company_id="acme\ud800"),
        "company_id",
    ),
    "customers.invite(first_name=NUL)": (
        lambda app, _w: app.customers.invite(
            actor=REP,
            company=ACME,
            email="dora@acme.example",
            first_name="Do\x00ra",
            last_name="Example",
            roles=["buyer"],
        ),
        "first_name",
    ),
    "orders.place(comment=lone surrogate)": (
        lambda app, w: app.orders.place(
            actor=w.bob, order=order(NORTH, w.bob.id), comment="\udfff"
        ),
        "comment",
    ),
    "credit.place_hold(reason=lone surrogate)": (
        lambda app, _w: app.credit.place_hold(actor=CONTROLLER, company=ACME, reason="\ud800"),
        "reason",
    ),
}


@pytest.mark.parametrize("attack", WRONG_TYPES.values(), ids=WRONG_TYPES.keys())
def test_each_reported_input_gets_a_validation_error_naming_the_argument(
    app: App, world: World, attack: tuple[Callable[[App, World], Any], str]
) -> None:
    call, argument = attack
    with pytest.raises(ValidationError) as info:
        call(app, world)
    assert info.value.field == argument


@pytest.mark.usefixtures("world")
class TestExactBalances:
    """Credit arithmetic never rounds: amounts past the bound are refused, the rest add up."""

    def test_a_huge_invoice_and_payment_cannot_erase_a_balance(self, app: App) -> None:
        app.credit.post_invoice(
            actor=CONTROLLER, company=ACME, invoice="inv-1", amount=Money(100, "EUR")
        )
        with pytest.raises(ValidationError, match=r"less than 10\*\*15") as info:
            app.credit.post_invoice(
                actor=CONTROLLER, company=ACME, invoice="inv-2", amount=Money("1E+30", "EUR")
            )
        assert info.value.field == "amount"
        with pytest.raises(ValidationError, match=r"less than 10\*\*15"):
            app.credit.record_payment(
                actor=CONTROLLER, company=ACME, payment="pay-1", amount=Money("1E+30", "EUR")
            )
        assert credit_balance(app) == 100

    def test_amounts_finer_than_four_places_are_refused(self, app: App) -> None:
        with pytest.raises(ValidationError, match="at most 4 decimal places"):
            app.credit.post_invoice(
                actor=CONTROLLER, company=ACME, invoice="inv-1", amount=Money("0.00001", "EUR")
            )
        assert credit_balance(app) == 0

    @settings(
        max_examples=examples(10),
        suppress_health_check=[HealthCheck.function_scoped_fixture],
        deadline=None,
    )
    @given(
        st.lists(
            st.tuples(
                st.booleans(),
                st.decimals(
                    min_value=Decimal("0.01"),
                    max_value=Decimal("999999999999999.99"),
                    places=2,  # invoices and payments are in whole cents
                ),
            ),
            min_size=1,
            max_size=6,
        )
    )
    def test_the_balance_is_the_exact_sum_or_the_entry_is_refused(
        self, app: App, entries: list[tuple[bool, Decimal]]
    ) -> None:
        expected = credit_balance(app)
        for is_invoice, amount in entries:
            change = amount if is_invoice else -amount
            if abs(expected + change) >= BOUND:
                with pytest.raises(ValidationError, match=r"less than 10\*\*15"):
                    post(app, is_invoice=is_invoice, amount=amount)
            else:
                post(app, is_invoice=is_invoice, amount=amount)
                expected += change
            assert credit_balance(app) == expected


def post(app: App, *, is_invoice: bool, amount: Decimal) -> None:
    """Post an invoice or record a payment of ``amount`` EUR to ACME's line."""
    document = f"doc-{next(DOCUMENTS)}"
    if is_invoice:
        app.credit.post_invoice(
            actor=CONTROLLER, company=ACME, invoice=document, amount=Money(amount, "EUR")
        )
    else:
        app.credit.record_payment(
            actor=CONTROLLER, company=ACME, payment=document, amount=Money(amount, "EUR")
        )


BOUND = Decimal(10) ** 15
DOCUMENTS = itertools.count()
