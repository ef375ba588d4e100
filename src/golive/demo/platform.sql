-- What the Supabase platform provides before any migration of the project runs: the API
-- roles, the auth schema, default privileges and the migration ledger. Idempotent; run as
-- the superuser in each database that receives the project's migrations. The project's
-- own schema is in the sample repository (supabase/migrations/*.sql, supabase/seed.sql).

-- API roles. They cannot log in: the application's login role (app, the "authenticator")
-- switches into one of them per request, and row-level security policies are written
-- against these roles.
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'anon') THEN
        CREATE ROLE anon NOLOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'authenticated') THEN
        CREATE ROLE authenticated NOLOGIN NOINHERIT;
    END IF;
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'service_role') THEN
        -- The back office role: bypasses RLS, never handed to end users.
        CREATE ROLE service_role NOLOGIN NOINHERIT BYPASSRLS;
    END IF;
END
$$;

GRANT anon, authenticated, service_role TO app;

-- The application role's own schema (first on the default search_path, "$user"): scratch
-- tables it creates land here, never in the API schema (golive's database load writes one).
CREATE SCHEMA IF NOT EXISTS app AUTHORIZATION app;

-- Identity: credentials live in their own schema, readable only by service_role.
CREATE SCHEMA IF NOT EXISTS auth;

CREATE TABLE IF NOT EXISTS auth.users (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text NOT NULL UNIQUE,
    password_hash text,            -- scrypt, set at stack start-up; NULL = cannot log in
    role          text NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'admin')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- The JWT subject of the current request, as PostgREST/Supabase expose it.
CREATE OR REPLACE FUNCTION auth.uid() RETURNS uuid
    LANGUAGE sql STABLE
    AS $$ SELECT nullif(current_setting('request.jwt.claim.sub', true), '')::uuid $$;

ALTER TABLE auth.users ENABLE ROW LEVEL SECURITY;

REVOKE ALL ON SCHEMA auth FROM PUBLIC;
GRANT USAGE ON SCHEMA auth TO anon, authenticated, service_role;
GRANT EXECUTE ON FUNCTION auth.uid() TO anon, authenticated, service_role;
GRANT SELECT, INSERT, UPDATE, DELETE ON auth.users TO service_role;

-- Supabase's default privileges on the API schema: table privileges are broad, the
-- row-level security policies of each migration do the narrowing.
GRANT USAGE ON SCHEMA public TO anon, authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO anon;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO authenticated, service_role;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO authenticated, service_role;

-- The migration ledger (Supabase CLI's place for it). The application role may read it,
-- so that what is applied can be checked with the application's own credentials.
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (
    version    text PRIMARY KEY,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON SCHEMA supabase_migrations FROM PUBLIC;
GRANT USAGE ON SCHEMA supabase_migrations TO app;
GRANT SELECT ON supabase_migrations.schema_migrations TO app;
