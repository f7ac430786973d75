"""A two-tier approval with escalation to the parent company, through the services.

ACME GmbH (a subsidiary of ACME Holding) asks every request for the team
lead's approval and, from 5,000 EUR on, finance's too. ACME's finance may
approve up to 10,000 EUR, so Rita's 12,000 EUR order escalates its finance
tier to the holding. Credit is reserved while the request waits and kept
for the order once it is placed. A second request expires unanswered and
gives its credit back.

Run: python examples/approval_flow.py
"""

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs

from b2b_customers import Money, connect
from b2b_customers.approvals import (
    ApprovalPolicy,
    ApprovalRule,
    ApprovalTier,
    ApproverLimit,
    ManagerApprover,
    RoleApprover,
    Validity,
)
from b2b_customers.clock import ManualClock
from b2b_customers.credit import CreditAccount
from b2b_customers.domain import Customer, Role
from b2b_customers.domain.money import format_money
from b2b_customers.domain.order import OrderDraft, OrderLine
from b2b_customers.ids import SequentialIds
from b2b_customers.services import Staff, StaffRole

clock = ManualClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
database = Path(tempfile.mkdtemp()) / "approvals.db"
app = connect(f"sqlite:///{database}", clock=clock, ids=SequentialIds("n-"))
staff = Staff(id="ada", name="Ada Administrator", roles={StaffRole.ADMINISTRATOR})

# -- the companies, the people, the policy, the limits and the credit line

app.companies.onboard(
    actor=staff, id="holding", name="ACME Holding", currency="EUR", time_zone="Europe/Berlin"
)
app.companies.add_subsidiary(actor=staff, id="acme", parent="holding", name="ACME GmbH")


def person(name: str, company: str, role: Role) -> Customer:
    first, last = name.split()
    return app.customers.invite(
        actor=staff,
        company=company,
        email=f"{first.lower()}@{company}.example",
        first_name=first,
        last_name=last,
        roles=[role],
        active=True,
    )


max_ = person("Max Manager", "acme", Role.BUYER)
fiona = person("Fiona Finance", "acme", Role.FINANCE)
hanna = person("Hanna Holding", "holding", Role.ADMIN)
rita = person("Rita Requester", "acme", Role.REQUESTER)

with app.store.unit_of_work() as uow:
    rita = uow.customers.save(attrs.evolve(uow.customers.get(rita.id), manager_id=max_.id))
    uow.approval_policies.add(
        ApprovalPolicy(
            id="acme-two-tier",
            name="Team lead, then finance from 5,000 EUR on",
            company_id="acme",
            tiers=[
                ApprovalTier(
                    name="Team lead",
                    all_of=[ApprovalRule(any_of=[ManagerApprover(), RoleApprover(role="admin")])],
                ),
                ApprovalTier(
                    name="Finance",
                    at_least=Money("5000", "EUR"),
                    all_of=[ApprovalRule(any_of=[RoleApprover(role="finance")])],
                ),
            ],
            validity=Validity(days=7),
        )
    )
    uow.approver_limits.add(
        ApproverLimit(
            id="fiona", company_id="acme", customer_id=fiona.id, maximum=Money("10000", "EUR")
        )
    )
    uow.credit.add(
        CreditAccount(
            id="acme-credit",
            company_id="acme",
            currency="EUR",
            credit_limit=Money("20000", "EUR"),
        )
    )
    uow.commit()


def credit() -> str:
    with app.store.unit_of_work() as uow:
        account = uow.credit.get("acme-credit")
    return f"reserved {format_money(account.reserved)}, available {format_money(account.available)}"


def mill(amount: str) -> OrderDraft:
    line = OrderLine(sku="CNC-MILL", quantity=1, unit_price=Money(amount, "EUR"))
    return OrderDraft(company_id="acme", buyer_id=rita.id, lines=[line])


# -- Rita orders a 12,000 EUR mill

placement = app.orders.place(actor=rita, order=mill("12000"), comment="The old mill broke")
request = placement.request
print(f"Rita orders a mill for 12,000.00 EUR: {placement.decision.outcome.value}.")
print(f"Request {request.id} is {request.status.value}; credit {credit()}.")
for tier in request.tiers:
    where = "ACME GmbH" if tier.approver_company_id == "acme" else "ACME Holding"
    print(f"  Tier {tier.name!r} waits for approvers at {where}.")


def waiting_for() -> str:
    candidates = app.approvals.eligible_approvers(actor=staff, request=request.id)
    return ", ".join(candidate.name for candidate in candidates) or "nobody"


print(f"Who may approve now: {waiting_for()}.")

clock.advance(timedelta(hours=2))
app.approvals.approve(actor=max_, request=request.id, comment="Needed for the Q2 contract")
print(f"Max approves the team lead tier. Who may approve now: {waiting_for()}.")

try:
    app.approvals.approve(actor=fiona, request=request.id)
except PermissionError as refusal:
    print(f"Fiona tries, and is told: {refusal}")

clock.advance(timedelta(hours=3))
approved = app.approvals.approve(actor=hanna, request=request.id)
print(f"Hanna approves for the holding: the request is {approved.status.value}.")

placed = app.approvals.complete(actor=rita, request=request.id)
print(
    f"Rita places the order: order {placed.order.id} is {placed.order.status.value}; "
    f"credit {credit()}."
)

# -- a second request nobody answers expires, and gives its credit back

second = app.orders.place(actor=rita, order=mill("800")).request
print(f"Rita asks for an 800.00 EUR spare part; credit {credit()}.")
clock.advance(timedelta(days=7))
expired = app.approvals.expire_due(actor=staff)
print(
    f"A week later the nightly sweep expires {', '.join(r.id for r in expired)}; credit {credit()}."
)

print("What happened to the first request:")
names = {someone.id: someone.display_name for someone in (rita, max_, fiona, hanna)}
for entry in app.approvals.get(actor=rita, request=request.id).audit:
    who = names.get(entry.actor_id, "the system")
    print(f"  {entry.action.value:9} by {who:14} -> {entry.after.value:9} {entry.comment or ''}")
