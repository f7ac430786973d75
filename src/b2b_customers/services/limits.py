"""Purchasing-limit use cases: set, change and remove limits, and list those that apply.

A limit is set on one company, for the whole company (optionally its
subtree as one shared budget), one of its locations, one of its customers,
a role or a customer group. Managing limits needs the ``manage_limits``
permission for that company; listing them needs ``view_company``.

Events: ``limit.set``, ``limit.changed`` and ``limit.removed``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import attrs

from b2b_customers.arguments import checks_arguments
from b2b_customers.domain.membership import Role
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.ids import CompanyId, CustomerGroupId, CustomerId, LimitId, LocationId
from b2b_customers.limits.rules import LimitRule, LimitScope, OnExceed, PurchasingLimit, ScopeKind
from b2b_customers.services.authorization import Actor, Permission

if TYPE_CHECKING:
    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["LimitService"]

_UNSET = object()


@checks_arguments
class LimitService:
    """Purchasing limits, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def set(
        self,
        *,
        actor: Actor,
        scope: LimitScope,
        rule: LimitRule,
        on_exceed: OnExceed | str = OnExceed.APPROVAL,
        name: str | None = None,
        exempt_roles: Iterable[Role | str] | None = None,
    ) -> PurchasingLimit:
        """Set a new limit on ``scope``.

        Args:
            actor: Who sets it (manage limits, for the scope's company).
            scope: Whose orders it covers, e.g.
                ``LimitScope(kind="location", company_id=acme, target=branch)``.
            rule: What it checks, e.g. ``OrderTotalLimit(maximum=Money(5000, "EUR"))``.
            on_exceed: ``"approval"``, ``"deny"`` or ``"warn"`` (allowed, with a warning).
            name: Shown in decisions' explanations.
            exempt_roles: The roles the limit does not bind, e.g. ``{"admin"}``;
                ``frozenset()`` binds everyone. ``None`` (the default) keeps
                Emporix's rule: admins are exempt from approval limits on
                company, location and group scopes (see
                [`PurchasingLimit.exempt`][b2b_customers.limits.PurchasingLimit.exempt]).

        Raises:
            PermissionDenied: The actor may not manage limits for the company.
            NotFound: The company, or the location or group named, does not exist.
            ValidationError: The scope names a location of another company or
                a customer who is not a member; a field is not valid.
            CurrencyMismatch: A money rule is not in the company's currency.
        """
        if not isinstance(scope, LimitScope):
            raise ValidationError(
                f"must be a LimitScope, got {type(scope).__name__}", field="scope"
            )
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_LIMITS, scope.company_id)
            limit = PurchasingLimit(
                id=LimitId(self._context.ids()),
                scope=scope,
                rule=rule,
                on_exceed=on_exceed,
                name=name,
                exempt_roles=exempt_roles,
            )
            _ensure_fits_company(uow, limit)
            stored = uow.limits.add(limit)
            self._context.record(uow, "limit.set", stored, actor=actor, company_id=scope.company_id)
            uow.commit()
        return stored

    def change(
        self,
        *,
        actor: Actor,
        limit: LimitId | str,
        rule: LimitRule | None = None,
        on_exceed: OnExceed | str | None = None,
        name: str | object | None = _UNSET,
        active: bool | None = None,
        exempt_roles: Iterable[Role | str] | object | None = _UNSET,
    ) -> PurchasingLimit:
        """Change what a limit checks, what crossing it means, its name, whom it binds, or state.

        The scope stays: to cover someone else, remove the limit and set a new one.
        ``exempt_roles=None`` goes back to the default rule of whom it binds.

        Raises:
            NotFound: No limit has this id.
            PermissionDenied: The actor may not manage limits for its company.
            ValidationError: A field is not valid.
            CurrencyMismatch: A money rule is not in the company's currency.
        """
        limit = LimitId(limit)
        with self._context.store.unit_of_work() as uow:
            current = uow.limits.get(limit)
            self._context.authorize(uow, actor, Permission.MANAGE_LIMITS, current.scope.company_id)
            changes: dict[str, Any] = {}
            if rule is not None:
                changes["rule"] = rule
            if on_exceed is not None:
                changes["on_exceed"] = on_exceed
            if name is not _UNSET:
                changes["name"] = name
            if active is not None:
                changes["active"] = active
            if exempt_roles is not _UNSET:
                changes["exempt_roles"] = exempt_roles
            changed = attrs.evolve(current, **changes)
            _ensure_fits_company(uow, changed)
            stored = uow.limits.save(changed)
            self._context.record(
                uow,
                "limit.changed",
                stored,
                actor=actor,
                company_id=stored.scope.company_id,
                before=current,
            )
            uow.commit()
        return stored

    def remove(self, *, actor: Actor, limit: LimitId | str) -> PurchasingLimit:
        """Delete a limit; return it as it was.

        Raises:
            NotFound: No limit has this id.
            PermissionDenied: The actor may not manage limits for its company.
        """
        limit = LimitId(limit)
        with self._context.store.unit_of_work() as uow:
            current = uow.limits.get(limit)
            self._context.authorize(uow, actor, Permission.MANAGE_LIMITS, current.scope.company_id)
            uow.limits.remove(limit)
            self._context.record(
                uow,
                "limit.removed",
                current,
                actor=actor,
                company_id=current.scope.company_id,
                before=current,
            )
            uow.commit()
        return current

    def for_company(
        self, *, actor: Actor, company: CompanyId | str, include_inactive: bool = False
    ) -> list[PurchasingLimit]:
        """Return the limits that may apply to orders of ``company``, sorted by id.

        Those set on the company itself (any scope), and the shared budgets
        (company scopes with ``include_subtree``) of its ancestors.

        Raises:
            NotFound: The company does not exist.
            PermissionDenied: The actor may not see the company.
        """
        company = CompanyId(company)
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.VIEW_COMPANY, company)
            ancestors = [ancestor.id for ancestor in uow.companies.ancestors(company)]
            return [
                limit
                for limit in uow.limits.set_on((company, *ancestors))
                if (include_inactive or limit.active)
                and (
                    limit.scope.company_id == company
                    or (limit.scope.kind is ScopeKind.COMPANY and limit.scope.include_subtree)
                )
            ]


def _ensure_fits_company(uow: UnitOfWork, limit: PurchasingLimit) -> None:
    """Refuse a limit whose currency or target does not belong to its company."""
    scope = limit.scope
    company = uow.companies.get(scope.company_id)
    if limit.currency is not None and limit.currency != company.currency:
        raise CurrencyMismatch(
            f"the limit is in {limit.currency} but {company.name} orders in "
            f"{company.currency}; give the amount in {company.currency}"
        )
    target = scope.target or ""
    if (
        scope.kind is ScopeKind.LOCATION
        and uow.locations.get(LocationId(target)).company_id != company.id
    ):
        raise ValidationError(
            f"location {target!r} belongs to another company than {company.name}",
            field="scope.target",
        )
    if (
        scope.kind is ScopeKind.CUSTOMER
        and uow.customers.get(CustomerId(target)).membership_in(company.id) is None
    ):
        raise ValidationError(
            f"customer {target!r} is not a member of {company.name}; invite them first",
            field="scope.target",
        )
    if scope.kind is ScopeKind.GROUP:
        uow.groups.get(CustomerGroupId(target))
