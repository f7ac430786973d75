"""Placing orders, the order history and reorders, on every store (``conftest.app``)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import pytest
from moneyed import Money

from b2b_customers.approvals import ApprovalStatus
from b2b_customers.domain.order import OrderStatus
from b2b_customers.errors import NotFound, OrderDenied, PermissionDenied, ValidationError
from b2b_customers.ids import CompanyId, CreditAccountId, CustomerId, OrderId
from b2b_customers.limits import Outcome

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.credit import CreditAccount

    from .conftest import Shop


def account(shop: Shop) -> CreditAccount:
    with shop.app.store.unit_of_work() as uow:
        return uow.credit.get(CreditAccountId("acme-credit"))


def held(shop: Shop) -> dict[str, Money]:
    with shop.app.store.unit_of_work() as uow:
        return {
            row.reference: row.amount
            for row in uow.credit.reservations(CreditAccountId("acme-credit"))
        }


def events(shop: Shop) -> list[str]:
    with shop.app.store.unit_of_work() as uow:
        return [entry.event.name for entry in uow.outbox.pending(limit=1000)]


class TestPlace:
    def test_an_allowed_order_is_placed_and_its_credit_reserved(self, shop: Shop) -> None:
        placement = shop.app.orders.place(
            actor=shop.bob, order=shop.order(shop.bob, 1000), po_number="PO-1"
        )
        assert placement.placed
        assert placement.request is None
        assert placement.decision.outcome is Outcome.ALLOWED
        assert (placement.order.status, placement.order.po_number) == (OrderStatus.PLACED, "PO-1")
        assert held(shop) == {placement.order.id: Money("1000", "EUR")}
        assert events(shop)[-2:] == ["order.placed", "credit.reserved"]

    def test_an_order_above_the_limit_becomes_a_request_with_its_credit_reserved(
        self, shop: Shop
    ) -> None:
        placement = shop.app.orders.place(
            actor=shop.bob, order=shop.order(shop.bob, "1000.01"), comment="Urgent"
        )
        assert placement.awaiting_approval
        request = placement.request
        assert request is not None
        assert request.status is ApprovalStatus.PENDING
        assert request.comment == "Urgent"
        assert str(placement.order.id) == str(request.id)
        assert placement.order.status is OrderStatus.PENDING_APPROVAL
        assert account(shop).reserved == Money("1000.01", "EUR")
        assert events(shop)[-3:] == [
            "order.awaiting_approval",
            "credit.reserved",
            "approval.requested",
        ]

    def test_a_denied_order_raises_with_the_decision_and_writes_nothing(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        before = snapshot()
        with pytest.raises(OrderDenied, match="credit") as denied:
            shop.app.orders.place(actor=shop.anna, order=shop.order(shop.anna, "5000.01"))
        assert denied.value.decision.outcome is Outcome.DENIED
        assert snapshot() == before

    def test_credit_exactly_used_up_is_allowed(self, shop: Shop) -> None:
        for _ in range(5):
            placement = shop.app.orders.place(actor=shop.anna, order=shop.order(shop.anna, 1000))
            assert placement.placed
        assert account(shop).available == Money(0, "EUR")
        with pytest.raises(OrderDenied):
            shop.app.orders.place(actor=shop.anna, order=shop.order(shop.anna, "0.01"))

    def test_a_customer_places_only_their_own_orders(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        before = snapshot()
        with pytest.raises(PermissionDenied, match="own orders"):
            shop.app.orders.place(actor=shop.anna, order=shop.order(shop.bob, 10))
        with pytest.raises(NotFound):  # olga does not see ACME: it is not found
            shop.app.orders.place(actor=shop.olga, order=shop.order(shop.olga, 10))
        assert snapshot() == before

    def test_staff_place_for_a_buyer(self, shop: Shop) -> None:
        placement = shop.app.orders.place(actor=shop.staff, order=shop.order(shop.bob, 10))
        assert placement.order.buyer_id == shop.bob.id

    def test_a_bad_po_number_writes_nothing(
        self, shop: Shop, snapshot: Callable[[], object]
    ) -> None:
        before = snapshot()
        with pytest.raises(ValidationError, match="po_number"):
            shop.app.orders.place(
                actor=shop.bob, order=shop.order(shop.bob, 10), po_number="x" * 65
            )
        assert snapshot() == before

    def test_a_company_without_a_credit_line_places_without_reserving(self, shop: Shop) -> None:
        placement = shop.app.orders.place(
            actor=shop.olga, order=shop.order(shop.olga, 99999, company="other")
        )
        assert placement.placed
        assert account(shop).reserved == Money(0, "EUR")

    def test_concurrent_orders_never_over_commit_the_credit_line(self, shop: Shop) -> None:
        outcomes: list[str] = []

        def place() -> None:
            try:
                shop.app.orders.place(actor=shop.anna, order=shop.order(shop.anna, 3000))
                outcomes.append("placed")
            except OrderDenied:
                outcomes.append("denied")

        threads = [threading.Thread(target=place) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == ["denied", "denied", "placed"]
        assert account(shop).reserved == Money(3000, "EUR")


class TestHistory:
    def test_history_by_company_customer_and_location_is_newest_first(self, shop: Shop) -> None:
        from datetime import timedelta  # noqa: PLC0415

        first = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 10)).order
        shop.clock.advance(timedelta(minutes=1))
        second = shop.app.orders.place(actor=shop.anna, order=shop.order(shop.anna, 20)).order
        page = shop.app.orders.history(actor=shop.anna, company=CompanyId("acme"))
        assert [order.id for order in page.items] == [second.id, first.id]
        mine = shop.app.orders.history(actor=shop.bob)
        assert [order.id for order in mine.items] == [first.id]
        bobs = shop.app.orders.history(
            actor=shop.anna, company=CompanyId("acme"), customer=shop.bob.id
        )
        assert [order.id for order in bobs.items] == [first.id]
        held = shop.app.orders.history(
            actor=shop.hanna, company=CompanyId("hold"), include_subtree=True, limit=1
        )
        assert (held.total, held.next_offset) == (2, 1)
        assert shop.app.orders.history(actor=shop.staff).total == 2

    def test_history_by_location(self, shop: Shop) -> None:
        from b2b_customers.domain import Address, Location  # noqa: PLC0415
        from b2b_customers.ids import LocationId  # noqa: PLC0415

        with shop.app.store.unit_of_work() as uow:
            uow.locations.add(
                Location(
                    id=LocationId("acme-north"),
                    company_id=CompanyId("acme"),
                    name="North",
                    address=Address(
                        lines=["Nordstr. 1"], city="Hamburg", postcode="20095", country="DE"
                    ),
                )
            )
            uow.commit()
        there = shop.app.orders.place(
            actor=shop.bob, order=shop.order(shop.bob, 10, location_id="acme-north")
        ).order
        shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 20))
        page = shop.app.orders.history(actor=shop.bob, location=LocationId("acme-north"))
        assert [order.id for order in page.items] == [there.id]
        with pytest.raises(NotFound):
            shop.app.orders.history(actor=shop.olga, location=LocationId("acme-north"))
        for company in ("hold", "other"):  # never says whose location it is
            with pytest.raises(NotFound) as refused:
                shop.app.orders.history(
                    actor=shop.anna if company == "other" else shop.bob,
                    company=CompanyId(company),
                    location=LocationId("acme-north"),
                )
            assert "'acme'" not in str(refused.value)

    def test_another_company_s_orders_are_invisible(self, shop: Shop) -> None:
        placed = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 10)).order
        with pytest.raises(NotFound):
            shop.app.orders.history(actor=shop.olga, company=CompanyId("acme"))
        with pytest.raises(NotFound):
            shop.app.orders.get(actor=shop.olga, order_id=placed.id)
        with pytest.raises(ValidationError, match="name the company"):
            shop.app.orders.history(actor=shop.olga, customer=shop.bob.id)
        assert shop.app.orders.history(actor=shop.olga).total == 0
        assert shop.app.orders.get(actor=shop.hanna, order_id=placed.id) == placed

    def test_a_branch_buyer_does_not_see_the_holding(self, shop: Shop) -> None:
        with pytest.raises(NotFound):
            shop.app.orders.history(actor=shop.bob, company=CompanyId("hold"))


class TestReorder:
    def test_a_reorder_is_checked_against_today_s_rules(self, shop: Shop) -> None:
        past = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 900)).order
        again = shop.app.orders.reorder(actor=shop.bob, order_id=past.id, po_number="PO-2")
        assert again.placed
        assert (again.order.lines, again.order.po_number) == (past.lines, "PO-2")
        assert again.order.id != past.id
        for _ in range(3):  # 4,500 EUR reserved then: the sixth no longer fits in 5,000 EUR
            shop.app.orders.reorder(actor=shop.bob, order_id=past.id)
        with pytest.raises(OrderDenied):
            shop.app.orders.reorder(actor=shop.bob, order_id=past.id)

    def test_another_buyer_reorders_as_themselves(self, shop: Shop) -> None:
        past = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 900)).order
        again = shop.app.orders.reorder(actor=shop.rita, order_id=past.id)
        assert again.order.buyer_id == shop.rita.id
        assert again.awaiting_approval  # a requester needs approval for every order

    def test_an_invisible_or_unknown_order_cannot_be_reordered(self, shop: Shop) -> None:
        past = shop.app.orders.place(actor=shop.bob, order=shop.order(shop.bob, 900)).order
        with pytest.raises(NotFound):
            shop.app.orders.reorder(actor=shop.olga, order_id=past.id)
        with pytest.raises(NotFound):
            shop.app.orders.reorder(actor=shop.bob, order_id=OrderId("nope"))

    def test_an_imported_order_without_lines_cannot_be_reordered(self, shop: Shop) -> None:
        from b2b_customers.domain.order import OrderRecord  # noqa: PLC0415

        with shop.app.store.unit_of_work() as uow:
            uow.orders.add(
                OrderRecord(
                    id=OrderId("old"),
                    company_id=CompanyId("acme"),
                    buyer_id=CustomerId(shop.bob.id),
                    total=Money(10, "EUR"),
                    placed_at=shop.clock.now(),
                )
            )
            uow.commit()
        with pytest.raises(ValidationError, match="without its lines"):
            shop.app.orders.reorder(actor=shop.bob, order_id=OrderId("old"))


class TestConflictRetry:
    def test_it_runs_the_work_again_after_a_conflict_and_gives_up_after_the_last_attempt(
        self,
    ) -> None:
        from b2b_customers.errors import StaleVersion  # noqa: PLC0415
        from b2b_customers.services import ConflictRetry  # noqa: PLC0415

        calls: list[int] = []

        def conflicting_until(success_on: int) -> Callable[[], str]:
            def work() -> str:
                calls.append(1)
                if len(calls) < success_on:
                    raise StaleVersion("someone saved first")
                return "done"

            return work

        assert ConflictRetry(attempts=3).run(conflicting_until(3)) == "done"
        assert len(calls) == 3
        calls.clear()
        with pytest.raises(StaleVersion):
            ConflictRetry(attempts=2).run(conflicting_until(3))
        assert len(calls) == 2
        with pytest.raises(ValidationError, match="attempts"):
            ConflictRetry(attempts=0)

    def test_a_reservation_made_meanwhile_makes_place_decide_again(self) -> None:
        from datetime import UTC, datetime  # noqa: PLC0415

        from b2b_customers.app import connect  # noqa: PLC0415
        from b2b_customers.clock import ManualClock  # noqa: PLC0415
        from b2b_customers.credit import CreditAccount  # noqa: PLC0415
        from b2b_customers.services import Staff, StaffRole  # noqa: PLC0415

        class Meddling(ManualClock):
            """Another writer reserves credit the moment place() reads the clock a second time."""

            calls = 0

            def now(self) -> datetime:
                Meddling.calls += 1
                if Meddling.calls == meddle_at:
                    with app.store.unit_of_work() as uow:
                        account = uow.credit.get(CreditAccountId("c"))
                        _, entry = account.reserve(
                            "elsewhere", Money(4000, "EUR"), entry_id="e-x", at=super().now()
                        )
                        uow.credit.book(entry, within_limit=True)
                        uow.commit()
                return super().now()

        meddle_at = 10**9
        app = connect("memory://", clock=Meddling(datetime(2026, 4, 1, tzinfo=UTC)))
        staff = Staff(id="s", name="Sam", roles={StaffRole.ADMINISTRATOR})
        app.companies.onboard(actor=staff, id="co", name="Co", currency="EUR")
        anna = app.customers.invite(
            actor=staff,
            company=CompanyId("co"),
            email="a@co.example",
            first_name="A",
            last_name="A",
            roles=["admin"],
            active=True,
        )
        with app.store.unit_of_work() as uow:
            uow.credit.add(
                CreditAccount(
                    id=CreditAccountId("c"),
                    company_id=CompanyId("co"),
                    currency="EUR",
                    credit_limit=Money(5000, "EUR"),
                )
            )
            uow.commit()
        from b2b_customers.domain.order import OrderDraft, OrderLine  # noqa: PLC0415

        order = OrderDraft(
            company_id=CompanyId("co"),
            buyer_id=anna.id,
            lines=[OrderLine(sku="S", quantity=1, unit_price=Money(2000, "EUR"))],
        )
        # place() reads the clock for the decision, then reads the account: the second
        # reading (while writing) is after the decision, so the first attempt's save is stale
        # and the second attempt decides again on 4,000 EUR reserved.
        meddle_at = Meddling.calls + 2
        with pytest.raises(OrderDenied, match=r"exceeds the available 1,000\.00 EUR"):
            app.orders.place(actor=anna, order=order)
        with app.store.unit_of_work() as uow:
            assert [
                (r.reference, r.amount) for r in uow.credit.reservations(CreditAccountId("c"))
            ] == [("elsewhere", Money(4000, "EUR"))]
            assert uow.orders.history().total == 0


class TestOverriddenCart:
    """A credit controller's override for a cart lets the order placed from it through."""

    def _hold_and_override(self, shop: Shop, amount: int) -> None:
        shop.app.credit.place_hold(actor=shop.staff, company=CompanyId("acme"), reason="overdue")
        shop.app.credit.override_hold(
            actor=shop.staff,
            company=CompanyId("acme"),
            order="cart-7",
            amount=Money(amount, "EUR"),
            reason="CFO agreed",
        )

    def test_the_order_from_the_overridden_cart_is_placed_and_takes_its_reservation(
        self, shop: Shop
    ) -> None:
        self._hold_and_override(shop, 400)
        before = account(shop)
        placement = shop.app.orders.place(
            actor=shop.bob, order=shop.order(shop.bob, 400, resource_id="cart-7")
        )
        assert placement.placed
        assert held(shop) == {placement.order.id: Money("400", "EUR")}
        after = account(shop)
        assert (after.reserved, after.on_hold) == (before.reserved, True)
        with shop.app.store.unit_of_work() as uow:
            last = uow.credit.entries(after.id)[-1]
        assert (last.override, last.actor, last.reason) == (True, "s-admin", "CFO agreed")

    def test_another_cart_or_a_larger_order_is_still_refused_by_the_hold(self, shop: Shop) -> None:
        self._hold_and_override(shop, 400)
        for draft in (
            shop.order(shop.bob, 400, resource_id="cart-8"),
            shop.order(shop.bob, 401, resource_id="cart-7"),
            shop.order(shop.bob, 400),
        ):
            with pytest.raises(OrderDenied, match="credit hold"):
                shop.app.orders.place(actor=shop.bob, order=draft)
        assert held(shop) == {"cart-7": Money("400", "EUR")}
