CREATE TABLE "calls" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"lead_id" uuid,
	"direction" text NOT NULL,
	"kind" text NOT NULL,
	"from_number" text NOT NULL,
	"to_number" text NOT NULL,
	"status" text NOT NULL,
	"outcome" text,
	"provider" text,
	"provider_call_id" text,
	"duration_seconds" integer,
	"error" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"send_after" timestamp with time zone,
	"idempotency_key" text NOT NULL,
	"answered_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "calls_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "calls_account_idempotency_key" UNIQUE("account_id","idempotency_key"),
	CONSTRAINT "calls_direction_check" CHECK (direction in ('outbound', 'inbound')),
	CONSTRAINT "calls_kind_check" CHECK (kind in ('voice_callback', 'inbound')),
	CONSTRAINT "calls_status_check" CHECK (status in ('queued', 'deferred', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled', 'over_limit')),
	CONSTRAINT "calls_outcome_check" CHECK (outcome is null or outcome in ('connected', 'missed', 'agent_no_answer', 'lead_no_answer', 'declined', 'failed'))
);
--> statement-breakpoint
CREATE TABLE "phone_number_routes" (
	"e164" text PRIMARY KEY NOT NULL,
	"account_id" uuid NOT NULL,
	"phone_number_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "phone_numbers" (
	"account_id" uuid NOT NULL,
	"id" uuid NOT NULL,
	"e164" text NOT NULL,
	"provider" text NOT NULL,
	"provider_id" text,
	"purpose" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "phone_numbers_pkey" PRIMARY KEY("account_id","id"),
	CONSTRAINT "phone_numbers_account_e164_key" UNIQUE("account_id","e164"),
	CONSTRAINT "phone_numbers_provider_check" CHECK (provider in ('twilio', 'vapi')),
	CONSTRAINT "phone_numbers_e164_check" CHECK (e164 ~ '^\+[1-9][0-9]{7,14}$')
);
--> statement-breakpoint
ALTER TABLE "messages" DROP CONSTRAINT "messages_kind_check";--> statement-breakpoint
ALTER TABLE "templates" DROP CONSTRAINT "templates_kind_check";--> statement-breakpoint
ALTER TABLE "accounts" ADD COLUMN "voice_callback" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "send_after" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "messages" ADD COLUMN "provider_status" text;--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calls" ADD CONSTRAINT "calls_lead_fkey" FOREIGN KEY ("account_id","lead_id") REFERENCES "public"."leads"("account_id","id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_number_routes" ADD CONSTRAINT "phone_number_routes_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "phone_numbers" ADD CONSTRAINT "phone_numbers_account_fkey" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calls_account_lead_idx" ON "calls" USING btree ("account_id","lead_id","created_at");--> statement-breakpoint
ALTER TABLE "messages" ADD CONSTRAINT "messages_kind_check" CHECK (kind in ('agent_alert', 'autoresponder', 'manual', 'missed_call_text_back', 'reply', 'auto_reply'));--> statement-breakpoint
ALTER TABLE "templates" ADD CONSTRAINT "templates_kind_check" CHECK (kind in ('agent_alert', 'autoresponder', 'manual', 'missed_call_text_back', 'reply', 'auto_reply'));