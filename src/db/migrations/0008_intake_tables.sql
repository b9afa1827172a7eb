CREATE EXTENSION IF NOT EXISTS btree_gin;
--> statement-breakpoint
CREATE TABLE "blocked_ips" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"network" "cidr" NOT NULL,
	"reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "blocked_ips_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "blocked_ips_account_network_key" UNIQUE("account_id","network")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"scope" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer,
	"response" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "idempotency_keys_scope_key" UNIQUE("account_id","scope","key")
);
--> statement-breakpoint
CREATE TABLE "intake_rate_limits" (
	"account_id" uuid NOT NULL,
	"bucket" text NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"hits" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "intake_rate_limits_pkey" PRIMARY KEY("account_id","bucket","window_start")
);
--> statement-breakpoint
CREATE TABLE "lead_consents" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"lead_id" uuid NOT NULL,
	"page_id" uuid,
	"given" boolean NOT NULL,
	"consent_text" text NOT NULL,
	"text_hash" text NOT NULL,
	"text_version" text,
	"page_url" text,
	"ip" "inet",
	"user_agent" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "lead_consents_pkey" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "branding" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"display_name" text,
	"brokerage" text,
	"headline" text,
	"subheadline" text,
	"call_to_action" text,
	"logo_url" text,
	"photo_url" text,
	"primary_color" text DEFAULT '#1f4fd1' NOT NULL,
	"accent_color" text DEFAULT '#f59e0b' NOT NULL,
	"theme" text DEFAULT 'light' NOT NULL,
	"license_number" text,
	"phone_e164" text,
	"public_email" "citext",
	"bio" text,
	"consent_text" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "branding_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "branding_account_key" UNIQUE("account_id"),
	CONSTRAINT "branding_theme_check" CHECK (theme in ('light', 'dark')),
	CONSTRAINT "branding_colors_check" CHECK (primary_color ~ '^#[0-9a-fA-F]{6}$' and accent_color ~ '^#[0-9a-fA-F]{6}$')
);
--> statement-breakpoint
CREATE TABLE "domains" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"hostname" "citext" NOT NULL,
	"provider" text NOT NULL,
	"provider_hostname_id" text,
	"verification_status" text DEFAULT 'pending' NOT NULL,
	"verification" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_error" text,
	"is_primary" boolean DEFAULT false NOT NULL,
	"verified_at" timestamp with time zone,
	"checked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "domains_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "domains_account_hostname_key" UNIQUE("account_id","hostname"),
	CONSTRAINT "domains_status_check" CHECK (verification_status in ('pending', 'active', 'failed')),
	CONSTRAINT "domains_hostname_format_check" CHECK (hostname ~ '^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$' and length(hostname) <= 253)
);
--> statement-breakpoint
CREATE TABLE "hostnames" (
	"hostname" "citext" PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"domain_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "page_routes" (
	"page_id" uuid PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "page_stats_daily" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"page_id" uuid NOT NULL,
	"day" date NOT NULL,
	"views" integer DEFAULT 0 NOT NULL,
	"unique_visitors" integer DEFAULT 0 NOT NULL,
	"submissions" integer DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "page_stats_daily_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "page_stats_daily_page_day_key" UNIQUE("account_id","page_id","day")
);
--> statement-breakpoint
CREATE TABLE "page_visitors" (
	"account_id" uuid NOT NULL,
	"page_id" uuid NOT NULL,
	"day" date NOT NULL,
	"visitor_hash" text NOT NULL,
	CONSTRAINT "page_visitors_pkey" PRIMARY KEY("account_id","page_id","day","visitor_hash")
);
--> statement-breakpoint
CREATE TABLE "testimonials" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"author_name" text NOT NULL,
	"quote" text NOT NULL,
	"location" text,
	"rating" integer,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"is_published" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "testimonials_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "testimonials_rating_check" CHECK (rating is null or rating between 1 and 5)
);
--> statement-breakpoint
DROP INDEX "leads_search_trgm_idx";--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "lead_dedupe_days" integer DEFAULT 30 NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "page_url" text;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "user_agent" text;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "spam_reason" text;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "submission_count" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "last_submitted_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "qualified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "quoted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "booked_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "won_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "leads" ADD COLUMN "lost_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "capture_pages" ADD COLUMN "description" text;--> statement-breakpoint
ALTER TABLE "capture_pages" ADD COLUMN "consent_text" text;--> statement-breakpoint
ALTER TABLE "capture_pages" ADD COLUMN "thank_you_headline" text;--> statement-breakpoint
ALTER TABLE "capture_pages" ADD COLUMN "thank_you_message" text;--> statement-breakpoint
ALTER TABLE "blocked_ips" ADD CONSTRAINT "blocked_ips_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "intake_rate_limits" ADD CONSTRAINT "intake_rate_limits_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "lead_consents" ADD CONSTRAINT "lead_consents_lead_fkey" FOREIGN KEY ("account_id","lead_id") REFERENCES "public"."leads"("account_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "branding" ADD CONSTRAINT "branding_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "domains" ADD CONSTRAINT "domains_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "hostnames" ADD CONSTRAINT "hostnames_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "page_routes" ADD CONSTRAINT "page_routes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "page_stats_daily" ADD CONSTRAINT "page_stats_daily_page_fkey" FOREIGN KEY ("account_id","page_id") REFERENCES "public"."capture_pages"("account_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "page_visitors" ADD CONSTRAINT "page_visitors_page_fkey" FOREIGN KEY ("account_id","page_id") REFERENCES "public"."capture_pages"("account_id","id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "testimonials" ADD CONSTRAINT "testimonials_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "lead_consents_lead_idx" ON "lead_consents" USING btree ("account_id","lead_id");--> statement-breakpoint
CREATE UNIQUE INDEX "domains_one_primary_idx" ON "domains" USING btree ("account_id") WHERE is_primary;--> statement-breakpoint
CREATE INDEX "leads_search_trgm_idx" ON "leads" USING gin ("account_id",(coalesce("full_name", '') || ' ' || coalesce("email"::text, '') || ' ' || coalesce("phone_e164", '') || ' ' || coalesce("address_line", '')) gin_trgm_ops);--> statement-breakpoint
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_lead_dedupe_days_check" CHECK (lead_dedupe_days between 0 and 365);