"""What a request has collected so far: verdicts (approvals and rejections), per tier.

Each applicable tier of the policy becomes a [`TierProgress`][b2b_customers.approvals.TierProgress]
with a number of **places** (one per approval its rules ask for) and the level it
is routed to: the requester's company, an ancestor (escalated), or the
seller side. Each approval records which places its approver qualified for
(``places``), so whether a tier is satisfied is a plain matching of
approvals to places: distinct approvers, each filling one place. A tier is
satisfied when every place is filled.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

import attrs
from attrs import field, frozen
from moneyed import Money

from b2b_customers.approvals.actors import ActorKind
from b2b_customers.domain.values import (
    aware_datetime,
    identifier,
    items_of,
    money_amount,
    optional,
    strip,
    strip_optional,
    text,
)
from b2b_customers.errors import ValidationError
from b2b_customers.ids import CompanyId

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

__all__ = ["TierProgress", "Verdict", "filled_places"]

_MAX_COMMENT = 2000
_MAX_PLACES = 100


def _places_of(value: Iterable[int]) -> frozenset[int]:
    items = items_of(value)
    return cast("frozenset[int]", value) if items is None else frozenset(items)


def _places(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, frozenset) or not all(
        isinstance(place, int) and not isinstance(place, bool) and 0 <= place < _MAX_PLACES
        for place in value
    ):
        raise ValidationError(
            f"must be a set of place numbers from 0 to {_MAX_PLACES - 1}", field=attribute.name
        )


@frozen(kw_only=True)
class Verdict:
    """One approval or rejection, as recorded.

    Attributes:
        approver_id: Who (a customer id, or a seller approver's id).
        approver_kind: ``customer`` or ``seller``.
        at: When.
        comment: The approver's comment; for a rejection, the reason (required).
        basis: Why they were eligible (``"admin at 'acme'"``), for the audit.
        limit: Their approver limit then (``None``: unlimited).
        places: The tier's places they qualified for (empty for a rejection).
    """

    approver_id: str = field(validator=identifier)
    approver_kind: ActorKind = field(converter=ActorKind)
    at: datetime = field(validator=aware_datetime)
    basis: str = field(converter=strip, validator=text(max_length=500))
    comment: str | None = field(
        default=None, converter=strip_optional, validator=optional(text(max_length=_MAX_COMMENT))
    )
    limit: Money | None = field(default=None, validator=optional(money_amount(non_negative=True)))
    places: frozenset[int] = field(factory=frozenset, converter=_places_of, validator=_places)

    def __attrs_post_init__(self) -> None:
        if self.approver_kind is ActorKind.SYSTEM:
            raise ValidationError(
                "the system does not approve or reject; name a customer or seller approver",
                field="approver_kind",
            )


def _verdicts_of(value: Iterable[Verdict]) -> tuple[Verdict, ...]:
    items = items_of(value)
    return cast("tuple[Verdict, ...]", value) if items is None else tuple(items)


def _verdicts(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    if not isinstance(value, tuple) or not all(isinstance(item, Verdict) for item in value):
        raise ValidationError("must be a list of Verdict", field=attribute.name)


def _count(_instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:  # noqa: ANN401
    low = 1 if attribute.name == "required" else 0
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value < _MAX_PLACES:
        raise ValidationError(
            f"must be a whole number from {low} to {_MAX_PLACES - 1}, got {value!r}",
            field=attribute.name,
        )


@frozen(kw_only=True)
class TierProgress:
    """One applicable tier of the request's policy, where it is routed, and its verdicts.

    Attributes:
        tier: The tier's position in the policy's ``tiers``.
        name: The tier's name.
        required: How many approvals (places) the tier needs.
        level: 0 at the requester's company, 1 at its parent, ...; one more
            than the top for the seller side.
        approver_company_id: The company whose approvers act (``None``: the
            seller side).
        approvals: The approvals recorded, in order.
        rejections: The rejection, if the request was rejected at this tier.
    """

    tier: int = field(validator=_count)
    name: str = field(converter=strip, validator=text(max_length=100))
    required: int = field(validator=_count)
    approver_company_id: CompanyId | None = field(
        converter=attrs.converters.optional(CompanyId), validator=optional(identifier)
    )
    level: int = field(default=0, validator=_count)
    approvals: tuple[Verdict, ...] = field(
        factory=tuple, converter=_verdicts_of, validator=_verdicts
    )
    rejections: tuple[Verdict, ...] = field(
        factory=tuple, converter=_verdicts_of, validator=_verdicts
    )

    def __attrs_post_init__(self) -> None:
        if len(self.approvals) > self.required:
            raise ValidationError(
                f"tier {self.name!r} needs {self.required} approval(s) but records "
                f"{len(self.approvals)}",
                field="approvals",
            )
        for verdict in self.approvals:
            if not verdict.places or max(verdict.places) >= self.required:
                raise ValidationError(
                    f"an approval of tier {self.name!r} must fill one of its places 0 to "
                    f"{self.required - 1}, got {sorted(verdict.places)}",
                    field="approvals",
                )

    @property
    def filled(self) -> int:
        """How many places the recorded approvals fill (each approver fills one)."""
        return filled_places([verdict.places for verdict in self.approvals])

    @property
    def satisfied(self) -> bool:
        """Whether every place is filled."""
        return self.filled == self.required

    @property
    def escalated(self) -> bool:
        """Whether the tier is routed above the requester's company."""
        return self.level > 0

    @property
    def at_seller(self) -> bool:
        """Whether the tier is routed to the seller side."""
        return self.approver_company_id is None

    @property
    def open_places(self) -> frozenset[int]:
        """The places no assignment of the recorded approvals can fill."""
        options = [verdict.places for verdict in self.approvals]
        best = filled_places(options)
        return frozenset(
            place
            for place in range(self.required)
            if filled_places([*options, frozenset({place})]) > best
        )

    def would_fill(self, places: frozenset[int]) -> bool:
        """Tell whether one more approver qualifying for ``places`` fills another place."""
        options = [verdict.places for verdict in self.approvals]
        return filled_places([*options, places]) > filled_places(options)

    def with_approval(self, verdict: Verdict) -> TierProgress:
        """Return a copy with ``verdict`` added to the approvals."""
        return attrs.evolve(self, approvals=(*self.approvals, verdict))

    def with_rejection(self, verdict: Verdict) -> TierProgress:
        """Return a copy with ``verdict`` added to the rejections."""
        return attrs.evolve(self, rejections=(*self.rejections, verdict))


def filled_places(options: Sequence[frozenset[int]]) -> int:
    """Return how many places distinct approvers can fill, each one place it qualifies for.

    A maximum bipartite matching (Kuhn's augmenting paths): with the handful
    of places a tier has, exact and instant.

    Args:
        options: For each approver, the places they qualify for.
    """
    holder: dict[int, int] = {}

    def assign(approver: int, visited: set[int]) -> bool:
        for place in sorted(options[approver]):
            if place in visited:
                continue
            visited.add(place)
            if place not in holder or assign(holder[place], visited):
                holder[place] = approver
                return True
        return False

    return sum(1 for approver in range(len(options)) if assign(approver, set()))
