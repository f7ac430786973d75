"""Domain events: a dotted name, an aware time and a read-only, JSON-ready payload."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from b2b_customers.domain import DomainEvent
from b2b_customers.errors import ValidationError
from b2b_customers.testing import strategies as st_b2b

AT = datetime(2026, 1, 31, 9, 0, tzinfo=UTC)


def event(**changes: Any) -> DomainEvent:
    return DomainEvent(
        **{
            "id": "e1",
            "name": "company.created",
            "aggregate_type": "company",
            "aggregate_id": "acme",
            "occurred_at": AT,
            **changes,
        }
    )


class TestDomainEvent:
    """An event validates itself and cannot be changed."""

    def test_has_no_company_actor_or_payload_by_default(self) -> None:
        created = event()
        assert created.company_id is None
        assert created.actor is None
        assert dict(created.payload) == {}

    @pytest.mark.parametrize(
        "name", ["company.created", "credit.hold_placed", "approval.step.approved"]
    )
    def test_accepts_dotted_lower_case_names(self, name: str) -> None:
        assert event(name=name).name == name

    @pytest.mark.parametrize(
        "name",
        ["created", "Company.created", "company.", ".created", "company created", "company.3d", ""],
    )
    def test_refuses_other_names(self, name: str) -> None:
        with pytest.raises(ValidationError, match="dotted lower-case") as info:
            event(name=name)
        assert info.value.field == "name"

    @given(st.text(max_size=20).filter(lambda name: "." not in name))
    def test_a_name_without_a_dot_is_refused(self, name: str) -> None:
        with pytest.raises(ValidationError):
            event(name=name)

    def test_occurred_at_must_be_aware(self) -> None:
        with pytest.raises(ValidationError) as info:
            event(occurred_at=datetime(2026, 1, 31, 9, 0))  # noqa: DTZ001
        assert info.value.field == "occurred_at"

    def test_aggregate_type_is_stripped_text(self) -> None:
        assert event(aggregate_type=" company ").aggregate_type == "company"
        with pytest.raises(ValidationError) as info:
            event(aggregate_type="x" * 65)
        assert info.value.field == "aggregate_type"

    @pytest.mark.parametrize("field", ["id", "aggregate_id", "company_id", "actor"])
    def test_ids_must_be_ids(self, field: str) -> None:
        with pytest.raises(ValidationError) as info:
            event(**{field: " "})
        assert info.value.field == field

    def test_payload_is_a_read_only_copy(self) -> None:
        payload: dict[str, Any] = {"name": "ACME"}
        created = event(payload=payload)
        payload["name"] = "changed"
        assert created.payload["name"] == "ACME"
        with pytest.raises(TypeError):
            created.payload["name"] = "changed"  # type: ignore[index]

    @pytest.mark.parametrize("payload", [["a"], "text", {1: "one"}])
    def test_payload_is_a_mapping_with_text_keys(self, payload: object) -> None:
        with pytest.raises(ValidationError) as info:
            event(payload=payload)
        assert info.value.field == "payload"

    def test_is_immutable(self) -> None:
        with pytest.raises(attrs.exceptions.FrozenInstanceError):
            event().name = "company.deleted"  # type: ignore[misc]

    @given(st_b2b.domain_events())
    def test_equal_events_hash_equal(self, generated: DomainEvent) -> None:
        twin = attrs.evolve(generated, payload=dict(generated.payload))
        assert twin == generated
        assert hash(twin) == hash(generated)
