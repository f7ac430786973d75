"""The contract between the library and any store: repositories, unit of work, clock, ids.

Everything the services need from the outside world is a
`typing.Protocol` here. The memory and SQL adapters implement them, and
so can an ERP adapter; [`b2b_customers.testing.contract`][] checks that an
implementation keeps the contract.

The rules every implementation keeps:

* **Versions.** ``add`` stores an aggregate with ``version=1`` and
  ``created_at = updated_at = clock.now()``, and returns the stored copy.
  ``save`` takes a copy whose ``version`` is the stored one, stores it with
  ``version + 1`` and a fresh ``updated_at``, and returns that; a copy with any
  other version raises [`StaleVersion`][b2b_customers.StaleVersion].
* **Errors.** A missing id raises [`NotFound`][b2b_customers.NotFound]; a
  taken unique key (id, account number, email, one contact per customer and
  company, one primary / default-billing / default-shipping location per
  company, one primary contact per company and type, one company group per
  company, one approval policy per company and one seller-wide, one approval
  group per company, one approver limit per customer or role and company)
  raises [`AlreadyExists`][b2b_customers.AlreadyExists]; a reference to
  a company (or customer) that does not exist, or a parent that would make a
  cycle, raises [`HierarchyError`][b2b_customers.HierarchyError] (parent) or
  [`ValidationError`][b2b_customers.ValidationError] (any other reference). Never
  a driver's exception.
* **Transactions.** Changes made through a [`UnitOfWork`][b2b_customers.ports.UnitOfWork] become
  visible to other units of work only on ``commit``; leaving the ``with`` block
  without committing (or after an exception) rolls every change back.
  Reads inside a unit of work see its own uncommitted changes. A failed
  write ends the unit of work: when a repository write (``add``,
  ``add_many``, ``save``, ``remove``, ``book``, ``append``,
  ``mark_published``) raises, nothing of the unit of work since its last
  commit is written, neither the failed write nor the ones before it, and
  ``commit`` raises [`StorageError`][b2b_customers.StorageError] (a store may
  refuse any other use too); ``rollback`` makes it usable again, empty. A
  read that raises (``get`` of a missing id: ``NotFound``) ends nothing.
  A store need not keep a savepoint per write to undo one failed call.
* **Order.** Lists come in a stable order: the query's sort key, then id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Generic, Protocol, Self, TypeVar, runtime_checkable

from attrs import converters, field, frozen

from b2b_customers.approvals.status import ApprovalStatus
from b2b_customers.domain import (
    AuditLogEntry,
    Company,
    CompanyStatus,
    ContactAssignment,
    ContactType,
    Customer,
    CustomerGroup,
    CustomerStatus,
    DomainEvent,
    Location,
    Role,
)
from b2b_customers.domain.order import OrderRecord, OrderStatus, ResourceType
from b2b_customers.domain.values import CustomFieldValue
from b2b_customers.errors import ValidationError
from b2b_customers.ids import (
    ApprovalGroupId,
    ApprovalPolicyId,
    ApprovalRequestId,
    ApproverLimitId,
    CompanyId,
    ContactAssignmentId,
    CreditAccountId,
    CustomerGroupId,
    CustomerId,
    EventId,
    LimitId,
    LocationId,
    OrderId,
)

if TYPE_CHECKING:
    from decimal import Decimal
    from types import TracebackType

    from moneyed import Money

    from b2b_customers.approvals.approver_limits import ApproverLimit
    from b2b_customers.approvals.groups import ApprovalGroup
    from b2b_customers.approvals.policy import ApprovalPolicy
    from b2b_customers.approvals.request import ApprovalRequest
    from b2b_customers.credit.account import CreditAccount
    from b2b_customers.credit.ledger import LedgerEntry
    from b2b_customers.credit.payment_terms import PaymentTerms
    from b2b_customers.credit.reservation import Reservation
    from b2b_customers.domain.creations import Created, Creations
    from b2b_customers.limits.decision_record import DecisionRecord
    from b2b_customers.limits.periods import Window
    from b2b_customers.limits.rules import PurchasingLimit
    from b2b_customers.limits.spend import SpendKey, SpendPosting

__all__ = [
    "MAX_PAGE_SIZE",
    "ApprovalGroupRepository",
    "ApprovalPolicyRepository",
    "ApprovalQuery",
    "ApprovalRepository",
    "ApproverLimitRepository",
    "AuditLog",
    "AuditQuery",
    "Clock",
    "CompanyQuery",
    "CompanyRepository",
    "CompanySort",
    "ContactRepository",
    "CreditRepository",
    "CustomerGroupRepository",
    "CustomerQuery",
    "CustomerRepository",
    "CustomerSort",
    "ExchangeRates",
    "IdGenerator",
    "LimitRepository",
    "LocationRepository",
    "OrderQuery",
    "OrderRepository",
    "OrderSort",
    "Outbox",
    "OutboxEntry",
    "Page",
    "PaymentTermsRepository",
    "RecordsCreations",
    "Store",
    "UnitOfWork",
]

T = TypeVar("T")

MAX_PAGE_SIZE = 1000
"""The most items one page may hold."""


class Clock(Protocol):
    """Tells the time. Inject one; never read the system clock in the domain."""

    def now(self) -> datetime:
        """Return the current time, timezone-aware."""
        ...


class ExchangeRates(Protocol):
    """Converts amounts between currencies: the only way two currencies may meet.

    See [`b2b_customers.exchange_rates.FixedRates`][] for a simple one.
    """

    def convert(self, amount: Money, currency: str, at: datetime) -> Money:
        """Return ``amount`` in ``currency`` at the rate valid at ``at``.

        Raises:
            CurrencyMismatch: There is no rate for that pair.
        """
        ...


class IdGenerator(Protocol):
    """Mints new, unique ids (see [`b2b_customers.ids.RandomIds`][])."""

    def __call__(self) -> str:
        """Return a new id."""
        ...


# -- queries and pages


def _page_offset(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError(f"must be a whole number >= 0, got {value!r}", field="offset")


def _page_limit(_instance: object, _attribute: object, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_PAGE_SIZE:
        raise ValidationError(
            f"must be a whole number from 1 to {MAX_PAGE_SIZE}, got {value!r}", field="limit"
        )


@frozen(kw_only=True)
class Page(Generic[T]):
    """One page of a list, with the total count of matches.

    Attributes:
        items: The items on this page, in the query's order.
        total: How many items match the query, on all pages.
        offset: How many matches come before this page.
        limit: The most items a page holds.
    """

    items: tuple[T, ...]
    total: int
    offset: int
    limit: int

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, or ``None`` when this is the last one."""
        following = self.offset + len(self.items)
        return following if following < self.total else None


class CompanySort(StrEnum):
    """What a company list is sorted by (ties broken by id)."""

    NAME = "name"
    ACCOUNT_NUMBER = "account_number"
    CREATED_AT = "created_at"
    ID = "id"


class CustomerSort(StrEnum):
    """What a customer list is sorted by (ties broken by id)."""

    EMAIL = "email"
    LAST_NAME = "last_name"
    CREATED_AT = "created_at"
    ID = "id"


def _custom_filter(value: Mapping[str, CustomFieldValue]) -> Mapping[str, CustomFieldValue]:
    return dict(value)


@frozen(kw_only=True)
class CompanyQuery:
    """Which companies to list, in what order, which page.

    Every filter given must match (AND); ``None`` means "any".

    Attributes:
        name_contains: Case-insensitive part of the name.
        status: Only companies in this status.
        parent_id: Only direct subsidiaries of this company.
        top_level: ``True``: only companies without a parent; ``False``: only subsidiaries.
        tag: Only companies with this tag.
        custom_fields: Only companies whose custom fields have all these values.
        country: Only companies registered in this country (``legal_info.country``).
        paid_by: Only companies that name this company as their bill-to or
            master account (the sell-to accounts it pays for).
        sort: The sort key; ties are broken by id.
        descending: Sort from high to low.
        offset: How many matches to skip.
        limit: The most to return (1 to [`MAX_PAGE_SIZE`][b2b_customers.ports.MAX_PAGE_SIZE]).
    """

    name_contains: str | None = None
    status: CompanyStatus | None = None
    parent_id: CompanyId | None = None
    top_level: bool | None = None
    tag: str | None = None
    custom_fields: Mapping[str, CustomFieldValue] = field(factory=dict, converter=_custom_filter)
    country: str | None = None
    paid_by: CompanyId | None = None
    sort: CompanySort = CompanySort.NAME
    descending: bool = False
    offset: int = field(default=0, validator=_page_offset)
    limit: int = field(default=50, validator=_page_limit)


@frozen(kw_only=True)
class CustomerQuery:
    """Which customers to list, in what order, which page.

    Attributes:
        company_id: Only members of this company.
        include_subtree: With ``company_id``: members of its subsidiaries too.
        role: Only customers holding this role (in ``company_id`` when given).
        status: Only customers in this status (their own, whatever company).
        membership_status: Only customers whose membership is in this status
            (in ``company_id`` when given, and its subsidiaries with
            ``include_subtree``; with ``role``, the membership that holds
            it): ``"inactive"`` lists those deactivated at the company. A
            customer acts for a company only while both statuses are active.
        email_contains: Case-insensitive part of the email address.
        name_contains: Case-insensitive part of the first or last name.
        tag: Only customers with this tag.
        sort: The sort key; ties are broken by id.
        descending: Sort from high to low.
        offset: How many matches to skip.
        limit: The most to return (1 to [`MAX_PAGE_SIZE`][b2b_customers.ports.MAX_PAGE_SIZE]).
    """

    company_id: CompanyId | None = None
    include_subtree: bool = False
    role: Role | None = None
    status: CustomerStatus | None = None
    membership_status: CustomerStatus | None = None
    email_contains: str | None = None
    name_contains: str | None = None
    tag: str | None = None
    sort: CustomerSort = CustomerSort.EMAIL
    descending: bool = False
    offset: int = field(default=0, validator=_page_offset)
    limit: int = field(default=50, validator=_page_limit)


class OrderSort(StrEnum):
    """Order history comes newest first by default (ties broken by id)."""

    PLACED_AT = "placed_at"
    TOTAL = "total"
    ID = "id"


@frozen(kw_only=True)
class OrderQuery:
    """Which orders of the history to list.

    Attributes:
        company_id: Only orders of this company.
        include_subtree: With ``company_id``: orders of its subsidiaries too.
        buyer_id: Only orders placed by this customer.
        location_id: Only orders for this location.
        status: Only orders in this status.
        placed_from: Only orders placed at or after this instant.
        placed_before: Only orders placed before this instant.
        sort: The sort key (ties by id); ``placed_at`` sorts newest first
            unless ``descending`` is ``False``.
        descending: Sort from high to low (the default: newest first).
        offset: How many matches to skip.
        limit: The most to return (1 to [`MAX_PAGE_SIZE`][b2b_customers.ports.MAX_PAGE_SIZE]).
    """

    company_id: CompanyId | None = None
    include_subtree: bool = False
    buyer_id: CustomerId | None = None
    location_id: LocationId | None = None
    status: OrderStatus | None = None
    placed_from: datetime | None = None
    placed_before: datetime | None = None
    sort: OrderSort = OrderSort.PLACED_AT
    descending: bool = True
    offset: int = field(default=0, validator=_page_offset)
    limit: int = field(default=50, validator=_page_limit)


def _optional_instant(_instance: object, attribute: Any, value: object) -> None:  # noqa: ANN401
    if value is None:
        return
    if not isinstance(value, datetime) or value.utcoffset() is None:
        raise ValidationError(
            f"must be a timezone-aware datetime or None, got {value!r}", field=attribute.name
        )


@frozen(kw_only=True)
class ApprovalQuery:
    """Which approval requests to list: sorted by submission time, then id.

    Every filter given must match (AND); ``None`` means "any".

    Attributes:
        company_id: Only requests of this company.
        requester_id: Only requests of this customer.
        status: Only requests in this status.
        resource_type: Only requests for a cart, an order or a quote.
        resource_id: Only requests for this cart, order or quote.
        approver_id: Only requests this customer (or seller approver) has
            approved, at any tier.
        approved_since: With ``approver_id``: only requests they approved
            at or after this instant (what counts against a cap per period).
        descending: Newest first (the default); ``False`` for oldest first.
            Either way ties are broken by id, and a descending list is the
            ascending one reversed.
        offset: How many matches to skip.
        limit: The most to return (1 to [`MAX_PAGE_SIZE`][b2b_customers.ports.MAX_PAGE_SIZE]).
    """

    company_id: CompanyId | None = None
    requester_id: CustomerId | None = None
    status: ApprovalStatus | None = field(
        default=None, converter=converters.optional(ApprovalStatus)
    )
    resource_type: ResourceType | None = field(
        default=None, converter=converters.optional(ResourceType)
    )
    resource_id: str | None = None
    approver_id: str | None = None
    approved_since: datetime | None = field(default=None, validator=_optional_instant)
    descending: bool = True
    offset: int = field(default=0, validator=_page_offset)
    limit: int = field(default=50, validator=_page_limit)

    def __attrs_post_init__(self) -> None:
        if self.approved_since is not None and self.approver_id is None:
            raise ValidationError(
                "approved_since narrows approver_id: give approver_id too (whose approvals)",
                field="approved_since",
            )


@frozen(kw_only=True)
class AuditQuery:
    """Which audit log entries to list: oldest first, in the order they were appended.

    Every filter given must match (AND); ``None`` means "any".

    Attributes:
        since: Only entries that occurred at or after this instant.
        until: Only entries that occurred before this instant.
        aggregate_type: Only changes of this kind of aggregate (``"location"``).
        aggregate_id: Only changes of the aggregate with this id.
        offset: How many matches to skip.
        limit: The most to return (1 to [`MAX_PAGE_SIZE`][b2b_customers.ports.MAX_PAGE_SIZE]).
    """

    since: datetime | None = field(default=None, validator=_optional_instant)
    until: datetime | None = field(default=None, validator=_optional_instant)
    aggregate_type: str | None = None
    aggregate_id: str | None = None
    offset: int = field(default=0, validator=_page_offset)
    limit: int = field(default=50, validator=_page_limit)


# -- repositories


class CompanyRepository(Protocol):
    """Companies and their tree."""

    def add(self, company: Company) -> Company:
        """Store a new company; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id or the account number is taken.
            HierarchyError: The parent does not exist.
            ValidationError: The bill-to or master company does not exist.
        """
        ...

    def add_many(self, companies: Iterable[Company]) -> list[Company]:
        """Store many new companies at once (a bulk import); return the stored copies.

        Checks and errors are those of [`add`][b2b_customers.ports.CompanyRepository.add], for every
        item; adapters batch the writes. Inside a unit of work it is all or nothing. Parents must
        come before their subsidiaries (or already be stored).
        """
        ...

    def save(self, company: Company) -> Company:
        """Store a changed company; return the stored copy (version + 1).

        Raises:
            NotFound: No company has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The account number is taken by another company.
            HierarchyError: The new parent does not exist or makes a cycle.
            ValidationError: The bill-to or master company does not exist.
        """
        ...

    def get(self, company_id: CompanyId) -> Company:
        """Return the company with ``company_id``.

        Raises:
            NotFound: No company has this id.
        """
        ...

    def get_many(self, company_ids: Iterable[CompanyId]) -> list[Company]:
        """Return the companies with these ids, sorted by id; unknown ids are left out."""
        ...

    def existing(self, company_ids: Iterable[CompanyId]) -> set[CompanyId]:
        """Return which of these ids are stored: ``get_many``'s ids, without reading the companies.

        For checking references in bulk (an import's thousands of ids): the
        SQL store answers from the primary key, one ``IN`` query per chunk,
        and decodes no row.
        """
        ...

    def get_by_account_number(self, account_number: str) -> Company:
        """Return the company with ``account_number``.

        Raises:
            NotFound: No company has this account number.
        """
        ...

    def find_by_tax_id(self, tax_registration_number: str) -> list[Company]:
        """Return the companies registered under this tax number (a group may share one)."""
        ...

    def search(self, query: CompanyQuery | None = None) -> Page[Company]:
        """Return one page of the companies matching ``query`` (default: all, by name)."""
        ...

    def children(self, company_id: CompanyId) -> list[Company]:
        """Return the direct subsidiaries of a company, sorted by id.

        Raises:
            NotFound: No company has this id.
        """
        ...

    def ancestors(self, company_id: CompanyId) -> list[Company]:
        """Return the parent, grandparent, ... of a company, nearest first.

        Raises:
            NotFound: No company has this id.
        """
        ...

    def descendants(self, company_id: CompanyId) -> list[Company]:
        """Return every company below this one: nearest levels first, by id within a level.

        Raises:
            NotFound: No company has this id.
        """
        ...


class LocationRepository(Protocol):
    """The locations (addresses) of companies.

    Store the changes an [`AddressBook`][b2b_customers.domain.AddressBook] returns in
    the order it returns them: flags are taken away before they are given.
    """

    def add(self, location: Location) -> Location:
        """Store a new location; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or the company already has another
                primary / default billing / default shipping location.
            ValidationError: The company does not exist.
        """
        ...

    def save(self, location: Location) -> Location:
        """Store a changed location; return the stored copy.

        Raises:
            NotFound: No location has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: Another location of the company has a flag this one sets.
            ValidationError: The location was moved to another company.
        """
        ...

    def remove(self, location_id: LocationId) -> None:
        """Delete a location.

        Raises:
            NotFound: No location has this id.
        """
        ...

    def get(self, location_id: LocationId) -> Location:
        """Return the location with ``location_id``.

        Raises:
            NotFound: No location has this id.
        """
        ...

    def for_company(self, company_id: CompanyId) -> list[Location]:
        """Return a company's locations, oldest first (ties by id)."""
        ...


class CustomerRepository(Protocol):
    """Customers, with their memberships of companies."""

    def add(self, customer: Customer) -> Customer:
        """Store a new customer; return the stored copy.

        Raises:
            AlreadyExists: The id or the email address is taken.
            ValidationError: A membership names a company that does not exist.
        """
        ...

    def add_many(self, customers: Iterable[Customer]) -> list[Customer]:
        """Store many new customers at once (a bulk import); return the stored copies.

        Checks and errors are those of [`add`][b2b_customers.ports.CustomerRepository.add], for
        every item; adapters batch the writes. Inside a unit of work it is all or nothing.
        """
        ...

    def save(self, customer: Customer) -> Customer:
        """Store a changed customer; return the stored copy.

        Raises:
            NotFound: No customer has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The email address is taken by another customer.
            ValidationError: A membership names a company that does not exist.
        """
        ...

    def get(self, customer_id: CustomerId) -> Customer:
        """Return the customer with ``customer_id``.

        Raises:
            NotFound: No customer has this id.
        """
        ...

    def get_many(self, customer_ids: Iterable[CustomerId]) -> list[Customer]:
        """Return the customers with these ids, sorted by id; unknown ids are left out."""
        ...

    def existing(self, customer_ids: Iterable[CustomerId]) -> set[CustomerId]:
        """Return which of these ids are stored: ``get_many``'s ids, without reading the customers.

        For checking references in bulk (an import's thousands of ids): the
        SQL store answers from the primary key, one ``IN`` query per chunk,
        and decodes no row.
        """
        ...

    def get_by_email(self, email: str) -> Customer:
        """Return the customer with this email address (compared without case).

        Raises:
            NotFound: No customer has this email address.
        """
        ...

    def search(self, query: CustomerQuery | None = None) -> Page[Customer]:
        """Return one page of the customers matching ``query`` (default: all, by email)."""
        ...


class ContactRepository(Protocol):
    """Contact assignments: customers named as contacts of companies."""

    def add(self, contact: ContactAssignment) -> ContactAssignment:
        """Store a new assignment; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, the customer is a contact of the
                company already, or the company has a primary contact of this
                type already.
            ValidationError: The company or the customer does not exist.
        """
        ...

    def save(self, contact: ContactAssignment) -> ContactAssignment:
        """Store a changed assignment; return the stored copy.

        Raises:
            NotFound: No assignment has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It would make a second primary contact of its type.
            ValidationError: The company or customer was changed.
        """
        ...

    def remove(self, contact_id: ContactAssignmentId) -> None:
        """Delete an assignment.

        Raises:
            NotFound: No assignment has this id.
        """
        ...

    def get(self, contact_id: ContactAssignmentId) -> ContactAssignment:
        """Return the assignment with ``contact_id``.

        Raises:
            NotFound: No assignment has this id.
        """
        ...

    def for_company(
        self, company_id: CompanyId, *, contact_type: ContactType | None = None
    ) -> list[ContactAssignment]:
        """Return a company's contacts (of one type, if given), sorted by id."""
        ...

    def for_customer(self, customer_id: CustomerId) -> list[ContactAssignment]:
        """Return the assignments of one customer, sorted by id."""
        ...


class CustomerGroupRepository(Protocol):
    """Customer groups, automatic (one per company) and custom."""

    def add(self, group: CustomerGroup) -> CustomerGroup:
        """Store a new group; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or the company has its group already.
            ValidationError: The group's company does not exist.
        """
        ...

    def add_many(self, groups: Iterable[CustomerGroup]) -> list[CustomerGroup]:
        """Store many new groups, all or none; return the stored copies.

        Raises:
            AlreadyExists: An id is taken, or a company has its group already.
            ValidationError: A group's company does not exist.
        """
        ...

    def save(self, group: CustomerGroup) -> CustomerGroup:
        """Store a changed group; return the stored copy.

        Raises:
            NotFound: No group has this id.
            StaleVersion: The copy's version is not the stored one.
        """
        ...

    def add_members(self, members: Mapping[CompanyId, Iterable[CustomerId]]) -> list[CustomerGroup]:
        """Add customers to the automatic groups of companies, all or none.

        Each group that gains a member is stored at its next version; those
        who are members already stay. A company without an automatic group is
        left out. Returns the groups stored, sorted by id.

        Args:
            members: The customers to add, by company.

        Raises:
            StaleVersion: Another unit of work changed one of the groups first.
        """
        ...

    def remove(self, group_id: CustomerGroupId) -> None:
        """Delete a group.

        Raises:
            NotFound: No group has this id.
        """
        ...

    def get(self, group_id: CustomerGroupId) -> CustomerGroup:
        """Return the group with ``group_id``.

        Raises:
            NotFound: No group has this id.
        """
        ...

    def for_company(self, company_id: CompanyId) -> CustomerGroup:
        """Return the automatic group of a company.

        Raises:
            NotFound: The company has no group.
        """
        ...

    def of_customer(self, customer_id: CustomerId) -> list[CustomerGroup]:
        """Return the groups a customer is a member of, sorted by id."""
        ...

    def all(self) -> list[CustomerGroup]:
        """Return every group, sorted by id."""
        ...


class LimitRepository(Protocol):
    """Purchasing limits."""

    def add(self, limit: PurchasingLimit) -> PurchasingLimit:
        """Store a new limit; return the stored copy.

        Raises:
            AlreadyExists: The id is taken.
            ValidationError: The scope's company does not exist.
        """
        ...

    def save(self, limit: PurchasingLimit) -> PurchasingLimit:
        """Store a changed limit; return the stored copy.

        Raises:
            NotFound: No limit has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The scope's company does not exist.
        """
        ...

    def remove(self, limit_id: LimitId) -> None:
        """Delete a limit.

        Raises:
            NotFound: No limit has this id.
        """
        ...

    def get(self, limit_id: LimitId) -> PurchasingLimit:
        """Return the limit with ``limit_id``.

        Raises:
            NotFound: No limit has this id.
        """
        ...

    def set_on(self, company_ids: Iterable[CompanyId]) -> list[PurchasingLimit]:
        """Return the limits (active or not) whose scope is set on any of these companies.

        Pass the ordering company and its ancestors to get every limit that may
        cover an order. Sorted by id.
        """
        ...

    def lock(self, limit_ids: Iterable[LimitId]) -> None:
        """Hold these limits' budgets against every other unit of work until this one ends.

        A service that checks an order against period budgets locks them
        first, then reads the spend, decides and records the order: two
        orders under one budget queue here, so together they can never
        overshoot it (nor both slip under an approval budget). PostgreSQL
        locks the limits' rows (``FOR UPDATE``, in id order, so lockers never
        deadlock); SQLite and the memory store, which have one writer at a
        time, take their write lock. Unknown ids are ignored.
        """
        ...


class CreditRepository(Protocol):
    """Credit accounts and their append-only ledgers."""

    def add(self, account: CreditAccount) -> CreditAccount:
        """Store a new account (with no ledger entries yet); return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or one of its companies is covered
                by another account already.
            ValidationError: Its company or a company it is shared with does
                not exist, or ``last_sequence`` is not 0.
        """
        ...

    def save(self, account: CreditAccount) -> CreditAccount:
        """Store a change of the account's terms: limit, hold, payment terms, sharing.

        The money figures (``balance``, ``reserved``, ``last_sequence``) are
        not the caller's to set: they move only by
        [`book`][b2b_customers.ports.CreditRepository.book], and the copy returned carries the
        stored ones. Booking does not change the account's version, so orders flowing on a line
        never make a change of its terms conflict.

        Raises:
            NotFound: No account has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The shared companies do not exist.
            AlreadyExists: A shared company is covered by another account.
        """
        ...

    def book(
        self, entry: LedgerEntry, *, within_limit: bool = False, off_hold: bool = False
    ) -> tuple[CreditAccount, LedgerEntry]:
        """Append ``entry`` to its account's ledger and move the account's totals, in one step.

        The store numbers the entry (the next sequence of the account; the
        entry's own ``sequence`` is replaced), adds its ``balance_change``
        and ``reserved_change`` to the stored totals, and keeps the open
        reservations in step: a reservation entry opens one under its
        reference, a release removes it, an invoice with
        ``released_from`` shrinks that one by ``released_reservation`` (and
        removes it when nothing is left).

        With ``within_limit`` the step happens only if, on the totals stored
        *at that moment*, the account is not on hold and its available credit
        covers the amount ([`CreditAccount.refusal`][b2b_customers.credit.CreditAccount.refusal]):
        one conditional write, so concurrent reservations can never together pass the limit.

        Services pass ``within_limit`` for every order's reservation the
        limit binds. A reservation the decision let past the limit (an
        account whose credit control is ``warn``, a buyer holding a bypass,
        a recorded override) is booked without it: the totals move past the
        limit, so ``reserved`` stays the sum of the open reservations and
        ``available`` goes below zero. The store's rule never loosens.

        With ``off_hold`` (implied by ``within_limit``) the step happens only
        if the account is not on hold at that moment, whatever the limit:
        services pass it for a reservation let past the limit, so a hold
        placed after the decision read the account stops that order too.

        Returns:
            The account as stored after the step, and the entry as appended.

        Raises:
            NotFound: No account has this id, or a release or invoice names a
                reservation the account does not hold.
            CreditOnHold: ``within_limit`` or ``off_hold``, and the account is on hold.
            InsufficientCredit: ``within_limit`` and the available credit is
                less than the amount.
            ValidationError: A reservation for this reference is open already,
                or a release's amount is not the reservation's.
            AlreadyExists: The entry's id is taken.
        """
        ...

    def reservation(self, account_id: CreditAccountId, reference: str) -> Reservation:
        """Return the open reservation held on the account for ``reference``.

        Raises:
            NotFound: The account holds no reservation for it.
        """
        ...

    def reservations(self, account_id: CreditAccountId) -> list[Reservation]:
        """Return the account's open reservations, sorted by reference.

        Raises:
            NotFound: No account has this id.
        """
        ...

    def get(self, account_id: CreditAccountId) -> CreditAccount:
        """Return the account with ``account_id``.

        Raises:
            NotFound: No account has this id.
        """
        ...

    def for_company(self, company_id: CompanyId, *, lock: bool = False) -> CreditAccount:
        """Return the account whose line a company's orders draw on (owned or shared).

        Args:
            company_id: The company.
            lock: Hold the account against other writers until the unit of
                work ends, for a check on its totals that the write after it
                relies on (an invoice's credit check): a
                [`book`][b2b_customers.ports.CreditRepository.book] in another
                unit of work then waits. ``SELECT ... FOR UPDATE`` on
                PostgreSQL; a store without row locks takes its write lock
                (SQLite, the memory store). Orders need no lock: ``book``
                checks the credit rule in its own write.

        Raises:
            NotFound: No account covers the company.
        """
        ...

    def entries(
        self,
        account_id: CreditAccountId,
        *,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[LedgerEntry]:
        """Return the account's ledger entries in sequence order.

        Args:
            account_id: The account.
            since: Only entries that occurred at or after this instant.
            until: Only entries that occurred before this instant.

        Raises:
            NotFound: No account has this id.
        """
        ...

    def using_terms(self, code: str) -> list[CreditAccountId]:
        """Return the ids of the accounts whose payment terms ``code`` names, sorted.

        Codes are compared by
        [terms_key][b2b_customers.credit.terms_key], as
        everywhere: ``"net_30"`` finds an account on ``"NET30"``.
        """
        ...


class OrderRepository(Protocol):
    """The order history, and the running spend totals that budgets read.

    Recording an order adds it to daily spend buckets (per company, per
    subtree of each ancestor, per location, per buyer; in the company's time
    zone; pending orders apart), so [`spent`][b2b_customers.ports.OrderRepository.spent] is a
    look-up per day of the window, never a scan of the history.
    """

    def add(
        self,
        order: OrderRecord,
        *,
        posting: SpendPosting | None = None,
        decision: DecisionRecord | None = None,
    ) -> OrderRecord:
        """Record an order (placed or pending approval); return the stored copy.

        Its total is booked as ``posting`` says
        ([`SpendPosting.of`][b2b_customers.limits.SpendPosting.of],
        from the company's time zone and ancestors, which the caller has at
        hand); without one, the store works it out the same way from the tree
        as it stands. The posting is kept with the order: a status change
        moves exactly the spend it booked. So is ``decision``, what the order
        was decided on (see [`decision_of`][b2b_customers.ports.OrderRepository.decision_of]), in
        the same write: a status change leaves it as it is.

        Raises:
            AlreadyExists: The id is taken.
            ValidationError: The company or buyer does not exist.
        """
        ...

    def add_many(self, orders: Iterable[OrderRecord]) -> list[OrderRecord]:
        """Record many orders at once (a bulk import of history); return the stored copies.

        Checks, errors and spend are those of [`add`][b2b_customers.ports.OrderRepository.add], for
        every item (an id given twice is taken the second time); adapters batch the writes.
        Inside a unit of work it is all or nothing: when an item fails, none is
        recorded and the spend totals stay as they were.
        """
        ...

    def save(self, order: OrderRecord) -> OrderRecord:
        """Store a status change (pending to placed, or cancelled); spend moves with it.

        Raises:
            NotFound: No order has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: Anything but the status (and version) changed.
        """
        ...

    def get(self, order_id: OrderId) -> OrderRecord:
        """Return the order with ``order_id``.

        Raises:
            NotFound: No order has this id.
        """
        ...

    def history(self, query: OrderQuery | None = None) -> Page[OrderRecord]:
        """Return one page of the orders matching ``query`` (default: all, newest first)."""
        ...

    def decision_of(self, order_id: OrderId) -> DecisionRecord | None:
        """Return the decision recorded with the order (``None``: recorded without one).

        Raises:
            NotFound: No order has this id.
        """
        ...

    def spent(
        self, key: SpendKey, window: Window, *, include_pending: bool = True
    ) -> dict[str, Decimal]:
        """Return the spend per currency code of ``key`` in ``window`` (empty when none).

        This makes the repository a [`SpendLookup`][b2b_customers.limits.SpendLookup].
        """
        ...


# -- approvals
#
# Four repositories, one per aggregate of b2b_customers.approvals: the requests
# (the workflow's state) and the three kinds of set-up a service loads into an
# ApprovalDirectory (policies, groups, approver limits). They are separate so
# that each keeps the same shape as the others (add, save, remove, get, and
# look-ups by company) and an adapter may keep them in different places.


class ApprovalRepository(Protocol):
    """Approval requests: the workflow's state, with their snapshots and audit trails.

    A request is stored whole; its status, company, requester, resource,
    submission and expiry times are also indexed, for the look-ups below.
    At most one **open** (pending or approved) request per company, resource
    type and resource id is stored, even when two units of work add one at
    once: the later write or commit raises `OpenRequestExists` (see
    `b2b_customers.approvals.open_resource`).
    """

    def add(self, request: ApprovalRequest) -> ApprovalRequest:
        """Store a new request; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken.
            OpenRequestExists: The request is open and another open request
                has its company, resource type and resource id (committed, or
                added in this unit of work); ``request_id`` names that one.
            ValidationError: The company or the requester does not exist.
        """
        ...

    def save(self, request: ApprovalRequest) -> ApprovalRequest:
        """Store a changed request (a move of the workflow); return the stored copy.

        The audit trail is append-only: the copy's trail must begin with the
        stored one.

        Raises:
            NotFound: No request has this id.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: The copy names another company, requester or
                resource than the stored request, or its audit trail does not
                continue the stored one.
        """
        ...

    def get(self, request_id: ApprovalRequestId) -> ApprovalRequest:
        """Return the request with ``request_id``.

        Raises:
            NotFound: No request has this id.
        """
        ...

    def open_for_company(self, company_id: CompanyId) -> list[ApprovalRequest]:
        """Return a company's open (pending or approved) requests, oldest submission first."""
        ...

    def due(self, at: datetime, *, limit: int | None = None) -> list[ApprovalRequest]:
        """Return the open requests due for expiry at ``at``: ``expires_at <= at``.

        Soonest ``expires_at`` first (ties by id), as
        [`due_for_expiry`][b2b_customers.approvals.due_for_expiry] sorts them; feed them to
        [`expire_due`][b2b_customers.approvals.expire_due].

        Args:
            at: Now, timezone-aware.
            limit: At most this many (a sweep may work in batches).

        Raises:
            ValidationError: ``at`` is naive, or ``limit`` is not a whole number >= 1.
        """
        ...

    def for_requester(self, customer_id: CustomerId) -> list[ApprovalRequest]:
        """Return every request of one customer, in any status, oldest submission first."""
        ...

    def search(self, query: ApprovalQuery | None = None) -> Page[ApprovalRequest]:
        """Return one page of the requests matching ``query`` (default: all, newest first)."""
        ...


class ApprovalPolicyRepository(Protocol):
    """Approval policies: at most one per company, and at most one seller-wide.

    The seller-wide policy has ``company_id=None``; it applies to companies
    without one of their own (see
    [`policy_for`][b2b_customers.approvals.ApprovalDirectory.policy_for]).
    """

    def add(self, policy: ApprovalPolicy) -> ApprovalPolicy:
        """Store a new policy; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the company (or the seller, for
                a seller-wide policy) has a policy already.
            ValidationError: The company does not exist.
        """
        ...

    def save(self, policy: ApprovalPolicy) -> ApprovalPolicy:
        """Store a changed policy; return the stored copy (version + 1).

        Requests keep the snapshot of the version they were submitted under.

        Raises:
            NotFound: No policy has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It moved to a company (or to seller-wide) that has one.
            ValidationError: The company does not exist.
        """
        ...

    def remove(self, policy_id: ApprovalPolicyId) -> None:
        """Delete a policy.

        Raises:
            NotFound: No policy has this id.
        """
        ...

    def get(self, policy_id: ApprovalPolicyId) -> ApprovalPolicy:
        """Return the policy with ``policy_id``.

        Raises:
            NotFound: No policy has this id.
        """
        ...

    def for_company(self, company_id: CompanyId | None) -> ApprovalPolicy:
        """Return a company's own policy, or the seller-wide one for ``None``.

        Raises:
            NotFound: The company (or the seller) has no policy.
        """
        ...

    def all(self) -> list[ApprovalPolicy]:
        """Return every policy, sorted by id."""
        ...


class ApprovalGroupRepository(Protocol):
    """Approval groups: at most one per company; members are stored customers."""

    def add(self, group: ApprovalGroup) -> ApprovalGroup:
        """Store a new group; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the company has its group already.
            ValidationError: The company, or a listed member, does not exist.
        """
        ...

    def save(self, group: ApprovalGroup) -> ApprovalGroup:
        """Store a changed group; return the stored copy (version + 1).

        Raises:
            NotFound: No group has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: It moved to a company that has a group already.
            ValidationError: The company, or a listed member, does not exist.
        """
        ...

    def remove(self, group_id: ApprovalGroupId) -> None:
        """Delete a group.

        Raises:
            NotFound: No group has this id.
        """
        ...

    def get(self, group_id: ApprovalGroupId) -> ApprovalGroup:
        """Return the group with ``group_id``.

        Raises:
            NotFound: No group has this id.
        """
        ...

    def for_company(self, company_id: CompanyId) -> ApprovalGroup:
        """Return the approval group of a company.

        Raises:
            NotFound: The company has no approval group.
        """
        ...

    def for_companies(self, company_ids: Iterable[CompanyId]) -> list[ApprovalGroup]:
        """Return the groups of any of these companies, sorted by id.

        Pass a company and its ancestors to get every group escalation may reach.
        """
        ...


class ApproverLimitRepository(Protocol):
    """Approver limits: at most one per customer and company, one per role and company."""

    def add(self, limit: ApproverLimit) -> ApproverLimit:
        """Store a new limit; return the stored copy (version 1).

        Raises:
            AlreadyExists: The id is taken, or the customer (or role) has a
                limit at the company already.
            ValidationError: The company, or the customer it is set on, does not exist.
        """
        ...

    def save(self, limit: ApproverLimit) -> ApproverLimit:
        """Store a changed limit; return the stored copy (version + 1).

        Raises:
            NotFound: No limit has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: The customer (or role) has another limit at the company.
            ValidationError: The company, or the customer it is set on, does not exist.
        """
        ...

    def remove(self, limit_id: ApproverLimitId) -> None:
        """Delete a limit.

        Raises:
            NotFound: No limit has this id.
        """
        ...

    def get(self, limit_id: ApproverLimitId) -> ApproverLimit:
        """Return the limit with ``limit_id``.

        Raises:
            NotFound: No limit has this id.
        """
        ...

    def for_companies(self, company_ids: Iterable[CompanyId]) -> list[ApproverLimit]:
        """Return the limits set at any of these companies, sorted by id.

        Pass a company and its ancestors to get every limit escalation may need.
        """
        ...

    def hold_tally(self, approver_id: CustomerId) -> None:
        """Hold what ``approver_id`` approved against every other unit of work until this one ends.

        A service that lets a customer approve holds their tally first, then
        reads what they approved in the current period, decides and records
        the approval: two approvals by one approver queue here, so together
        they can never pass a cap per period (see
        [ApproverLimit][b2b_customers.approvals.ApproverLimit]), whichever
        companies' requests they approve. PostgreSQL takes a
        transaction-scoped advisory lock on the approver's id within the
        store's schema; SQLite and the memory store, which have one writer at
        a time, take their write lock.
        """
        ...


class PaymentTermsRepository(Protocol):
    """The seller's own payment terms: at most one per code.

    Codes are compared by
    [terms_key][b2b_customers.credit.terms_key]: ``"NET_30"``
    and ``"net30"`` are one code, so a store keeps terms by that key (the
    SQL store's primary key ``code_key``) and every look-up goes through it.
    The presets of [STANDARD_TERMS][b2b_customers.credit.STANDARD_TERMS] are
    not stored; stored terms with a preset's code take its place.
    """

    def add(self, terms: PaymentTerms) -> PaymentTerms:
        """Store new terms; return the stored copy (version 1).

        Waits for a unit of work that holds the code (``get(code, lock=True)``),
        as ``save`` and ``remove`` do.

        Raises:
            AlreadyExists: Terms with the same code (by key) are stored already.
            ValidationError: ``terms`` is not a
                [PaymentTerms][b2b_customers.credit.PaymentTerms].
        """
        ...

    def save(self, terms: PaymentTerms) -> PaymentTerms:
        """Store a changed copy of stored terms; return the stored copy (version + 1).

        Raises:
            NotFound: No terms with this code are stored.
            StaleVersion: The copy's version is not the stored one.
            ValidationError: ``terms`` is not a
                [PaymentTerms][b2b_customers.credit.PaymentTerms].
        """
        ...

    def remove(self, code: str) -> None:
        """Delete the terms with this code.

        Raises:
            NotFound: No terms with this code are stored.
        """
        ...

    def get(self, code: str, *, lock: bool = False) -> PaymentTerms:
        """Return the stored terms with this code (compared by key).

        Args:
            code: The code, in any spelling.
            lock: Hold the code against other writers until the unit of work
                ends, whether terms are stored under it or not (a preset's
                code), for a read an account is about to name them by: a
                concurrent ``remove``, or an ``add`` of terms for that code,
                then waits, and sees the account. The SQL store takes an
                advisory lock on the code and ``SELECT ... FOR UPDATE`` on
                PostgreSQL; a store without row locks takes its write lock
                (SQLite, the memory store).

        Raises:
            NotFound: No terms with this code are stored (the lock is held all the same).
        """
        ...

    def all(self) -> list[PaymentTerms]:
        """Return every stored terms, sorted by the key of their code."""
        ...


# -- audit log


class AuditLog(Protocol):
    """The audit log: every change, who made it, before and after. Append-only.

    There is no way to change or remove an entry. Entries appended in a unit
    of work become visible to others when it commits and vanish when it rolls
    back, like every other change. Lists come oldest first (by
    ``occurred_at``), entries of the same instant in the order they were
    appended, so paging through a log that only grows at the end is stable.
    """

    def append(self, entry: AuditLogEntry) -> AuditLogEntry:
        """Add an entry at the end of the log; return it.

        A store may send appended entries in one batch with the unit of work's
        other writes: then an id committed before is refused at commit (with
        nothing of the unit of work written) rather than here.

        Raises:
            AlreadyExists: An entry with this id is in the log already (or was
                appended in this unit of work).
            ValidationError: ``entry`` is not an
                [`AuditLogEntry`][b2b_customers.domain.AuditLogEntry].
        """
        ...

    def append_many(self, entries: Iterable[AuditLogEntry]) -> list[AuditLogEntry]:
        """Add entries at the end of the log, in this order, all or none; return them.

        Raises:
            AlreadyExists: An entry's id is in the log already, or given twice.
            ValidationError: An item is not an
                [`AuditLogEntry`][b2b_customers.domain.AuditLogEntry].
        """
        ...

    def for_company(
        self, company_id: CompanyId, query: AuditQuery | None = None
    ) -> Page[AuditLogEntry]:
        """Return one page of the entries of one company (default: the first 50).

        Only entries whose ``company_id`` is this company; its subsidiaries'
        entries are their own.
        """
        ...

    def for_aggregate(
        self, aggregate_type: str, aggregate_id: str, query: AuditQuery | None = None
    ) -> Page[AuditLogEntry]:
        """Return one page of the history of one aggregate, whatever its company.

        The arguments replace the query's ``aggregate_type`` and ``aggregate_id``.
        """
        ...


# -- outbox


@frozen(kw_only=True)
class OutboxEntry:
    """A stored domain event waiting to be published.

    Attributes:
        position: Where it stands in the outbox (increasing in commit order
            within one store; use it to resume).
        event: The event.
        published_at: When it was marked published, if it was.
    """

    position: int
    event: DomainEvent
    published_at: datetime | None = None


class Outbox(Protocol):
    """The domain events stored with the changes they describe, for publishing."""

    def pending(self, *, limit: int = 100) -> list[OutboxEntry]:
        """Return the oldest events not yet published, oldest first."""
        ...

    def mark_published(self, event_ids: Sequence[EventId]) -> None:
        """Mark these events published (at the store's clock); unknown ids are ignored."""
        ...


# -- unit of work and store


class UnitOfWork(Protocol):
    """One transaction over every repository: all of it happens, or none of it.

    Use it as a context manager; leaving the block without
    [`commit`][b2b_customers.ports.UnitOfWork.commit]
    rolls back::

        with store.unit_of_work() as uow:
            company = uow.companies.add(company)
            uow.record(event)
            uow.commit()

    **A failed write ends it.** When a repository's write (``add``,
    ``add_many``, ``save``, ``remove``, ``book``, ``append``,
    ``mark_published``) raises, the transaction is lost: nothing of this
    unit of work since its last commit is written, neither the failed write
    nor the changes before it, and [`commit`][b2b_customers.ports.UnitOfWork.commit] raises
    [`StorageError`][b2b_customers.StorageError]. (The SQL store has rolled the
    transaction back already and refuses every further read and write too;
    the memory store refuses the commit.) Catching the error does not save
    the unit of work: leave the ``with`` block and start a new one, or call
    [`rollback`][b2b_customers.ports.UnitOfWork.rollback], after which it is usable again, with
    nothing in it. To try something that may fail without losing earlier work, commit that
    work first, or check before writing (``get_many``, a look-up). A read
    that raises, such as ``get`` of a missing id (``NotFound``), ends
    nothing: the unit of work goes on.
    """

    companies: CompanyRepository
    locations: LocationRepository
    customers: CustomerRepository
    contacts: ContactRepository
    groups: CustomerGroupRepository
    limits: LimitRepository
    credit: CreditRepository
    orders: OrderRepository
    approvals: ApprovalRepository
    approval_policies: ApprovalPolicyRepository
    approval_groups: ApprovalGroupRepository
    approver_limits: ApproverLimitRepository
    payment_terms: PaymentTermsRepository
    audit: AuditLog
    outbox: Outbox

    def __enter__(self) -> Self:
        """Begin the transaction."""
        ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """End the transaction, rolling back whatever was not committed."""
        ...

    def commit(self) -> None:
        """Make every change (and recorded event) permanent and visible.

        Raises:
            StaleVersion: Another unit of work committed a newer version of an
                aggregate this one changed (nothing of this one is written).
            StorageError: A repository write of this unit of work failed since
                its last commit (nothing of it is written; roll back or leave
                the ``with`` block), or the store failed.
        """
        ...

    def rollback(self) -> None:
        """Throw away every change since the last commit, and any failed write's effect.

        After a failed write, this is what makes the unit of work usable again.
        """
        ...

    def record(self, event: DomainEvent) -> None:
        """Store ``event`` in the outbox with this transaction's changes."""
        ...

    @property
    def committed_events(self) -> list[DomainEvent]:
        """The events of the last commit, for in-process handlers."""
        ...


@runtime_checkable
class RecordsCreations(Protocol):
    """A unit of work that writes the events and audit entries of many creations itself.

    Optional: a bulk import records one ``*.created`` event and one audit
    entry per aggregate it creates. Through the
    [`UnitOfWork`][b2b_customers.ports.UnitOfWork] protocol that is a
    [`DomainEvent`][b2b_customers.domain.DomainEvent] and an
    [`AuditLogEntry`][b2b_customers.domain.AuditLogEntry] made for each,
    then ``audit.append_many`` and ``record``; a unit of work that also has
    this method is handed the creations instead, and may write the same
    rows without making those objects (the SQL store writes each
    aggregate's JSON, as its ``add_many`` just wrote it, into both). An
    adapter without it loses nothing but that speed.

    What is written must be what the protocol's way writes: for each
    creation, in order, the event ``creations`` makes of it (its payload the
    aggregate's converter form) in the outbox, and the matching entry in the
    audit log, with this unit of work's changes.
    """

    def record_creations(self, creations: Creations, created: Sequence[Created]) -> None:
        """Record the event and audit entry of each creation.

        Raises:
            ValidationError: A creation's ids are not valid
                ([`Creations.check`][b2b_customers.domain.creations.Creations.check]).
            AlreadyExists: An event id is given twice, or is recorded or in
                the audit log already.
        """
        ...


class Store(Protocol):
    """A place where the library keeps its data: memory, SQLite, PostgreSQL, an ERP."""

    clock: Clock

    def unit_of_work(self) -> UnitOfWork:
        """Return a new unit of work (begin it with ``with``)."""
        ...

    def dispose(self) -> None:
        """Release what the store holds open (a connection pool, files); call it at shutdown.

        A store with nothing to release does nothing. No unit of work may be
        opened on it afterwards.
        """
        ...
