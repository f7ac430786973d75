"""Approval settings use cases: a company's approval policy, approval group and approver limits.

Each call is one unit of work that checks who acts (the ``manage_approvals``
permission for the company: its admins, sales reps and administrators; the
seller-wide policy is staff's alone), validates the setting against the
store, saves it, and records one domain event with its audit entry:

* ``approval_policy.saved`` / ``approval_policy.removed``. A policy is
  validated **when it is saved**: its thresholds must be in the company's
  currency and its tiers must leave no order total without a tier
  ([`check_covers`][b2b_customers.approvals.ApprovalPolicy.check_covers]); the
  groups and customers it names must exist. Saving again bumps its version,
  which every request submitted under it records.
* ``approval_group.saved`` / ``approval_group.removed``: the company's one
  approval group; listed members must be customers of the company.
* ``approver_limit.set`` / ``approver_limit.removed``: the largest order a
  customer (or every holder of a role) may approve at the company, in the
  company's currency, optionally with a cap on what they approve per period
  (a month, a quarter, ...; counted in the company's time zone). Setting it
  again for the same customer or role changes the one limit.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, TypeVar

import attrs
from moneyed import Money  # noqa: TC002  (argument checks read the hints at run time)

from b2b_customers.approvals import (
    ApprovalGroup,
    ApprovalPolicy,
    ApproverLimit,
    CustomerApprover,
    GroupApprover,
)
from b2b_customers.arguments import checked_id, checked_instance, checks_arguments
from b2b_customers.domain import Role
from b2b_customers.errors import CurrencyMismatch, NotFound, ValidationError
from b2b_customers.ids import (
    ApprovalGroupId,
    ApprovalPolicyId,
    ApproverLimitId,
    CompanyId,
    CustomerGroupId,
    CustomerId,
)
from b2b_customers.limits.periods import Period
from b2b_customers.services.authorization import Actor, Permission
from b2b_customers.services.visibility import require_staff

if TYPE_CHECKING:
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["ApprovalSettingsService"]

_Setting = TypeVar("_Setting", ApprovalPolicy, ApprovalGroup, ApproverLimit)


class _Repository(Protocol[_Setting]):
    def add(self, entity: _Setting, /) -> _Setting: ...
    def save(self, entity: _Setting, /) -> _Setting: ...


@checks_arguments
class ApprovalSettingsService:
    """A company's approval policy, approval group and approver limits, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    # -- policies

    def save_policy(self, *, actor: Actor, policy: ApprovalPolicy) -> ApprovalPolicy:
        """Store ``policy`` (new, or a new version of the stored one with its id).

        A company has one policy: saving one for a company that has another
        (under another id) is refused; remove that one first.

        Raises:
            PermissionDenied: The actor may not manage the company's approvals
                (the seller-wide policy: staff who manage approvals).
            NotFound: The company does not exist.
            ValidationError: The company already has another policy; some
                totals find no tier; a group or customer named (by a selector or
                an auto-approval rule) does not exist; an excluded subsidiary is
                not below the company.
            CurrencyMismatch: A threshold is not in the company's currency.
        """
        checked_instance(policy, ApprovalPolicy, "policy")
        with self._context.store.unit_of_work() as uow:
            if policy.company_id is None:
                require_staff(actor, Permission.MANAGE_APPROVALS, "set the seller-wide policy")
                currency = _threshold_currency(policy)
            else:
                self._context.authorize(uow, actor, Permission.MANAGE_APPROVALS, policy.company_id)
                currency = uow.companies.get(policy.company_id).currency
            if currency is not None:
                policy.check_covers(currency)
            _ensure_named_exist(uow, policy)
            _ensure_subsidiaries(uow, policy)
            current = _stored(uow, policy.company_id)
            _ensure_id_free(uow, policy)
            if current is not None and current.id != policy.id:
                raise ValidationError(
                    f"{_owner(policy.company_id)} already has policy {current.id!r}; save it "
                    "under that id to change it, or remove it first",
                    field="policy",
                )
            return self._store(
                uow, uow.approval_policies, "approval_policy.saved", policy, current, actor=actor
            )

    def remove_policy(self, *, actor: Actor, policy: ApprovalPolicyId | str) -> None:
        """Remove a stored policy; its company follows the seller-wide one (or the built-in).

        Requests submitted under it keep their snapshot of it.

        Raises:
            NotFound: No policy has this id.
            PermissionDenied: The actor may not manage the company's approvals.
        """
        policy = ApprovalPolicyId(policy)
        checked_id(policy, "policy")
        with self._context.store.unit_of_work() as uow:
            current = uow.approval_policies.get(policy)
            self._authorize(uow, actor, current.company_id)
            uow.approval_policies.remove(current.id)
            self._record_removal(uow, "approval_policy.removed", current, actor)
            uow.commit()

    # -- the approval group

    def save_group(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        name: str,
        members: Iterable[CustomerId | str] = (),
        roles: Iterable[Role | str] = (),
    ) -> ApprovalGroup:
        """Set the company's approval group: exactly these members and roles.

        A group with members overrides the standard approver roles (only its
        members approve under the built-in rules).

        Raises:
            PermissionDenied: The actor may not manage the company's approvals.
            NotFound: The company, or a member named, does not exist.
            ValidationError: A member is not a customer of the company; a
                field is not valid.
        """
        company = CompanyId(company)
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_APPROVALS, company)
            current = _group_of(uow, company)
            group = ApprovalGroup(
                id=current.id if current is not None else ApprovalGroupId(self._context.ids()),
                company_id=company,
                name=name,
                member_ids=members,
                roles=roles,
            )
            _ensure_members(uow, group)
            return self._store(
                uow, uow.approval_groups, "approval_group.saved", group, current, actor=actor
            )

    def remove_group(self, *, actor: Actor, company: CompanyId | str) -> None:
        """Remove the company's approval group: the standard approver roles apply again.

        Raises:
            PermissionDenied: The actor may not manage the company's approvals.
            NotFound: The company, or its group, does not exist.
        """
        company = CompanyId(company)
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_APPROVALS, company)
            current = uow.approval_groups.for_company(company)
            uow.approval_groups.remove(current.id)
            self._record_removal(uow, "approval_group.removed", current, actor)
            uow.commit()

    # -- approver limits

    def set_approver_limit(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        maximum: Money,
        customer: CustomerId | str | None = None,
        role: Role | str | None = None,
        per_period: Money | None = None,
        period: Period | None = None,
    ) -> ApproverLimit:
        """Set the largest order ``customer`` (or each holder of ``role``) may approve there.

        Inclusive: a limit of 5,000 EUR approves an order of exactly 5,000 EUR.
        With ``per_period`` and ``period`` it also caps what they approve in
        each window of the period (in the company's time zone): past it they
        are not eligible, and requests need someone else or escalate.
        Setting it again for the same customer or role changes that limit
        (leaving out ``per_period`` removes the cap).

        Raises:
            PermissionDenied: The actor may not manage the company's approvals.
            NotFound: The company or the customer does not exist.
            ValidationError: Not exactly one of ``customer`` and ``role`` is
                given; the customer is not a member of the company; only
                one of ``per_period`` and ``period`` is given, or
                ``per_period`` is not above zero.
            CurrencyMismatch: ``maximum`` or ``per_period`` is not in the
                company's currency.
        """
        company = CompanyId(company)
        customer = None if customer is None else CustomerId(customer)
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_APPROVALS, company)
            owner = uow.companies.get(company)
            current = next(
                (
                    limit
                    for limit in uow.approver_limits.for_companies([company])
                    if limit.company_id == company
                    and limit.customer_id == customer
                    and limit.role == (None if role is None else Role(role))
                ),
                None,
            )
            limit = ApproverLimit(
                id=current.id if current is not None else ApproverLimitId(self._context.ids()),
                company_id=company,
                maximum=maximum,
                customer_id=customer,
                role=role,
                per_period=per_period,
                period=period,
            )
            if limit.maximum.currency.code != owner.currency:
                raise CurrencyMismatch(
                    f"{owner.name} orders in {owner.currency}; give the approver limit in "
                    f"{owner.currency}, not {limit.maximum.currency.code}"
                )
            if limit.customer_id is not None and not uow.customers.get(limit.customer_id).roles_in(
                company
            ):
                raise ValidationError(
                    f"customer {limit.customer_id!r} is not a member of {company!r}; add them "
                    "to the company first",
                    field="customer",
                )
            return self._store(
                uow, uow.approver_limits, "approver_limit.set", limit, current, actor=actor
            )

    def remove_approver_limit(self, *, actor: Actor, limit: ApproverLimitId | str) -> None:
        """Remove an approver limit: its customer (or role) approves without a limit again.

        Raises:
            NotFound: No approver limit has this id.
            PermissionDenied: The actor may not manage its company's approvals.
        """
        limit = ApproverLimitId(limit)
        checked_id(limit, "limit")
        with self._context.store.unit_of_work() as uow:
            current = uow.approver_limits.get(limit)
            self._context.authorize(uow, actor, Permission.MANAGE_APPROVALS, current.company_id)
            uow.approver_limits.remove(current.id)
            self._record_removal(uow, "approver_limit.removed", current, actor)
            uow.commit()

    # -- steps

    def _store(
        self,
        uow: UnitOfWork,
        repository: _Repository[_Setting],
        name: str,
        setting: _Setting,
        current: _Setting | None,
        *,
        actor: Actor,
    ) -> _Setting:
        """Add or save ``setting``, record ``name`` with the change, and commit."""
        stored = _upsert(repository, setting, current)
        self._context.record(
            uow, name, stored, actor=actor, company_id=stored.company_id, before=current
        )
        uow.commit()
        return stored

    def _record_removal(
        self,
        uow: UnitOfWork,
        name: str,
        removed: ApprovalPolicy | ApprovalGroup | ApproverLimit,
        actor: Actor,
    ) -> None:
        self._context.record(
            uow,
            name,
            removed,
            actor=actor,
            company_id=removed.company_id,
            before=removed,
            removed=True,
        )

    def _authorize(self, uow: UnitOfWork, actor: Actor, company: CompanyId | None) -> None:
        if company is None:
            require_staff(actor, Permission.MANAGE_APPROVALS, "change the seller-wide policy")
        else:
            self._context.authorize(uow, actor, Permission.MANAGE_APPROVALS, company)


def _owner(company: CompanyId | None) -> str:
    return "the seller" if company is None else f"company {company!r}"


def _stored(uow: UnitOfWork, company: CompanyId | None) -> ApprovalPolicy | None:
    try:
        return uow.approval_policies.for_company(company)
    except NotFound:
        return None


def _ensure_id_free(uow: UnitOfWork, policy: ApprovalPolicy) -> None:
    """Refuse an id that another company's policy (or the seller-wide one) holds."""
    try:
        holder = uow.approval_policies.get(policy.id)
    except NotFound:
        return
    if holder.company_id != policy.company_id:
        raise ValidationError(
            f"policy id {policy.id!r} is the id of the policy of {_owner(holder.company_id)}; "
            "choose another id",
            field="policy",
        )


def _group_of(uow: UnitOfWork, company: CompanyId) -> ApprovalGroup | None:
    try:
        return uow.approval_groups.for_company(company)
    except NotFound:
        return None


def _upsert(
    repository: _Repository[_Setting], entity: _Setting, current: _Setting | None
) -> _Setting:
    """Add ``entity``, or save it as the next version of ``current``."""
    if current is None:
        return repository.add(attrs.evolve(entity, version=0))
    return repository.save(
        attrs.evolve(entity, version=current.version, created_at=current.created_at)
    )


def _threshold_currency(policy: ApprovalPolicy) -> str | None:
    """The currency of a seller-wide policy's thresholds (``None``: it has none)."""
    for tier in policy.tiers:
        for threshold in (tier.at_least, tier.up_to):
            if threshold is not None:
                return str(threshold.currency.code)
    for rule in policy.auto_approve:
        if rule.up_to is not None:
            return str(rule.up_to.currency.code)
    return None


def _ensure_named_exist(uow: UnitOfWork, policy: ApprovalPolicy) -> None:
    """Refuse a policy naming a group or a customer the store does not hold."""
    selectors = [
        selector for tier in policy.tiers for rule in tier.all_of for selector in rule.any_of
    ]
    for selector in selectors:
        if isinstance(selector, GroupApprover):
            try:
                uow.approval_groups.get(selector.group_id)
            except NotFound:
                raise ValidationError(
                    f"policy {policy.id!r} names approval group {selector.group_id!r}, which "
                    "does not exist; save the group first",
                    field="policy",
                ) from None
    for rule in policy.auto_approve:
        if rule.customer_group_id is None:
            continue
        try:
            uow.groups.get(CustomerGroupId(rule.customer_group_id))
        except NotFound:
            raise ValidationError(
                f"auto-approval rule {rule.name!r} of policy {policy.id!r} names customer group "
                f"{rule.customer_group_id!r}, which does not exist; create the group first",
                field="policy",
            ) from None
    named = {s.customer_id for s in selectors if isinstance(s, CustomerApprover)}
    found = uow.customers.existing(named)
    if named - found:
        raise ValidationError(
            f"policy {policy.id!r} names customer {min(named - found)!r}, who does not exist",
            field="policy",
        )


def _ensure_subsidiaries(uow: UnitOfWork, policy: ApprovalPolicy) -> None:
    """Refuse a policy excluding a company that is not a subsidiary of its company."""
    for excluded in sorted(policy.excluded_subsidiaries):
        try:
            above = {company.id for company in uow.companies.ancestors(CompanyId(excluded))}
        except NotFound:
            above = set()
        if policy.company_id not in above:
            raise ValidationError(
                f"policy {policy.id!r} excludes {excluded!r}, which is not a subsidiary of "
                f"{policy.company_id!r}; list only companies below it",
                field="policy",
            )


def _ensure_members(uow: UnitOfWork, group: ApprovalGroup) -> None:
    """Refuse a group listing someone who is not a customer of its company."""
    found = uow.customers.get_many(group.member_ids)
    missing = group.member_ids - {customer.id for customer in found}
    if missing:
        raise NotFound("Customer", min(missing))
    for customer in found:
        if not customer.roles_in(group.company_id):
            raise ValidationError(
                f"{customer.display_name} ({customer.id}) is not a customer of "
                f"{group.company_id!r}; a company's approval group lists its own customers",
                field="members",
            )
