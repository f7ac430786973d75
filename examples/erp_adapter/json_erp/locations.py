"""Company locations, in the export's ``locations.json``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from b2b_customers.domain import Location
from b2b_customers.errors import ValidationError
from json_erp.repository import Repository, Unique

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.ids import CompanyId, LocationId

__all__ = ["JsonLocationRepository"]


def _one_per_company(has_flag: Callable[[Location], bool], what: str) -> Unique[Location]:
    """At most one location of a company may have the flag ``has_flag`` reads."""

    def message(location: Location, holder: str) -> str:
        return (
            f"location {holder!r} is the {what} of company {location.company_id!r} already; "
            "take the flag from it first (AddressBook returns the changes in that order)"
        )

    return Unique[Location](
        lambda location: [location.company_id] if has_flag(location) else [], message
    )


class JsonLocationRepository(Repository[Location]):
    """Company locations. Implements `LocationRepository`."""

    entity = "Location"
    unique = (
        _one_per_company(lambda location: location.is_primary, "primary address"),
        _one_per_company(lambda location: location.is_default_billing, "default billing address"),
        _one_per_company(lambda location: location.is_default_shipping, "default shipping address"),
    )

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
        return self._find(location_id)

    def for_company(self, company_id: CompanyId) -> list[Location]:
        """Return a company's locations, oldest first (ties by id)."""
        return sorted(
            (location for location in self._table if location.company_id == company_id),
            key=lambda row: (row.created_at, row.id),
        )

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
