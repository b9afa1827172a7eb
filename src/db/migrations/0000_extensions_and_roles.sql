-- Extensions both engines ship (PGlite loads them as contrib modules). Only the ones used:
-- loading more has been seen to break pg_trgm searches on PGlite.
CREATE EXTENSION IF NOT EXISTS citext;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pg_trgm;
--> statement-breakpoint
CREATE EXTENSION IF NOT EXISTS pgcrypto;
--> statement-breakpoint
-- The role the application does all tenant work as: owns nothing, never bypasses RLS.
-- Roles are cluster-wide, so another database on the same server may have made it already.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'porchlight_app') THEN
    CREATE ROLE porchlight_app NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;
--> statement-breakpoint
-- The migrating user must be able to SET ROLE porchlight_app (a superuser always can).
DO $$
BEGIN
  IF NOT pg_has_role(current_user, 'porchlight_app', 'MEMBER') THEN
    EXECUTE format('GRANT porchlight_app TO %I', current_user);
  END IF;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO porchlight_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO porchlight_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO porchlight_app;
--> statement-breakpoint
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO porchlight_app;
--> statement-breakpoint
-- Marks a table as tenant data: RLS enabled and forced, one policy with USING and WITH CHECK
-- on the transaction's tenant. No tenant set means no rows, and no error.
CREATE OR REPLACE FUNCTION porchlight_protect_tenant_table(tbl regclass) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', tbl);
  EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', tbl);
  EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %s', tbl);
  EXECUTE format(
    'CREATE POLICY tenant_isolation ON %s AS PERMISSIVE FOR ALL TO PUBLIC '
    'USING (account_id = nullif(current_setting(''app.account_id'', true), '''')::uuid) '
    'WITH CHECK (account_id = nullif(current_setting(''app.account_id'', true), '''')::uuid)',
    tbl
  );
END
$$;
