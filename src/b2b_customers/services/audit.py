"""Reading the audit log: a company's changes, for those allowed to audit it.

Every service writes its audit entries itself (through
`record`); this service
only reads them. Customers with the ``view_audit`` permission (admins and
finance) read the log of the companies they oversee; staff with it
(credit controllers, administrators) read any company's.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from b2b_customers.arguments import checks_arguments
from b2b_customers.ids import CompanyId
from b2b_customers.ports import AuditQuery
from b2b_customers.services.authorization import Actor, Permission

if TYPE_CHECKING:
    from b2b_customers.domain import AuditLogEntry
    from b2b_customers.ports import Page
    from b2b_customers.services.context import ServiceContext

__all__ = ["AuditService"]


@checks_arguments
class AuditService:
    """The audit log, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def for_company(
        self,
        *,
        actor: Actor,
        company_id: CompanyId | str,
        since: datetime | None = None,
        until: datetime | None = None,
        aggregate_type: str | None = None,
        aggregate_id: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> Page[AuditLogEntry]:
        """Return one page of a company's changes, oldest first.

        Args:
            actor: Someone who may view the company's audit log.
            company_id: The company (its subsidiaries' changes are their own).
            since: Only changes made at or after this instant.
            until: Only changes made before this instant.
            aggregate_type: Only changes of this kind of aggregate (``"location"``).
            aggregate_id: Only changes of this aggregate.
            offset: How many matches to skip.
            limit: The most to return (1 to 1000).

        Raises:
            NotFound: The company does not exist.
            PermissionDenied: The actor may not view the company's audit log.
            ValidationError: A time is naive, or the page is out of range.
        """
        company_id = CompanyId(company_id)
        query = AuditQuery(
            since=since,
            until=until,
            aggregate_type=aggregate_type,
            aggregate_id=aggregate_id,
            offset=offset,
            limit=limit,
        )
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.VIEW_AUDIT, company_id)
            return uow.audit.for_company(company_id, query)
