"""Contact assignments: a customer named as a company's contact, with subscriptions."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given

from b2b_customers.domain import (
    SELL_TO_EVENTS,
    ContactAssignment,
    ContactType,
    NotificationEvent,
)
from b2b_customers.errors import ValidationError
from b2b_customers.testing import strategies as st_b2b


def assignment(**changes: Any) -> ContactAssignment:
    return ContactAssignment(**{"id": "a1", "company_id": "acme", "customer_id": "anna", **changes})


class TestContactAssignment:
    """A contact assignment validates itself and answers about subscriptions."""

    def test_is_a_plain_contact_without_subscriptions_by_default(self) -> None:
        contact = assignment()
        assert contact.type is ContactType.CONTACT
        assert not contact.is_primary
        assert contact.subscriptions == frozenset()

    def test_accepts_types_and_subscriptions_as_text(self) -> None:
        contact = assignment(type="billing", subscriptions=["invoice_posted", "statements"])
        assert contact.type is ContactType.BILLING
        assert contact.subscriptions == {
            NotificationEvent.INVOICE_POSTED,
            NotificationEvent.STATEMENTS,
        }

    def test_is_subscribed_to(self) -> None:
        contact = assignment(subscriptions=[NotificationEvent.SHIPMENT])
        assert contact.is_subscribed_to(NotificationEvent.SHIPMENT)
        assert not contact.is_subscribed_to(NotificationEvent.INVOICE_DUE)

    @given(st_b2b.contact_assignments())
    def test_is_subscribed_to_exactly_its_subscriptions(self, contact: ContactAssignment) -> None:
        for event in NotificationEvent:
            assert contact.is_subscribed_to(event) == (event in contact.subscriptions)

    def test_unknown_subscriptions_are_named(self) -> None:
        with pytest.raises(ValidationError, match="'newsletter', 'spam'") as info:
            assignment(subscriptions=["shipment", "spam", "newsletter"])
        assert info.value.field == "subscriptions"

    @pytest.mark.parametrize("subscriptions", ["shipment", None, 1])
    def test_subscriptions_must_be_a_collection(self, subscriptions: object) -> None:
        with pytest.raises(ValidationError) as info:
            assignment(subscriptions=subscriptions)
        assert info.value.field == "subscriptions"

    def test_unknown_type_is_refused_with_the_choices(self) -> None:
        with pytest.raises(ValidationError, match="'primary', 'billing', 'logistics', 'contact'"):
            assignment(type="sales")

    @pytest.mark.parametrize("field", ["id", "company_id", "customer_id"])
    def test_ids_are_required_to_be_ids(self, field: str) -> None:
        with pytest.raises(ValidationError) as info:
            assignment(**{field: ""})
        assert info.value.field == field

    def test_is_primary_is_a_flag(self) -> None:
        with pytest.raises(ValidationError) as info:
            assignment(is_primary="yes")
        assert info.value.field == "is_primary"

    def test_sell_to_events_are_the_two_sell_to_notifications(self) -> None:
        assert {event.value for event in SELL_TO_EVENTS} == {
            "sell_to_order_confirmation",
            "sell_to_invoice_posted",
        }
