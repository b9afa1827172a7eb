-- Lead search that can use leads_search_trgm_idx under row-level security.
--
-- Under forced RLS, PostgreSQL lets a condition be an index condition only if its operator is
-- LEAKPROOF (else it could run on other tenants' rows before the policy). ILIKE is not, so as
-- porchlight_app `account_id = $1 AND <text> ILIKE '%q%'` used the index for account_id alone and
-- filtered every lead of the account (0.2-0.5 s at 200,000 leads for a rare or absent term).
--
-- The search runs instead in one SECURITY DEFINER function owned by porchlight_search, a role
-- with no login, no BYPASSRLS and no members, whose only policy on leads is SELECT USING (true):
-- with no tenant qual to come first, the ILIKE becomes an index condition. The function pins the
-- tenant itself, with the same expression as tenant_isolation (account_id = app.account_id, no
-- rows when unset), so it sees exactly what the policy would show. It answers ids only; the
-- caller reads the rows through RLS as usual. The catalog audit (src/db/audit.ts) checks that
-- the role stays this narrow.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'porchlight_search') THEN
    CREATE ROLE porchlight_search NOLOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
  NULL;
END
$$;
--> statement-breakpoint
GRANT USAGE ON SCHEMA public TO porchlight_search;
--> statement-breakpoint
GRANT SELECT ON leads TO porchlight_search;
--> statement-breakpoint
CREATE POLICY search_definer ON leads AS PERMISSIVE FOR SELECT TO porchlight_search USING (true);
--> statement-breakpoint
-- Ids of the tenant's leads whose search text contains p_pattern (an ILIKE pattern, wildcards
-- already escaped), newest first, after the cursor, at most p_limit. p_filters mirrors the
-- list's filters (src/modules/leads/leads.query.ts): status | spam, source, pageId, assignedTo
-- ('none' or a member's id), held, cursorAt + cursorId. Held leads are never searched.
CREATE OR REPLACE FUNCTION porchlight_search_lead_ids(p_pattern text, p_filters jsonb, p_limit integer)
RETURNS SETOF uuid
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $fn$
DECLARE
  v_account uuid := nullif(current_setting('app.account_id', true), '')::uuid;
  v_sql text := 'SELECT id FROM leads WHERE account_id = $1 AND NOT is_held AND '
    || '(coalesce(full_name, '''') || '' '' || coalesce(email::text, '''') || '' '' || '
    || 'coalesce(phone_e164, '''') || '' '' || coalesce(address_line, '''')) ILIKE ''%'' || $2 || ''%''';
BEGIN
  IF v_account IS NULL OR p_pattern IS NULL OR p_limit IS NULL OR p_limit < 1 THEN
    RETURN;
  END IF;
  p_filters := coalesce(p_filters, '{}'::jsonb);
  IF p_filters ? 'status' THEN
    v_sql := v_sql || ' AND status = ($3->>''status'')';
  ELSIF NOT coalesce((p_filters->>'spam')::boolean, false) THEN
    v_sql := v_sql || ' AND status <> ''spam''';
  END IF;
  IF p_filters ? 'source' THEN
    v_sql := v_sql || ' AND source = ($3->>''source'')';
  END IF;
  IF p_filters ? 'pageId' THEN
    v_sql := v_sql || ' AND page_id = ($3->>''pageId'')::uuid';
  END IF;
  IF p_filters->>'assignedTo' = 'none' THEN
    v_sql := v_sql || ' AND assigned_user_id IS NULL';
  ELSIF p_filters ? 'assignedTo' THEN
    v_sql := v_sql || ' AND assigned_user_id = ($3->>''assignedTo'')::uuid';
  END IF;
  IF p_filters ? 'held' THEN
    v_sql := v_sql || ' AND is_held = ($3->>''held'')::boolean';
  END IF;
  IF p_filters ? 'cursorAt' THEN
    v_sql := v_sql || ' AND (created_at, id) < (($3->>''cursorAt'')::timestamptz, ($3->>''cursorId'')::uuid)';
  END IF;
  RETURN QUERY EXECUTE v_sql || ' ORDER BY created_at DESC, id DESC LIMIT $4'
    USING v_account, p_pattern, p_filters, p_limit;
END
$fn$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION porchlight_search_lead_ids(text, jsonb, integer) FROM PUBLIC;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION porchlight_search_lead_ids(text, jsonb, integer) TO porchlight_app;
--> statement-breakpoint
-- The function changes hands to porchlight_search. A non-superuser may only give a function to a
-- role it can SET ROLE to, and that has CREATE on the schema: both granted for the moment only
-- (a lasting membership would let the connecting user's own queries through search_definer).
DO $$
DECLARE
  v_super boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
BEGIN
  IF NOT v_super THEN
    EXECUTE format('GRANT porchlight_search TO %I', current_user);
    GRANT CREATE ON SCHEMA public TO porchlight_search;
  END IF;
  ALTER FUNCTION porchlight_search_lead_ids(text, jsonb, integer) OWNER TO porchlight_search;
  IF NOT v_super THEN
    REVOKE CREATE ON SCHEMA public FROM porchlight_search;
    EXECUTE format('REVOKE porchlight_search FROM %I', current_user);
  END IF;
END
$$;
