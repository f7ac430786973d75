"""The checks and writes of a bulk customer import (see `bulk_import`).

Every customer gets a ``customer.created`` event with its audit entry, and
joins the automatic customer group of each of their companies, as when
invited one at a time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from b2b_customers.errors import NotFound
from b2b_customers.ports import CustomerQuery
from b2b_customers.services.bulk_import import BATCH, ImportProblem, first_seen, stored_already

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.domain import Customer
    from b2b_customers.ids import CompanyId, CustomerId
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.authorization import Actor
    from b2b_customers.services.context import ServiceContext

__all__ = ["CustomerChecks", "CustomerWrites"]


class CustomerChecks:
    """Ids and email addresses unique; companies and managers resolvable.

    Args:
        unit: What a position counts, for messages (``"item"``, ``"line"``).
    """

    def __init__(self, *, unit: str = "item") -> None:
        self._unit = unit
        self._ids: dict[object, int] = {}
        self._emails: dict[object, int] = {}
        self._known_companies: set[CompanyId] = set()
        self._managers: list[tuple[int, CustomerId]] = []
        self._store_empty: bool | None = None

    def item(self, position: int, entity: Customer) -> list[ImportProblem]:
        """Check the id and email against earlier items; remember the references."""
        problems = first_seen(self._ids, entity.id, position, "id", "the id", unit=self._unit)
        problems += first_seen(
            self._emails,
            entity.email.lower(),
            position,
            "email",
            "the email address",
            unit=self._unit,
        )
        if entity.manager_id is not None:
            self._managers.append((position, entity.manager_id))
        return problems

    def batch(self, uow: UnitOfWork, items: Sequence[tuple[int, Customer]]) -> list[ImportProblem]:
        """Refuse ids and emails the store holds already, and companies it does not hold."""
        stored = uow.customers.existing(c.id for _, c in items)
        problems = stored_already(items, stored, "customer")
        problems += self._unknown_companies(uow, items)
        if self._store_empty is None:
            self._store_empty = not uow.customers.search(CustomerQuery(limit=1)).items
        if self._store_empty:
            return problems  # nobody stored: no email address is taken
        for position, customer in items:
            try:
                holder = uow.customers.get_by_email(customer.email)
            except NotFound:
                continue
            problems.append(
                ImportProblem(
                    position,
                    "email",
                    f"the email address {customer.email!r} belongs to customer {holder.id!r} "
                    "already",
                )
            )
        return problems

    def whole(self, uow: UnitOfWork) -> list[ImportProblem]:
        """Every manager in the import or the store."""
        elsewhere = {manager for _, manager in self._managers if manager not in self._ids}
        stored = uow.customers.existing(elsewhere)
        return [
            ImportProblem(
                position, "manager_id", f"no customer {manager!r} in the import or the database"
            )
            for position, manager in self._managers
            if manager not in self._ids and manager not in stored
        ]

    def _unknown_companies(
        self, uow: UnitOfWork, items: Sequence[tuple[int, Customer]]
    ) -> list[ImportProblem]:
        """The companies must be stored already: look up those of the batch not seen yet."""
        named = {company for _, customer in items for company in customer.company_ids}
        unseen = named - self._known_companies
        self._known_companies |= uow.companies.existing(unseen)
        return [
            ImportProblem(
                position,
                "memberships",
                f"no company {company!r} in the database; import the companies first",
            )
            for position, customer in items
            for company in sorted(customer.company_ids - self._known_companies)
        ]


class CustomerWrites:
    """Customers in batches, their events and audit entries; group members at the end.

    Args:
        context: The store, clock and id generator.
        actor: Who imports (recorded in events and the audit log).
    """

    def __init__(self, context: ServiceContext, actor: Actor) -> None:
        self._context = context
        self._actor = actor
        self._members: defaultdict[CompanyId, set[CustomerId]] = defaultdict(set)

    def batch(self, uow: UnitOfWork, entities: Sequence[Customer]) -> None:
        """Write the customers, their events and audit entries; remember their companies."""
        stored = uow.customers.add_many(entities)
        self._context.record_many(
            uow,
            "customer.created",
            stored,
            actor=self._actor,
            company_of=lambda customer: min(customer.company_ids, default=None),
        )
        for customer in stored:
            for company in customer.company_ids:
                self._members[company].add(customer.id)

    def finish(self, uow: UnitOfWork) -> None:
        """Add every customer to the automatic groups of their companies, batch by batch.

        Each group is read and written once, however many batches its
        members came in; a batch of [`BATCH`][b2b_customers.services.bulk_import.BATCH]
        groups at a time keeps memory flat.
        """
        companies = sorted(self._members)
        for start in range(0, len(companies), BATCH):
            uow.groups.add_members(
                {
                    company: self._members.pop(company)
                    for company in companies[start : start + BATCH]
                }
            )
