"""Replayable decisions: every placed or pending order keeps what it was decided on.

``app.orders.replay`` decides again from the stored record alone (the limits
at their versions then, the credit position and spend read then) and answers
as the original decision did, whatever the rules are today.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2b_customers.domain import Customer, Role
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord, OrderStatus
from b2b_customers.errors import NotFound, OrderDenied, ValidationError
from b2b_customers.ids import CompanyId, CustomerId, LimitId, OrderId
from b2b_customers.limits import (
    BudgetLimit,
    CalendarPeriod,
    DecisionRecord,
    LimitScope,
    OrderTotalLimit,
    Outcome,
    Replay,
)
from b2b_customers.limits.rule_versions import NO_RULES
from b2b_customers.serialization import make_converter
from tests.budget import examples
from tests.services.conftest import NOW, STAFF, Shop, eur, invite

if TYPE_CHECKING:
    from b2b_customers.app import App
    from b2b_customers.clock import ManualClock
    from b2b_customers.services import Staff

ACME = CompanyId("acme")
ORDER_LIMIT = LimitId("acme-per-order")


def decision_record(app: App, order_id: OrderId) -> DecisionRecord:
    with app.store.unit_of_work() as uow:
        record = uow.orders.decision_of(order_id)
    assert record is not None
    return record


class TestEveryOrderKeepsItsDecision:
    def test_an_allowed_order_keeps_the_decision_it_was_placed_on(self, shop: Shop) -> None:
        placed = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 300))

        record = decision_record(shop.app, placed.order.id)

        assert record.decision.without_credit_figures() == placed.decision
        assert record.decision.outcome is Outcome.ALLOWED
        assert record.order == shop.order(shop.bob, 300)
        assert record.limit_versions == {ORDER_LIMIT: 1}
        assert record.credit is not None
        assert (record.credit.credit_limit, record.credit.available) == (eur(5000), eur(5000))
        assert record.approval_policy_id is None

    def test_a_pending_order_keeps_the_approval_policy_it_was_routed_by(self, shop: Shop) -> None:
        pending = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 1500))
        assert pending.request is not None

        record = decision_record(shop.app, pending.order.id)

        assert record.decision.outcome is Outcome.APPROVAL_REQUIRED
        assert record.approval_policy_id == pending.request.policy_id
        assert record.approval_policy_version == pending.request.policy_version

    def test_completing_an_approved_order_keeps_the_decision_that_sent_it_to_approval(
        self, shop: Shop
    ) -> None:
        pending = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 1500))
        assert pending.request is not None
        shop.app.approvals.approve(actor=shop.anna, request=pending.request.id)

        placed = shop.app.approvals.complete(actor=shop.bob, request=pending.request.id)

        assert placed.order.status is OrderStatus.PLACED
        record = decision_record(shop.app, placed.order.id)
        assert record.decision.without_credit_figures() == pending.decision
        assert shop.app.orders.replay(actor=shop.bob, order_id=placed.order.id).matches

    def test_the_record_survives_the_converter(self, shop: Shop) -> None:
        placed = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 1500))
        record = decision_record(shop.app, placed.order.id)
        converter = make_converter()

        assert converter.structure(converter.unstructure(record), DecisionRecord) == record


class TestThePolicyVersion:
    def test_names_the_limits_that_applied_not_a_constant(self, shop: Shop) -> None:
        decision = shop.app.orders.check(actor=shop.bob, order=shop.order(shop.bob, 300))

        assert decision.policy_version not in {"1", NO_RULES}

    def test_changes_when_a_limit_that_applied_changes(self, shop: Shop) -> None:
        order = shop.order(shop.bob, 300)
        before = shop.app.orders.check(actor=shop.bob, order=order).policy_version

        shop.app.limits.change(
            actor=STAFF, limit=ORDER_LIMIT, rule=OrderTotalLimit(maximum=eur(2000))
        )

        assert shop.app.orders.check(actor=shop.bob, order=order).policy_version != before

    def test_is_none_when_no_limit_applied(self, shop: Shop) -> None:
        shop.app.limits.remove(actor=STAFF, limit=ORDER_LIMIT)

        decision = shop.app.orders.check(actor=shop.bob, order=shop.order(shop.bob, 300))

        assert decision.policy_version == NO_RULES


class TestReplay:
    def test_decides_again_as_recorded_even_after_the_rules_changed(self, shop: Shop) -> None:
        pending = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 1500))
        shop.app.limits.change(
            actor=STAFF, limit=ORDER_LIMIT, rule=OrderTotalLimit(maximum=eur(5000))
        )
        shop.clock.advance(timedelta(days=40))

        replay = shop.app.orders.replay(actor=shop.bob, order_id=pending.order.id)

        assert replay.matches
        assert replay.replayed.outcome is Outcome.APPROVAL_REQUIRED
        assert replay.replayed.explain() == replay.original.explain()
        assert shop.app.orders.check(actor=shop.bob, order=shop.order(shop.bob, 1500)).allowed

    def test_shows_the_credit_figures_only_to_who_may_view_the_credit(self, shop: Shop) -> None:
        placed = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 300))

        as_buyer = shop.app.orders.replay(actor=shop.bob, order_id=placed.order.id)
        as_admin = shop.app.orders.replay(actor=shop.anna, order_id=placed.order.id)

        assert as_buyer.matches
        assert as_admin.matches
        credit_seen = [r for r in as_admin.replayed.results if r.rule == "credit"]
        credit_hidden = [r for r in as_buyer.replayed.results if r.rule == "credit"]
        assert credit_seen[0].limit == eur(5000)
        assert credit_hidden[0].limit is None

    def test_an_order_of_a_company_the_actor_does_not_see_is_not_found(self, shop: Shop) -> None:
        placed = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 300))

        with pytest.raises(NotFound):
            shop.app.orders.replay(actor=shop.olga, order_id=placed.order.id)

    def test_an_unknown_order_is_not_found(self, shop: Shop) -> None:
        with pytest.raises(NotFound):
            shop.app.orders.replay(actor=STAFF, order_id=OrderId("no-such-order"))

    def test_an_imported_order_without_a_decision_says_so(self, shop: Shop) -> None:
        with shop.app.store.unit_of_work() as uow:
            uow.orders.add(
                OrderRecord(
                    id=OrderId("imported"),
                    company_id=ACME,
                    buyer_id=CustomerId(shop.bob.id),
                    total=eur(10),
                    placed_at=NOW,
                )
            )
            uow.commit()

        with pytest.raises(ValidationError, match="recorded without its decision"):
            shop.app.orders.replay(actor=STAFF, order_id=OrderId("imported"))

    def test_a_denied_order_is_not_recorded(self, shop: Shop) -> None:
        with pytest.raises(OrderDenied):
            shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 6000))


# -- the property: random histories of limit changes and orders

_steps = st.lists(
    st.one_of(
        st.tuples(st.just("order"), st.sampled_from(["bob", "rita", "anna"]), st.integers(1, 2500)),
        st.tuples(st.just("order_limit"), st.just(""), st.integers(100, 3000)),
        st.tuples(st.just("budget"), st.just(""), st.integers(500, 5000)),
        st.tuples(st.just("days"), st.just(""), st.integers(1, 20)),
    ),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=examples(15),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=_steps)
def test_replay_equals_the_original_decision_for_any_history(
    app: App, clock: ManualClock, steps: list[tuple[str, str, int]]
) -> None:
    """Whatever the limits did between, every stored decision replays as it was made.

    And whenever a limit that applies to an order changes, the next decision's
    ``policy_version`` differs from the previous one's.
    """
    world = _World.of(app, clock)
    placed: list[tuple[OrderId, str]] = []
    for kind, who, amount in steps:
        if kind == "order":
            try:
                placement = app.orders.place(
                    actor=world.people[who], order=world.order(who, amount)
                )
            except OrderDenied:
                continue
            placed.append((placement.order.id, placement.decision.policy_version))
        elif kind == "order_limit":
            before = world.version_now()
            app.limits.change(
                actor=world.staff,
                limit=world.order_limit,
                rule=OrderTotalLimit(maximum=eur(amount)),
            )
            assert world.version_now() != before
        elif kind == "budget":
            before = world.version_now()
            world.change_budget(amount)
            assert world.version_now() != before
        else:
            clock.advance(timedelta(days=amount))
    for order_id, version in placed:
        replay = app.orders.replay(actor=world.staff, order_id=order_id)
        assert isinstance(replay, Replay)
        assert replay.matches, (replay.original.explain(), replay.replayed.explain())
        assert replay.replayed.policy_version == version


class _World:
    """A company with a buyer, a requester, an admin, an order limit, a budget and credit."""

    def __init__(self, app: App, staff: Staff, people: dict[str, Customer]) -> None:
        self.app = app
        self.staff = staff
        self.people = people
        self.order_limit = LimitId("")
        self.budget: LimitId | None = None
        self.company = CompanyId("")

    @classmethod
    def of(cls, app: App, clock: ManualClock) -> _World:
        del clock  # every example starts where the previous one left the clock
        company = app.companies.onboard(
            actor=STAFF, name="Replay GmbH", currency="EUR", time_zone="Europe/Berlin"
        )
        world = cls(
            app,
            STAFF,
            {
                "bob": invite(app, "Bob Buyer", Role.BUYER, company.id),
                "rita": invite(app, "Rita Requester", Role.REQUESTER, company.id),
                "anna": invite(app, "Anna Admin", Role.ADMIN, company.id),
            },
        )
        world.company = company.id
        world.order_limit = app.limits.set(
            actor=STAFF,
            scope=LimitScope(kind="company", company_id=company.id),
            rule=OrderTotalLimit(maximum=eur(1000)),
            exempt_roles=frozenset(),
        ).id
        app.credit.open_account(actor=STAFF, company=company.id, credit_limit=eur(20000))
        return world

    def order(self, who: str, amount: int) -> OrderDraft:
        return OrderDraft(
            company_id=self.company,
            buyer_id=self.people[who].id,
            lines=[OrderLine(sku="DRILL-9", quantity=1, unit_price=eur(amount))],
        )

    def version_now(self) -> str:
        return self.app.orders.check(actor=self.staff, order=self.order("bob", 1)).policy_version

    def change_budget(self, amount: int) -> None:
        rule = BudgetLimit(maximum=eur(amount), period=CalendarPeriod(unit="month"))
        if self.budget is None:
            self.budget = self.app.limits.set(
                actor=self.staff,
                scope=LimitScope(kind="company", company_id=self.company),
                rule=rule,
                exempt_roles=frozenset(),
            ).id
        else:
            self.app.limits.change(actor=self.staff, limit=self.budget, rule=rule)
