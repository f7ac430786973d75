"""Contact use cases: name a customer as a company's contact, change the assignment, remove it.

A contact is a member of the company (any role; ``contact`` is the role of
someone who is only that), assigned in one capacity (primary, billing,
logistics or plain contact) with the notifications they subscribe to (see
[`recipients`][b2b_customers.services.notifications.recipients]). A company has at
most one primary contact per type: making another one primary takes the flag
from the one who had it, in the same unit of work. Admins of the company or
of a company above it, and staff, manage contacts. Events:
``contact.assigned``, ``contact.updated``, ``contact.removed``, each with an
audit entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import attrs

from b2b_customers.arguments import checks_arguments
from b2b_customers.domain import ContactAssignment, ContactType, NotificationEvent
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId
from b2b_customers.services.authorization import Actor, Permission

if TYPE_CHECKING:
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["ContactService"]


@checks_arguments
class ContactService:
    """Contact assignments, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def assign(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        customer: CustomerId | str,
        type: ContactType | str = ContactType.CONTACT,  # noqa: A002  (the domain's word)
        primary: bool = False,
        subscriptions: Iterable[NotificationEvent | str] = (),
    ) -> ContactAssignment:
        """Name ``customer`` a contact of ``company``.

        Args:
            actor: Someone who manages the company's contacts.
            company: The company represented.
            customer: A member of that company.
            type: Primary, billing, logistics or plain contact.
            primary: Make them the company's primary contact of this type
                (the previous one stops being it).
            subscriptions: The notifications they receive.

        Raises:
            NotFound: The company or the customer does not exist.
            PermissionDenied: The actor may not manage the company's contacts.
            ValidationError: The customer is not a member of the company, or a
                type or subscription is unknown.
            AlreadyExists: The customer is a contact of the company already.
        """
        company = CompanyId(company)
        customer = CustomerId(customer)
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_CONTACTS, company)
            person = uow.customers.get(customer)
            if company not in person.company_ids:
                raise ValidationError(
                    f"customer {customer!r} is not a member of company {company!r}; give them "
                    "a role there first (the role 'contact' if they only represent it)",
                    field="customer",
                )
            contact = ContactAssignment(
                id=ContactAssignmentId(self._context.ids()),
                company_id=company,
                customer_id=customer,
                type=type,
                is_primary=primary,
                subscriptions=subscriptions,
            )
            self._free_primary(uow, actor, contact)
            stored = uow.contacts.add(contact)
            self._context.record(uow, "contact.assigned", stored, actor=actor, company_id=company)
            uow.commit()
        return stored

    def change(
        self,
        *,
        actor: Actor,
        contact: ContactAssignmentId | str,
        type: ContactType | str | None = None,  # noqa: A002  (the domain's word)
        primary: bool | None = None,
        subscriptions: Iterable[NotificationEvent | str] | None = None,
    ) -> ContactAssignment:
        """Change the capacity, primary flag or subscriptions of an assignment (``None``: keep).

        Raises:
            NotFound: The assignment does not exist.
            PermissionDenied: The actor may not manage the company's contacts.
            ValidationError: A type or subscription is unknown.
        """
        contact = ContactAssignmentId(contact)
        with self._context.store.unit_of_work() as uow:
            current = uow.contacts.get(contact)
            self._context.authorize(uow, actor, Permission.MANAGE_CONTACTS, current.company_id)
            changed = attrs.evolve(
                current,
                type=current.type if type is None else type,
                is_primary=current.is_primary if primary is None else primary,
                subscriptions=current.subscriptions if subscriptions is None else subscriptions,
            )
            self._free_primary(uow, actor, changed)
            stored = uow.contacts.save(changed)
            self._context.record(
                uow,
                "contact.updated",
                stored,
                actor=actor,
                company_id=stored.company_id,
                before=current,
            )
            uow.commit()
        return stored

    def remove(self, *, actor: Actor, contact: ContactAssignmentId | str) -> ContactAssignment:
        """End an assignment (the customer stays a member); return it as it was.

        Raises:
            NotFound: The assignment does not exist.
            PermissionDenied: The actor may not manage the company's contacts.
        """
        contact = ContactAssignmentId(contact)
        with self._context.store.unit_of_work() as uow:
            current = uow.contacts.get(contact)
            self._context.authorize(uow, actor, Permission.MANAGE_CONTACTS, current.company_id)
            uow.contacts.remove(contact)
            self._context.record(
                uow,
                "contact.removed",
                current,
                actor=actor,
                company_id=current.company_id,
                before=current,
                removed=True,
            )
            uow.commit()
        return current

    def for_company(self, *, actor: Actor, company: CompanyId | str) -> list[ContactAssignment]:
        """Return the contacts of a company the actor may see the customers of, by id.

        Raises:
            NotFound: The company does not exist.
            PermissionDenied: The actor may not see the company's customers.
        """
        company = CompanyId(company)
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.VIEW_CUSTOMERS, company)
            return uow.contacts.for_company(company)

    def _free_primary(self, uow: UnitOfWork, actor: Actor, contact: ContactAssignment) -> None:
        """Take the primary flag of ``contact``'s type from whoever else holds it."""
        if not contact.is_primary:
            return
        for other in uow.contacts.for_company(contact.company_id, contact_type=contact.type):
            if other.is_primary and other.id != contact.id:
                stored = uow.contacts.save(attrs.evolve(other, is_primary=False))
                self._context.record(
                    uow,
                    "contact.updated",
                    stored,
                    actor=actor,
                    company_id=stored.company_id,
                    before=other,
                )
