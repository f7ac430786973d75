"""Whether a customer may act: everywhere (the customer's status) and at one company.

A customer has a status of their own, and a status in each membership (their
standing at that company). They act for a company only while both are
active: `standing` combines the two.
"""

from __future__ import annotations

from b2b_customers.domain.values import DomainEnum

__all__ = ["CustomerStatus", "standing"]


class CustomerStatus(DomainEnum):
    """Whether a customer may act, everywhere (a customer's) or at one company (a membership's).

    ``INVITED`` has been created (or asked to join the company) but not yet
    accepted; ``ACTIVE`` may act; ``INACTIVE`` (deactivated) may no longer
    act: anywhere, for the customer's own status, or at that company, for a
    membership's.
    """

    INVITED = "invited"
    ACTIVE = "active"
    INACTIVE = "inactive"


def standing(customer: CustomerStatus, membership: CustomerStatus) -> CustomerStatus:
    """Return the standing of a customer at a company from their own and their membership's status.

    Inactive when either is; else invited when either is; else active.
    """
    if CustomerStatus.INACTIVE in (customer, membership):
        return CustomerStatus.INACTIVE
    if CustomerStatus.INVITED in (customer, membership):
        return CustomerStatus.INVITED
    return CustomerStatus.ACTIVE
