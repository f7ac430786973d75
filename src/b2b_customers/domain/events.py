"""Domain events: the record that something changed, stored with the change.

Events go into the store's outbox in the same transaction as the change they
describe, so a host application can publish them (webhooks, e-mail, a
message bus) and never announces a change that was rolled back.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Any

import attrs
from attrs import field, frozen

from b2b_customers.domain.values import (
    aware_datetime,
    freeze_mapping,
    has_text_keys,
    identifier,
    optional,
    strip,
    text,
)
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId, EventId

__all__ = ["DomainEvent"]

_EVENT_NAME = re.compile(r"^[a-z][a-z_]*(\.[a-z][a-z_]*)+$")


def _event_name(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, str) or not _EVENT_NAME.match(value):
        raise ValidationError(
            f"must be a dotted lower-case name such as 'company.created', got {value!r}",
            field=attribute.name,
        )


def _payload(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, Mapping) or not has_text_keys(value):
        raise ValidationError("must be a mapping with text keys (JSON-ready)", field=attribute.name)


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@frozen(kw_only=True)
class DomainEvent:
    """Something that happened to an aggregate.

    Attributes:
        id: The event's id (publishers use it to deduplicate).
        name: What happened, ``"<aggregate>.<past tense>"``: ``"company.created"``.
        aggregate_type: The kind of aggregate, ``"company"``.
        aggregate_id: The id of the aggregate that changed.
        occurred_at: When it happened (timezone-aware, from the injected clock).
        company_id: The company concerned, for routing and visibility.
        actor: Who caused it (a customer or staff id), if anyone.
        payload: JSON-ready details (the converter's form of the entity, figures).
    """

    id: EventId = field(converter=EventId, validator=identifier)
    name: str = field(validator=_event_name)
    aggregate_type: str = field(converter=strip, validator=text(max_length=64))
    aggregate_id: str = field(validator=identifier)
    occurred_at: datetime = field(validator=aware_datetime)
    company_id: CompanyId | None = field(
        default=None, converter=attrs.converters.optional(CompanyId), validator=optional(identifier)
    )
    actor: str | None = field(default=None, validator=optional(identifier))
    payload: Mapping[str, Any] = field(
        factory=_empty, converter=freeze_mapping, validator=_payload, hash=False
    )
