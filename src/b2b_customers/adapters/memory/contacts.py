"""Contact assignments, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Unique
from b2b_customers.domain import ContactAssignment, ContactType
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId

__all__ = ["MemoryContactRepository"]


_CONTACTS: _Schema[ContactAssignment] = _Schema(
    entity="ContactAssignment",
    ident=lambda contact: contact.id,
    indexes={
        "company": lambda contact: [contact.company_id],
        "customer": lambda contact: [contact.customer_id],
        "pair": lambda contact: [(contact.company_id, contact.customer_id)],
        "primary": lambda contact: (
            [(contact.company_id, contact.type)] if contact.is_primary else []
        ),
    },
    unique=[
        _Unique(
            "pair",
            lambda contact, holder: (
                f"customer {contact.customer_id!r} is a contact of company "
                f"{contact.company_id!r} already (assignment {holder!r}); change that one"
            ),
        ),
        _Unique(
            "primary",
            lambda contact, holder: (
                f"company {contact.company_id!r} has a primary {contact.type.value} contact "
                f"already (assignment {holder!r}); unset it first"
            ),
        ),
    ],
)


class MemoryContactRepository(_Repository[ContactAssignment]):
    """Contact assignments, in memory.

    Implements [`ContactRepository`][b2b_customers.ports.ContactRepository].
    """

    def add(self, contact: ContactAssignment) -> ContactAssignment:
        """Store a new assignment; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, the customer is a contact of the
                company already, or the company has a primary contact of this
                type already.
            ValidationError: The company or the customer does not exist.
        """
        return self._insert(contact)

    def save(self, contact: ContactAssignment) -> ContactAssignment:
        """Store a changed assignment; return the stored copy.

        Raises:
            NotFound: No assignment has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It would make a second primary contact of its type.
            ValidationError: The company or customer was changed.
        """
        return self._update(contact)

    def remove(self, contact_id: ContactAssignmentId) -> None:
        """Delete an assignment.

        Raises:
            NotFound: No assignment has this id.
        """
        self._delete(contact_id)

    def get(self, contact_id: ContactAssignmentId) -> ContactAssignment:
        """Return the assignment with ``contact_id``.

        Raises:
            NotFound: No assignment has this id.
        """
        with self._lock:
            return self._find(contact_id)

    def for_company(
        self, company_id: CompanyId, *, contact_type: ContactType | None = None
    ) -> list[ContactAssignment]:
        """Return a company's contacts (of one type, if given), sorted by id."""
        with self._lock:
            found = self._buffer.rows("company", company_id)
        wanted = None if contact_type is None else ContactType(contact_type)
        return sorted(
            (row for row in found if wanted is None or row.type is wanted),
            key=lambda row: row.id,
        )

    def for_customer(self, customer_id: CustomerId) -> list[ContactAssignment]:
        """Return the assignments of one customer, sorted by id."""
        with self._lock:
            found = self._buffer.rows("customer", customer_id)
        return sorted(found, key=lambda row: row.id)

    def _check_references(self, row: ContactAssignment) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} does not exist; store it first",
                field="company_id",
            )
        if self._work.customers.get(row.customer_id) is None:
            raise ValidationError(
                f"customer {row.customer_id!r} does not exist; store them first",
                field="customer_id",
            )

    def _check_change(self, stored: ContactAssignment, changed: ContactAssignment) -> None:
        for name, before, after in (
            ("company_id", stored.company_id, changed.company_id),
            ("customer_id", stored.customer_id, changed.customer_id),
        ):
            if before != after:
                raise ValidationError(
                    f"assignment {stored.id!r} is for {before!r}; it cannot be moved to "
                    f"{after!r}: remove it and add a new one",
                    field=name,
                )
