"""A head office with a subsidiary, its addresses, a buyer and a contact.

Run: python examples/company_model.py
"""

from b2b_customers.domain import (
    Address,
    AddressBook,
    Company,
    CompanyTree,
    ContactAssignment,
    ContactType,
    Customer,
    Location,
    NotificationEvent,
    Role,
)
from b2b_customers.errors import HierarchyError
from b2b_customers.ids import CompanyId, SequentialIds
from b2b_customers.serialization import make_converter

new_id = SequentialIds("ex-")

head = Company(
    id=CompanyId("hq"),
    name="Nordwind Handel",
    currency="EUR",
    time_zone="Europe/Berlin",
    account_number="40001",
)
branch = Company(
    id=CompanyId("hq-kiel"),
    name="Nordwind Kiel",
    currency="EUR",
    time_zone="Europe/Berlin",
    parent_id=head.id,
    bill_to_id=head.id,
)
print(f"{branch.name} is a {branch.kind.value} of {head.name}; invoices go to {branch.bill_to_id}")

tree = CompanyTree({head.id: None, branch.id: head.id})
try:
    tree.ensure_can_move(head.id, branch.id)
except HierarchyError as error:
    print(f"moving the head office under its branch is refused: {error.reason}")

book = AddressBook(head.id)
stored = book.add(
    Location(
        id=new_id(),
        company_id=head.id,
        name="Office",
        address=Address(lines=["Am Hafen 3"], city="Kiel", country="de"),
    )
)
first = stored[0]
print(f"first location is primary: {first.is_primary}; country stored as {first.address.country}")

buyer = Customer(id=new_id(), email="Jana@Nordwind.example", first_name="Jana", last_name="Kurz")
buyer = buyer.with_roles(branch.id, [Role.BUYER, Role.CONTACT])
contact = ContactAssignment(
    id=new_id(),
    company_id=branch.id,
    customer_id=buyer.id,
    type=ContactType.LOGISTICS,
    subscriptions=[NotificationEvent.SHIPMENT],
)
print(
    f"{buyer.display_name} <{buyer.email}> buys for {sorted(buyer.company_ids)} "
    f"and gets {sorted(event.value for event in contact.subscriptions)} notifications"
)

converter = make_converter()
data = converter.unstructure(buyer)
print(f"as JSON: memberships={data['memberships']}")
print(f"round trip equal: {converter.structure(data, Customer) == buyer}")
