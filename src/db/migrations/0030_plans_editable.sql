-- Platform admins edit the plan catalogue (issue 8): only on the system path (no tenant set), as users.
GRANT UPDATE ON plans TO porchlight_app;
--> statement-breakpoint
ALTER TABLE plans ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY plans_read ON plans FOR SELECT USING (true);
--> statement-breakpoint
CREATE POLICY plans_update ON plans FOR UPDATE
  USING (nullif(current_setting('app.account_id', true), '') IS NULL)
  WITH CHECK (nullif(current_setting('app.account_id', true), '') IS NULL);
