"""What the queries of [`b2b_customers.ports`][] mean: matching, order, nulls, pages.

The reference implementation of [`CompanyQuery`][b2b_customers.ports.CompanyQuery],
[`CustomerQuery`][b2b_customers.ports.CustomerQuery],
[`OrderQuery`][b2b_customers.ports.OrderQuery],
[`ApprovalQuery`][b2b_customers.ports.ApprovalQuery] and
[`AuditQuery`][b2b_customers.ports.AuditQuery], written once, pure (no I/O). The
memory store runs on it; an adapter that keeps its data where it cannot
query natively (an ERP's export, a JSON file) calls it instead of restating
the rules; the SQL store's tests compare their pages with it.

* [`matches`][b2b_customers.queries.matches] tells whether an entity passes every filter of a query
  (filters are ANDed; ``None`` means "any").
* [`sort_key`][b2b_customers.queries.sort_key] is the key a list is sorted by, and
  [`select`][b2b_customers.queries.select] filters, sorts (``reverse`` when the query is descending)
  and cuts the page.

The rules, filter by filter:

* Text filters ending in ``_contains`` compare without case.
* ``CompanyQuery.country`` compares the ISO code without case or surrounding
  space; a company without legal info has no country and never matches.
* ``CompanyQuery.paid_by`` matches a company whose bill-to *or* master
  account is the one given.
* ``CompanyQuery.custom_fields``: every given field must hold the same value
  *of the same type* (``True`` is not ``1``); a missing field never matches.
* ``CustomerQuery.company_id`` (and ``OrderQuery.company_id``) match the
  company (and its subsidiaries, with ``include_subtree``): the caller gives
  that set of companies as ``scope``. ``CustomerQuery.role`` is looked for in
  the memberships within the scope (in any membership without one), and so is
  ``membership_status``; given both, one membership must match both.
* ``OrderQuery.placed_from`` is inclusive, ``placed_before`` exclusive; so are
  ``AuditQuery.since`` and ``until``. ``ApprovalQuery.approved_since`` is
  inclusive, and counts the approver's own approvals only.
* Order: companies by name, account number (no account number last, when
  ascending), creation time or id; customers by email, last name, creation
  time or id; orders by placing time, total amount (whatever the currency)
  or id; always with ties broken by id. Approval requests by submission
  time, then id. Audit entries by time, and in the order they were appended
  within the same instant (give them to [`select`][b2b_customers.queries.select] in that order).
"""

from __future__ import annotations

from functools import singledispatch
from typing import TYPE_CHECKING, Any, TypeVar

from b2b_customers.arguments import checked_arguments
from b2b_customers.ports import (
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

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Iterable
    from datetime import datetime

    from b2b_customers.approvals import ApprovalRequest
    from b2b_customers.domain import AuditLogEntry, Company, Customer
    from b2b_customers.domain.order import OrderRecord
    from b2b_customers.ids import CompanyId

__all__ = ["Query", "matches", "page", "select", "sort_key"]

Query = CompanyQuery | CustomerQuery | OrderQuery | ApprovalQuery | AuditQuery
"""Every query [`b2b_customers.ports`][] defines."""

T = TypeVar("T")

_MISSING = object()


@checked_arguments
def matches(query: Query, entity: Any, scope: Collection[CompanyId] | None = None) -> bool:  # noqa: ANN401  (the entity the query lists)
    """Tell whether ``entity`` passes every filter of ``query``.

    Args:
        query: A query of [`b2b_customers.ports`][].
        entity: What it lists (a company for a [`CompanyQuery`][b2b_customers.ports.CompanyQuery],
            ...).
        scope: For a customer or order query with ``company_id``: the
            companies it covers (the company, and with ``include_subtree``
            its subsidiaries as the tree stands now). Ignored otherwise;
            without it, the company itself.
    """
    return _matches(query, entity, scope)


@checked_arguments
def sort_key(query: Query) -> Callable[[Any], Any]:
    """Return the key the entities ``query`` lists are sorted by (reverse when descending)."""
    return _sort_key(query)


@checked_arguments
def page(matching: list[T], offset: int, limit: int) -> Page[T]:
    """Return the page ``offset``..``offset + limit`` of ``matching``, with its total count."""
    return _page(matching, offset, limit)


def _page(matching: list[T], offset: int, limit: int) -> Page[T]:
    return Page(
        items=tuple(matching[offset : offset + limit]),
        total=len(matching),
        offset=offset,
        limit=limit,
    )


@checked_arguments
def select(
    query: Query, entities: Iterable[T], scope: Collection[CompanyId] | None = None
) -> Page[T]:
    """Return the page of ``entities`` that ``query`` asks for: filtered, sorted, cut.

    Args:
        query: A query of [`b2b_customers.ports`][].
        entities: Candidates (any superset of the matches), audit entries in
            the order they were appended.
        scope: See [`matches`][b2b_customers.queries.matches].
    """
    # The arguments are checked: the undecorated steps, not a check per entity.
    found = [entity for entity in entities if _matches(query, entity, scope)]
    found.sort(key=_sort_key(query), reverse=_descending(query))
    return _page(found, query.offset, query.limit)


def _descending(query: Query) -> bool:
    return getattr(query, "descending", False)


def _in_scope(
    company_id: CompanyId, wanted: CompanyId | None, scope: Collection[CompanyId] | None
) -> bool:
    if wanted is None:
        return True
    return company_id in (scope if scope is not None else (wanted,))


def _contains(part: str | None, value: str) -> bool:
    return part is None or part.lower() in value.lower()


def _same(stored: object, wanted: object) -> bool:
    # True == 1 in Python, but a flag is not a number in a custom field.
    return type(stored) is type(wanted) and stored == wanted


@singledispatch
def _matches(query: object, entity: Any, scope: Collection[CompanyId] | None) -> bool:  # noqa: ANN401, ARG001
    raise TypeError(f"{type(query).__name__} is not a query of b2b_customers.ports")


@_matches.register(CompanyQuery)
def _(query: CompanyQuery, company: Company, _scope: Collection[CompanyId] | None) -> bool:
    country = None if query.country is None else query.country.strip().upper()
    return (
        _contains(query.name_contains, company.name)
        and (query.status is None or company.status is query.status)
        and (query.parent_id is None or company.parent_id == query.parent_id)
        and (query.top_level is None or (company.parent_id is None) is query.top_level)
        and (query.tag is None or query.tag in company.tags)
        and (query.paid_by is None or query.paid_by in {company.bill_to_id, company.master_id})
        and (
            country is None
            or (company.legal_info is not None and company.legal_info.country == country)
        )
        and all(
            _same(company.custom_fields.get(key, _MISSING), value)
            for key, value in query.custom_fields.items()
        )
    )


@_matches.register(CustomerQuery)
def _(query: CustomerQuery, customer: Customer, scope: Collection[CompanyId] | None) -> bool:
    memberships = tuple(
        item for item in customer.memberships if _in_scope(item.company_id, query.company_id, scope)
    )
    if query.company_id is not None and not memberships:
        return False
    return (
        (
            (query.role is None and query.membership_status is None)
            or any(
                (query.role is None or item.has(query.role))
                and (query.membership_status is None or item.status is query.membership_status)
                for item in memberships
            )
        )
        and (query.status is None or customer.status is query.status)
        and _contains(query.email_contains, customer.email)
        and (
            query.name_contains is None
            or _contains(query.name_contains, customer.first_name)
            or _contains(query.name_contains, customer.last_name)
        )
        and (query.tag is None or query.tag in customer.tags)
    )


@_matches.register(OrderQuery)
def _(query: OrderQuery, order: OrderRecord, scope: Collection[CompanyId] | None) -> bool:
    return (
        _in_scope(order.company_id, query.company_id, scope)
        and (query.buyer_id is None or order.buyer_id == query.buyer_id)
        and (query.location_id is None or order.location_id == query.location_id)
        and (query.status is None or order.status == query.status)
        and (query.placed_from is None or order.placed_at >= query.placed_from)
        and (query.placed_before is None or order.placed_at < query.placed_before)
    )


@_matches.register(ApprovalQuery)
def _(query: ApprovalQuery, request: ApprovalRequest, _scope: Collection[CompanyId] | None) -> bool:
    return (
        (query.company_id is None or request.company_id == query.company_id)
        and (query.requester_id is None or request.requester_id == query.requester_id)
        and (query.status is None or request.status is query.status)
        and (query.resource_type is None or request.resource_type is query.resource_type)
        and (query.resource_id is None or request.resource_id == query.resource_id)
        and (
            query.approver_id is None
            or _approved_by(request, query.approver_id, query.approved_since)
        )
    )


def _approved_by(request: ApprovalRequest, approver_id: str, since: datetime | None) -> bool:
    return any(
        verdict.approver_id == approver_id and (since is None or verdict.at >= since)
        for verdict in request.approvals
    )


@_matches.register(AuditQuery)
def _(query: AuditQuery, entry: AuditLogEntry, _scope: Collection[CompanyId] | None) -> bool:
    return (
        (query.since is None or entry.occurred_at >= query.since)
        and (query.until is None or entry.occurred_at < query.until)
        and (query.aggregate_type is None or entry.aggregate_type == query.aggregate_type)
        and (query.aggregate_id is None or entry.aggregate_id == query.aggregate_id)
    )


def _nulls_last(value: str | None) -> tuple[bool, str]:
    return (value is None, value or "")


_COMPANY_KEYS: dict[CompanySort, Callable[[Company], Any]] = {
    CompanySort.NAME: lambda company: (company.name, company.id),
    CompanySort.ACCOUNT_NUMBER: lambda company: (_nulls_last(company.account_number), company.id),
    CompanySort.CREATED_AT: lambda company: (company.created_at, company.id),
    CompanySort.ID: lambda company: company.id,
}

_CUSTOMER_KEYS: dict[CustomerSort, Callable[[Customer], Any]] = {
    CustomerSort.EMAIL: lambda customer: (customer.email, customer.id),
    CustomerSort.LAST_NAME: lambda customer: (customer.last_name, customer.id),
    CustomerSort.CREATED_AT: lambda customer: (customer.created_at, customer.id),
    CustomerSort.ID: lambda customer: customer.id,
}

_ORDER_KEYS: dict[OrderSort, Callable[[OrderRecord], Any]] = {
    OrderSort.PLACED_AT: lambda order: (order.placed_at, order.id),
    OrderSort.TOTAL: lambda order: (order.total.amount, order.id),
    OrderSort.ID: lambda order: order.id,
}


@singledispatch
def _sort_key(query: object) -> Callable[[Any], Any]:
    raise TypeError(f"{type(query).__name__} is not a query of b2b_customers.ports")


@_sort_key.register(CompanyQuery)
def _(query: CompanyQuery) -> Callable[[Any], Any]:
    return _COMPANY_KEYS[CompanySort(query.sort)]


@_sort_key.register(CustomerQuery)
def _(query: CustomerQuery) -> Callable[[Any], Any]:
    return _CUSTOMER_KEYS[CustomerSort(query.sort)]


@_sort_key.register(OrderQuery)
def _(query: OrderQuery) -> Callable[[Any], Any]:
    return _ORDER_KEYS[OrderSort(query.sort)]


@_sort_key.register(ApprovalQuery)
def _(_query: ApprovalQuery) -> Callable[[Any], Any]:
    return _submitted


@_sort_key.register(AuditQuery)
def _(_query: AuditQuery) -> Callable[[Any], Any]:
    return _occurred  # a stable sort keeps the append order within an instant


def _submitted(request: ApprovalRequest) -> Any:  # noqa: ANN401
    return (request.submitted_at, request.id)


def _occurred(entry: AuditLogEntry) -> Any:  # noqa: ANN401
    return entry.occurred_at
