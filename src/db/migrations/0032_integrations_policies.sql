-- Webhooks, their deliveries and attempts, contacts and groups, imports: tenant data, RLS
-- enabled and forced (decision 004).
SELECT porchlight_protect_tenant_table('webhooks');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('webhook_deliveries');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('webhook_attempts');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('contacts');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('contact_groups');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('contact_group_members');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('imports');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('import_rows');
--> statement-breakpoint
-- The attempt log is append-only: an attempt happened or it did not.
REVOKE UPDATE, DELETE, TRUNCATE ON webhook_attempts FROM porchlight_app;
