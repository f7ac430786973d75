#!/usr/bin/env bash
# Start the machine's PostgreSQL 15 and make the test role and database; safe to run twice.
# PostgreSQL refuses to run as root, so the server runs as the postgres user.
set -euo pipefail

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL is not installed; installing it from Debian's packages" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

service postgresql start >/dev/null

for _ in $(seq 1 30); do
  runuser -u postgres -- pg_isready -q && break
  sleep 1
done
runuser -u postgres -- pg_isready

as_postgres() { runuser -u postgres -- "$@"; }
if [ "$(as_postgres psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'b2b'")" != "1" ]; then
  as_postgres psql -q -c "CREATE ROLE b2b LOGIN PASSWORD 'b2b' SUPERUSER"
fi
if [ "$(as_postgres psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'b2b_test'")" != "1" ]; then
  as_postgres createdb -O b2b b2b_test
fi
echo "PostgreSQL is up: postgresql+psycopg://b2b:b2b@127.0.0.1:5432/b2b_test"
