"""Alembic's environment for b2b_customers, run by `b2b_customers.adapters.sql.migrate`.

It uses the connection ``migrate`` passes in ``config.attributes`` (there is
no ``alembic.ini``), records the revision in the library's own version table
(``b2b_customers_alembic_version``, so a host application's ``alembic_version``
is left alone) and, for a PostgreSQL schema, maps the tables and the version
table into it.
"""

from __future__ import annotations

from alembic import context

from b2b_customers.adapters.sql.migrate import VERSION_TABLE
from b2b_customers.adapters.sql.tables import metadata
from b2b_customers.errors import StorageError


def run_migrations() -> None:
    """Run the pending migrations on the connection ``migrate`` lends."""
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        raise StorageError(
            "run the b2b_customers migrations with b2b_customers.adapters.sql.migrate(url)"
        )
    schema = config.attributes.get("schema")
    if schema is not None:
        connection.execution_options(schema_translate_map={None: schema})
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        version_table_schema=schema,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
