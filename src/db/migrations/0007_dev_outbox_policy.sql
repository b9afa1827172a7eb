-- The dev outbox: the system path only (no tenant ever reads it); the app role adds and reads.
GRANT SELECT, INSERT ON dev_outbox TO porchlight_app;
--> statement-breakpoint
REVOKE UPDATE, DELETE, TRUNCATE ON dev_outbox FROM porchlight_app;
--> statement-breakpoint
ALTER TABLE dev_outbox ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY system_only ON dev_outbox
  USING (nullif(current_setting('app.account_id', true), '') IS NULL)
  WITH CHECK (nullif(current_setting('app.account_id', true), '') IS NULL);
