"""What a failed service call must leave untouched: a picture of the store to compare."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b2b_customers.errors import NotFound
from b2b_customers.ports import CompanyQuery, OrderQuery

if TYPE_CHECKING:
    from b2b_customers.app import App


def snapshot(app: App) -> dict[str, Any]:
    """Companies, credit accounts with their ledgers, limits, orders and the outbox."""
    with app.store.unit_of_work() as uow:
        companies = uow.companies.search(CompanyQuery(limit=1000)).items
        accounts = {}
        limits = uow.limits.set_on([c.id for c in companies])
        for company in companies:
            try:
                account = uow.credit.for_company(company.id)
            except NotFound:
                continue
            accounts[account.id] = (account, tuple(uow.credit.entries(account.id)))
        return {
            "companies": companies,
            "accounts": accounts,
            "limits": limits,
            "orders": uow.orders.history(OrderQuery(limit=1000)).items,
            "events": [entry.event.id for entry in uow.outbox.pending()],
        }
