"""SQLite and PostgreSQL stores, through SQLAlchemy Core (the ``sql`` and ``postgres`` extras).

::

    from b2b_customers.adapters.sql import SqlStore, migrate

    migrate("sqlite:///shop.db")                # create or upgrade the schema
    store = SqlStore("sqlite:///shop.db")
    with store.unit_of_work() as uow:
        ...
        uow.commit()

* [`SqlStore`][b2b_customers.adapters.sql.SqlStore]: implements [`b2b_customers.ports.Store`][].
* [`migrate`][b2b_customers.adapters.sql.migrate.migrate]: brings a database (or one PostgreSQL
  schema per tenant) to the newest schema with the Alembic scripts shipped in the package.
* [`SqlUnitOfWork`][b2b_customers.adapters.sql.SqlUnitOfWork]: one transaction over every
  repository.

The tables ([`b2b_customers.adapters.sql.tables`][]) keep each entity's
converter form in a ``data`` column, next to indexed columns for queries;
unique rules are database constraints, and driver errors become the
library's own ([`b2b_customers.adapters.sql.errors`][]).
"""

from b2b_customers.errors import MissingDependency

try:
    import alembic
    import sqlalchemy
except ImportError as missing:  # pragma: no cover  (the test environment has the extra)
    raise MissingDependency(
        f"the SQL store needs SQLAlchemy and Alembic ({missing}); "
        "pip install 'b2b-customers[sql]' (or 'b2b-customers[postgres]' for PostgreSQL)"
    ) from missing

from b2b_customers.adapters.sql.migrate import HEAD_REVISION, migrate
from b2b_customers.adapters.sql.store import SqlStore
from b2b_customers.adapters.sql.unit_of_work import SqlUnitOfWork

del alembic, sqlalchemy

__all__ = ["HEAD_REVISION", "SqlStore", "SqlUnitOfWork", "migrate"]
