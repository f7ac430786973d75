"""The SQL schema: SQLAlchemy Core tables for every aggregate, the outbox and their indexes.

Each aggregate table keeps the converter's JSON form of the entity in a
``data`` column (lossless: reads structure it back) next to the columns that
queries filter and sort by, and the columns the database needs to enforce the
rules of [`b2b_customers.ports`][]:

* primary keys for ids, unique constraints for account numbers, (lower-cased)
  email addresses, one contact per customer and company, one automatic
  group, one approval policy, one approval group per company, and one
  approver limit per customer or role and company;
* partial unique indexes for one primary / default billing / default
  shipping location per company, one primary contact per company and type,
  and one seller-wide approval policy;
* foreign keys for every reference to a company (and a contact's, an
  approval request's and an approver limit's customer).

Text that lists are sorted by uses the ``"C"`` collation on PostgreSQL, so
the database sorts by code point as Python does. Tables carry no schema name;
a store (and [`migrate`][b2b_customers.adapters.sql.migrate.migrate]) maps them into a
PostgreSQL schema with ``schema_translate_map``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects import postgresql

from b2b_customers.ids import MAX_ID_LENGTH

if TYPE_CHECKING:
    from sqlalchemy.types import TypeEngine

__all__ = [
    "NAMING_CONVENTION",
    "OPEN_REQUEST_PER_RESOURCE",
    "approval_groups",
    "approval_policies",
    "approval_requests",
    "approval_verdicts",
    "approver_limits",
    "audit_log",
    "companies",
    "company_custom_fields",
    "company_tags",
    "contact_assignments",
    "credit_accounts",
    "credit_coverage",
    "credit_reservations",
    "customer_group_members",
    "customer_groups",
    "customer_tags",
    "customers",
    "ledger_entries",
    "locations",
    "memberships",
    "metadata",
    "orders",
    "outbox",
    "payment_terms",
    "purchasing_limits",
    "spend_buckets",
]

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
"""How constraints and indexes are named, so migrations and error messages can name them."""

metadata = MetaData(naming_convention=NAMING_CONVENTION)
"""Every table of the library."""

_NAME_LENGTH = 255
_CODE_LENGTH = 64
_STATUS_LENGTH = 16
_EMAIL_LENGTH = 254
_HASH_LENGTH = 32


def _amount() -> TypeEngine[Any]:
    """An exact decimal amount: NUMERIC on PostgreSQL, text on SQLite (whose numbers are floats)."""
    return Numeric().with_variant(Text(), "sqlite")


def _text(length: int | None = None) -> String:
    """Text compared by code point on PostgreSQL (collation "C"), as Python compares it."""
    if length is None:
        return Text().with_variant(postgresql.TEXT(collation="C"), "postgresql")
    return String(length).with_variant(postgresql.VARCHAR(length, collation="C"), "postgresql")


def _id() -> String:
    return _text(MAX_ID_LENGTH)


def _data() -> JSON:
    return JSON().with_variant(postgresql.JSONB(), "postgresql")


def _timestamp() -> DateTime:
    return DateTime(timezone=True)


def _bookkeeping() -> list[Column[object]]:
    return [
        Column("version", Integer, nullable=False),
        Column("created_at", _timestamp(), nullable=False),
        Column("updated_at", _timestamp(), nullable=False),
    ]


def _company_ref(name: str, *, nullable: bool = False) -> Column[str]:
    return Column(name, _id(), ForeignKey("companies.id"), nullable=nullable)


companies = Table(
    "companies",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    Column("name", _text(_NAME_LENGTH), nullable=False),
    Column("name_lower", _text(), nullable=False),
    _company_ref("parent_id", nullable=True),
    _company_ref("bill_to_id", nullable=True),
    _company_ref("master_id", nullable=True),
    Column("status", String(_STATUS_LENGTH), nullable=False),
    Column("account_number", _text(_CODE_LENGTH), nullable=True),
    Column("tax_registration_number", _text(_CODE_LENGTH), nullable=True),
    Column("country", String(2), nullable=True),
    Column("data", _data(), nullable=False),
    UniqueConstraint("account_number"),
    Index(None, "parent_id"),
    Index(None, "name", "id"),
    Index(None, "name_lower"),
    Index(None, "status"),
    Index(None, "tax_registration_number"),
    Index(None, "country"),
    Index(None, "created_at", "id"),
)
"""Companies: the tree (``parent_id``), account numbers, and what lists filter and sort by."""

company_tags = Table(
    "company_tags",
    metadata,
    _company_ref("company_id"),
    Column("tag", _text(_CODE_LENGTH), nullable=False),
    PrimaryKeyConstraint("company_id", "tag"),
    Index(None, "tag"),
)
"""One row per tag of a company."""

company_custom_fields = Table(
    "company_custom_fields",
    metadata,
    _company_ref("company_id"),
    Column("key", _text(_CODE_LENGTH), nullable=False),
    Column("value", Text, nullable=False),
    Column("value_hash", String(_HASH_LENGTH), nullable=False),
    PrimaryKeyConstraint("company_id", "key"),
    Index(None, "key", "value_hash"),
)
"""One row per custom field of a company: the JSON-encoded value and a digest to index it."""

locations = Table(
    "locations",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    _company_ref("company_id"),
    Column("is_primary", Boolean, nullable=False),
    Column("is_default_billing", Boolean, nullable=False),
    Column("is_default_shipping", Boolean, nullable=False),
    Column("data", _data(), nullable=False),
    Index(None, "company_id", "created_at", "id"),
)
"""Locations of companies."""

Index(
    "uq_locations_primary",
    locations.c.company_id,
    locations.c.is_primary,
    unique=True,
    sqlite_where=locations.c.is_primary,
    postgresql_where=locations.c.is_primary,
)
Index(
    "uq_locations_default_billing",
    locations.c.company_id,
    locations.c.is_default_billing,
    unique=True,
    sqlite_where=locations.c.is_default_billing,
    postgresql_where=locations.c.is_default_billing,
)
Index(
    "uq_locations_default_shipping",
    locations.c.company_id,
    locations.c.is_default_shipping,
    unique=True,
    sqlite_where=locations.c.is_default_shipping,
    postgresql_where=locations.c.is_default_shipping,
)

customers = Table(
    "customers",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    Column("email", _text(_EMAIL_LENGTH), nullable=False),
    Column("last_name", _text(_NAME_LENGTH), nullable=False),
    Column("first_name_lower", _text(), nullable=False),
    Column("last_name_lower", _text(), nullable=False),
    Column("status", String(_STATUS_LENGTH), nullable=False),
    Column("data", _data(), nullable=False),
    UniqueConstraint("email"),
    Index(None, "last_name", "id"),
    Index(None, "status"),
    Index(None, "created_at", "id"),
)
"""Customers; ``email`` is stored lower-cased, so its unique constraint ignores case."""

customer_tags = Table(
    "customer_tags",
    metadata,
    Column("customer_id", _id(), ForeignKey("customers.id"), nullable=False),
    Column("tag", _text(_CODE_LENGTH), nullable=False),
    PrimaryKeyConstraint("customer_id", "tag"),
    Index(None, "tag"),
)
"""One row per tag of a customer."""

memberships = Table(
    "memberships",
    metadata,
    Column("customer_id", _id(), ForeignKey("customers.id"), nullable=False),
    _company_ref("company_id"),
    Column("role", String(_STATUS_LENGTH), nullable=False),
    Column("status", String(_STATUS_LENGTH), nullable=False),
    PrimaryKeyConstraint("customer_id", "company_id", "role"),
    Index(None, "company_id", "role"),
)
"""One row per role a customer holds in a company, with the membership's status there."""

contact_assignments = Table(
    "contact_assignments",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    _company_ref("company_id"),
    Column("customer_id", _id(), ForeignKey("customers.id"), nullable=False),
    Column("type", String(_STATUS_LENGTH), nullable=False),
    Column("is_primary", Boolean, nullable=False),
    Column("data", _data(), nullable=False),
    UniqueConstraint("company_id", "customer_id"),
    Index(None, "customer_id"),
)
"""Contact assignments: at most one per customer and company."""

Index(
    "uq_contact_assignments_primary",
    contact_assignments.c.company_id,
    contact_assignments.c.type,
    contact_assignments.c.is_primary,
    unique=True,
    sqlite_where=contact_assignments.c.is_primary,
    postgresql_where=contact_assignments.c.is_primary,
)

customer_groups = Table(
    "customer_groups",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    Column("kind", String(_STATUS_LENGTH), nullable=False),
    _company_ref("company_id", nullable=True),
    Column("data", _data(), nullable=False),
    UniqueConstraint("company_id"),
)
"""Customer groups; a company has at most one (automatic) group."""

customer_group_members = Table(
    "customer_group_members",
    metadata,
    Column("group_id", _id(), ForeignKey("customer_groups.id"), nullable=False),
    Column("customer_id", _id(), nullable=False),
    PrimaryKeyConstraint("group_id", "customer_id"),
    Index(None, "customer_id"),
)
"""One row per member of a customer group."""

purchasing_limits = Table(
    "purchasing_limits",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    _company_ref("company_id"),
    Column("data", _data(), nullable=False),
    Index(None, "company_id"),
)
"""Purchasing limits, by the company their scope is set on."""

credit_accounts = Table(
    "credit_accounts",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    _company_ref("company_id"),
    Column("last_sequence", Integer, nullable=False),
    Column("credit_limit", _amount(), nullable=False),
    Column("balance", _amount(), nullable=False),
    Column("reserved", _amount(), nullable=False),
    Column("on_hold", Boolean, nullable=False),
    Column("data", _data(), nullable=False),
)
"""Credit accounts: their terms in ``data``; the figures the credit rule reads are columns.

``balance``, ``reserved`` and ``last_sequence`` move only by booking a
ledger entry, in one conditional ``UPDATE``; ``credit_limit`` and
``on_hold`` follow the terms saved in ``data``.
"""

credit_reservations = Table(
    "credit_reservations",
    metadata,
    Column("account_id", _id(), ForeignKey("credit_accounts.id"), nullable=False),
    Column("reference", _id(), nullable=False),
    Column("amount", _amount(), nullable=False),
    PrimaryKeyConstraint("account_id", "reference"),
)
"""The open reservations: one row per order holding credit on an account."""

credit_coverage = Table(
    "credit_coverage",
    metadata,
    Column("company_id", _id(), ForeignKey("companies.id"), primary_key=True),
    Column("account_id", _id(), ForeignKey("credit_accounts.id"), nullable=False),
    Index(None, "account_id"),
)
"""Which account each company draws on: its owner and the companies it is shared with.

The primary key makes a company draw on one credit line at most.
"""

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("id", _id(), primary_key=True),
    Column("account_id", _id(), ForeignKey("credit_accounts.id"), nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("occurred_at", _timestamp(), nullable=False),
    Column("data", _data(), nullable=False),
    UniqueConstraint("account_id", "sequence"),
    Index(None, "account_id", "occurred_at"),
)
"""The append-only ledgers: one row per entry, numbered without gaps per account."""

orders = Table(
    "orders",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    _company_ref("company_id"),
    Column("buyer_id", _id(), ForeignKey("customers.id"), nullable=False),
    Column("location_id", _id(), nullable=True),
    Column("status", String(_STATUS_LENGTH), nullable=False),
    Column("placed_at", _timestamp(), nullable=False),
    Column("total_key", _text(), nullable=False),
    Column("posting", _data(), nullable=False),
    Column("data", _data(), nullable=False),
    Column("decision", _data(), nullable=True),
    Index(None, "company_id", "placed_at"),
    Index(None, "buyer_id", "placed_at"),
    Index(None, "location_id"),
    Index(None, "placed_at", "id"),
)
"""The order history. ``total_key`` sorts as the total's amount does; ``posting`` says
which spend buckets the order was booked in (keys, local day, currency); ``decision`` what
the order was decided on (a DecisionRecord), when the service recorded one."""

spend_buckets = Table(
    "spend_buckets",
    metadata,
    Column("kind", String(_STATUS_LENGTH), nullable=False),
    Column("company_id", _id(), nullable=False),
    Column("other_id", _id(), nullable=False),
    Column("day", Date, nullable=False),
    Column("currency", String(3), nullable=False),
    Column("pending", Boolean, nullable=False),
    Column("amount", _amount(), nullable=False),
    PrimaryKeyConstraint("kind", "company_id", "other_id", "day", "currency", "pending"),
)
"""Spend per key, local day, currency and pending flag (exact decimals: text on SQLite)."""

approval_requests = Table(
    "approval_requests",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    _company_ref("company_id"),
    Column("requester_id", _id(), ForeignKey("customers.id"), nullable=False),
    Column("status", String(_STATUS_LENGTH), nullable=False),
    Column("resource_type", String(_STATUS_LENGTH), nullable=False),
    Column("resource_id", _id(), nullable=False),
    Column("submitted_at", _timestamp(), nullable=False),
    Column("expires_at", _timestamp(), nullable=False),
    Column("data", _data(), nullable=False),
    Index(None, "company_id", "status", "submitted_at"),
    Index(None, "status", "expires_at"),
    Index(None, "requester_id", "submitted_at"),
    Index(None, "resource_id"),
    Index(None, "submitted_at", "id"),
)
"""Approval requests: a company's open ones by ``(company_id, status)``, the expiry sweep's
by ``(status, expires_at)``, a requester's, a resource's, and every one by submission."""

approval_verdicts = Table(
    "approval_verdicts",
    metadata,
    Column("request_id", _id(), ForeignKey("approval_requests.id"), nullable=False),
    Column("approver_id", _id(), nullable=False),
    Column("approved_at", _timestamp(), nullable=False),
    PrimaryKeyConstraint("request_id", "approver_id", "approved_at"),
    Index(None, "approver_id", "approved_at"),
)
"""Who approved which request when: one row per approval given, kept in step with the
request's ``data`` by every write. The index finds what one approver approved since an
instant (a cap per period) without reading every request."""

OPEN_REQUEST_PER_RESOURCE = "uq_approval_requests_open_resource"
"""The partial unique index that keeps one open request per company and resource."""

Index(
    OPEN_REQUEST_PER_RESOURCE,
    approval_requests.c.company_id,
    approval_requests.c.resource_type,
    approval_requests.c.resource_id,
    unique=True,
    sqlite_where=text("status IN ('pending', 'approved')"),
    postgresql_where=text("status IN ('pending', 'approved')"),
)

approval_policies = Table(
    "approval_policies",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    _company_ref("company_id", nullable=True),
    Column("seller_wide", Boolean, nullable=False),
    Column("data", _data(), nullable=False),
    UniqueConstraint("company_id"),
)
"""Approval policies: one per company (``company_id``), one seller-wide (``seller_wide``)."""

Index(
    "uq_approval_policies_seller_wide",
    approval_policies.c.seller_wide,
    unique=True,
    sqlite_where=approval_policies.c.seller_wide,
    postgresql_where=approval_policies.c.seller_wide,
)

approval_groups = Table(
    "approval_groups",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    _company_ref("company_id"),
    Column("data", _data(), nullable=False),
    UniqueConstraint("company_id"),
)
"""Approval groups: one per company (the members are in ``data``)."""

approver_limits = Table(
    "approver_limits",
    metadata,
    Column("id", _id(), primary_key=True),
    *_bookkeeping(),
    _company_ref("company_id"),
    Column("customer_id", _id(), ForeignKey("customers.id"), nullable=True),
    Column("role", String(_STATUS_LENGTH), nullable=True),
    Column("data", _data(), nullable=False),
    UniqueConstraint("company_id", "customer_id"),
    UniqueConstraint("company_id", "role"),
)
"""Approver limits: one per customer and company, one per role and company (a limit
sets one of the two; the other is ``NULL``, which never collides)."""

payment_terms = Table(
    "payment_terms",
    metadata,
    Column("code_key", _text(_NAME_LENGTH), primary_key=True),
    *_bookkeeping(),
    Column("code", _id(), nullable=False),
    Column("data", _data(), nullable=False),
)
"""The seller's payment terms, keyed by ``code_key``: the code as codes are compared
([terms_key][b2b_customers.credit.terms_key]), so ``"NET_30"`` and
``"net30"`` can never both be stored."""

outbox = Table(
    "outbox",
    metadata,
    Column(
        "position",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("event_id", _id(), nullable=False),
    Column("name", String(_NAME_LENGTH), nullable=False),
    Column("aggregate_type", String(_CODE_LENGTH), nullable=False),
    Column("aggregate_id", _id(), nullable=False),
    Column("company_id", _id(), nullable=True),
    Column("occurred_at", _timestamp(), nullable=False),
    Column("published_at", _timestamp(), nullable=True),
    Column("data", _data(), nullable=False),
    UniqueConstraint("event_id"),
    sqlite_autoincrement=True,
)
"""Domain events, stored with the changes they describe; ``position`` follows commit order."""

Index(
    "ix_outbox_pending",
    outbox.c.position,
    sqlite_where=outbox.c.published_at.is_(None),
    postgresql_where=outbox.c.published_at.is_(None),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "position",
        BigInteger().with_variant(Integer(), "sqlite"),
        primary_key=True,
        autoincrement=True,
    ),
    Column("entry_id", _id(), nullable=False),
    Column("occurred_at", _timestamp(), nullable=False),
    Column("company_id", _id(), nullable=True),
    Column("aggregate_type", String(_CODE_LENGTH), nullable=False),
    Column("aggregate_id", _id(), nullable=False),
    Column("action", String(_NAME_LENGTH), nullable=False),
    Column("actor_id", _id(), nullable=True),
    Column("data", _data(), nullable=False),
    UniqueConstraint("entry_id"),
    Index(None, "company_id", "occurred_at", "position"),
    Index(None, "aggregate_type", "aggregate_id", "occurred_at", "position"),
    sqlite_autoincrement=True,
)
"""The audit log, append-only; ``position`` is the order entries were appended in.

No foreign keys: an entry outlives what it describes (a removed contact, a
location). A company's entries by ``(company_id, occurred_at)``, an
aggregate's history by ``(aggregate_type, aggregate_id, occurred_at)``."""
