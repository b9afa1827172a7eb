CREATE TABLE "plans" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"price_month_cents" integer NOT NULL,
	"price_year_cents" integer NOT NULL,
	"limits" jsonb NOT NULL,
	"features" jsonb NOT NULL,
	"included_credits" integer DEFAULT 0 NOT NULL,
	"allow_overage" boolean DEFAULT false NOT NULL,
	"overage_price_cents" integer,
	"stripe_price_id_month" text,
	"stripe_price_id_year" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "usage_counters" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"period_month" date NOT NULL,
	"leads_created" integer DEFAULT 0 NOT NULL,
	"emails_sent" integer DEFAULT 0 NOT NULL,
	"sms_sent" integer DEFAULT 0 NOT NULL,
	"ai_calls" integer DEFAULT 0 NOT NULL,
	"reports_generated" integer DEFAULT 0 NOT NULL,
	"property_reports" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "usage_counters_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "usage_counters_account_period_key" UNIQUE("account_id","period_month"),
	CONSTRAINT "usage_counters_period_check" CHECK (extract(day from period_month) = 1)
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"slug" "citext" NOT NULL,
	"vertical" text DEFAULT 'real_estate' NOT NULL,
	"plan_code" text DEFAULT 'trial' NOT NULL,
	"status" text DEFAULT 'active' NOT NULL,
	"country" text DEFAULT 'US' NOT NULL,
	"timezone" text DEFAULT 'America/New_York' NOT NULL,
	"phone_e164" text,
	"sms_opt_in" boolean DEFAULT false NOT NULL,
	"license_number" text,
	"sponsor_account_id" uuid,
	"stripe_customer_id" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "accounts_slug_key" UNIQUE("slug"),
	CONSTRAINT "accounts_vertical_check" CHECK (vertical in ('real_estate', 'home_services', 'investor', 'lender', 'other')),
	CONSTRAINT "accounts_status_check" CHECK (status in ('active', 'trialing', 'past_due', 'canceled', 'suspended')),
	CONSTRAINT "accounts_slug_format_check" CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,38}[a-z0-9]$')
);
--> statement-breakpoint
CREATE TABLE "memberships" (
	"account_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"role" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "memberships_pkey" PRIMARY KEY("account_id","user_id"),
	CONSTRAINT "memberships_role_check" CHECK (role in ('owner', 'admin', 'member', 'affiliate'))
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY NOT NULL,
	"email" "citext" NOT NULL,
	"password_hash" text,
	"name" text NOT NULL,
	"phone_e164" text,
	"photo_url" text,
	"email_verified_at" timestamp with time zone,
	"is_platform_admin" boolean DEFAULT false NOT NULL,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_key" UNIQUE("email")
);
--> statement-breakpoint
CREATE TABLE "lead_events" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"lead_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"actor_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lead_events_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "lead_events_kind_format_check" CHECK (kind ~ '^[a-z][a-z0-9_.]{1,63}$')
);
--> statement-breakpoint
CREATE TABLE "leads" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"page_id" uuid,
	"source" text NOT NULL,
	"status" text DEFAULT 'new' NOT NULL,
	"full_name" text,
	"email" "citext",
	"phone_e164" text,
	"address_line" text,
	"city" text,
	"state" text,
	"postal_code" text,
	"message" text,
	"service_type" text,
	"urgency" text,
	"timeline" text,
	"price_min_cents" bigint,
	"price_max_cents" bigint,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"utm_source" text,
	"utm_medium" text,
	"utm_campaign" text,
	"utm_term" text,
	"utm_content" text,
	"referrer" text,
	"source_ip" "inet",
	"consent_given" boolean DEFAULT false NOT NULL,
	"consent_text" text,
	"consent_at" timestamp with time zone,
	"assigned_user_id" uuid,
	"is_held" boolean DEFAULT false NOT NULL,
	"held_reason" text,
	"ai_score" integer,
	"ai_summary" text,
	"ai_reasons" jsonb,
	"ai_scorer" text,
	"ai_model" text,
	"lost_reason" text,
	"quoted_amount_cents" bigint,
	"actual_amount_cents" bigint,
	"external_ids" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"first_response_at" timestamp with time zone,
	"contacted_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "leads_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "leads_status_check" CHECK (status in ('new', 'contacted', 'qualified', 'quoted', 'booked', 'won', 'lost', 'spam')),
	CONSTRAINT "leads_source_check" CHECK (source in ('home_valuation', 'buyer_interest', 'contact', 'custom', 'import', 'api', 'missed_call', 'phone_call', 'sms', 'voice_assistant', 'google_ads', 'referral', 'website', 'property_report', 'consumer_report', 'property_search', 'marketplace')),
	CONSTRAINT "leads_ai_score_check" CHECK (ai_score is null or ai_score between 0 and 100),
	CONSTRAINT "leads_phone_e164_check" CHECK (phone_e164 is null or phone_e164 ~ '^\+[1-9][0-9]{6,14}$')
);
--> statement-breakpoint
CREATE TABLE "capture_pages" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"kind" text NOT NULL,
	"slug" text NOT NULL,
	"title" text NOT NULL,
	"headline" text,
	"subheadline" text,
	"call_to_action" text,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"archived_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "capture_pages_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "capture_pages_account_slug_key" UNIQUE("account_id","slug"),
	CONSTRAINT "capture_pages_kind_check" CHECK (kind in ('home_valuation', 'buyer_interest', 'contact', 'custom')),
	CONSTRAINT "capture_pages_slug_format_check" CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,62}$')
);
--> statement-breakpoint
ALTER TABLE "usage_counters" ADD CONSTRAINT "usage_counters_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_plan_code_plans_code_fk" FOREIGN KEY ("plan_code") REFERENCES "public"."plans"("code") ON DELETE no action ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_sponsor_fkey" FOREIGN KEY ("sponsor_account_id") REFERENCES "public"."accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_events" ADD CONSTRAINT "lead_events_lead_fkey" FOREIGN KEY ("account_id","lead_id") REFERENCES "public"."leads"("account_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leads" ADD CONSTRAINT "leads_page_fkey" FOREIGN KEY ("account_id","page_id") REFERENCES "public"."capture_pages"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "capture_pages" ADD CONSTRAINT "capture_pages_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "memberships_user_idx" ON "memberships" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "lead_events_lead_idx" ON "lead_events" USING btree ("account_id","lead_id","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "leads_account_created_idx" ON "leads" USING btree ("account_id","created_at" DESC NULLS FIRST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "leads_account_status_idx" ON "leads" USING btree ("account_id","status","created_at" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "leads_account_email_idx" ON "leads" USING btree ("account_id","email");--> statement-breakpoint
CREATE INDEX "leads_account_phone_idx" ON "leads" USING btree ("account_id","phone_e164");--> statement-breakpoint
CREATE INDEX "leads_search_trgm_idx" ON "leads" USING gin ((coalesce("full_name", '') || ' ' || coalesce("email"::text, '') || ' ' || coalesce("phone_e164", '')) gin_trgm_ops);