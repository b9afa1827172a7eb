-- A signed-in user lists the accounts they belong to (GET /api/v1/me, switching accounts)
-- before any tenant is chosen: `withUser` sets app.user_id with no tenant, and this read-only
-- policy shows that user's own memberships, in every account, and nothing else.
CREATE POLICY memberships_of_user ON memberships AS PERMISSIVE FOR SELECT TO PUBLIC
  USING (user_id = nullif(current_setting('app.user_id', true), '')::uuid);
