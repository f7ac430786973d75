"""Purchasing limits: whom a limit covers, what it checks, and what crossing it means.

Semantics, chosen where real systems disagree and tested on both sides:

* Limits are **inclusive**: an order that brings spend exactly to the limit is
  within it; one minor unit more crosses it.
* No limit means unconstrained; a limit of **zero** means every order crosses it.
* A period budget counts spend in the company's time zone, with calendar
  weeks starting on the company's first weekday (Monday by default).
* Crossing a limit means what its ``on_exceed`` says: ``approval`` (an
  approver can let the order through), ``deny`` (nothing gets past it but a
  recorded override) or ``warn`` (the order is allowed, and the decision
  carries a warning the shop can show).
* Several limits of the same kind may cover one order (two order-total
  limits, a monthly and a yearly budget): **every one applies**, so the
  strictest decides; with different ``on_exceed``, the most severe outcome of
  those crossed wins (deny over approval over warn).
* Who a limit **binds** is the limit's to say (``exempt_roles``). By default,
  as in Emporix, a company's **admins are not bound by its approval limits**
  on company, location and group scopes (an admin never needs approval for
  those: they are the company's approvers); limits that name someone (a
  customer or role scope) and ``deny`` limits bind every role.

Who a limit's spend is counted for:

* ``company``: every order of the company, and with ``include_subtree`` of its
  subsidiaries too (a shared budget over a group);
* ``location``: every order for that location;
* ``customer``: that one customer's orders for the company;
* ``role`` and ``group``: a cap that applies to **each** holder of the role,
  or member of the group, on their own orders for the company.
"""

from __future__ import annotations

import typing
from typing import TYPE_CHECKING, Any

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.domain.membership import Role
from b2b_customers.domain.values import (
    DomainEnum,
    flag,
    identifier,
    items_of,
    money_amount,
    of_type,
    optional,
    strip_optional,
    tags,
    text,
    to_tags,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, LimitId
from b2b_customers.limits.periods import (
    CalendarPeriod,
    LifetimePeriod,
    Period,
    RecurrencePeriod,
    RollingPeriod,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = [
    "BudgetLimit",
    "DistinctSkuLimit",
    "FlaggedItems",
    "LimitRule",
    "LimitScope",
    "OnExceed",
    "OrderTotalLimit",
    "PoNumberRequired",
    "PurchasingLimit",
    "QuantityLimit",
    "RestrictedCatalog",
    "ScopeKind",
]

_MAX_COUNT = 10**9


class OnExceed(DomainEnum):
    """What crossing a limit means."""

    APPROVAL = "approval"
    DENY = "deny"
    WARN = "warn"


class ScopeKind(DomainEnum):
    """Whose orders a limit covers."""

    COMPANY = "company"
    LOCATION = "location"
    CUSTOMER = "customer"
    ROLE = "role"
    GROUP = "group"


@frozen(kw_only=True)
class LimitScope:
    """Whose orders a limit covers.

    Attributes:
        kind: Company, location, customer, role or group.
        company_id: The company the limit is set on.
        target: The location id, customer id, role (``"requester"``) or group
            id; ``None`` for a company scope.
        include_subtree: For a company scope: count (and cover) the orders of
            its subsidiaries too, as one shared budget.
    """

    kind: ScopeKind = field(converter=ScopeKind)
    company_id: CompanyId = field(converter=CompanyId, validator=identifier)
    target: str | None = field(default=None, validator=optional(identifier))
    include_subtree: bool = field(default=False, validator=flag)

    def __attrs_post_init__(self) -> None:
        if (self.kind is ScopeKind.COMPANY) != (self.target is None):
            raise ValidationError(
                "a company scope has no target; every other scope names one (a location, "
                "customer, role or group id)",
                field="target",
            )
        if self.kind is ScopeKind.ROLE:
            Role(str(self.target))  # raises ValidationError listing the roles
        if self.include_subtree and self.kind is not ScopeKind.COMPANY:
            raise ValidationError(
                "include_subtree applies to company scopes only", field="include_subtree"
            )

    @property
    def per_buyer(self) -> bool:
        """Whether spend is counted for each buyer alone (customer, role and group scopes)."""
        return self.kind in {ScopeKind.CUSTOMER, ScopeKind.ROLE, ScopeKind.GROUP}


def _count(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= _MAX_COUNT:
        raise ValidationError(
            f"must be a whole number from 0 to {_MAX_COUNT}, got {value!r}", field=attribute.name
        )


@frozen(kw_only=True)
class OrderTotalLimit:
    """The most one order may total.

    Attributes:
        maximum: The largest allowed order total (inclusive).
    """

    maximum: Money = field(validator=money_amount(non_negative=True))


@frozen(kw_only=True)
class BudgetLimit:
    """The most the scope may spend per period (placed orders plus pending requests).

    Attributes:
        maximum: The budget for one period (inclusive).
        period: Calendar day/week/month/quarter/year, rolling N days, an rrule,
            or the lifetime (never resets).
    """

    maximum: Money = field(validator=money_amount(non_negative=True))
    period: Period = field(
        validator=of_type(CalendarPeriod, RollingPeriod, RecurrencePeriod, LifetimePeriod)
    )


@frozen(kw_only=True)
class QuantityLimit:
    """The most items (summed over all lines) one order may hold.

    Attributes:
        max_quantity: The largest allowed total quantity (inclusive).
    """

    max_quantity: int = field(validator=_count)


@frozen(kw_only=True)
class DistinctSkuLimit:
    """The most different SKUs one order may hold.

    Attributes:
        max_skus: The largest allowed number of distinct SKUs (inclusive).
    """

    max_skus: int = field(validator=_count)


@frozen(kw_only=True)
class FlaggedItems:
    """Items flagged as high-cost or sensitive: an order holding any of them crosses.

    Attributes:
        skus: Flagged SKUs.
        categories: Flagged product categories.
    """

    skus: frozenset[str] = field(factory=frozenset, converter=to_tags, validator=tags)
    categories: frozenset[str] = field(factory=frozenset, converter=to_tags, validator=tags)

    def __attrs_post_init__(self) -> None:
        if not self.skus and not self.categories:
            raise ValidationError("flag at least one SKU or category", field="skus")


@frozen(kw_only=True)
class PoNumberRequired:
    """Orders above an amount need a purchase order number.

    Attributes:
        above: Orders totalling more than this need a PO number (equal does not).
    """

    above: Money = field(validator=money_amount(non_negative=True))


@frozen(kw_only=True)
class RestrictedCatalog:
    """Only the company's own products (its private catalog, ``specific_products``) may be ordered.

    Attributes:
        note: Why the catalog is restricted (shown to the buyer).
    """

    note: str | None = field(default=None, converter=strip_optional, validator=optional(text()))


LimitRule = (
    OrderTotalLimit
    | BudgetLimit
    | QuantityLimit
    | DistinctSkuLimit
    | FlaggedItems
    | PoNumberRequired
    | RestrictedCatalog
)
"""Every kind of rule a purchasing limit can hold."""

_RULE_TYPES: tuple[type, ...] = typing.get_args(LimitRule)

_SHARED_SCOPES = frozenset({ScopeKind.COMPANY, ScopeKind.LOCATION, ScopeKind.GROUP})
_ADMINS = frozenset({Role.ADMIN})
_NOBODY: frozenset[Role] = frozenset()


def _to_exempt_roles(value: Iterable[Role | str] | None) -> frozenset[Role] | None:
    if value is None:
        return None
    items = items_of(value)
    if items is None:
        raise ValidationError(
            f"give a collection of roles such as {{'admin'}} (or None for the default), "
            f"got {value!r}",
            field="exempt_roles",
        )
    try:
        return frozenset(Role(item) for item in items)
    except ValidationError as error:
        raise ValidationError(error.reason, field="exempt_roles") from None


@frozen(kw_only=True)
class PurchasingLimit(Versioned):
    """A rule on what a scope may order, and what crossing it means.

    Attributes:
        id: The limit's id.
        scope: Whose orders it covers.
        rule: What it checks.
        on_exceed: ``approval``, ``deny`` or ``warn``.
        name: A name shown in explanations (``"Monthly budget"``).
        active: Inactive limits are kept but not applied.
        exempt_roles: Holders of these roles at the company are not bound by
            the limit (``frozenset()``: it binds everyone). ``None``, the
            default, is Emporix's rule: see [`exempt`][b2b_customers.limits.PurchasingLimit.exempt].
    """

    id: LimitId = field(converter=LimitId, validator=identifier)
    scope: LimitScope = field(validator=of_type(LimitScope))
    rule: LimitRule = field(validator=of_type(*_RULE_TYPES))
    on_exceed: OnExceed = field(default=OnExceed.APPROVAL, converter=OnExceed)
    name: str | None = field(default=None, converter=strip_optional, validator=optional(text()))
    active: bool = field(default=True, validator=flag)
    exempt_roles: frozenset[Role] | None = field(default=None, converter=_to_exempt_roles)

    @property
    def exempt(self) -> frozenset[Role]:
        """The roles the limit does not bind: ``exempt_roles``, or the default rule.

        The default exempts admins from ``approval`` limits on company,
        location and group scopes (Emporix: an admin never needs approval for
        the company purchasing limit); it exempts nobody from a ``deny``
        limit, nor from one that names a customer or a role.
        """
        if self.exempt_roles is not None:
            return self.exempt_roles
        if self.on_exceed is OnExceed.APPROVAL and self.scope.kind in _SHARED_SCOPES:
            return _ADMINS
        return _NOBODY

    def binds(self, roles: Iterable[Role]) -> bool:
        """Tell whether the limit applies to someone holding ``roles`` at the company.

        Args:
            roles: The roles the orderer holds at the ordering company.

        Returns:
            ``False`` when they hold a role the limit exempts (see
            [`exempt`][b2b_customers.limits.PurchasingLimit.exempt]).
        """
        return self.exempt.isdisjoint(roles)

    @property
    def currency(self) -> str | None:
        """The currency of the rule's amount, for money rules."""
        amount = getattr(self.rule, "maximum", None) or getattr(self.rule, "above", None)
        return str(amount.currency.code) if isinstance(amount, Money) else None
