"""Use cases: one unit of work each, always on behalf of an actor.

* :mod:`~b2b_customers.services.authorization`: actors, the permission matrix
  and the visibility rule every service applies first.
* :mod:`~b2b_customers.services.companies`: onboard, subsidiaries, moves, holds.
* :mod:`~b2b_customers.services.customers`: invite, activate, roles.
* :mod:`~b2b_customers.services.orders`: decisions from the stored rules.

Reach them through :func:`b2b_customers.connect`.
"""

from b2b_customers.services.authorization import (
    ROLE_PERMISSIONS,
    Actor,
    Permission,
    Staff,
    StaffRole,
    may,
    require,
)

__all__ = ["ROLE_PERMISSIONS", "Actor", "Permission", "Staff", "StaffRole", "may", "require"]
