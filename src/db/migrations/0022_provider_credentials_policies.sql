-- An account's provider keys are tenant data: RLS enabled and forced (decision 004). The table
-- holds ciphertext only (decision 013).
SELECT porchlight_protect_tenant_table('provider_credentials');
