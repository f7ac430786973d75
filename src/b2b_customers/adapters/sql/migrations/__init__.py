"""Alembic scripts of the SQL adapter; `b2b_customers.adapters.sql.migrate` runs them."""
