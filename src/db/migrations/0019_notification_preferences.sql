ALTER TABLE "memberships" ADD COLUMN "new_lead_alerts" text DEFAULT 'assigned' NOT NULL;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_new_lead_alerts_check" CHECK (new_lead_alerts in ('all', 'assigned', 'none'));--> statement-breakpoint
-- Owners have always been emailed every unassigned lead: they keep that ('all'); everyone else
-- starts on 'assigned'. memberships forces row-level security on its owner too (a migrating user
-- who is not a superuser sees no tenant's rows), so each account's rows are updated as that tenant.
DO $$
DECLARE
  acc uuid;
BEGIN
  FOR acc IN SELECT id FROM accounts LOOP
    PERFORM set_config('app.account_id', acc::text, true);
    UPDATE memberships SET new_lead_alerts = 'all' WHERE account_id = acc AND role = 'owner';
  END LOOP;
  PERFORM set_config('app.account_id', '', true);
END
$$;
