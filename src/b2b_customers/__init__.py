"""b2b-customers: the business customers of a B2B seller, and whether their orders may go through.

The main pieces:

* [`b2b_customers.domain`][]: companies and subsidiaries, locations,
  customers with roles, contact assignments and customer groups.
* [`b2b_customers.approvals`][]: approval policies, routing with escalation, and
  the approval request's state machine.
* [`b2b_customers.serialization`][]: one converter to and from JSON-ready dicts.
* [`b2b_customers.errors`][]: every error the library raises, under
  [`B2BError`][b2b_customers.B2BError].
* [`b2b_customers.testing`][]: Hypothesis strategies for every entity.

The library prints nothing; it logs what an operator wants to know
(migrations run, automations' actions, import batches) on loggers under
``b2b_customers``, which has a ``NullHandler``: configure ``logging`` in
your application to see them.
"""

import logging

from moneyed import Money

from b2b_customers.app import App, connect
from b2b_customers.domain.money import money
from b2b_customers.errors import (
    AlreadyExists,
    B2BError,
    ConflictError,
    CreditOnHold,
    CreditRefused,
    CurrencyMismatch,
    DamagedRow,
    HierarchyError,
    InsufficientCredit,
    InvalidTransition,
    MissingDependency,
    NotFound,
    OpenRequestExists,
    OrderDenied,
    PermissionDenied,
    SchemaNotReady,
    StaleVersion,
    StorageError,
    ValidationError,
)

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "AlreadyExists",
    "App",
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
    "Money",
    "NotFound",
    "OpenRequestExists",
    "OrderDenied",
    "PermissionDenied",
    "SchemaNotReady",
    "StaleVersion",
    "StorageError",
    "ValidationError",
    "__version__",
    "connect",
    "money",
]
