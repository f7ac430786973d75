"""Alembic scripts of the SQL adapter; :func:`b2b_customers.adapters.sql.migrate` runs them."""
