"""Contact assignments in SQL: one per customer and company, one primary per company and type."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from b2b_customers.adapters.sql.mapping import (
    contact_row,
    load,
    stamped,
    stored_bookkeeping,
    stored_time,
)
from b2b_customers.adapters.sql.queries import stale
from b2b_customers.adapters.sql.tables import companies, contact_assignments, customers
from b2b_customers.domain import ContactAssignment, ContactType
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import CompanyId, ContactAssignmentId, CustomerId

__all__ = ["SqlContactRepository"]

_table = contact_assignments


class SqlContactRepository:
    """Contact assignments, in SQL.

    Implements [`ContactRepository`][b2b_customers.ports.ContactRepository].

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, contact: ContactAssignment) -> ContactAssignment:
        """Store a new assignment; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, the customer is a contact of the
                company already, or the company has a primary contact of this
                type already.
            ValidationError: The company or the customer does not exist.
        """
        _require_contact(contact)
        now = self._session.now()
        stored = stamped(contact, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, stored, new=True)

        with self._session.write(explain) as connection:
            connection.execute(_table.insert(), [contact_row(stored)])
        return stored

    def save(self, contact: ContactAssignment) -> ContactAssignment:
        """Store a changed assignment; return the stored copy.

        Raises:
            NotFound: No assignment has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It would make a second primary contact of its type.
            ValidationError: The company or customer was changed.
        """
        _require_contact(contact)
        now = self._session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, contact, new=False)

        with self._session.write(explain) as connection:
            row = stored_bookkeeping(
                connection,
                select(
                    _table.c.version, _table.c.created_at, _table.c.company_id, _table.c.customer_id
                ).where(_table.c.id == contact.id),
                table=_table.name,
                key=contact.id,
            )
            if row is None:
                raise NotFound("ContactAssignment", contact.id)
            version, created_at, company_id, customer_id = row
            if version != contact.version:
                raise stale("ContactAssignment", contact.id, version, contact.version)
            for name, before, after in (
                ("company_id", company_id, contact.company_id),
                ("customer_id", customer_id, contact.customer_id),
            ):
                if before != after:
                    raise ValidationError(
                        f"assignment {contact.id!r} is for {before!r}; it cannot be moved to "
                        f"{after!r}: remove it and add a new one",
                        field=name,
                    )
            stored = stamped(
                contact, version=version + 1, created_at=stored_time(created_at), updated_at=now
            )
            values = contact_row(stored)
            del values["id"]
            result = connection.execute(
                update(_table)
                .where(_table.c.id == contact.id, _table.c.version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise stale("ContactAssignment", contact.id, version + 1, contact.version)
        return stored

    def remove(self, contact_id: ContactAssignmentId) -> None:
        """Delete an assignment.

        Raises:
            NotFound: No assignment has this id.
        """
        with self._session.write() as connection:
            result = connection.execute(delete(_table).where(_table.c.id == contact_id))
            if result.rowcount != 1:
                raise NotFound("ContactAssignment", contact_id)

    def get(self, contact_id: ContactAssignmentId) -> ContactAssignment:
        """Return the assignment with ``contact_id``.

        Raises:
            NotFound: No assignment has this id.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(_table.c.data).where(_table.c.id == contact_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("ContactAssignment", contact_id)
        return load(ContactAssignment, data, key=contact_id)

    def for_company(
        self, company_id: CompanyId, *, contact_type: ContactType | None = None
    ) -> list[ContactAssignment]:
        """Return a company's contacts (of one type, if given), sorted by id."""
        statement = select(_table.c.data).where(_table.c.company_id == company_id)
        if contact_type is not None:
            statement = statement.where(_table.c.type == ContactType(contact_type).value)
        with self._session.read() as connection:
            rows = connection.execute(statement.order_by(_table.c.id)).scalars()
            return [load(ContactAssignment, data) for data in rows]

    def for_customer(self, customer_id: CustomerId) -> list[ContactAssignment]:
        """Return the assignments of one customer, sorted by id."""
        with self._session.read() as connection:
            rows = connection.execute(
                select(_table.c.data)
                .where(_table.c.customer_id == customer_id)
                .order_by(_table.c.id)
            ).scalars()
            return [load(ContactAssignment, data) for data in rows]


def _require_contact(contact: object) -> None:
    if not isinstance(contact, ContactAssignment):
        raise ValidationError(
            f"expected a ContactAssignment, got {type(contact).__name__} {contact!r}"
        )


def _explain(connection: Connection, contact: ContactAssignment, *, new: bool) -> B2BError | None:
    """Say which rule a write broke: company, customer, id, pair, then primary contact."""
    if new:
        company = connection.execute(
            select(companies.c.id).where(companies.c.id == contact.company_id)
        ).first()
        if company is None:
            return ValidationError(
                f"company {contact.company_id!r} does not exist; store it first",
                field="company_id",
            )
        customer = connection.execute(
            select(customers.c.id).where(customers.c.id == contact.customer_id)
        ).first()
        if customer is None:
            return ValidationError(
                f"customer {contact.customer_id!r} does not exist; store them first",
                field="customer_id",
            )
        if connection.execute(select(_table.c.id).where(_table.c.id == contact.id)).first():
            return AlreadyExists(
                f"a ContactAssignment with id {contact.id!r} exists already; choose another id, "
                "or load and save the stored one"
            )
        pair = connection.execute(
            select(_table.c.id).where(
                _table.c.company_id == contact.company_id,
                _table.c.customer_id == contact.customer_id,
            )
        ).scalar_one_or_none()
        if pair is not None:
            return AlreadyExists(
                f"customer {contact.customer_id!r} is a contact of company "
                f"{contact.company_id!r} already (assignment {pair!r}); change that one"
            )
    if contact.is_primary:
        holder = connection.execute(
            select(_table.c.id).where(
                _table.c.company_id == contact.company_id,
                _table.c.type == contact.type.value,
                _table.c.is_primary.is_(True),
                _table.c.id != contact.id,
            )
        ).scalar_one_or_none()
        if holder is not None:
            return AlreadyExists(
                f"company {contact.company_id!r} has a primary {contact.type.value} contact "
                f"already (assignment {holder!r}); unset it first"
            )
    return None
