-- partsbin: roles, database and extensions on the primary. Idempotent;
-- passwords are re-applied so the roles always match the secrets. Run by
-- ops/local/pg.sh (native) and ops/postgres/compose-node.sh (containers):
--   psql -v app_role=... -v app_db=... -v repl_role=... -v check_role=...
--        -v app_pw=... -v repl_pw=... -v check_pw=... -f bootstrap.sql
SELECT format('CREATE ROLE %I LOGIN', r) FROM unnest(ARRAY[:'app_role', :'repl_role', :'check_role']) AS r
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = r) \gexec
ALTER ROLE :"app_role" WITH LOGIN PASSWORD :'app_pw';
ALTER ROLE :"repl_role" WITH LOGIN REPLICATION PASSWORD :'repl_pw';
-- Pgpool's health and replication checks
ALTER ROLE :"check_role" WITH LOGIN PASSWORD :'check_pw';
GRANT pg_monitor TO :"check_role";
\c template1
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
\c postgres
SELECT format('CREATE DATABASE %I OWNER %I', :'app_db', :'app_role')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'app_db') \gexec
\c :app_db
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS unaccent;
