CREATE TABLE "billing_events" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"type" text NOT NULL,
	"stripe_event_id" text,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "billing_events_pkey" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "credit_bundles" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"credits" integer NOT NULL,
	"price_cents" integer NOT NULL,
	"stripe_price_id" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "credit_bundles_numbers_check" CHECK ("credit_bundles"."credits" > 0 and "credit_bundles"."price_cents" >= 0)
);
--> statement-breakpoint
CREATE TABLE "credit_ledger" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"kind" text NOT NULL,
	"credits" bigint NOT NULL,
	"balance_after" bigint NOT NULL,
	"action" text,
	"quantity" integer,
	"reference" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"reason" text,
	"actor_user_id" uuid,
	"stripe_object_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_ledger_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "credit_ledger_kind_check" CHECK (kind in ('purchase', 'grant', 'consume', 'refund', 'adjust', 'expire')),
	CONSTRAINT "credit_ledger_balance_check" CHECK ("credit_ledger"."balance_after" >= 0),
	CONSTRAINT "credit_ledger_sign_check" CHECK (("credit_ledger"."kind" in ('purchase', 'grant', 'refund') and "credit_ledger"."credits" > 0)
        or ("credit_ledger"."kind" in ('consume', 'expire') and "credit_ledger"."credits" < 0)
        or ("credit_ledger"."kind" = 'adjust' and "credit_ledger"."credits" <> 0 and "credit_ledger"."reason" is not null))
);
--> statement-breakpoint
CREATE TABLE "credit_wallets" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"balance" bigint DEFAULT 0 NOT NULL,
	"daily_limit" integer,
	"spent_day" date,
	"spent_today" bigint DEFAULT 0 NOT NULL,
	"auto_recharge_below" integer,
	"auto_recharge_bundle" text,
	"recharge_pending_since" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "credit_wallets_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "credit_wallets_account_key" UNIQUE("account_id"),
	CONSTRAINT "credit_wallets_balance_check" CHECK ("credit_wallets"."balance" >= 0),
	CONSTRAINT "credit_wallets_limits_check" CHECK (("credit_wallets"."daily_limit" is null or "credit_wallets"."daily_limit" > 0) and ("credit_wallets"."auto_recharge_below" is null or "credit_wallets"."auto_recharge_below" >= 0) and "credit_wallets"."spent_today" >= 0)
);
--> statement-breakpoint
CREATE TABLE "stripe_events" (
	"id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"account_id" uuid,
	"event_created_at" timestamp with time zone NOT NULL,
	"outcome" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscriptions" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"stripe_subscription_id" text NOT NULL,
	"stripe_customer_id" text NOT NULL,
	"stripe_price_id" text,
	"plan_code" text,
	"interval" text,
	"status" text NOT NULL,
	"current_period_start" timestamp with time zone,
	"current_period_end" timestamp with time zone,
	"cancel_at_period_end" boolean DEFAULT false NOT NULL,
	"canceled_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"amount_cents" integer,
	"currency" text,
	"stripe_created_at" timestamp with time zone,
	"last_event_at" timestamp with time zone NOT NULL,
	"last_event_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscriptions_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "subscriptions_account_stripe_key" UNIQUE("account_id","stripe_subscription_id"),
	CONSTRAINT "subscriptions_interval_check" CHECK ("subscriptions"."interval" is null or "subscriptions"."interval" in ('month', 'year'))
);
--> statement-breakpoint
ALTER TABLE "billing_events" ADD CONSTRAINT "billing_events_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_ledger" ADD CONSTRAINT "credit_ledger_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "credit_wallets" ADD CONSTRAINT "credit_wallets_auto_recharge_bundle_credit_bundles_code_fk" FOREIGN KEY ("auto_recharge_bundle") REFERENCES "public"."credit_bundles"("code") ON DELETE no action ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "credit_wallets" ADD CONSTRAINT "credit_wallets_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_plan_code_plans_code_fk" FOREIGN KEY ("plan_code") REFERENCES "public"."plans"("code") ON DELETE no action ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "subscriptions" ADD CONSTRAINT "subscriptions_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "billing_events_account_created_idx" ON "billing_events" USING btree ("account_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE INDEX "credit_ledger_account_created_idx" ON "credit_ledger" USING btree ("account_id","created_at" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "credit_ledger_stripe_object_key" ON "credit_ledger" USING btree ("account_id","stripe_object_id") WHERE "credit_ledger"."stripe_object_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "accounts_stripe_customer_key" ON "accounts" USING btree ("stripe_customer_id") WHERE "accounts"."stripe_customer_id" is not null;