"""Company locations in SQL, with one primary / default billing / default shipping per company."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import delete, select, update

from b2b_customers.adapters.sql.mapping import (
    load,
    location_row,
    stamped,
    stored_bookkeeping,
    stored_time,
)
from b2b_customers.adapters.sql.queries import stale
from b2b_customers.adapters.sql.tables import companies, locations
from b2b_customers.domain import Location
from b2b_customers.errors import AlreadyExists, B2BError, NotFound, ValidationError

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from b2b_customers.adapters.sql.errors import Violation
    from b2b_customers.adapters.sql.session import Session
    from b2b_customers.ids import CompanyId, LocationId

__all__ = ["SqlLocationRepository"]

_FLAGS = (
    ("is_primary", "primary address"),
    ("is_default_billing", "default billing address"),
    ("is_default_shipping", "default shipping address"),
)


class SqlLocationRepository:
    """Company locations, in SQL.

    Implements [`LocationRepository`][b2b_customers.ports.LocationRepository]. Partial
    unique indexes keep one primary, one default billing and one default
    shipping location per company, so store the changes an
    [`AddressBook`][b2b_customers.domain.AddressBook] returns in its order.

    Args:
        session: The unit of work's connection.
    """

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, location: Location) -> Location:
        """Store a new location; return the stored copy.

        Raises:
            AlreadyExists: The id is taken, or the company already has another
                primary / default billing / default shipping location.
            ValidationError: The company does not exist.
        """
        _require_location(location)
        now = self._session.now()
        stored = stamped(location, version=1, created_at=now, updated_at=now)

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, stored, new=True)

        with self._session.write(explain) as connection:
            connection.execute(locations.insert(), [location_row(stored)])
        return stored

    def save(self, location: Location) -> Location:
        """Store a changed location; return the stored copy.

        Raises:
            NotFound: No location has this id.
            StaleVersion: The copy's version is not the stored one.
            AlreadyExists: Another location of the company has a flag this one sets.
            ValidationError: The location was moved to another company.
        """
        _require_location(location)
        now = self._session.now()

        def explain(connection: Connection, _violation: Violation) -> B2BError | None:
            return _explain(connection, location, new=False)

        with self._session.write(explain) as connection:
            row = stored_bookkeeping(
                connection,
                select(locations.c.version, locations.c.created_at, locations.c.company_id).where(
                    locations.c.id == location.id
                ),
                table=locations.name,
                key=location.id,
            )
            if row is None:
                raise NotFound("Location", location.id)
            version, created_at, company_id = row
            if version != location.version:
                raise stale("Location", location.id, version, location.version)
            if location.company_id != company_id:
                raise ValidationError(
                    f"location {location.id!r} belongs to company {company_id!r}; a location "
                    "cannot move to another company: add a new one there and remove this one",
                    field="company_id",
                )
            stored = stamped(
                location,
                version=version + 1,
                created_at=stored_time(created_at),
                updated_at=now,
            )
            values = location_row(stored)
            del values["id"]
            result = connection.execute(
                update(locations)
                .where(locations.c.id == location.id, locations.c.version == version)
                .values(**values)
            )
            if result.rowcount != 1:
                raise stale("Location", location.id, version + 1, location.version)
        return stored

    def remove(self, location_id: LocationId) -> None:
        """Delete a location.

        Raises:
            NotFound: No location has this id.
        """
        with self._session.write() as connection:
            result = connection.execute(delete(locations).where(locations.c.id == location_id))
            if result.rowcount != 1:
                raise NotFound("Location", location_id)

    def get(self, location_id: LocationId) -> Location:
        """Return the location with ``location_id``.

        Raises:
            NotFound: No location has this id.
        """
        with self._session.read() as connection:
            data = connection.execute(
                select(locations.c.data).where(locations.c.id == location_id)
            ).scalar_one_or_none()
        if data is None:
            raise NotFound("Location", location_id)
        return load(Location, data, key=location_id)

    def for_company(self, company_id: CompanyId) -> list[Location]:
        """Return a company's locations, oldest first (ties by id)."""
        with self._session.read() as connection:
            rows = connection.execute(
                select(locations.c.data)
                .where(locations.c.company_id == company_id)
                .order_by(locations.c.created_at, locations.c.id)
            ).scalars()
            return [load(Location, data) for data in rows]


def _require_location(location: object) -> None:
    if not isinstance(location, Location):
        raise ValidationError(f"expected a Location, got {type(location).__name__} {location!r}")


def _explain(connection: Connection, location: Location, *, new: bool) -> B2BError | None:
    """Say which rule a write broke: the company, the id, then each flag."""
    if new:
        company = connection.execute(
            select(companies.c.id).where(companies.c.id == location.company_id)
        ).first()
        if company is None:
            return ValidationError(
                f"company {location.company_id!r} of location {location.id!r} does not exist; "
                "store the company first",
                field="company_id",
            )
        taken = connection.execute(
            select(locations.c.id).where(locations.c.id == location.id)
        ).first()
        if taken is not None:
            return AlreadyExists(
                f"a Location with id {location.id!r} exists already; choose another id, "
                "or load and save the stored one"
            )
    for flag, what in _FLAGS:
        if not getattr(location, flag):
            continue
        holder = connection.execute(
            select(locations.c.id).where(
                locations.c.company_id == location.company_id,
                locations.c[flag].is_(True),
                locations.c.id != location.id,
            )
        ).scalar_one_or_none()
        if holder is not None:
            return AlreadyExists(
                f"location {holder!r} is the {what} of company {location.company_id!r} already; "
                "take the flag from it first (AddressBook returns the changes in that order)"
            )
    return None
