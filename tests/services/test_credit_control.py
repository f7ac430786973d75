"""Credit control modes on every store: refuse or warn, a buyer's bypass, the invoice check.

ACME GmbH's shop (see ``tests/services/conftest.py``): a 5,000 EUR credit line,
orders above 1,000 EUR need an admin's approval, Bob buys and Anna is admin.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.app import App, connect
from b2b_customers.clock import ManualClock
from b2b_customers.credit import CreditControl
from b2b_customers.domain import Role
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.errors import (
    CreditRefused,
    CurrencyMismatch,
    InsufficientCredit,
    InvalidTransition,
    NotFound,
    OrderDenied,
    PermissionDenied,
    ValidationError,
)
from b2b_customers.ids import CompanyId, CreditAccountId, CustomerId, SequentialIds
from b2b_customers.limits import Outcome
from b2b_customers.limits.decision import CREDIT_RULE
from b2b_customers.services import Staff, StaffRole
from tests.budget import examples
from tests.services.conftest import NOW, STAFF, Shop, eur, invite

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.credit import CreditAccount
    from b2b_customers.domain import Customer
    from b2b_customers.limits import Decision, RuleResult

CONTROLLER = Staff(id="s-credit", name="Chris Credit", roles={StaffRole.CREDIT_CONTROLLER})
REP = Staff(id="s-rep", name="Sam Sales", roles={StaffRole.SALES_REP})
ACME = CompanyId("acme")
ACCOUNT = CreditAccountId("acme-credit")


def line(shop: Shop) -> CreditAccount:
    return shop.app.credit.account(actor=CONTROLLER, company=ACME)


def events(app: App) -> list[str]:
    with app.store.unit_of_work() as uow:
        return [entry.event.name for entry in uow.outbox.pending(limit=1000)]


def credit_result(decision: Decision) -> RuleResult:
    return next(result for result in decision.results if result.rule == CREDIT_RULE)


def lower_line(shop: Shop, amount: str = "500") -> None:
    shop.app.credit.set_credit_limit(actor=CONTROLLER, company=ACME, credit_limit=eur(amount))


# -- the control mode


def test_an_account_refuses_by_default_and_the_refusal_writes_nothing(
    shop: Shop, snapshot: Callable[[], object]
) -> None:
    lower_line(shop)
    assert line(shop).credit_control is CreditControl.REFUSE
    before = snapshot()
    with pytest.raises(OrderDenied) as denied:
        shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 900))
    assert credit_result(denied.value.decision).outcome is Outcome.DENIED
    assert snapshot() == before


def test_in_warn_mode_an_order_over_the_line_is_placed_with_a_warning_and_reserved(
    shop: Shop,
) -> None:
    lower_line(shop)
    account = shop.app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control="warn")
    assert account.credit_control is CreditControl.WARN
    assert events(shop.app)[-1] == "credit.control_changed"

    placement = shop.app.orders.place(actor=shop.anna, order=shop.order(shop.anna, 900))
    assert placement.decision.allowed
    (warning,) = placement.decision.warnings
    assert warning.rule == CREDIT_RULE
    assert "exceeds the available 500.00 EUR" in warning.message
    assert "Warning: Credit" in placement.decision.explain()
    account = line(shop)
    assert (account.reserved, account.available) == (eur(900), eur(-400))
    with shop.app.store.unit_of_work() as uow:
        (held,) = uow.credit.reservations(ACCOUNT)
    assert (held.reference, held.amount) == (placement.order.id, eur(900))


def test_in_warn_mode_an_order_within_the_line_carries_no_warning(shop: Shop) -> None:
    shop.app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control=CreditControl.WARN)
    placement = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 900))
    assert placement.decision.allowed
    assert placement.decision.warnings == ()


def test_a_buyer_who_may_not_view_credit_sees_the_warning_without_the_figures(
    shop: Shop,
) -> None:
    lower_line(shop)
    shop.app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control="warn")
    decision = shop.app.orders.check(actor=shop.bob, order=shop.order(shop.bob, 900))
    (warning,) = decision.warnings
    assert warning.message == (
        "Credit: this order of 900.00 EUR exceeds the credit available; it may go through "
        "all the same"
    )
    assert "500" not in decision.explain()


def test_a_hold_stops_orders_in_warn_mode_too(shop: Shop) -> None:
    shop.app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control="warn")
    shop.app.credit.place_hold(actor=CONTROLLER, company=ACME, reason="disputed invoices")
    with pytest.raises(OrderDenied, match="credit hold"):
        shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 10))


def test_an_order_that_needs_approval_in_warn_mode_reserves_past_the_line(shop: Shop) -> None:
    lower_line(shop)
    shop.app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control="warn")
    placement = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 1200))
    assert placement.decision.outcome is Outcome.APPROVAL_REQUIRED
    assert placement.request is not None
    assert credit_result(placement.decision).warning
    assert line(shop).reserved == eur(1200)


# -- a buyer's bypass


def test_a_bypassed_buyer_orders_past_the_line_and_the_decision_says_why(shop: Shop) -> None:
    lower_line(shop)
    account = shop.app.credit.grant_credit_bypass(
        actor=CONTROLLER, company=ACME, customer=shop.bob.id, reason="key account, pays by wire"
    )
    (bypass,) = account.bypasses
    assert (bypass.customer_id, bypass.granted_by, bypass.granted_at) == (
        shop.bob.id,
        CONTROLLER.id,
        NOW,
    )
    assert events(shop.app)[-1] == "credit.bypass_granted"

    placement = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 900))
    assert placement.decision.allowed
    result = credit_result(placement.decision)
    assert result.warning
    seen_by_staff = shop.app.orders.check(actor=STAFF, order=shop.order(shop.bob, 10))
    assert "Bob Buyer may order past the credit limit (bypass granted)" in (
        credit_result(seen_by_staff).message
    )
    assert line(shop).reserved == eur(900)
    # Anna holds no bypass: the line refuses her.
    with pytest.raises(OrderDenied):
        shop.app.orders.place(actor=shop.anna, order=shop.order(shop.anna, 10))


def test_a_bypass_does_not_lift_a_hold_or_the_other_rules(shop: Shop) -> None:
    lower_line(shop, "100")
    shop.app.credit.grant_credit_bypass(
        actor=CONTROLLER, company=ACME, customer=shop.bob.id, reason="key account"
    )
    over_order_limit = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 1500))
    assert over_order_limit.decision.outcome is Outcome.APPROVAL_REQUIRED
    assert line(shop).reserved == eur(1500)
    shop.app.credit.place_hold(actor=CONTROLLER, company=ACME, reason="cheque bounced")
    with pytest.raises(OrderDenied, match="credit hold"):
        shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 10))


def test_a_revoked_bypass_binds_the_buyer_again(shop: Shop) -> None:
    lower_line(shop)
    shop.app.credit.grant_credit_bypass(
        actor=CONTROLLER, company=ACME, customer=shop.bob.id, reason="key account"
    )
    with pytest.raises(InvalidTransition, match="already"):
        shop.app.credit.grant_credit_bypass(
            actor=CONTROLLER, company=ACME, customer=shop.bob.id, reason="again"
        )
    account = shop.app.credit.revoke_credit_bypass(
        actor=CONTROLLER, company=ACME, customer=shop.bob.id
    )
    assert account.bypasses == ()
    assert events(shop.app)[-1] == "credit.bypass_revoked"
    with pytest.raises(OrderDenied):
        shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 900))
    with pytest.raises(InvalidTransition, match="no bypass"):
        shop.app.credit.revoke_credit_bypass(actor=CONTROLLER, company=ACME, customer=shop.bob.id)


def test_a_bypass_goes_to_a_member_of_a_company_the_line_covers(
    shop: Shop, snapshot: Callable[[], object]
) -> None:
    before = snapshot()
    with pytest.raises(ValidationError, match="not a member"):
        shop.app.credit.grant_credit_bypass(
            actor=CONTROLLER, company=ACME, customer=shop.olga.id, reason="x"
        )
    with pytest.raises(NotFound):
        shop.app.credit.grant_credit_bypass(
            actor=CONTROLLER, company=ACME, customer=CustomerId("nobody"), reason="x"
        )
    with pytest.raises(ValidationError, match="reason"):
        shop.app.credit.grant_credit_bypass(
            actor=CONTROLLER, company=ACME, customer=shop.bob.id, reason="  "
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    "call",
    [
        lambda app, who, _bob: app.credit.set_credit_control(
            actor=who, company=ACME, control="warn"
        ),
        lambda app, who, _bob: app.credit.set_invoice_credit_check(
            actor=who, company=ACME, enabled=True
        ),
        lambda app, who, _bob: app.credit.set_overdue_hold_amount(
            actor=who, company=ACME, amount=eur(1)
        ),
        lambda app, who, bob: app.credit.grant_credit_bypass(
            actor=who, company=ACME, customer=bob, reason="please"
        ),
        lambda app, who, bob: app.credit.revoke_credit_bypass(
            actor=who, company=ACME, customer=bob
        ),
    ],
)
def test_only_staff_who_manage_credit_change_the_controls_and_a_refusal_writes_nothing(
    shop: Shop, snapshot: Callable[[], object], call: Callable[[App, object, CustomerId], object]
) -> None:
    before = snapshot()
    for actor in (shop.anna, shop.bob, REP):
        with pytest.raises((PermissionDenied, NotFound)):
            call(shop.app, actor, shop.bob.id)
    assert snapshot() == before


def test_bad_settings_are_refused_and_write_nothing(
    shop: Shop, snapshot: Callable[[], object]
) -> None:
    before = snapshot()
    with pytest.raises(ValidationError, match="choose from"):
        shop.app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control="block")
    with pytest.raises(ValidationError):
        shop.app.credit.set_invoice_credit_check(actor=CONTROLLER, company=ACME, enabled="yes")  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="zero or more"):
        shop.app.credit.set_overdue_hold_amount(actor=CONTROLLER, company=ACME, amount=eur(-1))
    with pytest.raises(ValidationError):
        shop.app.credit.set_overdue_hold_amount(actor=CONTROLLER, company=ACME, amount=12)
    assert snapshot() == before


def test_the_settings_are_kept_with_the_account(shop: Shop) -> None:
    app = shop.app
    app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control="warn")
    app.credit.set_invoice_credit_check(actor=CONTROLLER, company=ACME, enabled=True)
    app.credit.set_overdue_hold_amount(actor=CONTROLLER, company=ACME, amount=eur("250.50"))
    app.credit.grant_credit_bypass(actor=CONTROLLER, company=ACME, customer=shop.bob.id, reason="x")
    with app.store.unit_of_work() as uow:
        account = uow.credit.get(ACCOUNT)
    assert account.credit_control is CreditControl.WARN
    assert account.check_credit_on_invoice
    assert account.auto_hold_overdue_amount == eur("250.50")
    assert [b.customer_id for b in account.bypasses] == [shop.bob.id]
    # A later change of the terms keeps them.
    app.credit.set_payment_terms(actor=CONTROLLER, company=ACME, payment_terms="NET60")
    assert line(shop).bypasses == account.bypasses


# -- the invoice check


def test_with_the_invoice_check_an_invoice_over_the_line_is_refused_and_writes_nothing(
    shop: Shop, snapshot: Callable[[], object]
) -> None:
    app = shop.app
    lower_line(shop, "1000")
    app.credit.set_invoice_credit_check(actor=CONTROLLER, company=ACME, enabled=True)
    assert events(app)[-1] == "credit.invoice_check_changed"
    placed = app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 900))
    # The invoice for the order converts its reservation: it adds nothing.
    app.credit.post_invoice(
        actor=CONTROLLER, company=ACME, invoice="inv-1", amount=eur(900), order=placed.order.id
    )
    before = snapshot()
    with pytest.raises(InsufficientCredit, match="checks credit when an invoice is posted"):
        app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="inv-2", amount=eur(101))
    assert snapshot() == before
    app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="inv-2", amount=eur(100))
    assert line(shop).available == eur(0)


def test_without_the_invoice_check_invoices_may_pass_the_line(shop: Shop) -> None:
    lower_line(shop, "100")
    shop.app.credit.post_invoice(actor=CONTROLLER, company=ACME, invoice="inv-1", amount=eur(500))
    assert line(shop).available == eur(-400)


def test_the_invoice_check_binds_bypassed_buyers_and_warn_mode_too(shop: Shop) -> None:
    app = shop.app
    lower_line(shop, "100")
    app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control="warn")
    app.credit.set_invoice_credit_check(actor=CONTROLLER, company=ACME, enabled=True)
    placed = app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 300))
    # The order went past the line with a warning; billing more than it reserved does not.
    with pytest.raises(CreditRefused):
        app.credit.post_invoice(
            actor=CONTROLLER, company=ACME, invoice="inv-1", amount=eur(301), order=placed.order.id
        )
    app.credit.post_invoice(
        actor=CONTROLLER, company=ACME, invoice="inv-1", amount=eur(300), order=placed.order.id
    )
    assert (line(shop).balance, line(shop).reserved) == (eur(300), eur(0))


# -- the overdue amount


def overdue_invoices(shop: Shop) -> None:
    """Two Net 30 invoices, one 10 and one 2 days overdue on 1 April: 150 EUR overdue."""
    for number, (day, amount) in enumerate(((date(2026, 2, 20), 100), (date(2026, 2, 28), 50))):
        shop.app.credit.post_invoice(
            actor=CONTROLLER,
            company=ACME,
            invoice=f"inv-{number}",
            amount=eur(amount),
            invoice_date=day,
        )
    shop.app.credit.post_invoice(
        actor=CONTROLLER, company=ACME, invoice="inv-new", amount=eur(1000)
    )  # not due yet: never counts


def test_an_account_is_held_when_more_than_its_amount_is_overdue(shop: Shop) -> None:
    overdue_invoices(shop)
    shop.app.credit.set_overdue_hold_amount(actor=CONTROLLER, company=ACME, amount=eur(150))
    assert events(shop.app)[-1] == "credit.auto_hold_changed"
    assert shop.app.automations.hold_overdue_accounts(actor=CONTROLLER) == []  # exactly: no
    shop.app.credit.set_overdue_hold_amount(actor=CONTROLLER, company=ACME, amount=eur("149.99"))
    (held,) = shop.app.automations.hold_overdue_accounts(actor=CONTROLLER)
    assert held.by_amount
    assert (held.overdue_amount, held.amount_threshold) == (eur(150), eur("149.99"))
    assert held.account.hold is not None
    assert held.account.hold.automatic
    assert "150.00 EUR is overdue" in held.account.hold.reason


def test_without_an_amount_only_the_days_hold(shop: Shop) -> None:
    overdue_invoices(shop)
    assert shop.app.automations.hold_overdue_accounts(actor=CONTROLLER) == []
    shop.app.credit.set_overdue_hold_amount(actor=CONTROLLER, company=ACME, amount=eur(1))
    shop.app.credit.set_overdue_hold_amount(actor=CONTROLLER, company=ACME, amount=None)
    assert shop.app.automations.hold_overdue_accounts(actor=CONTROLLER) == []
    (held,) = shop.app.automations.hold_overdue_accounts(actor=CONTROLLER, days_overdue=9)
    assert not held.by_amount
    assert held.overdue_amount == eur(150)


# -- properties (memory store: a fresh shop per example)


def fresh_shop(limit: int) -> tuple[App, Customer, Customer]:
    """ACME with a credit line of ``limit`` EUR and no purchasing limits; Bob and Anna."""
    app = connect("memory://", clock=ManualClock(NOW), ids=SequentialIds("p-"))
    app.companies.onboard(actor=STAFF, id="acme", name="ACME GmbH", currency="EUR")
    bob = invite(app, "Bob Buyer", Role.BUYER)
    anna = invite(app, "Anna Admin", Role.ADMIN)
    app.credit.open_account(actor=CONTROLLER, company=ACME, credit_limit=eur(limit))
    return app, bob, anna


def draft(buyer: Customer, amount: int) -> OrderDraft:
    return OrderDraft(
        company_id=ACME,
        buyer_id=buyer.id,
        lines=[OrderLine(sku="DRILL-9", quantity=1, unit_price=eur(amount))],
    )


_ORDERS = st.lists(st.tuples(st.booleans(), st.integers(1, 600)), min_size=1, max_size=8)


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limit=st.integers(0, 2000), orders=_ORDERS)
def test_in_refuse_mode_credit_is_never_over_committed(
    limit: int, orders: list[tuple[bool, int]]
) -> None:
    app, bob, anna = fresh_shop(limit)
    for by_bob, amount in orders:
        buyer = bob if by_bob else anna
        available = app.credit.account(actor=CONTROLLER, company=ACME).available
        if amount > available.amount:
            with pytest.raises(OrderDenied) as denied:
                app.orders.place(actor=buyer, order=draft(buyer, amount))
            assert credit_result(denied.value.decision).crossed
        else:
            app.orders.place(actor=buyer, order=draft(buyer, amount))
        account = app.credit.account(actor=CONTROLLER, company=ACME)
        assert account.balance.amount + account.reserved.amount <= account.credit_limit.amount


@settings(max_examples=examples(20), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(limit=st.integers(0, 2000), orders=_ORDERS)
def test_in_warn_mode_every_order_is_placed_and_warned_of_exactly_when_over_the_line(
    limit: int, orders: list[tuple[bool, int]]
) -> None:
    app, bob, anna = fresh_shop(limit)
    app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control="warn")
    total = 0
    for by_bob, amount in orders:
        buyer = bob if by_bob else anna
        available = app.credit.account(actor=CONTROLLER, company=ACME).available
        placement = app.orders.place(actor=buyer, order=draft(buyer, amount))
        assert placement.decision.allowed
        warned = any(w.rule == CREDIT_RULE for w in placement.decision.warnings)
        assert warned == (amount > available.amount)
        total += amount
        account = app.credit.account(actor=CONTROLLER, company=ACME)
        assert account.reserved == eur(total)  # every order reserved: the ledger stays true


class Meddling(ManualClock):
    """A clock that lets another writer act the moment it is read the n-th time from now on."""

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.calls = 0
        self.meddle_at = 10**9
        self.meddle: Callable[[], None] = lambda: None

    def meddle_on(self, reading: int, meddle: Callable[[], None]) -> None:
        """Run ``meddle`` at the ``reading``-th reading of the clock from now on."""
        self.meddle_at, self.meddle = self.calls + reading, meddle

    def now(self) -> datetime:
        self.calls += 1
        if self.calls == self.meddle_at:
            self.meddle()
        return super().now()


def warn_mode_shop() -> tuple[App, Meddling, Customer]:
    """ACME with a 500 EUR line that only warns, and Bob, its buyer, on a meddling clock."""
    clock = Meddling(NOW)
    app = connect("memory://", clock=clock, ids=SequentialIds("m-"))
    app.companies.onboard(actor=STAFF, id="acme", name="ACME GmbH", currency="EUR")
    bob = invite(app, "Bob Buyer", Role.BUYER)
    app.credit.open_account(actor=CONTROLLER, company=ACME, credit_limit=eur(500))
    app.credit.set_credit_control(actor=CONTROLLER, company=ACME, control="warn")
    return app, clock, bob


# The second reading of the clock in place() comes after the decision (see test_orders).
AFTER_THE_DECISION = 2


def test_in_warn_mode_a_reservation_made_meanwhile_makes_the_order_carry_its_warning() -> None:
    """Decided within the line, the order is booked with the limit check; room taken, it is
    decided again, and then placed with the warning."""
    app, clock, bob = warn_mode_shop()

    def reserve_elsewhere() -> None:
        with app.store.unit_of_work() as uow:
            line = uow.credit.for_company(ACME)
            _, entry = line.reserve("elsewhere", eur(300), entry_id="e-x", at=NOW)
            uow.credit.book(entry, within_limit=True)
            uow.commit()

    clock.meddle_on(AFTER_THE_DECISION, reserve_elsewhere)
    placement = app.orders.place(actor=bob, order=draft(bob, 400))
    assert clock.calls > clock.meddle_at  # the other writer did reserve
    assert placement.decision.past_credit_limit
    assert app.credit.account(actor=CONTROLLER, company=ACME).reserved == eur(700)


def test_in_warn_mode_a_hold_placed_after_the_decision_still_stops_the_order() -> None:
    """Let past the limit, the order is booked with the store's hold check: a hold placed
    between the decision and the write refuses it, and nothing of it is written."""
    app, clock, bob = warn_mode_shop()

    def hold() -> None:
        with app.store.unit_of_work() as uow:
            line = uow.credit.for_company(ACME)
            uow.credit.save(line.place_hold("fraud check", at=NOW))
            uow.commit()

    clock.meddle_on(AFTER_THE_DECISION, hold)
    with pytest.raises(OrderDenied) as denied:
        app.orders.place(actor=bob, order=draft(bob, 800))  # past the line: a warning only
    assert clock.calls > clock.meddle_at  # the hold was placed after the decision
    assert "hold" in str(denied.value)
    account = app.credit.account(actor=CONTROLLER, company=ACME)
    assert (account.reserved, account.on_hold) == (eur(0), True)


# -- the settings when the account is opened


def test_an_account_opens_with_its_control_settings(app: App) -> None:
    app.companies.onboard(actor=STAFF, id="acme", name="ACME GmbH", currency="EUR")
    account = app.credit.open_account(
        actor=CONTROLLER,
        company=ACME,
        credit_limit=eur(500),
        credit_control="warn",
        check_credit_on_invoice=True,
        overdue_hold_amount=eur(250),
    )
    assert (
        account.credit_control,
        account.check_credit_on_invoice,
        account.auto_hold_overdue_amount,
    ) == (CreditControl.WARN, True, eur(250))
    assert app.credit.account(actor=CONTROLLER, company=ACME) == account


@pytest.mark.parametrize(
    ("setting", "error", "match"),
    [
        ({"credit_control": "lenient"}, ValidationError, "credit_control"),
        ({"check_credit_on_invoice": "yes"}, ValidationError, "check_credit_on_invoice"),
        ({"overdue_hold_amount": eur(-1)}, ValidationError, "zero or more"),
        ({"overdue_hold_amount": 250}, ValidationError, "overdue_hold_amount"),
        ({"overdue_hold_amount": Money(250, "USD")}, CurrencyMismatch, "USD"),
    ],
)
def test_bad_control_settings_open_no_account(
    app: App, setting: dict[str, object], error: type[Exception], match: str
) -> None:
    app.companies.onboard(actor=STAFF, id="acme", name="ACME GmbH", currency="EUR")
    with pytest.raises(error, match=match):
        app.credit.open_account(
            actor=CONTROLLER,
            company=ACME,
            credit_limit=eur(500),
            **setting,  # type: ignore[arg-type]
        )
    with pytest.raises(NotFound):
        app.credit.account(actor=CONTROLLER, company=ACME)
