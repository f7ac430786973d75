"""Every error the library raises, in one hierarchy.

Catch [`B2BError`][b2b_customers.B2BError] to catch them all. Each class also derives from the
builtin exception a caller would expect, so ``except LookupError`` still works
for [`NotFound`][b2b_customers.NotFound]::

    B2BError
    ├── ValidationError (ValueError)            bad input; names the field
    │   ├── CurrencyMismatch                    two currencies, no exchange rate
    │   └── HierarchyError                      a company would become its own ancestor
    ├── NotFound (LookupError)                  no entity with that id or key
    ├── ConflictError                           the store disagrees with the change
    │   ├── AlreadyExists                       a unique key is taken
    │   │   └── OpenRequestExists               the cart already waits for approval
    │   ├── StaleVersion                        someone saved a newer version first
    │   └── CreditRefused                       credit cannot cover the order
    │       ├── InsufficientCredit              more than the available credit
    │       └── CreditOnHold                    the account is on credit hold
    ├── InvalidTransition                       a state machine refuses the change
    ├── OrderDenied                             the rules deny the order (carries the Decision)
    ├── PermissionDenied (PermissionError)      the actor may not do this
    ├── StorageError                            the database failed or is not ready
    │   ├── SchemaNotReady                      migrations have not been run
    │   └── DamagedRow                          a stored value is not what the library wrote
    └── MissingDependency (ImportError)         an optional package is not installed

Every message says what was wrong and what would be right. A failed
operation writes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from b2b_customers.limits.decision import Decision

__all__ = [
    "AlreadyExists",
    "B2BError",
    "ConflictError",
    "CreditOnHold",
    "CreditRefused",
    "CurrencyMismatch",
    "DamagedRow",
    "HierarchyError",
    "InsufficientCredit",
    "InvalidTransition",
    "MissingDependency",
    "NotFound",
    "OpenRequestExists",
    "OrderDenied",
    "PermissionDenied",
    "SchemaNotReady",
    "StaleVersion",
    "StorageError",
    "ValidationError",
]


class B2BError(Exception):
    """The root of every error raised by b2b_customers."""


class ValidationError(B2BError, ValueError):
    """A value is not acceptable; nothing was written.

    Attributes:
        field: The dotted path of the offending field (``"address.country"``),
            or ``None`` when the problem is not tied to one field.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.reason = message


class CurrencyMismatch(ValidationError):
    """Two amounts in different currencies met without an exchange rate."""


class HierarchyError(ValidationError):
    """A change would break the company tree (a cycle, or a missing parent)."""


class NotFound(B2BError, LookupError):
    """No entity exists with the given id or key.

    Attributes:
        entity: The kind of entity looked for, e.g. ``"Company"``.
        key: The id or key that was looked up.
    """

    def __init__(self, entity: str, key: object, *, by: str = "id") -> None:
        super().__init__(
            f"No {entity} with {by} {key!r}. Check the {by}, or create the {entity} first."
        )
        self.entity = entity
        self.key = key


class ConflictError(B2BError):
    """The change conflicts with what is stored; nothing was written."""


class AlreadyExists(ConflictError):
    """A unique key (id, account number, email, ...) is already taken."""


class OpenRequestExists(AlreadyExists):
    """The cart, order or quote already has an open approval request; no second one is made.

    Attributes:
        request_id: The open request's id (look it up, complete or cancel it).
    """

    def __init__(self, message: str, *, request_id: str) -> None:
        super().__init__(message)
        self.request_id = request_id


class StaleVersion(ConflictError):
    """The entity was changed by someone else since it was read.

    Reload it, apply the change again, and save the fresh copy.
    """


class CreditRefused(ConflictError):
    """Credit cannot cover a reservation; nothing was reserved.

    An override recorded by someone holding the permission lets it through.
    """


class InsufficientCredit(CreditRefused):
    """The amount is more than the available credit (limit - balance - reserved)."""


class CreditOnHold(CreditRefused):
    """The credit account is on hold: no new reservations until it is lifted."""


class InvalidTransition(B2BError):
    """A state machine (company status, approval request, ...) refuses a change."""


class OrderDenied(B2BError):
    """The rules deny the order: no approval can let it through; nothing was written.

    The message is the decision's explanation, one line per rule crossed.

    Attributes:
        decision: The engine's decision, with every rule's reason and figures.
    """

    def __init__(self, decision: Decision) -> None:
        super().__init__(
            f"{decision.explain()}\nChange the order, or ask the seller to change the limits, "
            "the credit line or the company's status."
        )
        self.decision = decision


class PermissionDenied(B2BError, PermissionError):
    """The acting user may not perform this operation; nothing was read or written."""


class StorageError(B2BError):
    """The storage backend failed in a way the library could not translate."""


class SchemaNotReady(StorageError):
    """The database schema is missing or out of date: run the migrations."""


class DamagedRow(StorageError):
    """A value read from the store is not one the library could have written.

    Every value read back is validated as the entity's constructor validates
    it; a row changed behind the library's back (by hand, by another program,
    by a failing disk) raises this instead of being used.

    Attributes:
        table: The table the row is in, e.g. ``"companies"``.
        key: The row's key (its id, or the columns of its primary key), or
            ``None`` when not even that could be read.
        field: The dotted path of the first damaged value (``"legal_info.country"``),
            or ``None`` when the row as a whole cannot be read.
        reason: What is wrong with it.
    """

    def __init__(self, table: str, key: object, reason: str, *, field: str | None = None) -> None:
        where = f"{field}: " if field else ""
        named = "with an unreadable key" if key is None else f"{key!r}"
        super().__init__(
            f"the row {named} of table {table!r} is damaged ({where}{reason}); it was changed "
            "outside the library: restore it from a backup or correct the value"
        )
        self.table = table
        self.key = key
        self.field = field
        self.reason = reason


class MissingDependency(B2BError, ImportError):
    """An optional package (pandas, SQLAlchemy, psycopg) is needed and not installed.

    The message names the ``pip install`` that fixes it.
    """
