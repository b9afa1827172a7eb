-- Tenant tables: RLS enabled, forced, one tenant_isolation policy each.
SELECT porchlight_protect_tenant_table('memberships');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('usage_counters');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('capture_pages');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('leads');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('lead_events');
--> statement-breakpoint
-- Default privileges cover tables created after 0000 by the same user; say it again for
-- databases migrated by another user than the one that ran 0000.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO porchlight_app;
--> statement-breakpoint
-- The plan catalogue (platform admins edit it later; prices in cents; null limit = unlimited).
INSERT INTO plans (code, name, price_month_cents, price_year_cents, limits, features, included_credits, allow_overage, overage_price_cents, sort_order) VALUES
 ('trial', 'Trial', 0, 0,
  '{"leads": 50, "emails": 250, "sms": 25, "aiCalls": 50, "reports": 3, "propertyReports": 3, "seats": 1}',
  '{"customDomain": false, "twilio": false, "voiceCallback": false, "aiVoice": false, "distressedLeads": false, "byokAi": false}',
  0, false, NULL, 0),
 ('booster', 'Booster', 2900, 29000,
  '{"leads": 500, "emails": 2500, "sms": 250, "aiCalls": 500, "reports": 20, "propertyReports": 20, "seats": 1}',
  '{"customDomain": true, "twilio": false, "voiceCallback": false, "aiVoice": false, "distressedLeads": false, "byokAi": true}',
  100, true, 5, 1),
 ('pro', 'Pro', 7900, 79000,
  '{"leads": 5000, "emails": 20000, "sms": 2000, "aiCalls": 5000, "reports": 100, "propertyReports": 100, "seats": 3}',
  '{"customDomain": true, "twilio": true, "voiceCallback": true, "aiVoice": false, "distressedLeads": true, "byokAi": true}',
  500, true, 4, 2),
 ('team', 'Team', 19900, 199000,
  '{"leads": null, "emails": 100000, "sms": 10000, "aiCalls": 20000, "reports": null, "propertyReports": null, "seats": 25}',
  '{"customDomain": true, "twilio": true, "voiceCallback": true, "aiVoice": true, "distressedLeads": true, "byokAi": true}',
  2000, true, 3, 3)
ON CONFLICT (code) DO NOTHING;
--> statement-breakpoint
-- Only a member of the lead's own account can be its assignee or an event's actor; leaving
-- the account clears the reference and keeps the row.
ALTER TABLE leads ADD CONSTRAINT leads_assignee_fkey FOREIGN KEY (account_id, assigned_user_id)
  REFERENCES memberships (account_id, user_id) ON DELETE SET NULL (assigned_user_id);
--> statement-breakpoint
ALTER TABLE lead_events ADD CONSTRAINT lead_events_actor_fkey FOREIGN KEY (account_id, actor_user_id)
  REFERENCES memberships (account_id, user_id) ON DELETE SET NULL (actor_user_id);
--> statement-breakpoint
CREATE INDEX leads_account_assignee_idx ON leads (account_id, assigned_user_id);
--> statement-breakpoint
-- Global tables. The app role may do to them only what a tenant may: read the plan catalogue;
-- read every account (host names route to them) but create or change only its own; see only
-- the users who are members of its account, and none at all it can delete. The system path
-- (no tenant set) reads and updates users: sign-in, password reset, invitations.
-- RLS is enabled, not forced, so owner-level maintenance is not bound by it.
REVOKE ALL ON plans FROM porchlight_app;
--> statement-breakpoint
GRANT SELECT ON plans TO porchlight_app;
--> statement-breakpoint
REVOKE DELETE, TRUNCATE ON accounts, users FROM porchlight_app;
--> statement-breakpoint
ALTER TABLE accounts ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY accounts_read ON accounts FOR SELECT USING (true);
--> statement-breakpoint
CREATE POLICY accounts_insert ON accounts FOR INSERT
  WITH CHECK (id = nullif(current_setting('app.account_id', true), '')::uuid);
--> statement-breakpoint
CREATE POLICY accounts_update ON accounts FOR UPDATE
  USING (id = nullif(current_setting('app.account_id', true), '')::uuid)
  WITH CHECK (id = nullif(current_setting('app.account_id', true), '')::uuid);
--> statement-breakpoint
ALTER TABLE users ENABLE ROW LEVEL SECURITY;
--> statement-breakpoint
CREATE POLICY users_read ON users FOR SELECT USING (
  nullif(current_setting('app.account_id', true), '') IS NULL
  OR EXISTS (SELECT 1 FROM memberships m
    WHERE m.account_id = nullif(current_setting('app.account_id', true), '')::uuid AND m.user_id = users.id)
);
--> statement-breakpoint
CREATE POLICY users_insert ON users FOR INSERT WITH CHECK (true);
--> statement-breakpoint
CREATE POLICY users_update ON users FOR UPDATE
  USING (nullif(current_setting('app.account_id', true), '') IS NULL)
  WITH CHECK (nullif(current_setting('app.account_id', true), '') IS NULL);
