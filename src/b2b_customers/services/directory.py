"""The approval directory as the store knows it now, and who a service actor is to the workflow.

The pure workflow ([`b2b_customers.approvals`][]) never reads a store: it
takes an [`ApprovalDirectory`][b2b_customers.approvals.ApprovalDirectory]. `load_directory`
builds one for a company from one unit of work: the customers of the company
and of every ancestor (escalation goes up the tree), the requester and their
manager, customers a policy names, the approval groups, approver limits and
policies on that chain, the tree itself, and the seller's approvers. For
every approver whose limit caps what they approve per period, it sums what
they approved in the current window of that period, in the limit company's
time zone (see `approved_in_period`).

Staff act on requests as **seller approvers** (`workflow_actor`): a
staff member listed in the service's seller approvers keeps the limit set
there; one not listed approves without a limit (their staff role already
grants the decision).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs
from moneyed import Money

from b2b_customers.approvals import ApprovalDirectory, CustomerApprover, SellerApprover
from b2b_customers.errors import NotFound
from b2b_customers.ids import CustomerId
from b2b_customers.limits.periods import LifetimePeriod, Window, window_of
from b2b_customers.ports import MAX_PAGE_SIZE, ApprovalQuery, CustomerQuery
from b2b_customers.services.authorization import Actor, Staff, actor_id

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from b2b_customers.approvals import Actor as WorkflowActor
    from b2b_customers.approvals import ApprovalPolicy, ApprovalRequest
    from b2b_customers.domain import Customer
    from b2b_customers.ids import CompanyId
    from b2b_customers.ports import UnitOfWork

__all__ = ["approved_in_period", "load_directory", "with_seller", "workflow_actor"]


def load_directory(
    uow: UnitOfWork,
    company_id: CompanyId,
    *,
    at: datetime,
    seller_approvers: Sequence[SellerApprover] = (),
    people: Iterable[CustomerId] = (),
) -> ApprovalDirectory:
    """Return who may approve a request of ``company_id``, as stored now.

    Args:
        uow: The open unit of work to read from.
        company_id: The requester's company.
        at: Now: the caps per period count the windows holding this instant.
        seller_approvers: The seller-side approvers (the last step of escalation).
        people: More customers to list (the requester, the acting approver).

    Raises:
        NotFound: The company does not exist.
    """
    chain = [company_id, *(company.id for company in uow.companies.ancestors(company_id))]
    parents: dict[CompanyId, CompanyId | None] = {
        chain[index]: chain[index + 1] if index + 1 < len(chain) else None
        for index in range(len(chain))
    }
    policies = _policies(uow, chain)
    customers: dict[str, Customer] = {}
    for member_of in chain:
        for customer in _members(uow, member_of):
            customers[customer.id] = customer
    named = {CustomerId(person) for person in people} | _named_in(policies)
    for customer in uow.customers.get_many(named - customers.keys()):
        customers[customer.id] = customer
    managers = {
        customer.manager_id for customer in customers.values() if customer.manager_id is not None
    }
    for customer in uow.customers.get_many(managers - customers.keys()):
        customers[customer.id] = customer
    directory = ApprovalDirectory(
        customers=list(customers.values()),
        groups=uow.approval_groups.for_companies(chain),
        limits=uow.approver_limits.for_companies(chain),
        policies=policies,
        parents=parents,
        seller_approvers=seller_approvers,
    )
    if not any(limit.per_period is not None for limit in directory.limits):
        return directory
    return attrs.evolve(directory, approved_in_period=approved_in_period(uow, directory, chain, at))


def approved_in_period(
    uow: UnitOfWork, directory: ApprovalDirectory, chain: Sequence[CompanyId], at: datetime
) -> dict[tuple[str, CompanyId], Money]:
    """Sum what each approver with a cap per period approved in the window holding ``at``.

    For each customer of ``directory`` and each company of ``chain`` where
    their approver limit has a cap per period: the totals of the requests
    they gave an approval on (at any company) within the window of the
    limit's period, counted in that company's time zone. Each request counts
    once, whatever became of it afterwards.
    """
    capped: list[tuple[Customer, CompanyId, Window, Money]] = []
    earliest: dict[str, datetime | None] = {}
    for company_id in chain:
        company = uow.companies.get(company_id)
        for customer in directory.customers.values():
            limit = directory.limit_of(customer, company_id)
            if limit is None or limit.period is None or limit.per_period is None:
                continue
            window = window_of(
                limit.period, at, time_zone=company.time_zone, week_starts_on=company.week_starts_on
            )
            since = None if isinstance(limit.period, LifetimePeriod) else window.start
            capped.append((customer, company_id, window, Money(0, limit.per_period.currency)))
            earliest[customer.id] = _earlier(earliest.get(customer.id, since), since)
    history = {approver: _approved_by(uow, approver, since) for approver, since in earliest.items()}
    return {
        (customer.id, company_id): _sum_within(history[customer.id], customer.id, window, zero)
        for customer, company_id, window, zero in capped
    }


def _earlier(first: datetime | None, second: datetime | None) -> datetime | None:
    """The earlier instant; ``None`` (since ever) is earlier than any."""
    if first is None or second is None:
        return None
    return min(first, second)


def _approved_by(
    uow: UnitOfWork, approver_id: str, since: datetime | None
) -> list[ApprovalRequest]:
    """The requests ``approver_id`` approved at or after ``since`` (``None``: ever)."""
    found: list[ApprovalRequest] = []
    offset: int | None = 0
    while offset is not None:
        page = uow.approvals.search(
            ApprovalQuery(
                approver_id=approver_id, approved_since=since, offset=offset, limit=MAX_PAGE_SIZE
            )
        )
        found.extend(page.items)
        offset = page.next_offset
    return found


def _sum_within(
    requests: Iterable[ApprovalRequest], approver_id: str, window: Window, zero: Money
) -> Money:
    total = zero
    for request in requests:
        if request.order.total.currency != zero.currency:
            continue  # another company's currency: not under this cap
        if any(
            verdict.approver_id == approver_id and window.contains(verdict.at)
            for verdict in request.approvals
        ):
            total += request.order.total
    return total


def workflow_actor(
    uow: UnitOfWork, actor: Actor, seller_approvers: Sequence[SellerApprover] = ()
) -> WorkflowActor:
    """Return ``actor`` as the workflow knows them: a customer as stored now, or a seller approver.

    Raises:
        NotFound: The customer no longer exists.
    """
    if isinstance(actor, Staff):
        listed = next((seller for seller in seller_approvers if seller.id == actor.id), None)
        return listed if listed is not None else SellerApprover(id=actor.id, name=actor.name)
    return uow.customers.get(CustomerId(actor_id(actor)))


def with_seller(
    seller_approvers: Sequence[SellerApprover], actor: WorkflowActor
) -> tuple[SellerApprover, ...]:
    """Return the seller approvers, plus ``actor`` when they are a seller approver not listed."""
    listed = tuple(seller_approvers)
    if isinstance(actor, SellerApprover) and all(seller.id != actor.id for seller in listed):
        return (*listed, actor)
    return listed


def _members(uow: UnitOfWork, company_id: CompanyId) -> list[Customer]:
    found: list[Customer] = []
    offset: int | None = 0
    while offset is not None:
        page = uow.customers.search(
            CustomerQuery(company_id=company_id, offset=offset, limit=MAX_PAGE_SIZE)
        )
        found.extend(page.items)
        offset = page.next_offset
    return found


def _policies(uow: UnitOfWork, chain: Sequence[CompanyId]) -> list[ApprovalPolicy]:
    """The policies of the company, of its ancestors (they may cover it) and the seller-wide one."""
    found = []
    owners: list[CompanyId | None] = [*chain, None]
    for owner in owners:
        try:
            found.append(uow.approval_policies.for_company(owner))
        except NotFound:
            continue
    return found


def _named_in(policies: Iterable[ApprovalPolicy]) -> set[CustomerId]:
    return {
        selector.customer_id
        for policy in policies
        for tier in policy.tiers
        for rule in tier.all_of
        for selector in rule.any_of
        if isinstance(selector, CustomerApprover)
    }
