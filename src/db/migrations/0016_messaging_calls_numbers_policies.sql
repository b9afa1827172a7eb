-- Calls and an account's phone numbers are tenant data: RLS enabled and forced (decision 004).
SELECT porchlight_protect_tenant_table('calls');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('phone_numbers');
--> statement-breakpoint
-- Which account a number belongs to is global, like hostnames: readable by every tenant and by the
-- system path (a Twilio webhook names only the number); a tenant claims and releases only its own.
GRANT SELECT, INSERT, DELETE ON phone_number_routes TO porchlight_app;
--> statement-breakpoint
REVOKE UPDATE, TRUNCATE ON phone_number_routes FROM porchlight_app;
--> statement-breakpoint
ALTER TABLE phone_number_routes ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY phone_number_routes_read ON phone_number_routes FOR SELECT USING (true);
--> statement-breakpoint
CREATE POLICY phone_number_routes_insert ON phone_number_routes FOR INSERT
  WITH CHECK (account_id = nullif(current_setting('app.account_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY phone_number_routes_delete ON phone_number_routes FOR DELETE
  USING (account_id = nullif(current_setting('app.account_id', true), '')::uuid);
