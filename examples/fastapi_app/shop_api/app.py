"""The app factory: the library's services built once per process, the routes, the errors."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager

from fastapi import FastAPI

from b2b_customers import App, connect
from b2b_customers.ports import Clock, IdGenerator
from b2b_customers.services import Staff
from shop_api.errors import install_error_handlers
from shop_api.routes import ROUTERS

DATABASE_URL_VARIABLE = "B2B_CUSTOMERS_URL"
"""The environment variable naming the database (the command line reads it too)."""

DEFAULT_DATABASE_URL = "sqlite:///shop.db"
"""The database without one named: an SQLite file in the working directory."""


def create_app(
    database_url: str | None = None,
    *,
    staff: Iterable[Staff] = (),
    schema: str | None = None,
    migrate: bool = True,
    clock: Clock | None = None,
    ids: IdGenerator | None = None,
) -> FastAPI:
    """Build the shop's API over the library, on one database.

    Args:
        database_url: ``sqlite:///shop.db``, ``postgresql+psycopg://...``, or
            ``memory://``; by default ``$B2B_CUSTOMERS_URL``, else
            ``sqlite:///shop.db``.
        staff: The seller's staff who may act through ``X-Staff-Id``.
        schema: A PostgreSQL schema for the library's tables.
        migrate: Bring the database to the library's schema first (leave it
            to a deploy step in production: ``b2b-customers db upgrade``).
        clock: The clock the services read (the system's by default).
        ids: The id generator (random UUIDs by default).
    """
    url = database_url or os.environ.get(DATABASE_URL_VARIABLE) or DEFAULT_DATABASE_URL
    b2b: App = connect(url, schema=schema, migrate=migrate, clock=clock, ids=ids)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        b2b.store.dispose()  # closes the connection pool at shutdown

    api = FastAPI(title="Shop API over b2b-customers", lifespan=lifespan)
    api.state.b2b = b2b
    api.state.staff = {member.id: member for member in staff}
    for router in ROUTERS:
        api.include_router(router)
    install_error_handlers(api)
    return api
