"""Company locations, in memory."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.adapters.memory.repository import _Repository
from b2b_customers.adapters.memory.tables import _Schema, _Unique
from b2b_customers.domain import Location
from b2b_customers.errors import ValidationError

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.ids import CompanyId, LocationId

__all__ = ["MemoryLocationRepository"]


def _flag_taken(what: str) -> Callable[[Location, str], str]:
    def message(location: Location, holder: str) -> str:
        return (
            f"location {holder!r} is the {what} of company {location.company_id!r} already; "
            "take the flag from it first (AddressBook returns the changes in that order)"
        )

    return message


_LOCATIONS: _Schema[Location] = _Schema(
    entity="Location",
    ident=lambda location: location.id,
    indexes={
        "company": lambda location: [location.company_id],
        "primary": lambda location: [location.company_id] if location.is_primary else [],
        "billing": lambda location: [location.company_id] if location.is_default_billing else [],
        "shipping": lambda location: [location.company_id] if location.is_default_shipping else [],
    },
    unique=[
        _Unique("primary", _flag_taken("primary address")),
        _Unique("billing", _flag_taken("default billing address")),
        _Unique("shipping", _flag_taken("default shipping address")),
    ],
)


class MemoryLocationRepository(_Repository[Location]):
    """Company locations, in memory.

    Implements [`LocationRepository`][b2b_customers.ports.LocationRepository].
    """

    def add(self, location: Location) -> Location:
        """Store a new location; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or the company already has another
                primary / default billing / default shipping location.
            ValidationError: The company does not exist.
        """
        return self._insert(location)

    def save(self, location: Location) -> Location:
        """Store a changed location; return the stored copy.

        Raises:
            NotFound: No location has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: Another location of the company has a flag this one sets.
            ValidationError: The location was moved to another company.
        """
        return self._update(location)

    def remove(self, location_id: LocationId) -> None:
        """Delete a location.

        Raises:
            NotFound: No location has this id.
        """
        self._delete(location_id)

    def get(self, location_id: LocationId) -> Location:
        """Return the location with ``location_id``.

        Raises:
            NotFound: No location has this id.
        """
        with self._lock:
            return self._find(location_id)

    def for_company(self, company_id: CompanyId) -> list[Location]:
        """Return a company's locations, oldest first (ties by id)."""
        with self._lock:
            found = self._buffer.rows("company", company_id)
        return sorted(found, key=lambda row: (row.created_at, row.id))

    def _check_references(self, row: Location) -> None:
        if not self._work.company_exists(row.company_id):
            raise ValidationError(
                f"company {row.company_id!r} of location {row.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )

    def _check_change(self, stored: Location, changed: Location) -> None:
        if changed.company_id != stored.company_id:
            raise ValidationError(
                f"location {stored.id!r} belongs to company {stored.company_id!r}; a location "
                "cannot move to another company: add a new one there and remove this one",
                field="company_id",
            )
