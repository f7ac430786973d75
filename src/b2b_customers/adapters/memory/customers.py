"""Customers and their memberships, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Unique
from b2b_customers.domain import Customer
from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.ports import CustomerQuery, Page
from b2b_customers.queries import select

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import CompanyId, CustomerId

__all__ = ["MemoryCustomerRepository"]


_CUSTOMERS: _Schema[Customer] = _Schema(
    entity="Customer",
    ident=lambda customer: customer.id,
    indexes={
        "email": lambda customer: [customer.email],
        "company": lambda customer: customer.company_ids,
    },
    unique=[
        _Unique(
            "email",
            lambda customer, holder: (
                f"email address {customer.email!r} belongs to customer {holder!r}; "
                "each customer needs an address of their own"
            ),
        )
    ],
)


class MemoryCustomerRepository(_Repository[Customer]):
    """Customers and their memberships, in memory.

    Implements [`CustomerRepository`][b2b_customers.ports.CustomerRepository].
    """

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
        with self._lock:
            return self._find(customer_id)

    def get_many(self, customer_ids: Iterable[CustomerId]) -> list[Customer]:
        """Return the customers with these ids, sorted by id; unknown ids are left out."""
        with self._lock:
            found = [self._buffer.get(customer_id) for customer_id in set(customer_ids)]
        return sorted((row for row in found if row is not None), key=lambda row: row.id)

    def existing(self, customer_ids: Iterable[CustomerId]) -> set[CustomerId]:
        """Return which of these ids are stored."""
        with self._lock:
            return {key for key in set(customer_ids) if self._buffer.get(key) is not None}

    def get_by_email(self, email: str) -> Customer:
        """Return the customer with this email address (compared without case).

        Raises:
            NotFound: No customer has this email address.
        """
        with self._lock:
            matches = self._buffer.rows("email", email.strip().lower())
        if not matches:
            raise NotFound("Customer", email, by="email")
        return matches[0]

    def search(self, query: CustomerQuery | None = None) -> Page[Customer]:
        """Return one page of the customers matching ``query`` (default: all, by email)."""
        query = query if query is not None else CustomerQuery()
        with self._lock:
            if query.company_id is None:
                scope: frozenset[CompanyId] | None = None
                candidates: Iterable[Customer] = self._buffer.all()
            else:
                scope = self._scope(query.company_id, subtree=query.include_subtree)
                ids = set().union(*(self._buffer.ids("company", company) for company in scope))
                candidates = [row for row_id in ids if (row := self._buffer.get(row_id))]
            return select(query, candidates, scope)

    def _scope(self, company_id: CompanyId, *, subtree: bool) -> frozenset[CompanyId]:
        if not subtree:
            return frozenset({company_id})
        below = self._work.below(company_id)
        return frozenset({company_id, *(company.id for company in below)})

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
