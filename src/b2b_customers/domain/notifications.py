"""Who is told about an event: the contacts subscribed to it, and the bill-to's contacts.

Each event a host application mails about maps to one notification a contact
subscribes to ([`NOTIFIED_BY`][b2b_customers.domain.notifications.NOTIFIED_BY]): ``order.placed`` is
an order confirmation, ``invoice.posted`` an invoice posted, and so on. The contacts of
the company the event is about receive it when they subscribed to it. When
that company names a **bill-to** company (who pays its invoices), the
bill-to's contacts receive the sell-to variant
([`SELL_TO_VARIANT`][b2b_customers.domain.notifications.SELL_TO_VARIANT]: order confirmation and
invoice posted), when they subscribed to that.

[`recipients_of`][b2b_customers.domain.notifications.recipients_of] is pure: give it the contacts
and the customers, it answers who is notified, why, in a fixed order. The service function
[`b2b_customers.services.notifications.recipients`][] loads them.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from attrs import field, frozen

from b2b_customers.domain.contact import ContactType, NotificationEvent
from b2b_customers.domain.customer import CustomerStatus
from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from b2b_customers.domain.contact import ContactAssignment
    from b2b_customers.domain.customer import Customer

__all__ = ["NOTIFIED_BY", "SELL_TO_VARIANT", "Recipient", "notification_for", "recipients_of"]

_N = NotificationEvent

NOTIFIED_BY: Mapping[str, NotificationEvent] = MappingProxyType(
    {
        "order.placed": _N.ORDER_CONFIRMATION,
        "invoice.posted": _N.INVOICE_POSTED,
        "invoice.due": _N.INVOICE_DUE,
        "shipment.created": _N.SHIPMENT,
        "order.suggested": _N.SUGGESTED_ORDER,
        "statement.posted": _N.STATEMENTS,
    }
)
"""The notification each event name triggers; other events notify nobody."""

SELL_TO_VARIANT: Mapping[NotificationEvent, NotificationEvent] = MappingProxyType(
    {
        _N.ORDER_CONFIRMATION: _N.SELL_TO_ORDER_CONFIRMATION,
        _N.INVOICE_POSTED: _N.SELL_TO_INVOICE_POSTED,
    }
)
"""What the bill-to company's contacts subscribe to, to hear of a sell-to company's event."""

_TYPE_ORDER = {contact_type: rank for rank, contact_type in enumerate(ContactType)}


@frozen(kw_only=True)
class Recipient:
    """Someone to notify of an event, and why.

    Attributes:
        customer_id: The person.
        email: Where to write to them.
        name: How to address them.
        company_id: The company whose contact they are (the event's
            company, or its bill-to company).
        contact_id: The contact assignment that subscribes them.
        notification: The subscription that applies (``sell_to_*`` for the
            bill-to company's contacts).
    """

    customer_id: CustomerId
    email: str
    name: str
    company_id: CompanyId
    contact_id: ContactAssignmentId
    notification: NotificationEvent = field(converter=NotificationEvent)


def notification_for(event_name: str) -> NotificationEvent | None:
    """Return the notification an event triggers, or ``None`` when it notifies nobody."""
    return NOTIFIED_BY.get(event_name)


def recipients_of(
    notification: NotificationEvent,
    contacts: Iterable[ContactAssignment],
    customers: Mapping[CustomerId, Customer],
    *,
    bill_to_contacts: Iterable[ContactAssignment] = (),
) -> list[Recipient]:
    """Return who receives ``notification``, each person once.

    Args:
        notification: What happened, as a subscription (see
            [`notification_for`][b2b_customers.domain.notifications.notification_for]).
        contacts: The contacts of the company the event is about.
        customers: The customers those contacts (and the bill-to's) name;
            contacts of customers missing here, inactive, or deactivated
            at the contact's company are left out.
        bill_to_contacts: The contacts of the company's bill-to company (none
            when it pays its own invoices); they receive the sell-to variant.

    Returns:
        The company's own contacts first, then the bill-to's; within each,
        primary contacts first, then by type (primary, billing, logistics,
        contact), then by assignment id. A person reached twice is listed
        the first time only.
    """
    candidates = [(contact, notification) for contact in _in_order(contacts)]
    sell_to = SELL_TO_VARIANT.get(notification)
    if sell_to is not None:
        candidates += [(contact, sell_to) for contact in _in_order(bill_to_contacts)]
    found: list[Recipient] = []
    seen: set[str] = set()
    for contact, subscription in candidates:
        customer = customers.get(contact.customer_id)
        if (
            customer is None
            or customer.status is CustomerStatus.INACTIVE
            or customer.status_in(contact.company_id) is CustomerStatus.INACTIVE
            or customer.id in seen
            or not contact.is_subscribed_to(subscription)
        ):
            continue
        seen.add(customer.id)
        found.append(
            Recipient(
                customer_id=customer.id,
                email=customer.email,
                name=customer.display_name,
                company_id=contact.company_id,
                contact_id=contact.id,
                notification=subscription,
            )
        )
    return found


def _in_order(contacts: Iterable[ContactAssignment]) -> list[ContactAssignment]:
    return sorted(
        contacts,
        key=lambda contact: (not contact.is_primary, _TYPE_ORDER[contact.type], contact.id),
    )
