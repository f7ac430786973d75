"""Location use cases: add and update a company's addresses, pick its defaults.

A company's locations obey the rules of
[`AddressBook`][b2b_customers.domain.AddressBook]: exactly one primary address, at
most one default billing and one default shipping address. Giving a flag to
one location takes it from the location that had it, in the same unit of
work; each location that changes is recorded (``location.created``,
``location.updated``, ``location.removed``) with its own audit entry.
Admins of the company or of a company above it, and staff, manage locations.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from b2b_customers.arguments import checks_arguments
from b2b_customers.domain import Address, AddressBook, Location
from b2b_customers.ids import CompanyId, LocationId
from b2b_customers.services.authorization import Actor, Permission
from b2b_customers.services.entity_fields import check_fields, evolved

if TYPE_CHECKING:
    from collections.abc import Callable

    from b2b_customers.ports import UnitOfWork
    from b2b_customers.services.context import ServiceContext

__all__ = ["LocationService"]

_FIXED = ("company_id",)


@checks_arguments
class LocationService:
    """A company's locations, on behalf of an actor.

    Args:
        context: The store, clock and id generator.
    """

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def add(
        self,
        *,
        actor: Actor,
        company: CompanyId | str,
        name: str,
        address: Address,
        **fields: Any,  # noqa: ANN401  (any other Location field)
    ) -> Location:
        """Add a location to ``company``; the company's first becomes its primary address.

        Args:
            actor: Someone who manages the company's locations.
            company: The company.
            name: A name people recognise (``"Munich warehouse"``).
            address: The postal address.
            **fields: Any other [`Location`][b2b_customers.domain.Location] field
                (``type``, ``is_default_billing``, ``emails``, ...), and an ``id``
                of your own if you like.

        Raises:
            NotFound: The company does not exist.
            PermissionDenied: The actor may not manage the company's locations.
            ValidationError: A field is unknown or not valid.
            AlreadyExists: The id is taken.
        """
        company = CompanyId(company)
        location_id = fields.pop("id", None)
        check_fields(Location, fields, fixed=_FIXED)
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.MANAGE_LOCATIONS, company)
            location = Location(
                id=LocationId(location_id or self._context.ids()),
                company_id=company,
                name=name,
                address=address,
                **fields,
            )
            book = self._book(uow, company)
            stored = self._store(uow, actor, book, book.add(location))[-1]
            uow.commit()
        return stored

    def update(
        self,
        *,
        actor: Actor,
        location: LocationId | str,
        **changes: Any,  # noqa: ANN401  (any Location field but id and company)
    ) -> Location:
        """Change fields of a location (name, address, flags, ...).

        Raises:
            NotFound: The location does not exist.
            PermissionDenied: The actor may not manage the company's locations.
            ValidationError: A field is unknown, may not change or is not
                valid, or the change takes the primary flag from the primary
                address (make another location primary instead).
        """
        location = LocationId(location)
        check_fields(Location, changes, fixed=_FIXED)
        return self._change(actor, location, lambda current: evolved(current, changes))

    def make_primary(self, *, actor: Actor, location: LocationId | str) -> Location:
        """Make a location the company's primary address (the previous one stops being it)."""
        location = LocationId(location)
        return self.update(actor=actor, location=location, is_primary=True)

    def set_default_billing(self, *, actor: Actor, location: LocationId | str) -> Location:
        """Make a location the company's default billing address (taking the flag from another)."""
        location = LocationId(location)
        return self.update(actor=actor, location=location, is_default_billing=True)

    def set_default_shipping(self, *, actor: Actor, location: LocationId | str) -> Location:
        """Make a location the company's default shipping address (taking the flag from another)."""
        location = LocationId(location)
        return self.update(actor=actor, location=location, is_default_shipping=True)

    def remove(
        self,
        *,
        actor: Actor,
        location: LocationId | str,
        new_primary: LocationId | str | None = None,
    ) -> Location:
        """Remove a location; return it as it was.

        Args:
            actor: Someone who manages the company's locations.
            location: The location to remove.
            new_primary: The location that becomes primary, required when the
                primary address is removed and others remain.

        Raises:
            NotFound: The location (or ``new_primary``) does not exist.
            PermissionDenied: The actor may not manage the company's locations.
            ValidationError: The primary address is removed without a ``new_primary``.
        """
        location = LocationId(location)
        new_primary = None if new_primary is None else LocationId(new_primary)
        with self._context.store.unit_of_work() as uow:
            current = uow.locations.get(location)
            self._authorize(uow, actor, current)
            book = self._book(uow, current.company_id)
            successors = book.remove(location, new_primary=new_primary)
            uow.locations.remove(location)
            self._context.record(
                uow,
                "location.removed",
                current,
                actor=actor,
                company_id=current.company_id,
                before=current,
                removed=True,
            )
            self._store(uow, actor, book, successors)
            uow.commit()
        return current

    def for_company(self, *, actor: Actor, company: CompanyId | str) -> list[Location]:
        """Return the locations of a company the actor may see, oldest first.

        Raises:
            NotFound: The company does not exist.
            PermissionDenied: The actor may not see the company.
        """
        company = CompanyId(company)
        with self._context.store.unit_of_work() as uow:
            self._context.authorize(uow, actor, Permission.VIEW_COMPANY, company)
            return uow.locations.for_company(company)

    # -- steps

    def _change(
        self, actor: Actor, location: LocationId, change: Callable[[Location], Location]
    ) -> Location:
        with self._context.store.unit_of_work() as uow:
            current = uow.locations.get(location)
            self._authorize(uow, actor, current)
            book = self._book(uow, current.company_id)
            stored = self._store(uow, actor, book, book.update(change(current)))[-1]
            uow.commit()
        return stored

    def _authorize(self, uow: UnitOfWork, actor: Actor, location: Location) -> None:
        self._context.authorize(uow, actor, Permission.MANAGE_LOCATIONS, location.company_id)

    @staticmethod
    def _book(uow: UnitOfWork, company: CompanyId) -> _Book:
        return _Book(company, uow.locations.for_company(company))

    def _store(
        self, uow: UnitOfWork, actor: Actor, book: _Book, changed: list[Location]
    ) -> list[Location]:
        """Store the locations an address book change returned, in its order, each recorded."""
        stored: list[Location] = []
        for location in changed:
            before = book.stored.get(location.id)
            if before is None:
                saved = uow.locations.add(location)
                event = "location.created"
            else:
                saved = uow.locations.save(location)
                event = "location.updated"
            self._context.record(
                uow, event, saved, actor=actor, company_id=saved.company_id, before=before
            )
            stored.append(saved)
        return stored


class _Book(AddressBook):
    """An address book that remembers the stored copy of each location (the audit's before)."""

    def __init__(self, company_id: CompanyId, locations: list[Location]) -> None:
        super().__init__(company_id, locations)
        self.stored = {location.id: location for location in locations}
