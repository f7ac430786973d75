"""Contact assignments: a customer named as a contact person of a company.

A customer is assigned at most once per company, in one capacity (primary,
billing, logistics or plain contact), and subscribes to the notifications
the seller sends (order confirmation, invoice posted, ...). The
``SELL_TO_*`` subscriptions only make sense for a contact of a bill-to
company: they notify it of orders and invoices of the companies it pays for.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from attrs import field, frozen

from b2b_customers.domain.values import DomainEnum, flag, identifier, items_of
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["SELL_TO_EVENTS", "ContactAssignment", "ContactType", "NotificationEvent"]


class ContactType(DomainEnum):
    """The capacity in which a customer is a company's contact."""

    PRIMARY = "primary"
    BILLING = "billing"
    LOGISTICS = "logistics"
    CONTACT = "contact"


class NotificationEvent(DomainEnum):
    """What a contact can subscribe to be notified of."""

    ORDER_CONFIRMATION = "order_confirmation"
    INVOICE_POSTED = "invoice_posted"
    INVOICE_DUE = "invoice_due"
    SHIPMENT = "shipment"
    SELL_TO_ORDER_CONFIRMATION = "sell_to_order_confirmation"
    SELL_TO_INVOICE_POSTED = "sell_to_invoice_posted"
    SUGGESTED_ORDER = "suggested_order"
    STATEMENTS = "statements"


SELL_TO_EVENTS = frozenset(
    {NotificationEvent.SELL_TO_ORDER_CONFIRMATION, NotificationEvent.SELL_TO_INVOICE_POSTED}
)
"""Subscriptions that only a contact of a bill-to company receives."""


def _to_events(value: Iterable[NotificationEvent | str]) -> frozenset[NotificationEvent]:
    items = items_of(value)
    if items is None:
        return cast("frozenset[NotificationEvent]", value)  # the validator says what is wrong
    converted: set[Any] = set()
    for item in items:
        try:
            converted.add(NotificationEvent(item))
        except ValueError:
            converted.add(item)  # the validator names every unknown one
    return frozenset(converted)


def _events(_instance: Any, attribute: Any, value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, frozenset):
        raise ValidationError("must be a collection of notification events", field=attribute.name)
    unknown = sorted(repr(event) for event in value if not isinstance(event, NotificationEvent))
    if unknown:
        choices = ", ".join(repr(event.value) for event in NotificationEvent)
        raise ValidationError(
            f"unknown notification {', '.join(unknown)}; choose from {choices}",
            field=attribute.name,
        )


@frozen(kw_only=True)
class ContactAssignment(Versioned):
    """A customer named as a contact of a company.

    Attributes:
        id: The assignment's id.
        company_id: The company represented.
        customer_id: The person representing it.
        type: Primary, billing, logistics or plain contact.
        is_primary: The company's primary contact for this type (at most one
            per company and type).
        subscriptions: The notifications this contact receives.
    """

    id: ContactAssignmentId = field(converter=ContactAssignmentId, validator=identifier)
    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
    customer_id: CustomerId = field(converter=CustomerId, validator=identifier)
    type: ContactType = field(
        default=ContactType.CONTACT,
        converter=ContactType,
    )
    is_primary: bool = field(default=False, validator=flag)
    subscriptions: frozenset[NotificationEvent] = field(
        factory=frozenset, converter=_to_events, validator=_events
    )

    def is_subscribed_to(self, event: NotificationEvent) -> bool:
        """Tell whether the contact receives ``event``."""
        return event in self.subscriptions
