"""Purchasing limits, in the export's ``purchasing_limits.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.errors import ValidationError
from b2b_customers.limits import PurchasingLimit
from json_erp.repository import Repository

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.ids import CompanyId, LimitId

__all__ = ["JsonLimitRepository"]


class JsonLimitRepository(Repository[PurchasingLimit]):
    """Purchasing limits. Implements `LimitRepository`."""

    entity = "PurchasingLimit"

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
        return self._find(limit_id)

    def set_on(self, company_ids: Iterable[CompanyId]) -> list[PurchasingLimit]:
        """Return the limits (active or not) set on any of these companies, once each, by id."""
        wanted = set(company_ids)
        return sorted(
            (limit for limit in self._table if limit.scope.company_id in wanted),
            key=lambda row: row.id,
        )

    def lock(self, limit_ids: Iterable[LimitId]) -> None:
        """Hold these budgets until the unit of work ends: take the store's writer lock.

        One writer at a time: the spend read after it is the latest committed.
        """
        if any(True for _ in limit_ids):
            self._work.begin_write()

    def _check_references(self, row: PurchasingLimit) -> None:
        if not self._work.company_exists(row.scope.company_id):
            raise ValidationError(
                f"company {row.scope.company_id!r} of limit {row.id!r} does not exist; "
                "store the company first",
                field="scope.company_id",
            )
