"""A FastAPI shop back end over b2b-customers: the library behind an HTTP API.

``create_app(database_url)`` builds the FastAPI application: one library
``App`` per process (SQLite by default, PostgreSQL by URL), an actor per
request from a header, one service call per endpoint, and the library's
errors as HTTP statuses. Run it with uvicorn::

    B2B_CUSTOMERS_URL=postgresql+psycopg://shop:secret@localhost/shop \\
        uvicorn --factory shop_api:create_app

See docs/how-to/fastapi.md.
"""

from shop_api.app import create_app

__all__ = ["create_app"]
