"""What the service tests read back: the audit log, the outbox, a snapshot of the store."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b2b_customers.ids import CompanyId
from b2b_customers.ports import AuditQuery, CompanyQuery, CustomerQuery
from b2b_customers.serialization import make_converter

if TYPE_CHECKING:
    from b2b_customers.app import App
    from b2b_customers.domain import AuditLogEntry

CONVERTER = make_converter()


def audit_of(app: App, company: str) -> list[AuditLogEntry]:
    """Every audit entry of ``company``, oldest first."""
    with app.store.unit_of_work() as uow:
        return list(uow.audit.for_company(CompanyId(company), AuditQuery(limit=1000)).items)


def events_of(app: App) -> list[tuple[str, str]]:
    """``(name, aggregate id)`` of every pending event, oldest first."""
    with app.store.unit_of_work() as uow:
        return [(e.event.name, e.event.aggregate_id) for e in uow.outbox.pending(limit=1000)]


def snapshot(app: App) -> Any:
    """Companies, customers, locations, contacts, outbox and audit log, to compare before/after."""
    with app.store.unit_of_work() as uow:
        companies = uow.companies.search(CompanyQuery(limit=1000)).items
        ids = [company.id for company in companies]
        return (
            companies,
            uow.customers.search(CustomerQuery(limit=1000)).items,
            [uow.locations.for_company(company) for company in ids],
            [uow.contacts.for_company(company) for company in ids],
            [entry.event.id for entry in uow.outbox.pending(limit=1000)],
            [uow.audit.for_company(company, AuditQuery(limit=1000)).items for company in ids],
        )
