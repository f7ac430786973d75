"""The pure domain model: companies, locations, customers, contacts and groups.

Nothing here does I/O or reads the clock. Entities are immutable attrs
classes that validate themselves on construction: change one with
`attrs.evolve` or its methods, which return a validated copy.
"""

from b2b_customers.domain.address_book import AddressBook
from b2b_customers.domain.audit import ActorKind, AuditLogEntry
from b2b_customers.domain.company import (
    Company,
    CompanyKind,
    CompanyStatus,
    CustomerType,
    LegalInfo,
    SalesTax,
    SalesTaxType,
    Weekday,
)
from b2b_customers.domain.contact import (
    SELL_TO_EVENTS,
    ContactAssignment,
    ContactType,
    NotificationEvent,
)
from b2b_customers.domain.customer import Customer, CustomerStatus
from b2b_customers.domain.customer_group import CustomerGroup, GroupKind
from b2b_customers.domain.events import DomainEvent
from b2b_customers.domain.hierarchy import MAX_DEPTH, CompanyTree, ensure_acyclic
from b2b_customers.domain.location import Address, Location, LocationType
from b2b_customers.domain.membership import DUTY_ROLES, PURCHASING_ROLES, Membership, Role
from b2b_customers.domain.versioned import Versioned

__all__ = [
    "DUTY_ROLES",
    "MAX_DEPTH",
    "PURCHASING_ROLES",
    "SELL_TO_EVENTS",
    "ActorKind",
    "Address",
    "AddressBook",
    "AuditLogEntry",
    "Company",
    "CompanyKind",
    "CompanyStatus",
    "CompanyTree",
    "ContactAssignment",
    "ContactType",
    "Customer",
    "CustomerGroup",
    "CustomerStatus",
    "CustomerType",
    "DomainEvent",
    "GroupKind",
    "LegalInfo",
    "Location",
    "LocationType",
    "Membership",
    "NotificationEvent",
    "Role",
    "SalesTax",
    "SalesTaxType",
    "Versioned",
    "Weekday",
    "ensure_acyclic",
]
