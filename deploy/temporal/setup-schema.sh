#!/bin/sh
# Creates and migrates the two PostgreSQL databases of the Temporal server: the same steps for
# docker-compose.yml (service temporal-schema, in temporalio/admin-tools) and `josh cluster`
# (src/cluster/, with the temporal-sql-tool built from the same server module). Safe to run again:
# an existing database is kept, and update-schema applies only the versions it lacks.
#
# Environment: POSTGRES_SEEDS, DB_PORT (5432), POSTGRES_USER, POSTGRES_PWD, DBNAME (temporal),
# VISIBILITY_DBNAME (temporal_visibility); SQL_TOOL (temporal-sql-tool) and SCHEMA_DIR (the
# module's schema/postgresql/v12, /etc/temporal/schema/postgresql/v12 in admin-tools).
set -eu
SQL_TOOL=${SQL_TOOL:-temporal-sql-tool}
SCHEMA_DIR=${SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}
export SQL_PLUGIN=postgres12
export SQL_HOST="$POSTGRES_SEEDS"
export SQL_PORT="${DB_PORT:-5432}"
export SQL_USER="$POSTGRES_USER"
export SQL_PASSWORD="$POSTGRES_PWD"

for pair in "${DBNAME:-temporal}:temporal" "${VISIBILITY_DBNAME:-temporal_visibility}:visibility"; do
  db=${pair%%:*}
  dir="$SCHEMA_DIR/${pair#*:}/versioned"
  # Fails only because the database exists (a connection problem fails the next step too).
  "$SQL_TOOL" --db "$db" create-database >/dev/null 2>&1 || echo "database $db exists"
  "$SQL_TOOL" --db "$db" setup-schema -v 0.0
  "$SQL_TOOL" --db "$db" update-schema -d "$dir"
  echo "database $db: schema up to date ($dir)"
done
