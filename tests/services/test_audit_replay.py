"""The audit log replays to the store, whatever sequence of location and contact changes ran.

A state machine drives the location and contact services on a memory store
(some calls fail on purpose). After every step: each aggregate's entries
form a chain (each change's ``before`` is what the entries before it had
made of those fields), applying them in order rebuilds what the store holds
(``None`` once removed; ``updated_at`` aside, which the entry's own time
records), and there is one entry per event in the outbox.
"""

from __future__ import annotations

import contextlib

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from b2b_customers.app import connect
from b2b_customers.domain import Address, Role
from b2b_customers.errors import B2BError
from b2b_customers.ids import CompanyId, ContactAssignmentId, LocationId, SequentialIds
from b2b_customers.ports import AuditQuery
from b2b_customers.services import Staff, StaffRole
from tests.budget import examples
from tests.services.recording import CONVERTER

REP = Staff(id="s-1", name="Sam Sales", roles={StaffRole.SALES_REP})
ACME = CompanyId("acme")
ADDRESS = Address(lines=["Am Hafen 3"], city="Kiel", country="DE")
PEOPLE = ["ann", "ben", "cat"]
FLAGS = ["is_primary", "is_default_billing", "is_default_shipping"]


class AuditReplay(RuleBasedStateMachine):
    """Random location and contact changes; the audit log must tell their whole story."""

    def __init__(self) -> None:
        super().__init__()
        self.app = connect("memory://", ids=SequentialIds("r-"))
        self.app.companies.onboard(actor=REP, id="acme", name="ACME", currency="EUR")
        self.people = [
            self.app.customers.invite(
                actor=REP,
                company=ACME,
                email=f"{name}@acme.example",
                first_name=name.title(),
                last_name="Person",
                roles=[Role.CONTACT],
                active=True,
            ).id
            for name in PEOPLE
        ]
        self.locations: list[LocationId] = []
        self.contacts: list[ContactAssignmentId] = []

    def _try(self, call: object) -> None:
        with contextlib.suppress(B2BError):  # refused: the invariants check nothing was written
            call()  # type: ignore[operator]

    @rule(flags=st.lists(st.sampled_from(FLAGS), unique=True))
    def add_location(self, flags: list[str]) -> None:
        location = self.app.locations.add(
            actor=REP,
            company=ACME,
            name=f"site {len(self.locations)}",
            address=ADDRESS,
            **dict.fromkeys(flags, True),
        )
        self.locations.append(location.id)

    @rule(data=st.data(), flag=st.sampled_from(FLAGS), value=st.booleans())
    def flag_location(self, data: st.DataObject, flag: str, value: bool) -> None:
        if self.locations:
            location = data.draw(st.sampled_from(self.locations))
            self._try(
                lambda: self.app.locations.update(actor=REP, location=location, **{flag: value})
            )

    @rule(data=st.data())
    def remove_location(self, data: st.DataObject) -> None:
        if self.locations:
            location = data.draw(st.sampled_from(self.locations))
            successor = data.draw(st.none() | st.sampled_from(self.locations))
            self._try(
                lambda: self.app.locations.remove(
                    actor=REP, location=location, new_primary=successor
                )
            )

    @rule(
        person=st.integers(0, len(PEOPLE) - 1),
        primary=st.booleans(),
        kind=st.sampled_from(["billing", "contact"]),
    )
    def assign(self, person: int, primary: bool, kind: str) -> None:
        def call() -> None:
            contact = self.app.contacts.assign(
                actor=REP, company=ACME, customer=self.people[person], type=kind, primary=primary
            )
            self.contacts.append(contact.id)

        self._try(call)

    @rule(data=st.data(), primary=st.booleans(), kind=st.sampled_from(["billing", "contact"]))
    def change(self, data: st.DataObject, primary: bool, kind: str) -> None:
        if self.contacts:
            contact = data.draw(st.sampled_from(self.contacts))
            self._try(
                lambda: self.app.contacts.change(
                    actor=REP, contact=contact, type=kind, primary=primary
                )
            )

    @rule(data=st.data())
    def unassign(self, data: st.DataObject) -> None:
        if self.contacts:
            contact = data.draw(st.sampled_from(self.contacts))
            self._try(lambda: self.app.contacts.remove(actor=REP, contact=contact))

    @invariant()
    def the_log_replays_to_the_store(self) -> None:
        with self.app.store.unit_of_work() as uow:
            entries = uow.audit.for_company(ACME, AuditQuery(limit=1000)).items
            assert len(entries) == len(uow.outbox.pending(limit=1000))
            stored: dict[tuple[str, str], object] = {
                ("location", loc.id): loc for loc in uow.locations.for_company(ACME)
            }
            stored.update({("contact", c.id): c for c in uow.contacts.for_company(ACME)})
        last: dict[tuple[str, str], dict[str, object] | None] = {}
        for entry in entries:
            key = (entry.aggregate_type, entry.aggregate_id)
            state = last.get(key)
            if entry.before is not None and state is not None:  # a change or a removal
                names = set(entry.before) - {"updated_at"}  # the entries' own times say when
                assert {name: state.get(name) for name in names} == {
                    name: entry.before[name] for name in names
                }
            last[key] = entry.applied_to(state)
        for key, rebuilt in last.items():
            if key[0] in {"location", "contact"}:
                current = stored.get(key)
                expected = None if current is None else CONVERTER.unstructure(current)
                if rebuilt is not None and expected is not None:
                    rebuilt = {**rebuilt, "updated_at": expected["updated_at"]}  # noqa: PLW2901
                assert rebuilt == expected
        assert all(key in last for key in stored)


AuditReplay.TestCase.settings = settings(
    max_examples=examples(25), stateful_step_count=15, deadline=None
)
TestAuditReplay = AuditReplay.TestCase
