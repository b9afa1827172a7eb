-- Messages, templates and suppressions are tenant data: RLS enabled and forced, one policy on
-- the transaction's tenant (decision 004).
SELECT porchlight_protect_tenant_table('messages');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('templates');
--> statement-breakpoint
SELECT porchlight_protect_tenant_table('suppressions');
