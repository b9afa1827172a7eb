-- Default privileges cover tables made by the user that ran 0000; say it for these explicitly.
GRANT SELECT, INSERT, UPDATE, DELETE ON sessions, login_attempts, password_reset_tokens,
  email_verification_tokens, api_keys, invitations, audit_log TO porchlight_app;
--> statement-breakpoint
-- Tenant tables of the identity module.
SELECT porchlight_protect_tenant_table('invitations');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('audit_log');
--> statement-breakpoint
ALTER TABLE invitations ADD CONSTRAINT invitations_inviter_fkey FOREIGN KEY (account_id, invited_by_user_id)
  REFERENCES memberships (account_id, user_id) ON DELETE SET NULL (invited_by_user_id);
--> statement-breakpoint
-- The audit log is append-only for the app role: it may add and read, never change or remove.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log FROM porchlight_app;
--> statement-breakpoint
-- Reached only on the system path (no tenant set): sign-in, sessions, reset and verification.
ALTER TABLE sessions ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_only ON sessions
  USING (nullif(current_setting('app.account_id', true), '') IS NULL)
  WITH CHECK (nullif(current_setting('app.account_id', true), '') IS NULL);
--> statement-breakpoint
ALTER TABLE login_attempts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_only ON login_attempts
  USING (nullif(current_setting('app.account_id', true), '') IS NULL)
  WITH CHECK (nullif(current_setting('app.account_id', true), '') IS NULL);
--> statement-breakpoint
ALTER TABLE password_reset_tokens ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_only ON password_reset_tokens
  USING (nullif(current_setting('app.account_id', true), '') IS NULL)
  WITH CHECK (nullif(current_setting('app.account_id', true), '') IS NULL);
--> statement-breakpoint
ALTER TABLE email_verification_tokens ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_only ON email_verification_tokens
  USING (nullif(current_setting('app.account_id', true), '') IS NULL)
  WITH CHECK (nullif(current_setting('app.account_id', true), '') IS NULL);
--> statement-breakpoint
-- API keys: found by prefix on the system path; a tenant sees and changes only its own.
ALTER TABLE api_keys ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_or_own_account ON api_keys
  USING (nullif(current_setting('app.account_id', true), '') IS NULL
    OR account_id = nullif(current_setting('app.account_id', true), '')::uuid)
  WITH CHECK (nullif(current_setting('app.account_id', true), '') IS NULL
    OR account_id = nullif(current_setting('app.account_id', true), '')::uuid);
--> statement-breakpoint
REVOKE DELETE, TRUNCATE ON api_keys FROM porchlight_app;
