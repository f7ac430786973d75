"""Use cases: one unit of work each, always on behalf of an actor.

* :mod:`~b2b_customers.services.authorization`: actors, the permission matrix
  and the visibility rule every service applies first.
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
