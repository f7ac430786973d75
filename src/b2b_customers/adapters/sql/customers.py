"""Customers in SQL, with their memberships (one row per role held in a company)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, delete, exists, or_, select, update

from b2b_customers.adapters.sql.mapping import (
    CUSTOMER_COLUMNS,
    CUSTOMER_TAG_COLUMNS,
    MEMBERSHIP_COLUMNS,
    Stamp,
    customer_tag_rows,
    customer_values,
    membership_rows,
    stored_bookkeeping,
    stored_time,
)
from b2b_customers.adapters.sql.queries import (
    chunked,
    data_text,
    existing,
    ids_param,
    insert_rows,
    json_text,
    lookup,
    page,
    paused_gc,
    sort_order,
    stale,
    subtree_ids,
)
from b2b_customers.adapters.sql.tables import companies, customer_tags, customers, memberships
from b2b_customers.domain import Customer, CustomerStatus, Role
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError
from b2b_customers.ports import CustomerQuery, CustomerSort, Page

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence

    from sqlalchemy import ColumnElement, Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import CustomerId

__all__ = ["SqlCustomerRepository"]

_DATA = data_text(customers)
_GET = select(_DATA).where(customers.c.id == bindparam("id"))
_GET_MANY = select(customers.c.id, _DATA).where(customers.c.id.in_(ids_param()))
_BY_EMAIL = select(customers.c.id, _DATA).where(customers.c.email == bindparam("email"))

_SORT_COLUMNS: dict[CustomerSort, Sequence[ColumnElement[Any]]] = {
    CustomerSort.EMAIL: (customers.c.email, customers.c.id),
    CustomerSort.LAST_NAME: (customers.c.last_name, customers.c.id),
    CustomerSort.CREATED_AT: (customers.c.created_at, customers.c.id),
    CustomerSort.ID: (customers.c.id,),
}


class SqlCustomerRepository:
    """Customers and their memberships, in SQL.

    Implements [`CustomerRepository`][b2b_customers.ports.CustomerRepository]. Emails are
    stored lower-cased (the domain normalises them), so the unique constraint
    on them ignores case.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    # -- writes

    def add(self, customer: Customer) -> Customer:
        """Store a new customer; return the stored copy.

        Raises:
            AlreadyExists: The id or the email address is taken.
            ValidationError: A membership names a company that does not exist.
        """
        return self._insert([customer])[0]

    def add_many(self, customers: Iterable[Customer]) -> list[Customer]:
        """Store many new customers, all or none.

        The rows go to the database in one batch per table; the checks and
        errors are those of `add`, for the first item that fails.

        Raises:
            AlreadyExists: An id or email address is taken.
            ValidationError: A membership names a company that does not exist.
        """
        items = list(customers)
        with paused_gc(len(items)):
            return self._insert(items)

    def save(self, customer: Customer) -> Customer:
        """Store a changed customer; return the stored copy.

        Raises:
            NotFound: No customer has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The email address is taken by another customer.
            ValidationError: A membership names a company that does not exist.
        """
        _require_customers([customer])
        session = self._session
        now = session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return self._explain(connection, [customer], new=False)

        with session.write(explain) as connection:
            row = stored_bookkeeping(
                connection,
                select(customers.c.version, customers.c.created_at).where(
                    customers.c.id == customer.id
                ),
                table="customers",
                key=customer.id,
            )
            if row is None:
                raise NotFound("Customer", customer.id)
            version, created_at = row
            if version != customer.version:
                raise stale("Customer", customer.id, version, customer.version)
            stamp = Stamp(version + 1, stored_time(created_at), now)
            stored = stamp.apply(customer)
            values = dict(
                zip(CUSTOMER_COLUMNS, customer_values(stored, stamp, raw=False), strict=True)
            )
            del values["id"]
            values["data"] = json_text(values["data"], connection)
            result = connection.execute(
                update(customers)
                .where(customers.c.id == customer.id, customers.c.version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise stale("Customer", customer.id, version + 1, customer.version)
            connection.execute(delete(memberships).where(memberships.c.customer_id == customer.id))
            connection.execute(
                delete(customer_tags).where(customer_tags.c.customer_id == customer.id)
            )
            _insert_details(connection, [stored], raw=not session.postgres)
        return stored

    # -- reads

    def get(self, customer_id: CustomerId) -> Customer:
        """Return the customer with ``customer_id``.

        Raises:
            NotFound: No customer has this id.
        """
        session = self._session
        with session.read() as connection:
            data = connection.execute(_GET, {"id": customer_id}).scalar_one_or_none()
        if data is None:
            raise NotFound("Customer", customer_id)
        return session.decode(Customer, data, customer_id)

    def get_many(self, customer_ids: Iterable[CustomerId]) -> list[Customer]:
        """Return the customers with these ids, sorted by id; unknown ids are left out."""
        session = self._session
        found: list[Customer] = []
        with session.read() as connection:
            for chunk in chunked(sorted(set(customer_ids)), session.chunk_size):
                rows = connection.execute(_GET_MANY, {"ids": chunk})
                found.extend(session.decode(Customer, data, key) for key, data in rows)
        return sorted(found, key=lambda customer: customer.id)

    def existing(self, customer_ids: Iterable[CustomerId]) -> set[CustomerId]:
        """Return which of these ids are stored (the primary key only; no row is decoded)."""
        session = self._session
        with session.read() as connection:
            return existing(connection, customers.c.id, set(customer_ids), session.chunk_size)

    def get_by_email(self, email: str) -> Customer:
        """Return the customer with this email address (compared without case).

        Raises:
            NotFound: No customer has this email address.
        """
        session = self._session
        with session.read() as connection:
            row = connection.execute(_BY_EMAIL, {"email": email.strip().lower()}).one_or_none()
        if row is None:
            raise NotFound("Customer", email, by="email")
        return session.decode(Customer, row[1], row[0])

    def search(self, query: CustomerQuery | None = None) -> Page[Customer]:
        """Return one page of the customers matching ``query`` (default: all, by email)."""
        query = query if query is not None else CustomerQuery()
        order = sort_order(_SORT_COLUMNS[CustomerSort(query.sort)], descending=query.descending)
        with self._session.read() as connection:
            return page(
                connection,
                self._session.decode,
                Customer,
                customers,
                conditions=_conditions(query),
                order_by=order,
                offset=query.offset,
                limit=query.limit,
            )

    # -- helpers

    def _insert(self, items: list[Customer]) -> list[Customer]:
        _require_customers(items)
        if not items:
            return []
        now = self._session.now()
        stamp = Stamp(1, now, now)
        stored = [stamp.apply(customer) for customer in items]
        raw = not self._session.postgres

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return self._explain(connection, stored, new=True)

        with self._session.write(explain) as connection:
            rows = [customer_values(customer, stamp, raw=raw) for customer in stored]
            insert_rows(connection, customers, CUSTOMER_COLUMNS, rows, raw=raw)
            _insert_details(connection, stored, raw=raw)
        self._session.remember_written(stored, [row[-1] for row in rows])  # data: last
        return stored

    def _explain(
        self, connection: Connection, items: Sequence[Customer], *, new: bool
    ) -> B2BError | None:
        """Say which item broke which rule: its companies, its id, then its email."""
        size = self._session.chunk_size
        known_companies = existing(
            connection,
            companies.c.id,
            {company for customer in items for company in customer.company_ids},
            size,
        )
        taken_ids = (
            existing(connection, customers.c.id, {customer.id for customer in items}, size)
            if new
            else set()
        )
        emails = lookup(
            connection,
            customers.c.email,
            customers.c.id,
            {customer.email for customer in items},
            size,
        )
        added: set[str] = set()
        added_emails: dict[str, str] = {}
        for customer in items:
            missing = _missing_companies(customer, known_companies.__contains__)
            if missing is not None:
                return missing
            if new and (customer.id in added or customer.id in taken_ids):
                return AlreadyExists(
                    f"a Customer with id {customer.id!r} exists already; choose another id, "
                    "or load and save the stored one"
                )
            holder = added_emails.get(customer.email) or emails.get(customer.email)
            if holder is not None and holder != customer.id:
                return AlreadyExists(
                    f"email address {customer.email!r} belongs to customer {holder!r}; "
                    "each customer needs an address of their own"
                )
            added.add(customer.id)
            added_emails[customer.email] = customer.id
        return None


def _require_customers(items: Sequence[object]) -> None:
    for item in items:
        if not isinstance(item, Customer):
            raise ValidationError(f"expected a Customer, got {type(item).__name__} {item!r}")


def _insert_details(connection: Connection, items: Sequence[Customer], *, raw: bool) -> None:
    roles = [row for customer in items for row in membership_rows(customer)]
    insert_rows(connection, memberships, MEMBERSHIP_COLUMNS, roles, raw=raw)
    tags = [row for customer in items if customer.tags for row in customer_tag_rows(customer)]
    insert_rows(connection, customer_tags, CUSTOMER_TAG_COLUMNS, tags, raw=raw)


def _missing_companies(customer: Customer, exists_: Callable[[str], bool]) -> B2BError | None:
    missing = sorted(company for company in customer.company_ids if not exists_(company))
    if not missing:
        return None
    return ValidationError(
        f"customer {customer.id!r} is a member of {', '.join(map(repr, missing))}, which "
        "does not exist; store the company first or drop the membership",
        field="memberships",
    )


def _conditions(query: CustomerQuery) -> list[ColumnElement[bool]]:
    column = customers.c
    conditions: list[ColumnElement[bool]] = []
    role = Role(query.role).value if query.role is not None else None
    standing = query.membership_status
    if query.company_id is not None or role is not None or standing is not None:
        # One membership row must match the company, the role and the status together.
        member = memberships.alias("member")
        scope: list[ColumnElement[bool]] = [member.c.customer_id == column.id]
        if query.company_id is not None and query.include_subtree:
            scope.append(member.c.company_id.in_(subtree_ids(query.company_id)))
        elif query.company_id is not None:
            scope.append(member.c.company_id == query.company_id)
        if role is not None:
            scope.append(member.c.role == role)
        if standing is not None:
            scope.append(member.c.status == CustomerStatus(standing).value)
        conditions.append(exists().where(*scope))
    if query.status is not None:
        conditions.append(column.status == CustomerStatus(query.status).value)
    if query.email_contains is not None:
        conditions.append(column.email.contains(query.email_contains.lower(), autoescape=True))
    if query.name_contains is not None:
        part = query.name_contains.lower()
        conditions.append(
            or_(
                column.first_name_lower.contains(part, autoescape=True),
                column.last_name_lower.contains(part, autoescape=True),
            )
        )
    if query.tag is not None:
        conditions.append(
            exists().where(
                customer_tags.c.customer_id == column.id, customer_tags.c.tag == query.tag
            )
        )
    return conditions
