"""The checks and writes of a bulk company import (see `bulk_import`).

Items may come in any order: a subsidiary whose parent comes later waits
for it and is written right after it. Every company gets its automatic
customer group and a ``company.created`` event with its audit entry, as when
it is onboarded one at a time.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from b2b_customers.domain import Company, CustomerGroup
from b2b_customers.domain.hierarchy import ensure_acyclic
from b2b_customers.errors import HierarchyError, NotFound
from b2b_customers.ids import CompanyId, CustomerGroupId
from b2b_customers.ports import CompanyQuery
from b2b_customers.services.bulk_import import ImportProblem, first_seen, stored_already

if TYPE_CHECKING:
    from collections.abc import Sequence

    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.authorization import Actor
    from b2b_customers.services.context import ServiceContext

__all__ = ["CompanyChecks", "CompanyWrites"]

_REFERENCES = ("parent_id", "bill_to_id", "master_id")


class CompanyChecks:
    """Ids and account numbers unique, references resolvable, no cycle.

    Args:
        unit: What a position counts, for messages (``"item"``, ``"line"``).
    """

    def __init__(self, *, unit: str = "item") -> None:
        self._unit = unit
        self._ids: dict[object, int] = {}
        self._numbers: dict[object, int] = {}
        self.parents: dict[CompanyId, CompanyId | None] = {}
        """The parent of every company of the import (the writes order by it)."""
        self._references: list[tuple[int, str, CompanyId]] = []
        self._store_empty: bool | None = None

    def item(self, position: int, entity: Company) -> list[ImportProblem]:
        """Check the id and account number against earlier items; remember the references."""
        problems = first_seen(self._ids, entity.id, position, "id", "the id", unit=self._unit)
        problems += first_seen(
            self._numbers,
            entity.account_number,
            position,
            "account_number",
            "the account number",
            unit=self._unit,
        )
        self.parents.setdefault(entity.id, entity.parent_id)
        self._references += [
            (position, field, reference)
            for field in _REFERENCES
            if (reference := getattr(entity, field)) is not None
        ]
        return problems

    def batch(self, uow: UnitOfWork, items: Sequence[tuple[int, Company]]) -> list[ImportProblem]:
        """Refuse ids and account numbers the store holds already."""
        stored = uow.companies.existing(c.id for _, c in items)
        problems = stored_already(items, stored, "company")
        if self._store_empty is None:
            self._store_empty = not uow.companies.search(CompanyQuery(limit=1)).items
        if self._store_empty:
            return problems  # nothing stored: no account number is taken
        for position, company in items:
            number = company.account_number
            if number is None:
                continue
            try:
                holder = uow.companies.get_by_account_number(number)
            except NotFound:
                continue
            problems.append(
                ImportProblem(
                    position,
                    "account_number",
                    f"the account number {number!r} belongs to company {holder.id!r} already",
                )
            )
        return problems

    def whole(self, uow: UnitOfWork) -> list[ImportProblem]:
        """Every reference in the import or the store; no cycle in the tree."""
        elsewhere = {ref for _, _, ref in self._references if ref not in self.parents}
        stored = uow.companies.existing(elsewhere)
        problems = [
            ImportProblem(
                position,
                field,
                f"no company {reference!r} in the import or the database; import it first or "
                "leave it empty",
            )
            for position, field, reference in self._references
            if reference not in self.parents and reference not in stored
        ]
        positions = self._ids
        for company, parent in self.parents.items():
            try:
                ensure_acyclic(company, parent, self.parents.get)
            except HierarchyError as error:
                problems.append(ImportProblem(positions[company], "parent_id", error.reason))
        return problems


class CompanyWrites:
    """Companies in batches (parents first), their groups, events and audit entries.

    Args:
        context: The store, clock and id generator.
        actor: Who imports (recorded in events and the audit log).
    """

    def __init__(self, context: ServiceContext, actor: Actor) -> None:
        self._context = context
        self._actor = actor
        self._written: set[CompanyId] = set()
        self._waiting: defaultdict[CompanyId, list[Company]] = defaultdict(list)

    def batch(self, uow: UnitOfWork, entities: Sequence[Company]) -> None:
        """Write the companies whose parent is written (or stored), and those waiting for them.

        A company whose parent is neither waits for it (it may come later in
        the source); the checks after the last batch report a parent that
        never came.
        """
        unwritten = {
            parent
            for company in entities
            if (parent := company.parent_id) is not None and parent not in self._written
        }
        in_store = uow.companies.existing(unwritten) if unwritten else set()
        ready: list[Company] = []
        for company in entities:
            parent = company.parent_id
            if parent is not None and parent not in self._written and parent not in in_store:
                self._waiting[parent].append(company)
            else:
                self._release(company, ready)
        if not ready:
            return
        stored = uow.companies.add_many(ready)
        uow.groups.add_many(
            CustomerGroup.for_company(
                CustomerGroupId(self._context.ids()), company.id, company.name
            )
            for company in stored
        )
        self._context.record_many(
            uow,
            "company.created",
            stored,
            actor=self._actor,
            company_of=lambda company: company.id,
        )

    def finish(self, uow: UnitOfWork) -> None:  # noqa: ARG002  (the protocol's signature)
        """Nothing waits: the checks made sure every parent is in the import or the store."""
        if self._waiting:  # pragma: no cover  (the checks refuse such an import)
            raise HierarchyError(
                f"{sum(map(len, self._waiting.values()))} companies wait for parents that never "
                "came; import the parents too"
            )

    def _release(self, company: Company, ready: list[Company]) -> None:
        """Make ``company`` ready, then the subsidiaries that waited for it (depth first)."""
        pending = [company]
        while pending:
            current = pending.pop()
            ready.append(current)
            self._written.add(current.id)
            pending.extend(reversed(self._waiting.pop(current.id, [])))
