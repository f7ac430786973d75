"""Approval policies: who must approve what, in which order, and for how long a request lives.

A policy is data (versioned, stored, serialisable):

* **Tiers, evaluated in sequence.** A request collects approvals for its
  first unsatisfied tier; the next tier opens when that one is satisfied,
  and the request is approved when every tier that applies is.
* **Each tier is an AND of ORs.** A tier holds rules
  ([`ApprovalRule`][b2b_customers.approvals.ApprovalRule]); every rule must be met. A rule is met by
  ``count`` approvals from distinct people who each match **any** of its selectors
  (`selectors`). One approval fills one place:
  an admin who is also in the finance group does not meet "an admin AND
  someone from finance" alone.
* **Thresholds select the tiers that apply.** ``at_least`` and ``up_to``
  are both **inclusive**, like purchasing and approver limits: "tier 2 for
  orders from 10,000 EUR on" is ``at_least=Money(10000, "EUR")``, and a tier
  ``up_to=10,000`` and one ``at_least=10,000`` both apply to exactly 10,000.
  They compare the order total as invoiced (rounded half up to the
  currency's minor unit), in the order's currency. Stored policies written
  with the former strict ``above=X`` are read as ``at_least=X`` plus one
  minor unit: the same orders for every total in whole minor units (an
  order of 1,000.004 EUR, which ``above=1000`` caught, is invoiced as
  1,000.00 EUR and now is not).
* **The rule that was crossed.** A tier with ``when_crossed`` (rule kinds
  such as ``"distinct_skus"``, ``"quantity"``, ``"budget"``, or purchasing
  limit ids) applies only when the decision crossed one of them: "the
  category manager approves orders stopped by the restricted catalogue", not
  every order of that size. Without it a tier is chosen by the total alone.
* **Coverage.** [`ApprovalPolicy.check_covers`][b2b_customers.approvals.ApprovalPolicy.check_covers]
  tells whether every order total finds a tier, so a policy can be refused when it is saved
  rather than at a buyer's checkout.
* **Auto-approval.** ``auto_approve`` lists
  `AutoApproval` rules
  (under an amount, for a trusted customer group): an order that needs
  approval and matches one is placed at once, the rule recorded as the
  reason.
* **Validity.** A request expires ``validity`` after it was submitted
  (calendar arithmetic with dateutil's ``relativedelta``: one month after
  31 January is the last day of February).
* **Flags.** ``allow_self_approval`` (off by default) lets a requester
  approve their own request; ``approvers_need_limit`` makes approvers
  without an [`ApproverLimit`][b2b_customers.approvals.ApproverLimit] ineligible
  instead of unlimited; ``parent_units_approve`` (off by default) lets the
  approvers of every company above the requester's (its approval group, else
  its admins and approvers) approve a tier at the requester's company
  directly, as SAP Commerce's units approve their children's orders, instead
  of only once the tier escalates.

**Subsidiaries.** A company's policy with ``covers_subsidiaries`` applies to
its subsidiaries (and theirs) that have no policy of their own, the nearest
such ancestor's first; a subsidiary listed in ``excluded_subsidiaries``
opts out of it, with its own subtree, and follows the next policy up (an
ancestor's further up, else the seller-wide one, else the built-in).

Which policy applies to a company: its own, else the nearest ancestor's that
covers it, else the seller-wide one (``company_id=None``), else the built-in
[`DEFAULT_POLICY`][b2b_customers.approvals.DEFAULT_POLICY] (the standard admin, buyer and
requester rules); see
[`policy_for`][b2b_customers.approvals.ApprovalDirectory.policy_for].
"""

from __future__ import annotations

import typing
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen
from dateutil.relativedelta import relativedelta
from moneyed import Money

from b2b_customers.approvals.auto_approval import (
    AutoApproval,
    auto_approvals_of,
    check_auto_approvals,
)
from b2b_customers.approvals.selectors import ApproverSelector
from b2b_customers.domain.money import (
    format_money,
    minor_unit_exponent,
    money,
    round_to_minor_unit,
)
from b2b_customers.domain.values import (
    aware_datetime,
    flag,
    identifier,
    items_of,
    money_amount,
    optional,
    strip,
    text,
    to_frozenset,
)
from b2b_customers.domain.versioned import Versioned
from b2b_customers.errors import CurrencyMismatch, ValidationError
from b2b_customers.ids import ApprovalPolicyId, CompanyId

if TYPE_CHECKING:
    from collections.abc import Iterable

__all__ = ["MAX_APPROVALS_PER_RULE", "ApprovalPolicy", "ApprovalRule", "ApprovalTier", "Validity"]

MAX_APPROVALS_PER_RULE = 10
"""The most approvals one rule may ask for."""

_MAX_TIERS = 10
_MAX_RULES = 10
_MAX_SELECTORS = 20
_SELECTOR_TYPES: tuple[type, ...] = typing.get_args(ApproverSelector)
_MAXIMA = {"hours": 24 * 3660, "days": 3660, "weeks": 520, "months": 120}


def _unit(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    maximum = _MAXIMA[attribute.name]
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= maximum:
        raise ValidationError(
            f"must be a whole number from 0 to {maximum}, got {value!r}", field=attribute.name
        )


@frozen(kw_only=True)
class Validity:
    """How long a request lives, as calendar units (a serialisable ``relativedelta``).

    Attributes:
        months: Calendar months.
        weeks: Weeks.
        days: Days.
        hours: Hours.
    """

    months: int = field(default=0, validator=_unit)
    weeks: int = field(default=0, validator=_unit)
    days: int = field(default=0, validator=_unit)
    hours: int = field(default=0, validator=_unit)

    def __attrs_post_init__(self) -> None:
        if not (self.months or self.weeks or self.days or self.hours):
            raise ValidationError(
                "a validity must be longer than nothing; give e.g. days=7", field="days"
            )

    @property
    def delta(self) -> relativedelta:
        """The same span as a `dateutil.relativedelta.relativedelta`."""
        return relativedelta(months=self.months, weeks=self.weeks, days=self.days, hours=self.hours)

    def after(self, moment: datetime) -> datetime:
        """Return ``moment`` plus this validity (calendar arithmetic on its wall clock).

        Raises:
            ValidationError: ``moment`` is naive.
        """
        raw: object = moment
        if not isinstance(raw, datetime) or raw.utcoffset() is None:
            raise ValidationError(f"give a timezone-aware datetime, got {moment!r}", field="at")
        result: datetime = moment + self.delta
        return result

    def describe(self) -> str:
        """Say it in words: ``"7 days"``, ``"1 month 2 weeks"``."""
        parts = [
            f"{count} {unit[:-1] if count == 1 else unit}"
            for unit, count in (
                ("months", self.months),
                ("weeks", self.weeks),
                ("days", self.days),
                ("hours", self.hours),
            )
            if count
        ]
        return " ".join(parts)


def _selectors_of(value: Iterable[ApproverSelector]) -> tuple[ApproverSelector, ...]:
    items = items_of(value)
    return cast("tuple[ApproverSelector, ...]", value) if items is None else tuple(items)


def _selectors(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    names = ", ".join(kind.__name__ for kind in _SELECTOR_TYPES)
    if not isinstance(value, tuple) or not 1 <= len(value) <= _MAX_SELECTORS:
        raise ValidationError(
            f"give 1 to {_MAX_SELECTORS} approver selectors ({names}), got {value!r}",
            field=attribute.name,
        )
    for selector in value:
        if not isinstance(selector, _SELECTOR_TYPES):
            raise ValidationError(
                f"{selector!r} is not an approver selector; use one of {names}",
                field=attribute.name,
            )


def _approval_count(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not 1 <= value <= MAX_APPROVALS_PER_RULE
    ):
        raise ValidationError(
            f"must be a whole number from 1 to {MAX_APPROVALS_PER_RULE}, got {value!r}",
            field=attribute.name,
        )


@frozen(kw_only=True)
class ApprovalRule:
    """One requirement of a tier: ``count`` approvals from people matching any of ``any_of``.

    Attributes:
        any_of: The selectors; an approver matching any one of them qualifies.
        count: How many distinct approvers the rule needs (default 1).
    """

    any_of: tuple[ApproverSelector, ...] = field(converter=_selectors_of, validator=_selectors)
    count: int = field(default=1, validator=_approval_count)


def _rules_of(value: Iterable[ApprovalRule]) -> tuple[ApprovalRule, ...]:
    items = items_of(value)
    return cast("tuple[ApprovalRule, ...]", value) if items is None else tuple(items)


def _rules(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if (
        not isinstance(value, tuple)
        or not 1 <= len(value) <= _MAX_RULES
        or not all(isinstance(rule, ApprovalRule) for rule in value)
    ):
        raise ValidationError(
            f"a tier needs 1 to {_MAX_RULES} ApprovalRule items (all of them must be met), "
            f"got {value!r}",
            field=attribute.name,
        )


def _names_of(value: Iterable[str]) -> frozenset[str]:
    return to_frozenset(value)


def _rule_names(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, frozenset):
        raise ValidationError(
            "must be a collection of rule kinds or limit ids such as {'budget'}",
            field=attribute.name,
        )
    for name in value:
        identifier(instance, attribute, name)


@frozen(kw_only=True)
class ApprovalTier:
    """One step of a policy: every rule must be met before the next tier opens.

    Attributes:
        name: The tier's name, shown to approvers (``"Team lead"``, ``"Finance"``).
        all_of: The rules; all must be met.
        at_least: The tier applies only to orders totalling **at least** this
            (inclusive).
        up_to: The tier applies only to orders totalling **at most** this
            (inclusive).
        when_crossed: Rule kinds (``"budget"``, ``"distinct_skus"``, ...) or
            purchasing limit ids; when given, the tier applies only when the
            decision crossed one of them (empty: always, by the total).
    """

    name: str = field(converter=strip, validator=text(max_length=100))
    all_of: tuple[ApprovalRule, ...] = field(converter=_rules_of, validator=_rules)
    at_least: Money | None = field(
        default=None, validator=optional(money_amount(non_negative=True))
    )
    up_to: Money | None = field(default=None, validator=optional(money_amount(non_negative=True)))
    when_crossed: frozenset[str] = field(
        factory=frozenset, converter=_names_of, validator=_rule_names
    )

    def __attrs_post_init__(self) -> None:
        if self.at_least is not None and self.up_to is not None:
            if self.at_least.currency != self.up_to.currency:
                raise CurrencyMismatch(
                    f"tier {self.name!r}: at_least is in {self.at_least.currency.code} and up_to "
                    f"in {self.up_to.currency.code}; give both in one currency"
                )
            if self.up_to.amount < self.at_least.amount:
                raise ValidationError(
                    f"tier {self.name!r} applies to orders of at least {self.at_least.amount} "
                    f"and up to {self.up_to.amount}: no order is both; make up_to at least as "
                    "large as at_least",
                    field="up_to",
                )

    @property
    def required_approvals(self) -> int:
        """How many distinct approvers the tier needs (the rules' counts added up)."""
        return sum(rule.count for rule in self.all_of)

    def applies_to(self, total: Money, crossed: frozenset[str] | None = None) -> bool:
        """Tell whether the tier applies to an order of ``total``.

        Args:
            total: The order total.
            crossed: The rule kinds and limit ids the decision crossed
                (``None``: unknown, so ``when_crossed`` is not checked).

        Raises:
            CurrencyMismatch: A threshold is in another currency than ``total``.
        """
        for name, threshold in self._thresholds():
            if threshold is not None and threshold.currency != total.currency:
                raise CurrencyMismatch(
                    f"tier {self.name!r}: {name} is in {threshold.currency.code} but the order "
                    f"is in {total.currency.code}; give the policy's thresholds in the order's "
                    "currency"
                )
        if self.when_crossed and crossed is not None and not self.when_crossed & crossed:
            return False
        invoiced = round_to_minor_unit(total).amount
        if self.at_least is not None and invoiced < self.at_least.amount:
            return False
        return self.up_to is None or invoiced <= self.up_to.amount

    def _thresholds(self) -> tuple[tuple[str, Money | None], ...]:
        return (("at_least", self.at_least), ("up_to", self.up_to))


def _gap(policy: ApprovalPolicy, start: Money, end: Money | None) -> ValidationError:
    until = f"up to below {format_money(end)}" if end is not None else "and above"
    return ValidationError(
        f"no tier of policy {policy.id!r} applies to orders of {format_money(start)} {until}; "
        "add a tier without thresholds, or stretch the thresholds so the tiers leave no gap",
        field="tiers",
    )


def _tiers_of(value: Iterable[ApprovalTier]) -> tuple[ApprovalTier, ...]:
    items = items_of(value)
    return cast("tuple[ApprovalTier, ...]", value) if items is None else tuple(items)


def _tiers(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if (
        not isinstance(value, tuple)
        or not 1 <= len(value) <= _MAX_TIERS
        or not all(isinstance(tier, ApprovalTier) for tier in value)
    ):
        raise ValidationError(
            f"a policy needs 1 to {_MAX_TIERS} ApprovalTier items, got {value!r}",
            field=attribute.name,
        )


def _seven_days() -> Validity:
    return Validity(days=7)


@frozen(kw_only=True)
class ApprovalPolicy(Versioned):
    """Who must approve an order of a company, in which tiers, and how long a request lives.

    Attributes:
        id: The policy's id.
        name: A name shown in explanations.
        tiers: The tiers, evaluated in sequence.
        company_id: The company the policy is for; ``None`` for the seller-wide
            policy of companies without one.
        validity: How long a request lives after submission (default 7 days).
        allow_self_approval: Let a requester approve their own request (off by
            default: segregation of duties).
        approvers_need_limit: Approvers without an approver limit may not
            approve (by default they are unlimited).
        parent_units_approve: The approvers of the companies above the
            requester's approve its requests directly, not only after an
            escalation (off by default).
        effective_from: When the policy took effect, for the audit (optional).
        auto_approve: Rules that place an order needing approval at once (the
            first that matches is recorded as the reason).
        covers_subsidiaries: The policy applies to the company's subsidiaries
            without a policy of their own, too (off by default).
        excluded_subsidiaries: Subsidiaries that opt out of it (with their
            own subsidiaries).
    """

    id: ApprovalPolicyId = field(converter=ApprovalPolicyId, validator=identifier)
    name: str = field(converter=strip, validator=text())
    tiers: tuple[ApprovalTier, ...] = field(converter=_tiers_of, validator=_tiers)
    company_id: CompanyId | None = field(
        default=None, converter=attrs.converters.optional(CompanyId), validator=optional(identifier)
    )
    validity: Validity = field(factory=_seven_days)
    allow_self_approval: bool = field(default=False, validator=flag)
    approvers_need_limit: bool = field(default=False, validator=flag)
    parent_units_approve: bool = field(default=False, validator=flag)
    effective_from: datetime | None = field(default=None, validator=optional(aware_datetime))
    auto_approve: tuple[AutoApproval, ...] = field(
        factory=tuple, converter=auto_approvals_of, validator=check_auto_approvals
    )
    covers_subsidiaries: bool = field(default=False, validator=flag)
    excluded_subsidiaries: frozenset[CompanyId] = field(
        factory=frozenset, converter=_names_of, validator=_rule_names
    )

    def __attrs_post_init__(self) -> None:
        if not isinstance(self.validity, Validity):
            raise ValidationError(
                f"must be a Validity such as Validity(days=7), got {self.validity!r}",
                field="validity",
            )
        if self.excluded_subsidiaries and (self.company_id is None or not self.covers_subsidiaries):
            raise ValidationError(
                "only a company's policy that covers its subsidiaries has subsidiaries to "
                "exclude; set covers_subsidiaries=True, or leave excluded_subsidiaries empty",
                field="excluded_subsidiaries",
            )
        if self.company_id is not None and self.company_id in self.excluded_subsidiaries:
            raise ValidationError(
                f"policy {self.id!r} is {self.company_id!r}'s own; a company cannot opt out of "
                "its own policy (remove the policy instead)",
                field="excluded_subsidiaries",
            )

    def covers(self, path: list[CompanyId]) -> bool:
        """Tell whether the policy applies, as an ancestor's, to the company at the end of ``path``.

        Args:
            path: The companies from the policy's company down to the one
                asking (excluded), nearest to the policy's company first: the
                subsidiary and the ones between.
        """
        return self.covers_subsidiaries and not self.excluded_subsidiaries.intersection(path)

    def applicable_tiers(
        self, total: Money, crossed: frozenset[str] | None = None
    ) -> tuple[int, ...]:
        """Return the positions of the tiers that apply to an order of ``total``.

        Args:
            total: The order total.
            crossed: The rule kinds and limit ids the decision crossed
                (``None``: ``when_crossed`` is not checked).

        Raises:
            CurrencyMismatch: A threshold is in another currency than ``total``.
        """
        return tuple(
            index for index, tier in enumerate(self.tiers) if tier.applies_to(total, crossed)
        )

    def auto_approval_for(self, total: Money, group_ids: frozenset[str]) -> AutoApproval | None:
        """Return the first auto-approval rule that lets an order of ``total`` through, if any.

        Args:
            total: The order total.
            group_ids: The customer groups of the buyer.

        Raises:
            CurrencyMismatch: A rule's ``up_to`` is in another currency than ``total``.
        """
        return next((rule for rule in self.auto_approve if rule.matches(total, group_ids)), None)

    def check_covers(self, currency: str) -> None:
        """Refuse a policy under which an order in ``currency`` could find no tier.

        Every threshold must be in ``currency``, and the ranges of the tiers
        that apply whatever rule was crossed (no ``when_crossed``) must
        together cover every invoiced total from zero up, without a gap.
        Saving a policy runs this, so a buyer never meets "no tier applies".

        Raises:
            CurrencyMismatch: A threshold is in another currency.
            ValidationError: Some totals find no tier (the message names the
                first gap and how to close it).
        """
        code = money(0, currency).currency.code
        for rule in self.auto_approve:
            rule.check_currency(code)
        for tier in self.tiers:
            for name, threshold in tier._thresholds():  # noqa: SLF001  (the same class's helper)
                if threshold is not None and threshold.currency.code != code:
                    raise CurrencyMismatch(
                        f"tier {tier.name!r}: {name} is in {threshold.currency.code}, but the "
                        f"policy is for orders in {code}; give its thresholds in {code}"
                    )
        step = Decimal(1).scaleb(-minor_unit_exponent(code))
        covered = -step  # every invoiced total up to here finds a tier
        ranges = sorted(
            (
                tier.at_least.amount if tier.at_least is not None else Decimal(0),
                tier.up_to.amount if tier.up_to is not None else None,
            )
            for tier in self.tiers
            if not tier.when_crossed
        )
        for low, high in ranges:
            first_uncovered = (covered // step + 1) * step
            if first_uncovered < low:
                raise _gap(self, money(first_uncovered, code), money(low, code))
            if high is None:
                return
            covered = max(covered, high)
        raise _gap(self, money((covered // step + 1) * step, code), None)
