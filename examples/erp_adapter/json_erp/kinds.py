"""The kinds of row the export holds: one JSON file each, and how each row is keyed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from attrs import frozen

from b2b_customers.approvals import ApprovalGroup, ApprovalPolicy, ApprovalRequest, ApproverLimit
from b2b_customers.credit import CreditAccount, LedgerEntry, PaymentTerms, Reservation
from b2b_customers.domain import Company, ContactAssignment, Customer, CustomerGroup, Location
from b2b_customers.domain.order import OrderRecord
from b2b_customers.limits import PurchasingLimit
from b2b_customers.ports import OutboxEntry
from json_erp.audit import AuditRow
from json_erp.spend import OrderPosting

__all__ = [
    "ALL_KINDS",
    "APPROVAL_GROUPS",
    "APPROVAL_POLICIES",
    "APPROVAL_REQUESTS",
    "APPROVER_LIMITS",
    "AUDIT_LOG",
    "COMPANIES",
    "CONTACTS",
    "CREDIT_ACCOUNTS",
    "CREDIT_RESERVATIONS",
    "CUSTOMERS",
    "CUSTOMER_GROUPS",
    "LEDGER_ENTRIES",
    "LOCATIONS",
    "ORDERS",
    "OUTBOX",
    "PAYMENT_TERMS",
    "PURCHASING_LIMITS",
    "SPEND_POSTINGS",
    "Kind",
]

T = TypeVar("T")


@frozen
class Kind(Generic[T]):
    """One kind of row in the export: the file it lives in and how a row is keyed.

    Attributes:
        name: The file's stem: rows of kind ``companies`` live in ``companies.json``.
        row_type: The class a row is structured to through the library's converter.
        key: A row's key, unique within its kind (its id).
    """

    name: str
    row_type: type[T]
    key: Callable[[T], str]


COMPANIES = Kind("companies", Company, lambda row: row.id)
LOCATIONS = Kind("locations", Location, lambda row: row.id)
CUSTOMERS = Kind("customers", Customer, lambda row: row.id)
CONTACTS = Kind("contacts", ContactAssignment, lambda row: row.id)
CUSTOMER_GROUPS = Kind("customer_groups", CustomerGroup, lambda row: row.id)
PURCHASING_LIMITS = Kind("purchasing_limits", PurchasingLimit, lambda row: row.id)
CREDIT_ACCOUNTS = Kind("credit_accounts", CreditAccount, lambda row: row.id)
LEDGER_ENTRIES = Kind("ledger_entries", LedgerEntry, lambda row: row.id)
CREDIT_RESERVATIONS = Kind(
    "credit_reservations", Reservation, lambda row: f"{row.account_id}/{row.reference}"
)
ORDERS = Kind("orders", OrderRecord, lambda row: row.id)
SPEND_POSTINGS = Kind("spend_postings", OrderPosting, lambda row: row.order_id)
APPROVAL_REQUESTS = Kind("approval_requests", ApprovalRequest, lambda row: row.id)
APPROVAL_POLICIES = Kind("approval_policies", ApprovalPolicy, lambda row: row.id)
APPROVAL_GROUPS = Kind("approval_groups", ApprovalGroup, lambda row: row.id)
APPROVER_LIMITS = Kind("approver_limits", ApproverLimit, lambda row: row.id)
PAYMENT_TERMS = Kind("payment_terms", PaymentTerms, lambda row: row.key)
AUDIT_LOG = Kind("audit_log", AuditRow, lambda row: row.entry.id)
OUTBOX = Kind("outbox", OutboxEntry, lambda row: row.event.id)

ALL_KINDS: tuple[Kind[Any], ...] = (
    COMPANIES,
    LOCATIONS,
    CUSTOMERS,
    CONTACTS,
    CUSTOMER_GROUPS,
    PURCHASING_LIMITS,
    CREDIT_ACCOUNTS,
    LEDGER_ENTRIES,
    CREDIT_RESERVATIONS,
    ORDERS,
    SPEND_POSTINGS,
    APPROVAL_REQUESTS,
    APPROVAL_POLICIES,
    APPROVAL_GROUPS,
    APPROVER_LIMITS,
    PAYMENT_TERMS,
    AUDIT_LOG,
    OUTBOX,
)
"""Every kind, in the order the files are loaded and written."""
