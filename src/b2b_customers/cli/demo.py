"""``b2b-customers demo``: the customer model of a small group, in plain words.

For now it shows the domain model working in memory; it grows with the
library (persistence, limits, approvals) into a full walk-through.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from b2b_customers.domain import (
    Address,
    AddressBook,
    Company,
    CompanyTree,
    ContactAssignment,
    ContactType,
    Customer,
    CustomerGroup,
    LegalInfo,
    Location,
    LocationType,
    NotificationEvent,
    Role,
)
from b2b_customers.errors import B2BError
from b2b_customers.ids import (
    CompanyId,
    ContactAssignmentId,
    CustomerGroupId,
    CustomerId,
    LocationId,
    SequentialIds,
)
from b2b_customers.serialization import make_converter

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

__all__ = ["run"]


def run(_arguments: argparse.Namespace) -> None:
    """Print the walk-through."""
    ids = SequentialIds("demo-")
    head = Company(
        id=CompanyId("acme"),
        name="ACME Construction Group",
        currency="EUR",
        time_zone="Europe/Berlin",
        account_number="C-10001",
        legal_info=LegalInfo(
            legal_name="ACME Construction Group AG",
            country="DE",
            tax_registration_number="DE123456789",
        ),
        term_customer=True,
    )
    north = Company(
        id=CompanyId("acme-north"),
        name="ACME North",
        currency="EUR",
        time_zone="Europe/Berlin",
        parent_id=head.id,
        bill_to_id=head.id,
    )
    south = Company(
        id=CompanyId("acme-south"),
        name="ACME South",
        currency="EUR",
        time_zone="Europe/Berlin",
        parent_id=head.id,
        bill_to_id=head.id,
    )
    hamburg = Company(
        id=CompanyId("acme-hamburg"),
        name="ACME Hamburg branch",
        currency="EUR",
        time_zone="Europe/Berlin",
        parent_id=north.id,
    )
    tree = CompanyTree({c.id: c.parent_id for c in (head, north, south, hamburg)})

    print("1. A company group")
    for company_id in tree.subtree(head.id):
        print(f"   {'   ' * tree.depth(company_id)}{company_id}")

    print("\n2. Locations: the first becomes primary, a new default takes the flag over")
    book = AddressBook(head.id)
    book.add(
        Location(
            id=LocationId(ids()),
            company_id=head.id,
            name="Head office",
            type=LocationType.HEADQUARTER,
            address=Address(
                lines=["Friedrichstr. 1"], city="Berlin", postcode="10117", country="DE"
            ),
        )
    )
    book.add(
        Location(
            id=LocationId(ids()),
            company_id=head.id,
            name="Yard",
            type=LocationType.SHIP_TO,
            address=Address(lines=["Hafenweg 9"], city="Hamburg", country="DE"),
            is_default_shipping=True,
        )
    )
    for location in book.locations:
        flags = [
            name
            for name, on in (
                ("primary", location.is_primary),
                ("default shipping", location.is_default_shipping),
            )
            if on
        ]
        print(f"   {location.name:<12} {location.address.city:<8} {', '.join(flags)}")

    print("\n3. Customers and their roles")
    anna = Customer(
        id=CustomerId(ids()), email="Anna@ACME.example", first_name="Anna", last_name="Admin"
    )
    anna = anna.with_roles(head.id, [Role.ADMIN, Role.APPROVER])
    bob = Customer(
        id=CustomerId(ids()), email="bob@acme.example", first_name="Bob", last_name="Buyer"
    )
    bob = bob.with_roles(north.id, [Role.BUYER])
    for person in (anna, bob):
        for membership in person.memberships:
            roles = ", ".join(sorted(role.value for role in membership.roles))
            print(f"   {person.display_name} <{person.email}> at {membership.company_id}: {roles}")
    try:
        bob.with_roles(north.id, [Role.BUYER, Role.ADMIN])
    except B2BError as error:
        print(f"   refused: {error}")

    print("\n4. Contacts and the automatic customer group")
    contact = ContactAssignment(
        id=ContactAssignmentId(ids()),
        company_id=head.id,
        customer_id=anna.id,
        type=ContactType.BILLING,
        is_primary=True,
        subscriptions={NotificationEvent.INVOICE_POSTED, NotificationEvent.SELL_TO_INVOICE_POSTED},
    )
    print(f"   {anna.display_name} is the primary {contact.type.value} contact of {head.name}")
    group = CustomerGroup.for_company(CustomerGroupId(ids()), head.id, head.name).with_member(
        anna.id
    )
    print(f"   group {group.name!r} has {len(group.member_ids)} member(s)")

    print("\n5. Bad input is refused with a reason")
    attempts: tuple[Callable[[], Company], ...] = (
        lambda: Company(id=head.id, name="ACME", currency="EURO"),
        lambda: Company(id=head.id, name="ACME", currency="EUR", parent_id=head.id),
        lambda: Company(id=head.id, name="ACME", currency="EUR", time_zone="Berlin"),
    )
    for attempt in attempts:
        try:
            attempt()
        except B2BError as error:
            print(f"   {error}")

    print("\n6. Every entity round-trips through JSON")
    converter = make_converter()
    data = converter.unstructure(head)
    same = converter.structure(data, Company) == head
    print("   " + json.dumps({k: data[k] for k in ("id", "name", "currency", "account_number")}))
    print(f"   read back equal to the original: {same}")
