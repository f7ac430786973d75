"""Hypothesis strategies for every entity and value object, and for hostile input.

The entity strategies produce only valid values. The hostile ones at the end
([`hostile_values`][b2b_customers.testing.strategies.hostile_values] and its parts) produce what a
careless or hostile caller might pass instead: lone surrogates, NUL, very long and right-to-left
text, wrong types, naive datetimes, NaN, infinite and huge decimals.

Use them to property-test code built on the library::

    from hypothesis import given
    from b2b_customers.testing import strategies as st_b2b

    @given(st_b2b.companies())
    def test_my_export_keeps_every_company(company): ...

Every strategy takes keyword arguments to pin a field (``companies(id=...)``,
``locations(company_id=...)``), so related entities can be built together.
"""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from moneyed import Money

from b2b_customers.approvals import (
    ActorKind,
    ApprovalAction,
    ApprovalDirectory,
    ApprovalGroup,
    ApprovalPolicy,
    ApprovalRequest,
    ApprovalRule,
    ApprovalStatus,
    ApprovalTier,
    ApproverLimit,
    ApproverSelector,
    AuditEntry,
    AutoApproval,
    CompanyApprovers,
    CustomerApprover,
    DecisionApprovers,
    GroupApprover,
    ManagerApprover,
    RoleApprover,
    SellerApprover,
    SellerApprovers,
    StandardApprovers,
    TierProgress,
    Validity,
    Verdict,
    default_policy,
    eligible_approvers,
)
from b2b_customers.credit.account import CreditAccount, CreditBypass, CreditControl, CreditHold
from b2b_customers.credit.aging import Allocation
from b2b_customers.credit.due_dates import (
    AddDays,
    AddMonths,
    DayOfFollowingMonth,
    DayOfMonth,
    DaysAfterInvoice,
    DaysAfterMonthEnd,
    DueDateRule,
    DueDateSteps,
    EndOfMonth,
    MonthsAfterMonthEnd,
    NextWeekday,
)
from b2b_customers.credit.ledger import EntryKind, LedgerEntry
from b2b_customers.credit.payment_terms import (
    DUE_ON_RECEIPT,
    END_OF_MONTH_30,
    NET_7,
    NET_15,
    NET_30,
    NET_45,
    NET_60,
    NET_90,
    TWO_PART_30_60,
    BalancePortion,
    EarlyPaymentDiscount,
    FixedPortion,
    InstalmentTerm,
    PaymentTerms,
    PercentPortion,
    Portion,
    net,
)
from b2b_customers.domain import (
    Address,
    AuditLogEntry,
    Company,
    CompanyStatus,
    ContactAssignment,
    ContactType,
    Customer,
    CustomerGroup,
    CustomerStatus,
    CustomerType,
    DomainEvent,
    GroupKind,
    LegalInfo,
    Location,
    LocationType,
    Membership,
    NotificationEvent,
    Role,
    SalesTax,
    SalesTaxType,
    Weekday,
)
from b2b_customers.domain.countries import ISO_3166_ALPHA_2
from b2b_customers.domain.membership import DUTY_ROLES, PURCHASING_ROLES
from b2b_customers.domain.order import OrderDraft, OrderLine, OrderRecord, OrderStatus, ResourceType
from b2b_customers.ids import (
    ApprovalPolicyId,
    ApprovalRequestId,
    ApproverLimitId,
    CompanyId,
    CustomerId,
    OrderId,
)
from b2b_customers.limits.decision import Decision, Outcome, RuleResult
from b2b_customers.limits.decision_record import DecisionRecord
from b2b_customers.limits.engine import CreditPosition
from b2b_customers.limits.periods import (
    CalendarPeriod,
    CalendarUnit,
    LifetimePeriod,
    Period,
    RecurrencePeriod,
    RollingPeriod,
    window_of,
)
from b2b_customers.limits.readings import Conversion, SpendReading
from b2b_customers.limits.rules import (
    BudgetLimit,
    DistinctSkuLimit,
    FlaggedItems,
    LimitRule,
    LimitScope,
    OnExceed,
    OrderTotalLimit,
    PoNumberRequired,
    PurchasingLimit,
    QuantityLimit,
    RestrictedCatalog,
    ScopeKind,
)
from b2b_customers.limits.spend import SpendKey

__all__ = [
    "CURRENCIES",
    "HOSTILE_DECIMALS",
    "HOSTILE_TEXTS",
    "TIME_ZONES",
    "addresses",
    "approval_groups",
    "approval_policies",
    "approval_requests",
    "approval_rules",
    "approval_tiers",
    "approver_limits",
    "approver_selectors",
    "audit_entries",
    "audit_log_entries",
    "auto_approvals",
    "aware_datetimes",
    "companies",
    "company_ids",
    "contact_assignments",
    "countries",
    "credit_accounts",
    "credit_positions",
    "currencies",
    "custom_fields",
    "customer_groups",
    "customers",
    "decision_records",
    "decisions",
    "domain_events",
    "emails",
    "extreme_datetimes",
    "hostile_decimals",
    "hostile_money",
    "hostile_texts",
    "hostile_values",
    "ids",
    "ledger_entries",
    "legal_infos",
    "limit_rules",
    "limit_scopes",
    "locations",
    "memberships",
    "money",
    "naive_datetimes",
    "names",
    "order_drafts",
    "order_lines",
    "order_records",
    "payment_terms",
    "periods",
    "phone_numbers",
    "purchasing_limits",
    "role_sets",
    "rule_results",
    "sales_taxes",
    "seller_approvers",
    "spend_readings",
    "tags",
    "tier_progress",
    "time_zones",
    "validities",
    "verdicts",
    "wrong_types",
]

CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "SEK", "PLN", "BHD")
"""Currencies drawn by default: with 0, 2 and 3 minor-unit digits."""

TIME_ZONES = (
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Asia/Kolkata",
)
"""Time zones drawn by default: both hemispheres, half-hour offsets, with and without DST."""

_ID_ALPHABET = string.ascii_lowercase + string.digits + "-_"
_TEXT = st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="\x00")


def ids() -> st.SearchStrategy[str]:
    """Opaque ids: 1 to 32 characters of letters, digits, ``-`` and ``_``."""
    return st.text(_ID_ALPHABET, min_size=1, max_size=32)


def company_ids() -> st.SearchStrategy[Any]:
    """Company ids (plain strings at run time)."""
    return ids()


def names(max_size: int = 60) -> st.SearchStrategy[str]:
    """Non-blank names without surrounding white space (as entities store them)."""
    return st.text(_TEXT, min_size=1, max_size=max_size).map(str.strip).filter(bool)


def tags() -> st.SearchStrategy[frozenset[str]]:
    """Small sets of tags."""
    return st.frozensets(names(max_size=20), max_size=4)


def custom_fields() -> st.SearchStrategy[dict[str, str | int | bool]]:
    """Custom fields: short keys to text, whole numbers or flags."""
    values = st.one_of(names(max_size=20), st.integers(-(10**12), 10**12), st.booleans())
    return st.dictionaries(names(max_size=16), values, max_size=4)


def currencies() -> st.SearchStrategy[str]:
    """ISO 4217 codes from [`CURRENCIES`][b2b_customers.testing.strategies.CURRENCIES]."""
    return st.sampled_from(CURRENCIES)


def time_zones() -> st.SearchStrategy[str]:
    """IANA time zone names from [`TIME_ZONES`][b2b_customers.testing.strategies.TIME_ZONES]."""
    return st.sampled_from(TIME_ZONES)


def countries() -> st.SearchStrategy[str]:
    """ISO 3166-1 alpha-2 country codes."""
    return st.sampled_from(sorted(ISO_3166_ALPHA_2))


def money(
    currency: str | None = None,
    *,
    min_value: Decimal = Decimal(-1000000),
    max_value: Decimal = Decimal(1000000),
    places: int = 2,
) -> st.SearchStrategy[Money]:
    """Amounts with ``places`` decimal places, in ``currency`` or a drawn one."""
    codes = st.just(currency) if currency is not None else currencies()
    amounts = st.decimals(
        min_value=min_value,
        max_value=max_value,
        places=places,
        allow_nan=False,
        allow_infinity=False,
    )
    return st.builds(Money, amounts, codes)


def aware_datetimes() -> st.SearchStrategy[datetime]:
    """Timezone-aware datetimes between 2000 and 2100, at whole microseconds, in fixed offsets."""
    offsets = st.integers(-14 * 60, 14 * 60).map(
        lambda minutes: timezone(timedelta(minutes=minutes))
    )
    # Hypothesis takes naive bounds and attaches the drawn zone.
    return st.datetimes(
        min_value=datetime(2000, 1, 2),  # noqa: DTZ001
        max_value=datetime(2099, 12, 30),  # noqa: DTZ001
        timezones=st.one_of(st.just(UTC), offsets),
    )


def emails() -> st.SearchStrategy[str]:
    """Valid, normalised (lower-case) email addresses."""
    local = st.text(string.ascii_lowercase + string.digits + "._+-", min_size=1, max_size=20)
    label = st.text(string.ascii_lowercase + string.digits, min_size=1, max_size=12)
    return st.builds(
        lambda a, b, c: f"{a}@{b}.{c}", local, label, st.sampled_from(["com", "de", "example"])
    )


def phone_numbers() -> st.SearchStrategy[str]:
    """Phone numbers such as ``+49 30 1234567``."""
    return st.builds(
        lambda country, number: f"+{country} {number}",
        st.integers(1, 999),
        st.integers(10_000, 999_999_999_999),
    )


def sales_taxes() -> st.SearchStrategy[SalesTax]:
    """Sales tax set-ups: taxable with exemptions, or a non-taxable type."""
    codes = st.frozensets(st.text(string.ascii_uppercase, min_size=2, max_size=5), max_size=3)
    taxable = st.builds(SalesTax, type=st.just(SalesTaxType.TAXABLE), exemption_jurisdictions=codes)
    exempt = st.builds(
        SalesTax, type=st.sampled_from([t for t in SalesTaxType if t is not SalesTaxType.TAXABLE])
    )
    return st.one_of(taxable, exempt)


def legal_infos() -> st.SearchStrategy[LegalInfo]:
    """Registration details, each optional part present or not."""
    maybe_code = st.none() | names(max_size=30)
    return st.builds(
        LegalInfo,
        legal_name=names(),
        registration_date=st.none()
        | st.dates(min_value=date(1850, 1, 1), max_value=date(2100, 1, 1)),
        registration_agency=st.none() | names(),
        country=st.none() | countries(),
        registration_id=maybe_code,
        tax_registration_number=maybe_code,
    )


def _stamps() -> dict[str, st.SearchStrategy[Any]]:
    return {
        "version": st.integers(0, 10_000),
        "created_at": st.none() | aware_datetimes(),
        "updated_at": st.none() | aware_datetimes(),
    }


def _with_stamps(
    builder: Any,  # noqa: ANN401  (an entity class)
    fields: dict[str, st.SearchStrategy[Any]],
    pinned: dict[str, Any],
    *,
    no_self_reference: tuple[str, ...] = (),
) -> st.SearchStrategy[Any]:
    drawn = {**_stamps(), **fields, **{key: st.just(value) for key, value in pinned.items()}}
    arguments = st.fixed_dictionaries(drawn).filter(
        lambda kwargs: all(kwargs[name] != kwargs["id"] for name in no_self_reference)
    )
    return arguments.map(lambda kwargs: builder(**kwargs))


def companies(**pinned: Any) -> st.SearchStrategy[Company]:  # noqa: ANN401
    """Valid companies; pin any field by keyword (``companies(parent_id=None)``)."""
    return _with_stamps(
        Company,
        {
            "id": ids(),
            "name": names(),
            "currency": currencies(),
            "time_zone": time_zones(),
            "parent_id": st.none() | ids(),
            "status": st.sampled_from(CompanyStatus),
            "customer_type": st.sampled_from(CustomerType),
            "account_number": st.none() | ids(),
            "legal_info": st.none() | legal_infos(),
            "sales_tax": sales_taxes(),
            "default_store": st.none() | ids(),
            "bill_to_id": st.none() | ids(),
            "master_id": st.none() | ids(),
            "term_customer": st.booleans(),
            "allow_store_pickup": st.booleans(),
            "allow_cash_on_delivery": st.booleans(),
            "allow_payments_on_account": st.booleans(),
            "test_record": st.booleans(),
            "forecast_code": st.none() | ids(),
            "week_starts_on": st.sampled_from(Weekday),
            "specific_products": tags(),
            "tags": tags(),
            "custom_fields": custom_fields(),
        },
        pinned,
        no_self_reference=("parent_id", "bill_to_id", "master_id"),
    )


def addresses() -> st.SearchStrategy[Address]:
    """Postal addresses with one to four lines."""
    return st.builds(
        Address,
        lines=st.lists(names(), min_size=1, max_size=4).map(tuple),
        city=names(),
        country=countries(),
        postcode=st.none()
        | st.text(string.ascii_uppercase + string.digits, min_size=3, max_size=10),
        region=st.none() | names(max_size=20),
    )


def locations(**pinned: Any) -> st.SearchStrategy[Location]:  # noqa: ANN401
    """Valid locations; pin ``company_id`` to build a company's address book."""
    return _with_stamps(
        Location,
        {
            "id": ids(),
            "company_id": ids(),
            "name": names(),
            "type": st.sampled_from(LocationType),
            "address": addresses(),
            "emails": st.lists(emails(), max_size=3, unique=True).map(tuple),
            "phones": st.lists(phone_numbers(), max_size=3, unique=True).map(tuple),
            "is_primary": st.booleans(),
            "is_default_billing": st.booleans(),
            "is_default_shipping": st.booleans(),
            "sales_tax": st.none() | sales_taxes(),
            "tags": tags(),
            "custom_fields": custom_fields(),
        },
        pinned,
    )


def role_sets() -> st.SearchStrategy[frozenset[Role]]:
    """Role sets that obey the role rule: at most one purchasing role, at least one role."""
    purchasing = st.none() | st.sampled_from(sorted(PURCHASING_ROLES))
    duties = st.frozensets(st.sampled_from(sorted(DUTY_ROLES)))
    return (
        st.tuples(purchasing, duties)
        .map(lambda pair: pair[1] | ({pair[0]} if pair[0] else set()))
        .filter(bool)
    )


def memberships(**pinned: Any) -> st.SearchStrategy[Membership]:  # noqa: ANN401
    """Valid memberships, in every standing (invited, active, inactive)."""
    fields: dict[str, st.SearchStrategy[Any]] = {
        "company_id": ids(),
        "roles": role_sets(),
        "status": st.sampled_from(CustomerStatus),
    }
    fields.update({key: st.just(value) for key, value in pinned.items()})
    return st.fixed_dictionaries(fields).map(lambda kwargs: Membership(**kwargs))


def customers(**pinned: Any) -> st.SearchStrategy[Customer]:  # noqa: ANN401
    """Valid customers with zero to three memberships."""
    member_of = st.lists(memberships(), max_size=3, unique_by=lambda item: item.company_id)
    return _with_stamps(
        Customer,
        {
            "id": ids(),
            "email": emails(),
            "first_name": names(max_size=30),
            "last_name": names(max_size=30),
            "status": st.sampled_from(CustomerStatus),
            "phones": st.lists(phone_numbers(), max_size=2).map(tuple),
            "title": st.none() | names(),
            "preferred_language": st.none() | st.sampled_from(["de-DE", "en", "fr-CH", "ja"]),
            "manager_id": st.none() | ids(),
            "memberships": member_of.map(tuple),
            "tags": tags(),
            "custom_fields": custom_fields(),
        },
        pinned,
        no_self_reference=("manager_id",),
    )


def contact_assignments(**pinned: Any) -> st.SearchStrategy[ContactAssignment]:  # noqa: ANN401
    """Valid contact assignments."""
    return _with_stamps(
        ContactAssignment,
        {
            "id": ids(),
            "company_id": ids(),
            "customer_id": ids(),
            "type": st.sampled_from(ContactType),
            "is_primary": st.booleans(),
            "subscriptions": st.frozensets(st.sampled_from(NotificationEvent)),
        },
        pinned,
    )


def customer_groups(**pinned: Any) -> st.SearchStrategy[CustomerGroup]:  # noqa: ANN401
    """Valid customer groups, automatic (per company) or custom."""
    kind = pinned.pop("kind", None)
    kinds = st.just(GroupKind(kind)) if kind is not None else st.sampled_from(GroupKind)

    def build(chosen: GroupKind) -> st.SearchStrategy[CustomerGroup]:
        company = ids() if chosen is GroupKind.COMPANY else st.none()
        return _with_stamps(
            CustomerGroup,
            {
                "id": ids(),
                "name": names(),
                "kind": st.just(chosen),
                "company_id": company,
                "member_ids": st.frozensets(ids(), max_size=5),
            },
            pinned,
        )

    return kinds.flatmap(build)


def domain_events(**pinned: Any) -> st.SearchStrategy[DomainEvent]:  # noqa: ANN401
    """Valid domain events with JSON-ready payloads."""
    names_ = st.sampled_from(
        [
            "company.created",
            "company.updated",
            "customer.created",
            "contact.assigned",
            "credit.hold_placed",
            "approval.approved",
        ]
    )
    fields: dict[str, st.SearchStrategy[Any]] = {
        "id": ids(),
        "name": names_,
        "aggregate_type": st.sampled_from(["company", "customer", "approval"]),
        "aggregate_id": ids(),
        "occurred_at": aware_datetimes(),
        "company_id": st.none() | ids(),
        "actor": st.none() | ids(),
        "payload": _json_objects(),
    }
    fields.update({key: st.just(value) for key, value in pinned.items()})
    return st.fixed_dictionaries(fields).map(lambda kwargs: DomainEvent(**kwargs))


def _json_objects() -> st.SearchStrategy[dict[str, Any]]:
    """JSON-ready objects: text keys, nested lists and objects of plain values."""
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers(-(10**9), 10**9) | names(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(names(max_size=8), inner, max_size=3)
        ),
        max_leaves=8,
    )
    return st.dictionaries(names(max_size=10), json_values, max_size=4)


def audit_log_entries(**pinned: Any) -> st.SearchStrategy[AuditLogEntry]:  # noqa: ANN401
    """Valid audit log entries: creations, changes and removals, by customers, staff or the system.

    Args:
        **pinned: Fields to hold at a value (``company_id="acme"``).
    """

    @st.composite
    def build(draw: st.DrawFn) -> AuditLogEntry:
        aggregate_type = draw(st.sampled_from(["company", "customer", "location", "contact"]))
        kind = draw(st.sampled_from(ActorKind))
        shape = draw(st.sampled_from(["created", "updated", "removed"]))
        fields: dict[str, Any] = {
            "id": draw(ids()),
            "occurred_at": draw(aware_datetimes()),
            "actor_kind": kind,
            "actor_id": None if kind is ActorKind.SYSTEM else draw(ids()),
            "action": f"{aggregate_type}.{shape}",
            "aggregate_type": aggregate_type,
            "aggregate_id": draw(ids()),
            "company_id": draw(st.none() | ids()),
            "before": None if shape == "created" else draw(_json_objects()),
            "after": None if shape == "removed" else draw(_json_objects()),
        }
        fields.update(pinned)
        return AuditLogEntry(**fields)

    return build()


# -- orders, limits, credit and decisions


def order_lines(currency: str = "EUR") -> st.SearchStrategy[OrderLine]:
    """Order lines in ``currency``."""
    return st.builds(
        OrderLine,
        sku=st.text(string.ascii_uppercase + string.digits + "-", min_size=1, max_size=12),
        quantity=st.integers(1, 1000),
        unit_price=money(currency, min_value=Decimal(0), max_value=Decimal(100_000)),
        category=st.none() | st.sampled_from(["tools", "power-tools", "safety", "paper"]),
    )


def order_drafts(**pinned: Any) -> st.SearchStrategy[OrderDraft]:  # noqa: ANN401
    """Orders to check, all lines in one drawn currency."""

    def build(currency: str) -> st.SearchStrategy[OrderDraft]:
        fields: dict[str, st.SearchStrategy[Any]] = {
            "company_id": ids(),
            "buyer_id": ids(),
            "lines": st.lists(order_lines(currency), min_size=1, max_size=5).map(tuple),
            "location_id": st.none() | ids(),
            "po_number": st.none() | ids(),
            "resource_type": st.sampled_from(ResourceType),
            "resource_id": st.none() | ids(),
        }
        fields.update({key: st.just(value) for key, value in pinned.items()})
        return st.fixed_dictionaries(fields).map(lambda kwargs: OrderDraft(**kwargs))

    return currencies().flatmap(build)


def order_records(**pinned: Any) -> st.SearchStrategy[OrderRecord]:  # noqa: ANN401
    """Orders in the history."""
    fields: dict[str, st.SearchStrategy[Any]] = {
        "id": ids(),
        "company_id": ids(),
        "buyer_id": ids(),
        "total": money(min_value=Decimal(0)),
        "placed_at": aware_datetimes(),
        "status": st.sampled_from(OrderStatus),
        "location_id": st.none() | ids(),
        "po_number": st.none() | ids(),
    }
    fields.update({key: st.just(value) for key, value in pinned.items()})
    return st.fixed_dictionaries(fields).map(lambda kwargs: OrderRecord(**kwargs))


def periods() -> st.SearchStrategy[Period]:
    """Budget periods: calendar, rolling, recurring and lifetime."""
    return st.one_of(
        st.builds(CalendarPeriod, unit=st.sampled_from(CalendarUnit)),
        st.just(LifetimePeriod()),
        st.builds(RollingPeriod, days=st.integers(1, 400)),
        st.builds(
            RecurrencePeriod,
            rule=st.sampled_from(
                ["FREQ=WEEKLY;INTERVAL=2;BYDAY=MO", "FREQ=MONTHLY;BYMONTHDAY=15", "FREQ=DAILY"]
            ),
            anchor=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 1, 1)),
        ),
    )


def limit_scopes() -> st.SearchStrategy[LimitScope]:
    """Scopes of every kind."""
    company = st.builds(
        LimitScope, kind=st.just(ScopeKind.COMPANY), company_id=ids(), include_subtree=st.booleans()
    )
    role = st.builds(
        LimitScope,
        kind=st.just(ScopeKind.ROLE),
        company_id=ids(),
        target=st.sampled_from([role.value for role in Role]),
    )
    other = st.builds(
        LimitScope,
        kind=st.sampled_from([ScopeKind.LOCATION, ScopeKind.CUSTOMER, ScopeKind.GROUP]),
        company_id=ids(),
        target=ids(),
    )
    return st.one_of(company, role, other)


def limit_rules(currency: str | None = None) -> st.SearchStrategy[LimitRule]:
    """Rules of every kind; money rules in ``currency`` or a drawn one."""
    amounts = money(currency, min_value=Decimal(0))
    counts = st.integers(0, 1000)
    return st.one_of(
        st.builds(OrderTotalLimit, maximum=amounts),
        st.builds(BudgetLimit, maximum=amounts, period=periods()),
        st.builds(QuantityLimit, max_quantity=counts),
        st.builds(DistinctSkuLimit, max_skus=counts),
        st.builds(FlaggedItems, skus=st.frozensets(ids(), min_size=1, max_size=3)),
        st.builds(PoNumberRequired, above=amounts),
        st.builds(RestrictedCatalog, note=st.none() | names()),
    )


def purchasing_limits(**pinned: Any) -> st.SearchStrategy[PurchasingLimit]:  # noqa: ANN401
    """Purchasing limits of every scope and rule."""
    return _with_stamps(
        PurchasingLimit,
        {
            "id": ids(),
            "scope": limit_scopes(),
            "rule": limit_rules(),
            "on_exceed": st.sampled_from(OnExceed),
            "name": st.none() | names(),
            "active": st.booleans(),
            "exempt_roles": st.none() | st.frozensets(st.sampled_from(Role), max_size=3),
        },
        pinned,
    )


def credit_accounts(**pinned: Any) -> st.SearchStrategy[CreditAccount]:  # noqa: ANN401
    """Credit accounts, their totals included (``reserved`` as a store would have summed it)."""

    def build(currency: str) -> st.SearchStrategy[CreditAccount]:
        hold = st.none() | st.builds(
            CreditHold, reason=names(), placed_at=aware_datetimes(), automatic=st.booleans()
        )
        bypass = st.builds(
            CreditBypass,
            customer_id=ids(),
            granted_by=ids(),
            granted_at=aware_datetimes(),
            reason=names(),
        )

        def assemble(values: dict[str, Any]) -> CreditAccount:
            return CreditAccount(**values)

        fields: dict[str, st.SearchStrategy[Any]] = {
            **_stamps(),
            "id": ids(),
            "company_id": ids(),
            "currency": st.just(currency),
            "credit_limit": money(currency, min_value=Decimal(0)),
            "balance": money(currency),
            "reserved": money(currency, min_value=Decimal(0)),
            "hold": hold,
            "auto_hold_after_days": st.none() | st.integers(0, 365),
            "auto_hold_overdue_amount": st.none() | money(currency, min_value=Decimal(0)),
            "payment_terms": st.sampled_from(["NET_30", "NET_60", "DUE_ON_RECEIPT"]),
            "credit_control": st.sampled_from(CreditControl),
            "check_credit_on_invoice": st.booleans(),
            "bypasses": st.lists(bypass, max_size=3, unique_by=lambda b: b.customer_id),
            "last_sequence": st.integers(0, 10_000),
        }
        fields.update({key: st.just(value) for key, value in pinned.items()})
        return st.fixed_dictionaries(fields).map(assemble)

    return currencies().flatmap(build)


def _maybe_allocated(kwargs: dict[str, Any]) -> st.SearchStrategy[LedgerEntry]:
    """A payment as drawn, or allocated in full to one instalment of an invoice."""
    plain = st.just(LedgerEntry(**kwargs))
    allocated = ids().map(
        lambda invoice: LedgerEntry(
            **kwargs,
            allocations=(Allocation(invoice_id=invoice, instalment=1, amount=kwargs["amount"]),),
        )
    )
    return plain | allocated


def ledger_entries(**pinned: Any) -> st.SearchStrategy[LedgerEntry]:  # noqa: ANN401
    """Ledger entries of every kind (adjustments with a reason)."""

    def build(kind: EntryKind) -> st.SearchStrategy[LedgerEntry]:
        low = Decimal(-10_000) if kind is EntryKind.ADJUSTMENT else Decimal("0.01")
        fields: dict[str, st.SearchStrategy[Any]] = {
            "id": ids(),
            "account_id": ids(),
            "sequence": st.integers(1, 10**6),
            "kind": st.just(kind),
            "amount": money("EUR", min_value=low, max_value=Decimal(10_000)).filter(
                lambda amount: amount.amount != 0
            ),
            "occurred_at": aware_datetimes(),
            "reference": ids()
            if kind in {EntryKind.RESERVATION, EntryKind.RELEASE}
            else st.none() | ids(),
            "reason": names() if kind is EntryKind.ADJUSTMENT else st.none() | names(),
            "actor": st.none() | ids(),
        }
        fields.update({key: st.just(value) for key, value in pinned.items()})
        if kind in {EntryKind.DISCOUNT, EntryKind.ALLOCATION}:
            # These are allocated in full: one instalment takes the whole amount.
            return st.fixed_dictionaries(fields).flatmap(
                lambda kwargs: ids().map(
                    lambda invoice: LedgerEntry(
                        **kwargs,
                        allocations=(
                            Allocation(invoice_id=invoice, instalment=1, amount=kwargs["amount"]),
                        ),
                    )
                )
            )
        if kind is EntryKind.PAYMENT:
            # A payment may carry its date, go to one instalment and keep the rest on account.
            return st.fixed_dictionaries(
                fields, optional={"paid_on": st.dates(), "on_account": st.booleans()}
            ).flatmap(_maybe_allocated)
        return st.fixed_dictionaries(fields).map(lambda kwargs: LedgerEntry(**kwargs))

    return st.sampled_from(EntryKind).flatmap(build)


def payment_terms() -> st.SearchStrategy[PaymentTerms]:
    """Payment terms: the presets, Net N, and terms composed as ERPs compose them.

    Composed terms have a code and name of their own, one to four
    instalments (percent, fixed EUR and balance portions, each due by a
    preset rule or a sequence of steps, some with a discount of their own),
    and maybe a discount for every instalment and a cash rounding.
    """
    presets = st.sampled_from(
        [
            DUE_ON_RECEIPT,
            NET_7,
            NET_15,
            NET_30,
            NET_45,
            NET_60,
            NET_90,
            END_OF_MONTH_30,
            TWO_PART_30_60,
        ]
    )
    return st.one_of(presets, st.integers(0, 365).map(net), _composed_terms())


def _due_date_rules() -> st.SearchStrategy[DueDateRule]:
    steps = st.one_of(
        st.builds(AddDays, days=st.integers(-30, 365)),
        st.builds(AddMonths, months=st.integers(-2, 24)),
        st.just(EndOfMonth()),
        st.builds(DayOfMonth, day=st.integers(1, 31), on_or_after=st.booleans()),
        st.builds(NextWeekday, weekday=st.integers(0, 6)),
    )
    return st.one_of(
        st.builds(DaysAfterInvoice, days=st.integers(0, 365)),
        st.builds(DaysAfterMonthEnd, days=st.integers(0, 90)),
        st.builds(DayOfFollowingMonth, day=st.integers(1, 31), after_days=st.integers(0, 60)),
        st.builds(MonthsAfterMonthEnd, months=st.integers(0, 12)),
        st.builds(DueDateSteps, steps=st.lists(steps, max_size=4)),
    )


def _discounts() -> st.SearchStrategy[EarlyPaymentDiscount]:
    return st.one_of(
        st.builds(
            EarlyPaymentDiscount,
            within_days=st.integers(0, 60),
            percent=st.integers(1, 10).map(Decimal),
            on_untaxed=st.booleans(),
        ),
        st.builds(
            EarlyPaymentDiscount,
            within_days=st.integers(0, 60),
            amount=st.integers(1, 500).map(lambda cents: Money(Decimal(cents) / 100, "EUR")),
        ),
    )


@st.composite
def _composed_terms(draw: st.DrawFn) -> PaymentTerms:
    count = draw(st.integers(1, 4))
    shares = st.one_of(
        st.builds(PercentPortion, percent=st.integers(1, 30).map(Decimal)),
        st.builds(
            FixedPortion,
            amount=st.integers(1, 10_000).map(lambda cents: Money(Decimal(cents) / 100, "EUR")),
        ),
    )
    drawn: list[Portion] = [BalancePortion(), *(draw(shares) for _ in range(count - 1))]
    portions = draw(st.permutations(drawn))
    lines = [
        InstalmentTerm(
            portion=portion,
            due=draw(_due_date_rules()),
            discount=draw(st.none() | _discounts()),
        )
        for portion in portions
    ]
    unique = list(dict.fromkeys(lines))  # the same line twice is refused
    return PaymentTerms(
        code=draw(ids()),
        name=draw(names(max_size=30)),
        instalments=unique,
        discount=draw(st.none() | _discounts()),
        cash_rounding=draw(st.sampled_from([None, Decimal("0.05"), Decimal("0.10")])),
    )


def rule_results() -> st.SearchStrategy[RuleResult]:
    """Evaluated rules, with or without figures."""
    figures = st.none() | money("EUR")
    return st.sampled_from(Outcome).flatmap(lambda outcome: _rule_results(figures, outcome))


def _rule_results(
    figures: st.SearchStrategy[Money | None], outcome: Outcome
) -> st.SearchStrategy[RuleResult]:
    # Only an allowed result carries a warning (a crossed warn limit).
    warnings = st.booleans() if outcome is Outcome.ALLOWED else st.sampled_from([False])
    return st.builds(
        RuleResult,
        rule=st.sampled_from(["order_total", "budget", "credit", "buyer", "exempt"]),
        outcome=st.just(outcome),
        warning=warnings,
        message=names(),
        limit_id=st.none() | ids(),
        limit=figures,
        spent=figures,
        order_amount=figures,
        remaining=figures,
        period_start=st.none() | aware_datetimes(),
        period_end=st.none() | aware_datetimes(),
    )


def decisions() -> st.SearchStrategy[Decision]:
    """Decisions as the engine makes them: the outcome is the worst result's."""
    return st.builds(
        lambda results, total, at, version, roles: Decision(
            outcome=Outcome.worst(result.outcome for result in results),
            results=results,
            order_total=total,
            evaluated_at=at,
            policy_version=version,
            approver_roles=roles,
        ),
        st.lists(rule_results(), max_size=4).map(tuple),
        money("EUR", min_value=Decimal(0)),
        aware_datetimes(),
        ids(),
        st.lists(st.sampled_from(["admin", "buyer", "seller"]), max_size=2).map(tuple),
    )


# -- approvals


def credit_positions(currency: str = "EUR") -> st.SearchStrategy[CreditPosition]:
    """Credit positions as the engine reads them (available may be negative)."""
    figure = money(currency, min_value=Decimal(0))
    return st.builds(
        CreditPosition,
        credit_limit=figure,
        balance=figure,
        reserved=figure,
        on_hold=st.booleans(),
        hold_overridden=st.booleans(),
    )


def spend_readings() -> st.SearchStrategy[SpendReading]:
    """Answers of the spend look-up: a key, a budget window, amounts per currency."""
    keys = st.builds(
        SpendKey,
        kind=st.sampled_from(["company", "subtree", "location", "buyer"]),
        company_id=ids(),
        other_id=st.none() | ids(),
    )
    calendar_or_rolling = st.builds(CalendarPeriod, unit=st.sampled_from(CalendarUnit)) | st.builds(
        RollingPeriod, days=st.integers(1, 400)
    )
    windows = st.builds(window_of, calendar_or_rolling, aware_datetimes(), time_zone=time_zones())
    return st.builds(
        SpendReading,
        key=keys,
        window=windows,
        include_pending=st.booleans(),
        amounts=st.lists(money(min_value=Decimal(0)), max_size=2, unique_by=lambda m: m.currency),
    )


def decision_records() -> st.SearchStrategy[DecisionRecord]:
    """Decisions kept with what they were decided on (the parts drawn independently)."""
    conversions = st.builds(
        Conversion, amount=money("USD"), result=money("EUR"), at=aware_datetimes()
    )
    return st.builds(
        DecisionRecord,
        order=order_drafts(),
        decision=decisions(),
        company=companies(),
        buyer=customers(),
        ancestors=st.lists(ids(), max_size=3).map(tuple),
        group_ids=st.frozensets(ids(), max_size=3),
        limits=st.lists(purchasing_limits(), max_size=3).map(tuple),
        credit=st.none() | credit_positions(),
        spend=st.lists(spend_readings(), max_size=3).map(tuple),
        conversions=st.lists(conversions, max_size=2).map(tuple),
        count_pending=st.booleans(),
        approval_policy_id=st.none() | ids(),
        approval_policy_version=st.none() | st.integers(0, 50),
    )


def validities() -> st.SearchStrategy[Validity]:
    """How long requests live: an hour to a few months."""
    units = st.tuples(st.integers(0, 3), st.integers(0, 4), st.integers(0, 30), st.integers(0, 48))
    return units.filter(any).map(
        lambda parts: Validity(months=parts[0], weeks=parts[1], days=parts[2], hours=parts[3])
    )


def approver_selectors() -> st.SearchStrategy[ApproverSelector]:
    """Selectors of every kind."""
    return st.one_of(
        st.builds(RoleApprover, role=st.sampled_from(Role)),
        st.builds(GroupApprover, group_id=ids()),
        st.builds(CustomerApprover, customer_id=ids()),
        st.sampled_from(
            [
                ManagerApprover(),
                DecisionApprovers(),
                CompanyApprovers(),
                StandardApprovers(),
                SellerApprovers(),
            ]
        ),
    )


def approval_rules() -> st.SearchStrategy[ApprovalRule]:
    """Rules: one to three selectors, one to three approvals."""
    return st.builds(
        ApprovalRule,
        any_of=st.lists(approver_selectors(), min_size=1, max_size=3).map(tuple),
        count=st.integers(1, 3),
    )


def approval_tiers(currency: str | None = None) -> st.SearchStrategy[ApprovalTier]:
    """Tiers with or without thresholds (in ``currency`` or a drawn one)."""

    def build(code: str) -> st.SearchStrategy[ApprovalTier]:
        amounts = money(code, min_value=Decimal(0), max_value=Decimal(100_000))

        def thresholds(pair: tuple[Money | None, Money | None]) -> bool:
            at_least, up_to = pair
            return at_least is None or up_to is None or up_to.amount >= at_least.amount

        bounds = st.tuples(st.none() | amounts, st.none() | amounts).filter(thresholds)
        return st.builds(
            lambda name, rules, pair, crossed: ApprovalTier(
                name=name, all_of=rules, at_least=pair[0], up_to=pair[1], when_crossed=crossed
            ),
            names(max_size=30),
            st.lists(approval_rules(), min_size=1, max_size=3).map(tuple),
            bounds,
            st.frozensets(st.sampled_from(["budget", "quantity", "requester"]) | ids(), max_size=2),
        )

    return (st.just(currency) if currency is not None else currencies()).flatmap(build)


def approval_policies(**pinned: Any) -> st.SearchStrategy[ApprovalPolicy]:  # noqa: ANN401
    """Approval policies: one to three tiers, company or seller-wide, with their flags."""

    def build(currency: str) -> st.SearchStrategy[ApprovalPolicy]:
        return _with_stamps(
            ApprovalPolicy,
            {
                "id": ids(),
                "name": names(),
                "tiers": st.lists(approval_tiers(currency), min_size=1, max_size=3).map(tuple),
                "company_id": st.none() | ids(),
                "validity": validities(),
                "allow_self_approval": st.booleans(),
                "approvers_need_limit": st.booleans(),
                "effective_from": st.none() | aware_datetimes(),
                "auto_approve": st.lists(auto_approvals(currency), max_size=2).map(tuple),
                "covers_subsidiaries": st.booleans(),
            },
            pinned,
        )

    return currencies().flatmap(build)


def auto_approvals(currency: str = "EUR") -> st.SearchStrategy[AutoApproval]:
    """Auto-approval rules: under an amount in ``currency``, for a customer group, or both."""
    amounts = money(currency, min_value=Decimal(0), max_value=Decimal(100_000))
    conditions = st.tuples(st.none() | amounts, st.none() | ids()).filter(
        lambda pair: pair != (None, None)
    )
    return st.builds(
        lambda name, pair: AutoApproval(name=name, up_to=pair[0], customer_group_id=pair[1]),
        names(),
        conditions,
    )


def approval_groups(**pinned: Any) -> st.SearchStrategy[ApprovalGroup]:  # noqa: ANN401
    """Approval groups listing customers and/or roles."""
    return _with_stamps(
        ApprovalGroup,
        {
            "id": ids(),
            "company_id": ids(),
            "name": names(),
            "member_ids": st.frozensets(ids(), max_size=5),
            "roles": st.frozensets(st.sampled_from(Role), max_size=2),
        },
        pinned,
    )


def approver_limits(**pinned: Any) -> st.SearchStrategy[ApproverLimit]:  # noqa: ANN401
    """Approver limits on a customer or on a role."""
    on_customer = st.fixed_dictionaries({"customer_id": ids(), "role": st.none()})
    on_role = st.fixed_dictionaries({"customer_id": st.none(), "role": st.sampled_from(Role)})

    def build(subject: dict[str, Any]) -> st.SearchStrategy[ApproverLimit]:
        fields: dict[str, st.SearchStrategy[Any]] = {
            "id": ids(),
            "company_id": ids(),
            "maximum": money(min_value=Decimal(0)),
            **{key: st.just(value) for key, value in subject.items()},
        }
        return _with_stamps(ApproverLimit, fields, pinned)

    return st.one_of(on_customer, on_role).flatmap(build)


def seller_approvers() -> st.SearchStrategy[SellerApprover]:
    """Seller-side approvers, limited or not."""
    return st.builds(
        SellerApprover,
        id=ids(),
        name=names(),
        maximum=st.none() | money(min_value=Decimal(0)),
    )


def verdicts() -> st.SearchStrategy[Verdict]:
    """Approvals and rejections as recorded."""
    return st.builds(
        Verdict,
        approver_id=ids(),
        approver_kind=st.sampled_from([ActorKind.CUSTOMER, ActorKind.SELLER]),
        at=aware_datetimes(),
        basis=names(),
        comment=st.none() | names(),
        limit=st.none() | money(min_value=Decimal(0)),
        places=st.frozensets(st.integers(0, 3), max_size=3),
    )


def tier_progress() -> st.SearchStrategy[TierProgress]:
    """Tiers of a request, routed somewhere, with some of their places filled."""

    def build(required: int) -> st.SearchStrategy[TierProgress]:
        approval = st.builds(
            Verdict,
            approver_id=ids(),
            approver_kind=st.sampled_from([ActorKind.CUSTOMER, ActorKind.SELLER]),
            at=aware_datetimes(),
            basis=names(),
            comment=st.none() | names(),
            limit=st.none() | money(min_value=Decimal(0)),
            places=st.frozensets(st.integers(0, required - 1), min_size=1),
        )
        return st.builds(
            TierProgress,
            tier=st.integers(0, 5),
            name=names(max_size=30),
            required=st.just(required),
            approver_company_id=st.none() | ids(),
            level=st.integers(0, 5),
            approvals=st.lists(approval, max_size=required).map(tuple),
            rejections=st.lists(verdicts(), max_size=1).map(tuple),
        )

    return st.integers(1, 4).flatmap(build)


def audit_entries() -> st.SearchStrategy[AuditEntry]:
    """Audit entries of every action."""

    def build(action: ApprovalAction) -> st.SearchStrategy[AuditEntry]:
        system = action in {ApprovalAction.EXPIRE, ApprovalAction.ESCALATE}
        return st.builds(
            AuditEntry,
            at=aware_datetimes(),
            action=st.just(action),
            actor_kind=st.just(ActorKind.SYSTEM) if system else st.just(ActorKind.CUSTOMER),
            actor_id=st.none() if system else ids(),
            before=st.none()
            if action is ApprovalAction.SUBMIT
            else st.sampled_from(ApprovalStatus),
            after=st.sampled_from(ApprovalStatus),
            comment=st.none() | names(),
            tier=st.none() | st.integers(0, 5),
        )

    return st.sampled_from(ApprovalAction).flatmap(build)


def approval_requests(**pinned: Any) -> st.SearchStrategy[ApprovalRequest]:  # noqa: ANN401
    """Approval requests in every status, built by running the workflow itself.

    Pin ``status`` to get requests in that status, or ``id``.
    """
    status = pinned.pop("status", None)
    statuses = (
        st.just(ApprovalStatus(status)) if status is not None else st.sampled_from(ApprovalStatus)
    )
    unknown = set(pinned) - {"id"}
    if unknown:
        msg = f"approval_requests() pins only id and status, not {sorted(unknown)}"
        raise TypeError(msg)
    return statuses.flatmap(lambda chosen: _approval_request(chosen, pinned.get("id")))


@st.composite
def _approval_request(
    draw: st.DrawFn, status: ApprovalStatus, request_id: str | None
) -> ApprovalRequest:
    request, directory = draw(_submitted_request(request_id))
    requester = directory.customer(request.requester_id)
    assert requester is not None  # noqa: S101  (the setup lists the requester)
    moment = request.submitted_at

    def next_moment() -> datetime:
        nonlocal moment
        moment += timedelta(seconds=1)  # every validity drawn is at least an hour
        return moment

    def approve_once(current: ApprovalRequest) -> ApprovalRequest:
        candidate = draw(st.sampled_from(eligible_approvers(current, directory)))
        approver = directory.customer(candidate.id) or directory.seller_approver(candidate.id)
        assert approver is not None  # noqa: S101  (the candidates come from this directory)
        return current.approve(
            approver, at=next_moment(), directory=directory, comment=draw(st.none() | names())
        )

    if status in {ApprovalStatus.APPROVED, ApprovalStatus.COMPLETED}:
        while request.status is ApprovalStatus.PENDING:
            request = approve_once(request)
    elif status is not ApprovalStatus.EXPIRED and len(request.tiers) > 1 and draw(st.booleans()):
        request = approve_once(request)
    if status is ApprovalStatus.COMPLETED:
        request = request.complete(OrderId(draw(ids())), at=next_moment(), actor=requester)
    elif status is ApprovalStatus.REJECTED:
        candidate = draw(st.sampled_from(eligible_approvers(request, directory)))
        rejecter = directory.customer(candidate.id) or directory.seller_approver(candidate.id)
        assert rejecter is not None  # noqa: S101  (the candidates come from this directory)
        request = request.reject(
            rejecter, at=next_moment(), reason=draw(names()), directory=directory
        )
    elif status is ApprovalStatus.CANCELLED:
        request = request.cancel(requester, at=next_moment(), reason=draw(st.none() | names()))
    elif status is ApprovalStatus.EXPIRED:
        late = timedelta(seconds=draw(st.integers(0, 10**6)))
        request = request.expire(at=request.expires_at + late)
    return request


def _member(customer_id: str, company_id: str, role: Role, **extra: Any) -> Customer:  # noqa: ANN401
    return Customer(
        id=CustomerId(customer_id),
        email=f"{customer_id}@example.com",
        first_name=customer_id,
        last_name="Example",
        memberships=(Membership(company_id=CompanyId(company_id), roles={role}),),
        **extra,
    )


@st.composite
def _submitted_request(
    draw: st.DrawFn, request_id: str | None
) -> tuple[ApprovalRequest, ApprovalDirectory]:
    """A pending request of a requester at a subsidiary, and the directory it was routed with."""
    names_ = draw(st.lists(ids(), min_size=7, max_size=7, unique=True))
    company, parent = CompanyId(names_[0]), CompanyId(names_[1])
    requester_id, admin_id, approver_id, head_id, seller_id = names_[2:]
    order = draw(order_drafts(company_id=company, buyer_id=requester_id, resource_id=draw(ids())))
    at = draw(aware_datetimes())
    decision = Decision(
        outcome=Outcome.APPROVAL_REQUIRED,
        results=(
            RuleResult(
                rule="requester", outcome=Outcome.APPROVAL_REQUIRED, message="Needs approval"
            ),
        ),
        order_total=order.total,
        evaluated_at=at,
        approver_roles=draw(st.sampled_from([("admin",), ("admin", "buyer")])),
    )
    requester = _member(requester_id, company, Role.REQUESTER, manager_id=admin_id)
    nothing = Money(0, order.currency)
    tight = [  # limits too low at the company: the tiers escalate to the parent
        ApproverLimit(
            id=ApproverLimitId("tight-admin"), company_id=company, role=Role.ADMIN, maximum=nothing
        ),
        ApproverLimit(
            id=ApproverLimitId("tight-approver"),
            company_id=company,
            role=Role.APPROVER,
            maximum=nothing,
        ),
    ]
    directory = ApprovalDirectory(
        customers=[
            requester,
            _member(admin_id, company, Role.ADMIN),
            _member(approver_id, company, Role.APPROVER),
            _member(head_id, parent, Role.ADMIN),
        ],
        parents={company: parent, parent: None},
        limits=tight if draw(st.booleans()) else [],
        seller_approvers=[SellerApprover(id=seller_id, name="Seller approver")],
    )
    two_tier = ApprovalPolicy(
        id=ApprovalPolicyId("two-tier"),
        name="Lead, then board",
        company_id=company,
        tiers=(
            ApprovalTier(
                name="Lead", all_of=(ApprovalRule(any_of=(ManagerApprover(), DecisionApprovers())),)
            ),
            ApprovalTier(
                name="Board", all_of=(ApprovalRule(any_of=(RoleApprover(role=Role.APPROVER),)),)
            ),
        ),
        validity=draw(validities()),
    )
    policy = draw(st.sampled_from([default_policy(validity=draw(validities())), two_tier]))
    request = ApprovalRequest.submit(
        id=ApprovalRequestId(request_id if request_id is not None else draw(ids())),
        order=order,
        decision=decision,
        requester=requester,
        directory=directory,
        at=at,
        comment=draw(st.none() | names()),
        policy=policy,
    )
    return request, directory


# -- hostile input: values a caller might pass that no entity may hold


HOSTILE_TEXTS: tuple[str, ...] = (
    "\ud800",  # a lone high surrogate: UTF-8 cannot encode it
    "ACME \udfff GmbH",  # a lone low surrogate inside a name
    "\udc80\udc81",  # what surrogateescape makes of undecodable bytes
    "\x00",  # NUL: PostgreSQL refuses it in text and JSON
    "ACME\x00GmbH",
    "x" * 100_000,  # very long
    "\u202eHbmG EMCA",  # right-to-left override
    "شركة أكمي للتجارة",  # right-to-left script
    "חברת אקמה בע״מ",
    "e\u0301" * 40,  # combining marks
    "\ufeffACME",  # byte order mark
    "😀" * 20,  # outside the basic plane
    "ACME\r\nX-Injected: yes",
    "'; DROP TABLE companies; --",
    "%_\\",  # LIKE wildcards and an escape
    " ",
    "",
)
"""Text that trips careless code: lone surrogates, NUL, very long, right-to-left, injections."""


def hostile_texts() -> st.SearchStrategy[str]:
    """Text a caller might pass that a store may not keep, or that careless code mishandles.

    Lone surrogates, NUL characters, very long and right-to-left text (see
    [`HOSTILE_TEXTS`][b2b_customers.testing.strategies.HOSTILE_TEXTS]), and short random text from
    every code point, surrogates included. Many are valid text (right-to-left names are); the
    library must accept those and refuse the rest with a ValidationError.
    """
    any_character = st.one_of(
        st.characters(),
        st.characters(categories=["Cs"]),
        st.sampled_from(["\x00", "\u202e", "\u0301", "\ud800", "\udfff"]),
    )
    return st.one_of(
        st.sampled_from(HOSTILE_TEXTS),
        st.text(any_character, min_size=1, max_size=12),
        st.builds(
            lambda name, bad, at: name[:at] + bad + name[at:],
            names(max_size=20),
            st.sampled_from(["\ud800", "\udfff", "\x00", "\u202e"]),
            st.integers(0, 20),
        ),
    )


HOSTILE_DECIMALS: tuple[Decimal, ...] = (
    Decimal("NaN"),
    Decimal("sNaN"),
    Decimal("Infinity"),
    Decimal("-Infinity"),
    Decimal("1E+30"),
    Decimal("-1E+30"),
    Decimal("1E+15"),
    Decimal("999999999999999.9999"),
    Decimal("1E-30"),
    Decimal("0.00001"),
    Decimal("-0"),
    Decimal("0E+100"),
    Decimal(-1),
)
"""Numbers that are not finite, too large, too fine, negative or oddly written."""


def hostile_decimals() -> st.SearchStrategy[Decimal]:
    """Decimals that are not finite, huge, tiny, negative or oddly written (and random ones)."""
    return st.one_of(
        st.sampled_from(HOSTILE_DECIMALS), st.decimals(allow_nan=True, allow_infinity=True)
    )


def hostile_money() -> st.SearchStrategy[Money]:
    """Money a caller might build by hand: any of `hostile_decimals`, in EUR or another."""
    return st.builds(Money, hostile_decimals(), st.sampled_from(["EUR", "USD", "JPY"]))


def naive_datetimes() -> st.SearchStrategy[datetime]:
    """Datetimes without a time zone (ambiguous across hosts: the library refuses them)."""
    return st.datetimes()


def extreme_datetimes() -> st.SearchStrategy[datetime | date]:
    """The first and last datetimes and dates Python has, aware where a datetime is."""
    far = timezone(timedelta(hours=14))
    return st.sampled_from(
        [
            datetime.min.replace(tzinfo=UTC),
            datetime.max.replace(tzinfo=UTC),
            datetime.min.replace(tzinfo=far),
            datetime.max.replace(tzinfo=timezone(-timedelta(hours=14))),
            date.min,
            date.max,
        ]
    )


class _Opaque:
    """An object of a class no service expects."""

    def __repr__(self) -> str:
        return "<opaque>"


def wrong_types() -> st.SearchStrategy[Any]:
    """Values of a type no service argument takes as is: None, numbers, lists, objects, ..."""
    return st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.just(2**80),
        st.floats(),
        st.binary(max_size=4),
        st.lists(st.integers(), max_size=2),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        st.frozensets(st.integers(), max_size=2),
        st.builds(_Opaque),
        st.just(object()),
        st.just(Decimal(1)),
        st.just(Money(1, "EUR")),
        st.just(ValueError("not a value")),
    )


def hostile_values() -> st.SearchStrategy[Any]:
    """Anything a careless or hostile caller might pass: every strategy of this section."""
    return st.one_of(
        wrong_types(),
        hostile_texts(),
        hostile_decimals(),
        hostile_money(),
        naive_datetimes(),
        extreme_datetimes(),
    )
