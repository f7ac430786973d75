"""The life of an approval request: its statuses, the moves between them, and what they mean.

The statuses, all set by the library (never by hand: a caller approves, rejects
or cancels, and the status follows), and the moves between them::

    pending             --approve (the last approval needed)-->  approved
    pending             --reject (any required approver)----->  rejected
    pending or approved --cancel (withdrawn or closed)------->  cancelled
    pending or approved --expire (from expires_at on)-------->  expired
    approved            --complete (the order is placed)----->  completed

* ``PENDING``: waiting for approvals; the only status that takes approvals
  and rejections.
* ``APPROVED``: every required tier is satisfied; the requester (or an
  approver) may now place the order. The approval is valid until
  ``expires_at`` too: an approved request that no order follows expires, so
  it never holds credit forever.
* ``REJECTED``, ``EXPIRED``, ``CANCELLED`` and ``COMPLETED`` are **final**: a
  final request never changes again; submit a new one.

What each move means for credit (services reserve and release; the domain
says when), see [`credit_effect`][b2b_customers.approvals.credit_effect]: submitting reserves the
order's amount; rejecting, cancelling and expiring **release** it; completing
**converts** the reservation into the placed order's.

The same statuses in Emporix, whose data a migration may bring, see
[`EMPORIX_STATUS`][b2b_customers.approvals.EMPORIX_STATUS]:

| Ours | Emporix | Note |
|---|---|---|
| ``pending`` | PENDING | |
| ``approved`` | APPROVED | |
| ``rejected`` | DECLINED | |
| ``expired`` | EXPIRED | |
| ``cancelled`` | CLOSED | withdrawn by the requester, or closed by an admin |
| ``completed`` | APPROVED | Emporix keeps it approved; our ``order_id`` names the order |

Reading Emporix names back ([`from_emporix`][b2b_customers.approvals.from_emporix]) gives
``approved`` for
APPROVED: whether an order followed is told by the order link, not the name.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from b2b_customers.arguments import checked_arguments
from b2b_customers.domain.values import DomainEnum
from b2b_customers.errors import InvalidTransition, ValidationError

if TYPE_CHECKING:
    from collections.abc import Mapping

__all__ = [
    "EMPORIX_STATUS",
    "FINAL_STATUSES",
    "OPEN_STATUSES",
    "RELEASES_CREDIT",
    "TRANSITIONS",
    "ApprovalStatus",
    "CreditEffect",
    "credit_effect",
    "ensure_transition",
    "from_emporix",
    "to_emporix",
]


class ApprovalStatus(DomainEnum):
    """Where an approval request stands; see the module docstring for the moves."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"
    CANCELLED = "cancelled"
    COMPLETED = "completed"

    @property
    def is_final(self) -> bool:
        """Whether the status never changes again (rejected, expired, cancelled, completed)."""
        return self in FINAL_STATUSES

    @property
    def is_open(self) -> bool:
        """Whether the request can still move (pending or approved)."""
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({ApprovalStatus.PENDING, ApprovalStatus.APPROVED})
"""The statuses a request can still leave: it expires from these."""

FINAL_STATUSES = frozenset(set(ApprovalStatus) - OPEN_STATUSES)
"""The statuses a request never leaves."""

TRANSITIONS: Mapping[ApprovalStatus, frozenset[ApprovalStatus]] = MappingProxyType(
    {
        ApprovalStatus.PENDING: frozenset(
            {
                ApprovalStatus.APPROVED,
                ApprovalStatus.REJECTED,
                ApprovalStatus.EXPIRED,
                ApprovalStatus.CANCELLED,
            }
        ),
        ApprovalStatus.APPROVED: frozenset(
            {ApprovalStatus.COMPLETED, ApprovalStatus.EXPIRED, ApprovalStatus.CANCELLED}
        ),
        **{status: frozenset() for status in FINAL_STATUSES},
    }
)
"""Every status mapped to the statuses it may move to (final ones to none)."""

RELEASES_CREDIT = frozenset(
    {ApprovalStatus.REJECTED, ApprovalStatus.EXPIRED, ApprovalStatus.CANCELLED}
)
"""Moving into one of these releases the credit the request reserved."""


def ensure_transition(before: ApprovalStatus, after: ApprovalStatus) -> None:
    """Refuse a move the life cycle does not allow.

    Raises:
        InvalidTransition: ``before`` is final, or ``after`` is not reachable
            from it; the message names the moves that are.
    """
    if after in TRANSITIONS[before]:
        return
    if before.is_final:
        raise InvalidTransition(
            f"the request is {before.value}, which is final: it cannot become {after.value}; "
            "submit a new request instead"
        )
    allowed = ", ".join(sorted(status.value for status in TRANSITIONS[before]))
    raise InvalidTransition(
        f"a {before.value} request cannot become {after.value}; it may become {allowed}"
    )


class CreditEffect(DomainEnum):
    """What a move means for the credit reserved for the request's order."""

    RESERVE = "reserve"
    """Submitting: reserve the order's amount (services call ``CreditAccount.reserve``)."""
    KEEP = "keep"
    """Nothing changes for credit: the reservation stays as it is."""
    RELEASE = "release"
    """Rejected, cancelled or expired: release the reservation."""
    CONVERT = "convert"
    """Completed: the reservation now belongs to the placed order."""


@checked_arguments
def credit_effect(before: ApprovalStatus | None, after: ApprovalStatus) -> CreditEffect:
    """Say what moving from ``before`` to ``after`` means for the reserved credit.

    Args:
        before: The status before the move; ``None`` for a new submission.
        after: The status after it.

    Returns:
        ``RESERVE`` for a submission, ``RELEASE`` into rejected / cancelled /
        expired, ``CONVERT`` into completed, ``KEEP`` otherwise (an approval
        that leaves the request pending, an escalation, approving it).
    """
    if before is None:
        return CreditEffect.RESERVE
    if before == after:
        return CreditEffect.KEEP
    if after in RELEASES_CREDIT:
        return CreditEffect.RELEASE
    if after is ApprovalStatus.COMPLETED:
        return CreditEffect.CONVERT
    return CreditEffect.KEEP


EMPORIX_STATUS: Mapping[ApprovalStatus, str] = MappingProxyType(
    {
        ApprovalStatus.PENDING: "PENDING",
        ApprovalStatus.APPROVED: "APPROVED",
        ApprovalStatus.REJECTED: "DECLINED",
        ApprovalStatus.EXPIRED: "EXPIRED",
        ApprovalStatus.CANCELLED: "CLOSED",
        ApprovalStatus.COMPLETED: "APPROVED",
    }
)
"""Our statuses under the names Emporix uses; see the module docstring."""

_FROM_EMPORIX: Mapping[str, ApprovalStatus] = MappingProxyType(
    {
        "PENDING": ApprovalStatus.PENDING,
        "APPROVED": ApprovalStatus.APPROVED,
        "DECLINED": ApprovalStatus.REJECTED,
        "EXPIRED": ApprovalStatus.EXPIRED,
        "CLOSED": ApprovalStatus.CANCELLED,
    }
)


def to_emporix(status: ApprovalStatus | str) -> str:
    """Return the Emporix name of ``status`` (``"rejected"`` -> ``"DECLINED"``).

    Raises:
        ValidationError: ``status`` is not an
            [`ApprovalStatus`][b2b_customers.approvals.ApprovalStatus].
    """
    return EMPORIX_STATUS[ApprovalStatus(status)]


def from_emporix(name: str) -> ApprovalStatus:
    """Return our status for an Emporix status name (``"CLOSED"`` -> ``cancelled``).

    Names are compared without case or surrounding space.

    Raises:
        ValidationError: ``name`` is not an Emporix approval status.
    """
    raw: object = name
    key = raw.strip().upper() if isinstance(raw, str) else raw
    if not isinstance(key, str) or key not in _FROM_EMPORIX:
        choices = ", ".join(sorted(_FROM_EMPORIX))
        raise ValidationError(
            f"{name!r} is not an Emporix approval status; use one of {choices}", field="status"
        )
    return _FROM_EMPORIX[key]
