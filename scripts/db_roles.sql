-- Fairpanel's two database roles (README, "Database roles"; core/db_roles.py).
--
-- Run as a superuser, connected to Fairpanel's database, after setting who the roles are:
--
--   SET fairpanel.owner_role = 'fairpanel_owner';      -- runs migrations, owns every table
--   SET fairpanel.runtime_role = 'fairpanel_app';      -- what the web and the workers connect as
--   SET fairpanel.owner_password = '...';              -- optional (none with trust authentication)
--   SET fairpanel.runtime_password = '...';            -- optional
--   SET fairpanel.owner_creates_databases = 'on';      -- optional: only where tests create their database
--   SET fairpanel.adopt_objects = 'on';                -- optional: give the owner the tables someone else
--                                                      -- owns (a database from before the two roles)
--
-- scripts/db_roles_from_env.sql does these SETs from environment variables (docker-compose.yml, .ci/run);
-- scripts/services.py does them for the embedded PostgreSQL. Safe to run again: it creates what is
-- missing and sets the passwords given. The runtime role gets no privileges here: `manage.py migrate`,
-- run as the owner, grants it what it may do (core/db_roles.py).

DO $roles$
DECLARE
    owner_role text := current_setting('fairpanel.owner_role');
    runtime_role text := current_setting('fairpanel.runtime_role');
    owner_password text := coalesce(current_setting('fairpanel.owner_password', true), '');
    runtime_password text := coalesce(current_setting('fairpanel.runtime_password', true), '');
    owner_creates text := coalesce(current_setting('fairpanel.owner_creates_databases', true), 'off');
    adopt text := coalesce(current_setting('fairpanel.adopt_objects', true), 'off');
    object record;
BEGIN
    IF owner_role = runtime_role THEN
        RAISE EXCEPTION 'the owner and the runtime role must be two roles, not one (%)', owner_role;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = owner_role) THEN
        EXECUTE format('CREATE ROLE %I LOGIN', owner_role);
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = runtime_role) THEN
        EXECUTE format('CREATE ROLE %I LOGIN', runtime_role);
    END IF;
    -- The runtime role can log in and do what migrate grants it; nothing that would let it around that.
    EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS', runtime_role);
    IF pg_has_role(runtime_role, owner_role, 'MEMBER') THEN
        EXECUTE format('REVOKE %I FROM %I', owner_role, runtime_role);
    END IF;
    EXECUTE format('ALTER ROLE %I LOGIN NOSUPERUSER NOCREATEROLE NOREPLICATION NOBYPASSRLS %s', owner_role,
                   CASE WHEN owner_creates = 'on' THEN 'CREATEDB' ELSE 'NOCREATEDB' END);
    IF owner_password <> '' THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', owner_role, owner_password);
    END IF;
    IF runtime_password <> '' THEN
        EXECUTE format('ALTER ROLE %I PASSWORD %L', runtime_role, runtime_password);
    END IF;
    -- The owner owns the database and creates in its schema; nobody else creates anything there.
    EXECUTE format('ALTER DATABASE %I OWNER TO %I', current_database(), owner_role);
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO %I', current_database(), runtime_role);
    REVOKE CREATE ON SCHEMA public FROM PUBLIC;
    EXECUTE format('GRANT USAGE, CREATE ON SCHEMA public TO %I', owner_role);
    EXECUTE format('GRANT USAGE ON SCHEMA public TO %I', runtime_role);
    IF adopt = 'on' THEN
        -- Tables first: their indexes and the sequences they own follow them.
        FOR object IN
            SELECT c.oid::regclass AS name, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND c.relowner <> owner_role::regrole
        LOOP
            EXECUTE format('ALTER %s %s OWNER TO %I',
                           CASE object.relkind WHEN 'v' THEN 'VIEW' WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
                           object.name, owner_role);
        END LOOP;
        FOR object IN
            SELECT c.oid::regclass AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relkind = 'S' AND c.relowner <> owner_role::regrole
        LOOP
            EXECUTE format('ALTER SEQUENCE %s OWNER TO %I', object.name, owner_role);
        END LOOP;
        FOR object IN
            SELECT p.oid::regprocedure AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = 'public' AND p.proowner <> owner_role::regrole
        LOOP
            EXECUTE format('ALTER FUNCTION %s OWNER TO %I', object.name, owner_role);
        END LOOP;
    END IF;
END
$roles$;
