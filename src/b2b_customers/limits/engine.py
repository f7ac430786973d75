"""The decision: may this buyer place this order, and if not, why and who can let it through.

[`decide`][b2b_customers.limits.decide] is a pure function: the same order, context and time give
the same [`Decision`][b2b_customers.limits.Decision]. It reads nothing and
writes nothing; services gather the context (limits, spend totals, credit)
and record the decision.

The checks, in order, each giving a [`RuleResult`][b2b_customers.limits.RuleResult]:

1. **Who orders.** The buyer must be an active member of the company with a
   purchasing role, and the company must be active; otherwise denied.
2. **The role rule** (the admin / buyer / requester model of B2B shops such
   as Emporix): a requester needs
   approval for every order, from a buyer or an admin.
3. **Every active purchasing limit that covers the order**, see
   `b2b_customers.limits.rules`, unless it does not bind the buyer's
   roles ([`PurchasingLimit.binds`][b2b_customers.limits.PurchasingLimit.binds]; by default admins
   are not bound by approval limits on company, location and group scopes): such
   a limit gives an allowed ``"exempt"`` result saying so.
4. **Credit**, when the company buys on credit: a hold denies (unless an
   override is recorded); an order over the available credit is denied
   (blocked when balance + reserved + order > credit limit; equal is allowed),
   unless the line only warns (allowed, with a warning) or the buyer holds a
   bypass of the limit (allowed, with a warning that says so).

The outcome is the most severe of all results.
"""

from __future__ import annotations

import typing
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.domain.company import Company
from b2b_customers.domain.customer import Customer
from b2b_customers.domain.membership import Role
from b2b_customers.domain.money import format_money
from b2b_customers.domain.order import OrderDraft
from b2b_customers.domain.standing import CustomerStatus
from b2b_customers.domain.values import datetime_defect, flag, items_of, of_type, optional, text
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.ids import CompanyId, LimitId
from b2b_customers.limits.decision import (
    CREDIT_RULE,
    Decision,
    DeferredMessage,
    Outcome,
    RuleResult,
)
from b2b_customers.limits.periods import window_of
from b2b_customers.limits.rule_versions import rules_version
from b2b_customers.limits.rules import (
    BudgetLimit,
    DistinctSkuLimit,
    FlaggedItems,
    LimitScope,
    OnExceed,
    OrderTotalLimit,
    PoNumberRequired,
    PurchasingLimit,
    QuantityLimit,
    RestrictedCatalog,
    ScopeKind,
)
from b2b_customers.limits.spend import SpendKey, SpendLookup

if TYPE_CHECKING:
    # Only a type here: ports imports this package, so a run-time import would be circular.
    from collections.abc import Callable, Iterable, Mapping

    from moneyed import Currency

    from b2b_customers.ports import ExchangeRates  # noqa: TC004  (never structured at run time)

__all__ = [
    "CreditPosition",
    "DecisionContext",
    "applicable_limits",
    "budgets_covering",
    "decide",
]


@frozen(kw_only=True)
class CreditPosition:
    """A company's credit, as the engine needs it.

    Attributes:
        credit_limit: The credit line.
        balance: What the company owes now (invoices less payments and credit notes).
        reserved: What pending orders hold.
        on_hold: Whether a credit hold blocks new orders.
        hold_overridden: Whether an override of the hold is recorded for this order.
        warn_only: The line warns rather than refuses: an order over the
            available credit is allowed with a warning (credit control ``warn``).
        bypassed: The buyer may order past the limit (a bypass granted to them):
            an order over the available credit is allowed with a warning.
    """

    credit_limit: Money
    balance: Money
    reserved: Money
    on_hold: bool = False
    hold_overridden: bool = False
    warn_only: bool = False
    bypassed: bool = False

    @property
    def available(self) -> Money:
        """``credit_limit - balance - reserved`` (negative when over-committed)."""
        return Money(
            self.credit_limit.amount - self.balance.amount - self.reserved.amount,
            self.credit_limit.currency,
        )


def _limits(value: Iterable[PurchasingLimit]) -> tuple[PurchasingLimit, ...]:
    return tuple(_items(value, PurchasingLimit, "limits", "PurchasingLimit"))


def _company_ids(value: Iterable[CompanyId]) -> tuple[CompanyId, ...]:
    return tuple(_items(value, str, "ancestors", "company ids"))


def _group_ids(value: Iterable[str]) -> frozenset[str]:
    return frozenset(_items(value, str, "group_ids", "customer group ids"))


def _items(value: object, kind: type, field: str, what: str) -> list[Any]:
    """The items of a collection of ``kind``, or a ValidationError naming ``field``."""
    items = items_of(value)
    if items is None or not all(isinstance(item, kind) for item in items):
        raise ValidationError(f"{field} must be a collection of {what}, got {value!r}", field=field)
    return items


def _answering(method: str) -> Callable[[Any, attrs.Attribute[Any], Any], None]:
    """A validator requiring an object with ``method`` (a store's spend, exchange rates)."""

    def validate(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
        if not callable(getattr(value, method, None)):
            raise ValidationError(
                f"{attribute.name} must be an object with a {method}() method, got {value!r}",
                field=attribute.name,
            )

    return validate


@frozen(kw_only=True)
class DecisionContext:
    """Everything [`decide`][b2b_customers.limits.decide] looks at besides the order.

    Attributes:
        company: The ordering company.
        buyer: The customer placing the order.
        limits: The purchasing limits that may apply (inapplicable ones are skipped).
        spend: Spend so far, per scope and period.
        ancestors: The company's ancestors, nearest first (for group budgets).
        group_ids: The customer groups the buyer belongs to.
        credit: The company's credit position, when it buys on credit.
        rates: Exchange rates, needed only when currencies differ.
        count_pending: Count orders pending approval against budgets (default),
            so parallel requests cannot each slip under the same budget.
        policy_version: The version recorded in the decision; by default (``None``)
            the fingerprint of the limits that applied (see
            `rules_version`).
    """

    company: Company = field(validator=of_type(Company))
    buyer: Customer = field(validator=of_type(Customer))
    limits: tuple[PurchasingLimit, ...] = field(factory=tuple, converter=_limits)
    spend: SpendLookup = field(validator=_answering("spent"))
    ancestors: tuple[CompanyId, ...] = field(factory=tuple, converter=_company_ids)
    group_ids: frozenset[str] = field(factory=frozenset, converter=_group_ids)
    credit: CreditPosition | None = field(default=None, validator=optional(of_type(CreditPosition)))
    rates: ExchangeRates | None = field(default=None, validator=optional(_answering("convert")))
    count_pending: bool = field(default=True, validator=flag)
    policy_version: str | None = field(default=None, validator=optional(text()))


def applicable_limits(order: OrderDraft, context: DecisionContext) -> list[PurchasingLimit]:
    """Return the active limits whose scope covers ``order``: the ones `decide` applies.

    A limit covers an order by its scope alone: the ordering company (or an
    ancestor, for a limit on a subtree), the order's location, the buyer,
    one of the buyer's roles at the company, or one of ``context.group_ids``.
    Whether it binds the buyer (exempt roles) is judged after, one limit at
    a time. The period budgets among them are the only ones whose spend the
    decision may read, so they are the budgets a service holds before it
    decides (see [`LimitRepository.lock`][b2b_customers.ports.LimitRepository.lock]):
    orders that no budget covers in common do not wait for each other.

    Raises:
        ValidationError: ``order`` is not an
            [`OrderDraft`][b2b_customers.domain.order.OrderDraft], ``context``
            not a [`DecisionContext`][b2b_customers.limits.DecisionContext],
            or the order is for another company than the context's.
    """
    _check(order, context)
    roles = _roles_of(order, context)
    return [
        limit
        for limit in context.limits
        if limit.active and _covers(limit.scope, order, context, roles)
    ]


def budgets_covering(order: OrderDraft, context: DecisionContext) -> list[LimitId]:
    """Return the ids of the period budgets that cover ``order``: the ones to hold before deciding.

    Deciding an order reads the spend of no other budget (nor of those
    among these that do not bind the buyer). A service holds them from
    before the spend is read to its commit (see
    [`LimitRepository.lock`][b2b_customers.ports.LimitRepository.lock]), so
    two orders one budget covers queue, and can never overshoot it
    together, while two buyers with budgets of their own do not wait for
    each other.

    Raises:
        ValidationError: As for [`applicable_limits`][b2b_customers.limits.applicable_limits].
    """
    return [
        limit.id
        for limit in applicable_limits(order, context)
        if isinstance(limit.rule, BudgetLimit)
    ]


def _check(order: object, context: object) -> None:
    """Refuse what `decide` and the coverage functions cannot work on."""
    if not isinstance(order, OrderDraft):
        raise ValidationError(
            f"give an OrderDraft to decide on, got {type(order).__name__} {order!r}",
            field="order",
        )
    if not isinstance(context, DecisionContext):
        raise ValidationError(
            f"give a DecisionContext (the company, the buyer, their limits and spend), "
            f"got {type(context).__name__} {context!r}",
            field="context",
        )
    if order.company_id != context.company.id:
        raise ValidationError(
            f"the order is for company {order.company_id!r} but the context describes "
            f"{context.company.id!r}; build the context for the ordering company",
            field="company_id",
        )


def _roles_of(order: OrderDraft, context: DecisionContext) -> frozenset[Role]:
    """The buyer's roles at the ordering company (none if not a member)."""
    membership = context.buyer.membership_in(order.company_id)
    return membership.roles if membership is not None else frozenset()


def _covers(
    scope: LimitScope, order: OrderDraft, context: DecisionContext, roles: frozenset[Role]
) -> bool:
    here = scope.company_id == context.company.id
    if scope.kind is ScopeKind.COMPANY:
        return here or (scope.include_subtree and scope.company_id in context.ancestors)
    if not here:
        return False
    if scope.kind is ScopeKind.LOCATION:
        return order.location_id == scope.target
    if scope.kind is ScopeKind.CUSTOMER:
        return context.buyer.id == scope.target
    if scope.kind is ScopeKind.ROLE:
        return any(role.value == scope.target for role in roles)
    return scope.target in context.group_ids


def decide(order: OrderDraft, context: DecisionContext, now: datetime) -> Decision:
    """Decide whether ``order`` may be placed at ``now``.

    Raises:
        ValidationError: ``order`` is not an
            [`OrderDraft`][b2b_customers.domain.order.OrderDraft], ``context``
            not a [`DecisionContext`][b2b_customers.limits.DecisionContext],
            ``now`` not a timezone-aware datetime, or the order is for
            another company than the context's.
        CurrencyMismatch: A limit or the credit line is in another currency
            than the order and no exchange rate converts it.
    """
    _check(order, context)
    if not isinstance(now, datetime):
        raise ValidationError(
            f"now must be a timezone-aware datetime (e.g. datetime.now(UTC)), got {now!r}",
            field="now",
        )
    defect = datetime_defect(now)
    if defect is not None:
        raise ValidationError(f"now {defect}", field="now")
    evaluator = _Evaluation(order, context, now)
    who = evaluator.who_orders()
    results = [*who, *evaluator.role_rule()]
    applied: list[PurchasingLimit] = []
    if not (who[0].outcome is Outcome.DENIED and who[0].rule == "buyer"):
        applied = applicable_limits(order, context)
        results.extend(evaluator.limit(limit) for limit in applied)
        results.extend(evaluator.credit())
    outcome = Outcome.worst(result.outcome for result in results)
    return Decision(
        outcome=outcome,
        results=tuple(results),
        order_total=evaluator.total,
        evaluated_at=now,
        policy_version=(
            rules_version(applied) if context.policy_version is None else context.policy_version
        ),
        approver_roles=evaluator.approvers(results) if outcome is Outcome.APPROVAL_REQUIRED else (),
    )


class _Evaluation:
    """One run of the rules over one order; a namespace for the steps of `decide`."""

    def __init__(self, order: OrderDraft, context: DecisionContext, now: datetime) -> None:
        self.order = order
        self.context = context
        self.now = now
        self.company = context.company
        self.roles = _roles_of(order, context)
        self.total = order.total

    # -- 1 and 2: who orders, and the role rule

    def who_orders(self) -> list[RuleResult]:
        buyer, company = self.context.buyer, self.company
        if self.order.buyer_id != buyer.id:
            return [
                _denied("buyer", f"the order names buyer {self.order.buyer_id!r}, not {buyer.id!r}")
            ]
        if not buyer.is_active:
            return [
                _denied("buyer", f"{buyer.display_name} is {buyer.status.value} and may not order")
            ]
        standing = buyer.status_in(self.order.company_id)
        if standing is not None and standing is not CustomerStatus.ACTIVE:
            return [
                _denied(
                    "buyer",
                    f"{buyer.display_name} is {standing.value} at {company.name} "
                    "and may not order for it",
                )
            ]
        if not self.roles & {Role.ADMIN, Role.BUYER, Role.REQUESTER}:
            return [
                _denied(
                    "buyer",
                    f"{buyer.display_name} has no buying role at {company.name} "
                    "(admin, buyer or requester)",
                )
            ]
        if not company.may_order:
            return [
                _denied("company", f"{company.name} is {company.status.value} and may not order")
            ]
        return [
            RuleResult(
                rule="buyer",
                outcome=Outcome.ALLOWED,
                message=f"{buyer.display_name} may order for {company.name}",
            )
        ]

    def role_rule(self) -> list[RuleResult]:
        if Role.REQUESTER not in self.roles:
            return []
        return [
            RuleResult(
                rule="requester",
                outcome=Outcome.APPROVAL_REQUIRED,
                message=f"{self.context.buyer.display_name} is a requester: "
                "every order needs approval",
            )
        ]

    # -- 3: purchasing limits

    def limit(self, limit: PurchasingLimit) -> RuleResult:
        if not limit.binds(self.roles):
            return RuleResult(
                rule="exempt",
                limit_id=limit.id,
                outcome=Outcome.ALLOWED,
                message=DeferredMessage(
                    _exempt_message, limit, self.context.buyer.display_name, self.roles
                ),
            )
        if limit.on_exceed is not OnExceed.WARN:
            return self._evaluate(limit, _CROSSED[limit.on_exceed])
        # A warn limit: evaluated as an approval limit, a crossing allows with a warning.
        result = self._evaluate(limit, Outcome.APPROVAL_REQUIRED)
        if not result.crossed:
            return result
        return attrs.evolve(result, outcome=Outcome.ALLOWED, warning=True)

    def _evaluate(self, limit: PurchasingLimit, crossed_outcome: Outcome) -> RuleResult:
        rule = limit.rule
        if isinstance(rule, OrderTotalLimit):
            amount = self._in(rule.maximum.currency.code, self.total)
            over = amount.amount > rule.maximum.amount
            return RuleResult(
                rule="order_total",
                limit_id=limit.id,
                outcome=crossed_outcome if over else Outcome.ALLOWED,
                message=DeferredMessage(_order_total_message, limit, amount, _exceeds(over)),
                limit=rule.maximum,
                order_amount=amount,
                remaining=rule.maximum,
            )
        if isinstance(rule, BudgetLimit):
            return self._budget(limit, rule, crossed_outcome)
        if isinstance(rule, QuantityLimit):
            quantity = self.order.total_quantity
            return RuleResult(
                rule="quantity",
                limit_id=limit.id,
                outcome=crossed_outcome if quantity > rule.max_quantity else Outcome.ALLOWED,
                message=DeferredMessage(_quantity_message, limit, quantity),
            )
        if isinstance(rule, DistinctSkuLimit):
            count = len(self.order.skus)
            return RuleResult(
                rule="distinct_skus",
                limit_id=limit.id,
                outcome=crossed_outcome if count > rule.max_skus else Outcome.ALLOWED,
                message=DeferredMessage(_distinct_skus_message, limit, count),
            )
        if isinstance(rule, FlaggedItems):
            flagged = sorted(
                (self.order.skus & rule.skus) | (self.order.categories & rule.categories)
            )
            return RuleResult(
                rule="flagged_items",
                limit_id=limit.id,
                outcome=crossed_outcome if flagged else Outcome.ALLOWED,
                message=DeferredMessage(_flagged_message, limit, flagged),
            )
        if isinstance(rule, PoNumberRequired):
            amount = self._in(rule.above.currency.code, self.total)
            missing = amount.amount > rule.above.amount and not self.order.po_number
            return RuleResult(
                rule="po_number",
                limit_id=limit.id,
                outcome=crossed_outcome if missing else Outcome.ALLOWED,
                message=DeferredMessage(
                    _po_number_message, limit, " and this one has none" if missing else ""
                ),
                limit=rule.above,
                order_amount=amount,
            )
        outside = sorted(self.order.skus - self.company.specific_products)
        return RuleResult(
            rule="restricted_catalog",
            limit_id=limit.id,
            outcome=crossed_outcome if outside else Outcome.ALLOWED,
            message=DeferredMessage(_catalog_message, limit, outside),
        )

    def _budget(self, limit: PurchasingLimit, rule: BudgetLimit, crossed: Outcome) -> RuleResult:
        window = window_of(
            rule.period,
            self.now,
            time_zone=self.company.time_zone,
            week_starts_on=self.company.week_starts_on,
        )
        currency = rule.maximum.currency  # the Currency itself: Money skips the look-up
        amounts = self.context.spend.spent(
            self._spend_key(limit.scope), window, include_pending=self.context.count_pending
        )
        spent = self._sum(amounts, currency)
        amount = self._in(currency.code, self.total)
        remaining = Money(rule.maximum.amount - spent.amount, currency)
        over = spent.amount + amount.amount > rule.maximum.amount
        return RuleResult(
            rule="budget",
            limit_id=limit.id,
            outcome=crossed if over else Outcome.ALLOWED,
            message=DeferredMessage(
                _budget_message,
                limit,
                spent,
                amount,
                remaining,
                "would exceed" if over else "stays within",
            ),
            limit=rule.maximum,
            spent=spent,
            order_amount=amount,
            remaining=remaining,
            period_start=window.start,
            period_end=window.end,
        )

    def _spend_key(self, scope: LimitScope) -> SpendKey:
        if scope.kind is ScopeKind.COMPANY:
            return (
                SpendKey.subtree(scope.company_id)
                if scope.include_subtree
                else SpendKey.company(scope.company_id)
            )
        if scope.kind is ScopeKind.LOCATION and self.order.location_id is not None:
            return SpendKey.location(self.company.id, self.order.location_id)
        return SpendKey.buyer(self.company.id, self.context.buyer.id)

    # -- 4: credit

    def credit(self) -> list[RuleResult]:
        credit = self.context.credit
        if credit is None:
            return []
        if credit.on_hold and not credit.hold_overridden:
            return [
                _denied(
                    "credit_hold",
                    f"{self.company.name} is on credit hold; no new orders until it is lifted",
                )
            ]
        currency = credit.credit_limit.currency
        amount = self._in(currency.code, self.total)
        available = credit.available
        over = amount.amount > available.amount
        past_limit = over and (credit.bypassed or credit.warn_only)
        bypass = (
            f"; {self.context.buyer.display_name} may order past the credit limit (bypass granted)"
            if past_limit and credit.bypassed
            else ""
        )
        return [
            RuleResult(
                rule=CREDIT_RULE,
                outcome=Outcome.DENIED if over and not past_limit else Outcome.ALLOWED,
                message=DeferredMessage(_credit_message, credit, amount, _exceeds(over), bypass),
                limit=credit.credit_limit,
                spent=Money(credit.balance.amount + credit.reserved.amount, currency),
                order_amount=amount,
                remaining=available,
                warning=past_limit,
            )
        ]

    # -- who approves

    def approvers(self, results: list[RuleResult]) -> tuple[str, ...]:
        limits_crossed = any(r.crossed and r.limit_id is not None for r in results)
        if limits_crossed:
            return (Role.ADMIN.value,)
        return (Role.ADMIN.value, Role.BUYER.value)

    # -- money

    def _in(self, currency: str, amount: Money) -> Money:
        if amount.currency.code == currency:
            return amount
        if self.context.rates is None:
            raise CurrencyMismatch(
                f"an amount in {amount.currency.code} meets a limit in {currency} and no "
                "exchange rates were given; pass an ExchangeRates in the DecisionContext"
            )
        return self.context.rates.convert(amount, currency, self.now)

    def _sum(self, amounts: Mapping[str, Decimal], currency: Currency) -> Money:
        code = currency.code
        result = Decimal(0)
        for spent_in, value in amounts.items():
            result += value if spent_in == code else self._in(code, Money(value, spent_in)).amount
        return Money(result, currency)


_CROSSED = {
    OnExceed.APPROVAL: Outcome.APPROVAL_REQUIRED,
    OnExceed.DENY: Outcome.DENIED,
}


def _denied(rule: str, message: str) -> RuleResult:
    return RuleResult(rule=rule, outcome=Outcome.DENIED, message=message[0].upper() + message[1:])


def _default_name(limit: PurchasingLimit) -> str:
    scope = limit.scope
    return f"{type(limit.rule).__name__} on {scope.kind.value} {scope.target or scope.company_id}"


def _label(limit: PurchasingLimit) -> str:
    return limit.name or _default_name(limit)


# -- the sentences, formatted only when a result's message is read


def _exceeds(over: bool) -> str:  # noqa: FBT001  (a predicate's answer, in words)
    return "exceeds" if over else "is within"


def _exempt_message(limit: PurchasingLimit, name: str, roles: frozenset[Role]) -> str:
    held = ", ".join(sorted(role.value for role in roles & limit.exempt))
    return f"{_label(limit)}: does not bind {name}, who orders as {held}"


def _order_total_message(limit: PurchasingLimit, amount: Money, verb: str) -> str:
    maximum = typing.cast("OrderTotalLimit", limit.rule).maximum
    return f"{_label(limit)}: this order of {format_money(amount)} {verb} {format_money(maximum)}"


def _quantity_message(limit: PurchasingLimit, quantity: int) -> str:
    maximum = typing.cast("QuantityLimit", limit.rule).max_quantity
    return f"{_label(limit)}: {quantity} items, at most {maximum} per order"


def _distinct_skus_message(limit: PurchasingLimit, count: int) -> str:
    maximum = typing.cast("DistinctSkuLimit", limit.rule).max_skus
    return f"{_label(limit)}: {count} different products, at most {maximum} per order"


def _flagged_message(limit: PurchasingLimit, flagged: list[str]) -> str:
    found = f"the order holds flagged items {', '.join(flagged)}" if flagged else "no flagged items"
    return f"{_label(limit)}: {found}"


def _po_number_message(limit: PurchasingLimit, missing: str) -> str:
    above = typing.cast("PoNumberRequired", limit.rule).above
    return f"{_label(limit)}: orders above {format_money(above)} need a PO number{missing}"


def _catalog_message(limit: PurchasingLimit, outside: list[str]) -> str:
    note = typing.cast("RestrictedCatalog", limit.rule).note
    return (
        f"{_label(limit)}: only contract products may be ordered"
        + (f" ({note})" if note else "")
        + (f"; not in the catalog: {', '.join(outside)}" if outside else "")
    )


def _budget_message(
    limit: PurchasingLimit, spent: Money, amount: Money, remaining: Money, verb: str
) -> str:
    maximum = typing.cast("BudgetLimit", limit.rule).maximum
    return (
        f"{_label(limit)}: {format_money(spent)} spent + this order {format_money(amount)} "
        f"{verb} {format_money(maximum)} ({format_money(remaining)} left)"
    )


def _credit_message(credit: CreditPosition, amount: Money, verb: str, bypass: str) -> str:
    return (
        f"Credit: this order of {format_money(amount)} "
        f"{verb} the available {format_money(credit.available)} "
        f"(limit {format_money(credit.credit_limit)}, owed {format_money(credit.balance)}, "
        f"reserved {format_money(credit.reserved)}){bypass}"
    )
