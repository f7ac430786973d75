"""Everything a store holds, read through the port's public queries, as plain data.

[`snapshot`][b2b_customers.testing.snapshot.snapshot] reads every repository in full (through the
converter, so two snapshots compare with ``==``, and a difference prints as data). Take one
before a call that fails and one after: they are equal when the failure wrote
nothing. It reads through any [`Store`][b2b_customers.ports.Store], so an ERP
adapter's too.

A repository added to the port gets a reader in [`READERS`][b2b_customers.testing.snapshot.READERS]:
a function from an open unit of work and every company id to the repository's items.
The audit log is read per company, and by aggregate for the entries of no
company (a customer's own changes, the seller's payment terms); an adapter
whose entries name other companyless aggregates would need more here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b2b_customers.ports import (
    MAX_PAGE_SIZE,
    ApprovalQuery,
    AuditQuery,
    CompanyQuery,
    CompanySort,
    CustomerQuery,
    CustomerSort,
    OrderQuery,
    OrderSort,
    Page,
)
from b2b_customers.serialization import make_converter

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from b2b_customers.ids import CompanyId
    from b2b_customers.ports import Store, UnitOfWork

__all__ = ["READERS", "snapshot"]

_CONVERTER = make_converter()
_OUTBOX_LIMIT = 1_000_000_000


def _all_pages(search: Callable[[int], Page[Any]]) -> list[Any]:
    items: list[Any] = []
    offset: int | None = 0
    while offset is not None:
        page = search(offset)
        items.extend(page.items)
        offset = page.next_offset
    return items


def _companies(uow: UnitOfWork, _companies: Sequence[CompanyId]) -> list[Any]:
    return _all_pages(
        lambda offset: uow.companies.search(
            CompanyQuery(sort=CompanySort.ID, offset=offset, limit=MAX_PAGE_SIZE)
        )
    )


def _customers(uow: UnitOfWork, _companies: Sequence[CompanyId]) -> list[Any]:
    return _all_pages(
        lambda offset: uow.customers.search(
            CustomerQuery(sort=CustomerSort.ID, offset=offset, limit=MAX_PAGE_SIZE)
        )
    )


def _orders(uow: UnitOfWork, _companies: Sequence[CompanyId]) -> list[Any]:
    return _all_pages(
        lambda offset: uow.orders.history(
            OrderQuery(sort=OrderSort.ID, offset=offset, limit=MAX_PAGE_SIZE)
        )
    )


def _approvals(uow: UnitOfWork, _companies: Sequence[CompanyId]) -> list[Any]:
    return _all_pages(
        lambda offset: uow.approvals.search(ApprovalQuery(offset=offset, limit=MAX_PAGE_SIZE))
    )


def _per_company(read: Callable[[UnitOfWork, CompanyId], Sequence[Any]]) -> Any:  # noqa: ANN401
    def reader(uow: UnitOfWork, companies: Sequence[CompanyId]) -> list[Any]:
        return [item for company in companies for item in read(uow, company)]

    return reader


def _credit(uow: UnitOfWork, companies: Sequence[CompanyId]) -> list[Any]:
    accounts: dict[str, Any] = {}
    for company in companies:
        try:
            account = uow.credit.for_company(company)
        except LookupError:
            continue
        accounts[account.id] = {"account": account, "entries": uow.credit.entries(account.id)}
    return [accounts[key] for key in sorted(accounts)]


def _audit(uow: UnitOfWork, companies: Sequence[CompanyId]) -> list[Any]:
    """Every audit entry: each company's, and those of no company (found by aggregate)."""
    entries: dict[str, Any] = {}

    def by_company(company: CompanyId) -> Callable[[int], Page[Any]]:
        return lambda offset: uow.audit.for_company(
            company, AuditQuery(offset=offset, limit=MAX_PAGE_SIZE)
        )

    def by_aggregate(kind: str, key: str) -> Callable[[int], Page[Any]]:
        return lambda offset: uow.audit.for_aggregate(
            kind, key, AuditQuery(offset=offset, limit=MAX_PAGE_SIZE)
        )

    searches = [by_company(company) for company in companies]
    searches += [by_aggregate("company", company) for company in companies]
    searches += [by_aggregate("customer", c.id) for c in _customers(uow, companies)]
    searches += [by_aggregate("payment_terms", terms.key) for terms in uow.payment_terms.all()]
    for search in searches:
        for entry in _all_pages(search):
            entries[entry.id] = entry
    return [entries[key] for key in sorted(entries)]


READERS: Mapping[str, Callable[[UnitOfWork, Sequence[CompanyId]], Sequence[Any]]] = {
    "companies": _companies,
    "customers": _customers,
    "groups": lambda uow, _companies: uow.groups.all(),
    "locations": _per_company(lambda uow, company: uow.locations.for_company(company)),
    "contacts": _per_company(lambda uow, company: uow.contacts.for_company(company)),
    "limits": lambda uow, companies: uow.limits.set_on(companies),
    "credit": _credit,
    "orders": _orders,
    "approvals": _approvals,
    "approval_policies": lambda uow, _companies: uow.approval_policies.all(),
    "approval_groups": lambda uow, companies: uow.approval_groups.for_companies(companies),
    "approver_limits": lambda uow, companies: uow.approver_limits.for_companies(companies),
    "payment_terms": lambda uow, _companies: uow.payment_terms.all(),
    "audit": _audit,
    "outbox": lambda uow, _companies: uow.outbox.pending(limit=_OUTBOX_LIMIT),
}
"""How each repository is read in full, by its name on the unit of work."""


def snapshot(store: Store) -> dict[str, Any]:
    """Read everything ``store`` holds, as JSON-ready data.

    Args:
        store: Any store.

    Returns:
        One entry per repository in [`READERS`][b2b_customers.testing.snapshot.READERS]: the list of
        its items, unstructured by the library's converter, in a stable order.
    """
    with store.unit_of_work() as uow:
        companies = [company.id for company in _companies(uow, ())]
        return {
            name: _CONVERTER.unstructure(list(read(uow, companies)))
            for name, read in READERS.items()
        }
