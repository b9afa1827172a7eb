-- The codes that prove an account's phone are tenant data: RLS enabled and forced (decision 004).
SELECT porchlight_protect_tenant_table('phone_verifications');
