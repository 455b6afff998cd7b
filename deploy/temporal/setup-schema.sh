#!/bin/sh
# Creates Temporal's two PostgreSQL databases and brings their schemas up to the version of
# this admin-tools image. Idempotent: `create` ignores an existing database, `setup-schema -v 0.0`
# keeps a newer version, `update-schema` applies only missing versions. Run it again with a
# newer admin-tools image before upgrading temporalio/server (never run a server newer than
# its schema). docker-compose.yml runs it as the one-shot `temporal-schema` service;
# tools/temporal-cluster.ts (`npm run temporal:server`, the cluster test) runs it too.
# DBNAME and VISIBILITY_DBNAME are the server image's variables for the same two names.
set -eu

: "${SQL_PLUGIN:=postgres12}"
: "${SQL_HOST:=temporal-postgresql}"
: "${SQL_PORT:=5432}"
: "${SQL_USER:=temporal}"
: "${SQL_PASSWORD:?SQL_PASSWORD must be set}"
: "${DBNAME:=temporal}"
: "${VISIBILITY_DBNAME:=temporal_visibility}"
: "${SCHEMA_ROOT:=/etc/temporal/schema/postgresql/v12}"
export SQL_PASSWORD

# The admin-tools image has nc; without it (the local cluster of tools/temporal-cluster.ts runs
# this script on a machine whose PostgreSQL is already up) `create` fails fast if it is down.
if command -v nc >/dev/null 2>&1; then
  echo "waiting for PostgreSQL at ${SQL_HOST}:${SQL_PORT}"
  tries=0
  until nc -z "$SQL_HOST" "$SQL_PORT"; do
    tries=$((tries + 1))
    [ "$tries" -ge 60 ] && { echo "PostgreSQL did not open its port" >&2; exit 1; }
    sleep 2
  done
fi

for db in "$DBNAME" "$VISIBILITY_DBNAME"; do
  if [ "$db" = "$DBNAME" ]; then dir="$SCHEMA_ROOT/temporal/versioned"; else dir="$SCHEMA_ROOT/visibility/versioned"; fi
  tool() { temporal-sql-tool --plugin "$SQL_PLUGIN" --ep "$SQL_HOST" -p "$SQL_PORT" -u "$SQL_USER" --db "$db" "$@"; }
  echo "schema of $db"
  tool create
  tool setup-schema -v 0.0
  tool update-schema -d "$dir"
done
echo "Temporal schema is up to date"
