"""Audit log entries: valid ones round-trip through the converter; invalid ones say why."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given

from b2b_customers.domain import ActorKind, AuditLogEntry
from b2b_customers.errors import ValidationError
from b2b_customers.serialization import make_converter
from b2b_customers.testing import strategies as st_b2b

CONVERTER = make_converter()
AT = datetime(2026, 4, 1, 9, tzinfo=UTC)


def _entry(**fields: Any) -> AuditLogEntry:
    values: dict[str, Any] = {
        "id": "e1",
        "occurred_at": AT,
        "actor_id": "s-1",
        "actor_kind": "seller",
        "action": "location.updated",
        "aggregate_type": "location",
        "aggregate_id": "l1",
        "company_id": "acme",
        "before": {"name": "Kiel", "version": 1},
        "after": {"name": "Kiel harbour", "version": 2},
    }
    values.update(fields)
    return AuditLogEntry(**values)


@given(st_b2b.audit_log_entries())
def test_an_entry_survives_the_converter(entry: AuditLogEntry) -> None:
    assert CONVERTER.structure(CONVERTER.unstructure(entry), AuditLogEntry) == entry


def test_changed_fields_name_what_moved() -> None:
    assert _entry().changed_fields == ["name", "version"]
    assert _entry(before=None).changed_fields == ["name", "version"]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"before": None, "after": None}, "after"),
        ({"actor_kind": ActorKind.SYSTEM}, "actor_id"),
        ({"actor_id": None}, "actor_id"),
        ({"action": "Location Updated"}, "action"),
        ({"occurred_at": datetime(2026, 4, 1)}, "occurred_at"),  # noqa: DTZ001
        ({"before": {1: "x"}}, "before"),
        ({"after": ["not", "a", "mapping"]}, "after"),
        ({"actor_kind": "robot"}, None),
    ],
)
def test_an_invalid_entry_is_refused(fields: dict[str, Any], field: str | None) -> None:
    with pytest.raises(ValidationError) as refused:
        _entry(**fields)
    if field is not None:
        assert refused.value.field == field


def test_an_entry_cannot_be_changed_in_place() -> None:
    entry = _entry()
    with pytest.raises(AttributeError):
        entry.after = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        entry.after["name"] = "forged"  # type: ignore[index]
