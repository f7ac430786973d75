"""Recipients, as a pure function: subscribed, each person once, in an order that does not drift."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import ContactAssignment, Customer, CustomerStatus, NotificationEvent
from b2b_customers.domain.notifications import (
    NOTIFIED_BY,
    SELL_TO_VARIANT,
    notification_for,
    recipients_of,
)
from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId

PEOPLE = [CustomerId(f"c{n}") for n in range(5)]
CUSTOMERS = {
    person: Customer(
        id=person,
        email=f"{person}@example.com",
        first_name="P",
        last_name=person,
        status=CustomerStatus.INACTIVE if person == "c4" else CustomerStatus.ACTIVE,
    )
    for person in PEOPLE
}


@st.composite
def _contacts(draw: st.DrawFn, company: str) -> list[ContactAssignment]:
    people = draw(st.lists(st.sampled_from(PEOPLE), unique=True, max_size=5))
    return [
        ContactAssignment(
            id=ContactAssignmentId(f"{company}-{draw(st.integers(0, 99))}-{person}"),
            company_id=CompanyId(company),
            customer_id=person,
            type=draw(st.sampled_from(["primary", "billing", "logistics", "contact"])),
            is_primary=draw(st.booleans()),
            subscriptions=draw(st.sets(st.sampled_from(NotificationEvent))),
        )
        for person in people
    ]


@given(
    st.sampled_from(sorted(set(NOTIFIED_BY.values()))),
    _contacts("shop"),
    _contacts("payer"),
    st.randoms(),
)
def test_recipients_are_subscribed_active_unique_and_in_a_fixed_order(
    notification: NotificationEvent,
    own: list[ContactAssignment],
    bill_to: list[ContactAssignment],
    shuffler: object,
) -> None:
    found = recipients_of(notification, own, CUSTOMERS, bill_to_contacts=bill_to)
    people = [r.customer_id for r in found]
    assert len(people) == len(set(people))
    assert "c4" not in people
    by_id = {c.id: c for c in [*own, *bill_to]}
    for recipient in found:
        contact = by_id[recipient.contact_id]
        assert contact.is_subscribed_to(recipient.notification)
        if contact.company_id == "payer":
            assert recipient.notification is SELL_TO_VARIANT[notification]
        else:
            assert recipient.notification is notification
    shuffled_own, shuffled_bill_to = list(own), list(bill_to)
    shuffler.shuffle(shuffled_own)  # type: ignore[attr-defined]
    shuffler.shuffle(shuffled_bill_to)  # type: ignore[attr-defined]
    again = recipients_of(notification, shuffled_own, CUSTOMERS, bill_to_contacts=shuffled_bill_to)
    assert again == found
    expected_people = {
        c.customer_id for c in own if c.is_subscribed_to(notification) and c.customer_id != "c4"
    }
    assert expected_people <= set(people)


def test_only_the_known_events_notify() -> None:
    assert notification_for("order.placed") is NotificationEvent.ORDER_CONFIRMATION
    assert notification_for("company.created") is None
