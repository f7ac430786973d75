"""What every aggregate carries so that stores can detect concurrent writers."""

from __future__ import annotations

from datetime import datetime

from attrs import field, frozen

from b2b_customers.domain.values import aware_datetime, optional, version_number

__all__ = ["Versioned"]


@frozen(kw_only=True)
class Versioned:
    """The bookkeeping fields shared by every aggregate.

    Attributes:
        version: ``0`` for an aggregate never stored; a repository sets ``1``
            when it adds one and increments it on every save. Saving a copy
            whose version is not the stored one raises
            [`StaleVersion`][b2b_customers.StaleVersion].
        created_at: When the aggregate was first stored (timezone-aware).
        updated_at: When it was last changed (timezone-aware).
    """

    version: int = field(default=0, validator=version_number)
    created_at: datetime | None = field(default=None, validator=optional(aware_datetime))
    updated_at: datetime | None = field(default=None, validator=optional(aware_datetime))
