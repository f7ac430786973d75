"""Who should be notified of a domain event: read from the contacts' subscriptions.

A host application publishing the outbox asks
[`recipients`][b2b_customers.services.notifications.recipients] for each event it mails about; the
rules are those of [`b2b_customers.domain.notifications`][].
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.domain.notifications import Recipient, notification_for, recipients_of
from b2b_customers.errors import NotFound

if TYPE_CHECKING:
    from b2b_customers.domain import ContactAssignment, DomainEvent
    from b2b_customers.ports import UnitOfWork

__all__ = ["Recipient", "recipients"]


def recipients(event: DomainEvent, uow: UnitOfWork) -> list[Recipient]:
    """Return who should be notified of ``event``, in a fixed order (see ``recipients_of``).

    Events that trigger no notification, events without a company, and
    events of a company that no longer exists notify nobody.

    Args:
        event: An event from the outbox (or one the host application made,
            such as ``shipment.created``).
        uow: An open unit of work to read contacts and customers from.
    """
    notification = notification_for(event.name)
    if notification is None or event.company_id is None:
        return []
    try:
        company = uow.companies.get(event.company_id)
    except NotFound:
        return []
    contacts = uow.contacts.for_company(company.id)
    bill_to: list[ContactAssignment] = []
    if company.bill_to_id is not None and company.bill_to_id != company.id:
        bill_to = uow.contacts.for_company(company.bill_to_id)
    people = uow.customers.get_many({contact.customer_id for contact in [*contacts, *bill_to]})
    return recipients_of(
        notification,
        contacts,
        {person.id: person for person in people},
        bill_to_contacts=bill_to,
    )
