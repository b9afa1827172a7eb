-- Subscriptions, billing history and the credit wallet are tenant data: RLS enabled and forced (decision 004).
SELECT porchlight_protect_tenant_table('subscriptions');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('billing_events');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('credit_wallets');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('credit_ledger');
--> statement-breakpoint
-- The billing history and the credit ledger are append-only: corrections are new rows.
REVOKE UPDATE, DELETE, TRUNCATE ON billing_events, credit_ledger FROM porchlight_app;
--> statement-breakpoint
-- Stripe event ids taken: global (Stripe's ids are unique), added to and read by the webhook only.
REVOKE ALL ON stripe_events FROM porchlight_app;
--> statement-breakpoint
GRANT SELECT, INSERT ON stripe_events TO porchlight_app;
--> statement-breakpoint
ALTER TABLE stripe_events ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
-- Read and written with no tenant set (an event for no account of ours) or as the event's account.
CREATE POLICY stripe_events_access ON stripe_events FOR ALL
  USING (nullif(current_setting('app.account_id', true), '') IS NULL
    OR account_id = nullif(current_setting('app.account_id', true), '')::uuid)
  WITH CHECK (nullif(current_setting('app.account_id', true), '') IS NULL
    OR account_id = nullif(current_setting('app.account_id', true), '')::uuid);
--> statement-breakpoint
-- Credit bundles are global and read-only to the app (platform admins edit them, as the plans).
REVOKE ALL ON credit_bundles FROM porchlight_app;
--> statement-breakpoint
GRANT SELECT ON credit_bundles TO porchlight_app;
--> statement-breakpoint
-- Seed 004's token bundles, in cents.
INSERT INTO credit_bundles (code, name, credits, price_cents, sort_order) VALUES
 ('credits_500', '500 credits', 500, 500, 0),
 ('credits_2000', '2,000 credits', 2000, 1800, 1),
 ('credits_10000', '10,000 credits', 10000, 8000, 2)
ON CONFLICT (code) DO NOTHING;
--> statement-breakpoint
-- A property report, priced like the others (seed 003's per-metric costs).
INSERT INTO credit_prices (action, unit, cost_micros, markup_percent, credits, description) VALUES
 ('property_report', 'report', 50000, 50, 75, 'One property report')
ON CONFLICT (action) DO NOTHING;
