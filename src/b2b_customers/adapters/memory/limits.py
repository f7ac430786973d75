"""Purchasing limits, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema
from b2b_customers.errors import ValidationError
from b2b_customers.limits.rules import PurchasingLimit

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import CompanyId, LimitId

__all__ = ["MemoryLimitRepository"]


_LIMITS: _Schema[PurchasingLimit] = _Schema(
    entity="PurchasingLimit",
    ident=lambda limit: limit.id,
    indexes={"company": lambda limit: [limit.scope.company_id]},
)


class MemoryLimitRepository(_Repository[PurchasingLimit]):
    """Purchasing limits, in memory, indexed by the company they are set on.

    Implements [`LimitRepository`][b2b_customers.ports.LimitRepository].
    """

    def add(self, limit: PurchasingLimit) -> PurchasingLimit:
        """Store a new limit; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken.
            ValidationError: The scope's company does not exist.
        """
        return self._insert(limit)

    def save(self, limit: PurchasingLimit) -> PurchasingLimit:
        """Store a changed limit; return the stored copy (version + 1).

        Raises:
            NotFound: No limit has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The scope's company does not exist.
        """
        return self._update(limit)

    def remove(self, limit_id: LimitId) -> None:
        """Delete a limit.

        Raises:
            NotFound: No limit has this id.
        """
        self._delete(limit_id)

    def get(self, limit_id: LimitId) -> PurchasingLimit:
        """Return the limit with ``limit_id``.

        Raises:
            NotFound: No limit has this id.
        """
        with self._lock:
            return self._find(limit_id)

    def set_on(self, company_ids: Iterable[CompanyId]) -> list[PurchasingLimit]:
        """Return the limits (active or not) set on any of these companies, sorted by id.

        Pass the ordering company and its ancestors to get every limit that may
        cover an order.
        """
        with self._lock:
            found = {
                row.id: row
                for company_id in set(company_ids)
                for row in self._buffer.rows("company", company_id)
            }
        return sorted(found.values(), key=lambda row: row.id)

    def lock(self, limit_ids: Iterable[LimitId]) -> None:
        """Hold these budgets until the unit of work ends: the memory store takes its write lock.

        One writer at a time, as on SQLite: no other unit of work records an
        order under any budget until this one commits or rolls back.
        """
        if any(True for _ in limit_ids):
            self._work.hold_writer()

    def _check_references(self, row: PurchasingLimit) -> None:
        if not self._work.company_exists(row.scope.company_id):
            raise ValidationError(
                f"company {row.scope.company_id!r} of limit {row.id!r} does not exist; "
                "store the company first",
                field="scope.company_id",
            )
