"""Customers and their memberships, in the export's ``customers.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.domain import Customer
from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.ports import CustomerQuery, Page
from b2b_customers.queries import select
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import CompanyId, CustomerId

__all__ = ["JsonCustomerRepository"]


class JsonCustomerRepository(Repository[Customer]):
    """Customers and their memberships.

    Implements `CustomerRepository`.
    """

    entity = "Customer"
    unique = (
        Unique[Customer](
            lambda customer: [customer.email],
            lambda customer, holder: (
                f"email address {customer.email!r} belongs to customer {holder!r}; "
                "each customer needs an address of their own"
            ),
        ),
    )

    def add(self, customer: Customer) -> Customer:
        """Store a new customer; return the stored copy.

        Raises:
            AlreadyExists: The id or the email address is taken.
            ValidationError: A membership names a company that does not exist.
        """
        return self._insert(customer)

    def add_many(self, customers: Iterable[Customer]) -> list[Customer]:
        """Store many new customers, all or none.

        Raises:
            AlreadyExists: An id or email address is taken.
            ValidationError: A membership names a company that does not exist.
        """
        return self._insert_many(customers)

    def save(self, customer: Customer) -> Customer:
        """Store a changed customer; return the stored copy.

        Raises:
            NotFound: No customer has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The email address is taken by another customer.
            ValidationError: A membership names a company that does not exist.
        """
        return self._update(customer)

    def get(self, customer_id: CustomerId) -> Customer:
        """Return the customer with ``customer_id``.

        Raises:
            NotFound: No customer has this id.
        """
        return self._find(customer_id)

    def get_many(self, customer_ids: Iterable[CustomerId]) -> list[Customer]:
        """Return the customers with these ids, sorted by id; unknown ids are left out."""
        found = (self._table.get(customer_id) for customer_id in set(customer_ids))
        return sorted((row for row in found if row is not None), key=lambda row: row.id)

    def existing(self, customer_ids: Iterable[CustomerId]) -> set[CustomerId]:
        """Return which of these ids are stored."""
        return {key for key in set(customer_ids) if self._table.get(key) is not None}

    def get_by_email(self, email: str) -> Customer:
        """Return the customer with this email address (compared without case).

        Raises:
            NotFound: No customer has this email address.
        """
        wanted = email.strip().lower()
        for customer in self._table:
            if customer.email == wanted:
                return customer
        raise NotFound("Customer", email, by="email")

    def search(self, query: CustomerQuery | None = None) -> Page[Customer]:
        """Return one page of the customers matching ``query`` (default: all, by email).

        With ``include_subtree`` the subsidiaries are those of the tree as it stands.
        """
        query = query if query is not None else CustomerQuery()
        scope: frozenset[CompanyId] | None = None
        if query.company_id is not None:
            below = self._work.tree().descendants(query.company_id)
            scope = frozenset([query.company_id, *(below if query.include_subtree else ())])
        return select(query, self._table, scope)

    def _check_references(self, row: Customer) -> None:
        missing = sorted(
            company for company in row.company_ids if not self._work.company_exists(company)
        )
        if missing:
            raise ValidationError(
                f"customer {row.id!r} is a member of {', '.join(map(repr, missing))}, which "
                "does not exist; store the company first or drop the membership",
                field="memberships",
            )
