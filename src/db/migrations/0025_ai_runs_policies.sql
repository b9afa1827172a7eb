-- AI runs are tenant data: RLS enabled and forced (decision 004).
SELECT porchlight_protect_tenant_table('ai_runs');
--> statement-breakpoint
-- The price list is global and read-only to the app (platform admins edit it, as the plans).
REVOKE ALL ON credit_prices FROM porchlight_app;
--> statement-breakpoint
GRANT SELECT ON credit_prices TO porchlight_app;
--> statement-breakpoint
-- Seed 004's token_pricing and ai_cost_config, in micro-dollars (a millionth of a dollar).
INSERT INTO credit_prices (action, unit, cost_micros, markup_percent, credits, description) VALUES
 ('ai_chat_1k_tokens', '1k_tokens', 200, 50, 5, 'A chat model, per 1,000 tokens (prompt and answer)'),
 ('ai_voice_call_minute', 'minute', 600, 50, 7, 'An AI voice call, per minute'),
 ('sms_send', 'message', 7500, 30, 10, 'One outbound SMS'),
 ('email_send', 'message', 100, 100, 1, 'One email sent'),
 ('contact_enrichment', 'lookup', 10000, 50, 50, 'One skip-trace lookup')
ON CONFLICT (action) DO NOTHING;
