-- scripts/db_roles.sql with its settings taken from the environment, for psql 15 or later:
--
--   FAIRPANEL_DB_OWNER_ROLE=fairpanel_owner FAIRPANEL_DB_RUNTIME_ROLE=fairpanel_app \
--   FAIRPANEL_DB_OWNER_PASSWORD=... FAIRPANEL_DB_RUNTIME_PASSWORD=... \
--     psql -v ON_ERROR_STOP=1 -f scripts/db_roles_from_env.sql "$SUPERUSER_URL_OF_THE_DATABASE"
--
-- Optional: FAIRPANEL_DB_OWNER_CREATES_DATABASES=on (tests create their database), FAIRPANEL_DB_ADOPT=on
-- (give the owner the tables of a database from before the two roles). Used by docker-compose.yml
-- (the db-roles service) and .ci/run.
\set owner_role fairpanel_owner
\set runtime_role fairpanel_app
\set owner_password ''
\set runtime_password ''
\set owner_creates_databases off
\set adopt_objects off
\getenv owner_role FAIRPANEL_DB_OWNER_ROLE
\getenv runtime_role FAIRPANEL_DB_RUNTIME_ROLE
\getenv owner_password FAIRPANEL_DB_OWNER_PASSWORD
\getenv runtime_password FAIRPANEL_DB_RUNTIME_PASSWORD
\getenv owner_creates_databases FAIRPANEL_DB_OWNER_CREATES_DATABASES
\getenv adopt_objects FAIRPANEL_DB_ADOPT
SELECT set_config('fairpanel.owner_role', :'owner_role', false),
       set_config('fairpanel.runtime_role', :'runtime_role', false),
       set_config('fairpanel.owner_password', :'owner_password', false),
       set_config('fairpanel.runtime_password', :'runtime_password', false),
       set_config('fairpanel.owner_creates_databases', :'owner_creates_databases', false),
       set_config('fairpanel.adopt_objects', :'adopt_objects', false) \gset ignored_
\ir db_roles.sql
