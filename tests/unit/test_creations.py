"""Many creations at once: the same events and audit entries as one constructor call each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from attrs import frozen
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import ActorKind, AuditLogEntry, DomainEvent
from b2b_customers.domain.creations import Created, Creations
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, EventId
from b2b_customers.testing import strategies as st_b2b

MOMENT = datetime(2026, 1, 5, 9, 30, tzinfo=UTC)


@frozen
class Thing:
    """An aggregate for the tests: an id and a state (its converter form, say)."""

    id: str
    state: dict[str, object]


def state_of(thing: Thing) -> dict[str, object]:
    return thing.state


creations = st.lists(
    st.builds(
        Created,
        st_b2b.ids(),
        st.builds(
            Thing,
            st_b2b.ids(),
            st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=3),
        ),
        st.none() | st_b2b.ids(),
    ),
    max_size=5,
)


@given(creations, st.sampled_from([ActorKind.SELLER, ActorKind.CUSTOMER]))
def test_each_creation_gives_the_event_and_entry_the_constructors_give(
    items: list[Created], kind: ActorKind
):
    batch = Creations(
        name="company.created", occurred_at=MOMENT, actor_id="staff-1", actor_kind=kind
    )
    made = batch.recorded(items, state_of)
    assert made == [
        (
            DomainEvent(
                id=item.event_id,
                name="company.created",
                aggregate_type="company",
                aggregate_id=item.aggregate.id,
                occurred_at=MOMENT,
                company_id=item.company_id,
                actor="staff-1",
                payload=state_of(item.aggregate),  # type: ignore[arg-type]
            ),
            AuditLogEntry(
                id=item.event_id,
                occurred_at=MOMENT,
                actor_id="staff-1",
                actor_kind=kind,
                action="company.created",
                aggregate_type="company",
                aggregate_id=item.aggregate.id,
                company_id=item.company_id,
                after=state_of(item.aggregate),  # type: ignore[arg-type]
            ),
        )
        for item in items
    ]
    for event, entry in made:
        assert event.payload is entry.after  # one read-only copy of the state


@pytest.mark.parametrize(
    ("shared", "field"),
    [
        ({"name": "Company Created"}, "name"),
        ({"occurred_at": datetime(2026, 1, 5)}, "occurred_at"),  # noqa: DTZ001  (naive on purpose)
        ({"actor_id": " staff"}, "actor"),
        ({"actor_kind": ActorKind.SYSTEM}, "actor_id"),
    ],
)
def test_a_bad_shared_field_is_refused_when_the_batch_is_built(
    shared: dict[str, object], field: str
):
    fields: dict[str, object] = {
        "name": "company.created",
        "occurred_at": MOMENT,
        "actor_id": "staff-1",
        "actor_kind": ActorKind.SELLER,
        **shared,
    }
    with pytest.raises(ValidationError) as raised:
        Creations(**fields)  # type: ignore[arg-type]
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("creation", "field"),
    [
        (Created(EventId(""), Thing("c1", {}), None), "id"),
        (Created(EventId("e1"), Thing("c 1 ", {}), None), "aggregate_id"),
        (Created(EventId("e1"), Thing("c1", {}), CompanyId("x" * 65)), "company_id"),
        (Created(EventId("e1"), Thing("c1", {1: "one"}), None), "payload"),  # type: ignore[dict-item]
        (Created(EventId("e1"), "no id", None), "aggregate_id"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_creation_is_refused_naming_its_field(creation: Created, field: str):
    batch = Creations(
        name="company.created", occurred_at=MOMENT, actor_id="staff-1", actor_kind="seller"
    )
    with pytest.raises(ValidationError) as raised:
        batch.recorded([creation], state_of)
    assert raised.value.field == field


def test_check_refuses_what_is_not_a_creation():
    with pytest.raises(ValidationError, match="expected a Created"):
        Creations.check("e1")  # type: ignore[arg-type]
