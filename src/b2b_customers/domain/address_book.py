"""The rules that tie one company's locations together.

* A company with locations has exactly one primary address; the first
  location added becomes primary by itself.
* At most one location is the default billing address and at most one the
  default shipping address.
* Making another location primary (or default) takes the flag from the one
  that had it; a flag is never simply dropped from the primary address.

[`AddressBook`][b2b_customers.domain.AddressBook] applies these rules and answers with every
location that has to be stored, in an order that can be stored one by one: the
locations that lose a flag come before the one that takes it, so a store
that enforces the rules with unique indexes never sees two holders.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from b2b_customers.errors import NotFound, ValidationError
from b2b_customers.ids import CompanyId

if TYPE_CHECKING:
    from collections.abc import Iterable

    from b2b_customers.domain.location import Location
    from b2b_customers.ids import LocationId

__all__ = ["AddressBook"]

_FLAGS = ("is_primary", "is_default_billing", "is_default_shipping")


class AddressBook:
    """One company's locations, kept consistent.

    Args:
        company_id: The company whose locations these are.
        locations: Its stored locations.

    Raises:
        ValidationError: A location belongs to another company, or the stored
            locations already break a rule.
    """

    def __init__(self, company_id: CompanyId | str, locations: Iterable[Location] = ()) -> None:
        self.company_id = CompanyId(company_id)
        self._locations: dict[LocationId, Location] = {}
        for location in locations:
            self._check_owner(location)
            self._locations[location.id] = location
        self._check_rules()

    @property
    def locations(self) -> list[Location]:
        """The company's locations, in the order they were added."""
        return list(self._locations.values())

    @property
    def primary(self) -> Location | None:
        """The primary address (``None`` only when there are no locations)."""
        return self._flagged("is_primary")

    @property
    def default_billing(self) -> Location | None:
        """The default billing address, if one is set."""
        return self._flagged("is_default_billing")

    @property
    def default_shipping(self) -> Location | None:
        """The default shipping address, if one is set."""
        return self._flagged("is_default_shipping")

    def get(self, location_id: LocationId) -> Location:
        """Return the location with ``location_id``.

        Raises:
            NotFound: The company has no such location.
        """
        try:
            return self._locations[location_id]
        except KeyError:
            raise NotFound("Location", location_id) from None

    def add(self, location: Location) -> list[Location]:
        """Add ``location``; return every location to store (it last).

        The first location becomes primary even if it did not ask to be.

        Raises:
            ValidationError: It belongs to another company or its id is taken.
        """
        self._check_owner(location)
        if location.id in self._locations:
            raise ValidationError(
                f"company {self.company_id!r} has a location {location.id!r} already; "
                "update it instead of adding it",
                field="id",
            )
        if not self._locations and not location.is_primary:
            location = attrs.evolve(location, is_primary=True)
        return self._put(location)

    def update(self, location: Location) -> list[Location]:
        """Replace a stored location; return every location to store (it last).

        Raises:
            NotFound: The company has no location with that id.
            ValidationError: The update takes the primary flag away from the
                primary address; make another location primary instead.
        """
        current = self.get(location.id)
        self._check_owner(location)
        if current.is_primary and not location.is_primary:
            raise ValidationError(
                f"location {location.id!r} is the primary address of company "
                f"{self.company_id!r}; make another location primary instead of unsetting it",
                field="is_primary",
            )
        return self._put(location)

    def remove(
        self, location_id: LocationId, *, new_primary: LocationId | None = None
    ) -> list[Location]:
        """Remove a location; return the locations to store after removing it.

        Args:
            location_id: The location to remove.
            new_primary: The location that becomes primary, required when the
                primary address is removed and others remain.

        Raises:
            NotFound: No such location (or no such ``new_primary``).
            ValidationError: The primary is removed and ``new_primary`` is not
                given, or ``new_primary`` is the location being removed.
        """
        removed = self.get(location_id)
        if new_primary == location_id:
            raise ValidationError(
                "the new primary address cannot be the location being removed", field="new_primary"
            )
        if not removed.is_primary or len(self._locations) == 1:
            del self._locations[location_id]
            return []
        if new_primary is None:
            raise ValidationError(
                f"location {location_id!r} is the primary address of company "
                f"{self.company_id!r}; name the location that becomes primary (new_primary)",
                field="new_primary",
            )
        successor = self.get(new_primary)  # before removing: a failed call changes nothing
        del self._locations[location_id]
        return self._put(attrs.evolve(successor, is_primary=True))

    def _put(self, location: Location) -> list[Location]:
        self._locations[location.id] = location
        changed: dict[LocationId, Location] = {}
        for flag in _FLAGS:
            if not getattr(location, flag):
                continue
            for other in list(self._locations.values()):
                if other.id != location.id and getattr(other, flag):
                    # Read back from the book, so a location losing two flags keeps both changes.
                    updated = _without_flag(other, flag)
                    self._locations[other.id] = updated
                    changed[other.id] = updated
        return [*changed.values(), location]

    def _flagged(self, flag: str) -> Location | None:
        return next((loc for loc in self._locations.values() if getattr(loc, flag)), None)

    def _check_owner(self, location: Location) -> None:
        if location.company_id != self.company_id:
            raise ValidationError(
                f"location {location.id!r} belongs to company {location.company_id!r}, "
                f"not {self.company_id!r}",
                field="company_id",
            )

    def _check_rules(self) -> None:
        if not self._locations:
            return
        for flag in _FLAGS:
            holders = sorted(loc.id for loc in self._locations.values() if getattr(loc, flag))
            if len(holders) > 1:
                raise ValidationError(
                    f"company {self.company_id!r} has {len(holders)} locations with {flag} "
                    f"({', '.join(holders)}); at most one may have it",
                    field=flag,
                )
        if self.primary is None:
            raise ValidationError(
                f"company {self.company_id!r} has locations but no primary address; "
                "mark one primary",
                field="is_primary",
            )


def _without_flag(location: Location, flag: str) -> Location:
    if flag == "is_primary":
        return attrs.evolve(location, is_primary=False)
    if flag == "is_default_billing":
        return attrs.evolve(location, is_default_billing=False)
    return attrs.evolve(location, is_default_shipping=False)
