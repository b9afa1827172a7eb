CREATE TABLE "ai_runs" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"agent" text NOT NULL,
	"action" text NOT NULL,
	"lead_id" uuid,
	"input" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"provider" text NOT NULL,
	"model" text,
	"prompt_version" text,
	"key_source" text,
	"result" text NOT NULL,
	"error" text,
	"output" jsonb,
	"input_tokens" integer,
	"output_tokens" integer,
	"cost_micros" bigint,
	"duration_ms" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"completed_at" timestamp with time zone,
	CONSTRAINT "ai_runs_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "ai_runs_result_check" CHECK (result in ('running', 'succeeded', 'failed', 'skipped')),
	CONSTRAINT "ai_runs_key_source_check" CHECK (key_source is null or key_source in ('platform', 'own')),
	CONSTRAINT "ai_runs_agent_check" CHECK (agent ~ '^[a-z][a-z0-9_]{1,39}$' and action ~ '^[a-z][a-z0-9_]{1,39}$'),
	CONSTRAINT "ai_runs_numbers_check" CHECK (coalesce(input_tokens, 0) >= 0 and coalesce(output_tokens, 0) >= 0 and coalesce(cost_micros, 0) >= 0 and coalesce(duration_ms, 0) >= 0)
);
--> statement-breakpoint
CREATE TABLE "credit_prices" (
	"action" text PRIMARY KEY NOT NULL,
	"unit" text NOT NULL,
	"cost_micros" integer NOT NULL,
	"markup_percent" integer DEFAULT 50 NOT NULL,
	"credits" integer NOT NULL,
	"description" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_prices_numbers_check" CHECK ("credit_prices"."cost_micros" >= 0 and "credit_prices"."markup_percent" >= 0 and "credit_prices"."credits" >= 0)
);
--> statement-breakpoint
ALTER TABLE "ai_runs" ADD CONSTRAINT "ai_runs_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ai_runs" ADD CONSTRAINT "ai_runs_lead_fkey" FOREIGN KEY ("account_id","lead_id") REFERENCES "public"."leads"("account_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "ai_runs_account_created_idx" ON "ai_runs" USING btree ("account_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "ai_runs_lead_idx" ON "ai_runs" USING btree ("account_id","lead_id");