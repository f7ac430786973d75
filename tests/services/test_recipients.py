"""Who is notified of an event: subscribed contacts, and the bill-to's contacts for sell-to events.

Every test runs on the memory store, an SQLite file and PostgreSQL (``conftest.app``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
import pytest

from b2b_customers.domain import Customer, CustomerStatus, DomainEvent, NotificationEvent, Role
from b2b_customers.domain.notifications import NOTIFIED_BY, SELL_TO_VARIANT
from b2b_customers.ids import CompanyId, EventId
from b2b_customers.services import Staff, StaffRole
from b2b_customers.services.notifications import recipients
from tests.services.conftest import NOW

if TYPE_CHECKING:
    from b2b_customers.app import App

REP = Staff(id="s-1", name="Sam Sales", roles={StaffRole.SALES_REP})
SHOP = CompanyId("shop")
PAYER = CompanyId("payer")
N = NotificationEvent


def _event(name: str, company: CompanyId | None = SHOP) -> DomainEvent:
    return DomainEvent(
        id=EventId(f"ev-{name}"),
        name=name,
        aggregate_type=name.split(".", maxsplit=1)[0],
        aggregate_id="agg-1",
        occurred_at=NOW,
        company_id=company,
    )


def _contact(
    app: App,
    email: str,
    company: CompanyId,
    subscriptions: list[NotificationEvent],
    *,
    type: str = "contact",  # noqa: A002
    primary: bool = False,
) -> Customer:
    person = app.customers.invite(
        actor=REP,
        company=company,
        email=email,
        first_name=email.split("@", maxsplit=1)[0].title(),
        last_name="Person",
        roles=[Role.CONTACT],
        active=True,
    )
    app.contacts.assign(
        actor=REP,
        company=company,
        customer=person.id,
        type=type,
        primary=primary,
        subscriptions=subscriptions,
    )
    return person


@pytest.fixture
def shop(app: App) -> App:
    """``payer`` pays the invoices of ``shop`` (shop is a sell-to account of payer)."""
    app.companies.onboard(actor=REP, id="payer", name="Payer AG", currency="EUR")
    app.companies.onboard(actor=REP, id="shop", name="Shop", currency="EUR", bill_to_id="payer")
    return app


def _emails(app: App, event: DomainEvent) -> list[tuple[str, str, str]]:
    return [(r.email, r.company_id, r.notification.value) for r in app.recipients(event)]


@pytest.mark.parametrize(("event_name", "notification"), sorted(NOTIFIED_BY.items()))
def test_each_event_reaches_the_contacts_subscribed_to_its_notification(
    shop: App, event_name: str, notification: NotificationEvent
) -> None:
    _contact(shop, "yes@shop.example", SHOP, [notification])
    _contact(shop, "no@shop.example", SHOP, [n for n in NotificationEvent if n != notification])
    assert _emails(shop, _event(event_name)) == [("yes@shop.example", "shop", notification.value)]


@pytest.mark.parametrize(("own", "sell_to"), sorted(SELL_TO_VARIANT.items()))
def test_the_bill_to_companys_contacts_receive_the_sell_to_variant(
    shop: App, own: NotificationEvent, sell_to: NotificationEvent
) -> None:
    _contact(shop, "buyer@shop.example", SHOP, [own])
    _contact(shop, "payer-sellto@payer.example", PAYER, [sell_to])
    _contact(shop, "payer-own@payer.example", PAYER, [own])
    event_name = next(name for name, notification in NOTIFIED_BY.items() if notification is own)
    assert _emails(shop, _event(event_name)) == [
        ("buyer@shop.example", "shop", own.value),
        ("payer-sellto@payer.example", "payer", sell_to.value),
    ]
    # The payer's own events reach its own subscribers, not the sell-to ones.
    assert _emails(shop, _event(event_name, PAYER)) == [
        ("payer-own@payer.example", "payer", own.value)
    ]


def test_events_without_a_sell_to_variant_stay_with_the_company(shop: App) -> None:
    _contact(shop, "payer@payer.example", PAYER, list(NotificationEvent))
    assert _emails(shop, _event("shipment.created")) == []
    assert _emails(shop, _event("statement.posted")) == []


def test_primary_contacts_come_first_then_by_type_and_each_person_once(shop: App) -> None:
    everything = list(NotificationEvent)
    _contact(shop, "a-plain@shop.example", SHOP, everything)
    _contact(shop, "b-logistics@shop.example", SHOP, everything, type="logistics")
    _contact(shop, "c-billing@shop.example", SHOP, everything, type="contact", primary=True)
    both = _contact(shop, "d-both@payer.example", PAYER, everything)
    shop.customers.assign_roles(actor=REP, customer=both.id, company=SHOP, roles=[Role.CONTACT])
    shop.contacts.assign(
        actor=REP, company=SHOP, customer=both.id, type="billing", subscriptions=everything
    )
    _contact(shop, "e-payer@payer.example", PAYER, everything, primary=True)
    assert _emails(shop, _event("order.placed")) == [
        ("c-billing@shop.example", "shop", "order_confirmation"),
        ("d-both@payer.example", "shop", "order_confirmation"),
        ("b-logistics@shop.example", "shop", "order_confirmation"),
        ("a-plain@shop.example", "shop", "order_confirmation"),
        ("e-payer@payer.example", "payer", "sell_to_order_confirmation"),
    ]


def test_inactive_customers_are_not_notified(shop: App) -> None:
    gone = _contact(shop, "gone@shop.example", SHOP, [N.ORDER_CONFIRMATION])
    _contact(shop, "here@shop.example", SHOP, [N.ORDER_CONFIRMATION])
    with shop.store.unit_of_work() as uow:
        uow.customers.save(attrs.evolve(gone, status=CustomerStatus.INACTIVE))
        uow.commit()
    assert [email for email, _, _ in _emails(shop, _event("order.placed"))] == ["here@shop.example"]


def test_other_events_and_events_without_a_company_notify_nobody(shop: App) -> None:
    _contact(shop, "all@shop.example", SHOP, list(NotificationEvent))
    assert _emails(shop, _event("company.created")) == []
    assert _emails(shop, _event("order.placed", None)) == []
    assert _emails(shop, _event("order.placed", CompanyId("gone"))) == []
    with shop.store.unit_of_work() as uow:
        assert [r.email for r in recipients(_event("order.placed"), uow)] == ["all@shop.example"]
