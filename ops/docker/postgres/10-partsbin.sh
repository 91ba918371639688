#!/usr/bin/env bash
# partsbin: first-start bootstrap for the postgres container (compose.yaml),
# run once by the official image's entrypoint on an empty data volume, as
# /docker-entrypoint-initdb.d/10-partsbin.sh. It does what pg_bootstrap in
# ops/local/stack.sh does natively: the application role (no superuser), its
# database, and the extensions search needs (created by the superuser, since
# the app role may not).
# Needs PARTSBIN_PG_PASSWORD (the app role's password) in the environment.
set -euo pipefail

: "${PARTSBIN_PG_PASSWORD:?PARTSBIN_PG_PASSWORD must be set (the partsbin role password)}"

PGOPTIONS="-c client_min_messages=warning" psql -v ON_ERROR_STOP=1 -X -q --username "$POSTGRES_USER" --dbname postgres \
	-v app_pw="$PARTSBIN_PG_PASSWORD" <<'SQL'
CREATE ROLE partsbin LOGIN PASSWORD :'app_pw';
\c template1
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
\c postgres
CREATE DATABASE partsbin OWNER partsbin;
\c partsbin
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
SQL
echo "partsbin: role partsbin, database partsbin, extensions pg_trgm+unaccent ready"
